"""A fake of Meta's Graph API on 127.0.0.1 that records every call, for the publishing tests.

    with FakeGraph(page_id="PAGE1", instagram_id="IG1") as graph:
        env = {"POLICYBOT_GRAPH_API_URL": graph.api_url, "POLICYBOT_FACEBOOK_PAGE_ID": "PAGE1", ...}
        graph.calls_to("POST", "PAGE1/feed")[0].fields["message"]
        graph.photos                       # {photo id: bytes} uploaded to /{page}/photos
        graph.hang("feed")                 # the next feed post (or "media_publish") takes effect, and
        graph.release()                    # then no answer comes until release(): a cut-off request
        graph.fail("feed", 500)            # the next feed post answers HTTP 500 and does nothing

It keeps what a real Page and Instagram account would: unpublished photos with a CDN address,
feed posts (listed by /{page}/published_posts), containers with a status_code, and published media
(listed by /{ig}/media) whose comment_enabled can be set. Publishing a container twice is refused,
as Instagram refuses it.
"""
from __future__ import annotations

import email.parser
import email.policy
import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

VERSION = "v21.0"


@dataclass
class GraphCall:
    method: str
    path: str  # without the version: "PAGE1/feed"
    headers: dict
    fields: dict  # query and form fields; a file part as {"filename", "size", "content_type"}
    files: dict = field(default_factory=dict)  # field name -> bytes


class _Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class FakeGraph:
    def __init__(self, page_id: str = "PAGE1", instagram_id: str = "IG1", token: str = "page-token"):
        self.page_id, self.instagram_id, self.token = page_id, instagram_id, token
        self.calls: list[GraphCall] = []
        self.photos: dict[str, bytes] = {}
        self.posts: list[dict] = []
        self.containers: dict[str, dict] = {}
        self.media: list[dict] = []
        self._lock = threading.Lock()
        self._counter = 0
        self._hang: set[str] = set()
        self._released = threading.Event()
        self.hanging = threading.Event()  # set while a hung request is being held
        self._failures: dict[str, int] = {}
        self._server: _Server | None = None

    # --- lifecycle and controls ---------------------------------------------------------------

    def __enter__(self) -> "FakeGraph":
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                fake._serve(self)

            do_POST = do_GET

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/{VERSION}"

    def hang(self, step: str) -> None:
        self._released.clear()
        self._hang.add(step)

    def release(self) -> None:
        self._hang.clear()
        self._released.set()

    def fail(self, step: str, status: int = 500) -> None:
        self._failures[step] = status

    def calls_to(self, method: str, path: str) -> list[GraphCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.path == path]

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}{self._counter}"

    # --- the server side ----------------------------------------------------------------------

    def _serve(self, request) -> None:
        split = urlsplit(request.path)
        if split.path.startswith("/cdn/"):
            photo = self.photos.get(split.path[len("/cdn/"):].removesuffix(".jpg"))
            return self._reply(request, 200 if photo else 404, photo or b"", "image/jpeg")
        path = split.path.removeprefix(f"/{VERSION}/").strip("/")
        fields = dict(parse_qsl(split.query))
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        files = {}
        content_type = request.headers.get("Content-Type") or ""
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if part.get_filename():
                    files[name] = payload
                    fields[name] = {"filename": part.get_filename(), "size": len(payload),
                                    "content_type": part.get_content_type()}
                else:
                    fields[name] = payload.decode("utf-8")
        elif raw:
            fields.update(parse_qsl(raw.decode("utf-8")))
        call = GraphCall(request.command, path, dict(request.headers), fields, files)
        with self._lock:
            self.calls.append(call)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json(request, 401, {"error": {"message": "Invalid OAuth access token.", "code": 190}})
        step = path.rsplit("/", 1)[-1]
        if step in self._failures:
            status = self._failures.pop(step)
            return self._json(request, status, {"error": {"message": "An unexpected error has occurred.",
                                                          "code": 2, "is_transient": True}})
        status, body = self._answer(call, step)
        if step in self._hang:  # it took effect; the answer never comes (until released)
            self._hang.discard(step)
            self.hanging.set()
            self._released.wait(timeout=30)
            self.hanging.clear()
            return
        self._json(request, status, body)

    def _answer(self, call: GraphCall, step: str) -> tuple[int, dict]:
        path, fields = call.path, call.fields
        if call.method == "POST" and path == f"{self.page_id}/photos":
            photo_id = self._next_id("PH")
            self.photos[photo_id] = call.files.get("source", b"")
            return 200, {"id": photo_id}
        if call.method == "GET" and path in self.photos:
            return 200, {"id": path, "images": [{"source": f"{self.url}/cdn/{path}.jpg", "width": 800, "height": 600},
                                                {"source": f"{self.url}/cdn/{path}.jpg", "width": 130, "height": 98}]}
        if call.method == "POST" and path == f"{self.page_id}/feed":
            post = {"id": f"{self.page_id}_{self._next_id('')}", "message": fields.get("message", ""),
                    "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime())}
            self.posts.append(post)
            return 200, {"id": post["id"]}
        if call.method == "GET" and path == f"{self.page_id}/published_posts":
            return 200, {"data": list(reversed(self.posts))}
        if call.method == "POST" and path == f"{self.instagram_id}/media":
            container_id = self._next_id("C")
            self.containers[container_id] = {**fields, "status_code": "FINISHED"}
            return 200, {"id": container_id}
        if call.method == "GET" and path in self.containers:
            return 200, {"id": path, "status_code": self.containers[path]["status_code"]}
        if call.method == "POST" and step == "media_publish":
            container = self.containers.get(fields.get("creation_id", ""))
            if container is None or container["status_code"] != "FINISHED":
                return 400, {"error": {"message": "The media has already been published or is not ready.",
                                       "code": 9007}}
            container["status_code"] = "PUBLISHED"
            media = {"id": self._next_id("M"), "caption": container.get("caption", ""), "comment_enabled": True}
            self.media.append(media)
            return 200, {"id": media["id"]}
        if call.method == "GET" and path == f"{self.instagram_id}/media":
            return 200, {"data": [{"id": m["id"], "caption": m["caption"]} for m in reversed(self.media)]}
        found = next((m for m in self.media if m["id"] == path), None)
        if call.method == "POST" and found is not None and "comment_enabled" in fields:
            found["comment_enabled"] = fields["comment_enabled"] == "true"
            return 200, {"success": True}
        return 400, {"error": {"message": f"Unsupported request {call.method} {path}", "code": 100}}

    def _json(self, request, status: int, body: dict) -> None:
        self._reply(request, status, json.dumps(body).encode(), "application/json")

    @staticmethod
    def _reply(request, status: int, data: bytes, content_type: str) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
