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
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote

import aiohttp
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.crypto import KEY_ENV  # noqa: E402
from app import open_database  # noqa: E402
from storage.database import is_server_url  # noqa: E402
from tests.fake_connector import FakeConnector  # noqa: E402
from tests.fake_slack import FakeSlack, signed_headers  # noqa: E402

SLACK_SECRET = "soak-signing-secret"
QUESTIONS = (
    "Can I accept a friend request from a parent?",
    "Can I post photos of pupils on my own Instagram?",
    "Who manages the school's Facebook page?",
    "Am I allowed to message a pupil on WhatsApp?",
    "Can I say which school I work at on my Facebook profile?",
    "What should I do if a parent posts something offensive about a teacher?",
    "Can I use the school logo on my personal account?",
    "Do we need consent before posting a photo of a child?",
)
REPORT_STEPS = ("report a concern", "no", "1", "1",
                "Soak check: a pupil said an adult online asked them for photos",
                "Child S, Year 5", "this morning before school", "Instagram", "none")
# What each kind of client does, and how often (weights).
MIX = {"question": 6, "report": 1, "draft": 1, "inbox": 2, "slack": 1, "teams": 1, "healthz": 2}
APPROVER = "okafor"
REQUEST_TIMEOUT = 30.0


# --- the server under test -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def soak_person(client: int) -> str:
    return f"soak{client:03d}"


def write_school(folder: Path, clients: int) -> Path:
    """data/school.toml's settings with a roster of the sample staff plus one person per client
    (every third a poster) and no training records (so no reminders add noise)."""
    roster = folder / "roster.csv"
    with open(ROOT / "data" / "roster.csv", newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    columns = list(rows[0].keys())
    for client in range(clients):
        person = soak_person(client)
        rows.append({**{c: "" for c in columns}, "id": person, "name": f"Soak Tester {client:03d}",
                     "email": f"{person}@soak.example.org",
                     "roles": "poster;staff" if client % 3 == 0 else "staff", "job_title": "Class teacher",
                     "start_date": "2020-09-01"})
    with open(roster, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    data = ROOT / "data"
    config = folder / "school.toml"
    config.write_text("\n".join([
        'school = "Calmore Junior School"', 'short_code = "CJS"', 'timezone = "Europe/London"',
        f'policy_file = "{ROOT / "policy" / "calmore-social-media-policy.txt"}"',
        f'lexicon_file = "{ROOT / "policy" / "lexicon.toml"}"',
        f'examples_file = "{ROOT / "policy" / "examples.toml"}"',
        f'roster_file = "{roster}"', f'consent_file = "{data / "consent_register.csv"}"',
        f'holidays_file = "{data / "holidays.toml"}"', "working_hours = [8, 17]", ""]), encoding="utf-8")
    return config


@dataclass
class RunningServer:
    process: subprocess.Popen
    port: int
    database: str  # a SQLite file or a postgresql:// URL
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(folder: Path, clients: int, slack: FakeSlack | None, database: str,
                 report_key: str | None) -> RunningServer:
    """`database` is a SQLite file or a postgresql:// URL; a server database takes its report key
    from the environment (`report_key`), a SQLite file from a key file beside it."""
    config = write_school(folder, clients)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "Microsoft", "POLICYBOT_"))}
    env.update(POLICYBOT_DB=database, POLICYBOT_CONFIG=str(config), POLICYBOT_TEAMS_EMULATOR="1",
               NO_PROXY="127.0.0.1", no_proxy="127.0.0.1", PYTHONUNBUFFERED="1")
    if report_key:
        env[KEY_ENV] = report_key
    else:
        env["POLICYBOT_REPORT_KEY_FILE"] = str(folder / "report.key")
    if slack is not None:
        env.update(SLACK_BOT_TOKEN="xoxb-soak", SLACK_SIGNING_SECRET=SLACK_SECRET, SLACK_API_URL=slack.api_url)
    log_path = folder / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port)], cwd=ROOT,
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    server = RunningServer(process, port, database, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited early:\n" + log_path.read_text(errors="replace")[-3000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not start within 60 s")


# --- the load ----------------------------------------------------------------------------------------

@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    status_5xx: int = 0
    error_samples: list[str] = field(default_factory=list)
    report_refs: list[str] = field(default_factory=list)
    approved_drafts: list[int] = field(default_factory=list)
    slack_events: int = 0
    teams_activities: int = 0
    requests: int = 0

    def error(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{kind}: {what}")


class Client:
    """One person in a closed loop against the server."""

    def __init__(self, number: int, base: str, session: aiohttp.ClientSession, results: Results,
                 connector_url: str | None, slack_on: bool, stop_at: float, budget: list[int]):
        self.number, self.base, self.session, self.results = number, base, session, results
        self.person = soak_person(number)
        self.poster = number % 3 == 0
        self.random = random.Random(number)
        self.connector_url, self.slack_on = connector_url, slack_on
        self.stop_at, self.budget = stop_at, budget
        self.sent = 0

    def _more(self) -> bool:
        return time.monotonic() < self.stop_at and self.budget[0] > 0

    async def _request(self, kind: str, method: str, path: str, *, json_body=None, data=None,
                       headers=None, expect=(200,)) -> dict | None:
        self.budget[0] -= 1
        self.results.requests += 1
        started = time.perf_counter()
        try:
            async with self.session.request(method, self.base + path, json=json_body, data=data,
                                            headers=headers) as response:
                body = await response.read()
                elapsed = time.perf_counter() - started
                self.results.latencies[kind].append(elapsed)
                if response.status >= 500:
                    self.results.status_5xx += 1
                if response.status not in expect:
                    self.results.error(kind, f"HTTP {response.status}: {body[:200]!r}")
                    return None
                if response.content_type == "application/json" and body:
                    return json.loads(body)
                return {}
        except Exception as error:  # a timeout or a dropped connection is an error of the run
            self.results.latencies[kind].append(time.perf_counter() - started)
            self.results.error(kind, f"{type(error).__name__}: {error}"[:200])
            return None

    async def say(self, kind: str, text: str, person: str | None = None) -> list[dict] | None:
        answer = await self._request(kind, "POST", "/local/messages",
                                     json_body={"person": person or self.person, "text": text})
        if answer is None:
            return None
        replies = answer.get("replies")
        if not replies:
            self.results.error(kind, "no replies")
            return None
        return replies

    async def run(self) -> None:
        kinds = [k for k in MIX if (k != "slack" or self.slack_on) and (k != "teams" or self.connector_url)]
        weights = [MIX[k] for k in kinds]
        while self._more():
            kind = self.random.choices(kinds, weights)[0]
            await getattr(self, f"do_{kind}")()

    async def do_question(self) -> None:
        await self.say("question", self.random.choice(QUESTIONS))

    async def do_healthz(self) -> None:
        await self._request("healthz", "GET", "/healthz")

    async def do_inbox(self) -> None:
        await self._request("inbox", "GET", f"/local/inbox?person={self.person}")

    async def do_report(self) -> None:
        for step in REPORT_STEPS:
            if await self.say("report_step", step) is None:
                await self.say("report_step", "cancel")
                return
        replies = await self.say("report_send", "send")
        ref = (replies or [{}])[-1].get("data", {}).get("report_ref") if replies else None
        if replies is not None and not ref:
            self.results.error("report_send", f"no reference in {json.dumps(replies)[:200]}")
        if ref:
            self.results.report_refs.append(ref)

    async def do_draft(self) -> None:
        if not self.poster:
            return await self.do_question()
        self.sent += 1
        text = (f"draft: Class {self.number} enjoyed their visit to the library, day {self.sent}. "
                "Thank you to our volunteers!\npictured: none")
        replies = await self.say("draft_submit", text)
        title = (replies or [{}])[0].get("title") or ""
        if replies is None:
            return
        if not title.startswith("Draft ") or "sent to" not in title:
            self.results.error("draft_submit", f"not submitted: {title[:100]} {replies[0].get('text', '')[:200]}")
            return
        draft_id = int(title.split()[1])
        decided = await self.say("draft_approve", f"approve draft {draft_id}", person=APPROVER)
        if decided is not None:
            if (decided[0].get("data") or {}).get("state") == "approved":
                self.results.approved_drafts.append(draft_id)
            else:
                self.results.error("draft_approve", decided[0].get("text", "")[:200])

    async def do_slack(self) -> None:
        self.sent += 1
        n = self.sent
        ts = f"1700000000.{self.number:03d}{n:05d}"
        event = {"type": "message", "channel_type": "im", "channel": f"DSOAK{self.number:03d}",
                 "user": f"USOAK{self.number:03d}", "text": self.random.choice(QUESTIONS), "ts": ts, "event_ts": ts}
        body = json.dumps({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
                           "event_id": f"EvSoak{self.number}x{n}", "event_time": int(time.time()),
                           "authorizations": [{"team_id": "T0SCHOOL", "user_id": "UBOT", "is_bot": True}],
                           "event": event}).encode()
        if await self._request("slack", "POST", "/slack/events", data=body,
                               headers=signed_headers(SLACK_SECRET, body)) is not None:
            self.results.slack_events += 1

    async def do_teams(self) -> None:
        self.sent += 1
        body = {"type": "message", "id": f"soak-{self.number}-{self.sent}", "timestamp": "2026-11-26T10:00:00.000Z",
                "serviceUrl": self.connector_url, "channelId": "msteams",
                "from": {"id": f"29:soak{self.number}", "name": "Soak Tester", "aadObjectId": f"aad-soak-{self.number}"},
                "conversation": {"id": f"a:soak-{self.number}", "conversationType": "personal", "tenantId": "t1"},
                "recipient": {"id": "28:policybot", "name": "Policy Bot"},
                "channelData": {"tenant": {"id": "t1"}}, "locale": "en-GB", "text": self.random.choice(QUESTIONS)}
        if await self._request("teams", "POST", "/api/messages", json_body=body, expect=(200, 201, 202)) is not None:
            self.results.teams_activities += 1


# --- checks afterwards --------------------------------------------------------------------------------

@contextlib.contextmanager
def report_key_in_environment(report_key: str | None) -> Iterator[None]:
    """open_database refuses a server database without a report key in the environment; lend it
    this run's key for the checks, and leave the environment as it was."""
    before = os.environ.get(KEY_ENV)
    if report_key:
        os.environ[KEY_ENV] = report_key
    try:
        yield
    finally:
        if report_key:
            if before is None:
                os.environ.pop(KEY_ENV, None)
            else:
                os.environ[KEY_ENV] = before


def check_database(database: str, results: Results, report_key: str | None = None,
                   drain_seconds: float = 30.0) -> dict:
    """Every acknowledged report stored once; approvals recorded once; the outbox drained.
    Read through the storage interface, so the same SQL checks SQLite and PostgreSQL."""
    deadline = time.monotonic() + drain_seconds
    with report_key_in_environment(report_key):
        db = open_database(database)
    try:
        one = lambda sql, args=None: db.execute(sql, args).fetchone()[0]  # noqa: E731
        rows = lambda sql: {row[0]: row[1] for row in db.execute(sql).fetchall()}  # noqa: E731
        while time.monotonic() < deadline and one("SELECT count(*) FROM outbox WHERE status = 'pending'"):
            time.sleep(0.2)
        refs = results.report_refs
        stored = rows("SELECT ref, count(*) FROM reports GROUP BY ref")
        filed_events = rows("SELECT r.ref, count(*) FROM report_events e JOIN reports r ON r.id = e.report_id"
                            " WHERE e.kind = 'filed' GROUP BY r.ref")
        approvals = rows("SELECT draft_id, count(*) FROM draft_audit WHERE action = 'approve' GROUP BY draft_id")
        return {
            "reports_acknowledged": len(refs),
            "reports_in_db": one("SELECT count(*) FROM reports"),
            "acknowledged_refs_unique": len(set(refs)) == len(refs),
            "every_report_once": all(stored.get(ref) == 1 and filed_events.get(ref) == 1 for ref in refs)
                                 and len(stored) == len(refs),
            "drafts_approved": len(results.approved_drafts),
            "every_approval_once": all(approvals.get(d) == 1 for d in results.approved_drafts)
                                   and one("SELECT count(*) FROM drafts WHERE state = 'approved'")
                                   == len(results.approved_drafts),
            "outbox_keys_unique": one("SELECT count(*) - count(DISTINCT key) FROM outbox") == 0,
            "outbox_pending": one("SELECT count(*) FROM outbox WHERE status = 'pending'"),
            "local_inbox_once": one("SELECT count(*) FROM local_inbox")
                                == one("SELECT count(*) FROM outbox WHERE status = 'delivered' AND channel = 'local'"),
        }
    finally:
        db.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


async def _load(server: RunningServer, clients: int, seconds: float, max_requests: int,
                connector_url: str | None, slack_on: bool, results: Results, rss: list[int]) -> float:
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # warm-up: one request of each kind, so the start RSS is a running server's
        warm = Client(clients, server.url, session, Results(), connector_url, slack_on, time.monotonic() + 60, [100])
        warm.person = soak_person(0)
        await warm.do_question()
        await warm.do_healthz()
        await warm.do_inbox()
        rss.append(server.rss_kb())
        started = time.monotonic()
        budget = [max_requests]
        workers = [Client(n, server.url, session, results, connector_url, slack_on, started + seconds, budget)
                   for n in range(clients)]

        async def sample_memory() -> None:
            while True:
                await asyncio.sleep(1.0)
                rss.append(server.rss_kb())

        sampler = asyncio.create_task(sample_memory())
        await asyncio.gather(*(w.run() for w in workers))
        elapsed = time.monotonic() - started
        sampler.cancel()
        rss.append(server.rss_kb())
        return elapsed


def run_soak(seconds: float = 20.0, clients: int = 50, max_requests: int = 1_000_000,
             slack: bool = True, teams: bool = True, folder: Path | None = None,
             database: str | None = None) -> dict:
    """Run the soak and return its figures (see `print_table` for what they mean). `database`: a
    postgresql:// URL (an empty schema: the checks count every row), else a SQLite file in `folder`."""
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
            elapsed = asyncio.run(_load(server, clients, seconds, max_requests,
                                        fake_connector.url if fake_connector else None, slack, results, rss))
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


def print_table(figures: dict) -> None:
    latency = figures["latency"]
    base = latency.get("healthz", {"p50": 0.0, "p99": 0.0})
    print(f"Soak on {figures['database']}: {figures['clients']} clients for {figures['seconds']:.0f} s on 127.0.0.1, "
          f"{figures['requests']:,} requests ({figures['requests_per_second']:.0f}/s)")
    print(f"{'kind':<15}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'p50 x':>8}{'p99 x':>8}")
    for kind, row in latency.items():
        ratio50 = row["p50"] / base["p50"] if base["p50"] else 0.0
        ratio99 = row["p99"] / base["p99"] if base["p99"] else 0.0
        print(f"{kind:<15}{row['count']:>9,}{figures['errors_by_kind'].get(kind, 0):>8}"
              f"{row['p50'] * 1000:>9.1f}{row['p99'] * 1000:>9.1f}{row['max'] * 1000:>9.1f}"
              f"{ratio50:>8.1f}{ratio99:>8.1f}")
    print("(p50 x / p99 x: the ratio to GET /healthz's p50 / p99 under the same load in the same run)")
    print(f"errors: {figures['errors']}   5xx: {figures['status_5xx']}   errors in the server log: "
          f"{figures['server_errors_logged']}   server alive at the end: {figures['server_alive_at_end']}")
    for sample in figures["error_samples"][:10] + figures["server_error_samples"]:
        print(f"  {sample}")
    print(f"server RSS: {figures['rss_start_mb']:.1f} MB after warm-up, peak {figures['rss_peak_mb']:.1f} MB, "
          f"end {figures['rss_end_mb']:.1f} MB (growth {figures['rss_growth_mb']:+.1f} MB)")
    print(f"reports: {figures['reports_acknowledged']} acknowledged, {figures['reports_in_db']} in the database, "
          f"each exactly once: {figures['every_report_once']}")
    print(f"drafts approved: {figures['drafts_approved']}, each approval recorded once: {figures['every_approval_once']}")
    print(f"outbox: keys unique {figures['outbox_keys_unique']}, pending after drain {figures['outbox_pending']}, "
          f"local inbox rows = local deliveries: {figures['local_inbox_once']}")
    print(f"slack: {figures['slack_events']} events, {figures['slack_answered']} answers posted; "
          f"teams: {figures['teams_activities']} activities, {figures['teams_answered']} replies")


def healthy(figures: dict, max_growth_mb: float = 50.0) -> bool:
    return (figures["errors"] == 0 and figures["status_5xx"] == 0 and figures["server_alive_at_end"]
            and figures["server_errors_logged"] == 0 and figures["rss_growth_mb"] < max_growth_mb
            and figures["every_report_once"] and figures["every_approval_once"]
            and figures["outbox_keys_unique"] and figures["local_inbox_once"] and figures["outbox_pending"] == 0
            # an event acknowledged to Slack or Teams and never answered is silence for a person
            and figures["slack_answered"] >= figures["slack_events"]
            and figures["teams_answered"] >= figures["teams_activities"])


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
