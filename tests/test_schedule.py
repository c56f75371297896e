"""Working time, holidays, due-date arithmetic and dates typed the British way."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.schedule import (Calendar, DateProblem, Holiday, add_months, calendar_for, find_date,
                               load_holidays)

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
HALF_TERM = Holiday("Autumn half term", date(2026, 10, 26), date(2026, 10, 30))
CAL = Calendar(LONDON, (8, 17), (HALF_TERM,))
TODAY = date(2026, 11, 26)  # a Thursday


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("moment, working", [
    (utc(2026, 11, 26, 8, 0), True),       # Thursday 08:00 GMT
    (utc(2026, 11, 26, 7, 59), False),
    (utc(2026, 11, 26, 16, 59), True),
    (utc(2026, 11, 26, 17, 0), False),     # the end hour is not working time
    (utc(2026, 11, 28, 10, 0), False),     # Saturday
    (utc(2026, 10, 27, 10, 0), False),     # half term
    (utc(2026, 6, 1, 7, 0), True),         # 08:00 BST
    (utc(2026, 6, 1, 16, 0), False),       # 17:00 BST
])
def test_working_moment(moment, working):
    assert CAL.is_working_moment(moment) is working


@pytest.mark.parametrize("moment, expected", [
    (utc(2026, 11, 26, 10, 0), utc(2026, 11, 26, 10, 0)),  # already working time
    (utc(2026, 11, 26, 6, 0), utc(2026, 11, 26, 8, 0)),    # before hours: same day
    (utc(2026, 11, 26, 18, 0), utc(2026, 11, 27, 8, 0)),   # after hours: next day
    (utc(2026, 11, 27, 18, 0), utc(2026, 11, 30, 8, 0)),   # Friday evening: Monday
    (utc(2026, 10, 23, 17, 30), utc(2026, 11, 2, 8, 0)),   # Friday before half term (BST→GMT)
])
def test_next_working_moment(moment, expected):
    assert CAL.next_working_moment(moment) == expected


def test_school_holidays_file_covers_two_years_and_is_ordered():
    holidays = load_holidays(ROOT / "data" / "holidays.toml")
    assert holidays == tuple(sorted(holidays, key=lambda h: h.start))
    assert all(h.start <= h.end for h in holidays)
    names = " ".join(h.name for h in holidays)
    for term in ("Christmas holiday 2025", "Summer holiday 2026", "Easter holiday 2027", "Summer holiday 2027"):
        assert term in names
    cal = Calendar(LONDON, (8, 17), holidays)
    assert not cal.is_working_day(date(2026, 8, 10))  # summer
    assert not cal.is_working_day(date(2025, 12, 25))
    assert cal.is_working_day(date(2026, 9, 2))  # autumn term has started


def test_missing_holidays_file_means_no_holidays(tmp_path):
    assert load_holidays(tmp_path / "none.toml") == ()


def test_holiday_that_ends_before_it_starts_is_refused(tmp_path):
    path = tmp_path / "h.toml"
    path.write_text('[[holiday]]\nname = "x"\nstart = 2026-05-02\nend = 2026-05-01\n')
    with pytest.raises(ValueError, match="ends before"):
        load_holidays(path)


def test_calendar_for_config_uses_its_hours():
    from handlers.context import Config

    config = Config(working_hours=(9, 15))
    cal = calendar_for(config)
    assert not cal.is_working_moment(utc(2026, 11, 26, 8, 30))
    assert cal.is_working_moment(utc(2026, 11, 26, 14, 30))


@pytest.mark.parametrize("day, months, expected", [
    (date(2025, 9, 3), 12, date(2026, 9, 3)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 11, 30), 24, date(2028, 11, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("text, expected", [
    ("I did it on 3 Sept", date(2026, 9, 3)),
    ("done it yesterday", date(2026, 11, 25)),
    ("completed 03/09/2026", date(2026, 9, 3)),
    ("3rd September 2025", date(2025, 9, 3)),
    ("3rd of September", date(2026, 9, 3)),
    ("Sept 3rd, 2026", date(2026, 9, 3)),
    ("2026-09-03", date(2026, 9, 3)),
    ("today", TODAY),
    ("last Friday", date(2026, 11, 20)),
    ("last Thursday", date(2026, 11, 19)),  # said on a Thursday: a week ago
    ("3/9/26", date(2026, 9, 3)),
    ("on 15 December", date(2025, 12, 15)),  # no year: the most recent one that has passed
    ("I've done my training", None),
    ("", None),
    ("done it, certificate https://example.org/2026/09/03/cert.pdf", None),  # dates in links are not dates
])
def test_find_date_reads_uk_dates(text, expected):
    assert find_date(text, TODAY) == expected


@pytest.mark.parametrize("text, says", [
    ("31 Feb", "no 31 February"),
    ("30/02/2026", "no 30 February"),
    ("next Tuesday-ish", "still to come"),
    ("tomorrow", "still to come"),
    ("15/12/2026", "in the future"),
    ("3 Sept 2027", "in the future"),
    ("13/13/2026", "no month 13"),
    ("on the 3rd", "couldn't read a date"),
    ("1 January 2019", "more than three years"),
])
def test_find_date_asks_back_for_bad_dates(text, says):
    with pytest.raises(DateProblem) as problem:
        find_date(text, TODAY)
    assert says in str(problem.value)
    assert "?" in str(problem.value) or "check" in str(problem.value)
