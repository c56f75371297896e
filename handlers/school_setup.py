"""`app.py setup POLICY_FILE`: a new school's folder, ready to edit, from its policy document.

Writes policy.txt (the document's text, in the shape knowledge/policy.py reads), school.toml (name,
short code, headteacher and renewal date as the policy states them), roster.csv and
consent_register.csv (headers and one commented example row), and holidays.toml (the usual
pattern of English term dates for the current school year, to replace with the published ones).
No lexicon and no example phrasings are copied: another school's would answer from the wrong rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from knowledge import policy_facts
from knowledge.documents import DocumentError, read_policy_document
from knowledge.policy import Policy, parse_policy

WRITTEN = ("policy.txt", "school.toml", "roster.csv", "consent_register.csv", "holidays.toml")
SHORT_CODE_RE = re.compile(r"^[A-Z0-9]{2,6}$")
ROSTER_HEADER = "id,name,email,roles,job_title,start_date,slack_id,teams_id"
CONSENT_HEADER = "name,class,consent,date_signed,scope"


class SetupError(Exception):
    """Nothing was written; the message says why and what to do."""


@dataclass
class SetupResult:
    folder: Path
    policy: Policy
    school: str
    short_code: str
    headteacher: str | None
    renewal_due: str | None
    notes: list[str] = field(default_factory=list)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def school_year_start(today: date) -> int:
    """The calendar year the current English school year began in (September to August)."""
    return today.year if today.month >= 9 else today.year - 1


def _monday_between(first: date, last: date) -> date:
    day = first
    while day.weekday() != 0:
        day += timedelta(days=1)
    return day if day <= last else first


def _last_monday(year: int, month: int) -> date:
    day = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    while day.weekday() != 0:
        day -= timedelta(days=1)
    return day


def english_holidays(start_year: int) -> list[tuple[str, date, date]]:
    """Holidays of the school year starting in September `start_year`, on the pattern most English
    local authorities follow: half terms in the last week of October, mid-February and the week of
    the late-May bank holiday; two weeks at Christmas; the two weeks around Easter; summer from late
    July. A starting point only: every authority and trust publishes its own dates."""
    from dateutil.easter import easter

    y, n = start_year, start_year + 1
    october = _last_monday(y, 10)
    christmas = _monday_between(date(y, 12, 18), date(y, 12, 24))
    february = _monday_between(date(n, 2, 15), date(n, 2, 21))
    easter_sunday = easter(n)
    easter_start = easter_sunday - timedelta(days=6)  # the Monday of Holy Week
    may = _last_monday(n, 5)
    summer = _monday_between(date(n, 7, 20), date(n, 7, 26))
    return [
        (f"Autumn half term {y}", october, october + timedelta(days=4)),
        (f"Christmas holiday {y}", christmas, christmas + timedelta(days=11)),
        (f"Spring half term {n}", february, february + timedelta(days=4)),
        (f"Easter holiday {n}", easter_start, easter_start + timedelta(days=11)),
        (f"May half term {n}", may, may + timedelta(days=4)),
        (f"Summer holiday {n}", summer, date(n, 8, 31)),
    ]


def holidays_toml(today: date) -> str:
    start = school_year_start(today)
    lines = [
        f"# School holidays {start}-{str(start + 1)[2:]}: a STARTING POINT written by `app.py setup` from the usual",
        "# pattern of English term dates. Replace them with your local authority's or trust's published",
        "# dates, and add next year's before September. Training reminders are not sent on these days.",
        "# Dates are inclusive. INSET days are working days for staff, so they are not listed.",
        "generated_by_setup = true   # delete this line once the dates are your own",
        "",
    ]
    for name, first, last in english_holidays(start):
        lines += ["[[holiday]]", f"name = {_toml_string(name)}", f"start = {first.isoformat()}",
                  f"end = {last.isoformat()}", ""]
    return "\n".join(lines)


def school_toml(school: str, code: str, headteacher: str | None, renewal: str | None) -> str:
    head = _toml_string(headteacher or "")
    return "\n".join([
        "# This school's settings for Policy Bot, written by `app.py setup`. Paths are relative to this file.",
        "# Point POLICYBOT_CONFIG at this file, then run `python app.py check` after every change.",
        f"school = {_toml_string(school)}",
        f"short_code = {_toml_string(code)}            # concern report references: {code}-2026-0001",
        'timezone = "Europe/London"',
        "# As the policy states them; `app.py check` compares them with the roster and today's date.",
        f"headteacher = {head}" + ("" if headteacher else "      # the policy names none: fill in"),
        f"policy_renewal = {_toml_string(renewal or '')}" + ("" if renewal else "   # e.g. \"September 2027\""),
        'policy_file = "policy.txt"',
        'roster_file = "roster.csv"',
        'consent_file = "consent_register.csv"',
        'holidays_file = "holidays.toml"',
        "# Optional, written by the school once the bot is in use (see docs/SWAP_POLICY.md):",
        '# lexicon_file = "lexicon.toml"     # staff words → policy words; who to ask about what',
        '# examples_file = "examples.toml"   # everyday phrasings for clause ids of THIS policy',
        "# Reminders and nudges go out only in these hours (24h clock), on weekdays, outside holidays.",
        "working_hours = [8, 17]",
        "# An unacknowledged concern report escalates to the Headteacher after this many minutes.",
        "report_escalation_minutes = 15",
        'training_link = ""   # where staff do their safeguarding training',
        'policy_link = ""     # where staff read the policy',
        "",
    ])


def roster_csv() -> str:
    return "\n".join([
        ROSTER_HEADER,
        "# One row per person (rows starting with # are ignored). roles, separated by ';': headteacher, "
        "deputy_head (approves post drafts), dsl, deputy_dsl, it_manager, poster, staff, governor, "
        "chair_of_governors, volunteer",
        "# jsmith,Jane Smith,j.smith@school.example.org,dsl;staff,Designated Safeguarding Lead,2020-09-01,,",
        "",
    ])


def consent_csv() -> str:
    return "\n".join([
        CONSENT_HEADER,
        "# One row per pupil (rows starting with # are ignored); consent yes or no; scope: photo;name;video",
        "# Sam Example,Year 3,yes,2026-09-10,photo;name",
        "",
    ])


def set_up_school(policy_document: str | Path, folder: str | Path | None = None, *, name: str | None = None,
                  code: str | None = None, force: bool = False, today: date | None = None) -> SetupResult:
    source = Path(policy_document)
    try:
        text = read_policy_document(source)
    except DocumentError as problem:
        raise SetupError(str(problem)) from None
    policy = parse_policy(text)
    if not policy.sections or len(policy.clauses) < 3:
        raise SetupError(
            f"{source.name}: no numbered sections were found, so the bot could not cite the policy. It reads "
            "headings such as '1. Purpose and scope', '2.1 Facebook' or 'Section 4: Official accounts'; "
            "number the headings in the document (or save it as .txt and add them) and run setup again.")
    school = " ".join((name or policy_facts.school_name(policy) or "").split())
    if not school:
        raise SetupError("The policy does not state the school's name on its first line: give it with --name \"…\".")
    code = (code or policy_facts.short_code(school)).strip().upper()
    if not SHORT_CODE_RE.match(code):
        raise SetupError(f"--short-code {code!r}: use 2 to 6 capital letters or digits, e.g. OPS.")
    target = Path(folder) if folder else Path("schools") / _slug(school)
    existing = [n for n in WRITTEN if (target / n).exists()]
    if existing and not force:
        raise SetupError(f"{target} already has {', '.join(existing)}: nothing was changed. "
                         "Use --force to replace them (your edits to them would be lost).")
    headteacher = policy_facts.headteacher(policy)
    renewal = policy.meta.renewal_due
    target.mkdir(parents=True, exist_ok=True)
    (target / "policy.txt").write_text(text, encoding="utf-8")
    (target / "school.toml").write_text(school_toml(school, code, headteacher, renewal), encoding="utf-8")
    (target / "roster.csv").write_text(roster_csv(), encoding="utf-8")
    (target / "consent_register.csv").write_text(consent_csv(), encoding="utf-8")
    (target / "holidays.toml").write_text(holidays_toml(today or date.today()), encoding="utf-8")
    result = SetupResult(target, policy, school, code, headteacher, renewal)
    if not headteacher:
        result.notes.append("The policy names no headteacher: fill in `headteacher` in school.toml.")
    if not renewal:
        result.notes.append("The policy states no review date: fill in `policy_renewal` in school.toml.")
    return result


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "school"
