"""Slack: slack-bolt on our own aiohttp route `POST /slack/events`, or Socket Mode.

On when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set (HTTP) or SLACK_BOT_TOKEN and
SLACK_APP_TOKEN (Socket Mode); otherwise /slack/events says the channel is off. SLACK_API_URL
points the Web API (bolt's auth.test included) somewhere else, such as a test fake. Requests are
served for one workspace: SLACK_TEAM_ID's (comma-separated ids for several), or else the bot
token's own (auth.test's team_id); any other workspace gets 403 and nothing is handled.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Mapping

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Slack's own payloads are far smaller; anything bigger is refused before it is parsed.
MAX_SLACK_BODY_BYTES = 512 * 1024
WEB_API_TIMEOUT_SECONDS = 10
ACCEPTED_CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
EVENTS_PATH = "/slack/events"

SLACK_ADAPTER = web.AppKey("slack_adapter", object)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def web_client(env: Mapping[str, str]) -> AsyncWebClient:
    base_url = (env.get("SLACK_API_URL") or DEFAULT_API_URL).strip()
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=env.get("SLACK_BOT_TOKEN"), base_url=base_url,
                          timeout=WEB_API_TIMEOUT_SECONDS)


def shared_http_session(client: AsyncWebClient):
    """One keep-alive HTTP session for every Web API call, opened and closed with the server.

    Without it slack_sdk builds a new session and a new connection for each call: more CPU per
    answer than the rest of the Slack adapter together (see benchmarks/http_bench.py).
    """
    async def session(app: web.Application):
        client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WEB_API_TIMEOUT_SECONDS))
        yield
        await client.session.close()
        client.session = None

    return session


def mount(app: web.Application, hub, env: Mapping[str, str]) -> None:
    token = env.get("SLACK_BOT_TOKEN")
    signing_secret = env.get("SLACK_SIGNING_SECRET")
    app_token = env.get("SLACK_APP_TOKEN")
    if not token or not (signing_secret or app_token):
        async def channel_off(request: web.Request) -> web.Response:
            return _problem(503, "The Slack channel is off: set SLACK_BOT_TOKEN and "
                                 "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode).")

        app.router.add_post(EVENTS_PATH, channel_off)
        return

    from bot.slack.adapter import SlackAdapter

    workspaces = frozenset(t.strip() for t in (env.get("SLACK_TEAM_ID") or "").split(",") if t.strip())
    adapter = SlackAdapter(hub, web_client(env), signing_secret, workspaces)
    app[SLACK_ADAPTER] = adapter
    app.cleanup_ctx.append(shared_http_session(adapter.client))
    hub.dispatcher.register(adapter.sender)

    if signing_secret:
        app.router.add_post(EVENTS_PATH, events_route(adapter, SignatureVerifier(signing_secret)))
    else:
        async def socket_mode_only(request: web.Request) -> web.Response:
            return _problem(404, "Slack runs in Socket Mode here; there is no HTTP endpoint.")

        app.router.add_post(EVENTS_PATH, socket_mode_only)
    if app_token:
        app.cleanup_ctx.append(socket_mode(adapter, app_token))


def events_route(adapter, verifier: SignatureVerifier):
    async def slack_events(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_SLACK_BODY_BYTES:
            return _problem(413, "Request body too large for a Slack request.")
        raw = await request.read()
        if len(raw) > MAX_SLACK_BODY_BYTES:
            return _problem(413, "Request body too large for a Slack request.")
        if request.content_type not in ACCEPTED_CONTENT_TYPES:
            return _problem(415, "Slack requests are JSON or form-encoded.")
        # Check the signature before parsing, so a forged body is a 401 whatever it contains.
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return _problem(400, "Slack request bodies are UTF-8.")
        if not verifier.is_valid_request(raw, dict(request.headers)):
            return _problem(401, "Invalid or expired Slack signature.")
        if adapter.overloaded:  # at once, well within Slack's 3 s; Slack retries events later
            log.warning("Slack request refused: %s turns already running or waiting", adapter._max_admitted)
            response = _problem(503, "Busy: please retry shortly.")
            response.headers["Retry-After"] = "5"
            return response
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, TypeError, AttributeError, KeyError):  # bolt reads fields as it parses
            return _problem(400, "Malformed Slack request body.")
        if not isinstance(bolt_request.body, dict):
            return _problem(400, "Malformed Slack request body.")
        bolt_response = await adapter.bolt.async_dispatch(bolt_request)
        if bolt_response.status >= 500:
            # bolt answers 500 when a payload's shape surprises it; that is bad input, not our fault.
            log.warning("Slack request not processed (bolt status %s)", bolt_response.status)
            return _problem(400, "Could not process this Slack request.")
        return await to_aiohttp_response(bolt_response)

    return slack_events


def socket_mode(adapter, app_token: str):
    """Keep a Socket Mode connection open while the server runs (no public URL needed).

    It connects in the background: slack_sdk retries until Slack lets it in (no network at boot, a
    wrong app token), and until then /healthz, Teams and the web chat must serve all the same.
    """

    async def connection(app: web.Application):
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(adapter.bolt, app_token)
        connecting = asyncio.create_task(handler.connect_async())
        connecting.add_done_callback(_log_connected)
        yield
        connecting.cancel()
        await asyncio.gather(connecting, return_exceptions=True)
        await handler.close_async()

    return connection


def _log_connected(connecting: asyncio.Task) -> None:
    if not connecting.cancelled() and connecting.exception() is None:
        log.info("Slack Socket Mode connected")
