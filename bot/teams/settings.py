"""The Teams channel's settings (the Bot Framework's environment names) and the authentication
botbuilder is given, with its HTTP clients built once and reused."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping

from botbuilder.schema import Activity
from botframework.connector.auth import BotFrameworkAuthentication, ConnectorFactory

from bot.teams import guard

CONNECTOR_CACHE_SIZE = 64  # service URLs: Teams uses a handful per region


@dataclass(frozen=True)
class TeamsSettings:
    """The configuration object botbuilder reads (APP_ID, ...), from the Bot Framework's env names."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""
    emulator_requested: bool = False  # POLICYBOT_TEAMS_EMULATOR=1
    tenants: frozenset[str] = frozenset()  # POLICYBOT_TEAMS_TENANTS; empty: any tenant

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "TeamsSettings":
        return cls(APP_ID=(env.get("MicrosoftAppId") or "").strip(),
                   APP_PASSWORD=env.get("MicrosoftAppPassword") or "",
                   APP_TYPE=(env.get("MicrosoftAppType") or "MultiTenant").strip(),
                   APP_TENANTID=(env.get("MicrosoftAppTenantId") or "").strip(),
                   emulator_requested=(env.get("POLICYBOT_TEAMS_EMULATOR") or "").strip().lower()
                   in ("1", "true", "yes"),
                   # Unset, the app's own tenant (MicrosoftAppTenantId) is the safe default.
                   tenants=guard.parse_tenants(env.get("POLICYBOT_TEAMS_TENANTS") or env.get("MicrosoftAppTenantId")))

    @property
    def authenticated(self) -> bool:
        return bool(self.APP_ID)

    @property
    def emulator(self) -> bool:
        """The Emulator's token-free mode: only when asked for, and never beside an app id."""
        return self.emulator_requested and not self.authenticated

    @property
    def on(self) -> bool:
        return self.authenticated or self.emulator


class _ReusedConnectors(ConnectorFactory):
    """Hands out one ConnectorClient per (service URL, audience) instead of one per turn."""

    def __init__(self, owner: "ReusingAuthentication", inner: ConnectorFactory):
        self.owner, self.inner = owner, inner

    async def create(self, service_url: str, audience: str):
        cache, key = self.owner.connectors, (service_url, audience)
        client = cache.get(key)
        if client is None:
            client = await self.inner.create(service_url, audience)
            _skip_empty_validation(client)
            cache[key] = client
            if len(cache) > CONNECTOR_CACHE_SIZE:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return client


def _skip_empty_validation(client) -> None:
    """msrest walks every outgoing activity (the card's content included) checking the models'
    `_validation` rules: about a fifth of the CPU of a reply. No Bot Framework schema model has
    such a rule, so the walk cannot fail; it is skipped only while that stays true."""
    serializer = getattr(client, "_serialize", None)
    models = getattr(serializer, "dependencies", None)
    if models and not any(getattr(model, "_validation", None) for model in models.values()):
        serializer.client_side_validation = False


class ReusingAuthentication(BotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication, with its HTTP clients built once and reused.

    botbuilder builds a new ConnectorClient and user-token client on every turn; each costs
    about 15 ms of CPU in msrest (its retry policy set-up) and a fresh TCP connection, which
    caps a 2-core server at a few dozen turns a second. This bot has one app id and no skills,
    so reusing them (as the older BotFrameworkAdapter did) is safe; credentials refresh their
    own tokens.
    """

    def __init__(self, inner: BotFrameworkAuthentication):
        self.inner = inner
        self.connectors: OrderedDict[tuple, Any] = OrderedDict()
        self._user_token_client = None

    async def authenticate_request(self, activity: Activity, auth_header: str):
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _ReusedConnectors(self, result.connector_factory)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str):
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity):
        return _ReusedConnectors(self, self.inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity):
        if self._user_token_client is None:
            self._user_token_client = await self.inner.create_user_token_client(claims_identity)
        return self._user_token_client

    def create_bot_framework_client(self):
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str):
        return await self.inner.authenticate_channel_request(auth_header)
