"""Draft photos and publishing, one behaviour each, through the router over a real SQLite file:
what is kept and refused, the who-is-pictured question, publish times, who may see a photo,
queuing on approval (once), publishing by hand stopping the queue, retention, and how Slack and
Teams show the photos."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from PIL import Image

from bot.meta import publisher_from
from bot.slack import render as slack_render
from bot.teams.cards import reply_to_card
from bot.teams.images import with_thumbnails
from domain.messages import Incoming, IncomingFile
from handlers.drafts import media
from handlers.drafts.autopublish import publish_due
from handlers.router import Router
from storage import attachments, publishing, retention
from storage.roster import get_person
from tests.fake_graph import FakeGraph
from tests.test_drafts_flow import School, text_of

CAPTION = "Our Year 5 class had a brilliant morning of science experiments with magnets and circuits."


def jpeg_with_exif(colour: str = "red") -> bytes:
    image, out = Image.new("RGB", (300, 200), colour), io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker-Calmore"  # Make: any metadata a phone writes
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def school(tmp_path, clock, knowledge):
    built = School(tmp_path / "school.db", clock, knowledge)
    yield built
    built.services.db.close()


def say_with_files(school, who: str, text: str, files: list[IncomingFile], channel: str = "slack"):
    incoming = replace(school.incoming(who, channel, text=text), files=tuple(files),
                       attachments=tuple(f.name for f in files))
    return school.router.handle(incoming)


def submit_with_photo(school, platform: str = "both", when: str = "") -> int:
    replies = say_with_files(school, "hughes", f"draft for {platform}: {CAPTION}\npictured: Olivia Bennett" + (
        f"\npublish at: {when}" if when else ""), [IncomingFile("lab.jpg", jpeg_with_exif())])
    assert "sent to" in text_of(replies), text_of(replies)
    return max(r["id"] for r in school.services.db["drafts"].rows)


def test_a_photo_is_kept_upright_as_a_jpeg_without_its_metadata(school):
    draft_id = submit_with_photo(school)
    [kept] = media.photos_of(school.services, draft_id)
    data = attachments.read(school.services.db, kept["id"])["data"]
    assert data[:3] == b"\xff\xd8\xff" and b"PhoneMaker-Calmore" not in data
    assert b"PhoneMaker-Calmore" in jpeg_with_exif()


@pytest.mark.parametrize("name, data, said", [
    ("notes.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "not a photo"),
    ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "couldn't read broken.jpg"),
    ("huge.jpg", None, "larger than"),
])
def test_what_is_not_a_usable_photo_is_refused_with_a_reason(school, name, data, said):
    file = IncomingFile(name, data, problem=None if data else "too_large")
    replies = say_with_files(school, "hughes", f"draft: {CAPTION}", [file])
    assert said in text_of(replies)
    assert attachments.listing(school.services.db, attachments.DRAFT_INTAKE, "hughes") == []


def test_photos_with_a_blank_pictured_field_ask_who_is_in_them(school):
    school.say("hughes", "draft")  # the guided flow: a photo sent at any step is kept for the draft
    school.router.handle(replace(school.incoming("hughes", "local", text="facebook"),
                                 files=(IncomingFile("a.jpg", jpeg_with_exif()),)))
    assert len(media.intake(school.services, "hughes")) == 1
    school.say("hughes", "cancel")
    [asked] = school.press("hughes", "draft.submit", {"platform": "facebook", "text": CAPTION, "pictured": ""},
                           channel="slack")
    assert "listed nobody as pictured" in asked.text and school.services.db["drafts"].count == 0
    assert "sent to" in text_of(school.say("hughes", "none", channel="slack"))


@pytest.mark.parametrize("typed, said", [("next tuesday-ish", "couldn't read"), ("2020-01-01 09:00", "already passed")])
def test_a_publish_time_that_cannot_be_used_is_refused(school, typed, said):
    replies = school.say("hughes", f"draft: {CAPTION}\npictured: none\npublish at: {typed}")
    assert said in text_of(replies) and school.services.db["drafts"].count == 0


def test_only_those_who_may_see_the_draft_get_its_photo(school):
    draft_id = submit_with_photo(school)
    [kept] = media.photos_of(school.services, draft_id)
    for who, allowed in (("okafor", True), ("hughes", True), ("patel", True), ("clarke", False)):
        found, refusal = media.authorised_photo(school.services, get_person(school.services.db, who), kept["id"])
        assert (found is not None) == allowed, who
    assert media.authorised_photo(school.services, None, kept["id"])[0] is None
    assert media.authorised_photo(school.services, get_person(school.services.db, "okafor"), 999)[1] == \
        "There is no such draft photo."


def test_approval_queues_one_publication_per_configured_account_once(school):
    school.services.publishing = frozenset({"facebook", "instagram"})
    draft_id = submit_with_photo(school, when="2026-12-04 15:30")
    [approved] = school.press("okafor", "draft.approve", {"draft_id": draft_id, "version": 1})
    assert "approved" in approved.text
    rows = publishing.of_draft(school.services.db, draft_id)
    assert [(r["platform"], r["scheduled_at"], r["key"]) for r in rows] == [
        ("facebook", "2026-12-04T15:30:00+00:00", f"draft-{draft_id}-v1-facebook"),
        ("instagram", "2026-12-04T15:30:00+00:00", f"draft-{draft_id}-v1-instagram")]
    school.press("okafor", "draft.approve", {"draft_id": draft_id, "version": 1})  # a replayed press
    assert len(publishing.of_draft(school.services.db, draft_id)) == 2
    _, told = school.outbox(f"draft-{draft_id}-v1-approved")
    assert "published on Facebook and Instagram at 2026-12-04 15:30, automatically" in told.plain()
    assert not told.buttons  # nothing to mark by hand


def test_marking_as_published_by_hand_stops_what_was_queued(school):
    school.services.publishing = frozenset({"facebook"})
    draft_id = submit_with_photo(school, platform="facebook")
    school.press("okafor", "draft.approve", {"draft_id": draft_id, "version": 1})
    school.press("hughes", "draft.publish", {"draft_id": draft_id, "version": 1})
    [row] = publishing.of_draft(school.services.db, draft_id)
    assert row["state"] == publishing.CANCELLED and school.draft(draft_id).state == "published"


def test_retention_deletes_a_finished_drafts_photos_after_thirty_days_and_nothing_else(school, clock):
    draft_id = submit_with_photo(school)
    with school.services.db.atomic():
        evidence = attachments.add(school.services.db, owner_kind=attachments.REPORT, owner_ref="CJS-2026-0001",
                                   uploaded_by="clarke", name="e.png", mime="image/png", kind="image", data=b"x",
                                   now=clock())
    school.press("okafor", "draft.reject", {"draft_id": draft_id, "version": 1, "reason": "Not this week."})
    assert retention.plan(school.services.db, clock() + timedelta(days=29))["attachments"] == 0
    assert retention.apply(school.services.db, clock() + timedelta(days=31))["attachments"] == 1
    assert media.photos_of(school.services, draft_id) == []
    assert attachments.owner_of(school.services.db, evidence) == (attachments.REPORT, "CJS-2026-0001")


def test_slack_shows_the_photos_before_the_buttons_and_teams_inline(school):
    draft_id = submit_with_photo(school)
    _, card = school.outbox(f"draft-{draft_id}-v1-approval")
    assert [i["name"] for i in card.data["images"]] == ["lab.jpg"]
    image = {"type": "image", "slack_file": {"id": "F1"}, "alt_text": "Photo: lab.jpg"}
    blocks = slack_render.message(card, images=[image])["blocks"]
    kinds = [b["type"] for b in blocks]
    assert kinds.index("image") < kinds.index("actions")
    teams = reply_to_card(with_thumbnails(school.services, card))
    [image_set] = [b for b in teams["body"] if b["type"] == "ImageSet"]
    assert image_set["images"][0]["url"].startswith("data:image/jpeg;base64,")
    assert len(str(teams)) < 28 * 1024


@pytest.mark.asyncio
async def test_on_either_database_an_approved_draft_with_a_photo_is_published_once(services, clock):
    """The `services` fixture runs this on a SQLite file and on PostgreSQL."""
    router, services.publishing = Router(services), frozenset({"facebook"})
    hughes, okafor = get_person(services.db, "hughes"), get_person(services.db, "okafor")
    sent = router.handle(Incoming("slack", "hughes", f"draft for facebook: {CAPTION}\npictured: Olivia Bennett",
                                  person=hughes, files=(IncomingFile("lab.jpg", jpeg_with_exif()),)))
    assert "sent to" in text_of(sent), text_of(sent)
    draft_id = max(r["id"] for r in services.db["drafts"].rows)
    router.handle(Incoming("slack", "okafor", action="draft.approve", value={"draft_id": draft_id, "version": 1},
                           person=okafor))
    with FakeGraph() as graph:
        publisher = publisher_from({"POLICYBOT_FACEBOOK_PAGE_ID": graph.page_id, "POLICYBOT_META_PAGE_TOKEN": graph.token,
                                    "POLICYBOT_GRAPH_API_URL": graph.api_url})
        assert await publish_due(services, publisher) == 1
        assert await publish_due(services, publisher) == 0
        assert [p["message"] for p in graph.posts] == [CAPTION]
    [row] = publishing.of_draft(services.db, draft_id)
    assert row["state"] == "published" and row["post_id"] == graph.posts[0]["id"]
