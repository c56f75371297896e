"""A simulated school year: 40 people, an hourly clock over 365 days, restarts and downtime.

The expected reminders are computed here, independently, straight from the rules: each stage
(30, 14, 7, 1 and 0 days before the due date, then weekly while overdue) goes out at the first
tick the bot is running in working time on or after its day, unless the next stage's day has come
by then (a missed stage is superseded, never sent in a burst). The Headteacher's digest goes out at
the first working tick of each week that has anyone overdue. New starters get a welcome instead of
the reminders before their first day.
"""
from __future__ import annotations

import bisect
import random
import shutil
import tomllib
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import app
from handlers import training
from handlers.context import Config
from storage import training as store

ROOT = Path(__file__).resolve().parent.parent
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 9, 1, 0, 0, tzinfo=timezone.utc)
HOURS = 365 * 24
FAR_FUTURE = date(2100, 1, 1)


def school_holidays() -> set[date]:
    raw = tomllib.loads((ROOT / "data" / "holidays.toml").read_text(encoding="utf-8"))
    days = set()
    for entry in raw["holiday"]:
        day = entry["start"]
        while day <= entry["end"]:
            days.add(day)
            day += timedelta(days=1)
    return days


HOLIDAYS = school_holidays()


def working(moment: datetime) -> bool:
    local = moment.astimezone(LONDON)
    return local.weekday() < 5 and 8 <= local.hour < 17 and local.date() not in HOLIDAYS


def local_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def one_year_later(day: date, years: int = 1) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def make_people(rng: random.Random) -> list[dict]:
    people = []
    for n in range(40):
        roles = ["staff"]
        if n == 0:
            roles = ["headteacher", "staff"]
        elif n == 1:
            roles = ["dsl", "staff"]
        elif n == 2:
            roles = ["deputy_dsl", "staff"]
        elif 31 <= n <= 35:
            roles = ["governor"]
        elif 36 <= n <= 38:
            roles = ["volunteer"]
        start = date(2015, 9, 1) + timedelta(days=rng.randrange(0, 3000))
        person = {"id": f"p{n:02d}", "name": f"Person {n:02d}", "roles": roles, "start": start,
                  "training": date(2025, 7, 1) + timedelta(days=rng.randrange(0, 427)),
                  "policy": date(2025, 7, 1) + timedelta(days=rng.randrange(0, 427)),
                  "dsl": date(2024, 9, 1) + timedelta(days=rng.randrange(0, 700)) if n in (1, 2) else None}
        if n in (5, 17, 33):  # never acknowledged the policy
            person["policy"] = None
        if n in (38, 39):  # new starters during the year, nothing recorded yet
            person.update(start=date(2026, 9, 7) if n == 39 else date(2027, 1, 11), training=None, policy=None)
        people.append(person)
    return people


def due_dates(person: dict) -> dict[str, tuple[date, date | None]]:
    """item -> (due date, first day reminders may cover): the rules, restated."""
    items = {}
    for item in ("training", "policy") + (("dsl",) if {"dsl", "deputy_dsl"} & set(person["roles"]) else ()):
        done = person[item]
        if done is not None:
            items[item] = (one_year_later(done, 2 if item == "dsl" else 1), None)
        else:  # new starter (or never recorded): due a week after starting; nothing before day 2
            items[item] = (person["start"] + timedelta(days=7), person["start"] + timedelta(days=1))
    return items


def expected_messages(people: list[dict], ticks: list[datetime]) -> set[tuple[str, datetime]]:
    working_ticks = [t for t in ticks if working(t)]
    working_days = [local_day(t) for t in working_ticks]
    end = local_day(ticks[-1])

    def first_working_tick_from(day: date, before: date) -> datetime | None:
        index = bisect.bisect_left(working_days, day)
        if index < len(working_ticks) and working_days[index] < before:
            return working_ticks[index]
        return None

    expected = set()
    all_dues = []
    for person in people:
        for item, (due, floor) in due_dates(person).items():
            all_dues.append(due)
            stages = [(f"d{n}", due - timedelta(days=n)) for n in (30, 14, 7, 1, 0)]
            week = 1
            while due + timedelta(days=7 * week) <= end:
                stages.append((f"o{week}", due + timedelta(days=7 * week)))
                week += 1
            if floor:
                stages = [(name, day) for name, day in stages if day >= floor]
            for index, (name, day) in enumerate(stages):
                following = stages[index + 1][1] if index + 1 < len(stages) else FAR_FUTURE
                sent_at = first_working_tick_from(day, following)
                if sent_at:
                    expected.add((f"training-{person['id']}-{item}-{due.isoformat()}-{name}", sent_at))
        if person["training"] is None and person["policy"] is None:
            start = person["start"]
            sent_at = first_working_tick_from(start, start + timedelta(days=31))
            if sent_at:
                expected.add((f"training-{person['id']}-welcome-{start.isoformat()}", sent_at))
    weeks_seen = set()
    for t in working_ticks:
        iso = local_day(t).isocalendar()
        week = f"{iso.year}-W{iso.week:02d}"
        if week not in weeks_seen and any(due < local_day(t) for due in all_dues):
            weeks_seen.add(week)
            expected.add((f"training-digest-p00-{week}", t))
    return expected


@pytest.mark.parametrize("seed", [2026, 7])
def test_a_school_year_of_reminders(tmp_path, seed):
    rng = random.Random(seed)
    people = make_people(rng)
    policy = tmp_path / "policy.txt"
    shutil.copy(Config.load().policy_file, policy)
    config = replace(Config.load(), roster_file=tmp_path / "no-roster.csv", policy_file=policy, extra={})
    db_path = str(tmp_path / "year.db")
    clock_now = [START]

    def clock() -> datetime:
        return clock_now[0]

    def start_bot():
        return app.build_services(db_path=db_path, config=config, clock=clock, knowledge=object())

    services = start_bot()
    with services.db.atomic():
        for person in people:
            services.db["people"].insert({"id": person["id"], "name": person["name"], "roles": ";".join(person["roles"]),
                                          "start_date": person["start"].isoformat()})
            for item in ("training", "policy", "dsl"):
                if person[item]:
                    store.record_completion(services.db, person["id"], item, person[item], "test", START)

    restarts = set(rng.sample(range(1, HOURS), 8))
    downtime = set()
    for _ in range(4):  # the bot is down for a day to a week, now and then
        begin = rng.randrange(0, HOURS - 200)
        downtime.update(range(begin, begin + rng.randrange(24, 170)))
    ticks = []
    for hour in range(HOURS):
        clock_now[0] = START + timedelta(hours=hour)
        if hour in restarts:
            services.db.close()
            services = start_bot()
        if hour in downtime:
            continue
        ticks.append(clock_now[0])
        training.tick(services)
        if hour % 97 == 0:  # a second tick in the same hour (the real loop ticks every 30 s)
            training.tick(services)

    rows = list(services.db.query("SELECT key, created_at FROM outbox"))
    actual = {(r["key"], datetime.fromisoformat(r["created_at"])) for r in rows}
    expected = expected_messages(people, ticks)
    assert len(rows) == len(actual)  # none twice
    assert all(working(moment) for _, moment in actual), "a reminder outside working time or in a holiday"
    missing, extra = sorted(expected - actual), sorted(actual - expected)
    assert not missing and not extra, f"missing {missing[:5]}, unexpected {extra[:5]}"
    # a real year: every kind of message went out
    keys = " ".join(key for key, _ in actual)
    for kind in ("-d30", "-d14", "-d7", "-d1", "-d0", "-o1", "-welcome-", "training-digest-", "-dsl-"):
        assert kind in keys
    assert services.db["training_reminders"].count == len(rows)
    services.db.close()
