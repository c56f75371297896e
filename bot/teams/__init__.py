"""Microsoft Teams channel (Bot Framework). Every botbuilder import stays inside this package.

`mount(app, hub, env)` adds POST /api/messages and registers the Teams sender for proactive
delivery. Authentication is on whenever MicrosoftAppId is set; without it the endpoint takes
unauthenticated activities, as the Bot Framework Emulator sends them (local use only).
"""
from __future__ import annotations

import logging
from typing import Mapping

from aiohttp import web

log = logging.getLogger(__name__)

TEAMS_CHANNEL = web.AppKey("teams_channel", object)  # the TeamsChannel, for tests and benchmarks


def mount(app: web.Application, hub, env: Mapping[str, str]) -> None:
    from bot.teams.channel import TeamsChannel, TeamsSettings

    settings = TeamsSettings.from_env(env)
    try:
        channel = TeamsChannel(hub, settings)
    except Exception as problem:  # e.g. SingleTenant without a tenant id: say so, keep serving
        log.error("Teams channel is off: its configuration is incomplete (%s)", problem)
        return
    app[TEAMS_CHANNEL] = channel
    app.router.add_post("/api/messages", channel.handle_request)
    app.on_shutdown.append(channel.on_shutdown)
    hub.dispatcher.register(channel.sender)
    if settings.authenticated:
        log.info("Teams channel on at /api/messages (Bot Framework authentication on)")
    else:
        log.warning("Teams channel on at /api/messages WITHOUT authentication (Bot Framework "
                    "Emulator mode): set MicrosoftAppId and MicrosoftAppPassword before exposing it")

