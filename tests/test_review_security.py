"""Findings of the security and correctness review, each pinned by a test that failed before its fix.

Real SQLite files, the real server on real sockets, the fake Slack Web API from tests/fake_slack.py.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import socket

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import app as composition
from bot.logging_setup import configure_logging
from bot.server import HUB, build_app
from handlers.messages import Incoming, Notification, Reply
from tests.fake_slack import FakeSlack, signed_headers

SECRET = "review-signing-secret"
CONFIDENTIAL = "Quokka-7731 says her stepdad hits her"


def _non_loopback_address() -> str | None:
    """An address of this machine that is not 127.0.0.1 (what another computer would connect to)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


# --- the local web chat speaks as anyone: it must answer this computer only ---------------------

async def test_local_web_chat_refuses_other_computers_even_when_the_server_listens_on_all(services):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    server = TestServer(build_app(services, env={}), host="0.0.0.0")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://{address}:{server.port}"
            async with session.post(f"{base}/local/messages", json={"person": "shah", "text": "open reports"}) as r:
                assert r.status == 403
                assert "this computer" in (await r.json())["error"]
            async with session.get(f"{base}/local/people") as r:
                assert r.status == 403
            async with session.get(f"{base}/local/inbox", params={"person": "shah"}) as r:
                assert r.status == 403
            async with session.get(f"{base}/healthz") as r:  # the other channels are not affected
                assert r.status == 200
            # From this computer it still works.
            async with session.post(f"http://127.0.0.1:{server.port}/local/messages",
                                    json={"person": "clarke", "text": "help"}) as r:
                assert r.status == 200
    finally:
        await server.close()


async def test_local_web_chat_refuses_requests_relayed_by_a_proxy(services):
    server = TestServer(build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"},
                           {"X-Real-IP": "203.0.113.9"}):
                async with session.post(server.make_url("/local/messages"), headers=header,
                                        json={"person": "shah", "text": "open reports"}) as r:
                    assert r.status == 403, header
    finally:
        await server.close()
