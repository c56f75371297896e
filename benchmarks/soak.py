"""Soak: mixed traffic from many concurrent clients against a real `python app.py serve` on loopback.

    .venv/bin/python benchmarks/soak.py --minutes 5 --clients 50          # the five-minute form
    .venv/bin/python benchmarks/soak.py --seconds 20 --clients 30         # a quick look
    .venv/bin/python benchmarks/soak.py --minutes 5 --clients 50 --postgres [URL]   # on PostgreSQL

The server runs as its own process (its own database and a roster with one sample person per
client, written to a temporary folder) with Slack pointed at a fake Web API and Teams in emulator
mode against a fake connector, both on 127.0.0.1. Its database is a SQLite file in that folder, or
with --postgres a new schema on the PostgreSQL server at URL (left there afterwards for a look), or
with no URL a throwaway server started as the tests start one (tests/postgres_server.py: fsync
off; stopped at the end), given a generated POLICYBOT_REPORT_KEY.
Each client is one person in a closed loop, picking its next action at random (seeded, so a run
is repeatable):

  question        a policy question in the local web chat            POST /local/messages
  report          a whole concern-report intake, step by step, then "send" (report_step, report_send)
  draft           a post draft (posters), then the Deputy Head approves it (draft_submit, draft_approve)
  inbox           polling the local inbox                             GET /local/inbox
  slack           a signed Slack DM event (a question)                POST /slack/events
  teams           a Teams activity (a question)                       POST /api/messages
  healthz         GET /healthz: the baseline, measured under the same load in the same run

Printed: per kind, requests, errors, p50/p99/max latency and p50/p99 as a ratio to /healthz's;
overall requests/s; the server's RSS (VmRSS from /proc) after warm-up, at its peak and at the end;
and the database checked afterwards: every acknowledged report stored exactly once, every approved
draft approved once, the outbox drained with unique keys. Errors are exceptions, timeouts, 5xx, or
any status a well-formed request should not get. The run stops by itself (time and request budget).
The database checks go through storage.database.open_database, so they read either database alike.
On PostgreSQL the RSS is the bot's process alone (the server's backends are not counted).

Last run (--minutes 5 --clients 50, one after the other on a 2-core machine shared with other
work; PostgreSQL the throwaway server on loopback), every check passing on both:
  SQLite      152,052 requests (506/s), 0 errors, 0 5xx; p99 133 ms for /healthz, 225 ms for a
              question, 251 ms at most (draft_approve), 1.0-1.9x /healthz's; RSS 99.1 -> 112.5 MB
              (+13.4 MB); 6,608 reports and 2,083 approvals each stored once, outbox drained.
  PostgreSQL   85,500 requests (284/s), 0 errors, 0 5xx; p99 315 ms for /healthz, 517 ms for a
              question, 607 ms at most (report_send), 1.0-1.9x /healthz's; RSS 108.4 -> 114.7 MB
              (+6.3 MB); 3,703 reports and 1,146 approvals each stored once, outbox drained.
              Again 10 minutes later: 103,152 requests (343/s), 0 errors, p99 194 ms for
              /healthz, 364 ms at most; RSS +6.2 MB.
PostgreSQL serves 0.56-0.68x SQLite's requests/s here (a closed loop, so its latencies are higher):
at least four round trips a request (24,399 commits for 5,848 requests in a 20 s run), each made
on the event loop, with the server's backend sharing the two cores with the bot and the load.

The parts: soak_server.py (the server under test, its school and roster), soak_workload.py (the
clients and what they saw), soak_checks.py (the database afterwards), soak_report.py (the table
printed, and PASS or FAIL); this file runs them and holds the command line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.soak_checks import check_database  # noqa: E402
from benchmarks.soak_report import healthy, percentile, print_table  # noqa: E402
from benchmarks.soak_server import start_server  # noqa: E402
from benchmarks.soak_workload import Results, apply_load  # noqa: E402
from storage.database import is_server_url  # noqa: E402
from tests.fake_connector import FakeConnector  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402


def run_soak(seconds: float = 20.0, clients: int = 50, max_requests: int = 1_000_000,
             slack: bool = True, teams: bool = True, folder: Path | None = None,
             database: str | None = None, min_requests: int = 0) -> dict:
    """Run the soak and return its figures (see `print_table` for what they mean). `database`: a
    postgresql:// URL (an empty schema: the checks count every row), else a SQLite file in `folder`.
    `min_requests`: a run that has made fewer by its time goes on until it has (see Limits)."""
    with tempfile.TemporaryDirectory(prefix="policybot-soak-") as temporary:
        folder = Path(folder or temporary)
        database = database or str(folder / "policybot.db")
        on_server = is_server_url(database)
        report_key = Fernet.generate_key().decode() if on_server else None
        fake_slack = FakeSlack().__enter__() if slack else None
        fake_connector = FakeConnector() if teams else None
        server = start_server(folder, clients, fake_slack, database, report_key)
        results, rss = Results(), []
        try:
            elapsed = asyncio.run(apply_load(server, clients, seconds, max_requests,
                                             fake_connector.url if fake_connector else None, slack, results, rss,
                                             min_requests))
            checks = check_database(server.database, results, report_key)
            server_alive = server.process.poll() is None
            if fake_slack is not None:  # answers arrive in the background: give them a moment
                fake_slack.wait_for("chat.postMessage", count=results.slack_events, timeout=15)
            if fake_connector is not None and results.teams_activities:
                try:
                    fake_connector.wait_for(lambda c: c.is_reply, count=results.teams_activities, timeout=15)
                except AssertionError:
                    pass
        finally:
            server.stop()
            if fake_slack is not None:
                fake_slack.__exit__(None, None, None)
            if fake_connector is not None:
                fake_connector.close()
        log_text = server.log_path.read_text(errors="replace")
        server_errors = [line for line in log_text.splitlines()
                         if '"level": "ERROR"' in line or "Traceback" in line]
        return {
            "database": "PostgreSQL" if on_server else "SQLite",
            "seconds": elapsed, "clients": clients, "requests": results.requests,
            "requests_per_second": results.requests / elapsed if elapsed else 0.0,
            "errors": sum(results.errors.values()), "errors_by_kind": dict(results.errors),
            "error_samples": results.error_samples, "status_5xx": results.status_5xx,
            "server_errors_logged": len(server_errors), "server_error_samples": server_errors[:5],
            "server_alive_at_end": server_alive,
            "latency": {kind: {"count": len(values), "p50": percentile(values, 0.50),
                               "p99": percentile(values, 0.99), "max": max(values),
                               "mean": statistics.fmean(values)}
                        for kind, values in sorted(results.latencies.items())},
            "rss_start_mb": rss[0] / 1024, "rss_peak_mb": max(rss) / 1024, "rss_end_mb": rss[-1] / 1024,
            "rss_growth_mb": (rss[-1] - rss[0]) / 1024,
            "slack_events": results.slack_events,
            "slack_answered": len(fake_slack.calls_to("chat.postMessage")) if fake_slack else 0,
            "teams_activities": results.teams_activities,
            "teams_answered": len(fake_connector.replies) if fake_connector else 0,
            **checks,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=None, help="how long (default 5 minutes)")
    parser.add_argument("--seconds", type=float, default=None, help="how long, in seconds (overrides --minutes)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="stop after this many requests")
    parser.add_argument("--no-slack", action="store_true")
    parser.add_argument("--no-teams", action="store_true")
    parser.add_argument("--postgres", nargs="?", const="", default=None, metavar="URL",
                        help="soak on PostgreSQL: a new schema on the server at URL, or with no URL"
                             " a throwaway server started for the run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else 60 * (args.minutes if args.minutes is not None else 5)
    postgres = None
    database = None
    if args.postgres is not None:
        from tests.postgres_server import PostgresServer

        # A given server gets a new schema, so the checks afterwards count this run's rows alone.
        postgres = PostgresServer(args.postgres) if args.postgres else PostgresServer.start()
        database = postgres.url_for_new_schema()
        print(f"PostgreSQL: {'a throwaway server' if not args.postgres else 'the given server'}, "
              f"schema {unquote(database).rsplit('search_path=', 1)[-1]}")
    try:
        figures = run_soak(seconds, args.clients, args.max_requests, slack=not args.no_slack,
                           teams=not args.no_teams, database=database)
    finally:
        if postgres is not None and not args.postgres:
            postgres.stop()
    print_table(figures)
    if args.json:
        print(json.dumps(figures, indent=2))
    ok = healthy(figures)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
