"""The bad-input corpus: hundreds of hostile or broken requests over real HTTP, built from tables.

Two real servers (app.build_app) run on 127.0.0.1 for the whole module, in a thread of their
own: "open" has Slack configured (signing secret, token, the fake Web API) and Teams without an app
id in the Emulator's mode (POLICYBOT_TEAMS_EMULATOR=1, where nobody is linked by email: the Teams
members below are linked as the roster's teams_id column would); "authed" has Teams with MicrosoftAppId. Each has its own SQLite file with a
seeded draft (by Hughes, waiting for Okafor), a concern report (raised by Clarke) and training
records, so forged buttons have real records to aim at.

The bar, for every case: no 5xx, /healthz still answers, and the outbox gains nothing. A case the
server must refuse (a 4xx, or a handler's polite refusal of a forged button) changes no table at all
— every table's rows are hashed before and after — except:
  processed_events  Slack event ids are remembered on first sight: that is the replay protection;
  access_audit      a refused attempt to read or change a concern report is audited (allowed = 0);
                    the test checks every new row is a refusal, never a grant.
Cases that are ordinary messages in odd Unicode are answered; they may record the question, but no
record (drafts, reports, training, people, outbox) changes.
"""
from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from aiohttp import web

import app as composition
from bot import server as bot_server
from app import build_app
from bot.teams import TEAMS_CHANNEL
from storage import drafts as draft_store
from storage import reports as report_store
from storage import roster as roster_store
from storage import training as training_store
from app import open_database
from tests.conftest import FakeClock
from tests.fake_connector import FakeConnector, default_member
from tests.fake_slack import BOT_USER_ID, FakeSlack, signed_headers

SECRET = "corpus-signing-secret"
APP_ID = "11111111-2222-3333-4444-555555555555"
SLACK_USERS = {"U0LEWIS": "b.lewis@calmore.example.org", "U0NOWAK": "o.nowak@calmore.example.org",
               "U0CLARKE": "a.clarke@calmore.example.org"}
TEAMS_MEMBERS = {"29:lewis": "b.lewis@calmore.example.org", "29:nowak": "o.nowak@calmore.example.org"}
EXEMPT_TABLES = {"processed_events", "access_audit"}
RECORD_TABLES = ("people", "platform_accounts", "drafts", "draft_versions", "draft_audit",
                 "poster_authorisations", "reports", "report_events", "training_records",
                 "training_events", "outbox", "local_inbox")
MB = 1024 * 1024


# --- the servers ----------------------------------------------------------------------------------

@dataclass
class Running:
    port: int
    db_path: Path
    app: web.Application
    reader: sqlite3.Connection = field(init=False)

    def __post_init__(self):
        self.reader = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False)


class Stack:
    """The two servers on one event loop in a background thread, and the fakes they talk to."""

    def __init__(self, root: Path, knowledge):
        self.slack = FakeSlack(emails=dict(SLACK_USERS)).__enter__()
        self.connector = FakeConnector(member=self._member).__enter__()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []
        self.services = []
        slack_env = {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-corpus",
                     "SLACK_API_URL": self.slack.api_url, "POLICYBOT_TEAMS_EMULATOR": "1"}
        self.open = self._start(root / "open.db", knowledge, slack_env)
        self.authed = self._start(root / "authed.db", knowledge, {
            "MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-secret", "MicrosoftAppType": "MultiTenant"})
        self.seed = {"open": self._seeded_ids(self.services[0]), "authed": self._seeded_ids(self.services[1])}

    @staticmethod
    def _member(user_id: str) -> dict:
        member = default_member(user_id)
        if user_id in TEAMS_MEMBERS:
            member.update(email=TEAMS_MEMBERS[user_id], userPrincipalName=TEAMS_MEMBERS[user_id],
                          aadObjectId=None)
        return member

    def _start(self, db_path: Path, knowledge, env: dict) -> Running:
        services = composition.build_services(db_path=str(db_path), clock=FakeClock(), knowledge=knowledge)
        seed_records(services)
        self.services.append(services)
        application = build_app(services, env=env)

        async def start() -> int:
            runner = web.AppRunner(application, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.runners.append(runner)
            return runner.addresses[0][1]

        port = asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=30)
        return Running(port, db_path, application)

    @staticmethod
    def _seeded_ids(services) -> dict:
        db = services.db
        return {"draft": db.execute("SELECT id FROM drafts ORDER BY id LIMIT 1").fetchone()[0],
                "report": db.execute("SELECT ref FROM reports ORDER BY id LIMIT 1").fetchone()[0]}

    def busy(self, running: Running) -> tuple:
        """Anything that moves while a request is still being worked on in the background."""
        channel = running.app.get(TEAMS_CHANNEL)
        turns = len(channel._turns) if channel is not None else 0
        data_version = running.reader.execute("PRAGMA data_version").fetchone()[0]
        return len(self.slack.calls), len(self.connector.calls), turns, data_version

    def settle(self, running: Running, quiet: float = 0.1, timeout: float = 8.0) -> None:
        """Wait until background work (bolt's lazy listeners, Teams turns, delivery) has finished."""
        started = last_change = time.monotonic()
        previous = self.busy(running)
        while time.monotonic() - started < timeout:
            time.sleep(0.02)
            current = self.busy(running)
            now = time.monotonic()
            if current != previous:
                previous, last_change = current, now
            elif now - last_change >= quiet and previous[2] == 0:
                return

    def wait_for_empty_outbox(self, running: Running, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = running.reader.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
            if pending == 0:
                return
            time.sleep(0.05)
        raise AssertionError("the seeded notifications were never delivered")

    def close(self) -> None:
        async def stop():
            for runner in self.runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        for services in self.services:
            services.db.close()
        for running in (self.open, self.authed):
            running.reader.close()
        self.slack.__exit__()
        self.connector.__exit__()


def seed_records(services) -> None:
    """A draft waiting for the Deputy Head, a concern report raised by Clarke, training records."""
    db, now = services.db, services.now()
    with db.atomic():
        draft_store.create(db, "hughes", "facebook", "Year 5 enjoyed their trip to the museum today!", "", [],
                           [], True, "okafor", "local", now)
        report_store.create_report(db, short_code="CJS", year=now.year, reporter_id="clarke",
                                   reporter_name="Amy Clarke", category="child", urgent=False,
                                   routing="standard", content={"what": "SEEDED-CONFIDENTIAL"}, now=now,
                                   details_complete=True)
    training_store.record_completion(db, "clarke", "training", now.date(), "patel", now, source="seed")


# --- HTTP ------------------------------------------------------------------------------------------

def send(port: int, method: str, path: str, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except (ConnectionResetError, BrokenPipeError):
        # The server may close the socket on a body it refuses to read to the end (413): no 5xx.
        return 413, b""
    finally:
        connection.close()


def table_hashes(reader: sqlite3.Connection) -> dict[str, str]:
    tables = [row[0] for row in reader.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    hashes = {}
    for table in tables:
        digest = hashlib.sha256()
        for row in reader.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
            digest.update(repr(row).encode("utf-8", "surrogatepass"))
        hashes[table] = digest.hexdigest()
    return hashes


def counts(reader: sqlite3.Connection, tables) -> dict[str, int]:
    return {t: reader.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


# --- the case tables -------------------------------------------------------------------------------

REFUSED = "refused"      # must change nothing (4xx, or a handler's refusal of a forged button)
ANSWERED = "answered"    # an ordinary message in odd clothes: may record the question, no records change


@dataclass(frozen=True)
class Case:
    id: str
    server: str  # "open" | "authed"
    path: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    method: str = "POST"
    headers: tuple = ()
    sign: str | None = None  # Slack: "good" signs the body; else the body goes as is
    kind: str = REFUSED
    expect_4xx: bool = True


def jb(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


MALFORMED_BODIES = {
    "empty": b"", "open-brace": b"{", "null": b"null", "array": b"[]", "string": b'"text"', "number": b"123",
    "python-dict": b"{'person': 'staff'}", "truncated": b'{"person": "staff", "text": "hi"',
    "utf16-bom": "{}".encode("utf-16"), "latin1": '{"text": "caf\xe9"}'.encode("latin-1"),
    "garbage": b"\xff\xfe\x00garbage", "nan": b'{"person": "staff", "text": NaN}',
    "deep-nesting": b"[" * 50000 + b"]" * 50000, "deep-object": b'{"a":' * 20000 + b"1" + b"}" * 20000,
    "trailing-junk": b'{"person": "staff", "text": "hi"} extra', "nul-bytes": b"\x00" * 64,
}

UNICODE_TEXTS = {
    "rtl-override": "\u202eCan I post photos of pupils?\u202c",
    "zero-width": "Can\u200b I\u200c accept\u200d a friend\ufeff request from a parent?",
    "combining": "Ca\u0301n I po\u0308st pho\u0327tos of pu\u0300pils?",
    "emoji": "📸 can I put class photos 🏫 on my instagram? 🙈👍🏽",
    "nul-inside": "can I post\u0000 photos?",
    "control-chars": "\x01\x02\x1b[31mcan I post photos?\x7f",
    "arabic": "هل يمكنني نشر صور التلاميذ على فيسبوك؟",
    "fullwidth": "ＣＡＮ Ｉ ＰＯＳＴ ＰＨＯＴＯＳ？",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)> can I post photos?",
    "sql": "'; DROP TABLE people; -- can I post photos?",
    "format-strings": "%s %n {0} {text} ${HOME} can I post photos?",
    "markdown": "*bold* _it_ `code` <@U0OKAFOR> <!channel> can I post photos?",
    "long-word": "x" * 3900,
    "only-emoji": "🙂" * 500,
    "newlines": "can\r\nI\rpost\n\n\nphotos\t?",
    "astral": "𝕮𝖆𝖓 𝕴 𝖕𝖔𝖘𝖙 𝖕𝖍𝖔𝖙𝖔𝖘? 𓀀",
}
# Lone surrogates can only travel escaped in JSON; they are not valid UTF-8 text.
LONE_SURROGATES = {"lone-high": '{"person": "staff", "text": "can I post \\ud800 photos?"}',
                   "lone-low": '{"person": "staff", "text": "\\udc00\\udfff"}',
                   "reversed-pair": '{"person": "staff", "text": "\\udc00\\ud800 hi"}'}


def forged_buttons(seed: dict) -> dict[str, tuple[str, str, dict]]:
    """(person the forger is, action, value): records that don't exist or belong to someone else."""
    draft, ref = seed["draft"], seed["report"]
    buttons = {
        "approve-others-draft": ("lewis", "draft.approve", {"draft_id": draft, "version": 1}),
        "reject-others-draft": ("lewis", "draft.reject", {"draft_id": draft, "version": 1, "reason": "no"}),
        "changes-others-draft": ("nowak", "draft.changes", {"draft_id": draft, "version": 1, "reason": "x"}),
        "withdraw-others-draft": ("lewis", "draft.withdraw", {"draft_id": draft, "version": 1}),
        "publish-others-draft": ("lewis", "draft.publish", {"draft_id": draft, "version": 1}),
        "edit-others-draft": ("nowak", "draft.edit", {"draft_id": draft, "version": 1}),
        "resubmit-others-draft": ("nowak", "draft.resubmit", {"draft_id": draft, "version": 1, "text": "hi"}),
        "approve-stale-version": ("lewis", "draft.approve", {"draft_id": draft, "version": 99}),
        "approve-missing-draft": ("lewis", "draft.approve", {"draft_id": 999999, "version": 1}),
        "approve-negative-id": ("lewis", "draft.approve", {"draft_id": -1, "version": 1}),
        "approve-text-id": ("lewis", "draft.approve", {"draft_id": "1; DROP TABLE drafts", "version": 1}),
        "approve-huge-id": ("lewis", "draft.approve", {"draft_id": 10 ** 30, "version": 1}),
        "approve-list-id": ("lewis", "draft.approve", {"draft_id": [draft], "version": [1]}),
        "approve-no-ids": ("lewis", "draft.approve", {}),
        "withdraw-missing": ("lewis", "draft.withdraw", {"draft_id": 424242, "version": 1}),
        "show-missing": ("lewis", "draft.show", {"draft_id": 424242}),
        "unknown-draft-action": ("lewis", "draft.explode", {"draft_id": draft}),
        "report-view-others": ("lewis", "report.view", {"ref": ref}),
        "report-ack-others": ("lewis", "report.ack", {"ref": ref}),
        "report-note-save-others": ("lewis", "report.note_save", {"ref": ref, "note": "forged note"}),
        "report-close-save-others": ("lewis", "report.close_save", {"ref": ref, "outcome": "no_further_action"}),
        "report-export-others": ("nowak", "report.export", {"ref": ref}),
        "report-view-missing": ("lewis", "report.view", {"ref": "CJS-2026-9999"}),
        "report-ack-traversal": ("lewis", "report.ack", {"ref": "../../etc/passwd"}),
        "report-view-sql": ("lewis", "report.view", {"ref": "' OR 1=1 --"}),
        "report-view-number": ("lewis", "report.view", {"ref": 12345}),
        "report-view-null": ("lewis", "report.view", {"ref": None}),
        "report-confirm-without-intake": ("lewis", "report.confirm", {}),
        "report-unknown-sub": ("lewis", "report.destroy", {"ref": ref}),
        "training-record-for-other": ("lewis", "training.record", {"item": "training", "when": "today",
                                                                   "person": "clarke"}),
        "training-record-bad-item": ("lewis", "training.record", {"item": "../../x", "when": "today",
                                                                  "person": "clarke"}),
        "ack-answer-missing-check": ("lewis", "ack.answer", {"check": "no-such-check", "q": 0, "answer": "yes"}),
        "ack-answer-bad-index": ("lewis", "ack.answer", {"check": "x", "q": 10 ** 9, "answer": "maybe"}),
        "unknown-prefix": ("lewis", "nuke.everything", {}),
        "admin-gaps-as-staff": ("lewis", "admin.gaps", {}),
    }
    return buttons


def local_cases(seed: dict) -> list[Case]:
    path = "/local/messages"
    cases = [Case(f"local-malformed-{name}", "open", path, body) for name, body in MALFORMED_BODIES.items()]
    wrong = {
        "person-number": {"person": 123, "text": "hi"}, "person-null": {"person": None, "text": "hi"},
        "person-list": {"person": ["staff"], "text": "hi"}, "person-object": {"person": {"id": "staff"}, "text": "hi"},
        "person-empty": {"person": "", "text": "hi"}, "person-blank": {"person": "   ", "text": "hi"},
        "person-unknown": {"person": "nobody", "text": "hi"}, "person-huge": {"person": "x" * 10000, "text": "hi"},
        "person-sql": {"person": "' OR '1'='1", "text": "hi"}, "person-nul": {"person": "staff\u0000", "text": "hi"},
        "text-number": {"person": "staff", "text": 123}, "text-null": {"person": "staff", "text": None},
        "text-list": {"person": "staff", "text": ["hi"]}, "text-object": {"person": "staff", "text": {"a": 1}},
        "text-true": {"person": "staff", "text": True}, "text-empty": {"person": "staff", "text": ""},
        "text-blank": {"person": "staff", "text": " \n\t "}, "text-too-long": {"person": "staff", "text": "a" * 4001},
        "action-number": {"person": "staff", "action": 5}, "action-empty": {"person": "staff", "action": ""},
        "action-too-long": {"person": "staff", "action": "draft." + "x" * 300},
        "action-object": {"person": "staff", "action": {"name": "draft.approve"}},
        "value-string": {"person": "staff", "action": "draft.approve", "value": "1"},
        "value-list": {"person": "staff", "action": "draft.approve", "value": [1]},
        "value-number": {"person": "staff", "action": "draft.approve", "value": 7},
        "missing-all": {}, "missing-text": {"person": "staff"}, "missing-person": {"text": "hi"},
        "missing-person-action": {"action": "draft.approve", "value": {"draft_id": seed["draft"]}},
    }
    cases += [Case(f"local-wrong-{name}", "open", path, jb(body)) for name, body in wrong.items()]
    cases += [
        Case("local-huge-1mb", "open", path, b'{"person": "staff", "text": "' + b"a" * MB + b'"}'),
        Case("local-huge-3mb", "open", path, b'{"person": "staff", "text": "' + b"a" * (3 * MB) + b'"}'),
        Case("local-over-128kb", "open", path, jb({"person": "staff", "text": "a" * 140_000})),
        Case("local-content-text-plain", "open", path, jb({"person": "staff", "text": "hi"}), "text/plain"),
        Case("local-content-form", "open", path, b"person=staff&text=hi", "application/x-www-form-urlencoded"),
        Case("local-content-multipart", "open", path, b"--b\r\n\r\nhi\r\n--b--", "multipart/form-data; boundary=b"),
        Case("local-content-none", "open", path, jb({"person": "staff", "text": "hi"}), None),
        Case("local-cross-site", "open", path, jb({"person": "staff", "text": "hi"}),
             headers=(("Sec-Fetch-Site", "cross-site"),)),
        Case("local-foreign-origin", "open", path, jb({"person": "okafor", "action": "draft.approve",
                                                      "value": {"draft_id": seed["draft"], "version": 1}}),
             headers=(("Origin", "http://evil.example"),)),
        Case("local-inbox-cross-site", "open", "/local/inbox?person=okafor", None, None, "GET",
             headers=(("Sec-Fetch-Site", "cross-site"),)),
        Case("local-inbox-unknown", "open", "/local/inbox?person=nobody", None, None, "GET"),
        Case("local-inbox-no-person", "open", "/local/inbox", None, None, "GET"),
    ]
    cases += [Case(f"local-method-{method}", "open", path, jb({"person": "staff", "text": "hi"}), method=method)
              for method in ("GET", "PUT", "DELETE", "PATCH")]
    cases += [Case(f"local-unicode-{name}", "open", path, jb({"person": "staff", "text": text}),
                   kind=ANSWERED, expect_4xx=False) for name, text in UNICODE_TEXTS.items()]
    cases += [Case(f"local-{name}", "open", path, body.encode(), kind=ANSWERED, expect_4xx=None)
              for name, body in LONE_SURROGATES.items()]
    cases += [Case(f"local-forged-{name}", "open", path, jb({"person": who, "action": action, "value": value}),
                   expect_4xx=False) for name, (who, action, value) in forged_buttons(seed).items()]
    return cases


def slack_event(event: dict, event_id: str) -> bytes:
    return jb({"token": "t", "team_id": "T0SCHOOL", "api_app_id": "A1", "type": "event_callback",
               "event_id": event_id, "event_time": 1700000000,
               "authorizations": [{"team_id": "T0SCHOOL", "user_id": BOT_USER_ID, "is_bot": True}],
               "event": event})


def slack_dm(text, user="U0LEWIS", **extra) -> dict:
    return {"type": "message", "channel_type": "im", "channel": "D0LEWIS", "user": user, "text": text,
            "ts": "1700000001.000100", **extra}


def slack_click(action_id: str, value, user="U0LEWIS") -> bytes:
    payload = {"type": "block_actions", "team": {"id": "T0SCHOOL"}, "api_app_id": "A1",
               "user": {"id": user, "team_id": "T0SCHOOL"}, "trigger_id": "trigger-1",
               "channel": {"id": "D0LEWIS"}, "container": {"type": "message", "channel_id": "D0LEWIS"},
               "message": {"ts": "1700000000.000001"},
               "actions": [{"type": "button", "action_id": action_id, "block_id": "b",
                            "value": value if isinstance(value, str) else json.dumps(value),
                            "action_ts": "1700000000.1"}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


def slack_form(payload) -> bytes:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}).encode()


FORM = "application/x-www-form-urlencoded"
SLACK_USER_OF = {"lewis": "U0LEWIS", "nowak": "U0NOWAK"}


def slack_cases(seed: dict) -> list[Case]:
    path = "/slack/events"
    good_event = slack_event(slack_dm("can I post photos?"), "EvForgery")
    cases = [
        Case("slack-unsigned", "open", path, good_event),
        Case("slack-wrong-secret", "open", path, good_event, sign="wrong-secret"),
        Case("slack-other-body", "open", path, good_event, sign="other-body"),
        Case("slack-old-timestamp", "open", path, good_event, sign="old"),
        Case("slack-future-timestamp", "open", path, good_event, sign="future"),
        Case("slack-text-timestamp", "open", path, good_event, headers=(
            ("X-Slack-Request-Timestamp", "yesterday"), ("X-Slack-Signature", "v0=" + "0" * 64))),
        Case("slack-empty-signature", "open", path, good_event, headers=(
            ("X-Slack-Request-Timestamp", str(int(time.time()))), ("X-Slack-Signature", ""))),
        Case("slack-v1-signature", "open", path, good_event, sign="v1"),
        Case("slack-uppercase-signature", "open", path, good_event, sign="upper"),
        Case("slack-truncated-signature", "open", path, good_event, sign="truncated"),
        Case("slack-body-tampered", "open", path, good_event, sign="tampered"),
        Case("slack-legacy-token-only", "open", path,
             jb({"token": "verification-token", "type": "url_verification", "challenge": "c"})),
        Case("slack-forged-form-unsigned", "open", path,
             slack_click("draft.approve#0", {"draft_id": seed["draft"], "version": 1}, user="U0OKAFOR"), FORM),
    ]
    # Signed, but broken or of the wrong shape.
    signed_bodies = {
        "empty": (b"", "application/json"), "open-brace": (b"{", "application/json"),
        "null": (b"null", "application/json"), "array": (b"[]", "application/json"),
        "string": (b'"x"', "application/json"), "deep-nesting": (b"[" * 50000 + b"]" * 50000, "application/json"),
        "non-utf8": (b'{"type": "\xff\xfe"}', "application/json"),
        "no-type": (jb({"event": {}}), "application/json"),
        "event-missing": (jb({"type": "event_callback", "event_id": "EvA"}), "application/json"),
        "event-string": (jb({"type": "event_callback", "event_id": "EvB", "event": "message"}), "application/json"),
        "event-list": (jb({"type": "event_callback", "event_id": "EvC", "event": ["message"]}), "application/json"),
        "user-number": (slack_event(slack_dm("hi", user=123), "EvD"), "application/json"),
        "text-list": (slack_event(slack_dm(["hi"]), "EvE"), "application/json"),
        "text-object": (slack_event(slack_dm({"t": 1}), "EvF"), "application/json"),
        "bot-itself": (slack_event(slack_dm("hi", user=BOT_USER_ID), "EvG"), "application/json"),
        "bot-subtype": (slack_event(slack_dm("hi", subtype="bot_message", bot_id="B1"), "EvH"), "application/json"),
        "edited-subtype": (slack_event(slack_dm("hi", subtype="message_changed"), "EvI"), "application/json"),
        "channel-not-dm": (slack_event({**slack_dm("hi"), "channel_type": "channel", "channel": "C1"}, "EvJ"),
                           "application/json"),
        "unknown-event": (slack_event({"type": "reaction_added", "user": "U0LEWIS"}, "EvK"), "application/json"),
        "files-not-list": (slack_event(slack_dm("hi", subtype="file_share", files="x"), "EvL"), "application/json"),
        "url-verification-no-challenge": (jb({"type": "url_verification"}), "application/json"),
        "unknown-type": (jb({"type": "app_rate_limited"}), "application/json"),
        "form-no-payload": (b"foo=bar", FORM), "form-payload-not-json": (b"payload=%7Bnot-json", FORM),
        "form-payload-array": (slack_form("[]"), FORM), "form-payload-null": (slack_form("null"), FORM),
        "form-payload-no-type": (slack_form({"user": {"id": "U0LEWIS"}}), FORM),
        "actions-not-list": (slack_form({"type": "block_actions", "user": {"id": "U0LEWIS"}, "actions": "x"}), FORM),
        "actions-empty": (slack_form({"type": "block_actions", "user": {"id": "U0LEWIS"}, "actions": []}), FORM),
        "action-no-user": (slack_form({"type": "block_actions", "actions": [{"action_id": "draft.approve#0",
                                                                           "value": "{}"}]}), FORM),
        "action-user-string": (slack_form({"type": "block_actions", "user": "U0LEWIS",
                                           "actions": [{"action_id": "draft.approve#0", "value": "{}"}]}), FORM),
        "action-value-not-json": (slack_click("draft.approve#0", "not json"), FORM),
        "action-value-array": (slack_click("draft.approve#0", "[1,2]"), FORM),
        "action-id-empty": (slack_click("", {"draft_id": seed["draft"], "version": 1}), FORM),
        "open-form-garbage": (slack_click("slack.open_form#0", "garbage"), FORM),
        "view-metadata-not-json": (slack_form({"type": "view_submission", "user": {"id": "U0LEWIS"},
                                               "view": {"private_metadata": "{nope", "state": {"values": {}}}}), FORM),
        "view-metadata-array": (slack_form({"type": "view_submission", "user": {"id": "U0LEWIS"},
                                            "view": {"private_metadata": "[]", "state": {"values": {}}}}), FORM),
        "view-state-garbage": (slack_form({"type": "view_submission", "user": {"id": "U0LEWIS"},
                                           "view": {"private_metadata": json.dumps({"action": "draft.approve"}),
                                                    "state": "garbage"}}), FORM),
        "view-forged-approve": (slack_form({"type": "view_submission", "user": {"id": "U0LEWIS"},
                                            "view": {"private_metadata": json.dumps({
                                                "action": "draft.approve",
                                                "value": {"draft_id": seed["draft"], "version": 1}}),
                                                "state": {"values": {}}}}), FORM),
        "view-forged-note": (slack_form({"type": "view_submission", "user": {"id": "U0NOWAK"},
                                         "view": {"private_metadata": json.dumps({
                                             "action": "report.note_save", "value": {"ref": seed["report"]}}),
                                             "state": {"values": {"n": {"note": {"type": "plain_text_input",
                                                                                   "value": "forged"}}}}}}), FORM),
        "command-other": (urlencode({"command": "/nuke", "user_id": "U0LEWIS", "text": "all"}).encode(), FORM),
        "command-no-user": (urlencode({"command": "/policy", "text": "approve draft 1"}).encode(), FORM),
        "command-approve-by-text": (urlencode({"command": "/policy", "user_id": "U0LEWIS", "channel_id": "D0LEWIS",
                                               "text": f"approve draft {seed['draft']}"}).encode(), FORM),
        "command-view-report-by-text": (urlencode({"command": "/policy", "user_id": "U0NOWAK",
                                                   "channel_id": "D0NOWAK",
                                                   "text": f"view {seed['report']}"}).encode(), FORM),
        "shortcut": (slack_form({"type": "shortcut", "callback_id": "x", "user": {"id": "U0LEWIS"}}), FORM),
        "text-plain": (good_event, "text/plain"),
        "multipart": (b"--b\r\n\r\nhi\r\n--b--", "multipart/form-data; boundary=b"),
        "huge-1mb": (b'{"type": "event_callback", "pad": "' + b"x" * MB + b'"}', "application/json"),
        "huge-3mb": (b'{"pad": "' + b"x" * (3 * MB) + b'"}', "application/json"),
    }
    for name, (body, content_type) in signed_bodies.items():
        cases.append(Case(f"slack-signed-{name}", "open", path, body, content_type, sign="good", expect_4xx=None))
    for name, (who, action, value) in forged_buttons(seed).items():
        cases.append(Case(f"slack-forged-{name}", "open", path,
                          slack_click(f"{action}#0", value, user=SLACK_USER_OF[who]), FORM, sign="good",
                          expect_4xx=False))
    for name, text in UNICODE_TEXTS.items():
        cases.append(Case(f"slack-unicode-{name}", "open", path, slack_event(slack_dm(text), f"EvU-{name}"),
                          sign="good", kind=ANSWERED, expect_4xx=False))
    # The same event delivered again (Slack's retries, or a replay by someone who captured it).
    replay = slack_event(slack_dm("can I post photos?"), "EvReplay")
    cases += [Case("slack-replayed-event", "open", path, replay, sign="good", expect_4xx=False),
              Case("slack-replayed-event-retry-header", "open", path, replay, sign="good", expect_4xx=False,
                   headers=(("X-Slack-Retry-Num", "1"), ("X-Slack-Retry-Reason", "http_timeout")))]
    cases += [Case(f"slack-method-{method}", "open", path, good_event, method=method)
              for method in ("GET", "PUT", "DELETE", "PATCH")]
    return cases


def teams_activity(text=None, *, value=None, user="29:lewis", conversation="a:conv-lewis", **extra) -> dict:
    body = {"type": "message", "id": "act-1", "timestamp": "2026-11-26T10:00:00.000Z",
            "serviceUrl": "SERVICE_URL", "channelId": "msteams", "from": {"id": user, "name": "Someone"},
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant-1"},
            "recipient": {"id": "28:policybot", "name": "Policy Bot"},
            "channelData": {"tenant": {"id": "tenant-1"}}, "locale": "en-GB", **extra}
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    return body


TEAMS_USER_OF = {"lewis": "29:lewis", "nowak": "29:nowak"}


def teams_cases(seed_open: dict, seed_authed: dict) -> list[Case]:
    path = "/api/messages"
    cases = []
    for server in ("open", "authed"):
        cases += [Case(f"teams-{server}-malformed-{name}", server, path, body)
                  for name, body in MALFORMED_BODIES.items()]
        shapes = {
            "no-service-url": {k: v for k, v in teams_activity("hi").items() if k != "serviceUrl"},
            "no-conversation": {k: v for k, v in teams_activity("hi").items() if k != "conversation"},
            "no-type": {k: v for k, v in teams_activity("hi").items() if k != "type"},
            "conversation-string": teams_activity("hi", conversation=None) | {"conversation": "abc"},
            "conversation-list": teams_activity("hi") | {"conversation": ["a"]},
            "from-string": teams_activity("hi") | {"from": "29:lewis"},
            "type-number": teams_activity("hi") | {"type": 5},
            "service-url-number": teams_activity("hi") | {"serviceUrl": 5},
            "attachments-string": teams_activity("hi") | {"attachments": "x"},
            "entities-object": teams_activity("hi") | {"entities": {"a": 1}},
            "timestamp-garbage": teams_activity("hi") | {"timestamp": "yesterday"},
        }
        cases += [Case(f"teams-{server}-shape-{name}", server, path, jb(body), expect_4xx=None)
                  for name, body in shapes.items()]
        cases += [
            Case(f"teams-{server}-huge-1mb", server, path, b'{"pad": "' + b"x" * MB + b'"}'),
            Case(f"teams-{server}-huge-3mb", server, path, b'{"pad": "' + b"x" * (3 * MB) + b'"}'),
            Case(f"teams-{server}-text-plain", server, path, jb(teams_activity("hi")), "text/plain"),
            Case(f"teams-{server}-form", server, path, b"type=message", FORM),
            Case(f"teams-{server}-no-content-type", server, path, jb(teams_activity("hi")), None),
        ]
        cases += [Case(f"teams-{server}-method-{method}", server, path, jb(teams_activity("hi")), method=method)
                  for method in ("GET", "PUT", "DELETE", "PATCH")]
    # Authentication: every forged or missing token is a 401 whatever the activity says.
    tokens = {"none": None, "garbage": "Bearer abc.def.ghi", "empty-bearer": "Bearer ",
              "basic": "Basic dXNlcjpwYXNz", "unsigned-jwt": "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiIxMTExIn0.",
              "hs256-self-signed": ("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiIxMTExMTExMS0yMjIyLTMzMzMt"
                                    "NDQ0NC01NTU1NTU1NTU1NTUiLCJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0."
                                    "c2lnbmF0dXJl"),
              "app-id-as-token": f"Bearer {APP_ID}", "huge": "Bearer " + "a" * 8000}
    bodies = {"message": teams_activity("can I post photos?"),
              "forged-approve": teams_activity(value={"action": "draft.approve",
                                                      "value": {"draft_id": seed_authed["draft"], "version": 1}})}
    for token_name, token in tokens.items():
        for body_name, body in bodies.items():
            headers = () if token is None else (("Authorization", token),)
            cases.append(Case(f"teams-authed-token-{token_name}-{body_name}", "authed", path, jb(body),
                              headers=headers))
    # Open (Emulator) mode: forged card submits are read and refused by the handlers.
    for name, (who, action, value) in forged_buttons(seed_open).items():
        cases.append(Case(f"teams-forged-{name}", "open", path,
                          jb(teams_activity(value={"action": action, "value": value}, user=TEAMS_USER_OF[who],
                                            conversation=f"a:conv-{who}")), expect_4xx=False))
    odd_values = {"value-string": "draft.approve", "value-list": [1, 2], "value-action-number": {"action": 5},
                  "value-action-huge": {"action": "x" * 500}, "value-empty": {},
                  "value-hidden-not-object": {"action": "draft.approve", "value": "1"}}
    cases += [Case(f"teams-card-{name}", "open", path, jb(teams_activity(value=value)), expect_4xx=False)
              for name, value in odd_values.items()]
    cases += [Case(f"teams-unicode-{name}", "open", path, jb(teams_activity(text)), kind=ANSWERED,
                   expect_4xx=False) for name, text in UNICODE_TEXTS.items()]
    return cases


def all_cases() -> list[Case]:
    # The seeded ids are the same in both databases (each is fresh): draft 1, report CJS-<year>-0001.
    seed = {"draft": 1, "report": f"CJS-{FakeClock()().year}-0001"}
    return local_cases(seed) + slack_cases(seed) + teams_cases(seed, seed)


CASES = all_cases()


def test_the_corpus_is_big_enough_and_covers_every_endpoint():
    assert len(CASES) >= 200, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "case ids are unique"
    for endpoint in ("/local/messages", "/slack/events", "/api/messages"):
        assert sum(c.path == endpoint for c in CASES) >= 50, endpoint


# --- running them ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stack(tmp_path_factory, knowledge):
    original_tick = bot_server.TICK_SECONDS
    bot_server.TICK_SECONDS = 3600  # the first tick runs at start; none may run mid-case
    built = Stack(tmp_path_factory.mktemp("corpus"), knowledge)
    try:
        assert built.seed["open"] == {"draft": 1, "report": f"CJS-{FakeClock()().year}-0001"}
        for running in (built.open, built.authed):
            built.wait_for_empty_outbox(running)
        warm_up(built)
        yield built
    finally:
        built.close()
        bot_server.TICK_SECONDS = original_tick


def warm_up(stack: Stack) -> None:
    """Link the forgers' Slack and Teams accounts and store their Teams conversations first, so a
    refused case is not mistaken for a change by the first contact's bookkeeping."""
    port = stack.open.port
    db = open_database(stack.open.db_path)
    for teams_id, email in TEAMS_MEMBERS.items():  # the Emulator's mode links nobody by email
        roster_store.link_account(db, "teams", teams_id, roster_store.person_with_email(db, email).id)
    db.close()
    for user in SLACK_USERS:
        body = slack_event(slack_dm("hello", user=user), f"EvWarm-{user}")
        assert send(port, "POST", "/slack/events", body, signed_headers(SECRET, body))[0] == 200
    # The event replayed by the corpus is delivered (and answered) once here.
    replay = slack_event(slack_dm("can I post photos?"), "EvReplay")
    assert send(port, "POST", "/slack/events", replay, signed_headers(SECRET, replay))[0] == 200
    for who, user in TEAMS_USER_OF.items():
        body = jb(teams_activity("hello", user=user, conversation=f"a:conv-{who}")).replace(
            b"SERVICE_URL", stack.connector.url.encode())
        assert send(port, "POST", "/api/messages", body, {"Content-Type": "application/json"})[0] == 202
    body = jb(teams_activity("hello")).replace(b"SERVICE_URL", stack.connector.url.encode())
    assert send(port, "POST", "/api/messages", body, {"Content-Type": "application/json"})[0] == 202
    stack.settle(stack.open, quiet=0.3)
    stack.wait_for_empty_outbox(stack.open)


def headers_for(case: Case, body: bytes) -> dict:
    headers = {}
    if case.content_type:
        headers["Content-Type"] = case.content_type
    now = time.time()
    if case.sign == "good":
        headers.update(signed_headers(SECRET, body, content_type=case.content_type or "application/json"))
    elif case.sign == "wrong-secret":
        headers.update(signed_headers("not-the-secret", body))
    elif case.sign == "other-body":
        headers.update(signed_headers(SECRET, body + b" "))
    elif case.sign == "old":
        headers.update(signed_headers(SECRET, body, timestamp=now - 600))
    elif case.sign == "future":
        headers.update(signed_headers(SECRET, body, timestamp=now + 600))
    elif case.sign in ("v1", "upper", "truncated"):
        signed = signed_headers(SECRET, body)
        signature = signed["X-Slack-Signature"]
        signed["X-Slack-Signature"] = {"v1": "v1=" + signature[3:], "upper": "v0=" + signature[3:].upper(),
                                       "truncated": signature[:-2]}[case.sign]
        headers.update(signed)
    elif case.sign == "tampered":
        headers.update(signed_headers(SECRET, body.replace(b"photos", b"images")))
    if case.content_type and "Content-Type" in headers and case.sign:
        headers["Content-Type"] = case.content_type
    headers.update(dict(case.headers))
    return headers


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(stack: Stack, case: Case):
    running = stack.open if case.server == "open" else stack.authed
    body = case.body
    if body is not None:
        body = body.replace(b"SERVICE_URL", stack.connector.url.encode())
    stack.settle(running, quiet=0.05)
    before = table_hashes(running.reader)
    before_audit = running.reader.execute("SELECT coalesce(max(id), 0) FROM access_audit").fetchone()[0]
    before_records = counts(running.reader, RECORD_TABLES)

    status, response = send(running.port, case.method, case.path, body, headers_for(case, body or b""))

    assert status < 500, (status, response[:300])
    assert b"Traceback" not in response
    if case.expect_4xx is True:
        assert 400 <= status < 500, (status, response[:300])
    elif case.expect_4xx is False:
        assert status < 400, (status, response[:300])
    if status < 400:
        stack.settle(running)
    health_status, health = send(running.port, "GET", "/healthz")
    assert health_status == 200 and json.loads(health) == {"status": "ok"}

    after_records = counts(running.reader, RECORD_TABLES)
    assert after_records["outbox"] == before_records["outbox"], "the outbox gained a message"
    if case.kind == ANSWERED:
        assert after_records == before_records, "an ordinary message changed a record"
        return
    after = table_hashes(running.reader)
    changed = {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)} - EXEMPT_TABLES
    assert not changed, f"a refused request changed {sorted(changed)}"
    granted = running.reader.execute("SELECT action, person_id FROM access_audit WHERE id > ? AND allowed != 0",
                                     [before_audit]).fetchall()
    assert not granted, f"a forged request was let in: {granted}"
