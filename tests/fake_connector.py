"""A fake Bot Framework connector (the service a Teams bot replies to), on a real loopback socket.

botbuilder sends its replies with `requests` from a worker thread, so this is a real HTTP server
(ThreadingHTTPServer in a thread), not a mock. It records every call and answers:

  POST /v3/conversations/{id}/activities[/{replyToId}]   -> {"id": "activity-N"}
  PUT  /v3/conversations/{id}/activities/{activityId}    -> the activity updated ({"id": activityId})
  POST /v3/conversations                                 -> {"id": "personal-N", ...} (proactive 1:1)
  GET  /v3/conversations/{id}/members/{userId}           -> a member with an email
  PUT  /onedrive-upload/{name}                           -> 201, the bytes kept in `uploads`
  anything else                                          -> 404

`connector.down = True` makes every request fail with 503 (`connector.refuse = True` instead
closes the socket without answering), to test retries. `connector.throttle(2, retry_after=30)`
answers the next two activity POSTs with 429 and `Retry-After: 30` (count=None: every one until
`connector.recover()`), as the connector does when a bot sends too fast. Each call records the
status it was answered with, so `connector.accepted` lists only the activities that went through.
`connector.attachment_token = "..."` makes the attachment files answer 401 unless fetched with
`Authorization: Bearer <that token>`, as the real connector guards them.

    with FakeConnector() as connector:
        activity["serviceUrl"] = connector.url
        ...
        connector.wait_for(lambda call: call.is_reply)
"""
from __future__ import annotations

import http.server
import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable

REPLY_PATH = re.compile(r"^/v3/conversations/(?P<conversation>[^/]+)/activities(?:/(?P<reply_to>[^/]+))?$")
MEMBER_PATH = re.compile(r"^/v3/conversations/(?P<conversation>[^/]+)/members/(?P<user>[^/]+)$")


@dataclass
class Call:
    method: str
    path: str  # %-decoded, e.g. /v3/conversations/a:conv-1/activities
    headers: dict[str, str]
    body: Any  # parsed JSON, or the raw text when it is not JSON
    status: int | None = None  # what the fake answered (None: the socket was closed unanswered)
    answer: Any = None  # the JSON it answered with ({"id": "activity-N"} for a posted activity)

    @property
    def activity_id(self) -> str | None:
        """The id the fake gave a posted activity: what a card submit's replyToId names."""
        return self.answer.get("id") if isinstance(self.answer, dict) else None

    @property
    def is_reply(self) -> bool:
        return self.method == "POST" and bool(REPLY_PATH.match(self.path))

    @property
    def is_update(self) -> bool:
        return self.method == "PUT" and bool(REPLY_PATH.match(self.path))

    @property
    def conversation_id(self) -> str | None:
        match = REPLY_PATH.match(self.path) or MEMBER_PATH.match(self.path)
        return match["conversation"] if match else None

    @property
    def cards(self) -> list[dict]:
        """The Adaptive Cards attached to a posted activity."""
        if not isinstance(self.body, dict):
            return []
        return [a.get("content") or {} for a in self.body.get("attachments") or []
                if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]

    @property
    def text(self) -> str:
        """Everything the activity says, cards included, as one string (for assertions)."""
        return json.dumps(self.body, ensure_ascii=False)


@dataclass
class Throttle:
    remaining: int | None  # None: until recover()
    retry_after: int | str


def default_member(user_id: str) -> dict:
    return {"id": user_id, "name": "A Staff", "aadObjectId": "00000000-0000-0000-0000-000000000001",
            "email": "staff@example.org", "userPrincipalName": "staff@example.org",
            "givenName": "A", "surname": "Staff"}


ATTACHMENTS_PATH = "/v3/attachments/"
UPLOADS_PATH = "/onedrive-upload/"  # a file-consent card's uploadUrl, served by the same fake


class FakeConnector:
    def __init__(self, member: Callable[[str], dict | None] = default_member, host: str = "127.0.0.1"):
        """`host`: the address to listen on (another of this machine's addresses, to stand for a
        connector that is not on this computer)."""
        self.calls: list[Call] = []
        self.down = False
        self.refuse = False
        self.member = member  # user id -> member JSON (None: 404)
        self._throttle: Throttle | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.files: dict[str, bytes] = {}  # attachment id -> bytes, served at attachment_url(id)
        self.uploads: dict[str, bytes] = {}  # upload name -> the bytes PUT to upload_url(name)
        self.attachment_token: str | None = None  # set: files only to `Bearer <it>`
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                path = urllib.parse.unquote(self.path.split("?", 1)[0])  # ids arrive %-encoded
                call = Call(self.command, path, dict(self.headers), body)
                with outer._lock:
                    outer.calls.append(call)
                if outer.refuse:
                    self.close_connection = True
                    self.connection.close()
                    return
                if self.command == "PUT" and path.startswith(UPLOADS_PATH):
                    outer.uploads[path[len(UPLOADS_PATH):]] = raw  # stands for the person's OneDrive
                    self.send_response(201)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    call.status = 201
                    return
                if self.command == "GET" and path.startswith(ATTACHMENTS_PATH):
                    data = outer.files.get(path[len(ATTACHMENTS_PATH):].split("/", 1)[0])
                    status = 200 if data is not None else 404
                    token = outer.attachment_token
                    if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
                        data, status = None, 401
                    call.status = status
                    self.send_response(status)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data or b"")))
                    self.end_headers()
                    self.wfile.write(data or b"")
                    return
                headers: dict[str, str] = {}
                if outer.down:
                    status, payload = 503, {"error": {"code": "ServiceUnavailable"}}
                elif call.is_reply and (retry_after := outer._take_throttled()) is not None:
                    status, payload = 429, {"error": {"code": "TooManyRequests",
                                                      "message": "Too many requests; retry later"}}
                    headers["Retry-After"] = retry_after
                else:
                    status, payload = outer._answer(self.command, path, body)
                call.status, call.answer = status, payload
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    # --- failure modes ----------------------------------------------------------------------

    def throttle(self, count: int | None = 1, retry_after: int | str = 30) -> None:
        """Answer the next `count` activity POSTs (every one, when None) with 429 and Retry-After:
        whole seconds, or an HTTP date (RFC 9110 allows both)."""
        with self._lock:
            self._throttle = Throttle(count, retry_after)

    def recover(self) -> None:
        """Stop throttling (and any 503 / refused-connection mode)."""
        with self._lock:
            self._throttle = None
        self.down = self.refuse = False

    def _take_throttled(self) -> str | None:
        """The Retry-After to answer this activity POST with, or None to take it."""
        with self._lock:
            throttle = self._throttle
            if throttle is None:
                return None
            if throttle.remaining is not None:
                throttle.remaining -= 1
                if throttle.remaining <= 0:
                    self._throttle = None
            return str(throttle.retry_after)

    # --- answers ----------------------------------------------------------------------------

    def _answer(self, method: str, path: str, body: Any) -> tuple[int, dict]:
        if method == "POST" and REPLY_PATH.match(path):
            return 200, {"id": f"activity-{next(self._ids)}"}
        if method == "PUT" and (match := REPLY_PATH.match(path)) and match["reply_to"]:
            return 200, {"id": match["reply_to"]}  # an activity updated in place
        if method == "POST" and path.rstrip("/") == "/v3/conversations":
            return 200, {"id": f"personal-{next(self._ids)}", "activityId": f"activity-{next(self._ids)}",
                         "serviceUrl": self.url}
        member_match = MEMBER_PATH.match(path)
        if method == "GET" and member_match:
            member = self.member(member_match["user"])
            return (200, member) if member else (404, {"error": {"code": "MemberNotFound"}})
        return 404, {"error": {"code": "NotFound", "message": f"{method} {path}"}}

    # --- for tests --------------------------------------------------------------------------

    def attachment_url(self, attachment_id: str, data: bytes) -> str:
        """Serve `data` as an attachment's contentUrl (GETs are recorded like every call)."""
        self.files[attachment_id] = data
        return f"{self.url}{ATTACHMENTS_PATH}{attachment_id}/views/original"

    def upload_url(self, name: str) -> str:
        """Where a file-consent accept tells the bot to PUT the file (recorded in `uploads`)."""
        return f"{self.url}{UPLOADS_PATH[1:]}{name}"

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def replies(self) -> list[Call]:
        """Activities the bot posted to a conversation (successfully or not)."""
        with self._lock:
            return [c for c in self.calls if c.is_reply]

    @property
    def accepted(self) -> list[Call]:
        """Activities the connector took (answered 2xx): what the person actually sees."""
        with self._lock:
            return [c for c in self.calls if c.is_reply and c.status is not None and 200 <= c.status < 300]

    @property
    def throttled(self) -> list[Call]:
        """Activities answered 429."""
        with self._lock:
            return [c for c in self.calls if c.is_reply and c.status == 429]

    def calls_to(self, method: str, path_prefix: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path.startswith(path_prefix)]

    def wait_for(self, condition: Callable[[Call], bool], count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Block until `count` recorded calls satisfy `condition`; returns them (or raises)."""
        deadline = time.monotonic() + timeout
        while not self._enough(condition, count) and time.monotonic() <= deadline:
            time.sleep(0.02)
        return self._require(condition, count)

    async def async_wait_for(self, condition: Callable[[Call], bool], count: int = 1,
                             timeout: float = 10.0) -> list[Call]:
        """`wait_for` for async tests: yields to the event loop while waiting."""
        import asyncio

        deadline = time.monotonic() + timeout
        while not self._enough(condition, count) and time.monotonic() <= deadline:
            await asyncio.sleep(0.02)
        return self._require(condition, count)

    def _matching(self, condition: Callable[[Call], bool]) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if condition(c)]

    def _enough(self, condition: Callable[[Call], bool], count: int) -> bool:
        return len(self._matching(condition)) >= count

    def _require(self, condition: Callable[[Call], bool], count: int) -> list[Call]:
        matching = self._matching(condition)
        if len(matching) < count:
            raise AssertionError(f"expected {count} matching connector call(s), saw {len(matching)}: "
                                 f"{[(c.method, c.path) for c in self.calls]}")
        return matching

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "FakeConnector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
