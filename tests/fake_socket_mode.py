"""A fake Slack Socket Mode endpoint on 127.0.0.1: a real websocket server that records every frame.

Slack's side of Socket Mode: the app calls `apps.connections.open` on the Web API, gets a
websocket URL, connects, is greeted with `hello`, then receives envelopes
`{"envelope_id", "type": "events_api"|"interactive"|"slash_commands", "payload",
"accepts_response_payload"}` and must answer each with `{"envelope_id": …}` (plus a `payload`
when it has something to say at once).

    socket = FakeSocketMode()
    await socket.start()                                      # ws://127.0.0.1:<port>/link/
    with FakeSlack(socket_mode_url=socket.url) as slack:      # apps.connections.open hands it out
        ... start the bot ...
        await socket.wait_for_connections(1)
        envelope_id = await socket.send_envelope("events_api", {...the event_callback body...})
        ack = await socket.wait_for_ack(envelope_id)          # the frame the bot sent back, or None
    await socket.send_raw("not json")                         # any text frame, as it is
    await socket.close_connection()                           # a close frame, as on Slack's restarts
    await socket.send_disconnect()                            # {"type": "disconnect"}: please reconnect
    await socket.stop()

Runs on the test's own event loop (async tests only).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

LINK_PATH = "/link/"


@dataclass
class Connection:
    number: int  # 1 for the first connection, 2 for the one after a reconnect, …
    query: dict[str, str]
    websocket: web.WebSocketResponse
    received: list[Any] = field(default_factory=list)  # parsed JSON frames, or the raw text

    @property
    def open(self) -> bool:
        return not self.websocket.closed


class FakeSocketMode:
    def __init__(self):
        self.connections: list[Connection] = []
        self._envelope_numbers = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> "FakeSocketMode":
        app = web.Application()
        app.router.add_get(LINK_PATH, self._link)
        self._runner = web.AppRunner(app, shutdown_timeout=1, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        for connection in self.connections:
            await connection.websocket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        # Slack hands out wss://wss-primary.slack.com/link/?ticket=…; slack_sdk takes ws:// as well.
        return f"ws://127.0.0.1:{self._port}{LINK_PATH}?ticket=fake-ticket"

    # --- what tests do ------------------------------------------------------------------------

    @property
    def current(self) -> Connection:
        open_ones = [c for c in self.connections if c.open]
        if not open_ones:
            raise AssertionError("no open Socket Mode connection")
        return open_ones[-1]

    async def send_envelope(self, kind: str, payload: Any, accepts_response_payload: bool | None = None,
                            **extra) -> str:
        """Send one envelope on the newest open connection; returns its envelope_id."""
        envelope_id = f"env-{next(self._envelope_numbers):04d}"
        if accepts_response_payload is None:
            accepts_response_payload = kind == "slash_commands"  # as Slack sets it
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, **extra}
        if kind == "events_api":
            envelope.setdefault("retry_attempt", 0)
            envelope.setdefault("retry_reason", "")
        await self.current.websocket.send_str(json.dumps(envelope))
        return envelope_id

    async def send_raw(self, text: str) -> None:
        await self.current.websocket.send_str(text)

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's polite warning that this connection will end: the app should open a new one."""
        await self.current.websocket.send_str(json.dumps({"type": "disconnect", "reason": reason,
                                                          "debug_info": {"host": "fake"}}))

    async def close_connection(self) -> None:
        """Close the newest open connection from the server side, with a close frame."""
        await self.current.websocket.close()

    # --- what tests read ----------------------------------------------------------------------

    def acks(self) -> list[dict]:
        return [frame for c in self.connections for frame in c.received
                if isinstance(frame, dict) and "envelope_id" in frame]

    def ack_for(self, envelope_id: str) -> dict | None:
        found = [frame for frame in self.acks() if frame.get("envelope_id") == envelope_id]
        return found[0] if found else None

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ack = self.ack_for(envelope_id)
            if ack is not None:
                return ack
            await asyncio.sleep(0.01)
        return self.ack_for(envelope_id)

    async def wait_for_connections(self, count: int = 1, timeout: float = 5.0) -> list[Connection]:
        """The connections once at least `count` have been opened and the newest is open."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.connections) >= count and self.connections[-1].open:
                return list(self.connections)
            await asyncio.sleep(0.01)
        return list(self.connections)

    # --- the server side ----------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse()  # answers the client's pings itself
        await websocket.prepare(request)
        connection = Connection(len(self.connections) + 1, dict(request.query), websocket)
        self.connections.append(connection)
        await websocket.send_str(json.dumps({
            "type": "hello", "num_connections": len([c for c in self.connections if c.open]),
            "debug_info": {"host": "fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A1"}}))
        async for message in websocket:
            if message.type == WSMsgType.TEXT:
                try:
                    connection.received.append(json.loads(message.data))
                except ValueError:
                    connection.received.append(message.data)
        return websocket
