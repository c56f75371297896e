"""Post drafts with photos, from Slack to Facebook and Instagram, over real HTTP on 127.0.0.1 (issue 18).

A poster sends a draft with two photos in a Slack DM (the fake Web API serves the files, fetched with
the bot token); the Deputy Head's approval card carries them as image blocks; she approves; at the
scheduled time the publishing job posts to a fake Graph API, whose recorded request bodies are
checked (caption, photos, comment setting). A publish cut off mid-request, then a restart of the
whole process on the same database file, publishes once. Everything is in the draft's audit trail.
"""
from __future__ import annotations

import asyncio
import io
import json
import re

import aiohttp
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer
from PIL import Image

import app as composition
from bot.meta import PUBLISHER, publisher_from
from handlers.drafts.autopublish import publish_due
from storage import attachments
from storage import drafts as store
from storage import publishing as publications
from storage.crypto import cipher_for
from tests.conftest import FakeClock
from tests.fake_connector import FakeConnector
from tests.fake_graph import FakeGraph
from tests.fake_slack import FakeSlack
from tests.test_reports_e2e import SECRET, TOKEN, Stack, slack_button, slack_dm, slack_user  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="module")

CAPTION = "Year 4 had a wonderful day at Marwell Zoo learning how keepers care for the animals."
GPS_MARKER = b"Calmore-GPS-50.93N"


def photo(colour: str, with_metadata: bool = True) -> bytes:
    """A PNG a phone might send, with a text chunk standing in for its location metadata."""
    from PIL import PngImagePlugin

    out, info = io.BytesIO(), PngImagePlugin.PngInfo()
    if with_metadata:
        info.add_text("Location", GPS_MARKER.decode())
    Image.new("RGB", (640, 480), colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory, knowledge):
    clock = FakeClock()
    db_path = str(tmp_path_factory.mktemp("publishing-e2e") / "policybot.db")
    services = composition.build_services(db_path=db_path, clock=clock, knowledge=knowledge)
    slack, graph, connector = FakeSlack().__enter__(), FakeGraph().__enter__(), FakeConnector()
    env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.api_url,
           "POLICYBOT_FACEBOOK_PAGE_ID": graph.page_id, "POLICYBOT_INSTAGRAM_ACCOUNT_ID": graph.instagram_id,
           "POLICYBOT_META_PAGE_TOKEN": graph.token, "POLICYBOT_GRAPH_API_URL": graph.api_url,
           "POLICYBOT_PUBLISH_POLL_SECONDS": "3600"}  # the tests run the job themselves
    server = TestServer(composition.build_app(services, env=env), host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    stack = Stack(services, server, slack, connector, http, clock)
    stack.graph, stack.env, stack.db_path, stack.knowledge = graph, env, db_path, knowledge
    await stack.use("slack", "hughes", "okafor")
    yield stack
    await http.close()
    await server.close()
    slack.__exit__()
    graph.__exit__()
    connector.close()
    services.db.close()


async def submit_with_photos(world, text: str, files: list[dict]) -> int:
    """The poster's DM: the draft and its photos in one message, then who is pictured. The draft id."""
    mark = world.slack_mark()
    await world.slack_event({"type": "message", "subtype": "file_share", "channel_type": "im",
                             "channel": slack_dm("hughes"), "user": slack_user("hughes"), "text": text,
                             "files": files})
    await world.slack_posted(mark, slack_dm("hughes"), "Which pupils are pictured")
    mark = world.slack_mark()
    await world.slack_say("hughes", "Olivia Bennett, Noah Clarkson")
    _, sent = await world.slack_posted(mark, slack_dm("hughes"), "for approval")
    return int(re.search(r"Draft (\d+) sent to", sent.blocks_text).group(1))


async def approve(world, draft_id: int) -> None:
    mark = world.slack_mark()
    await world.slack_say("okafor", f"draft {draft_id}")
    _, card = await world.slack_posted(mark, slack_dm("okafor"), f"Post draft {draft_id}")
    mark = world.slack_mark()
    await world.slack_click("okafor", slack_button(card, "Approve"))
    await world.slack_posted(mark, slack_dm("hughes"), f"Draft {draft_id} approved")


async def test_two_slack_photos_reach_the_approver_and_go_out_on_both_accounts(world):
    graph, files = world.graph, [world.slack.add_file("F0ZOO1", "zoo-1.png", photo("orange")),
                                 world.slack.add_file("F0ZOO2", "zoo-2.png", photo("teal"))]
    mark = world.slack_mark()
    draft_id = await submit_with_photos(world, f"draft for both: {CAPTION}\npublish at: 2026-11-27 16:30", files)
    downloads = [c for c in world.slack_calls(mark) if c.method == "file_download"]
    assert len(downloads) == 2 and all(c.headers.get("Authorization") == f"Bearer {TOKEN}" for c in downloads)

    # Kept sealed, cleaned: JPEG, no metadata; never in clear in the database.
    kept = attachments.listing(world.db, attachments.DRAFT, str(draft_id))
    assert [k["name"] for k in kept] == ["zoo-1.jpg", "zoo-2.jpg"] and {k["mime"] for k in kept} == {"image/jpeg"}
    raw = world.db.execute("SELECT meta, content FROM attachments WHERE id = :id", {"id": kept[0]["id"]}).fetchone()
    plain = cipher_for(world.db).decrypt_bytes(raw[1])
    assert plain[:3] == b"\xff\xd8\xff" and GPS_MARKER not in plain and b"zoo-1" not in raw[0].encode()

    # The Deputy Head's approval card shows both photos as image blocks (files the bot uploaded privately).
    _, card = await world.slack_posted(mark, slack_dm("okafor"), f"Post draft {draft_id} needs your approval")
    images = [b for b in card.blocks if b["type"] == "image"]
    assert [b["title"]["text"] for b in images] == ["zoo-1.jpg", "zoo-2.jpg"]
    uploaded_ids = [b["slack_file"]["id"] for b in images]
    completes = [c for c in world.slack_calls(mark) if c.method == "files.completeUploadExternal"]
    assert all("channel_id" not in c.body and "channels" not in c.body for c in completes)  # shared nowhere
    assert {world.slack.uploads[i][:3] for i in uploaded_ids} == {b"\xff\xd8\xff"}

    await approve(world, draft_id)
    assert not graph.calls, "nothing goes out before the scheduled time"
    world.clock.set(world.clock().replace(year=2026, month=11, day=27, hour=16, minute=30))
    assert await publish_due(world.services, world.server.app[PUBLISHER]) == 2

    # Facebook: two unpublished photo uploads, then one feed post attaching them with the caption.
    uploads = graph.calls_to("POST", f"{graph.page_id}/photos")
    assert len(uploads) == 4  # two for Facebook, two for Instagram's copies
    assert all(u.fields["published"] == "false" and u.fields["source"]["content_type"] == "image/jpeg"
               for u in uploads)
    assert uploads[0].files["source"] == plain  # what was approved is what is published
    [feed] = graph.calls_to("POST", f"{graph.page_id}/feed")
    assert feed.fields["message"] == CAPTION and feed.fields["published"] == "true"
    fb_photo_ids = {json.loads(feed.fields[f"attached_media[{i}]"])["media_fbid"] for i in range(2)}
    assert len(fb_photo_ids) == 2 and fb_photo_ids <= set(graph.photos)
    assert all(c.headers["Authorization"] == f"Bearer {graph.token}" and "access_token" not in c.fields
               for c in graph.calls)

    # Instagram: a carousel of the two photos (by their CDN address), published, comments turned off.
    containers = graph.calls_to("POST", f"{graph.instagram_id}/media")
    children, carousel = containers[:2], containers[2]
    assert all(c.fields["is_carousel_item"] == "true" and c.fields["image_url"].startswith(graph.url + "/cdn/")
               for c in children)
    assert carousel.fields["media_type"] == "CAROUSEL" and carousel.fields["caption"] == CAPTION
    [published] = graph.calls_to("POST", f"{graph.instagram_id}/media_publish")
    assert published.fields["creation_id"] == list(graph.containers)[2]
    media_id = graph.media[0]["id"]
    assert [c.fields for c in graph.calls_to("POST", media_id)] == [{"comment_enabled": "false"}]
    assert graph.media[0]["comment_enabled"] is False

    # Recorded and audited: who approved which version, when it went out, the platforms' post ids.
    rows = {r["platform"]: r for r in publications.of_draft(world.db, draft_id)}
    assert rows["facebook"]["post_id"] == graph.posts[0]["id"] and rows["instagram"]["post_id"] == media_id
    assert rows["facebook"]["approved_by"] == "okafor" and rows["facebook"]["published_at"]
    trail = [(r["action"], r["version"], r["actor_id"]) for r in store.audit_trail(world.db, draft_id)]
    assert ("approve", 1, "okafor") in trail and ("publish", 1, "policybot") in trail
    details = " ".join(r["detail"] for r in store.audit_trail(world.db, draft_id))
    assert graph.posts[0]["id"] in details and media_id in details
    assert store.get(world.db, draft_id).state == "published"
    await world.hub.dispatcher.deliver_due()
    await world.slack_posted(0, slack_dm("hughes"), "is published on Instagram")
    await world.slack_posted(0, slack_dm("okafor"), "is published on Facebook")


async def test_a_restart_mid_publish_publishes_once(world):
    graph = world.graph
    files = [world.slack.add_file("F0CHOIR", "choir.png", photo("navy"))]
    caption = "The Year 6 choir sang beautifully at the Harvest Festival this afternoon."
    draft_id = await submit_with_photos(world, f"draft for both: {caption}", files)
    await approve(world, draft_id)
    feeds_before, published_before = len(graph.posts), len(graph.media)

    # The feed post takes effect but its answer never comes: the process dies there.
    graph.hang("feed")
    first = asyncio.create_task(publish_due(world.services, world.server.app[PUBLISHER]))
    await asyncio.to_thread(graph.hanging.wait, 10)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    graph.release()
    assert len(graph.posts) == feeds_before + 1
    assert publications.of_draft(world.db, draft_id)[0]["state"] == publications.PUBLISHING

    # A new process on the same database file: the lease runs out, and the post is found, not re-sent.
    async def restarted() -> int:
        services = composition.build_services(db_path=world.db_path, clock=world.clock, knowledge=world.knowledge)
        services.publishing = world.services.publishing
        try:
            return await publish_due(services, publisher_from(world.env))
        finally:
            services.db.close()

    world.clock.advance(minutes=11)
    graph.hang("media_publish")  # and Instagram's publish is cut off the same way, the first time
    second = asyncio.create_task(restarted())
    await asyncio.to_thread(graph.hanging.wait, 10)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    graph.release()
    world.clock.advance(minutes=11)
    assert await restarted() >= 1
    assert await restarted() == 0  # nothing left to do

    assert len(graph.posts) == feeds_before + 1 and len(graph.media) == published_before + 1
    assert len([c for c in graph.calls_to("POST", f"{graph.page_id}/feed") if c.fields["message"] == caption]) == 1
    rows = {r["platform"]: r for r in publications.of_draft(world.db, draft_id)}
    assert rows["facebook"]["post_id"] == graph.posts[-1]["id"] and rows["facebook"]["state"] == "published"
    assert rows["instagram"]["post_id"] == graph.media[-1]["id"] and graph.media[-1]["comment_enabled"] is False
    assert store.get(world.db, draft_id).state == "published"


async def test_a_failed_publish_is_retried_with_backoff_and_reported(world):
    graph = world.graph
    files = [world.slack.add_file("F0FETE", "fete.png", photo("gold"))]
    caption = "Thank you to everyone who came to our Christmas Fair and helped raise money for the library."
    draft_id = await submit_with_photos(world, f"draft for facebook: {caption}", files)
    await approve(world, draft_id)
    graph.fail("feed", 503)
    assert await publish_due(world.services, world.server.app[PUBLISHER]) == 0
    [row] = publications.of_draft(world.db, draft_id)
    assert row["state"] == publications.RETRYING and row["attempts"] == 1
    await world.hub.dispatcher.deliver_due()
    for person in ("hughes", "okafor"):
        await world.slack_posted(0, slack_dm(person), f"Publishing post draft {draft_id} on Facebook failed")
    assert await publish_due(world.services, world.server.app[PUBLISHER]) == 0  # not yet: backing off
    world.clock.advance(minutes=1)
    assert await publish_due(world.services, world.server.app[PUBLISHER]) == 1
    assert len([p for p in graph.posts if p["message"] == caption]) == 1
    assert [r["action"] for r in store.audit_trail(world.db, draft_id)][-3:] == [
        "publish_failed_facebook", "published_facebook", "publish"]
