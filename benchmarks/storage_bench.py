"""The storage interface's hot paths on SQLite and on PostgreSQL, each against a bare statement.

    .venv/bin/python benchmarks/storage_bench.py [--operations 2000] [--postgres URL]

For each database: the baseline is a bare `INSERT` of one row through the raw driver connection,
measured in the same run; then what the bot does on every turn or tick, through the interface:
record a question (question + answer + last answer, one transaction), read and write conversation
state, queue a notification, and claim due notifications. Figures are microseconds per operation
and the ratio to that database's own baseline, so the interface's overhead shows apart from the
database's speed. PostgreSQL: the URL given, else a throwaway server started as the tests do
(tests/postgres_server.py: fsync off, so its figures are kinder than a durable server's), else it
is left out with the reason. Last run (1,000 operations, idle 2-core machine): the interface costs
2–5× a bare INSERT on either database; PostgreSQL on loopback is 1.4–4.9× SQLite per operation,
well under a millisecond for everything a turn does.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.messages import Notification, Reply  # noqa: E402
from storage import outbox, state  # noqa: E402
from app import open_database  # noqa: E402
from storage.questions import record_question  # noqa: E402
from storage.store import is_sqlite  # noqa: E402

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


def timed(operations: int, step: Callable[[int], object], rounds: int = 3) -> float:
    """Median over `rounds` of microseconds per operation."""
    results = []
    for round_number in range(rounds):
        start = time.perf_counter()
        for n in range(operations):
            step(round_number * operations + n)
        results.append((time.perf_counter() - start) / operations * 1e6)
    return statistics.median(results)


def measure(db, operations: int) -> dict[str, float]:
    db.execute("CREATE TABLE bench_baseline (id BIGINT PRIMARY KEY, value TEXT)")
    if is_sqlite(db):
        raw, placeholder = db.conn, "?"  # the driver's own connection
    else:
        import psycopg

        # A driver connection of its own beside the interface's pool, on the same schema.
        raw, placeholder = psycopg.connect(db.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True), "%s"

    def bare_insert(n: int) -> None:
        raw.execute(f"INSERT INTO bench_baseline (id, value) VALUES ({placeholder}, {placeholder})", (n, "x"))
        if hasattr(raw, "commit") and getattr(raw, "in_transaction", False):
            raw.commit()

    figures = {"bare INSERT (baseline)": timed(operations, bare_insert)}
    figures["record a question"] = timed(operations, lambda n: record_question(
        db, person_id=f"p{n % 100}", channel="local", text=f"can I add a parent on facebook {n}", now=NOW,
        answered=True, section="3", clause="3-1", verdict="no", confidence=0.9, choices=[]))
    figures["write + read flow state"] = timed(operations, lambda n: (
        state.set_state(db, f"p{n % 100}", state.FlowState("report", "what", {"n": n}), NOW),
        state.get_state(db, f"p{n % 100}")))
    figures["queue a notification"] = timed(operations, lambda n: outbox.enqueue(
        db, Notification(f"p{n % 100}", Reply(f"reminder {n}"), key=f"bench-{n}"), NOW))
    figures["claim due (50)"] = timed(max(operations // 10, 10), lambda n: outbox.due(db, NOW + timedelta(minutes=1)))
    return figures


def report(name: str, figures: dict[str, float]) -> None:
    baseline = figures["bare INSERT (baseline)"]
    print(f"\n{name}")
    for label, micros in figures.items():
        print(f"  {label:<26} {micros:>9.1f} µs/op   {micros / baseline:>6.2f}× baseline")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--postgres", help="a postgresql:// URL to measure (default: start a throwaway server)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "bench.db")
        sqlite_figures = measure(db, args.operations)
        db.close()
    report("SQLite (WAL, one file)", sqlite_figures)

    server = None
    try:
        from cryptography.fernet import Fernet

        os.environ.setdefault("POLICYBOT_REPORT_KEY", Fernet.generate_key().decode())
        url = args.postgres
        if not url:
            from tests.postgres_server import PostgresServer

            server = PostgresServer.start()
            url = server.url_for_new_schema()
        db = open_database(url)
        postgres_figures = measure(db, args.operations)
        db.close()
    except Exception as problem:  # a benchmark reports what it could not measure, and goes on
        print(f"\nPostgreSQL: not measured ({type(problem).__name__}: {problem})")
        return 0
    finally:
        if server is not None:
            server.stop()
    report("PostgreSQL (127.0.0.1, SQLAlchemy's pool)", postgres_figures)
    print("\nPostgreSQL ÷ SQLite, per operation:")
    for label in sqlite_figures:
        print(f"  {label:<26} {postgres_figures[label] / sqlite_figures[label]:>6.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
