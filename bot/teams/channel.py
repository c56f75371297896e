"""Microsoft Teams through the Bot Framework: the HTTP endpoint, the bot's turn, proactive sends.

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
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import unquote, urlsplit

from aiohttp import web
from botbuilder.core import ActivityHandler, CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import BotFrameworkAuthentication, ConnectorFactory
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    DeliveryModes,
)

from bot.delivery import DeliveryError, retry_after_seconds
from bot.teams import closing
from bot.teams import file_consent
from bot.teams import files as teams_files
from bot.teams import guard
from bot.teams.cards import reply_to_card, submitted_action
from bot.teams.images import with_thumbnails
from domain.messages import Incoming, Notification, Reply
# Teams' own bookkeeping, not the bot's: the conversation references proactive messages need
# (Bot Framework hands them over on each turn). Nothing a handler decides is read or written here.
from storage import conversation_refs
from handlers.faults import STORAGE_FAULTS

log = logging.getLogger(__name__)

PLATFORM = "teams"
# Bot Framework activities are a few KB; anything near this is not a real activity.
MAX_ACTIVITY_BYTES = 256 * 1024
# Turns running in the background at once; beyond this a request waits for its own turn
# (back-pressure on the caller instead of an unbounded queue).
MAX_BACKGROUND_TURNS = 64
EMAIL_CACHE_SIZE = 1000
CONNECTOR_CACHE_SIZE = 64  # service URLs: Teams uses a handful per region
THROTTLED_CONVERSATIONS_KEPT = 1000
CONVERSATION_IN_URL = re.compile(r"/v3/conversations/(?P<conversation>[^/]+)/")
MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
PRIVATE_NOTE = "I've sent you the details in a private chat."


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


def card_activity(reply: Reply) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(reply_to_card(reply)))
    stored = reply.data.get("file")
    if reply.private and isinstance(stored, dict):
        # Private replies reach only the person's 1:1 chat, where Teams takes files: ask their leave.
        activity.attachments.append(file_consent.consent_attachment(stored))
    return activity


def user_key(account: ChannelAccount | None) -> str | None:
    """The id we know a Teams user by: the stable Entra (AAD) object id, else the channel id."""
    if account is None:
        return None
    return account.aad_object_id or account.id


def is_personal(conversation: ConversationAccount | None) -> bool:
    """A 1:1 chat with the bot. The Emulator sends no conversationType for its 1:1 chats."""
    if conversation is None:
        return False
    if conversation.conversation_type:
        return conversation.conversation_type == "personal"
    return not conversation.is_group


def message_text(activity: Activity) -> str:
    """What the person typed, without the @mention of the bot (Teams wraps it in <at>…</at>)."""
    return MENTION.sub("", activity.text or "").replace("&nbsp;", " ").strip()


def attachment_names(activity: Activity) -> tuple[str, ...]:
    names = []
    for attachment in activity.attachments or []:
        if attachment.content_type in ("text/html", "application/vnd.microsoft.card.adaptive"):
            continue  # Teams' own HTML copy of the text, or a card: not a file
        names.append(attachment.name or attachment.content_url or attachment.content_type or "attachment")
    return tuple(names)


def tenant_of(reference: ConversationReference) -> str | None:
    return reference.conversation.tenant_id if reference.conversation else None


def activity_tenant(activity: Activity) -> str | None:
    """The Microsoft 365 tenant. Teams sends it in channelData; botbuilder's schema drops
    conversation.tenantId (it expects "tenantID")."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") if isinstance(channel_data.get("tenant"), dict) else {}
    return tenant.get("id") or (activity.conversation.tenant_id if activity.conversation else None)


def reference_of(activity: Activity) -> ConversationReference:
    """Where to reach this conversation again, tenant included."""
    reference = TurnContext.get_conversation_reference(activity)
    if reference.conversation is not None and not reference.conversation.tenant_id:
        reference.conversation.tenant_id = activity_tenant(activity)
    return reference


class PolicyBot(ActivityHandler):
    """Behaviour only: turn Teams activities into Incoming messages and answer with cards."""

    def __init__(self, channel: "TeamsChannel"):
        self.channel = channel
        self.hub = channel.hub

    async def on_turn(self, turn_context: TurnContext):
        try:
            self.channel.remember(turn_context.activity)
        except STORAGE_FAULTS as error:  # kept on their next message; this one still gets its answer
            log.warning("teams: conversation reference not saved: %s", type(error).__name__)
        await super().on_turn(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext):
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        personal = is_personal(turn_context.activity.conversation)
        for member in members_added:
            if member.id == bot_id:
                continue
            await turn_context.send_activity(card_activity(self.channel.welcome(personal)))

    async def on_invoke_activity(self, turn_context: TurnContext):
        if turn_context.activity.name == file_consent.INVOKE_NAME:
            await self.channel.file_consent(turn_context)
            return InvokeResponse(status=200)
        return await super().on_invoke_activity(turn_context)

    async def on_message_activity(self, turn_context: TurnContext):
        activity = turn_context.activity
        key = user_key(activity.from_property)
        if not key:
            return
        action, value = (None, {})
        if activity.value is not None:
            action, value = submitted_action(activity.value)
            if action is None and not (activity.text or "").strip():
                await turn_context.send_activity(card_activity(Reply(
                    "I couldn't read that card. Type *help* to see what I can do.")))
                return
        person = await self.channel.person_of(turn_context, key)
        files = ()
        if not action and attachment_names(activity):
            files = await teams_files.fetch_files(activity.attachments, activity.service_url,
                                                  await self.channel.connector_token(turn_context))
        incoming = Incoming(
            channel=PLATFORM, platform_user_id=key, text="" if action else message_text(activity),
            person=person, conversation_id=activity.conversation.id,
            private=is_personal(activity.conversation), action=action, value=value,
            attachments=attachment_names(activity), files=files)
        replies = await self.hub.handle(incoming)
        await self.channel.send_replies(turn_context, incoming, replies)
        if action:
            await closing.close_decided(turn_context, self.channel.sent_cards, replies)


class TeamsChannel:
    def __init__(self, hub, settings: TeamsSettings):
        self.hub = hub
        self.settings = settings
        self.auth = ReusingAuthentication(ConfigurationBotFrameworkAuthentication(settings))
        self.adapter = CloudAdapter(self.auth)
        self.bot = PolicyBot(self)
        self.sender = TeamsSender(self)
        self._turns: set[asyncio.Task] = set()
        self._conversation_locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._emails: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        # Conversation id -> end of the connector's Retry-After. Teams limits each bot per
        # conversation, so only that conversation waits; nothing is sent to it before then.
        self._throttled: OrderedDict[str, datetime] = OrderedDict()
        self.sent_cards = closing.SentCards()  # cards with buttons, to close them once decided

    def _sending(self, reply: Reply) -> Callable[[TurnContext], Awaitable[None]]:
        return _sending_with(self.sent_cards, reply)

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

    async def file_consent(self, turn_context: TurnContext) -> None:
        await file_consent.answer(self, turn_context)

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

    # --- sending ------------------------------------------------------------------------------

    async def send_replies(self, turn_context: TurnContext, incoming: Incoming, replies: list[Reply]) -> None:
        """Answer in the conversation; confidential replies only ever in the person's private chat."""
        told_private = False
        reference = reference_of(turn_context.activity)
        for index, reply in enumerate(replies):
            try:
                if reply.private and not incoming.private:
                    await self._send_personal(reference, incoming.platform_user_id, reply)
                    if not told_private:
                        told_private = True
                        await turn_context.send_activity(card_activity(Reply(PRIVATE_NOTE)))
                else:  # a draft's photos only in a private chat, never in a team channel
                    shown = with_thumbnails(self.hub.services, reply) if incoming.private else reply
                    response = await turn_context.send_activity(card_activity(shown))
                    # Remember the card as shown: its decided update is rebuilt from this, and
                    # from `reply` it lost the draft's photos.
                    self.sent_cards.remember(response, shown, turn_context.activity.reply_to_id)
            except Exception as failure:
                log.warning("teams: reply not sent (%s); queued in the outbox", type(failure).__name__)
                self._note_throttling(failure)
                self._queue_unsent(incoming, turn_context.activity.id, index, reply)

    def _queue_unsent(self, incoming: Incoming, activity_id: str | None, index: int, reply: Reply) -> None:
        """A reply the connector refused goes to the outbox (then to their private chat): none is lost."""
        if incoming.person is None:
            return
        # A reply meant for a team channel is re-sent privately, so mark it private.
        queued = dataclasses.replace(reply, private=True)
        self.hub.services.notify(Notification(incoming.person.id, queued,
                                              key=f"teams-reply:{activity_id}:{index}"))

    async def send_proactive(self, platform_user_id: str, reply: Reply) -> None:
        """Deliver to a person's private chat; DeliveryError (retried later) if it cannot be done."""
        personal = conversation_refs.personal(self.db, PLATFORM, platform_user_id)
        stored = personal or conversation_refs.latest(self.db, PLATFORM, platform_user_id)
        if stored is None:
            raise DeliveryError("teams: no conversation with this person yet")
        reference = ConversationReference().deserialize(stored)
        if personal is not None:  # without one, a new private chat is opened: nothing to wait for
            wait = self._throttled_for(reference.conversation.id if reference.conversation else None)
            if wait is not None:
                raise DeliveryError("teams: the connector asked to wait (429 Retry-After)", wait)
        try:
            await self._send_personal(reference, platform_user_id, with_thumbnails(self.hub.services, reply))
        except DeliveryError:
            raise
        except Exception as failure:
            self._note_throttling(failure)
            raise DeliveryError(f"teams: {type(failure).__name__}", _retry_after(failure)) from None

    def _note_throttling(self, failure: Exception) -> None:
        """Remember a 429's Retry-After for the conversation the refused request was posting to."""
        retry_after, conversation = _retry_after(failure), _conversation_of(failure)
        if retry_after is None or conversation is None:
            return
        self._throttled[conversation] = self.hub.services.now() + timedelta(seconds=retry_after)
        self._throttled.move_to_end(conversation)
        if len(self._throttled) > THROTTLED_CONVERSATIONS_KEPT:
            self._throttled.popitem(last=False)

    def _throttled_for(self, conversation: str | None) -> float | None:
        """Seconds still to wait before posting to this conversation; None when free."""
        until = self._throttled.get(conversation) if conversation else None
        if until is None:
            return None
        remaining = (until - self.hub.services.now()).total_seconds()
        if remaining > 0:
            return remaining
        del self._throttled[conversation]
        return None

    async def _send_personal(self, reference: ConversationReference, platform_user_id: str, reply: Reply) -> None:
        """Continue the person's 1:1 chat; open one first (from any reference to them) if needed."""
        personal = conversation_refs.personal(self.db, PLATFORM, platform_user_id)
        if personal is not None:
            await self.adapter.continue_conversation(
                ConversationReference().deserialize(personal), self._sending(reply), self.settings.APP_ID)
            return
        tenant = tenant_of(reference)
        parameters = ConversationParameters(
            is_group=False, bot=reference.bot, members=[reference.user], tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None)

        async def opened(turn_context: TurnContext) -> None:
            new = ConversationReference(
                user=reference.user, bot=reference.bot, channel_id=reference.channel_id,
                service_url=reference.service_url, locale=reference.locale,
                conversation=ConversationAccount(id=turn_context.activity.conversation.id,
                                                 conversation_type="personal", tenant_id=tenant))
            conversation_refs.save_personal(self.db, PLATFORM, platform_user_id, new.serialize())
            self.sent_cards.remember(await turn_context.send_activity(card_activity(reply)), reply)

        await self.adapter.create_conversation(
            self.settings.APP_ID, opened, parameters, channel_id=reference.channel_id,
            service_url=reference.service_url)


def _sending_with(sent_cards: "closing.SentCards", reply: Reply) -> Callable[[TurnContext], Awaitable[None]]:
    async def send(turn_context: TurnContext) -> None:
        sent_cards.remember(await turn_context.send_activity(card_activity(reply)), reply)
    return send


class TeamsSender:
    """bot.delivery.Sender for Teams: proactive messages through stored conversation references."""

    platform = PLATFORM

    def __init__(self, channel: TeamsChannel):
        self.channel = channel

    async def send(self, platform_user_id: str, reply: Reply) -> None:
        await self.channel.send_proactive(platform_user_id, reply)


def _retry_after(failure: Exception) -> float | None:
    """Honour the connector's Retry-After (HTTP 429) when there is one."""
    response = getattr(failure, "response", None)
    return retry_after_seconds(getattr(response, "headers", {}).get("Retry-After") if response is not None else None)


def _conversation_of(failure: Exception) -> str | None:
    """The conversation a failed connector request was for, read from its URL."""
    response = getattr(failure, "response", None)
    match = CONVERSATION_IN_URL.search(urlsplit(str(getattr(response, "url", None) or "")).path)
    return unquote(match["conversation"]) if match else None


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)

