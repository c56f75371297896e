"""`app.py check`: what the bot understood of a school's policy and configuration, and what is wrong.

An *error* stops the bot (the server refuses to start on one): a file it cannot read, a policy with
no sections, a roster role it does not know, settings of the wrong kind. A *warning* is something
the IT manager should put right but the bot can run with: stale example phrasings, a role nobody
holds, a headteacher the roster and the policy disagree on, an overdue review date, a lexicon route
to someone who is not on the roster.
"""
from __future__ import annotations

import csv
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.context import Config
from knowledge import policy_facts
from knowledge.policy import STOPWORDS, Policy, parse_policy

# An example phrasing shares this little with its clause (rapidfuzz token_set_ratio of their content
# words, 0-100): it was written for another rule or another policy. Calmore's own phrasings score
# 40 or more for 72 of its 74 clauses; the same file against two other schools' policies scores
# under 40 for 12 of the 24 and 22 of the 37 ids that happen to exist there too.
RESEMBLANCE_THRESHOLD = 40
MODALITY_NAMES = [("must_not", "must not"), ("should_not", "should not"), ("will_not", "will not"),
                  ("must", "must"), ("should", "should"), ("will", "will"), ("may", "may"),
                  ("information", "information")]
# Roles the bot's own flows need, and what goes wrong without them.
NEEDED_ROLES = {
    "dsl": "concern reports have no Designated Safeguarding Lead to go to",
    "headteacher": "unacknowledged concern reports have no one to escalate to, and no one covers draft approval",
    "deputy_head": "post drafts have no approver (give `deputy_head` to whoever approves posts; the Headteacher "
                   "covers while they are away)",
    "it_manager": "no one can authorise staff to post",
}
# Roles the policy may name, by the words it uses.
POLICY_ROLE_WORDS = {
    "deputy_dsl": re.compile(r"\bdeputy (?:designated safeguarding lead|DSL)s?\b", re.I),
    "chair_of_governors": re.compile(r"\bchair of (?:the )?governors\b", re.I),
}
# A lexicon route's key or words name a roster role.
ROUTE_ROLES = [("deputy_dsl", re.compile(r"deputy[ _]dsl|deputy designated", re.I)),
               ("dsl", re.compile(r"\bdsl\b|designated safeguarding", re.I)),
               ("deputy_head", re.compile(r"deputy[ _]head", re.I)),
               ("headteacher", re.compile(r"(?<!deputy )\bhead[ _]?teacher\b|\bhead\b(?! of)", re.I)),
               ("it_manager", re.compile(r"\bit[ _]manager\b", re.I)),
               ("chair_of_governors", re.compile(r"chair[ _]of[ _]governors", re.I))]
HONORIFICS = {"mr", "mrs", "miss", "ms", "mx", "dr", "prof"}


@dataclass
class CheckReport:
    understood: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    policy: Policy | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


# --- names --------------------------------------------------------------------------------------

def _name_parts(name: str) -> tuple[str, str]:
    """(first initial, surname) of "Mr J Whitaker" or "James Whitaker", lower case."""
    words = [w.strip(".,") for w in name.split() if w.strip(".,").lower() not in HONORIFICS]
    if not words:
        return "", ""
    return (words[0][:1].lower() if len(words) > 1 else ""), words[-1].lower()


def same_person(a: str, b: str) -> bool:
    (initial_a, surname_a), (initial_b, surname_b) = _name_parts(a), _name_parts(b)
    if not surname_a or surname_a != surname_b:
        return False
    return not initial_a or not initial_b or initial_a == initial_b


def _content(text: str) -> str:
    return " ".join(w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS)


# --- reading the files ----------------------------------------------------------------------------

def _read_roster(config: Config, report: CheckReport) -> list[dict[str, str]] | None:
    from storage.roster import KNOWN_ROLES, read_roster_rows

    path = Path(config.roster_file)
    if not path.exists():
        report.errors.append(f"roster_file {path} does not exist: the bot would know nobody "
                             "(run `app.py setup` for a template, or fix the path in school.toml)")
        return None
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
        rows = read_roster_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error) as problem:
        report.errors.append(f"roster {path} cannot be read: {problem}")
        return None
    missing = [c for c in ("id", "name", "roles") if c not in header]
    if missing:
        report.errors.append(f"roster {path.name}: missing column(s) {', '.join(missing)} "
                             f"(the first line must be: id,name,email,roles,job_title,start_date,slack_id,teams_id)")
        return None
    for row in rows:
        roles = {r.strip() for r in (row.get("roles") or "").split(";") if r.strip()}
        unknown = roles - KNOWN_ROLES
        if unknown:
            report.errors.append(f"roster {path.name}, {row['id']}: unknown role(s) {', '.join(sorted(unknown))} "
                                 f"(known: {', '.join(sorted(KNOWN_ROLES))})")
        if not (row.get("name") or "").strip():
            report.errors.append(f"roster {path.name}, {row['id']}: no name")
    for person_id, count in Counter(row["id"].strip() for row in rows).items():
        if count > 1:
            report.warnings.append(f"roster {path.name}: the id {person_id} is on {count} rows; the last one wins")
    return rows


def _holders(rows: list[dict[str, str]], role: str) -> list[dict[str, str]]:
    return [row for row in rows if role in {r.strip() for r in (row.get("roles") or "").split(";")}]


def _read_policy(config: Config, report: CheckReport) -> Policy | None:
    path = Path(config.policy_file)
    if not path.exists():
        report.errors.append(f"policy_file {path} does not exist")
        return None
    try:
        policy = parse_policy(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as problem:
        report.errors.append(f"policy {path} cannot be read as UTF-8 text: {problem} "
                             "(run `app.py setup` on the Word or PDF document instead)")
        return None
    if not policy.sections or len(policy.clauses) < 3:
        report.errors.append(f"policy {path.name}: no numbered sections with rules were found (headings such as "
                             "'1. Purpose' or 'Section 1: Purpose' are needed to cite the policy)")
        return None
    return policy


def _read_toml(path: Path | None, what: str, report: CheckReport) -> dict | None:
    if path is None:
        return None
    path = Path(path)
    if not path.exists():
        report.errors.append(f"{what} {path} does not exist (remove the line from school.toml if there is none)")
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as problem:
        report.errors.append(f"{what} {path.name} is not valid TOML: {problem}")
        return None


# --- the checks -------------------------------------------------------------------------------

def _check_settings(config: Config, report: CheckReport) -> None:
    config_file = config.extra.get("config_file")
    if config_file:
        raw = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        for key in ("school", "short_code", "policy_file", "roster_file"):
            if not str(raw.get(key, "")).strip():
                report.errors.append(f"{Path(config_file).name} does not set `{key}`")
    if not re.fullmatch(r"[A-Z0-9]{2,6}", str(config.short_code)):
        report.errors.append(f"short_code {config.short_code!r}: use 2 to 6 capital letters or digits")
    try:
        ZoneInfo(str(config.timezone))
    except (ZoneInfoNotFoundError, ValueError):
        report.errors.append(f"timezone {config.timezone!r} is not a time zone name (e.g. Europe/London)")
    start, end = config.working_hours
    if not (0 <= start < end <= 24):
        report.errors.append(f"working_hours {list(config.working_hours)}: the first hour must come before the "
                             "second, both between 0 and 24")
    minutes = config.report_escalation_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        report.errors.append(f"report_escalation_minutes {minutes!r} must be a whole number of minutes above 0")


def _check_examples(config: Config, policy: Policy, report: CheckReport) -> None:
    from rapidfuzz import fuzz

    from knowledge.answering.retrieval import clause_document

    raw = _read_toml(config.examples_file, "examples_file", report)
    if raw is None:
        return
    clauses = raw.get("clauses", {})
    if not isinstance(clauses, dict):
        report.errors.append("examples_file: [clauses] must map clause ids to lists of phrasings")
        return
    by_id = {c.id: c for c in policy.clauses}
    missing = [cid for cid in clauses if cid not in by_id]
    if missing:
        report.warnings.append(f"examples {Path(config.examples_file).name}: {len(missing)} clause id(s) this policy "
                               f"does not have, so their phrasings are ignored: {', '.join(missing[:12])}"
                               + (" …" if len(missing) > 12 else ""))
    stale = []
    for cid, phrasings in clauses.items():
        if cid not in by_id or not isinstance(phrasings, list) or not phrasings:
            continue
        document = _content(clause_document(by_id[cid]))
        best = max(fuzz.token_set_ratio(_content(str(p)), document) for p in phrasings)
        if best < RESEMBLANCE_THRESHOLD:
            stale.append((cid, str(phrasings[0]), by_id[cid].text))
    for cid, phrasing, text in stale:
        report.warnings.append(f"examples {Path(config.examples_file).name}: {cid}'s phrasings (\"{phrasing[:60]}\") "
                               f"hardly resemble clause {cid} (\"{text[:70]}…\"): check they were written for this "
                               "policy's clause; they steer answers to it")


def _check_people(config: Config, policy: Policy, rows: list[dict[str, str]], report: CheckReport) -> None:
    roster_name = Path(config.roster_file).name
    if not rows:
        report.warnings.append(f"{roster_name} lists nobody yet: add your staff (at least the Headteacher, the DSL and "
                               "whoever approves posts) before anyone can use the bot")
    approval = policy_facts.approval_sentence(policy)
    for role, consequence in NEEDED_ROLES.items():
        if rows and not _holders(rows, role):
            hint = f" The policy says: \"{approval}\"" if role == "deputy_head" and approval else ""
            report.warnings.append(f"nobody on {roster_name} has the role {role}: {consequence}.{hint}")
    for role, pattern in POLICY_ROLE_WORDS.items():
        if rows and pattern.search(policy.source) and not _holders(rows, role):
            report.warnings.append(f"the policy mentions \"{pattern.search(policy.source).group(0)}\" but nobody on "
                                   f"{roster_name} has the role {role}")
    heads = _holders(rows, "headteacher")
    in_policy = policy_facts.headteacher(policy)
    in_settings = str(config.extra.get("headteacher") or "").strip()
    for label, name in (("the policy", in_policy), ("school.toml", in_settings)):
        if name and heads and not any(same_person(name, row["name"]) for row in heads):
            report.warnings.append(f"headteacher: {label} names {name}, but the roster's headteacher is "
                                   f"{', '.join(row['name'] for row in heads)}")
    if in_policy and in_settings and not same_person(in_policy, in_settings):
        report.warnings.append(f"headteacher: the policy names {in_policy}, school.toml {in_settings}")


def _check_renewal(config: Config, policy: Policy, today: date, report: CheckReport) -> None:
    from knowledge.policy import PolicyMeta

    stated = str(config.extra.get("policy_renewal") or "").strip()
    in_policy = policy.meta.renewal_due
    due_text = stated or in_policy
    if not due_text:
        report.warnings.append("no review date: the policy states none and school.toml has no policy_renewal")
        return
    due = PolicyMeta(renewal_due=due_text).renewal_date
    if due is None:
        report.warnings.append(f"review date {due_text!r} is not a month and year (e.g. \"September 2027\")")
    elif today > due:
        report.warnings.append(f"the policy was due for review in {due_text} and is overdue: answers carry a "
                               "renewal notice until a reviewed policy is in place")
    if stated and in_policy and PolicyMeta(renewal_due=in_policy).renewal_date != due:
        report.warnings.append(f"review date: school.toml says {stated}, the policy {in_policy}")


def _check_lexicon(config: Config, rows: list[dict[str, str]], report: CheckReport) -> None:
    raw = _read_toml(config.lexicon_file, "lexicon_file", report)
    if raw is None:
        return
    name = Path(config.lexicon_file).name
    routes = {f"routing.{k}": v for k, v in raw.get("routing", {}).items() if isinstance(v, dict)}
    routes.update({f"neighbours.{k}": v for k, v in raw.get("neighbours", {}).items() if isinstance(v, dict)})
    names = [row["name"] for row in rows]
    for key, entry in routes.items():
        who = str(entry.get("who", ""))
        text = f"{key.split('.', 1)[1]} {who}"
        for role, pattern in ROUTE_ROLES:
            if pattern.search(text):
                if not _holders(rows, role):
                    report.warnings.append(f"lexicon {name} [{key}] sends questions to {who or role}, but nobody on "
                                           f"the roster has the role {role}")
                break
        for person in re.findall(policy_facts.PERSON, who):
            if not any(same_person(person, n) for n in names):
                report.warnings.append(f"lexicon {name} [{key}] names {person}, who is not on the roster")


def _check_other_files(config: Config, today: date, report: CheckReport) -> None:
    from handlers.schedule import load_holidays
    from knowledge.consent import ConsentRegister

    consent = Path(config.consent_file)
    if not consent.exists():
        report.warnings.append(f"consent_file {consent} does not exist: every pupil named or pictured in a post "
                               "draft will be flagged as having no consent")
    else:
        try:
            register = ConsentRegister.from_csv(consent)
            if not register.records:
                report.warnings.append(f"{consent.name} lists no pupils yet: every pupil named in a post draft "
                                       "will be flagged as having no consent")
        except (OSError, UnicodeDecodeError, csv.Error, ValueError) as problem:
            report.errors.append(f"consent register {consent.name} cannot be read: {problem}")
    holidays = Path(config.holidays_file)
    if not holidays.exists():
        report.warnings.append(f"holidays_file {holidays} does not exist: reminders would go out in school holidays")
        return
    try:
        entries = load_holidays(holidays)
        raw = tomllib.loads(holidays.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, ValueError, KeyError, TypeError, OSError) as problem:
        report.errors.append(f"holidays {holidays.name} cannot be read: {problem} "
                             "(each [[holiday]] needs name, start and end dates such as 2026-10-26)")
        return
    if raw.get("generated_by_setup"):
        report.warnings.append(f"{holidays.name} is setup's starting point from the usual English pattern: "
                               "replace it with your published term dates (then delete generated_by_setup)")
    if not any(h.end >= today for h in entries):
        report.warnings.append(f"{holidays.name} has no holidays after today: add this year's term dates")


# --- what was understood --------------------------------------------------------------------------

def _understood(config: Config, policy: Policy, rows: list[dict[str, str]] | None) -> list[str]:
    lines = [f"School: {config.school} ({config.short_code})",
             f"Policy: {config.policy_file} — {len(policy.sections)} sections, {len(policy.clauses)} rules and items",
             "Sections and who they are for:"]
    width = max(len(number) for number in policy.sections)
    counts = Counter(c.section for c in policy.clauses)
    for number, section in policy.sections.items():
        lines.append(f"  {number:<{width}}  {section.heading} — {section.audience.replace('_', ' ')}, "
                     f"{counts.get(number, 0)} rule(s)")
    modality = Counter(c.modality for c in policy.clauses)
    lines.append("Rules by modality: " + ", ".join(f"{label} {modality[key]}" for key, label in MODALITY_NAMES
                                                   if modality.get(key)))
    channels = policy_facts.official_channels(policy)
    lines.append("Official channels:" + (" none listed (the policy has no list headed 'official … channels/accounts "
                                          "are:')" if not channels else ""))
    lines += [f"  - {c}" for c in channels]
    management = policy_facts.management_sentences(policy)
    if management:
        lines.append("Who runs them, in the policy's words:")
        lines += [f"  - {s}" for s in management]
    will_not = policy_facts.will_not_post(policy)
    lines.append(f"Will not be posted (the draft pre-check's list): {len(will_not)} item(s)")
    lines += [f"  - {item[:110]}" for item in will_not]
    people = policy_facts.named_people(policy)
    if people:
        lines.append("People the policy names: " + "; ".join(f"{p.title} {p.name}" for p in people))
    head = policy_facts.headteacher(policy)
    lines.append(f"Headteacher in the policy: {head or 'not named'}")
    due = policy.meta.renewal_date
    renewal = str(config.extra.get("policy_renewal") or "") or policy.meta.renewal_due
    lines.append(f"Review due: {renewal or 'not stated'}" + (f" (on time until {due:%d %B %Y})" if due else ""))
    if rows is not None:
        held = Counter(role.strip() for row in rows for role in (row.get("roles") or "").split(";") if role.strip())
        lines.append(f"Roster: {len(rows)} people" + (" — " + ", ".join(f"{role} {n}" for role, n in sorted(held.items()))
                                                       if held else ""))
    lines.append(f"Extras: lexicon {'yes' if config.lexicon_file else 'none'}, example phrasings "
                 f"{'yes' if config.examples_file else 'none'} (both optional)")
    return lines


def check_configuration(config: Config, today: date | None = None) -> CheckReport:
    """Every check that needs no answering model (the server runs this before it starts)."""
    today = today or date.today()
    report = CheckReport()
    _check_settings(config, report)
    policy = _read_policy(config, report)
    rows = _read_roster(config, report)
    _check_other_files(config, today, report)
    if policy is not None:
        report.policy = policy
        _check_examples(config, policy, report)
        _check_people(config, policy, rows or [], report)
        _check_renewal(config, policy, today, report)
        report.understood = _understood(config, policy, rows)
    _check_lexicon(config, rows or [], report)
    return report
