"""A fake Slack Web API on 127.0.0.1 that records every call, for end-to-end tests.

    with FakeSlack() as slack:                      # a real HTTP server in a thread
        env = {"SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": "xoxb-test",
               "SLACK_SIGNING_SECRET": SECRET}
        ...
        posts = slack.wait_for("chat.postMessage")      # or: await slack.wait_for_async(...)
        posts[0].body["channel"], posts[0].blocks_text

    slack.fail(500)                      # every call answers HTTP 500 ...
    slack.fail(429, retry_after=30)      # ... or 429 with Retry-After
    slack.down()  /  slack.up()          # stop listening (connection refused), then listen again
    slack.recover()                      # answer normally again after fail()
    slack.response_url()                 # a response_url for slash commands, recorded as "response_url"
    FakeSlack(socket_mode_url=url)       # apps.connections.open hands out that websocket URL
                                         # (tests/fake_socket_mode.py serves one)
    signed_headers(SECRET, body)         # the X-Slack-Signature headers for a request body
    slack.add_file("F1", "shot.png", b"...")   # files.info describes it; its url_private serves the
                                         # bytes (recorded as "file_download", with the headers)
    slack.uploads                        # {file id: bytes} posted through files.upload v2

Works from sync and async tests alike (the server runs on its own thread).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0SCHOOL"
RESPONSE_URL_PATH = "/hooks/response/"
FILES_PATH = "/files-pri/"
UPLOAD_PATH = "/upload/"


def signed_headers(secret: str, body: bytes | str, timestamp: float | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    """Headers Slack would send with `body`, signed with `secret` at `timestamp` (default: now)."""
    timestamp_text = str(int(time.time() if timestamp is None else timestamp))
    raw = body.encode() if isinstance(body, str) else body
    # Slack's v0 scheme, by hand so that bodies which are not UTF-8 can be signed too
    signature = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp_text.encode() + b":" + raw,
                                 hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp_text,
            "X-Slack-Signature": signature}


@dataclass
class Call:
    method: str  # "chat.postMessage"
    headers: dict[str, str]
    body: dict[str, Any]  # parsed JSON, form or query parameters

    @property
    def blocks(self) -> list:
        blocks = self.body.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks

    @property
    def blocks_text(self) -> str:
        """Every string inside the blocks, joined: easy to assert on."""
        out: list[str] = []

        def walk(node):
            if isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
            elif isinstance(node, str):
                out.append(node)

        walk(self.blocks)
        return "\n".join(out)


class _QuietServer(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up early (a timeout under test) is not the fake's problem


@dataclass
class Failure:
    status: int
    retry_after: float | None = None


@dataclass
class FakeSlack:
    # user id → email for users.info; unknown users get no email
    emails: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    # what apps.connections.open answers (Socket Mode); None: the call fails as with an HTTP-only app
    socket_mode_url: str | None = None
    # file id -> (name, bytes, url_private or None for our own): what files.info and downloads serve
    files: dict[str, tuple[str, bytes, str | None]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._failure: Failure | None = None
        self._server: http.server.ThreadingHTTPServer | None = None
        self._port = 0
        self._dm_counter = 0

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> "FakeSlack":
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    def up(self) -> None:
        """Listen (again, on the same port after down())."""
        if self._server is not None:
            return
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                fake._serve(self)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self._server = _QuietServer(("127.0.0.1", self._port), Handler)
        self._port = self._server.server_address[1]
        # a short poll interval: down() (every test's teardown) waits up to one interval
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def down(self) -> None:
        """Stop listening: calls now fail with connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail(self, status: int = 500, retry_after: float | str | None = None) -> None:
        """Answer every call with `status`; `retry_after` is sent as the Retry-After header (a string
        is sent as it is, for headers a real server might garble)."""
        self._failure = Failure(status, retry_after)

    def recover(self) -> None:
        self._failure = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "1") -> str:
        """A slash command's response_url; what is posted there is recorded as "response_url"."""
        return f"{self.url}{RESPONSE_URL_PATH}{name}"

    def add_file(self, file_id: str, name: str, data: bytes, url_private: str | None = None) -> dict:
        """A file a person attached; the dict is what a message event's `files` lists."""
        self.files[file_id] = (name, data, url_private)
        return {"id": file_id, "name": name}

    # --- what tests read ----------------------------------------------------------------------

    def calls_to(self, method: str, containing: str | None = None) -> list[Call]:
        """Calls to `method`, optionally only those whose text or blocks contain `containing`."""
        with self._lock:
            found = [c for c in self.calls if c.method == method]
        if containing is not None:
            found = [c for c in found
                     if containing in c.blocks_text or containing in str(c.body.get("text") or "")]
        return found

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0,
                 containing: str | None = None) -> list[Call]:
        """The calls to `method` once there are at least `count` (or whatever came by the timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method, containing)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.calls_to(method, containing)

    async def wait_for_async(self, method: str, count: int = 1, timeout: float = 10.0,
                             containing: str | None = None) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method, containing)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        return self.calls_to(method, containing)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the server side ----------------------------------------------------------------------

    def _serve(self, request: http.server.BaseHTTPRequestHandler) -> None:
        split = urlsplit(request.path)
        method = split.path.rstrip("/").rsplit("/", 1)[-1]
        if split.path.startswith(RESPONSE_URL_PATH):
            method = "response_url"
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        if split.path.startswith(FILES_PATH):
            self._serve_file(request, split.path)
            return
        if split.path.startswith(UPLOAD_PATH):
            with self._lock:
                self.uploads[split.path[len(UPLOAD_PATH):]] = raw
                self.calls.append(Call("file_upload", dict(request.headers), {"size": len(raw)}))
            request.send_response(200)
            request.send_header("Content-Length", "2")
            request.end_headers()
            request.wfile.write(b"OK")
            return
        body = dict(parse_qsl(split.query))
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
        if raw and content_type == "application/json":
            try:
                body.update(json.loads(raw))
            except ValueError:
                body["_unparsed"] = raw.decode("utf-8", "replace")
        elif raw:
            body.update(parse_qsl(raw.decode("utf-8", "replace")))
        with self._lock:
            self.calls.append(Call(method, dict(request.headers), body))
        failure = self._failure
        if failure is not None:
            retry_after = failure.retry_after
            headers = ({} if retry_after is None else
                       {"Retry-After": retry_after if isinstance(retry_after, str) else str(int(retry_after))})
            payload = {"ok": False, "error": "ratelimited" if failure.status == 429 else "internal_error"}
            self._reply(request, failure.status, payload, headers)
            return
        self._reply(request, 200, self._answer(method, body))

    def _serve_file(self, request, path: str) -> None:
        file_id = path[len(FILES_PATH):].split("/", 1)[0]
        with self._lock:
            self.calls.append(Call("file_download", dict(request.headers), {"file": file_id}))
        found = self.files.get(file_id)
        if found is None or not (request.headers.get("Authorization") or "").startswith("Bearer xoxb-"):
            request.send_response(404 if found is None else 403)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(found[1])))
        request.end_headers()
        request.wfile.write(found[1])

    def _answer(self, method: str, body: dict) -> dict:
        if method == "auth.test":
            return {"ok": True, "url": "https://calmore.slack.com/", "team": "Calmore", "user": "policybot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        if method == "conversations.open":
            user = str(body.get("users") or body.get("user") or "U0").split(",")[0]
            return {"ok": True, "channel": {"id": "D" + user.lstrip("U")}}
        if method == "users.info":
            user = str(body.get("user") or "")
            profile = {"real_name": f"User {user}"}
            if user in self.emails:
                profile["email"] = self.emails[user]
            return {"ok": True, "user": {"id": user, "name": user.lower(), "profile": profile}}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            with self._lock:
                self._dm_counter += 1
                ts = f"1700000000.{self._dm_counter:06d}"
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts") or ts,
                    "message_ts": ts}
        if method == "files.info":
            file_id = str(body.get("file") or "")
            if file_id not in self.files:
                return {"ok": False, "error": "file_not_found"}
            name, data, url = self.files[file_id]
            url = url or f"{self.url}{FILES_PATH}{file_id}/{name}"
            return {"ok": True, "file": {"id": file_id, "name": name, "size": len(data),
                                         "url_private": url, "url_private_download": url}}
        if method == "files.getUploadURLExternal":
            with self._lock:
                self._dm_counter += 1
                file_id = f"FUP{self._dm_counter}"
            return {"ok": True, "upload_url": f"{self.url}{UPLOAD_PATH}{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            try:  # the ids getUploadURLExternal handed out, as Slack answers
                listed = json.loads(body.get("files") or "[]") if isinstance(body.get("files"), str) else body.get("files")
                files = [{"id": f["id"], "title": f.get("title") or "file"} for f in listed or []]
            except (ValueError, TypeError, KeyError):
                files = []
            return {"ok": True, "files": files or [{"id": "FUP", "title": "file"}]}
        if method == "apps.connections.open":
            if self.socket_mode_url is None:
                return {"ok": False, "error": "not_allowed_token_type"}
            return {"ok": True, "url": self.socket_mode_url}
        if method in ("views.open", "views.update", "views.publish"):
            return {"ok": True, "view": {"id": "V0VIEW", "type": "modal"}}
        return {"ok": True}

    @staticmethod
    def _reply(request, status: int, payload: dict, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
