"""Microsoft Teams through the Bot Framework: the HTTP endpoint, the turns it runs, who is writing.

Every botbuilder import of the project lives in bot/teams: the Python Bot Framework SDK is
archived upstream (its successor is the Microsoft 365 Agents SDK), and a later move must touch
this package only.

    POST /api/messages  -> parse + authenticate (401 on any failure) -> the token's serviceurl
                           claim must name the activity's serviceUrl (401) -> the tenant must be
                           on POLICYBOT_TEAMS_TENANTS when that is set (403) -> 202 at once
                        -> the turn runs in the background (in order per conversation):
                           Incoming -> hub.handle -> each Reply as an Adaptive Card
With MicrosoftAppId set every request needs a Bot Framework token. Without it the channel is off
(bot/teams/__init__.py), unless POLICYBOT_TEAMS_EMULATOR=1 asks for the Bot Framework Emulator's
mode: no tokens, so only callers on this computer with a serviceUrl on this computer, and nobody is
ever linked to the roster by email (the roster's teams_id column alone says who they are).

The parts: settings (env names, reused connectors), activities (reading one, a Reply as one), turn
(the bot's turn), sending (replies and proactive messages), and cards, closing, file_consent, files.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes

from bot.teams import closing
from bot.teams import guard
from bot.teams.activities import PLATFORM, activity_tenant, is_personal, reference_of, user_key
from bot.teams.sending import TeamsSender
from bot.teams.settings import ReusingAuthentication, TeamsSettings
from bot.teams.turn import PolicyBot
from domain.messages import Reply
# Teams' own bookkeeping, not the bot's: the conversation references proactive messages need
# (Bot Framework hands them over on each turn). Nothing a handler decides is read or written here.
from storage import conversation_refs

log = logging.getLogger(__name__)

# Bot Framework activities are a few KB; anything near this is not a real activity.
MAX_ACTIVITY_BYTES = 256 * 1024
# Turns running in the background at once; beyond this a request waits for its own turn
# (back-pressure on the caller instead of an unbounded queue).
MAX_BACKGROUND_TURNS = 64
EMAIL_CACHE_SIZE = 1000


class TeamsChannel:
    def __init__(self, hub, settings: TeamsSettings):
        self.hub = hub
        self.settings = settings
        self.auth = ReusingAuthentication(ConfigurationBotFrameworkAuthentication(settings))
        self.adapter = CloudAdapter(self.auth)
        self.bot = PolicyBot(self)
        self.sent_cards = closing.SentCards()  # cards with buttons, to close them once decided
        self.sender = TeamsSender(hub, self.adapter, settings, self.sent_cards)
        self._turns: set[asyncio.Task] = set()
        self._conversation_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._emails: OrderedDict[tuple[str, str], str | None] = OrderedDict()

    @property
    def db(self):
        return self.hub.services.db

    # --- HTTP ---------------------------------------------------------------------------------

    async def handle_request(self, request: web.Request) -> web.StreamResponse:
        """POST /api/messages: anything malformed is a 4xx; any authentication failure a 401;
        a caller or tenant this bot does not serve a 403. Nothing is called before all pass."""
        if self.settings.emulator and not (guard.is_loopback_address(request.remote)
                                           and not guard.came_through_proxy(request.headers)):
            log.warning("teams: emulator mode refused a caller that is not on this computer")
            return _error(403, "the Bot Framework Emulator's mode serves only this computer")
        if request.content_type != "application/json":
            return _error(415, "expected Content-Type: application/json")
        if request.content_length is not None and request.content_length > MAX_ACTIVITY_BYTES:
            return _error(413, "activity too large")
        body = await request.content.read(MAX_ACTIVITY_BYTES + 1)
        if len(body) > MAX_ACTIVITY_BYTES:
            return _error(413, "activity too large")
        try:
            activity = Activity().deserialize(json.loads(body))
        except Exception:  # bad JSON, not an object, or fields of the wrong shape
            return _error(400, "the body is not a Bot Framework activity")
        if (activity is None or not activity.type or not activity.service_url
                or not (activity.conversation and activity.conversation.id)):  # None: the body was `null`
            return _error(400, "an activity needs type, serviceUrl and conversation")
        if not str(activity.service_url).startswith(("https://", "http://")):
            return _error(400, "serviceUrl must be an http(s) URL")
        if self.settings.emulator and not guard.is_loopback_url(activity.service_url):
            log.warning("teams: emulator mode refused an activity whose serviceUrl is not on this computer")
            return _error(403, "in the Bot Framework Emulator's mode the serviceUrl must be on this computer")
        try:
            authenticated = await self.auth.authenticate_request(
                activity, request.headers.get("Authorization", ""))
        except Exception as failure:  # PermissionError, jwt errors, unreachable metadata: all a refusal
            log.info("teams: refused an activity (%s)", type(failure).__name__)
            return _error(401, "unauthorized")
        if self.settings.authenticated and not guard.service_url_vouched(
                getattr(authenticated.claims_identity, "claims", None), activity.service_url):
            # botbuilder checks this claim for channel tokens only; every token must name the URL.
            log.warning("teams: refused an activity whose serviceUrl its token does not name")
            return _error(401, "unauthorized")
        if not guard.tenant_allowed(self.settings.tenants, activity_tenant(activity)):
            log.warning("teams: refused an activity from a tenant not on POLICYBOT_TEAMS_TENANTS")
            return _error(403, "this bot does not serve that Microsoft 365 tenant")

        if activity.type == ActivityTypes.invoke or activity.delivery_mode == DeliveryModes.expect_replies:
            # The caller needs the turn's result in this response.
            result = await self._run_turn(authenticated, activity)
            if result is not None:
                return web.json_response(result.body, status=result.status)
            return web.Response(status=200)
        if len(self._turns) >= MAX_BACKGROUND_TURNS:
            await self._run_turn(authenticated, activity)  # back-pressure: the caller waits
        else:
            self._start_turn(authenticated, activity)
        return web.Response(status=202)

    def _start_turn(self, authenticated, activity: Activity) -> None:
        task = asyncio.create_task(self._run_turn(authenticated, activity))
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)

    async def _run_turn(self, authenticated, activity: Activity):
        """One turn, after the previous one in the same conversation (answers stay in order)."""
        conversation = activity.conversation.id
        lock, users = self._conversation_locks.get(conversation, (asyncio.Lock(), 0))
        self._conversation_locks[conversation] = (lock, users + 1)
        try:
            async with lock:
                return await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            log.exception("teams: turn failed (activity type %s)", activity.type)
            return None
        finally:
            lock, users = self._conversation_locks[conversation]
            if users <= 1:
                del self._conversation_locks[conversation]
            else:
                self._conversation_locks[conversation] = (lock, users - 1)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for turns under way (at shutdown, and in tests)."""
        if self._turns:
            await asyncio.wait(set(self._turns), timeout=timeout)

    async def on_shutdown(self, app: web.Application) -> None:
        await self.drain(timeout=5.0)
        for task in list(self._turns):
            task.cancel()

    # --- references and identity -----------------------------------------------------------

    async def person_of(self, turn_context: TurnContext, key: str):
        person = self.hub.identify(PLATFORM, key)
        if person is None and self.settings.authenticated:
            # Only a connector that the token vouched for is asked for an email. In the
            # Emulator's mode nobody is linked by email: the roster's teams_id alone names them.
            person = self.hub.identify(PLATFORM, key, await self.email_of(turn_context))
        return person

    def remember(self, activity: Activity) -> None:
        """Keep the conversation reference of everyone who writes to the bot, for proactive sends."""
        sender = activity.from_property
        key = user_key(sender)
        if not key or (activity.recipient and sender.id == activity.recipient.id):
            return
        if activity.type not in (ActivityTypes.message, ActivityTypes.conversation_update,
                                 ActivityTypes.installation_update):
            return
        reference = reference_of(activity)
        # Proactive messages start a new thread rather than answer this one message.
        reference.activity_id = None
        conversation_refs.save(self.db, PLATFORM, key, reference.serialize(),
                               personal=is_personal(activity.conversation))

    async def email_of(self, turn_context: TurnContext) -> str | None:
        """The sender's email as the connector reports it, to link them to the school's roster.

        Called only once the token has vouched for the connector (its serviceurl claim); an email
        or UPN in the activity itself is never used. The member the connector describes must be
        the sender: same Entra object id when both are known."""
        sender = turn_context.activity.from_property
        cache_key = (turn_context.activity.service_url, sender.id)
        if cache_key in self._emails:
            return self._emails[cache_key]
        try:
            member = await TeamsInfo.get_member(turn_context, sender.id)
        except Exception as failure:  # not fatal: they are answered as someone not on the roster
            log.info("teams: member lookup failed (%s)", type(failure).__name__)
            return None
        described = getattr(member, "aad_object_id", None)
        if sender.aad_object_id and described and described.lower() != sender.aad_object_id.lower():
            log.warning("teams: the connector described another member than the sender; not linked")
            return None
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", None)
        self._emails[cache_key] = email
        if len(self._emails) > EMAIL_CACHE_SIZE:
            self._emails.popitem(last=False)
        return email

    async def connector_token(self, turn_context: TurnContext) -> str | None:
        """The bot's own token for the connector this turn came from (None in the Emulator's mode,
        which has no credentials): what an attachment's contentUrl on that connector needs."""
        if not self.settings.authenticated:
            return None
        client = turn_context.turn_state.get(self.adapter.BOT_CONNECTOR_CLIENT_KEY)
        credentials = getattr(getattr(client, "config", None), "credentials", None)
        try:
            token = credentials.get_access_token() if credentials is not None else None
            if asyncio.iscoroutine(token):
                token = await token
            return token or None
        except Exception as failure:  # no token: the file is then refused by the connector, and said so
            log.info("teams: no connector token for an attachment (%s)", type(failure).__name__)
            return None

    def welcome(self, personal: bool) -> Reply:
        school = self.hub.services.config.school
        how = "Just type a question here." if personal else "Mention me (@Policy Bot) with your question."
        return Reply(
            title="Hello, I'm Policy Bot",
            text=(f"I help everyone at {school} use social media safely, using the school's own "
                  f"social media policy. {how}\n\nTry: *Can I accept a friend request from a "
                  f"parent?* You can also submit a post draft for approval, report a concern to "
                  f"the DSL, or check your training. Type *help* for more."),
            notes=["Concern reports are only ever discussed with you in a private chat."])


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)

