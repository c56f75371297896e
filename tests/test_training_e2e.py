"""Training nudges end to end: the scheduler's tick on a fake clock, reminders delivered through the
fake Slack Web API and the fake Bot Connector, their buttons pressed back over each platform, and
the compliance chart of the local web page (GET /local/training-chart, and the page drawing it).

One server, one database and one clock for the module; the tests run in order, like a school week.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import pytest_asyncio

import bot.server
from handlers import training
from storage import training as training_store
from tests.conftest import FakeClock
from tests.test_drafts_e2e import Btn, Channels, slack_dm, slack_user, start_channels, stop_channels, teams_conversation

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLACK_PERSON, TEAMS_PERSON = "clarke", "lewis"  # both overdue in data/training.csv
REMINDER_BUTTONS = ["Done", "Remind me next week", "Where do I do it?"]
WORKING_MOMENT = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)  # a Monday in term, 10:00 in London
OUTSIDE_WORKING_HOURS = [
    pytest.param(datetime(2026, 11, 26, 7, 30, tzinfo=timezone.utc), id="before-8"),
    pytest.param(datetime(2026, 11, 26, 17, 30, tzinfo=timezone.utc), id="after-17"),
    pytest.param(datetime(2026, 11, 28, 11, 0, tzinfo=timezone.utc), id="saturday"),
    pytest.param(datetime(2026, 12, 22, 10, 0, tzinfo=timezone.utc), id="christmas-holiday"),
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def school(tmp_path_factory, knowledge):
    patch = pytest.MonkeyPatch()
    # The test decides when the scheduler ticks; the server's own loop ticks once at start-up only.
    patch.setattr(bot.server, "TICK_SECONDS", 3600.0)
    clock = FakeClock(datetime(2026, 11, 26, 6, 0, tzinfo=timezone.utc))
    built = await start_channels(tmp_path_factory, knowledge, clock)
    assert training.load_sample_records(built.services) > 0
    await built.use("slack", SLACK_PERSON)
    await built.use("teams", TEAMS_PERSON)
    yield built
    await stop_channels(built)
    patch.undo()


async def run_tick(school: Channels) -> int:
    queued = training.tick(school.services)
    await school.hub.dispatcher.deliver_due()
    await school.settle(0.2)
    return queued


def reminders_for(school: Channels, channel: str, person_id: str, title: str):
    return [m for m in school.drivers[channel].messages(person_id) if m.title == title]


# --- the scheduler, through the fakes ------------------------------------------------------------

@pytest.mark.parametrize("moment", OUTSIDE_WORKING_HOURS)
async def test_no_reminder_outside_working_hours_or_in_holidays(school, moment):
    slack_before, connector_before = len(school.slack.calls), len(school.connector.calls)
    school.clock.set(moment)
    assert await run_tick(school) == 0
    assert school.slack.calls[slack_before:] == []
    assert school.connector.calls[connector_before:] == []
    assert training_store.reminders_of(school.db) == []


async def test_reminders_arrive_on_slack_and_teams_with_their_buttons(school):
    slack_before, connector_before = len(school.slack.calls), len(school.connector.calls)
    school.clock.set(WORKING_MOMENT)
    assert await run_tick(school) > 0

    for channel, person in (("slack", SLACK_PERSON), ("teams", TEAMS_PERSON)):
        reminder = await school.expect(channel, person, "your safeguarding training was due")
        assert reminder.title == "Reminder: safeguarding training"
        assert [b.label for b in reminder.buttons] == REMINDER_BUTTONS
        assert len(reminders_for(school, channel, person, "Reminder: policy acknowledgement")) == 1

    # Slack: a DM opened with clarke and two messages posted into it, nothing else to anyone.
    slack_calls = school.slack.calls[slack_before:]
    assert [(c.method, c.body.get("users") or c.body.get("channel")) for c in slack_calls] == [
        ("conversations.open", slack_user(SLACK_PERSON)), ("chat.postMessage", slack_dm(SLACK_PERSON))] * 2
    # Teams: two activities, both into lewis's personal chat.
    connector_calls = school.connector.calls[connector_before:]
    assert [(c.method, c.conversation_id) for c in connector_calls] == [("POST", teams_conversation(TEAMS_PERSON))] * 2
    # Nobody on a chat platform (the Headteacher's digest too) finds theirs in the local inbox.
    digest = await school.expect("local", "ingram", "Weekly training digest")
    assert "Amy Clarke" in digest.text and "Ben Lewis" in digest.text

    # The same moment again (a restart, or the next 30-second tick): nothing is sent twice.
    slack_before, connector_before = len(school.slack.calls), len(school.connector.calls)
    assert await run_tick(school) == 0
    assert school.slack.calls[slack_before:] == [] and school.connector.calls[connector_before:] == []


@pytest.mark.parametrize("channel, person", [("slack", SLACK_PERSON), ("teams", TEAMS_PERSON)])
async def test_where_do_i_do_it_replies_with_the_configured_link(school, channel, person):
    [reminder] = reminders_for(school, channel, person, "Reminder: safeguarding training")
    school.mark(channel, person)
    await school.drivers[channel].click(person, reminder.button("Where do I do it?"))
    answer = await school.expect(channel, person, "You can do the safeguarding training here")
    assert school.services.config.training_link in answer.text


@pytest.mark.parametrize("channel, person", [("slack", SLACK_PERSON), ("teams", TEAMS_PERSON)])
async def test_done_records_the_completion(school, channel, person):
    [reminder] = reminders_for(school, channel, person, "Reminder: safeguarding training")
    assert training_store.get_record(school.db, person)["training_on"] < "2026-01-01"
    school.mark(channel, person)
    await school.drivers[channel].click(person, reminder.button("Done"))
    asked = await school.expect(channel, person, "When was your safeguarding training completed?")
    await school.drivers[channel].click(person, asked.button("Today"))
    confirmed = await school.expect(channel, person, "Recorded: your safeguarding training completed on")
    assert "30 November 2026" in confirmed.text and "Next due" in confirmed.text

    assert training_store.get_record(school.db, person)["training_on"] == "2026-11-30"
    events = list(school.db["training_events"].rows_where("person_id = :person_id", {"person_id": person}, order_by="id"))
    assert (events[-1]["item"], events[-1]["done_on"], events[-1]["recorded_by"], events[-1]["source"]) == (
        "training", "2026-11-30", person, "button")


async def test_remind_me_next_week_snoozes_the_policy_reminder(school):
    [reminder] = reminders_for(school, "slack", SLACK_PERSON, "Reminder: policy acknowledgement")
    school.mark("slack", SLACK_PERSON)
    await school.drivers["slack"].click(SLACK_PERSON, reminder.button("Remind me next week"))
    await school.expect("slack", SLACK_PERSON, "again next week")
    snoozes = training_store.all_snoozes(school.db)
    assert [until for (person, item, _), until in snoozes.items()
            if (person, item) == (SLACK_PERSON, "policy")] == [date(2026, 12, 7)]


async def test_a_forged_record_button_for_someone_else_is_refused(school):
    """clarke (staff) sends a signed block_actions that would record lewis's training: refused, nothing saved."""
    lewis_events = school.db["training_events"].count_where("person_id = ?", [TEAMS_PERSON])
    forged = Btn("Today", "training.record", {}, {
        "action_id": "training.record#0",
        "value": json.dumps({"item": "training", "when": "today", "person": TEAMS_PERSON})})
    school.mark("slack", SLACK_PERSON)
    await school.drivers["slack"].click(SLACK_PERSON, forged)
    refused = await school.expect("slack", SLACK_PERSON, "record training for someone else")
    assert "the Headteacher or the DSL" in refused.text
    assert school.db["training_events"].count_where("person_id = ?", [TEAMS_PERSON]) == lewis_events


# --- the compliance chart ------------------------------------------------------------------------

async def chart(school: Channels, **params) -> tuple[int, dict]:
    async with school.http.get(school.url("/local/training-chart"), params=params) as response:
        return response.status, await response.json()


@pytest.mark.parametrize("person", ["ingram", "shah"])
async def test_the_chart_figures_for_the_headteacher_and_the_dsl(school, person):
    status, figures = await chart(school, person=person)
    assert status == 200
    assert figures == training.compliance_summary(school.services)
    assert figures["as_of"] == "2026-11-30" and figures["people"] == 12
    assert set(figures["items"]) == {"training", "policy", "dsl"}
    trained = figures["items"]["training"]
    assert trained["people"] == 12
    assert trained["ok"] + trained["due_soon"] + trained["overdue"] + trained["no_record"] == 12
    # clarke and lewis pressed Done today, so they no longer count as overdue for training.
    overdue_training = {r["person_id"] for r in figures["overdue"] if r["item"] == "training"}
    assert not overdue_training & {SLACK_PERSON, TEAMS_PERSON}
    assert 0 <= trained["percent_compliant"] <= 100


@pytest.mark.parametrize("person", ["clarke", "okafor", "hill", "brown"])
async def test_the_chart_is_refused_to_everyone_else_naming_the_role(school, person):
    status, body = await chart(school, person=person)
    assert status == 403
    assert set(body) == {"error"}
    assert "headteacher" in body["error"] and "dsl" in body["error"]


@pytest.mark.parametrize("params, status", [
    ({}, 400), ({"person": ""}, 400), ({"person": "nobody"}, 400), ({"person": "x" * 5000}, 400),
])
async def test_the_chart_with_no_or_an_unknown_person_is_a_clear_400(school, params, status):
    got, body = await chart(school, **params)
    assert got == status
    assert "person" in body["error"] or "roster" in body["error"]


async def test_the_chart_is_refused_to_another_web_site(school):
    async with school.http.get(school.url("/local/training-chart"), params={"person": "ingram"},
                               headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}) as response:
        assert response.status == 403


async def test_the_page_loads_the_chart_script(school):
    async with school.http.get(school.url("/")) as response:
        page = await response.text()
    assert "/local/static/chart.js" in page
    async with school.http.get(school.url("/local/static/chart.js")) as response:
        assert response.status == 200
        script = await response.text()
    assert "/local/training-chart" in script and "innerHTML" not in script


async def test_the_page_draws_the_chart_for_the_headteacher_only(school, tmp_path_factory):
    """In headless Chromium (Debian's, as tests/test_browser.py): picked as ingram, the chart shows."""
    import os

    from tests.browsers import CHROMIUM

    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.async_api import async_playwright, expect

    from tests.test_browser import LAUNCH_ARGS

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            errors: list[str] = []
            page.on("console", lambda message: message.type == "error" and errors.append(message.text))
            await page.goto(school.url("/"))
            chart_section = page.locator("#training-chart")
            await page.select_option("#person", "ingram")
            await expect(chart_section).to_be_visible(timeout=10_000)
            await expect(chart_section.locator(".chart__label")).to_have_text(
                ["Safeguarding training", "Policy acknowledgement", "DSL role training"])
            figures = training.compliance_summary(school.services)["items"]["training"]
            await expect(chart_section.locator(".chart__percent").first).to_have_text(
                f"{round(figures['percent_compliant'])}%")
            overdue = chart_section.locator(".chart__segment--overdue").first
            assert await overdue.get_attribute("data-count") == str(figures["overdue"])
            await page.screenshot(path=str(tmp_path_factory.mktemp("chart") / "headteacher.png"), full_page=True)

            await page.select_option("#person", "clarke")
            await expect(chart_section).to_be_hidden()
            assert errors == []  # no CSP violation, no failed request (clarke's chart is never asked for)
        finally:
            await browser.close()
