"""The training scheduler's tick for a 2,000-person trust, against a bare SELECT of the same rows.

    .venv/bin/python benchmarks/scheduler_bench.py [--people 2000] [--repeat 20]

Builds a temporary SQLite file with generated people and training records (a mix of overdue, due
soon and fine), then times: the baseline (SELECT every person joined to their record), the first
tick (which queues the reminders due), and steady-state ticks (nothing new to send, the usual
case every 30 seconds). Goal: a tick under 100 ms.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app  # noqa: E402
from handlers import training  # noqa: E402
from handlers.context import Config  # noqa: E402

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)  # a Thursday in term time
GOAL_MS = 100.0


def build(folder: Path, people: int):
    policy = folder / "policy.txt"
    shutil.copy(Config.load().policy_file, policy)
    config = replace(Config.load(), roster_file=folder / "none.csv", policy_file=policy, extra={})
    services = app.build_services(db_path=str(folder / "trust.db"), config=config, clock=lambda: NOW,
                                  knowledge=object())
    rng = random.Random(2000)
    person_rows, record_rows = [], []
    for n in range(people):
        roles = "headteacher;staff" if n % 400 == 0 else "dsl;staff" if n % 200 == 1 else \
            "governor" if n % 10 == 9 else "volunteer" if n % 15 == 14 else "staff"
        person_rows.append({"id": f"p{n:05d}", "name": f"Person {n}", "roles": roles,
                            "start_date": (date(2010, 9, 1) + timedelta(days=rng.randrange(5000))).isoformat()})
        done = date(2025, 9, 1) + timedelta(days=rng.randrange(450))
        record_rows.append({"person_id": f"p{n:05d}", "training_on": done.isoformat(),
                            "policy_ack_on": (done + timedelta(days=rng.randrange(10))).isoformat()
                            if n % 25 else None,
                            "dsl_training_on": "2025-01-10" if "dsl" in roles else None})
    with services.db.atomic():
        services.db["people"].insert_all(person_rows)
        services.db["training_records"].insert_all(record_rows)
    return services


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        services = build(Path(folder), args.people)

        def baseline():
            return list(services.db.query(
                "SELECT p.id, p.name, p.roles, p.start_date, r.* FROM people p"
                " LEFT JOIN training_records r ON r.person_id = p.id WHERE p.active = 1"))

        baseline()  # warm the page cache for both
        base = timed(baseline, args.repeat)
        start = time.perf_counter()
        training.current_policy(services)  # parsed once per process (or when the file changes)
        parse_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        queued = training.tick(services)
        first = (time.perf_counter() - start) * 1000
        backlog = []  # the rest of a first run's backlog, MAX_PER_TICK at a time
        while True:
            start = time.perf_counter()
            more = training.tick(services)
            if not more:
                break
            backlog.append((time.perf_counter() - start) * 1000)
            queued += more
        steady = timed(lambda: training.tick(services), args.repeat)
        summary = timed(lambda: training.compliance_summary(services), max(3, args.repeat // 4))
        services.db.close()

    base_ms = statistics.median(base)
    steady_ms = statistics.median(steady)
    print(f"{args.people} people, {queued} reminders queued over {1 + len(backlog)} ticks "
          f"(at most {training.MAX_PER_TICK} a tick); policy parsed once in {parse_ms:.1f} ms")
    print(f"baseline SELECT of people + records : {base_ms:8.2f} ms (median of {args.repeat})")
    print(f"first tick (queues reminders)       : {first:8.2f} ms  = {first / base_ms:6.1f}x baseline")
    if backlog:
        print(f"backlog ticks (median)              : {statistics.median(backlog):8.2f} ms  "
              f"= {statistics.median(backlog) / base_ms:6.1f}x baseline")
    print(f"steady tick (nothing new)           : {steady_ms:8.2f} ms  = {steady_ms / base_ms:6.1f}x baseline")
    print(f"compliance_summary (report, chart)  : {statistics.median(summary):8.2f} ms  "
          f"= {statistics.median(summary) / base_ms:6.1f}x baseline")
    worst = max([first, steady_ms, *backlog])
    print(f"goal: under {GOAL_MS:.0f} ms per tick -> {'met' if worst < GOAL_MS else 'NOT met'} "
          f"(worst {worst:.1f} ms = {worst / GOAL_MS:.2f}x goal)")
    return 0 if worst < GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
