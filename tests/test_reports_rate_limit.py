"""One person's concern reports past the hourly limit: every one filed, the reporter told, and the
safeguarding team alerted in one summary an hour instead of once per report.

The real server on 127.0.0.1; reports are filed through the web chat over HTTP; the DSL, the
deputy DSL and the Headteacher read their alerts from the web chat's inbox, delivered by the
server's own delivery loop. The ticks are the ones the server runs (handlers.reports.TICKS), called
when the test moves its clock.
"""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import app as composition
import bot.server
from handlers import reports as feature
from storage import outbox
from storage import reports as report_store

REPORTER = "clarke"
ANSWERS = ["no", "1", "1", "A pupil showed me messages from an adult she met online", "a Y5 pupil",
           "today at 9", "the playground", "none", "send"]


@pytest.fixture
async def http(services, monkeypatch):
    monkeypatch.setattr(bot.server, "TICK_SECONDS", 3600)  # the server's first tick runs at start only
    server = TestServer(composition.build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession(base_url=str(server.make_url("/"))) as session:
        yield session
    await server.close()


async def say(http, person: str, text: str) -> list[dict]:
    async with http.post("/local/messages", json={"person": person, "text": text}) as response:
        assert response.status == 200
        return (await response.json())["replies"]


async def file_report(http) -> dict:
    await say(http, REPORTER, "report a concern")
    for answer in ANSWERS:
        replies = await say(http, REPORTER, answer)
    return replies[-1]


class Inboxes:
    """What each person has been sent, read through the web chat's inbox as the page does."""

    def __init__(self, http):
        self.http = http
        self.seen: dict[str, list[dict]] = {}

    async def of(self, person: str, expect: int, settle: float = 0.5, wait: float = 10) -> list[dict]:
        """Wait until `person` has `expect` messages (for up to `wait` seconds), then a little
        longer to catch any extra."""
        seen = self.seen.setdefault(person, [])
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            async with self.http.get("/local/inbox", params={"person": person}) as response:
                seen += (await response.json())["messages"]
            if len(seen) >= expect:
                if settle <= 0:
                    return seen
                await asyncio.sleep(settle)
                settle = 0
                continue
            if asyncio.get_running_loop().time() > deadline:
                return seen
            await asyncio.sleep(0.05)


def run_ticks(services) -> None:
    for tick in feature.TICKS:
        tick(services)


def summaries(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["data"].get("report_refs")]


async def test_eight_reports_in_an_hour_are_all_filed_five_alerted_and_three_summarised_once(http, services, clock):
    assert services.config.report_alerts_per_hour == 5  # data/school.toml
    receipts = [await file_report(http) for _ in range(8)]
    refs = [r["data"]["report_ref"] for r in receipts]
    assert len(set(refs)) == 8
    assert [r["ref"] for r in report_store.reports_by(services.db, REPORTER)][::-1] == refs  # all 8 filed
    for receipt in receipts[:5]:
        assert "the safeguarding team has been alerted" in receipt["text"]
    for receipt in receipts[5:]:  # told plainly, with what to do if a child is at risk
        assert "more than 5 concern reports in the last hour" in receipt["text"]
        assert "call 999 and tell the DSL in person" in receipt["text"]
        assert "has been alerted" not in receipt["text"]

    inboxes = Inboxes(http)
    for person in ("shah", "reed"):  # the DSL and the deputy DSL: five alerts, one per report
        alerts = await inboxes.of(person, 5)
        assert sorted(a["data"]["report_ref"] for a in alerts) == sorted(refs[:5])

    run_ticks(services)
    run_ticks(services)  # a second tick in the same hour sends nothing more
    for person in ("shah", "reed"):
        messages = await inboxes.of(person, 6)
        assert len(messages) == 6
        [summary] = summaries(messages)
        assert summary["data"]["report_refs"] == refs[5:]
        assert all(ref in summary["title"] for ref in refs[5:])
        assert "Amy Clarke" in summary["title"]
        assert [b["value"] for b in summary["buttons"]] == [{"ref": ref} for ref in refs[5:]]
    rows = list(services.db["outbox"].rows_where("key LIKE :key", {"key": "report-summary:%"}))
    assert len(rows) == 2 and all(row["payload"].startswith(outbox.SEALED) for row in rows)  # as every alert

    # A ninth report within the hour waits for the next summary, an hour after the last one.
    ninth = (await file_report(http))["data"]["report_ref"]
    run_ticks(services)
    # A message that is coming arrives in milliseconds (the dispatcher is woken): 3 s is margin.
    assert len(await inboxes.of("shah", 7, settle=0.5, wait=3)) == 6
    clock.advance(minutes=61)
    run_ticks(services)
    later = summaries(await inboxes.of("shah", 7))
    assert [s["data"]["report_refs"] for s in later] == [refs[5:], [ninth]]

    # Escalation: the five alerted one by one escalate one by one, as ever; the three summarised
    # ones escalate together in one summary, not three alerts.
    escalations = await inboxes.of("ingram", 6)
    assert len(escalations) == 6
    [summary] = summaries(escalations)
    assert summary["data"]["report_refs"] == refs[5:] and summary["title"].startswith("ESCALATED")
    assert sorted(e["data"]["report_ref"] for e in escalations if e not in [summary]) == sorted(refs[:5])


async def test_the_limit_is_per_person_and_per_hour(http, services, clock):
    services.config.report_alerts_per_hour = 2
    first = [await file_report(http) for _ in range(3)]
    assert "has been alerted" not in first[2]["text"]
    clock.advance(minutes=61)  # a new hour: alerted one by one again
    assert "the safeguarding team has been alerted" in (await file_report(http))["text"]


async def test_an_urgent_report_past_the_limit_is_filed_and_summarised_as_urgent(http, services):
    services.config.report_alerts_per_hour = 1
    await file_report(http)
    await say(http, REPORTER, "report a concern")
    [told, _next_question] = await say(http, REPORTER, "yes")  # a child in immediate danger
    assert told["text"].startswith("Call 999 now") and "tell the DSL (Priya Shah) in person now" in told["text"]
    assert "more than 1 concern reports in the last hour" in told["text"]
    urgent = told["text"].split("recorded as ")[1].split(".")[0]
    assert report_store.get_report(services.db, urgent)["urgent"] == 1
    inboxes = Inboxes(http)
    assert len(await inboxes.of("shah", 1)) == 1  # only the first report's alert so far
    run_ticks(services)
    [summary] = summaries(await inboxes.of("shah", 2))
    assert summary["data"]["report_refs"] == [urgent]
    assert ("Urgent", urgent) in [tuple(f) for f in summary["facts"]]
