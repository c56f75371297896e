"""The fake Bot Framework stays trustworthy across a test run: botbuilder caches the signing keys it
fetched for the whole process, keyed by metadata URL, so a fake that the OS happens to give an
earlier fake's port must still have its own tokens accepted (else a Teams test sees a 401 it never
checked, and then no reply at the connector)."""
from __future__ import annotations

import pytest

from tests.fake_bot_framework import FakeBotFramework
from tests.fake_connector import FakeConnector
from tests.test_teams import AUTHED_ENV, FRIEND_QUESTION, activity, post, start, turns_done


async def answered_with_a_fake_on(services, connector: FakeConnector, port: int = 0) -> tuple[int, int]:
    """One signed question through a fresh server and a fresh fake; (the fake's port, the status)."""
    with pytest.MonkeyPatch.context() as monkeypatch, FakeBotFramework(port=port) as issuer:
        issuer.install(monkeypatch)
        server = await start(services, AUTHED_ENV)
        server.issuer = issuer
        try:
            status, _ = await post(server, activity(connector, FRIEND_QUESTION))
            await turns_done(server)
        finally:
            await server.close()
        return issuer.server.server_address[1], status


async def test_a_fake_given_an_earlier_fakes_port_is_still_trusted(services):
    with FakeConnector() as connector:
        port, first = await answered_with_a_fake_on(services, connector)
        _, again = await answered_with_a_fake_on(services, connector, port)
        assert (first, again) == (202, 202)
        connector.wait_for(lambda call: call.is_reply, count=2)
