"""The photo consent register: which pupils may be pictured or named on the school's accounts.

Parents/carers give permission on the school's consent form; how long it lasts is the policy's own
word (knowledge/draft_policy.py reads it: five years for one school, a year for another) and is passed
to `status`; without it, five years. The register loads from a CSV
(the sample in data/, or the school's own export: the column names below are matched loosely, and
dates may be ISO (2024-09-15) or UK style (15/09/2024)).

    name, class, consent, date_signed, scope
    Olivia Bennett, Year 4, yes, 2024-09-15, photo;name
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

VALID_YEARS = 5
USES = ("photo", "name")

# Loose header matching, so a school's own export loads without renaming its columns.
COLUMN_ALIASES = {
    "name": ("name", "pupil", "pupil name", "child", "child name", "full name", "student"),
    "class": ("class", "year", "class/year", "form", "group", "year group"),
    "consent": ("consent", "consent given", "permission", "consented", "given"),
    "date_signed": ("date signed", "date_signed", "signed", "date", "signed on", "date of signing"),
    "scope": ("scope", "uses", "consent scope", "covers", "type"),
}
YES_WORDS = frozenset({"yes", "y", "true", "1", "given", "granted", "x"})


@dataclass(frozen=True)
class ConsentRecord:
    name: str
    pupil_class: str
    consent: bool
    date_signed: date | None
    scope: frozenset[str]  # subset of {"photo", "name"}

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else ""

    def expires_on(self, valid_years: int | None = None) -> date | None:
        """The day the permission lapses: `valid_years` (five unless the policy says) from signing."""
        if self.date_signed is None:
            return None
        signed, years = self.date_signed, valid_years or VALID_YEARS
        try:
            return signed.replace(year=signed.year + years)
        except ValueError:  # signed on 29 February
            return signed.replace(year=signed.year + years, day=28)


@dataclass(frozen=True)
class ConsentStatus:
    """The answer for one pupil and one use: may the school picture / name them today?"""

    allowed: bool
    reason: str
    record: ConsentRecord | None = None


def _normalise_name(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s'-]", " ", name).split()).casefold()


def _parse_date(text: str) -> date | None:
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _parse_scope(text: str) -> frozenset[str]:
    words = set(re.findall(r"[a-z]+", (text or "").lower()))
    if not words or words & {"both", "all", "any"}:
        return frozenset(USES)
    scope = set()
    if words & {"photo", "photos", "image", "images", "picture", "pictures", "video"}:
        scope.add("photo")
    if words & {"name", "names", "named"}:
        scope.add("name")
    return frozenset(scope)


class ConsentRegister:
    def __init__(self, records: list[ConsentRecord]):
        self.records = list(records)
        self._by_name: dict[str, list[ConsentRecord]] = {}
        self._by_first: dict[str, list[ConsentRecord]] = {}
        for record in self.records:
            self._by_name.setdefault(_normalise_name(record.name), []).append(record)
            self._by_first.setdefault(_normalise_name(record.first_name), []).append(record)

    def __len__(self) -> int:
        return len(self.records)

    @classmethod
    def from_csv(cls, path: str | Path) -> "ConsentRegister":
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return cls.from_rows(csv.DictReader(handle))

    @classmethod
    def from_rows(cls, rows) -> "ConsentRegister":
        records = []
        for row in rows:
            first = next(iter(row.values()), None)
            if isinstance(first, str) and first.lstrip().startswith("#"):
                continue  # a comment row: a note or an example for whoever fills the register in
            fields = {_normalise_name(k or ""): (v or "").strip() for k, v in row.items() if k}
            picked = {}
            for column, aliases in COLUMN_ALIASES.items():
                picked[column] = next((fields[a] for a in aliases if fields.get(a)), "")
            if not picked["name"]:
                continue
            records.append(ConsentRecord(
                name=" ".join(picked["name"].split()), pupil_class=picked["class"],
                consent=picked["consent"].lower() in YES_WORDS,
                date_signed=_parse_date(picked["date_signed"]), scope=_parse_scope(picked["scope"]),
            ))
        return cls(records)

    # --- look-ups ------------------------------------------------------------------------------

    def find(self, name: str) -> list[ConsentRecord]:
        """Records for a full name, or for a first name when that is all that was given."""
        key = _normalise_name(name)
        if key in self._by_name:
            return self._by_name[key]
        if " " not in key:
            return self._by_first.get(key, [])
        return []

    def full_names(self) -> list[str]:
        return [r.name for r in self.records]

    def first_names(self) -> set[str]:
        return {r.first_name for r in self.records if r.first_name}

    def status(self, name: str, use: str, today: date, valid_years: int | None = None) -> ConsentStatus:
        """May the school use this pupil's photo (use="photo") or name (use="name") today?
        use="name+photo" asks for both at once (a pupil both named and pictured in one post)."""
        records = self.find(name)
        if not records:
            return ConsentStatus(False, f"{name} is not on the consent register")
        if len(records) > 1:
            verdicts = [self._status_of(r, use, today, valid_years) for r in records]
            if all(v.allowed for v in verdicts):
                return verdicts[0]
            names = ", ".join(f"{r.name} ({r.pupil_class})" for r in records)
            return ConsentStatus(False, f"'{name}' could be more than one pupil ({names}) and not all "
                                        f"have consent; give the full name")
        return self._status_of(records[0], use, today, valid_years)

    @staticmethod
    def _status_of(record: ConsentRecord, use: str, today: date, valid_years: int | None = None) -> ConsentStatus:
        label = f"{record.name} ({record.pupil_class})" if record.pupil_class else record.name
        uses = use.split("+")
        what = " or ".join("pictured" if u == "photo" else "named" for u in uses)
        if not record.consent:
            return ConsentStatus(False, f"{label} has no consent to be {what} on social media", record)
        expires = record.expires_on(valid_years)
        years = valid_years or VALID_YEARS
        lasts = "a year" if years == 1 else f"{years} years"
        if expires is None:
            return ConsentStatus(False, f"The consent form for {label} has no valid signing date", record)
        if today >= expires:
            return ConsentStatus(False, f"Consent for {label} was signed on {record.date_signed:%d %B %Y} and "
                                        f"expired on {expires:%d %B %Y} (it lasts {lasts})", record)
        if any(u not in record.scope for u in uses):
            covered = " and ".join(sorted(record.scope)) or "nothing"
            return ConsentStatus(False, f"Consent for {label} covers {covered} only, not being {what}", record)
        return ConsentStatus(True, f"{label} has consent to be {what} until {expires:%d %B %Y}", record)
