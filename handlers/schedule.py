"""Working time, school holidays, due dates and UK-style dates typed in chat. Pure functions.

Reminders go out only in working time: a weekday, inside the configured hours (local time) and
not in a school holiday. Dates people type are read day-first, the British way ("03/09/2026" is
3 September); anything that is not clearly a past date gets a question back, never a guess.
"""
from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


# --- holidays and working time ------------------------------------------------------------------

@dataclass(frozen=True)
class Holiday:
    name: str
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Calendar:
    """When the school works: hours on weekdays (local time), minus holidays."""

    timezone: ZoneInfo
    hours: tuple[int, int] = (8, 17)
    holidays: tuple[Holiday, ...] = ()

    def holiday_on(self, day: date) -> Holiday | None:
        return next((h for h in self.holidays if h.start <= day <= h.end), None)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday_on(day) is None

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    def is_working_moment(self, moment: datetime) -> bool:
        local = self.local(moment)
        return self.is_working_day(local.date()) and self.hours[0] <= local.hour < self.hours[1]

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself when it is working time, else the start of the next working period."""
        if self.is_working_moment(moment):
            return moment
        local = self.local(moment)
        day = local.date()
        if local.hour >= self.hours[0]:  # today's hours have started (or ended): from tomorrow
            day += timedelta(days=1)
        for _ in range(400):  # a school year never has more than a few weeks of holiday in a row
            if self.is_working_day(day):
                return datetime.combine(day, time(self.hours[0]), self.timezone)
            day += timedelta(days=1)
        raise ValueError("no working day within 400 days: check the holidays file")


def load_holidays(path: str | Path) -> tuple[Holiday, ...]:
    """Holidays from a TOML file of `[[holiday]] name, start, end` (TOML dates, end inclusive)."""
    path = Path(path)
    if not path.exists():
        return ()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    holidays = []
    for entry in raw.get("holiday", []):
        start = _as_date(entry["start"])
        end = _as_date(entry.get("end", entry["start"]))
        if end < start:
            raise ValueError(f"holiday {entry.get('name')!r} ends before it starts")
        holidays.append(Holiday(str(entry.get("name", "Holiday")), start, end))
    return tuple(sorted(holidays, key=lambda h: h.start))


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def calendar_for(config) -> Calendar:
    """The school's Calendar from its Config (timezone, working hours, holidays file)."""
    return Calendar(ZoneInfo(config.timezone), tuple(config.working_hours), load_holidays(config.holidays_file))


# --- due dates ----------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 29th-31st fall back to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- dates typed in chat ------------------------------------------------------------------------

class DateProblem(ValueError):
    """A date that cannot be accepted; the message is a clear question to send back."""


MONTHS = {name: number for number, names in enumerate([
    (), ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")]) for name in names}
WEEKDAYS = {name: number for number, names in enumerate([
    ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
    ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday")]) for name in names}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
_YEAR = r"(?:,?\s+(?P<year>\d{4}))?"
_ORD = r"(?:st|nd|rd|th)?"
DATE_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<day>\d{1,2})[/.](?P<month>\d{1,2})(?:[/.](?P<year>\d{4}|\d{2}))?\b"),
    re.compile(r"\b(?P<day>\d{1,2})" + _ORD + r"(?:\s+of)?\s+" + _MONTH + _YEAR + r"\b", re.I),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})" + _ORD + _YEAR + r"\b", re.I),
]
LAST_WEEKDAY = re.compile(r"\b(?:last|on|this past)\s+" + _WEEKDAY + r"\b", re.I)
FUTURE_WORDS = re.compile(r"\b(tomorrow|next(?:\s+[\w-]+)?|later|soon|in \d+ (?:days?|weeks?))\b", re.I)
DATE_WORDS = re.compile(r"\b(\d{1,2}(st|nd|rd|th)|" + "|".join(sorted(set(MONTHS) - {"may"}, key=len, reverse=True))
                        + "|" + "|".join(sorted(WEEKDAYS, key=len, reverse=True))
                        + r"|\d{1,4}[/.-]\d{1,2})\b", re.I)
URL_RE = re.compile(r"https?://\S+", re.I)
EXAMPLES = "for example *today*, *yesterday*, *last Friday*, *3 Sept* or *03/09/2026*"
OLDEST_ACCEPTED = timedelta(days=3 * 366)


def format_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def format_moment(stamp: str | None, timezone: str) -> str:
    """A stored UTC timestamp as the school reads it: "26 November 2026, 11:50" (local time)."""
    try:
        local = datetime.fromisoformat(stamp).astimezone(ZoneInfo(timezone))
    except (TypeError, ValueError):
        return stamp or ""
    return f"{format_date(local.date())}, {local:%H:%M}"


def _checked(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise DateProblem(f"There is no month {month}. Which date did you mean ({EXAMPLES})?")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"There is no {day} {calendar.month_name[month]}"
                          f"{'' if month != 2 else f' in {year}'}. Which date did you mean ({EXAMPLES})?") from None


def find_date(text: str, today: date) -> date | None:
    """The past date a message names, or None when it names none.

    Raises DateProblem (a question to send back) for an impossible date ("31 Feb"), a future one,
    a vague one ("next Tuesday-ish") or one more than three years ago.
    """
    text = URL_RE.sub(" ", text or "")
    lowered = text.lower()
    found: date | None = None
    if re.search(r"\btoday\b", lowered):
        found = today
    elif re.search(r"\byesterday\b", lowered):
        found = today - timedelta(days=1)
    elif FUTURE_WORDS.search(lowered):
        raise DateProblem(f"\"{FUTURE_WORDS.search(text).group(0)}\" sounds like a date still to come, and I can "
                          f"only record training you have already done. When did you complete it ({EXAMPLES})?")
    else:
        for pattern in DATE_PATTERNS:
            match = pattern.search(text)
            if match:
                found = _date_from_match(match, today)
                break
        else:
            weekday = LAST_WEEKDAY.search(text)
            if weekday:
                wanted = WEEKDAYS[weekday.group("weekday").lower()]
                back = (today.weekday() - wanted) % 7 or 7  # "last Friday" on a Friday is a week ago
                found = today - timedelta(days=back)
            elif DATE_WORDS.search(text):
                raise DateProblem(f"I couldn't read a date in \"{text.strip()[:80]}\". "
                                  f"When did you complete it ({EXAMPLES})?")
    if found is None:
        return None
    if found > today:
        raise DateProblem(f"{format_date(found)} is in the future, and I can only record training you have "
                          f"already done. When did you complete it ({EXAMPLES})?")
    if today - found > OLDEST_ACCEPTED:
        raise DateProblem(f"{format_date(found)} is more than three years ago. Please check the date "
                          f"({EXAMPLES}).")
    return found


def _date_from_match(match: re.Match, today: date) -> date:
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower().rstrip(".")]
    day = int(match.group("day"))
    year_text = match.group("year")
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _checked(year, month, day)
    # No year: the most recent such date on or before today ("3 Sept" said in August is last year's).
    candidate = _checked(today.year if not (month == 2 and day == 29) else _leap_year_up_to(today.year), month, day)
    if candidate > today:
        candidate = _checked(candidate.year - 1 if not (month == 2 and day == 29)
                             else _leap_year_up_to(candidate.year - 1), month, day)
    return candidate


def _leap_year_up_to(year: int) -> int:
    while not calendar.isleap(year):
        year -= 1
    return year
