"""Microsoft Teams channel (Bot Framework). Every botbuilder import stays inside this package.

`mount(app, hub, env)` adds POST /api/messages and registers the Teams sender for proactive
delivery. The channel is on only when MicrosoftAppId is set, and then every request needs a Bot
Framework token. Without it the route answers 404 and calls nothing, unless
POLICYBOT_TEAMS_EMULATOR=1 asks for the Bot Framework Emulator's token-free mode, which serves
callers on this computer alone (see bot/teams/guard.py).
"""
from __future__ import annotations

import logging
from typing import Mapping

from aiohttp import web

log = logging.getLogger(__name__)

TEAMS_CHANNEL = web.AppKey("teams_channel", object)  # the TeamsChannel, for tests and benchmarks
MESSAGES_PATH = "/api/messages"


async def channel_off(request: web.Request) -> web.Response:
    """Teams is off: no activity is read, no connector called, nothing stored."""
    return web.json_response({"error": "The Teams channel is off: MicrosoftAppId is not set."}, status=404)


def mount(app: web.Application, hub, env: Mapping[str, str]) -> None:
    from bot.teams.channel import TeamsChannel
    from bot.teams.settings import TeamsSettings

    settings = TeamsSettings.from_env(env)
    if not settings.on:
        app.router.add_post(MESSAGES_PATH, channel_off)
        log.info("Teams channel off: MicrosoftAppId is not set")
        return
    try:
        channel = TeamsChannel(hub, settings)
    except Exception as problem:  # e.g. SingleTenant without a tenant id: say so, keep serving
        log.error("Teams channel is off: its configuration is incomplete (%s)", problem)
        app.router.add_post(MESSAGES_PATH, channel_off)
        return
    app[TEAMS_CHANNEL] = channel
    app.router.add_post(MESSAGES_PATH, channel.handle_request)
    app.on_shutdown.append(channel.on_shutdown)
    hub.dispatcher.register(channel.sender)
    if settings.authenticated:
        if settings.emulator_requested:
            log.warning("POLICYBOT_TEAMS_EMULATOR is ignored: MicrosoftAppId is set, so every Teams "
                        "request needs a Bot Framework token")
        log.info("Teams channel on at %s (Bot Framework authentication on)", MESSAGES_PATH)
        if settings.tenants:
            log.info("Teams serves %d Microsoft 365 tenant(s) (POLICYBOT_TEAMS_TENANTS)", len(settings.tenants))
        else:
            log.warning("POLICYBOT_TEAMS_TENANTS is not set: any Microsoft 365 tenant that adds the app "
                        "can talk to the bot; list the school's own tenant id there")
    else:
        log.warning("!!! Teams channel on at %s WITHOUT authentication: Bot Framework Emulator mode "
                    "(POLICYBOT_TEAMS_EMULATOR=1). It answers only callers on this computer and a "
                    "serviceUrl on this computer, and links nobody by email. Never publish this "
                    "route; set MicrosoftAppId and MicrosoftAppPassword for real Teams. !!!", MESSAGES_PATH)
