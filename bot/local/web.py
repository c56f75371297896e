"""Local web chat at GET / (placeholder until the web chat lands)."""
from __future__ import annotations

from aiohttp import web


def mount(app: web.Application, hub) -> None:
    async def index(request: web.Request) -> web.Response:
        return web.Response(text="Policy Bot is running.", content_type="text/plain")

    app.router.add_get("/", index)
