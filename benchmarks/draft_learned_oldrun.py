"""The checker's outcome on the newest sets as it was while they were blind, for
benchmarks/draft_learned_lopo.py. Run from a checkout of that commit:

    git worktree add --detach /tmp/dl_old 0b86da4
    .venv/bin/python benchmarks/draft_learned_oldrun.py      # writes /tmp/dl_old_ok.json {set: [ok, ...]}
"""
import json
import sys
import tomllib
from datetime import date
from pathlib import Path

OLD = Path("/tmp/dl_old")
sys.path.insert(0, str(OLD))
import knowledge.draft_check as dc  # noqa: E402
from knowledge.consent import ConsentRegister  # noqa: E402

assert dc.__file__.startswith(str(OLD)), dc.__file__  # the old code, not this checkout's
HERE = Path(__file__).resolve().parent.parent
SCHOOLS = HERE / "tests" / "schools"
SETS = {"calmore_g": (HERE / "policy/calmore-social-media-policy.txt", HERE / "data/consent_register.csv"),
        "oakfield_e": (SCHOOLS / "oakfield/policy.txt", SCHOOLS / "oakfield/consent_register.csv"),
        "three_rivers_e": (SCHOOLS / "three-rivers/policy.txt", SCHOOLS / "three-rivers/consent_register.csv")}
out = {}
for name, (policy_file, consent_file) in SETS.items():
    policy, register = dc.load_policy(str(policy_file)), ConsentRegister.from_csv(consent_file)
    drafts = tomllib.loads((HERE / "tests/drafts" / f"{name}.toml").read_text())["draft"]
    oks = [dc.check_draft(d["text"], d.get("platform") or None, register, pictured=d.get("pictured", []),
                          today=date(2026, 12, 1), policy=policy, meaning=False).ok for d in drafts]
    out[name] = oks
    blocked = sum(not ok for ok, d in zip(oks, drafts) if d["expect"])
    passed = sum(ok for ok, d in zip(oks, drafts) if not d["expect"])
    print(f"{name}: blocked {blocked}/{sum(1 for d in drafts if d['expect'])}, "
          f"passed {passed}/{sum(1 for d in drafts if not d['expect'])}")
json.dump(out, open("/tmp/dl_old_ok.json", "w"))
