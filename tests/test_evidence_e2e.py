"""Concern-report evidence files over the real stack (issue 16): attached in Slack (the fake Web API
serves the file at its url_private, downloaded with the bot token) and in the web chat (multipart
upload on the local route); kept only encrypted; listed in the DSL's View; handed back to the DSL as
a Slack file message or a web chat download, never to anyone else; an audit row for every view.
"""
from __future__ import annotations

import pytest

from storage import attachments
from storage import reports as store
from storage.crypto import cipher_for
from tests.test_reports_e2e import (TOKEN, ref_in, slack_button, slack_dm, slack_user, stack,  # noqa: F401
                                    teams_button, teams_personal)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# A 1x1 PNG with a distinctive tail (PNG readers ignore bytes after IEND): found by a byte search.
MARKER = b"Evidence-Marrowgate-7731"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND"
       b"\xaeB`\x82" + MARKER)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


async def _slack_file_message(stack, person_id: str, files: list[dict], text: str = "") -> None:
    await stack.slack_event({"type": "message", "subtype": "file_share", "channel_type": "im",
                             "channel": slack_dm(person_id), "user": slack_user(person_id), "text": text,
                             "files": files})


async def _slack_report_with_file(stack, reporter: str) -> tuple[str, int]:
    """Start a report in Slack, attach the PNG during the form step, file it. (ref, mark before)."""
    dm = slack_dm(reporter)
    start = stack.slack_mark()
    await stack.slack_say(reporter, "report a concern")
    _, asked = await stack.slack_posted(start, dm, "immediate danger")
    mark = stack.slack_mark()
    await stack.slack_click(reporter, slack_button(asked, "No"))
    _, about = await stack.slack_posted(mark, dm, "member of staff")
    mark = stack.slack_mark()
    view = await stack.slack_modal(mark, await stack.slack_click(reporter, slack_button(about, "No")))
    mark = stack.slack_mark()
    await _slack_file_message(stack, reporter, [stack.slack.add_file("F0SHOT", "screenshot.png", PNG)])
    _, kept = await stack.slack_posted(mark, dm, "I've kept screenshot.png as evidence")
    download = [c for c in stack.slack_calls(mark) if c.method == "file_download"]
    assert download and download[0].headers.get("Authorization") == f"Bearer {TOKEN}"
    mark = stack.slack_mark()
    from tests.test_reports_e2e import FORM_VALUES

    await stack.slack_submit(reporter, view, FORM_VALUES)
    _, summary = await stack.slack_posted(mark, dm, "Check your report")
    assert "screenshot.png" in summary.blocks_text
    mark = stack.slack_mark()
    await stack.slack_click(reporter, slack_button(summary, "Send to the DSL"))
    _, received = await stack.slack_posted(mark, dm, "Report received")
    return ref_in(received.blocks_text), start


async def test_slack_evidence_is_fetched_sealed_listed_and_sent_to_the_dsl_alone(stack):
    await stack.use("slack", "clarke", "shah", "reed", "lewis")
    ref, _ = await _slack_report_with_file(stack, "clarke")

    [stored] = attachments.listing(stack.db, attachments.REPORT, ref)
    assert stored["name"] == "screenshot.png" and stored["kind"] == "image" and stored["size"] == len(PNG)
    raw = stack.db.execute("SELECT meta, content FROM attachments WHERE id = :id", {"id": stored["id"]}).fetchone()
    assert MARKER not in raw[1].encode() and b"screenshot" not in raw[0].encode()
    assert MARKER in cipher_for(stack.db).decrypt_bytes(raw[1])

    # The DSL's View lists it, with a button that sends the file to her DM.
    mark = stack.slack_mark()
    await stack.slack_say("shah", f"view {ref}")
    _, shown = await stack.slack_posted(mark, slack_dm("shah"), "Evidence files")
    assert "screenshot.png (image" in shown.blocks_text
    open_button = slack_button(shown, "Open screenshot.png")
    mark = stack.slack_mark()
    await stack.slack_click("shah", open_button)
    await stack.slack_wait(mark, lambda c: c.method == "files.completeUploadExternal", what="the file message")
    assert list(stack.slack.uploads.values())[-1] == PNG
    [complete] = [c for c in stack.slack_calls(mark) if c.method == "files.completeUploadExternal"]
    assert complete.body.get("channel_id") == slack_dm("shah")

    # Staff replaying the DSL's button get a refusal and no file; both attempts are audited.
    uploads_before = len(stack.slack.uploads)
    mark = stack.slack_mark()
    await stack.slack_click("lewis", open_button)
    await stack.slack_posted(mark, slack_dm("lewis"), "Role needed")
    await stack.settle()
    assert len(stack.slack.uploads) == uploads_before
    audit = [(r["person_id"], r["action"], r["allowed"]) for r in store.audit_rows(stack.db, ref)]
    assert ("shah", "view_file", 1) in audit and ("lewis", "view_file", 0) in audit


async def test_slack_refuses_a_program_and_a_file_off_slack_without_sending_the_token(stack):
    await stack.use("slack", "clarke")
    dm = slack_dm("clarke")
    mark = stack.slack_mark()
    await stack.slack_say("clarke", "report a concern")
    await stack.slack_posted(mark, dm, "immediate danger")
    mark = stack.slack_mark()
    await _slack_file_message(stack, "clarke", [stack.slack.add_file("F0EXE", "evidence.exe", EXE)])
    await stack.slack_posted(mark, dm, "I can only keep images")
    mark = stack.slack_mark()
    elsewhere = stack.slack.add_file("F0FAR", "far.png", PNG, url_private="http://localhost.example:9/f.png")
    await _slack_file_message(stack, "clarke", [elsewhere])
    await stack.slack_posted(mark, dm, "couldn't fetch far.png")
    assert not [c for c in stack.slack_calls(mark) if c.method == "file_download"]
    assert attachments.listing(stack.db, attachments.INTAKE, "clarke") == []
    mark = stack.slack_mark()
    await stack.slack_say("clarke", "cancel")
    await stack.slack_posted(mark, dm, "Cancelled")  # Slack turns run after the ack: wait for it


async def test_teams_attachment_is_fetched_from_the_connector_only(stack):
    await stack.use("teams", "clarke")
    personal = teams_personal("clarke")
    mark = stack.teams_mark()
    await stack.teams_say("clarke", "report a concern")
    asked = stack.teams_reply(mark, personal, "immediate danger")
    await stack.teams_submit("clarke", teams_button(asked, "No"))
    activity = stack.teams_activity("clarke", text="")
    activity["attachments"] = [
        {"contentType": "image/png", "name": "teams-shot.png",
         "contentUrl": stack.connector.attachment_url("att1", PNG)},
        {"contentType": "image/png", "name": "elsewhere.png",
         # another server on this computer (the fake Slack): not the connector, so never asked
         "contentUrl": f"{stack.slack.url}/v3/attachments/att2/views/original"},
        {"contentType": "text/html", "content": "<p>ignored: Teams' copy of the text</p>"},
    ]
    mark = stack.teams_mark()
    await stack.teams_post(activity)
    said = stack.teams_reply(mark, personal, "teams-shot.png")
    assert "I've kept teams-shot.png as evidence" in said.text and "couldn't fetch elsewhere.png" in said.text
    fetched = [c for c in stack.teams_calls(mark) if c.method == "GET" and "/v3/attachments/" in c.path]
    assert [c.path for c in fetched] == ["/v3/attachments/att1/views/original"]
    assert not [c for c in stack.slack_calls() if c.method == "original"]
    [kept] = attachments.listing(stack.db, attachments.INTAKE, "clarke")
    assert kept["name"] == "teams-shot.png" and kept["kind"] == "image"
    mark = stack.teams_mark()
    await stack.teams_say("clarke", "cancel")
    stack.teams_reply(mark, personal, "Cancelled")
    assert attachments.listing(stack.db, attachments.INTAKE, "clarke") == []


def _consent_invoke(stack, person_id: str, card: dict, upload_url: str, action: str = "accept") -> dict:
    activity = stack.teams_activity(person_id)
    activity.update({"type": "invoke", "name": "fileConsent/invoke",
                     "value": {"type": "fileUpload", "action": action, "context": card["acceptContext"],
                               "uploadInfo": {"name": "screenshot.png", "uploadUrl": upload_url,
                                              "contentUrl": "https://school-my.sharepoint.com/screenshot.png",
                                              "uniqueId": "unique-1", "fileType": "png"}}})
    return activity


async def _invoke(stack, activity: dict) -> int:
    async with stack.http.post(stack.url("/api/messages"), json=activity) as response:
        return response.status


async def test_teams_hands_evidence_to_the_dsl_through_a_file_consent_card(stack):
    await stack.use("slack", "clarke")
    ref, _ = await _slack_report_with_file(stack, "clarke")
    [stored] = attachments.listing(stack.db, attachments.REPORT, ref)
    await stack.use("teams", "shah", "lewis")
    personal = teams_personal("shah")
    mark = stack.teams_mark()
    await stack.teams_say("shah", f"view {ref}")
    shown = stack.teams_reply(mark, personal, "Evidence files")
    mark = stack.teams_mark()
    await stack.teams_submit("shah", teams_button(shown, "Open screenshot.png"))
    offered = stack.teams_reply(mark, personal, "screenshot.png")
    [consent] = [a for a in offered.body["attachments"]
                 if a["contentType"] == "application/vnd.microsoft.teams.card.file.consent"]
    card = consent["content"]
    assert consent["name"] == "screenshot.png" and card["sizeInBytes"] == len(PNG)
    assert card["acceptContext"] == {"file": stored["id"]} and MARKER.decode() not in offered.text
    assert not stack.connector.uploads  # nothing leaves before the DSL accepts

    mark = stack.teams_mark()
    assert await _invoke(stack, _consent_invoke(stack, "shah", card, stack.connector.upload_url("shah-1"))) == 200
    assert stack.connector.uploads["shah-1"] == PNG
    [put] = [c for c in stack.teams_calls(mark) if c.method == "PUT"]
    assert put.headers["Content-Range"] == f"bytes 0-{len(PNG) - 1}/{len(PNG)}" and "Authorization" not in put.headers
    info = stack.teams_reply(mark, personal, "Sent to your OneDrive")
    [file_card] = info.body["attachments"]
    assert file_card["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert file_card["content"] == {"uniqueId": "unique-1", "fileType": "png"}
    assert file_card["contentUrl"] == "https://school-my.sharepoint.com/screenshot.png"

    # The same accept from staff (a replayed card) is refused, audited, and nothing is uploaded.
    mark = stack.teams_mark()
    assert await _invoke(stack, _consent_invoke(stack, "lewis", card, stack.connector.upload_url("lewis-1"))) == 200
    stack.teams_reply(mark, teams_personal("lewis"), "Role needed")
    # An upload URL that is not OneDrive's (nor, in the Emulator's mode, this computer's) gets nothing.
    mark = stack.teams_mark()
    assert await _invoke(stack, _consent_invoke(stack, "shah", card, "http://files.example.net/put")) == 200
    stack.teams_reply(mark, personal, "didn't send it")
    # Decline sends nothing.
    assert await _invoke(stack, _consent_invoke(stack, "shah", card, stack.connector.upload_url("shah-2"),
                                                action="decline")) == 200
    assert set(stack.connector.uploads) == {"shah-1"}
    audit = [(r["person_id"], r["action"], r["allowed"]) for r in store.audit_rows(stack.db, ref)]
    assert ("shah", "download_file", 1) in audit and ("lewis", "download_file", 0) in audit


async def _upload(stack, person: str, text: str, files: list[tuple[str, bytes]], headers: dict | None = None):
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("person", person)
    form.add_field("text", text)
    for name, data in files:
        form.add_field("file", data, filename=name, content_type="application/octet-stream")
    async with stack.http.post(stack.url("/local/upload"), data=form, headers=headers or {}) as response:
        return response.status, await response.json()


async def test_web_chat_upload_is_kept_and_downloadable_by_the_dsl_only(stack):
    await stack.use("local", "clarke", "shah", "lewis")
    for answer in ("report a concern", "no", "1", "1", "an adult messaged a pupil", "pupil in 5B",
                   "today", "Instagram"):
        await stack.local("clarke", text=answer)
    status, body = await _upload(stack, "clarke", "", [("screenshot.png", PNG), ("tool.exe", EXE)])
    said = " ".join(r["text"] for r in body["replies"])
    assert status == 200 and "I've kept screenshot.png" in said and "tool.exe is none of these" in said
    replies = await stack.local("clarke", text="none")
    replies = await stack.local("clarke", text="send")
    ref = ref_in(" ".join(r["text"] for r in replies))
    [stored] = attachments.listing(stack.db, attachments.REPORT, ref)

    view = await stack.local("shah", text=f"view {ref}")
    [open_button] = [b for b in view[-1]["buttons"] if b["action"] == "report.file"]
    opened = await stack.local("shah", action=open_button["action"], value=open_button["value"])
    assert opened[-1]["data"]["file"]["id"] == stored["id"]
    url = stack.url(f"/local/files/{stored['id']}")
    async with stack.http.get(url, params={"person": "shah"}) as response:
        assert response.status == 200 and await response.read() == PNG
        assert response.headers["Content-Type"] == "image/png"
    async with stack.http.get(url, params={"person": "lewis"}) as response:
        assert response.status == 403 and MARKER not in await response.read()
    async with stack.http.get(url, params={"person": "shah"}, headers={"Origin": "http://evil.example"}) as response:
        assert response.status == 403
    async with stack.http.get(url, params={"person": "shah"}, headers={"Host": "evil.example"}) as response:
        assert response.status == 403
    audit = [(r["person_id"], r["action"], r["allowed"]) for r in store.audit_rows(stack.db, ref)]
    assert ("shah", "download_file", 1) in audit and ("lewis", "download_file", 0) in audit


async def test_web_chat_upload_refuses_other_origins_and_oversized_files(stack):
    status, body = await _upload(stack, "clarke", "hi", [("a.png", PNG)], {"Origin": "http://evil.example"})
    assert status == 403 and "other web sites" in body["error"]
    status, body = await _upload(stack, "clarke", "hi", [("a.png", PNG)], {"Host": "evil.example"})
    assert status == 403
    await stack.local("clarke", text="report a concern")
    big = PNG + b"\x00" * (10 * 1024 * 1024)
    status, body = await _upload(stack, "clarke", "", [("big.png", big)])
    assert status == 200 and "larger than 10 MB" in body["replies"][0]["text"]
    assert attachments.listing(stack.db, attachments.INTAKE, "clarke") == []
    await stack.local("clarke", text="cancel")
    status, body = await _upload(stack, "clarke", "", [("a.png", PNG)])  # no flow: nothing stored
    assert status == 200 and "Nothing was stored" in body["replies"][0]["text"]


async def test_no_evidence_byte_in_clear_on_disk_or_in_the_log(stack, caplog):
    """After the tests above (files attached, refused, viewed and downloaded on two channels), the
    file's distinctive bytes are in no file beside the database (its -wal and -shm included), and
    neither they nor the file names are in the log. (Module order: this runs last.)"""
    caplog.set_level("DEBUG")
    await stack.use("local", "clarke")
    await stack.local("clarke", text="report a concern")
    await _upload(stack, "clarke", "", [("caplog-shot.png", PNG)])
    await stack.local("clarke", text="cancel")
    assert attachments.listing(stack.db, attachments.INTAKE, "clarke") == []  # cancelled: deleted
    path = stack.db.execute("PRAGMA database_list").fetchone()[2]
    from pathlib import Path

    folder = Path(path).parent
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)
    assert [p.name for p in files if MARKER in p.read_bytes()] == []
    assert MARKER.decode() not in caplog.text and "caplog-shot" not in caplog.text
