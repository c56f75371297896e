"""The old checker's outcome on the newest sets for benchmarks/draft_learned_lopo.py: run with a
checkout of 0b86da4 at /tmp/dl_old (git worktree add --detach /tmp/dl_old 0b86da4); writes /tmp/dl_old_ok.json."""
import sys, json, tomllib
sys.path.insert(0, "/tmp/dl_old")
from datetime import date
from pathlib import Path
import knowledge.draft_check as dc
assert dc.__file__.startswith("/tmp/dl_old"), dc.__file__
from knowledge.consent import ConsentRegister
W = Path(__file__).resolve().parent.parent
sets = {"calmore_g": (W/"policy/calmore-social-media-policy.txt", W/"data/consent_register.csv"),
        "oakfield_e": (W/"tests/schools/oakfield/policy.txt", W/"tests/schools/oakfield/consent_register.csv"),
        "three_rivers_e": (W/"tests/schools/three-rivers/policy.txt", W/"tests/schools/three-rivers/consent_register.csv")}
out = {}
for name, (p, c) in sets.items():
    policy = dc.load_policy(str(p)); reg = ConsentRegister.from_csv(c)
    oks = []
    for d in tomllib.loads((W/"tests/drafts"/f"{name}.toml").read_text())["draft"]:
        r = dc.check_draft(d["text"], d.get("platform") or None, reg, pictured=d.get("pictured", []), today=date(2026,12,1), policy=policy, meaning=False)
        oks.append(r.ok)
    out[name] = oks
    brk = [not o for o, d in zip(oks, tomllib.loads((W/"tests/drafts"/f"{name}.toml").read_text())["draft"]) if d["expect"]]
    cmp_ = [o for o, d in zip(oks, tomllib.loads((W/"tests/drafts"/f"{name}.toml").read_text())["draft"]) if not d["expect"]]
    print(name, f"blocked {sum(brk)}/{len(brk)} passed {sum(cmp_)}/{len(cmp_)}")
json.dump(out, open("/tmp/dl_old_ok.json", "w"))
