"""The checker's outcome on a round's final sets as it was while they were blind, for
benchmarks/draft_learned_lopo.py and draft_learned_gate.py. Each round's sets and the commit of their
first blind run (their headers name it):

    git worktree add --detach /tmp/dl2_old_0b86da4 0b86da4      # likewise eb24c56, 237603a
    .venv/bin/python benchmarks/draft_learned_oldrun.py 0b86da4  # writes /tmp/dl2_old_0b86da4.json {set: [ok, ...]}
"""
import json
import sys
import tomllib
from datetime import date
from pathlib import Path

# commit of the first blind run -> the sets it was the first run of
ROUNDS = {"eb24c56": ("calmore_e", "oakfield_c", "three_rivers_c"),
          "237603a": ("calmore_f", "oakfield_d", "three_rivers_d"),
          "0b86da4": ("calmore_g", "oakfield_e", "three_rivers_e")}
HERE = Path(__file__).resolve().parent.parent
SCHOOLS = HERE / "tests" / "schools"
FILES = {"calmore": (HERE / "policy/calmore-social-media-policy.txt", HERE / "data/consent_register.csv"),
         "oakfield": (SCHOOLS / "oakfield/policy.txt", SCHOOLS / "oakfield/consent_register.csv"),
         "three_rivers": (SCHOOLS / "three-rivers/policy.txt", SCHOOLS / "three-rivers/consent_register.csv")}


def main(commit: str) -> None:
    old = Path(f"/tmp/dl2_old_{commit}")
    sys.path.insert(0, str(old))
    import knowledge.draft_check as dc
    from knowledge.consent import ConsentRegister

    assert dc.__file__.startswith(str(old)), dc.__file__  # the old code, not this checkout's
    out = {}
    for name in ROUNDS[commit]:
        policy_file, consent_file = FILES[name.rsplit("_", 1)[0]]
        policy, register = dc.load_policy(str(policy_file)), ConsentRegister.from_csv(consent_file)
        drafts = tomllib.loads((HERE / "tests/drafts" / f"{name}.toml").read_text())["draft"]
        oks = [dc.check_draft(d["text"], d.get("platform") or None, register, pictured=d.get("pictured", []),
                              today=date(2026, 12, 1), policy=policy, meaning=False).ok for d in drafts]
        out[name] = oks
        blocked = sum(not ok for ok, d in zip(oks, drafts) if d["expect"])
        passed = sum(ok for ok, d in zip(oks, drafts) if not d["expect"])
        print(f"{name}: blocked {blocked}/{sum(1 for d in drafts if d['expect'])}, "
              f"passed {passed}/{sum(1 for d in drafts if not d['expect'])}")
    Path(f"/tmp/dl2_old_{commit}.json").write_text(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "0b86da4")
