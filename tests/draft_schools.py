"""The three schools' policies and a small consent register, as the draft pre-check's unit tests
(tests/test_draft_kinds*.py) check drafts against them."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from knowledge.consent import ConsentRegister  # noqa: E402
from knowledge.draft_check import check_draft, load_policy  # noqa: E402

OAKFIELD = ROOT / "tests" / "schools" / "oakfield" / "policy.txt"
THREE_RIVERS = ROOT / "tests" / "schools" / "three-rivers" / "policy.txt"
TODAY = date(2026, 12, 1)
REGISTER = ConsentRegister.from_rows([
    {"name": "Poppy Lane", "class": "Year 2", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo;name"},
    {"name": "Kit Moreno", "class": "Year 4", "consent": "yes", "date_signed": "2026-09-10", "scope": "photo;name"},
])


def oakfield(text, platform="x", **kwargs):
    return check_draft(text, platform, REGISTER, today=TODAY, policy=load_policy(str(OAKFIELD)), **kwargs)


def three_rivers(text, platform="facebook", **kwargs):
    return check_draft(text, platform, REGISTER, today=TODAY, policy=load_policy(str(THREE_RIVERS)), **kwargs)


def calmore(text, platform="facebook", **kwargs):
    return check_draft(text, platform, REGISTER, today=TODAY, policy=load_policy(), **kwargs)


def blocked(result, rule):
    """The blocking finding of that rule kind, or None."""
    return next((f for f in result.blocks if f.rule == rule), None)
