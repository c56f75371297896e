"""Confidentiality of concern reports: nothing readable at rest, no content in alerts, channels or
logs, and everyone without the role refused, by message and by forged button payload alike."""
from __future__ import annotations

import csv
import logging
import os
import stat

import pytest
from cryptography.fernet import Fernet

from bot.core import Hub
from domain.messages import Incoming, Reply
from handlers import reports as feature
from handlers.context import PROJECT_ROOT
from handlers.reports.intake_steps import load_intake
from handlers.router import Router
from storage import crypto, outbox
from storage import reports as store
from storage import state as state_store
from storage.roster import get_person

SECRET_WHAT = "Zebracorn disclosure: Child Q said uncle Marek sends pictures"
SECRET_WHO = "Quillfeather family, Year 4"
SECRET_NOTE = "Telephoned Marmalade Street social care team"
READERS = {"dsl", "deputy_dsl", "headteacher"}


def roster_ids_without_reader_roles() -> list[str]:
    with open(PROJECT_ROOT / "data" / "roster.csv", newline="", encoding="utf-8") as handle:
        return [row["id"] for row in csv.DictReader(handle) if not READERS & set(row["roles"].split(";"))]


OUTSIDERS = roster_ids_without_reader_roles()


class Chat:
    def __init__(self, services, channel: str = "local"):
        self.services, self.channel, self.router = services, channel, Router(services)

    def say(self, who: str, text: str, private: bool = True) -> list[Reply]:
        return self.router.handle(Incoming(self.channel, who, text=text, person=get_person(self.services.db, who),
                                           private=private))

    def press(self, who: str, action: str, value: dict | None = None) -> list[Reply]:
        return self.router.handle(Incoming(self.channel, who, action=action, value=value or {},
                                           person=get_person(self.services.db, who)))


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.plain() + " " + repr(r.data) for r in replies)


def file_report(chat: Chat, who: str = "clarke", danger: str = "no") -> str:
    for answer in ("report a concern", danger, "1", "1", SECRET_WHAT, SECRET_WHO, "yesterday", "Instagram", "none"):
        chat.say(who, answer)
    return chat.say(who, "send")[-1].data["report_ref"]


def database_bytes(services) -> bytes:
    path = services.db.execute("PRAGMA database_list").fetchall()[0][2]
    return b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))


@pytest.fixture
def chat(services):
    return Chat(services)


def test_the_outsider_list_is_the_roster_minus_the_reading_roles():
    assert OUTSIDERS and {"shah", "reed", "ingram"}.isdisjoint(OUTSIDERS) and "hill" in OUTSIDERS


# --- at rest -----------------------------------------------------------------------------------------

@pytest.mark.sqlite_only  # the file and the key file beside it
def test_raw_database_files_never_contain_report_text(chat, services):
    for answer in ("report a concern", "no", "1", "1", SECRET_WHAT, SECRET_WHO):
        chat.say("clarke", answer)
    midway = database_bytes(services)
    ref = chat_finish(chat)
    chat.press("shah", "report.note_save", {"ref": ref, "note": SECRET_NOTE})
    chat.press("shah", "report.close_save", {"ref": ref, "outcome": "other", "detail": SECRET_NOTE})
    chat.say("clarke", f"add to {ref}: {SECRET_WHO} again")
    final = database_bytes(services)
    assert ref.encode() in final  # the search does find plain text that is there
    for secret in (SECRET_WHAT, SECRET_WHO, SECRET_NOTE, "Zebracorn", "Quillfeather", "Marmalade"):
        for blob in (midway, final):
            assert secret.encode("utf-8") not in blob
            assert secret.encode("utf-16-le") not in blob
    assert store.content_of(services.db, store.get_report(services.db, ref))["what"] == SECRET_WHAT


def chat_finish(chat: Chat, who: str = "clarke") -> str:
    for answer in ("yesterday", "Instagram", "none"):
        chat.say(who, answer)
    return chat.say(who, "send")[-1].data["report_ref"]


def test_intake_state_is_sealed(chat, services):
    for answer in ("report a concern", "no", "1", "1", SECRET_WHAT):
        chat.say("clarke", answer)
    row = services.db["conversation_state"].get("clarke")
    assert "Zebracorn" not in row["data"] and "sealed" in row["data"]


@pytest.mark.sqlite_only  # the file and the key file beside it
def test_key_file_is_owner_only(chat, services, tmp_path):
    file_report(chat)
    key_file = tmp_path / "report.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_key_from_environment(services, monkeypatch, tmp_path):
    key = Fernet.generate_key()
    monkeypatch.setenv(crypto.KEY_ENV, key.decode())
    ref = file_report(Chat(services))
    token = store.get_report(services.db, ref)["content"]
    assert SECRET_WHAT in crypto.Cipher([key]).decrypt(token)
    assert not (tmp_path / "report.key").exists()


@pytest.mark.sqlite_only  # the file and the key file beside it
def test_key_rotation_reencrypts_everything(chat, services, tmp_path):
    ref = file_report(chat)
    before = store.get_report(services.db, ref)["content"]
    key_file = tmp_path / "report.key"
    crypto.add_key_to_file(key_file)
    keys = key_file.read_bytes().split()
    assert len(keys) == 2 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert store.reencrypt_all(services.db) >= 2
    after = store.get_report(services.db, ref)["content"]
    assert after != before and SECRET_WHAT in crypto.Cipher([keys[0]]).decrypt(after)
    with pytest.raises(crypto.InvalidToken):
        crypto.Cipher([keys[1]]).decrypt(after)
    # Alerts waiting in the outbox are sealed too (storage.outbox), and moved to the new key with the rest.
    alert = next(row for row in services.db["outbox"].rows if row["key"].startswith(f"report:{ref}:alert"))
    sealed = alert["payload"].removeprefix(outbox.SEALED)
    assert ref in crypto.Cipher([keys[0]]).decrypt(sealed)
    with pytest.raises(crypto.InvalidToken):
        crypto.Cipher([keys[1]]).decrypt(sealed)


# --- alerts, channels and logs --------------------------------------------------------------------------

def test_alert_payloads_in_the_outbox_carry_no_content(chat, services, clock):
    ref = file_report(chat)
    file_report(chat, who="lewis", danger="yes")
    chat.press("shah", "report.view", {"ref": ref})
    chat.say("clarke", f"add to {ref}: {SECRET_WHO} again")
    clock.advance(minutes=20)
    feature.escalate_unacknowledged(services)
    rows = list(services.db["outbox"].rows)
    assert len(rows) >= 8
    for row in rows:
        for secret in ("Zebracorn", "Quillfeather", "Marek"):
            assert secret not in row["payload"]


def test_public_channel_start_says_only_that_it_moved_to_a_private_message(chat, services):
    replies = chat.say("clarke", "report a concern", private=False)
    public = [r for r in replies if not r.private]
    assert len(public) == 1 and public[0].text == feature.PUBLIC_LINE
    assert not public[0].buttons and not public[0].form and not public[0].facts and not public[0].data
    assert any("immediate danger" in r.text for r in replies if r.private)

    button = Chat(services).router.handle(Incoming("slack", "lewis", action="report.start",
                                                   person=get_person(services.db, "lewis"), private=False))
    assert [r.text for r in button if not r.private] == [feature.PUBLIC_LINE]


def test_answers_typed_in_a_channel_are_not_taken_and_replies_stay_private(chat, services):
    for answer in ("report a concern", "no", "1", "1"):
        chat.say("clarke", answer)
    replies = chat.say("clarke", SECRET_WHAT, private=False)
    assert [r.text for r in replies if not r.private] == [feature.PUBLIC_LINE]
    assert "Zebracorn" not in text_of([r for r in replies if not r.private])
    _flow, intake = load_intake(services, "clarke")
    assert "what" not in intake["answers"] and state_store.get_state(services.db, "clarke").step == "what"


def test_reporter_commands_in_a_channel_reply_privately(chat, services):
    ref = file_report(chat)
    for text in (f"status {ref}", "my reports", f"add to {ref}: more detail"):
        replies = chat.say("clarke", text, private=False)
        assert [r.text for r in replies if not r.private] == [feature.PUBLIC_LINE]
    replies = chat.say("shah", f"view {ref}", private=False)
    assert [r.text for r in replies if not r.private] == [feature.PUBLIC_LINE]
    assert "Zebracorn" in text_of([r for r in replies if r.private])


async def test_report_text_never_reaches_the_logs(services, caplog):
    caplog.set_level(logging.DEBUG)
    hub = Hub(services)

    async def say(who, text, **extra):
        return await hub.handle(Incoming("local", who, text=text, person=get_person(services.db, who), **extra))

    for answer in ("report a concern", "yes", "1", "1", SECRET_WHAT, SECRET_WHO, "now", "Instagram", "none"):
        await say("clarke", answer)
    ref = (await say("clarke", "send"))[-1].data["report_ref"]
    await hub.handle(Incoming("local", "shah", action="report.view", value={"ref": ref},
                              person=get_person(services.db, "shah")))
    await hub.handle(Incoming("local", "shah", action="report.note_save", value={"ref": ref, "note": SECRET_NOTE},
                              person=get_person(services.db, "shah")))
    await hub.handle(Incoming("local", "brown", action="report.view", value={"ref": ref},
                              person=get_person(services.db, "brown")))
    for secret in ("Zebracorn", "Quillfeather", "Marmalade"):
        assert secret not in caplog.text


# --- refusals -----------------------------------------------------------------------------------------

FORGED = [
    ("report.view", {}), ("report.ack", {}), ("report.note", {}), ("report.note_save", {"note": "forged note"}),
    ("report.close", {}), ("report.close_save", {"outcome": "no_further_action"}), ("report.export", {}),
]


def assert_untouched(services, ref: str) -> None:
    report = store.get_report(services.db, ref)
    assert report["status"] == "open" and not report["read_receipt_sent"] and not report["acknowledged_at"]
    assert [e["kind"] for e in store.events_of(services.db, report)] == ["filed"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("action, extra", FORGED, ids=[a for a, _ in FORGED])
def test_forged_button_payloads_are_refused_and_audited(chat, services, outsider, action, extra):
    ref = file_report(chat)
    replies = chat.press(outsider, action, {"ref": ref, **extra})
    text = text_of(replies)
    assert "Zebracorn" not in text and "Role needed" in text and "Designated Safeguarding Lead" in text
    assert all(r.private for r in replies)
    assert_untouched(services, ref)
    attempts = [r for r in store.audit_rows(services.db, ref) if r["person_id"] == outsider and r["action"] != "file"]
    assert attempts and not any(r["allowed"] for r in attempts) and "role needed" in attempts[-1]["detail"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("template", ["view {ref}", "export {ref}", "ack {ref}", "close {ref}",
                                      "note {ref}: forged", "open reports"])
def test_messages_from_outsiders_are_refused(chat, services, outsider, template):
    ref = file_report(chat)
    text = text_of(chat.say(outsider, template.format(ref=ref)))
    assert "Zebracorn" not in text and ref not in text.replace(f"status {ref}", "")
    assert "Role needed" in text
    assert_untouched(services, ref)


def test_a_person_not_on_the_roster_is_refused(chat, services):
    ref = file_report(chat)
    replies = Router(services).handle(Incoming("slack", "U_STRANGER", action="report.view", value={"ref": ref}))
    assert "Role needed" in text_of(replies) and "Zebracorn" not in text_of(replies)
    assert store.audit_rows(services.db, ref)[-1]["person_id"] == "slack:U_STRANGER"


@pytest.mark.parametrize("value", [{}, {"ref": None}, {"ref": 42}, {"ref": "CJS-2026-9999"}, {"ref": "x" * 5000},
                                   {"ref": ["CJS-2026-0001"]}])
def test_malformed_payloads_from_the_dsl_get_a_clear_message(chat, services, value):
    file_report(chat)
    replies = chat.press("shah", "report.view", value)
    assert replies and "no concern report" in text_of(replies).lower()
    assert "Zebracorn" not in text_of(replies)
