"""The local web chat: pick a sample roster user at GET / and talk to the bot in the browser.

It is the embedded default a newcomer tries first, with no Slack or Microsoft account. Like the
other adapters it only translates: a JSON request becomes an `Incoming`, each `Reply` goes back as
JSON (`reply_to_dict`), and the page (bot/local/static) renders it as HTML. No business rules here.

Anyone who can open the page may speak as anyone on the roster, so this channel is for local use:
the server binds 127.0.0.1 by default, requests from other computers (or relayed by a proxy) are
refused even when it listens on every interface, requests from another web origin are refused, and
so are requests whose Host is not a loopback name (a hostile page that rebinds its own domain to
127.0.0.1 is same-origin with itself, so only the Host it sends gives it away).
"""
from __future__ import annotations

import functools
import html
import ipaddress
import json
import re
from pathlib import Path
from typing import Any, Mapping

from aiohttp import web

from domain.messages import MAX_FILE_BYTES, Incoming, IncomingFile, reply_to_dict
from handlers.delivery import take_local_inbox
from handlers.people import everyone, on_roster
from handlers.router import MAX_TEXT_LENGTH

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 128 * 1024  # a 4,000-character message, JSON-escaped, fits many times over
MAX_ACTION_LENGTH = 200
MAX_FILES = 5
# One upload: the files (each at most MAX_FILE_BYTES, checked as they are read) and the form fields.
MAX_UPLOAD_BYTES = MAX_FILES * MAX_FILE_BYTES + MAX_BODY_BYTES
INBOX_POLL_SECONDS = 4

# The page loads only its own script and style: no inline code, so an injected tag cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_dumps = functools.partial(json.dumps, ensure_ascii=False, default=str)


class BadRequest(Exception):
    """Input the page (or a hand-written request) got wrong; the message says how to fix it."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=SECURITY_HEADERS,
                             dumps=_dumps)


def _ok(payload: dict[str, Any]) -> web.Response:
    return web.json_response(payload, headers=SECURITY_HEADERS, dumps=_dumps)


def _person_summary(person) -> dict[str, Any]:
    return {"id": person.id, "name": person.name, "roles": sorted(person.roles),
            "job_title": person.job_title}


# Headers a reverse proxy adds: a relayed request came from somewhere else, whatever its peer says.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def _check_this_computer(request: web.Request) -> None:
    """Refuse anyone but this computer: the page lets its user speak as the DSL, so a server started
    with --host 0.0.0.0 (or behind a proxy) for Slack and Teams must not open it to the network."""
    refused = BadRequest("The local web chat answers this computer only (127.0.0.1); staff use Slack "
                         "or Microsoft Teams.", status=403)
    if any(name in request.headers for name in PROXY_HEADERS):
        raise refused
    try:
        peer = ipaddress.ip_address((request.remote or "").split("%")[0])
    except ValueError:
        raise refused from None
    if getattr(peer, "ipv4_mapped", None):
        peer = peer.ipv4_mapped
    if not peer.is_loopback:
        raise refused


# The names this computer is reached by; any port. A browser sends the name from the address bar.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
HOST_RE = re.compile(r"^(?P<name>\[[^\]]*\]|[^:\[\]]*)(?::(?P<port>[0-9]{1,5}))?$")


def _check_loopback_host(request: web.Request) -> None:
    """Refuse a Host that is not a loopback name: DNS rebinding (evil.example resolving to 127.0.0.1)
    makes a hostile page same-origin with itself, and its Origin then matches its Host."""
    match = HOST_RE.match(request.headers.get("Host", "").strip())
    if match is None or match["name"].lower().rstrip(".") not in LOOPBACK_HOSTS:
        raise BadRequest("The local web chat answers only at http://127.0.0.1 or http://localhost "
                         "(this request named another host).", status=403)


def _check_same_origin(request: web.Request) -> None:
    """Refuse requests a page on another origin makes the browser send (cross-site request forgery).

    Tools such as curl send neither header and are let through: the channel is local anyway.
    """
    refused = BadRequest("Requests from other web sites are not accepted here.", status=403)
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        raise refused
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != f"{request.scheme}://{request.host}":
        raise refused


async def _read_json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise BadRequest("Send JSON with the header Content-Type: application/json.", status=415)
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BadRequest(f"The request is too large (limit {MAX_BODY_BYTES // 1024} KB).", status=413)
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"The request is too large (limit {MAX_BODY_BYTES // 1024} KB).", status=413)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("The body is not valid UTF-8 JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest('The body must be a JSON object such as {"person": "staff", "text": "help"}.')
    return data


def _roster_person(services, person_id: Any):
    if not isinstance(person_id, str) or not person_id.strip():
        raise BadRequest('"person" must be the roster id of the person you are chatting as.')
    person = on_roster(services, person_id.strip())
    if person is None:
        raise BadRequest(f"No one with the id {person_id.strip()[:60]!r} is on the roster.")
    return person


def incoming_from_json(data: dict[str, Any], services) -> Incoming:
    """Translate {"person", "text"} or {"person", "action", "value"} into an Incoming."""
    person = _roster_person(services, data.get("person"))
    common = dict(channel="local", platform_user_id=person.id, person=person,
                  conversation_id=f"web:{person.id}", private=True)
    action = data.get("action")
    if action is not None:
        if not isinstance(action, str) or not action.strip() or len(action) > MAX_ACTION_LENGTH:
            raise BadRequest(f'"action" must be a non-empty string of at most {MAX_ACTION_LENGTH} characters.')
        value = data.get("value", {})
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise BadRequest('"value" must be a JSON object.')
        return Incoming(**common, action=action.strip(), value=value)
    text = data.get("text")
    if not isinstance(text, str):
        raise BadRequest('Send either "text" (your message) or "action" (a button or form).')
    if not text.strip():
        raise BadRequest("The message is empty; type a question first.")
    if len(text) > MAX_TEXT_LENGTH:
        raise BadRequest(f"That message is too long ({len(text):,} characters). "
                         f"Please keep it under {MAX_TEXT_LENGTH:,} characters.")
    return Incoming(**common, text=text)


async def incoming_from_upload(request: web.Request, services) -> Incoming:
    """A multipart/form-data POST (person, text, one or more `file` parts) as an Incoming with files.

    Each file is read up to MAX_FILE_BYTES + 1: a larger one is marked too large (the handler says
    so) and the rest of it is never held in memory."""
    if request.content_type != "multipart/form-data":
        raise BadRequest("Send files as multipart/form-data (an HTML form with a file field).", status=415)
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
        raise BadRequest(f"That upload is too large (at most {MAX_FILES} files of "
                         f"{MAX_FILE_BYTES // (1024 * 1024)} MB each).", status=413)
    try:
        reader = await request.multipart()
        fields: dict[str, str] = {}
        files: list[IncomingFile] = []
        while (part := await reader.next()) is not None:
            if part.name == "file" and part.filename is not None:
                if len(files) >= MAX_FILES:
                    raise BadRequest(f"Please send at most {MAX_FILES} files at once.", status=413)
                data = bytearray()
                while len(data) <= MAX_FILE_BYTES and (chunk := await part.read_chunk(64 * 1024)):
                    data.extend(chunk)
                if len(data) > MAX_FILE_BYTES:
                    files.append(IncomingFile(part.filename, None, problem="too_large"))
                    while await part.read_chunk(64 * 1024):
                        pass
                else:
                    files.append(IncomingFile(part.filename, bytes(data)))
            elif part.name in ("person", "text"):
                value = await part.read(decode=True)
                if len(value) > MAX_BODY_BYTES:
                    raise BadRequest(f'"{part.name}" is too long.', status=413)
                fields[part.name] = value.decode("utf-8", "replace")
    except (ValueError, AssertionError, UnicodeDecodeError):
        raise BadRequest("The upload could not be read; please choose the file again.") from None
    person = _roster_person(services, fields.get("person"))
    text = fields.get("text", "")
    if len(text) > MAX_TEXT_LENGTH:
        raise BadRequest(f"That message is too long ({len(text):,} characters). "
                         f"Please keep it under {MAX_TEXT_LENGTH:,} characters.")
    if not files and not text.strip():
        raise BadRequest("Choose a file to attach, or type a message.")
    return Incoming(channel="local", platform_user_id=person.id, person=person,
                    conversation_id=f"web:{person.id}", private=True, text=text,
                    attachments=tuple(f.name for f in files), files=tuple(files))


def _page(services) -> str:
    school = html.escape(services.config.school)
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return template.replace("{{school}}", school)


def mount(app: web.Application, hub, env: Mapping[str, str] | None = None) -> None:
    """The page and its routes; always on (env is not read: nothing here needs a credential)."""
    services = hub.services
    page = _page(services)

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", charset="utf-8",
                            headers=SECURITY_HEADERS)

    async def people(request: web.Request) -> web.Response:
        return _ok({"school": services.config.school, "inbox_poll_seconds": INBOX_POLL_SECONDS,
                    "max_text_length": MAX_TEXT_LENGTH,
                    "people": [_person_summary(p) for p in everyone(services)]})

    def person_asking(request: web.Request):
        """The roster person a request from this page speaks for (the Origin checked first)."""
        _check_same_origin(request)
        return _roster_person(services, request.query.get("person"))

    async def answer(request: web.Request, read) -> web.Response:
        """A message (JSON) or an upload (multipart) from the page, handled and answered."""
        try:
            _check_same_origin(request)
            incoming = await read(request)
        except BadRequest as bad:
            return _error(str(bad), bad.status)
        replies = await hub.handle(incoming)
        return _ok({"replies": [reply_to_dict(r) for r in replies]})

    async def read_message(request: web.Request) -> Incoming:
        return incoming_from_json(await _read_json(request), services)

    async def messages(request: web.Request) -> web.Response:
        return await answer(request, read_message)

    async def upload(request: web.Request) -> web.Response:
        return await answer(request, lambda request: incoming_from_upload(request, services))

    async def stored_file(request: web.Request) -> web.Response:
        """One stored file (evidence, a certificate), for someone who may have it; every view is audited."""
        from handlers.stored_files import authorised_file

        try:
            person = person_asking(request)
        except BadRequest as bad:
            return _error(str(bad), bad.status)
        asked = Incoming(channel="local", platform_user_id=person.id, person=person,
                         conversation_id=f"web:{person.id}", private=True)
        found, refusal = authorised_file(asked, services, request.match_info["file_id"], "download_file")
        if found is None:
            return _error(refusal[-1].text if refusal else "Not found.", status=403)
        inline = found["kind"] == "image" and not request.query.get("download")
        disposition = "inline" if inline else "attachment"
        safe = re.sub(r'[^\w.-]+', "_", found["name"])[:120] or "evidence"
        headers = {**SECURITY_HEADERS, "Content-Disposition": f'{disposition}; filename="{safe}"'}
        return web.Response(body=found["data"], content_type=found["mime"], headers=headers)

    async def draft_photo(request: web.Request) -> web.Response:
        """One photo of a post draft, for someone who may see the draft (handlers.drafts.media)."""
        from handlers.drafts.media import authorised_photo

        try:
            person = person_asking(request)
        except BadRequest as bad:
            return _error(str(bad), bad.status)
        found, refusal = authorised_photo(services, person, request.match_info["photo_id"])
        if found is None:
            return _error(refusal, status=403)
        return web.Response(body=found["data"], content_type="image/jpeg", headers=SECURITY_HEADERS)

    async def inbox(request: web.Request) -> web.Response:
        try:
            person = person_asking(request)  # taking the inbox marks it seen: no other site may do that
        except BadRequest as bad:
            return _error(str(bad), bad.status)
        return _ok({"messages": [reply_to_dict(r) for r in take_local_inbox(services, person.id)]})

    async def training_chart(request: web.Request) -> web.Response:
        """The compliance figures behind the page's chart, for the Headteacher and the DSL only."""
        from handlers.training.compliance import chart_figures

        try:
            person = person_asking(request)
        except BadRequest as bad:
            return _error(str(bad), bad.status)
        figures, refusal = chart_figures(person, services)
        if figures is None:
            return _error(refusal, status=403)
        return _ok(figures)

    async def not_allowed(request: web.Request) -> web.Response:
        return _error("Use POST with a JSON body.", status=405)

    local_resources = {
        app.router.add_get("/", index).resource,
        app.router.add_get("/local/people", people).resource,
        app.router.add_post("/local/messages", messages).resource,
        app.router.add_get("/local/messages", not_allowed).resource,
        app.router.add_get("/local/inbox", inbox).resource,
        app.router.add_post("/local/upload", upload).resource,
        app.router.add_get(r"/local/files/{file_id:\d{1,12}}", stored_file).resource,
        app.router.add_get(r"/local/draft-photos/{photo_id:\d{1,12}}", draft_photo).resource,
        app.router.add_get("/local/training-chart", training_chart).resource,
        app.router.add_static("/local/static/", STATIC_DIR, append_version=False),
    }

    @web.middleware
    async def this_computer_only(request: web.Request, handler):
        """Every route of the web chat, its page and static files included, checked in one place."""
        if request.match_info.route.resource in local_resources:
            try:
                _check_this_computer(request)
                _check_loopback_host(request)
            except BadRequest as bad:
                return _error(str(bad), bad.status)
        return await handler(request)

    app.middlewares.append(this_computer_only)
