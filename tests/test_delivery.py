"""Proactive delivery through Slack: the outbox keeps a message until the Web API takes it, once."""
from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.server import HUB
from domain.messages import Notification, Reply
from storage import outbox
from storage.roster import link_account
from tests.fake_slack import FakeSlack

SLACK_USER = "U0CLARKE"


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def hub(services, slack):
    app = build_app(services, env={"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test",
                                   "SLACK_API_URL": slack.api_url})
    link_account(services.db, "slack", SLACK_USER, "clarke")
    return app[HUB]


def notify(services, key: str = "training-due-clarke") -> None:
    services.notify(Notification("clarke", Reply("Your safeguarding training is due.", title="Training"), key=key))


def posts_of(slack: FakeSlack, text: str) -> list:
    # Other features (training reminders) may post too; count only this test's message.
    return slack.calls_to("chat.postMessage", containing=text)


async def test_a_notification_is_posted_to_the_persons_dm(hub, services, slack):
    notify(services)
    assert await hub.dispatcher.deliver_due() == 1
    [opened] = slack.calls_to("conversations.open")
    assert opened.body["users"] == SLACK_USER
    [post] = posts_of(slack, "safeguarding training is due")
    assert post.body["channel"] == "D0CLARKE"
    assert outbox.pending_count(services.db) == 0


@pytest.mark.parametrize("outage", ["down", "500"])
async def test_while_slack_is_unreachable_the_message_waits_then_goes_exactly_once(hub, services, slack, clock,
                                                                                    outage):
    if outage == "down":
        slack.down()
    else:
        slack.fail(500)
    notify(services)
    assert await hub.dispatcher.deliver_due() == 0
    assert outbox.pending_count(services.db) == 1

    clock.advance(seconds=10)
    assert await hub.dispatcher.deliver_due() == 0  # still out: the backoff grows, nothing is lost
    assert outbox.pending_count(services.db) == 1

    slack.up()
    slack.recover()
    clock.advance(minutes=5)
    assert await hub.dispatcher.deliver_due() == 1
    clock.advance(hours=2)
    assert await hub.dispatcher.deliver_due() == 0
    notify(services)  # the same key queued again (a retried handler) is not sent twice
    assert await hub.dispatcher.deliver_due() == 0
    assert len(posts_of(slack, "safeguarding training is due")) == 1
    assert outbox.pending_count(services.db) == 0


async def test_rate_limited_delivery_waits_for_retry_after(hub, services, slack, clock):
    slack.fail(429, retry_after=120)
    notify(services)
    assert await hub.dispatcher.deliver_due() == 0
    slack.recover()
    slack.clear()

    clock.advance(seconds=60)  # well past the first backoff (5 s) but inside Retry-After
    assert await hub.dispatcher.deliver_due() == 0
    assert slack.calls == []

    clock.advance(seconds=61)
    assert await hub.dispatcher.deliver_due() == 1
    assert len(posts_of(slack, "safeguarding training is due")) == 1


@pytest.mark.parametrize("garbled", ["inf", "nan", "1e309", "-5", "99999999999999999999", "Wed, 21 Oct 2026 07:28:00 GMT"])
async def test_a_garbled_retry_after_falls_back_to_backoff_and_loses_nothing(hub, services, slack, clock, garbled):
    slack.fail(429, retry_after=garbled)
    notify(services)
    assert await hub.dispatcher.deliver_due() == 0  # refused, rescheduled: no overflow, no stuck row
    slack.recover()
    slack.clear()
    clock.advance(days=1, seconds=1)  # past any backoff, and past the one-day cap on Retry-After
    assert await hub.dispatcher.deliver_due() == 1
    assert len(posts_of(slack, "safeguarding training is due")) == 1


async def test_the_running_server_delivers_a_queued_notification_by_itself(services, slack):
    app = build_app(services, env={"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test",
                                   "SLACK_API_URL": slack.api_url})
    link_account(services.db, "slack", SLACK_USER, "clarke")
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        notify(services, key="loop-test")
        posts = await slack.wait_for_async("chat.postMessage", containing="safeguarding training is due")
        assert len(posts) == 1
        async with aiohttp.ClientSession() as session:
            async with session.get(server.make_url("/healthz")) as response:
                assert response.status == 200
        assert posts[0].body["channel"] == "D0CLARKE"
    finally:
        await server.close()


class RefusingPlatform:
    """A platform on which the person has an account the bot cannot reach yet (e.g. Teams with no
    stored conversation reference)."""

    platform = "refusing"

    def __init__(self):
        self.attempts = 0

    async def send(self, platform_user_id, reply):
        from bot.delivery import DeliveryError

        self.attempts += 1
        raise DeliveryError("no conversation reference yet")


async def test_a_platform_that_refuses_does_not_block_one_that_delivers(services, slack):
    from bot.delivery import Dispatcher

    app = build_app(services, env={"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test",
                                   "SLACK_API_URL": slack.api_url})
    slack_sender = app[HUB].dispatcher.senders["slack"]
    dispatcher = Dispatcher(services)
    refusing = RefusingPlatform()
    dispatcher.register(refusing)  # tried first
    dispatcher.register(slack_sender)
    link_account(services.db, "refusing", "R1", "clarke")
    link_account(services.db, "slack", SLACK_USER, "clarke")
    notify(services, key="fallback-1")
    assert await dispatcher.deliver_due() == 1
    assert refusing.attempts == 1
    assert len(posts_of(slack, "safeguarding training is due")) == 1
    assert outbox.pending_count(services.db) == 0


async def test_when_every_platform_refuses_the_message_waits(services, slack, clock):
    from bot.delivery import Dispatcher

    dispatcher = Dispatcher(services)
    dispatcher.register(RefusingPlatform())
    link_account(services.db, "refusing", "R1", "clarke")
    notify(services, key="fallback-2")
    assert await dispatcher.deliver_due() == 0
    [row] = services.db["outbox"].rows_where("key = :key", {"key": "fallback-2"})
    assert row["status"] == "pending" and "no conversation reference" in row["last_error"]


async def test_a_sealed_message_reaches_slack_opened_and_one_sealed_under_another_key_waits(hub, services, slack):
    """A confidential reply is stored sealed and opened only to send it; one sealed under a key this
    server lacks (a restore without the key) is retried later and never holds up the rest."""
    from cryptography.fernet import Fernet

    from storage.crypto import Cipher

    services.notify(Notification("clarke", Reply("Concern report CJS-2026-0007 was read.", confidential=True),
                                 key="sealed-here"))
    foreign = outbox.SEALED + Cipher([Fernet.generate_key()]).encrypt('{"text": "from elsewhere"}')
    with services.db.atomic():
        services.db.execute("INSERT INTO outbox (id, key, person_id, payload, urgent, status, attempts,"
                            " next_attempt_at, created_at) VALUES ('foreign', 'sealed-elsewhere', 'clarke', :payload,"
                            " 1, 'pending', 0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
                            {"payload": foreign})
    assert await hub.dispatcher.deliver_due() == 1
    assert posts_of(slack, "CJS-2026-0007 was read")
    stuck = services.db["outbox"].get("foreign")
    assert stuck["status"] == "pending" and "report key" in stuck["last_error"]
    assert not posts_of(slack, "from elsewhere")
