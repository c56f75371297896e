"""The soak's load: clients in a closed loop, each one person picking its next action at random
(seeded, so a run is repeatable), and what they saw (benchmarks/soak.py says what each kind does)."""
from __future__ import annotations

import asyncio
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

from benchmarks.soak_server import SLACK_SECRET, RunningServer, soak_person
from tests.fake_slack import signed_headers

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
OVERTIME_SECONDS = 120.0  # at most this long past the run's time to reach its minimum of requests


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


@dataclass
class Limits:
    """When the clients stop: at `stop_at`, or once `budget` requests are spent. Short of
    `min_requests` by then (a slow or busy machine), they go on until they reach it (at most
    OVERTIME_SECONDS more), so the counts a test checks do not depend on the machine's speed."""

    stop_at: float
    budget: int
    min_requests: int = 0

    def more(self, made: int) -> bool:
        if self.budget <= 0:
            return False
        now = time.monotonic()
        return now < self.stop_at or (made < self.min_requests and now < self.stop_at + OVERTIME_SECONDS)


class Client:
    """One person in a closed loop against the server."""

    def __init__(self, number: int, base: str, session: aiohttp.ClientSession, results: Results,
                 connector_url: str | None, slack_on: bool, limits: Limits):
        self.number, self.base, self.session, self.results = number, base, session, results
        self.person = soak_person(number)
        self.poster = number % 3 == 0
        self.random = random.Random(number)
        self.connector_url, self.slack_on = connector_url, slack_on
        self.limits = limits
        self.sent = 0

    def _more(self) -> bool:
        return self.limits.more(self.results.requests)

    async def _request(self, kind: str, method: str, path: str, *, json_body=None, data=None,
                       headers=None, expect=(200,)) -> dict | None:
        self.limits.budget -= 1
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



async def apply_load(server: RunningServer, clients: int, seconds: float, max_requests: int,
                     connector_url: str | None, slack_on: bool, results: Results, rss: list[int],
                     min_requests: int = 0) -> float:
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # warm-up: one request of each kind, so the start RSS is a running server's
        warm = Client(clients, server.url, session, Results(), connector_url, slack_on,
                      Limits(time.monotonic() + 60, 100))
        warm.person = soak_person(0)
        await warm.do_question()
        await warm.do_healthz()
        await warm.do_inbox()
        rss.append(server.rss_kb())
        started = time.monotonic()
        limits = Limits(started + seconds, max_requests, min_requests)
        workers = [Client(n, server.url, session, results, connector_url, slack_on, limits)
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
