"""One aiohttp application for every HTTP channel app.py lists (CHANNELS): Slack, Teams and the
local web chat. Each channel module offers `mount(app, hub, env)`.

Channels without credentials are simply off; the local one is always on. Background work (the
outbox delivery loop and the periodic ticks of the feature modules) starts and stops with the app
through cleanup_ctx, so shutdown is graceful.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from types import ModuleType
from typing import Iterable, Mapping

from aiohttp import web

from bot.core import Hub
from bot.logging_setup import request_context
from handlers.context import Services
from handlers.faults import STORAGE_FAULTS, storage_problem

log = logging.getLogger(__name__)

HUB = web.AppKey("hub", Hub)
TICK_SECONDS = 30.0
MAX_BODY_BYTES = 2 * 1024 * 1024


@web.middleware
async def never_500(request: web.Request, handler):
    """Bad input gets a clear 4xx; an unexpected fault a short JSON 500 with no stack trace."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except STORAGE_FAULTS as error:
        problem = storage_problem(error)
        if problem is None:  # an OperationalError that is a fault of ours, not of the database
            log.exception("unhandled error on %s", request.path)
            return web.json_response({"error": "internal error"}, status=500)
        # The database, not the request: say so, and when to try again (Slack and Teams retry).
        log.error("database %s on %s", problem, request.path)
        return web.json_response({"error": f"the database is {problem}; try again shortly"}, status=503,
                                 headers={"Retry-After": "5"})
    # RecursionError: json.loads of a body nested thousands deep ("[[[[…") is bad input too.
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as error:
        log.info("bad request to %s: %s", request.path, type(error).__name__)
        return web.json_response({"error": "bad request"}, status=400)
    except Exception:
        log.exception("unhandled error on %s", request.path)
        return web.json_response({"error": "internal error"}, status=500)


async def healthz(request: web.Request) -> web.Response:
    hub = request.app[HUB]
    state = hub.services.database_state()  # "ok", "locked", "full" or "unavailable"
    if state != "ok":
        return web.json_response({"status": "error", "database": state}, status=503)
    return web.json_response({"status": "ok"})


def _tick_functions(hub: Hub) -> list:
    return [tick for module in hub.router.features for tick in getattr(module, "TICKS", [])]


async def _background(app: web.Application):
    """Start the delivery loop and the periodic ticks; cancel both on shutdown."""
    hub = app[HUB]

    async def ticks() -> None:
        while True:
            for tick in _tick_functions(hub):
                try:
                    tick(hub.services)
                except Exception:
                    log.exception("tick %s failed", getattr(tick, "__qualname__", tick))
            await asyncio.sleep(TICK_SECONDS)

    tasks = [asyncio.create_task(hub.dispatcher.run()), asyncio.create_task(ticks())]
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def build_app(services: Services, channels: Iterable[ModuleType],
              env: Mapping[str, str] | None = None) -> web.Application:
    env = os.environ if env is None else env
    channels = tuple(channels)
    for channel in channels:  # checked before anything is mounted: a broken list stops the start loudly
        if not callable(getattr(channel, "mount", None)):
            raise ValueError(f"{channel.__name__} is listed as a channel but has no mount(app, hub, env)")
    # request_context is outermost: every response, a 500 included, carries X-Request-Id and is logged.
    app = web.Application(middlewares=[request_context, never_500], client_max_size=MAX_BODY_BYTES)
    hub = Hub(services)
    app[HUB] = hub
    app.router.add_get("/healthz", healthz)
    for channel in channels:  # each decides from env whether it is on
        channel.mount(app, hub, env)
    app.cleanup_ctx.append(_background)
    return app


def run_server(services: Services, channels: Iterable[ModuleType], host: str = "127.0.0.1",
               port: int = 3978) -> None:
    app = build_app(services, channels)
    print(f"Policy Bot is running. Open http://{host}:{port}/ to chat as a sample member of staff.",
          flush=True)
    # access_log=None: bot.logging_setup writes one JSON line per request instead.
    web.run_app(app, host=host, port=port, print=None, shutdown_timeout=5, access_log=None)
