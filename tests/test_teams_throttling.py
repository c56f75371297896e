"""Teams throttling: the Bot Connector answers 429 with Retry-After, and the bot waits that long.

The real aiohttp app on 127.0.0.1 and botbuilder's own HTTP client, against the fake connector's
throttle mode (tests/fake_connector.py). The clock is the injectable one from conftest; the outbox
is driven by calling the dispatcher, as tests/test_delivery.py does for Slack's 429. The server's
own delivery loop runs too and may make any pass first, so the tests assert on the outbox and on
what the connector recorded, never on which pass delivered: once `deliver_due()` returns, every
message due at the clock's time has had its attempt.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot.server import HUB
from domain.messages import Notification, Reply
from storage.roster import accounts_of
from tests.fake_connector import FakeConnector, default_member
from tests.test_teams import FRIEND_QUESTION, STAFF_AAD, activity, post, post_accepted, turns_done
from tests.test_teams import issuer, server  # noqa: F401  (fixtures: the app id set, activities signed)

PHOTO_QUESTION = "can I post photos of pupils on my own instagram?"
CLARKE_AAD = "00000000-0000-0000-0000-00000000c1a4"


def member(user_id: str) -> dict:
    """The default member, and Amy Clarke (on the roster) as a second Teams user."""
    if user_id == "29:clarke":
        return {"id": user_id, "name": "Amy Clarke", "aadObjectId": CLARKE_AAD,
                "email": "a.clarke@calmore.example.org", "userPrincipalName": "a.clarke@calmore.example.org"}
    return default_member(user_id)


@pytest.fixture
def connector():
    with FakeConnector(member=member) as fake:
        yield fake


@pytest.fixture
async def dispatcher(server, connector, services):
    """The server's dispatcher, once the staff member has written to the bot (so there is a
    conversation reference to send to); the connector's record starts empty."""
    await post_accepted(server, activity(connector, FRIEND_QUESTION))
    await turns_done(server)
    connector.wait_for(lambda call: call.is_reply)
    assert accounts_of(services.db, "staff") == {"teams": STAFF_AAD}
    connector.clear()
    return server.app[HUB].dispatcher


def rows(services, key: str) -> list[dict]:
    return list(services.db["outbox"].rows_where("key = :key", {"key": key}))


def next_attempt(row: dict) -> datetime:
    return datetime.fromisoformat(row["next_attempt_at"])


def notify(services, key: str, text: str, person: str = "staff") -> None:
    services.notify(Notification(person, Reply(text, title="Training"), key=key))


# --- proactive delivery ------------------------------------------------------------------------

@pytest.mark.parametrize("retry_after", [120, 7200])  # 7200: beyond the outbox's own 1-hour cap
async def test_a_throttled_notification_waits_for_retry_after_then_goes_exactly_once(
        dispatcher, connector, services, clock, retry_after):
    connector.throttle(1, retry_after=retry_after)
    notify(services, "training-due:staff", "Your safeguarding training is due.")
    await dispatcher.deliver_due()

    [row] = rows(services, "training-due:staff")
    assert row["status"] == "pending" and row["attempts"] == 1
    assert next_attempt(row) >= clock() + timedelta(seconds=retry_after)
    [refused] = connector.throttled  # one request, not retried inside the HTTP client
    assert refused.conversation_id == "a:conv-personal"
    assert connector.accepted == []

    # The throttle has lifted at the fake, so a send now would go through: the bot must not try.
    clock.advance(seconds=retry_after - 1)
    await dispatcher.deliver_due()
    assert connector.replies == [refused]

    clock.advance(seconds=2)
    await dispatcher.deliver_due()
    clock.advance(hours=3)
    await dispatcher.deliver_due()
    notify(services, "training-due:staff", "Your safeguarding training is due.")  # a retried handler
    await dispatcher.deliver_due()

    [delivered] = connector.accepted
    assert delivered.conversation_id == "a:conv-personal"
    assert "safeguarding training is due" in delivered.text
    [row] = rows(services, "training-due:staff")
    assert row["status"] == "delivered" and row["channel"] == "teams" and row["attempts"] == 2


async def test_while_throttled_the_persons_other_messages_wait_without_asking_again(
        dispatcher, connector, services, clock):
    connector.throttle(None, retry_after=300)  # every activity refused until recover()
    for number in range(3):
        notify(services, f"reminder-{number}", f"Reminder number {number}")
    await dispatcher.deliver_due()

    assert len(connector.throttled) == 1, "one 429 is enough to know the conversation must wait"
    for number in range(3):
        [row] = rows(services, f"reminder-{number}")
        assert row["status"] == "pending"
        assert next_attempt(row) >= clock() + timedelta(seconds=300)

    connector.recover()
    clock.advance(seconds=301)
    await dispatcher.deliver_due()
    await dispatcher.deliver_due()
    texts = sorted(call.text for call in connector.accepted)
    assert len(texts) == 3
    for number, text in enumerate(texts):
        assert f"Reminder number {number}" in text


async def test_one_throttled_conversation_does_not_hold_up_another_persons(
        dispatcher, server, connector, services, clock):
    await post_accepted(server, activity(connector, "hello", user_id="29:clarke", aad=CLARKE_AAD,
                                conversation_id="a:conv-clarke", id="act-clarke"))
    await turns_done(server)
    assert accounts_of(services.db, "clarke") == {"teams": CLARKE_AAD}
    connector.clear()

    connector.throttle(1, retry_after=600)  # the first activity posted is refused: staff's
    notify(services, "for-staff", "Message for A Staff")
    await dispatcher.deliver_due()
    notify(services, "for-clarke", "Message for Amy Clarke", person="clarke")
    await dispatcher.deliver_due()

    [sent] = connector.accepted
    assert sent.conversation_id == "a:conv-clarke" and "Message for Amy Clarke" in sent.text
    [row] = rows(services, "for-staff")
    assert row["status"] == "pending" and next_attempt(row) >= clock() + timedelta(seconds=600)


# Only whole seconds are read; an HTTP date (which the connector is not known to send) is left to
# the backoff as well.
@pytest.mark.parametrize("retry_after", ["soon", "", "inf", "nan", "-5", "1e3", "Wed, 21 Oct 2026 07:28:00 GMT"])
async def test_an_unreadable_retry_after_falls_back_to_the_outbox_backoff(
        dispatcher, connector, services, clock, retry_after):
    connector.throttle(1, retry_after=retry_after)
    notify(services, "odd-header", "Your safeguarding training is due.")
    await dispatcher.deliver_due()
    [row] = rows(services, "odd-header")
    assert row["status"] == "pending" and row["last_error"].startswith("teams:")
    first_backoff = next_attempt(row) - clock()
    assert timedelta(0) < first_backoff <= timedelta(minutes=1)

    clock.advance(seconds=first_backoff.total_seconds())
    await dispatcher.deliver_due()
    assert len(connector.accepted) == 1


async def test_an_absurd_retry_after_is_capped_at_a_day(dispatcher, connector, services, clock):
    connector.throttle(1, retry_after="99999999999999999999")
    notify(services, "absurd-header", "Your safeguarding training is due.")
    await dispatcher.deliver_due()
    [row] = rows(services, "absurd-header")
    assert row["status"] == "pending"
    assert next_attempt(row) == clock() + timedelta(days=1)

    clock.advance(days=1)
    await dispatcher.deliver_due()
    assert len(connector.accepted) == 1


# --- a reply within a turn ---------------------------------------------------------------------

async def test_a_throttled_reply_in_a_turn_is_no_error_and_goes_once_after_retry_after(
        dispatcher, server, connector, services, clock, json_logs):
    connector.throttle(None, retry_after=120)
    status, body = await post(server, activity(connector, PHOTO_QUESTION, id="act-2"))
    assert status == 202
    assert "Traceback" not in body
    await turns_done(server)
    await dispatcher.deliver_due()  # whatever the turn queued has had its chance

    [refused] = connector.replies  # the reply itself; the outbox did not ask again inside the window
    assert refused.status == 429 and refused.conversation_id == "a:conv-personal"
    [row] = rows(services, "teams-reply:act-2:0")
    assert row["status"] == "pending"
    assert next_attempt(row) >= clock() + timedelta(seconds=120)

    connector.recover()
    clock.advance(seconds=60)
    await dispatcher.deliver_due()
    assert connector.accepted == []

    clock.advance(seconds=61)
    await dispatcher.deliver_due()
    await dispatcher.deliver_due()
    [delivered] = connector.accepted
    assert delivered.conversation_id == "a:conv-personal"
    assert "instagram" in delivered.text.lower() or "images of pupils" in delivered.text
    assert rows(services, "teams-reply:act-2:0")[0]["status"] == "delivered"

    records = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.startswith("{")]
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL") or "traceback" in r]
    assert any("reply not sent" in r["message"] for r in records)

