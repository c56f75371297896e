"""A post draft with photos, end to end in Teams, over the real botbuilder stack (issue 18).

The production set-up: an app id, every activity signed by a fake Bot Framework on loopback
(tests/fake_bot_framework.py) and validated by botbuilder; the fake Bot Connector on loopback serves
the photos' contentUrl files only to the bot's own bearer token. A poster sends "draft: …" with two
images; the pre-check asks who is pictured; the poster answers; the Deputy Head's Teams chat receives
an Adaptive Card with the draft's facts and the photos as inline thumbnails; she presses Approve
(a card submit naming the card); the card is updated in place to its decided state.
"""
from __future__ import annotations

import base64
import io
import json
import re

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from PIL import Image

import app as composition
from bot.teams import TEAMS_CHANNEL
from storage import attachments
from storage import drafts as store
from tests.conftest import FakeClock
from tests.fake_bot_framework import OUTGOING_TOKEN, FakeBotFramework
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack
from tests.test_draft_publishing_e2e import CAPTION, GPS_MARKER, photo
from tests.test_reports_e2e import SECRET, TEAMS_PUBLIC, TOKEN, Stack, teams_button, teams_personal
from tests.test_teams import APP_ID, AUTHED_ENV

pytestmark = pytest.mark.asyncio(loop_scope="module")

PICTURED = "Olivia Bennett, Noah Clarkson"
TEAMS_MESSAGE_LIMIT = 28 * 1024  # the connector refuses a larger activity


class SignedStack(Stack):
    """Every activity carries a Bot Framework token naming its serviceUrl, as Teams sends it."""

    async def teams_post(self, activity: dict) -> None:
        headers = {"Authorization": self.issuer.bearer(APP_ID, service_url=activity["serviceUrl"])}
        async with self.http.post(self.url("/api/messages"), json=activity, headers=headers) as response:
            assert response.status in (200, 202), await response.text()
        await self.server.app[TEAMS_CHANNEL].drain()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory, knowledge):
    with pytest.MonkeyPatch.context() as monkeypatch, FakeBotFramework() as issuer:
        issuer.install(monkeypatch)
        clock = FakeClock()
        db_path = str(tmp_path_factory.mktemp("teams-draft-photos") / "policybot.db")
        services = composition.build_services(db_path=db_path, clock=clock, knowledge=knowledge)
        slack, connector = FakeSlack().__enter__(), FakeConnector()
        connector.attachment_token = OUTGOING_TOKEN  # the files are the connector's: its token only
        env = {**AUTHED_ENV, "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN,
               "SLACK_API_URL": slack.api_url}
        server = TestServer(composition.build_app(services, env=env), host="127.0.0.1")
        await server.start_server()
        http = aiohttp.ClientSession()
        stack = SignedStack(services, server, slack, connector, http, clock)
        stack.issuer = issuer
        await stack.use("teams", "hughes", "okafor")
        yield stack
        await http.close()
        await server.close()
        slack.__exit__()
        connector.close()
        services.db.close()


def photo_attachment(world, attachment_id: str, name: str, data: bytes) -> dict:
    return {"contentType": "image/*", "name": name, "contentUrl": world.connector.attachment_url(attachment_id, data)}


def attachment_fetches(world, mark: int) -> list:
    return [c for c in world.teams_calls(mark) if c.method == "GET" and c.path.startswith("/v3/attachments/")]


def card_body(call) -> list[dict]:
    [card] = call.cards
    return card["body"]


def facts_of(call) -> dict[str, str]:
    return {f["title"]: f["value"] for block in card_body(call) if block["type"] == "FactSet"
            for f in block["facts"]}


def images_of(call) -> list[dict]:
    return [image for block in card_body(call) if block["type"] == "ImageSet" for image in block["images"]]


def decoded(image: dict) -> bytes:
    prefix = "data:image/jpeg;base64,"
    assert image["url"].startswith(prefix), image["url"][:60]
    return base64.b64decode(image["url"][len(prefix):])


async def send_draft_with_photos(world, text: str, photos: list[dict]) -> int:
    """The poster's 1:1 chat: the draft and its photos in one message, then who is pictured."""
    personal = teams_personal("hughes")
    activity = world.teams_activity("hughes", text=text)
    activity["attachments"] = [*photos, {"contentType": "text/html", "content": f"<p>{text}</p>"}]
    mark = world.teams_mark()
    await world.teams_post(activity)
    names = ", ".join(p["name"].rsplit(".", 1)[0] + ".jpg" for p in photos)  # kept as cleaned JPEGs
    world.teams_reply(mark, personal, f"Added {len(photos)} photos to the draft: {names}.")
    world.teams_reply(mark, personal, "Which pupils are pictured or named in this post?")
    fetched = attachment_fetches(world, mark)
    assert len(fetched) == 2 and all(c.status == 200 for c in fetched)
    assert all(c.headers.get("Authorization") == f"Bearer {OUTGOING_TOKEN}" for c in fetched)
    mark = world.teams_mark()
    await world.teams_say("hughes", PICTURED)
    sent = world.teams_reply(mark, personal, "for approval")
    return int(re.search(r"Draft (\d+) sent to", sent.text).group(1))


async def test_a_teams_draft_with_two_photos_is_approved_on_a_card_with_their_thumbnails(world):
    photos = [photo_attachment(world, "zoo1", "zoo-1.png", photo("orange")),
              photo_attachment(world, "zoo2", "zoo-2.png", photo("teal"))]
    mark = world.teams_mark()
    draft_id = await send_draft_with_photos(world, f"draft for facebook: {CAPTION}", photos)

    kept = attachments.listing(world.db, attachments.DRAFT, str(draft_id))
    assert [k["name"] for k in kept] == ["zoo-1.jpg", "zoo-2.jpg"]
    assert attachments.listing(world.db, attachments.INTAKE, "hughes") == []

    # The Deputy Head's 1:1 chat: one card, the draft's facts, the two photos inline and small.
    await world.hub.dispatcher.deliver_due()
    [card] = world.teams_replies(mark, teams_personal("okafor"), f"Post draft {draft_id} needs your approval")
    assert card.status == 200 and len(json.dumps(card.body).encode()) < TEAMS_MESSAGE_LIMIT
    facts = facts_of(card)
    assert facts["Draft"] == f"{draft_id} (version 1)" and facts["Platform"] == "Facebook"
    assert facts["Pupils pictured or named"] == PICTURED and facts["Status"] == "submitted"
    assert "Submitted by" in facts and "zoo-1.jpg" in facts.get("Photos", "")
    assert CAPTION in card.text
    images = images_of(card)
    assert [i["altText"] for i in images] == ["Photo: zoo-1.jpg", "Photo: zoo-2.jpg"]
    for image, colour in zip(images, ((255, 165, 0), (0, 128, 128))):
        data = decoded(image)
        assert data[:3] == b"\xff\xd8\xff" and GPS_MARKER not in data  # a cleaned JPEG, no metadata
        with Image.open(io.BytesIO(data)) as thumb:
            assert max(thumb.size) <= 160
            assert all(abs(a - b) < 24 for a, b in zip(thumb.convert("RGB").getpixel((10, 10)), colour))
    assert not [c for c in world.teams_calls(mark) if "zoo" in c.text and c.conversation_id
                not in (teams_personal("okafor"), teams_personal("hughes"))]

    # She presses Approve: a card submit naming that card; the card is updated to its decided state.
    activity = world.teams_activity("okafor", value=teams_button(card, "Approve"))
    activity["replyToId"] = card.activity_id
    mark = world.teams_mark()
    await world.teams_post(activity)
    [update] = [c for c in world.teams_calls(mark) if c.is_update]
    assert update.path == f"/v3/conversations/{teams_personal('okafor')}/activities/{card.activity_id}"
    assert update.status == 200 and update.cards[0].get("actions", []) == []
    assert "Approved by Daniel Okafor at " in update.text and CAPTION in update.text
    assert facts_of(update)["Pupils pictured or named"] == PICTURED
    assert [i["altText"] for i in images_of(update)] == ["Photo: zoo-1.jpg", "Photo: zoo-2.jpg"]
    assert store.get(world.db, draft_id).state == "approved"
    await world.hub.dispatcher.deliver_due()
    world.teams_reply(mark, teams_personal("hughes"), f"Draft {draft_id} approved")


async def test_a_card_opened_by_asking_for_the_draft_keeps_its_thumbnails_when_decided(world):
    """The Deputy Head types "draft N" in her chat: the card comes as the turn's reply, not proactively."""
    photos = [photo_attachment(world, "fete1", "fete-1.png", photo("gold")),
              photo_attachment(world, "fete2", "fete-2.png", photo("purple"))]
    draft_id = await send_draft_with_photos(world, f"draft for facebook: {CAPTION}", photos)
    mark = world.teams_mark()
    await world.teams_say("okafor", f"draft {draft_id}")
    card = world.teams_reply(mark, teams_personal("okafor"), f"Post draft {draft_id}")
    assert [i["altText"] for i in images_of(card)] == ["Photo: fete-1.jpg", "Photo: fete-2.jpg"]
    activity = world.teams_activity("okafor", value=teams_button(card, "Approve"))
    activity["replyToId"] = card.activity_id
    mark = world.teams_mark()
    await world.teams_post(activity)
    [update] = [c for c in world.teams_calls(mark) if c.is_update]
    assert update.path.endswith(f"/activities/{card.activity_id}") and "Approved by Daniel Okafor at " in update.text
    assert [i["altText"] for i in images_of(update)] == ["Photo: fete-1.jpg", "Photo: fete-2.jpg"]
    assert store.get(world.db, draft_id).state == "approved"

async def test_a_draft_asked_for_in_a_team_channel_goes_to_the_private_chat(world):
    """A draft names pupils before approval: asked for in a team channel, its card (with its photos)
    goes to the person's 1:1 chat, and the channel hears only that it was sent there."""
    photos = [photo_attachment(world, "fair1", "fair-1.png", photo("red")),
              photo_attachment(world, "fair2", "fair-2.png", photo("green"))]
    draft_id = await send_draft_with_photos(world, f"draft for facebook: {CAPTION}", photos)
    mark = world.teams_mark()
    await world.teams_say("okafor", f"draft {draft_id}", channel=True)
    in_channel = " ".join(c.text for c in world.teams_replies(mark, TEAMS_PUBLIC))
    assert "I've sent you the details in a private chat." in in_channel
    assert f"Post draft {draft_id}" not in in_channel and "data:image" not in in_channel
    card = world.teams_reply(mark, teams_personal("okafor"), f"Post draft {draft_id}")
    assert len(images_of(card)) == 2


async def test_a_photo_the_connector_refuses_is_named_and_the_draft_goes_on(world):
    """Without the bot's own token the connector answers 401: the poster is told which photo, plainly."""
    world.connector.attachment_token = "a-token-the-bot-does-not-hold"
    try:
        personal = teams_personal("hughes")
        activity = world.teams_activity("hughes", text=f"draft for facebook: {CAPTION}")
        activity["attachments"] = [photo_attachment(world, "zoo3", "zoo-3.png", photo("navy"))]
        mark = world.teams_mark()
        await world.teams_post(activity)
        said = " ".join(c.text for c in world.teams_replies(mark, personal))
        assert [c.status for c in attachment_fetches(world, mark)] == [401]
        assert "I couldn't fetch zoo-3.png from the chat service; please attach it again." in said
        assert "Which pupils are pictured or named" in said and "Traceback" not in said  # the draft goes on
        assert attachments.listing(world.db, attachments.INTAKE, "hughes") == []
    finally:
        world.connector.attachment_token = OUTGOING_TOKEN
        await world.teams_say("hughes", "cancel")
