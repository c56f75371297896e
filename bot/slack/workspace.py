"""Who is writing on Slack: requests from the school's own workspace only, and a person's email
(users.info) to link them to the school's roster."""
from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

SLACK_ERRORS = (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


class SchoolWorkspace:
    """The bolt middleware that lets in the school's workspace only."""

    def __init__(self, client: AsyncWebClient, workspaces: frozenset[str] = frozenset()):
        self.client = client
        # SLACK_TEAM_ID; when empty, the workspace of the bot token (auth.test says which, once).
        self.workspaces = workspaces
        self._token_workspace: tuple[str | None, str | None] | None = None  # (team id, enterprise id)
        self._workspace_lookup = asyncio.Lock()

    async def same_workspace(self, context, next):
        """Refuse a request from any workspace but the school's: a signing secret shared by an
        app installed elsewhere (or leaked with it) must not let another workspace's people in,
        and a user id means nothing outside its own workspace."""
        try:
            allowed = await self.from_school_workspace(context.team_id, context.enterprise_id)
        except SLACK_ERRORS as error:  # cannot tell yet: refuse for now (Slack retries events)
            log.warning("Slack request refused: auth.test failed (%s), so its workspace is unconfirmed",
                        type(error).__name__)
            return BoltResponse(status=503, body={"error": "Busy: please retry shortly."})
        if allowed:
            return await next()
        log.warning("Slack request from another workspace refused (nothing handled)")
        return BoltResponse(status=403, body={"error": "This app serves one Slack workspace only."})

    async def from_school_workspace(self, team: str | None, enterprise: str | None) -> bool:
        if self.workspaces:
            return team in self.workspaces
        token_team, token_enterprise = await self.token_workspace()
        if token_team:
            return team == token_team
        # An organisation-wide token (Enterprise Grid) has no single workspace: its organisation.
        return bool(token_enterprise) and enterprise == token_enterprise

    async def token_workspace(self) -> tuple[str | None, str | None]:
        """The bot token's own workspace (and organisation), from auth.test on the first request.

        Our own call rather than bolt's: bolt's client adds the request's team_id to it."""
        async with self._workspace_lookup:
            if self._token_workspace is None:
                found = await self.client.auth_test()
                self._token_workspace = (found.get("team_id") or None, found.get("enterprise_id") or None)
        return self._token_workspace


class EmailDirectory:
    """Email addresses from users.info, cached per user id; a failure is None, never an error."""

    def __init__(self, client: AsyncWebClient):
        self.client = client
        self._emails: dict[str, str | None] = {}
        self._lookups: dict[str, asyncio.Future] = {}

    async def email(self, user_id: str) -> str | None:
        if user_id in self._emails:
            return self._emails[user_id]
        # Two messages from one person at once share one users.info call.
        lookup = self._lookups.get(user_id)
        if lookup is None:
            lookup = self._lookups[user_id] = asyncio.ensure_future(self._look_up(user_id))
            lookup.add_done_callback(lambda _: self._lookups.pop(user_id, None))
        return await asyncio.shield(lookup)

    async def _look_up(self, user_id: str) -> str | None:
        try:
            found = await self.client.users_info(user=user_id)
        except SLACK_ERRORS as error:
            log.warning("users.info failed for a Slack user: %s", type(error).__name__)
            return None  # not cached: the next message tries again
        email = ((found.get("user") or {}).get("profile") or {}).get("email") or None
        self._emails[user_id] = email
        return email
