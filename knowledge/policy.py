"""Parse a school's social media policy (plain text) into a structured clause index.

The parser is generic so a school can swap in its own policy file without code changes:

* a heading is a line ``<number>[.<number>]*[.] <short title>`` ("2.1 Facebook", "3. **Personal use…**");
* a bullet is a line opening with markers such as ``- > ``, ``- › ``, `` - > > ``, ``> ``, ``• ``;
  an unmarked line straight after a bullet (no blank line between) continues that bullet;
* a lead-in is a non-bullet line followed by bullets that ends with ':' or with a dangling
  word ("The school encourages pupils to"); its bullets inherit its modality and audience;
* a short line with no closing punctuation followed by a paragraph is a sub-heading;
* everything else is a paragraph clause.

Clause ids are ``<section>-<n>``: the n-th bullet or paragraph of that section, 1-based
(lead-ins and sub-headings are context, not clauses).

Quotes are verbatim: ``Clause.text`` is the source line(s) with only the bullet markers and
surrounding whitespace removed (continuation lines are joined with one space). Markdown bold
markers ``**`` are removed from headings and lead-ins (they only ever wrap words such as
**must not**); ``normalise_source`` applies the same normalisation, so
``clause.text in normalise_source(source)`` always holds (it also unwraps single line breaks).
The line shapes themselves (headings, bullets, numbered paragraphs) are read in knowledge/policy_layout.py.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from pathlib import Path

from knowledge.policy_layout import (DANGLING_WORDS, NUMBERED_PARAGRAPH_RE, clean, heading_of, heading_tail,
                                      is_bullet, strip_bullet)

HEADER_FIELD_RE = re.compile(r"^([A-Z][A-Za-z ]{2,40}?)\s*(?:\t+|:\s+|\s{2,})(\S.*)$")
MONTH_YEAR_RE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|"
                           r"November|December)\s+(\d{4})\b", re.I)
ACCOUNT_RE = re.compile(r"^(Facebook|Instagram|X|Twitter|TikTok|YouTube|LinkedIn|Threads)\s*[-–:]\s*(@\w+)", re.I)
MANAGED_BY_RE = re.compile(r"managed by (?:the )?([^.]+)\.", re.I)

AUDIENCES = ("staff", "pupils", "parents", "school_accounts", "everyone")
VERDICT_OF_MODALITY = {
    "must": "yes", "should": "yes", "will": "yes", "may": "yes",
    "must_not": "no", "should_not": "no", "will_not": "no",
    "information": "info",
}
# Order matters: negatives before positives, strongest first.
MODALITY_PATTERNS = [
    ("must_not", re.compile(r"\b(must not|mustn'?t|must never|may not|cannot|can ?not|not permitted|(?:is|are) "
                            r"(?:strictly )?(?:forbidden|prohibited|not allowed))\b", re.I)),
    ("should_not", re.compile(r"\b(should not|shouldn'?t|should never)\b", re.I)),
    ("will_not", re.compile(r"\b(will not|won'?t|will never)\b", re.I)),
    ("must", re.compile(r"\b(must|required to|need to|needs to|have to|has to)\b", re.I)),
    ("should", re.compile(r"\b(should|expects?|encourages?)\b", re.I)),
    ("will", re.compile(r"\b(will|shall)\b", re.I)),
    ("may", re.compile(r"\b(may|can|reserve the right)\b", re.I)),
]
# A clause whose answer hinges on someone's consent or on a stated exception.
# "Will only 'like' … non-commercial" is a restriction too: never a plain "yes".
CONDITION_RE = re.compile(r"\b(unless|consent|permission|only|provided that)\b", re.I)
# A permission with an "if" ("May follow other users if you follow us") is conditional too; "even if"
# is not a condition, and a prohibition stays a "no" whatever its "if".
IF_CONDITION_RE = re.compile(r"(?<!even )\bif\b(?! ongoing)", re.I)
# What a restriction leaves out: "non-commercial" excludes the commercial.
EXCLUDED_RE = re.compile(r"\bnon[- ]([a-z]+)", re.I)
# A negation inside a positive clause's body ("…so that comments cannot be posted…"): the words it
# negates. Passive ("X cannot be posted") negates its subject X; active ("doesn't imply Y") its object.
NEGATION_RE = re.compile(r"(?:\b([a-z]+)\s+)?\b(?:cannot|can ?not|can't|doesn't|does not|do not|don't|not|never)"
                         r"\s+(be\s+)?([a-z]+)(?:\s+([a-z]+))?", re.I)
AUDIENCE_PATTERNS = [
    ("school_accounts", re.compile(r"\b(official|school's social media|our social media accounts|the school will)\b", re.I)),
    ("parents", re.compile(r"\b(parents?|carers?)\b", re.I)),
    ("pupils", re.compile(r"\b(pupils?|students?)\b", re.I)),
    ("staff", re.compile(r"\b(staff|governors?|volunteers?|employees?)\b", re.I)),
]
STOPWORDS = frozenset("""a an the and or of to in on for at by with from as is are be been being it its this that
these those their there they them we our us you your i me my he she his her was were will would should could
can may must not do does did any all other such which who whom whose what when where how if unless than then
so also via eg e g into about including either both being has have had no nor per""".split())


@dataclass
class Clause:
    id: str
    section: str
    n: int
    heading: str
    text: str
    kind: str  # "bullet" or "paragraph"
    lead_in: str | None
    audience: str
    modality: str
    conditional: bool
    terms: frozenset[str] = field(default_factory=frozenset)
    # The rule as the policy numbers it: the id itself, or for a list item under a numbered
    # paragraph ("10.2 Staff must not: a) …") that paragraph's id ("10-2").
    rule: str = ""
    numbered: bool = False  # the policy prints the rule's own number ("10.2")

    def __post_init__(self) -> None:
        self.rule = self.rule or self.id

    @property
    def verdict(self) -> str:
        """What a yes/no question answered by this clause gets: conditions make it "depends"."""
        if self.conditional:
            return "depends"
        return VERDICT_OF_MODALITY[self.modality]

    @cached_property
    def excluded(self) -> list[str]:
        """Words naming what a restriction leaves out ("non-commercial" → ["commercial"])."""
        return [m.group(1).lower() for m in EXCLUDED_RE.finditer(self.text)]

    @cached_property
    def condition_words(self) -> list[str]:
        """Content words of the clause's "if …" condition ("if you follow us on Instagram" → follow, instagram)."""
        match = re.search(r"\bif\b([^–—.;(]*)", self.text, re.I)
        if not match:
            return []
        return [w for w in re.findall(r"[a-z]+", match.group(1).lower()) if w not in STOPWORDS and len(w) > 2]

    @cached_property
    def negated_words(self) -> list[str]:
        """Words the clause's body negates: "comments cannot be posted" → ["comments"]."""
        words: list[str] = []
        for match in NEGATION_RE.finditer(self.text.replace("\u2019", "'")):
            before, passive, after, then = match.groups()
            if passive:
                words.extend(w.lower() for w in [before] if w and w.lower() not in STOPWORDS)
            else:
                words.extend(w.lower() for w in [after, then] if w and w.lower() not in STOPWORDS)
        return words

    @property
    def statement(self) -> str:
        """The clause as a full sentence: the lead-in finished by the bullet."""
        if not self.lead_in:
            return self.text
        lead = self.lead_in.rstrip(": ").strip()
        body = self.text[:1].lower() + self.text[1:] if self.text[1:2].islower() else self.text
        return f"{lead} {body}"


@dataclass
class Section:
    number: str
    heading: str
    audience: str


@dataclass
class PolicyMeta:
    title: str | None = None
    school: str | None = None
    headteacher: str | None = None
    updated: str | None = None
    renewal_due: str | None = None
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (platform, handle)
    managed_by: str | None = None
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def renewal_date(self) -> date | None:
        """Last day of the renewal month: a policy "due for renewal September 2026" is on time
        until 30 September 2026 and overdue from 1 October."""
        match = MONTH_YEAR_RE.search(self.renewal_due or "")
        if not match:
            return None
        month = list(calendar.month_name).index(match.group(1).capitalize())
        year = int(match.group(2))
        return date(year, month, calendar.monthrange(year, month)[1])

    def is_overdue(self, today: date) -> bool:
        due = self.renewal_date
        return due is not None and today > due


@dataclass
class Policy:
    meta: PolicyMeta
    sections: dict[str, Section]
    clauses: list[Clause]
    source: str

    def clause(self, clause_id: str) -> Clause:
        """A clause by its id, or the first clause of a rule the policy numbers ("10-2")."""
        return self._by_id[clause_id] if clause_id in self._by_id else self._by_rule[clause_id]

    def __post_init__(self) -> None:
        self._by_id = {c.id: c for c in self.clauses}
        self._by_rule: dict[str, Clause] = {}
        for clause in self.clauses:
            self._by_rule.setdefault(clause.rule, clause)

    @classmethod
    def load(cls, path: str | Path) -> "Policy":
        return parse_policy(Path(path).read_text(encoding="utf-8"))


# A list item that opens with "not"/"never" turns its lead-in's modal round.
NEGATED_ITEM_RE = re.compile(r"^(not|never)\b", re.I)
NEGATED_MODALITY = {"must": "must_not", "should": "should_not", "will": "will_not"}


def modality_of(text: str) -> str:
    """The modality of the sentence's first modal verb ("will ensure … cannot" is a "will")."""
    best: tuple[int, int, str] | None = None
    for rank, (name, pattern) in enumerate(MODALITY_PATTERNS):
        match = pattern.search(text)
        if match and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, name)
    return best[2] if best else "information"


def audience_of(text: str) -> str | None:
    """The single audience a text names; several at once ("staff, pupils and parents") is everyone."""
    named = [name for name, pattern in AUDIENCE_PATTERNS if pattern.search(text)]
    if len(named) > 1 and "school_accounts" not in named:
        return "everyone"
    return named[0] if named else None


def subject_audience(text: str) -> str | None:
    """The audience named as the sentence's subject (within its first words)."""
    head = " ".join(re.sub(r"^(when|if)\b[^,]*,", "", text, flags=re.I).split()[:6])
    if re.search(r"\b(the school|we)\b", head, re.I) and re.search(r"\b(post|like|follow)\b", text, re.I):
        return "school_accounts"
    return audience_of(head)


def terms_of(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9@]+", text.lower().replace("'", ""))
    return frozenset(w for w in words if w not in STOPWORDS and len(w) > 1)


def parse_policy(source: str) -> Policy:
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").split("\n")]
    meta = PolicyMeta()
    sections: dict[str, Section] = {}
    numbers: list[str] = []

    # Pass 1: split into (section number, lines) blocks; the part before the first heading is the header.
    header: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    headings: dict[str, str] = {}
    wrap_open: str | None = None  # a heading whose last words may sit on the next non-blank line
    for line in lines:
        heading = heading_of(line, numbers)
        if heading:
            number, title = heading
            numbers.append(number)
            headings[number] = title
            blocks.append((number, []))
            wrap_open = number
        elif blocks:
            if wrap_open and line.strip():
                tail, line = heading_tail(line)
                if tail:
                    headings[wrap_open] += " " + tail
                wrap_open = None
            blocks[-1][1].append(line)
        else:
            header.append(line)
    for number, heading in headings.items():
        parent = sections.get(number.rsplit(".", 1)[0]) if "." in number else None
        audience = audience_of(heading) or (parent.audience if parent else None) or "everyone"
        sections[number] = Section(number, heading, audience)
    _parse_header(header, meta)

    # Pass 2: each block's lines become clauses.
    clauses: list[Clause] = []
    for number, block in blocks:
        clauses.extend(_block_clauses(sections[number], block, meta))
    return Policy(meta=meta, sections=sections, clauses=clauses, source=source)


def _units(section_number: str, block: list[str]) -> list[list]:
    """A block's lines as units [kind, text, paragraph number or None]: bullets, paragraphs (a
    wrapped line continues the unit above), and paragraphs the policy numbers itself ("10.2 …")."""
    top = section_number.split(".")[0]
    units: list[list] = []
    previous_blank = True
    for line in block:
        if not line.strip():
            previous_blank = True
            continue
        numbered = NUMBERED_PARAGRAPH_RE.match(line.strip())
        if numbered and numbered.group(1) == top:
            units.append(["paragraph", numbered.group(3).strip(), f"{top}-{numbered.group(2)}"])
        elif is_bullet(line):
            units.append(["bullet", strip_bullet(line), None])
        elif units and not previous_blank:
            units[-1][1] += " " + line.strip()
        else:
            units.append(["paragraph", line.strip(), None])
        previous_blank = False
    return units


def _block_clauses(section: Section, block: list[str], meta: PolicyMeta) -> list[Clause]:
    """Clauses of one section. Unnumbered units are "<section>-<n>", the n-th of the section; a
    numbered paragraph is its own number ("10-2"), and the list items under it "10-2.1", "10-2.2"…
    with rule "10-2"; unnumbered text after a numbered paragraph belongs to it as well."""
    units = _units(section.number, block)
    clauses: list[Clause] = []
    lead_in: str | None = None
    rule: str | None = None  # the numbered paragraph the following units belong to
    n = parts = 0
    for index, (kind, text, paragraph_number) in enumerate(units):
        following = units[index + 1][0] if index + 1 < len(units) else None
        if paragraph_number:
            rule, parts = paragraph_number, 0
        if kind == "paragraph":
            words = text.rstrip().split()
            if following == "bullet" and (text.endswith(":") or words[-1].lower() in DANGLING_WORDS):
                lead_in = clean(text)
                continue
            if (following == "paragraph" and not paragraph_number and len(words) <= 7
                    and not text.endswith((".", ":", "!", "?")) and len(units[index + 1][1]) > len(text)):
                lead_in = None  # a sub-heading ("KCSIE 2025", "Parents WhatsApp groups")
                continue
            lead_in = None
        if paragraph_number:
            clause_id = paragraph_number
        elif rule:
            parts += 1
            clause_id = f"{rule}.{parts}"
        else:
            n += 1
            clause_id = f"{section.number}-{n}"
        context = lead_in if kind == "bullet" and lead_in else ""
        modality = modality_of(context) if context else "information"
        if modality == "information":
            modality = modality_of(text)
        elif NEGATED_ITEM_RE.match(text):  # "Staff should:" … "not join class WhatsApp groups"
            modality = NEGATED_MODALITY.get(modality, modality)
        audience = (section.audience if section.audience != "everyone" else None) \
            or subject_audience(context or text) or "everyone"
        clauses.append(Clause(
            id=clause_id, section=section.number, n=len(clauses) + 1, heading=section.heading, text=text,
            kind=kind, lead_in=lead_in if kind == "bullet" else None, audience=audience,
            modality=modality, conditional=bool(CONDITION_RE.search(text)) or (
                VERDICT_OF_MODALITY[modality] == "yes" and IF_CONDITION_RE.search(text) is not None),
            terms=terms_of(f"{section.heading} {context} {text}"), rule=rule or clause_id, numbered=bool(rule),
        ))
        account = ACCOUNT_RE.match(text) if kind == "bullet" and "@" in text else None
        if account:
            meta.accounts.append((account.group(1), account.group(2)))
        managed = MANAGED_BY_RE.search(text)
        if managed and meta.managed_by is None:
            meta.managed_by = managed.group(1).strip()
    return clauses


def _parse_header(header: list[str], meta: PolicyMeta) -> None:
    for line in header:
        if not line.strip():
            continue
        field_match = HEADER_FIELD_RE.match(line.strip())
        if field_match and "\t" in line or (field_match and MONTH_YEAR_RE.search(field_match.group(2))):
            key, value = field_match.group(1).strip(), field_match.group(2).strip()
            meta.fields[key] = value
            lowered = key.lower()
            if "head" in lowered:
                meta.headteacher = value
            elif "renew" in lowered or "review" in lowered:
                meta.renewal_due = value
            elif "updated" in lowered or "approved" in lowered or "date" == lowered:
                meta.updated = value
        elif meta.title is None:
            meta.title = clean(line)
            school = re.sub(r"\s*social media policy\s*$", "", meta.title, flags=re.I).strip()
            meta.school = school or None
