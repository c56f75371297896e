"""Training certificates over the real stack (issue 16): a file attached to "I've done my training" in a
Slack channel mention (fetched from the fake Web API with the bot token, like a DM's file) or uploaded
in the web chat is kept sealed with the record, listed in the Headteacher's compliance report, handed
to the Headteacher alone (a Slack file message, a web chat download), and every attempt is audited."""
from __future__ import annotations

import pytest

from storage import attachments
from storage.crypto import cipher_for
from tests.fake_slack import BOT_USER_ID
from tests.test_reports_e2e import (SLACK_PUBLIC, TOKEN, slack_button, slack_dm, slack_user,  # noqa: F401
                                    stack)

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARKER = b"Certificate-Quillfeather-2291"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + MARKER + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _audit(stack, action: str) -> list[tuple[str, int]]:
    return [(r["person_id"], r["allowed"]) for r in stack.db.query(
        "SELECT person_id, allowed FROM access_audit WHERE action = :action ORDER BY id", {"action": action})]


async def test_certificate_on_a_channel_mention_is_kept_listed_and_opened_by_the_headteacher_alone(stack):
    await stack.use("slack", "nowak", "ingram", "lewis")
    mark = stack.slack_mark()
    await stack.slack_event({"type": "app_mention", "channel": SLACK_PUBLIC, "user": slack_user("nowak"),
                             "text": f"<@{BOT_USER_ID}> I've done my training today, certificate attached",
                             "files": [stack.slack.add_file("F0CERT", "nowak-certificate.pdf", PDF)]})
    [(_, said)] = await stack.slack_wait(mark, lambda c: c.method == "chat.postMessage"
                                         and "Certificate kept: nowak-certificate.pdf" in str(c.body),
                                         what="the certificate kept")
    assert said.body["channel"] == SLACK_PUBLIC  # not confidential: said in the thread it was asked in
    download = [c for c in stack.slack_calls(mark) if c.method == "file_download"]
    assert download and download[0].headers.get("Authorization") == f"Bearer {TOKEN}"
    [stored] = [f for ref in attachments.owners(stack.db, attachments.TRAINING) if ref.startswith("nowak:")
                for f in attachments.listing(stack.db, attachments.TRAINING, ref)]
    assert stored["name"] == "nowak-certificate.pdf" and stored["kind"] == "pdf"
    raw = stack.db.execute("SELECT meta, content FROM attachments WHERE id = :id", {"id": stored["id"]}).fetchone()
    assert MARKER not in raw[1].encode() and b"nowak-certificate" not in raw[0].encode()
    assert MARKER in cipher_for(stack.db).decrypt_bytes(raw[1])

    # The Headteacher's report lists it; Open sends the file to her DM and nowhere else.
    mark = stack.slack_mark()
    await stack.slack_say("ingram", "training report")
    _, report = await stack.slack_posted(mark, slack_dm("ingram"), "Certificates on file")
    assert "nowak-certificate.pdf (pdf" in report.blocks_text and "certificate on file" in report.blocks_text
    open_button = slack_button(report, "Open nowak-certificate.pdf")
    mark = stack.slack_mark()
    await stack.slack_click("ingram", open_button)
    await stack.slack_wait(mark, lambda c: c.method == "files.completeUploadExternal", what="the file message")
    assert list(stack.slack.uploads.values())[-1] == PDF
    [complete] = [c for c in stack.slack_calls(mark) if c.method == "files.completeUploadExternal"]
    assert complete.body.get("channel_id") == slack_dm("ingram")

    # Staff pressing the same button get a refusal and no file.
    uploads = len(stack.slack.uploads)
    mark = stack.slack_mark()
    await stack.slack_click("lewis", open_button)
    await stack.slack_posted(mark, slack_dm("lewis"), "can open training certificates")
    await stack.settle()
    assert len(stack.slack.uploads) == uploads
    assert ("ingram", 1) in _audit(stack, "view_certificate") and ("lewis", 0) in _audit(stack, "view_certificate")


async def test_web_chat_certificate_upload_is_downloadable_by_the_overseers_only(stack):
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("person", "lewis")
    form.add_field("text", "I did my training on 3 November")
    form.add_field("file", PDF, filename="lewis-cert.pdf", content_type="application/octet-stream")
    async with stack.http.post(stack.url("/local/upload"), data=form) as response:
        assert response.status == 200
        replies = (await response.json())["replies"]
    assert "Certificate kept: lewis-cert.pdf" in " ".join(replies[0]["notes"])
    [file_id] = [f["id"] for ref in attachments.owners(stack.db, attachments.TRAINING) if ref.startswith("lewis:")
                 for f in attachments.listing(stack.db, attachments.TRAINING, ref)]
    async with stack.http.get(stack.url(f"/local/files/{file_id}?person=shah&download=1")) as response:
        assert response.status == 200 and await response.read() == PDF
        assert "attachment" in response.headers["Content-Disposition"]
    for refused in ("lewis", "clarke", "hill"):
        async with stack.http.get(stack.url(f"/local/files/{file_id}?person={refused}")) as response:
            assert response.status == 403 and MARKER not in await response.read()
    downloads = _audit(stack, "download_certificate")
    assert ("shah", 1) in downloads and {("lewis", 0), ("clarke", 0), ("hill", 0)} <= set(downloads)


async def test_certificate_word_later_attaches_to_the_latest_record_and_nothing_without_one(stack):
    import aiohttp

    async def upload(person: str, text: str):
        form = aiohttp.FormData()
        form.add_field("person", person)
        form.add_field("text", text)
        form.add_field("file", PDF, filename="later.pdf", content_type="application/octet-stream")
        async with stack.http.post(stack.url("/local/upload"), data=form) as response:
            return (await response.json())["replies"]

    [nothing] = await upload("brown", "here is my certificate")
    assert "nothing to attach the certificate to" in nothing["text"]
    assert not [r for r in attachments.owners(stack.db, attachments.TRAINING) if r.startswith("brown:")]
    [kept] = await upload("lewis", "my certificate")
    assert "completed on 3 November 2026" in kept["text"] and "Certificate kept: later.pdf" in kept["notes"][0]
