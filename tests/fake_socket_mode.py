"""A fake Slack Socket Mode endpoint on 127.0.0.1: a real websocket server that records every frame.

Slack's side of Socket Mode: the app calls `apps.connections.open` on the Web API, gets a
websocket URL, connects, is greeted with `hello`, then receives envelopes
`{"envelope_id", "type": "events_api"|"interactive"|"slash_commands", "payload",
"accepts_response_payload"}` and must answer each with `{"envelope_id": …}` (plus a `payload`
when it has something to say at once).

    with FakeSocketMode() as socket, FakeSlack(socket_mode_url=socket.url) as slack:
        ... start the bot ...                                 # apps.connections.open hands out socket.url
        await socket.wait_for_connections_async(1)
        envelope_id = socket.send_envelope("events_api", {...the event_callback body...})
        ack = await socket.wait_for_ack_async(envelope_id)    # the frame the bot sent back, or None
        socket.acked_after(envelope_id)                       # seconds from sending to the ack
    socket.send_raw("not json")                               # any text frame, as it is
    socket.close_connection()                                 # a close frame, as on Slack's restarts
    socket.send_disconnect()                                  # {"type": "disconnect"}: please reconnect

The server runs on its own thread and event loop, as Slack would be another machine: a bot that
blocks its own loop cannot hold up the fake, so ack times are measured as Slack would see them.
Works from sync and async tests alike.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import WSMsgType, web

LINK_PATH = "/link/"
SEND_TIMEOUT_SECONDS = 5.0


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
        self._lock = threading.Lock()
        self._envelope_numbers = itertools.count(1)
        self._sent_at: dict[str, float] = {}
        self._acked_at: dict[str, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> "FakeSocketMode":
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc) -> None:
        if self._loop is None:
            return
        self._run(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=SEND_TIMEOUT_SECONDS)
        self._loop.close()
        self._loop = None

    @property
    def url(self) -> str:
        # Slack hands out wss://wss-primary.slack.com/link/?ticket=…; slack_sdk takes ws:// as well.
        return f"ws://127.0.0.1:{self._port}{LINK_PATH}?ticket=fake-ticket"

    # --- what tests do ------------------------------------------------------------------------

    @property
    def current(self) -> Connection:
        """The newest open connection."""
        with self._lock:
            open_ones = [c for c in self.connections if c.open]
        if not open_ones:
            raise AssertionError("no open Socket Mode connection")
        return open_ones[-1]

    def send_envelope(self, kind: str, payload: Any, accepts_response_payload: bool | None = None,
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
        with self._lock:
            self._sent_at[envelope_id] = time.monotonic()
        self.send_raw(json.dumps(envelope))
        return envelope_id

    def send_raw(self, text: str | bytes) -> None:
        """Send a text frame (bytes: a binary frame) as it is."""
        websocket = self.current.websocket
        self._run(websocket.send_bytes(text) if isinstance(text, bytes) else websocket.send_str(text))

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's warning that this connection will end soon: the app should open a new one."""
        self.send_raw(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}))

    def close_connection(self) -> None:
        """Close the newest open connection from the server side, with a close frame."""
        self._run(self.current.websocket.close())

    # --- what tests read ----------------------------------------------------------------------

    def acks(self) -> list[dict]:
        with self._lock:
            return [frame for c in self.connections for frame in c.received
                    if isinstance(frame, dict) and "envelope_id" in frame]

    def ack_for(self, envelope_id: str) -> dict | None:
        found = [frame for frame in self.acks() if frame.get("envelope_id") == envelope_id]
        return found[0] if found else None

    def acked_after(self, envelope_id: str) -> float | None:
        """Seconds between sending the envelope and receiving its (first) ack."""
        with self._lock:
            if envelope_id not in self._acked_at:
                return None
            return self._acked_at[envelope_id] - self._sent_at[envelope_id]

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict | None:
        return _wait(lambda: self.ack_for(envelope_id), timeout)

    async def wait_for_ack_async(self, envelope_id: str, timeout: float = 5.0) -> dict | None:
        return await _wait_async(lambda: self.ack_for(envelope_id), timeout)

    def _connections_if(self, count: int) -> list[Connection] | None:
        with self._lock:
            if len(self.connections) >= count and self.connections[-1].open:
                return list(self.connections)
        return None

    def wait_for_connections(self, count: int = 1, timeout: float = 5.0) -> list[Connection]:
        """The connections once `count` have been opened and the newest is open (else all so far)."""
        return _wait(lambda: self._connections_if(count), timeout) or list(self.connections)

    async def wait_for_connections_async(self, count: int = 1, timeout: float = 5.0) -> list[Connection]:
        return await _wait_async(lambda: self._connections_if(count), timeout) or list(self.connections)

    # --- the server side (on the fake's own loop) ---------------------------------------------

    def _run(self, coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(SEND_TIMEOUT_SECONDS)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get(LINK_PATH, self._link)
        self._runner = web.AppRunner(app, shutdown_timeout=1, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        for connection in list(self.connections):
            await connection.websocket.close()
        await self._runner.cleanup()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse()  # answers the client's pings itself
        await websocket.prepare(request)
        with self._lock:
            connection = Connection(len(self.connections) + 1, dict(request.query), websocket)
            self.connections.append(connection)
            open_count = len([c for c in self.connections if c.open])
        await websocket.send_str(json.dumps({
            "type": "hello", "num_connections": open_count,
            "debug_info": {"host": "fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A1"}}))
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(message.data)
            except ValueError:
                frame = message.data
            with self._lock:
                connection.received.append(frame)
                if isinstance(frame, dict) and isinstance(frame.get("envelope_id"), str):
                    self._acked_at.setdefault(frame["envelope_id"], time.monotonic())
        return websocket


def _wait(found: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while (result := found()) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return result


async def _wait_async(found: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while (result := found()) is None and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return result
