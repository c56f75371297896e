"""The draft pre-check reads any school's policy: its channels, its will-not-post list wherever it is,
its consent form and how long consent lasts; findings cite that policy's numbers and quote its words."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.draft_sets import score  # noqa: E402
from knowledge.consent import ConsentRegister  # noqa: E402
from knowledge.draft_check import channels_of, check_draft, load_policy  # noqa: E402
from tests.draft_schools import OAKFIELD, THREE_RIVERS, TODAY  # noqa: E402

CALMORE_WORDS = re.compile(r"facebook|instagram|multimedia|calmore|section 2\b", re.I)
# Any of the three schools' channels, forms and paragraph numbers: none belongs in the checker's code.
SCHOOL_WORDS = re.compile(CALMORE_WORDS.pattern + r"|oakfield|three rivers|tiktok|linkedin|youtube|class dojo|"
                          r"image consent|media consent|\b5\.7\b|\b4\.9\b", re.I)


def oakfield_register() -> ConsentRegister:
    return ConsentRegister.from_rows([
        {"name": "Amira Hussain", "class": "Year 2", "consent": "yes", "date_signed": "2026-09-10", "scope": "both"},
        {"name": "Jonah Price", "class": "Year 4", "consent": "yes", "date_signed": "2024-09-10", "scope": "both"},
    ])


def test_oakfield_channels_come_from_its_own_list():
    assert channels_of(load_policy(str(OAKFIELD))) == ["x", "youtube", "class dojo", "website"]
    assert channels_of(load_policy(str(THREE_RIVERS))) == ["facebook", "instagram", "linkedin", "tiktok"]


@pytest.mark.parametrize("text,rule,clause", [
    ("Vote Labour on Thursday! They are the only party that cares about schools.", "political", "5-7.6"),
    ("Crumbs Bakery opens on Oakfield Lane next week - use code OAK10 for 10% off!", "business_advert", "5-7.5"),
    ("Apparently some parents still can't read a calendar 🙄 It's really not that hard, people.",
     "harmful_language", "5-7.9"),
])
def test_oakfield_findings_cite_paragraph_5_7_with_no_calmore_word(text, rule, clause):
    result = check_draft(text, "x", oakfield_register(), today=TODAY, policy=load_policy(str(OAKFIELD)))
    finding = next(f for f in result.blocks if f.rule == rule)
    letter = "abcdefghi"[int(clause.rsplit(".", 1)[1]) - 1]  # the policy letters its list: 5.7 a) … i)
    assert (finding.section, finding.clause, finding.citation) == ("5", clause, f"paragraph 5.7 {letter}")
    assert f"paragraph 5.7 {letter}" in finding.message
    assert "The school will not post any of the following" in finding.message
    summary = result.summary()
    assert summary.startswith("Not ready for X:") and f"(policy paragraph 5.7 {letter})" in summary
    assert not CALMORE_WORDS.search(summary), summary


def test_oakfield_forbids_full_names_even_with_consent_and_consent_lasts_a_year():
    policy = load_policy(str(OAKFIELD))
    named = check_draft("Well done to Amira Hussain in Year 2 for her reading award!", "youtube",
                        oakfield_register(), today=TODAY, policy=policy)
    assert [(f.rule, f.clause) for f in named.blocks] == [("consent", "5-7.1")]
    first_name_only = check_draft("Well done to Amira in Year 2 for her reading award!", "youtube",
                                  oakfield_register(), today=TODAY, policy=policy)
    assert first_name_only.ok, first_name_only.summary()
    old_form = check_draft("Year 4 building bridges.", "class dojo", oakfield_register(), pictured=["Jonah Price"],
                           today=TODAY, policy=policy)
    finding = old_form.blocks[0]
    assert finding.clause == "5-7.2" and "Image Consent Form" in finding.message
    assert "in the last year" in finding.message and "lasts a year" in finding.message
    assert not CALMORE_WORDS.search(old_form.summary())


def test_three_rivers_one_list_for_every_channel():
    policy = load_policy(str(THREE_RIVERS))
    result = check_draft("Vote Labour on Thursday!", "both", ConsentRegister([]), today=TODAY, policy=policy)
    political = [(f.clause, f.citation) for f in result.blocks if f.rule == "political"]
    assert political == [("4-9.8", "paragraph 4.9")]  # reported once
    # The TikTok account "is used for staff recruitment only" (4.1): a political post is off its purpose too.
    assert [(f.rule, f.clause) for f in result.blocks if f.rule != "political"] == [("channel_use", "4-1.4")]
    assert "Facebook, Instagram, LinkedIn and TikTok" in result.summary()


def test_rules_are_worked_out_once_per_policy_and_die_with_it():
    import gc
    import weakref

    from knowledge.draft_policy import draft_rules
    from knowledge.policy import Policy

    first = Policy.load(OAKFIELD)
    assert draft_rules(first) is draft_rules(first)
    gone = weakref.ref(first)
    del first
    gc.collect()
    assert gone() is None  # nothing of the checker keeps a school's policy alive after its last use
    second = Policy.load(THREE_RIVERS)  # may reuse the dead policy's id(): it gets its own rules
    assert [c.key for c in draft_rules(second).channels] == ["facebook", "instagram", "linkedin", "tiktok"]


def test_a_channel_the_policy_does_not_have_is_refused_plainly():
    with pytest.raises(ValueError, match="x, youtube, class dojo, website"):
        check_draft("Hello", "facebook", policy=load_policy(str(OAKFIELD)))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "POLICYBOT_POLICY": str(OAKFIELD)}
    return subprocess.run([sys.executable, str(ROOT / "app.py"), "check-draft", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=120, cwd=ROOT, env=env)


def test_cli_checks_the_configured_policy():
    done = run_cli("Vote Labour on Thursday!", "--platform", "youtube", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is False and data["platform"] == "youtube"
    assert [(f["rule"], f["section"], f["clause"]) for f in data["findings"]] == [("political", "5", "5-7.6")]
    assert set(data["findings"][0]) == {"rule", "section", "clause", "severity", "message", "excerpt"}
    refused = run_cli("Hello", "--platform", "instagram")
    assert refused.returncode == 2 and "x, youtube, class dojo, website" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_no_school_words_in_the_checker_code():
    """No string in the checker's code names a school's channels, form or sections (its comments and
    docstrings may give examples)."""
    import ast

    files = sorted((ROOT / "knowledge" / "draft_check").glob("*.py")) + [
        ROOT / "knowledge" / name for name in ("draft_policy.py", "person_names.py")]
    for path in files:
        name = path.name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                   and isinstance(node.value, str) and id(node) not in docstrings]
        assert not [s for s in strings if SCHOOL_WORDS.search(s)], name


def test_tuning_set_a_holds_its_figures():
    """Set A tuned the checker (its first run is in its header); this keeps later changes honest."""
    drafts = tomllib.loads((ROOT / "tests" / "drafts" / "calmore_a.toml").read_text(encoding="utf-8"))["draft"]
    result = score(drafts, load_policy(), ConsentRegister.from_csv(ROOT / "data" / "consent_register.csv"), TODAY)
    assert result["blocked"] / result["breaking"] >= 0.95, [d["id"] for d, _ in result["missed"]]
    assert result["passed"] / result["compliant"] >= 0.95, [d["id"] for d, _ in result["wrongly_blocked"]]


@pytest.mark.parametrize("text,platform,rule,cited,words", [
    ("📍 City Farm — Year 4 are here until 2pm, wave if you see us!", "instagram", "location", "paragraph 4.9",
     "anything that identifies a student's location in real time"),
    ("Our awards evening will be streamed live on this page at 7pm!", "facebook", "live_stream", "paragraph 8.2",
     "Live streams must not be broadcast publicly on any official channel"),
    ("Meet the Year 8 choir! Applications for our music teacher post close Friday.", "tiktok", "channel_use",
     "paragraph 4.6", "Students must not appear in any TikTok content"),
    ("In my view the new exam timetable is ridiculous.", "linkedin", "staff_opinion", "paragraph 4.9",
     "the personal opinions of staff"),
])
def test_three_rivers_findings_quote_its_own_rules_beyond_the_list(text, platform, rule, cited, words):
    """Rules of kinds Calmore's policy has no word for, cited by Three Rivers' own numbers and words."""
    result = check_draft(text, platform, ConsentRegister([]), today=TODAY, policy=load_policy(str(THREE_RIVERS)))
    finding = next(f for f in result.blocks if f.rule == rule)
    assert finding.citation == cited and words in finding.message
    assert f"(policy {cited})" in result.summary()
    assert not re.search(r"calmore|multimedia|section 2\b", result.summary(), re.I)


def test_oakfield_cites_its_complaints_paragraph_and_its_lettered_items():
    result = check_draft("To the parent who complained on Friday: our lunches meet every national standard.", "x",
                         oakfield_register(), today=TODAY, policy=load_policy(str(OAKFIELD)))
    finding = next(f for f in result.blocks if f.rule == "complaints")
    assert finding.citation == "paragraph 5.12" and "Staff must not use official accounts to respond" in finding.message
    swim = check_draft("Swimming gala smiles!", "website", oakfield_register(), pictured=["Amira Hussain"],
                       today=TODAY, policy=load_policy(str(OAKFIELD)))
    assert "(policy paragraph 5.7 d)" in swim.summary() and "images of pupils in swimwear" in swim.summary()
