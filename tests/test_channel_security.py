"""Attacks on the Teams and Slack doors, re-created over real HTTP on loopback; each is refused.

The prize in each is the DSL's roster record: whoever is linked to it reads every concern report.
The fakes: the Bot Connector (tests/fake_connector.py), which here lies that the sender is the DSL;
the Bot Framework's token service (tests/fake_bot_framework.py), whose keys the real botbuilder
validation code checks; Slack's Web API (tests/fake_slack.py). Each test also checks that nothing
was called and nothing stored, since a refusal that still looked the sender up would leak.
"""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app import build_app
from bot.teams import TEAMS_CHANNEL
from storage import reports as report_store
from storage.roster import accounts_of, link_account
from tests.fake_connector import FakeConnector
from tests.fake_slack import FakeSlack, signed_headers
from tests.test_review_security import _non_loopback_address
from tests.test_slack import dm_event, event_body, interactive_body
from tests.test_teams import APP_ID, AUTHED_ENV, EMULATOR_ENV, activity, start, turns_done
from tests.test_teams import issuer  # noqa: F401  (fixture: the fake Bot Framework, installed)

DSL, DSL_EMAIL = "shah", "p.shah@calmore.example.org"
ATTACKER_AAD = "00000000-0000-0000-0000-00000000bad1"
SCHOOL_TENANT = "3f1c2d4e-0000-4000-8000-5c4001000001"
CONFIDENTIAL = "Quokka-7731 says her stepdad hits her"


def claims_to_be_the_dsl(user_id: str) -> dict:
    """The connector's answer to "who is this member?": the DSL, whoever asked."""
    return {"id": user_id, "name": "Priya Shah", "aadObjectId": ATTACKER_AAD,
            "email": DSL_EMAIL, "userPrincipalName": DSL_EMAIL}


@pytest.fixture
def lying_connector():
    with FakeConnector(member=claims_to_be_the_dsl) as fake:
        yield fake


@pytest.fixture
def open_report(services) -> str:
    """A concern report on file: what the DSL's "open reports" would show."""
    report = report_store.create_report(
        services.db, short_code="CJS", year=services.now().year, reporter_id="clarke", reporter_name="Amy Clarke",
        category="child", urgent=False, routing="standard", content={"what": CONFIDENTIAL},
        now=services.now(), details_complete=True)
    return report["ref"]


def forged(connector: FakeConnector, text: str = "open reports", **fields) -> dict:
    return activity(connector, text, user_id="29:attacker", aad=ATTACKER_AAD, **fields)


async def send(server: TestServer, body: dict, headers: dict | None = None, via: str | None = None) -> int:
    url = f"{via}/api/messages" if via else server.make_url("/api/messages")
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=json.dumps(body).encode(),
                                headers={"Content-Type": "application/json", **(headers or {})}) as response:
            await response.read()
            return response.status


async def settle(server: TestServer) -> None:
    """Let any background turn run: a refusal must leave nothing to happen later either."""
    channel = server.app.get(TEAMS_CHANNEL)
    if channel is not None:
        await channel.drain()
    await asyncio.sleep(0.3)


def nothing_stored(services) -> None:
    db = services.db
    assert accounts_of(db, DSL) == {}
    assert db.execute("SELECT count(*) FROM platform_accounts WHERE platform = 'teams'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM conversation_refs").fetchone()[0] == 0


# --- Teams without MicrosoftAppId: off -------------------------------------------------------------

async def test_forged_activity_to_a_server_without_an_app_id_gets_404_and_calls_nothing(
        services, lying_connector, open_report):
    server = await start(services, {})
    try:
        assert await send(server, forged(lying_connector)) == 404
        await settle(server)
        assert TEAMS_CHANNEL not in server.app
    finally:
        await server.close()
    assert lying_connector.calls == []  # not asked who the sender is, not answered
    nothing_stored(services)


# --- the Bot Framework Emulator's mode: only when asked, only this computer ------------------------

async def test_emulator_mode_refuses_a_service_url_that_is_not_on_this_computer(services):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with FakeConnector(member=claims_to_be_the_dsl, host=address) as elsewhere:  # a connector "out there"
        server = await start(services, EMULATOR_ENV)
        try:
            assert await send(server, forged(elsewhere)) == 403
            far = forged(elsewhere, serviceUrl="https://smba.example.net/amer/")
            assert await send(server, far) == 403
            await settle(server)
        finally:
            await server.close()
        assert elsewhere.calls == []
    nothing_stored(services)


async def test_emulator_mode_refuses_callers_on_other_computers_and_through_a_proxy(services, lying_connector):
    address = _non_loopback_address()
    server = TestServer(build_app(services, env=EMULATOR_ENV), host="0.0.0.0")
    await server.start_server()
    try:
        if address is not None:
            assert await send(server, forged(lying_connector), via=f"http://{address}:{server.port}") == 403
        for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"},
                       {"X-Real-IP": "203.0.113.9"}):
            assert await send(server, forged(lying_connector), header,
                              via=f"http://127.0.0.1:{server.port}") == 403
        await settle(server)
    finally:
        await server.close()
    assert lying_connector.calls == []
    nothing_stored(services)


async def test_emulator_mode_links_nobody_by_email_only_by_the_rosters_teams_id(
        services, lying_connector, open_report):
    server = await start(services, EMULATOR_ENV)
    try:
        assert await send(server, forged(lying_connector)) == 202
        await turns_done(server)
        [reply] = lying_connector.wait_for(lambda call: call.is_reply)
        assert open_report not in reply.text
        assert lying_connector.calls_to("GET", "/v3/conversations") == []  # no member lookup at all
        assert accounts_of(services.db, DSL) == {}

        # The roster's teams_id column is what names a person in this mode.
        link_account(services.db, "teams", ATTACKER_AAD, DSL)
        lying_connector.clear()
        assert await send(server, forged(lying_connector)) == 202
        await turns_done(server)
        [reply] = lying_connector.wait_for(lambda call: call.is_reply)
        assert open_report in reply.text  # so the check above could have failed
    finally:
        await server.close()


# --- with MicrosoftAppId: the token vouches for the serviceUrl; the tenant must be the school's ---

async def test_token_whose_serviceurl_claim_names_another_connector_is_refused(services, issuer, lying_connector):
    """botbuilder's channel-token check refuses this as well (exact string compare); the bot's own
    check (normalised URLs, every kind of token) is the one the next test needs."""
    server = await start(services, AUTHED_ENV)
    try:
        token = issuer.bearer(APP_ID, service_url="https://smba.trafficmanager.net/emea/")
        assert await send(server, forged(lying_connector), {"Authorization": token}) == 401
        await settle(server)
    finally:
        await server.close()
    assert lying_connector.calls == []
    nothing_stored(services)


async def test_token_without_a_serviceurl_claim_is_refused(services, issuer, lying_connector):
    """botbuilder accepts an Emulator-shaped token (its own issuer, `appid`) without looking at the
    serviceUrl at all; the bot does not."""
    server = await start(services, AUTHED_ENV)
    try:
        assert await send(server, forged(lying_connector), {"Authorization": issuer.emulator_bearer(APP_ID)}) == 401
        await settle(server)
    finally:
        await server.close()
    assert lying_connector.calls == []
    nothing_stored(services)


async def test_activity_from_a_tenant_not_listed_is_refused(services, issuer, lying_connector):
    server = await start(services, {**AUTHED_ENV, "POLICYBOT_TEAMS_TENANTS": f"{SCHOOL_TENANT}, tenant-sister"})
    signed = {"Authorization": issuer.bearer(APP_ID, service_url=lying_connector.url)}
    try:
        foreign = forged(lying_connector)  # tenant-1: another organisation's Microsoft 365
        assert await send(server, foreign, signed) == 403
        untold = forged(lying_connector, channelData={},
                        conversation={"id": "a:conv-personal", "conversationType": "personal"})
        assert await send(server, untold, signed) == 403
        await settle(server)
        assert lying_connector.calls == []
        nothing_stored(services)

        # Without a token the answer is 401 whatever the tenant: the allow-list is not revealed.
        assert await send(server, foreign) == 401
        # The school's own tenant (any letter case) is served.
        school = forged(lying_connector, "hello", channelData={"tenant": {"id": SCHOOL_TENANT.upper()}})
        assert await send(server, school, signed) == 202
        await turns_done(server)
        lying_connector.wait_for(lambda call: call.is_reply)
    finally:
        await server.close()


async def answered_through(services, issuer, connector, body: dict) -> None:
    """A signed activity through a real server, answered at the connector."""
    server = await start(services, AUTHED_ENV)
    try:
        assert await send(server, body, {"Authorization": issuer.bearer(APP_ID, service_url=connector.url)}) == 202
        await turns_done(server)
        connector.wait_for(lambda call: call.is_reply)
    finally:
        await server.close()


async def test_connector_describing_a_different_member_links_nobody(services, issuer):
    """The member the connector describes must be the sender (same Entra object id)."""
    def someone_else(user_id: str) -> dict:
        return {**claims_to_be_the_dsl(user_id), "aadObjectId": "00000000-0000-0000-0000-0000000005a4"}

    with FakeConnector(member=someone_else) as connector:
        await answered_through(services, issuer, connector, forged(connector))
    assert accounts_of(services.db, DSL) == {}


async def test_an_email_in_the_activity_itself_is_never_used(services, issuer):
    with FakeConnector(member=lambda user_id: None) as connector:  # the connector does not know them
        body = forged(connector)
        body["from"].update(email=DSL_EMAIL, userPrincipalName=DSL_EMAIL)
        await answered_through(services, issuer, connector, body)
    assert accounts_of(services.db, DSL) == {}


async def test_an_email_that_is_a_roster_id_or_name_links_nobody(services, issuer):
    """Only a roster email matches: "shah" (an id) or "Priya Shah" (a name) from the connector do not."""
    for claimed in (DSL, "Priya Shah"):
        def member(user_id: str, claimed=claimed) -> dict:
            return {**claims_to_be_the_dsl(user_id), "email": claimed, "userPrincipalName": claimed}

        with FakeConnector(member=member) as connector:
            await answered_through(services, issuer, connector, forged(connector))
    assert accounts_of(services.db, DSL) == {}


# --- Slack: the school's workspace only -----------------------------------------------------------

SLACK_SECRET = "shared-signing-secret"
FOREIGN_TEAM = "T0ELSEWHERE"
DSL_SLACK_USER = "U0SHAH"


def foreign(body: bytes) -> bytes:
    return body.replace(b"T0SCHOOL", FOREIGN_TEAM.encode())


async def slack_server(services, slack: FakeSlack, **env) -> TestServer:
    server = TestServer(build_app(services, env={"SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_BOT_TOKEN": "xoxb-test",
                                                 "SLACK_API_URL": slack.api_url, **env}), host="127.0.0.1")
    await server.start_server()
    return server


async def post_slack(server: TestServer, body: bytes, content_type: str = "application/json") -> int:
    async with aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/slack/events"), data=body,
                                headers=signed_headers(SLACK_SECRET, body, content_type=content_type)) as response:
            await response.read()
            return response.status


async def test_slack_requests_from_another_workspace_are_refused_and_handle_nothing(services):
    """The signing secret is the app's, not the workspace's: an app installed in another workspace
    too (or its secret leaked with it) signs that workspace's requests just as well."""
    with FakeSlack(emails={DSL_SLACK_USER: DSL_EMAIL}) as slack:
        server = await slack_server(services, slack)
        try:
            event = foreign(event_body(dm_event("open reports", user=DSL_SLACK_USER, channel="D0SHAH"), "EvForeign1"))
            assert b"T0SCHOOL" not in event
            assert await post_slack(server, event) == 403
            click = {"type": "block_actions", "team": {"id": FOREIGN_TEAM}, "api_app_id": "A1",
                     "user": {"id": DSL_SLACK_USER, "team_id": FOREIGN_TEAM}, "trigger_id": "trigger-1",
                     "channel": {"id": "D0SHAH"}, "container": {"type": "message", "channel_id": "D0SHAH"},
                     "actions": [{"type": "button", "action_id": "report.open#0", "value": "{}"}]}
            assert await post_slack(server, interactive_body(click), "application/x-www-form-urlencoded") == 403
            command = ("token=t&team_id=" + FOREIGN_TEAM + "&channel_id=D0SHAH&channel_name=directmessage"
                       "&user_id=" + DSL_SLACK_USER + "&command=%2Fpolicy&text=open+reports&trigger_id=t1"
                       "&response_url=" + slack.response_url()).encode()
            assert await post_slack(server, command, "application/x-www-form-urlencoded") == 403
            await asyncio.sleep(0.5)  # bolt's listeners run after the ack: give them the chance
            assert {call.method for call in slack.calls} <= {"auth.test"}

            # The school's own workspace is served as before (so the refusals above can fail).
            assert await post_slack(server, event_body(dm_event("hello", user=DSL_SLACK_USER, channel="D0SHAH"),
                                                       "EvSchool1")) == 200
            await slack.wait_for_async("chat.postMessage")
        finally:
            await server.close()
    assert services.db.execute("SELECT count(*) FROM processed_events WHERE event_id LIKE '%EvForeign%'").fetchone()[0] == 0


async def test_slack_team_id_setting_names_the_workspace(services):
    """SLACK_TEAM_ID, when set, is the workspace served, whatever auth.test says."""
    with FakeSlack(emails={DSL_SLACK_USER: DSL_EMAIL}) as slack:
        server = await slack_server(services, slack, SLACK_TEAM_ID=FOREIGN_TEAM)
        try:
            assert await post_slack(server, event_body(dm_event("hello", user=DSL_SLACK_USER), "EvSchool2")) == 403
            await asyncio.sleep(0.3)
            assert not [call for call in slack.calls if call.method == "chat.postMessage"]
            assert await post_slack(server, foreign(event_body(dm_event("hello", user=DSL_SLACK_USER),
                                                               "EvNamed1"))) == 200
            await slack.wait_for_async("chat.postMessage")
        finally:
            await server.close()


# --- the comparisons themselves --------------------------------------------------------------------

@pytest.mark.parametrize("claimed, activity_url, vouched", [
    ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/emea/", True),
    ("https://smba.trafficmanager.net/emea", "https://SMBA.trafficmanager.net/emea/", True),
    ("https://smba.trafficmanager.net:443/emea/", "https://smba.trafficmanager.net/emea", True),
    ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net/amer/", False),
    ("https://smba.trafficmanager.net/emea/", "http://smba.trafficmanager.net/emea/", False),
    ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net.evil.example/emea/", False),
    ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net:8443/emea/", False),
    ("https://smba.trafficmanager.net/emea/", "https://smba.trafficmanager.net:notaport/emea/", False),
    (None, "https://smba.trafficmanager.net/emea/", False),
])
def test_serviceurl_claim_comparison(claimed, activity_url, vouched):
    from bot.teams.guard import service_url_vouched

    claims = {} if claimed is None else {"serviceurl": claimed}
    assert service_url_vouched(claims, activity_url) is vouched


@pytest.mark.parametrize("url, local", [
    ("http://127.0.0.1:3978/", True), ("http://localhost:9000", True), ("http://[::1]:9000/", True),
    ("http://127.0.0.53/", True), ("https://smba.trafficmanager.net/emea/", False),
    ("http://127.0.0.1.nip.io/", False), ("http://192.0.2.2:3978/", False), ("ftp://127.0.0.1/", False),
    ("http://user@evil.example#@127.0.0.1/", False), ("http://127.0.0.1:bad/", False),
])
def test_loopback_service_url(url, local):
    from bot.teams.guard import is_loopback_url

    assert is_loopback_url(url) is local


async def test_without_an_allow_list_the_apps_own_tenant_is_the_only_one_served(services, issuer, lying_connector):
    server = await start(services, {**AUTHED_ENV, "MicrosoftAppTenantId": SCHOOL_TENANT})
    signed = {"Authorization": issuer.bearer(APP_ID, service_url=lying_connector.url)}
    try:
        assert await send(server, forged(lying_connector), signed) == 403  # tenant-1: not the school's
        await settle(server)
        assert lying_connector.calls == []
        nothing_stored(services)
    finally:
        await server.close()
