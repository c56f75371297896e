"""The bolt AsyncApp: Slack events, interactivity and slash commands → Incoming → hub → Block Kit.

Every listener acks first (events are acked by bolt itself) and bolt runs the rest after the
response has gone back, so Slack's 3-second limit holds however slow an answer is. Event retries
(X-Slack-Retry-Num) are recognised by event_id, recorded in SQLite so a restart keeps the memory.
Message text is never logged.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Hub
from bot.slack import closing
from bot.slack import files as slack_files
from bot.slack import render
from bot.slack.images import image_blocks, post_message
from bot.slack.sender import SlackSender
from bot.slack.workspace import SLACK_ERRORS, EmailDirectory, SchoolWorkspace
from domain.messages import Form, Incoming, Reply, without_lone_surrogates
from handlers.delivery import authorised_file
from handlers.faults import STORAGE_FAULTS
# Slack's own bookkeeping, not the bot's: which event ids were already handled (Slack resends an
# event it thinks was missed). Nothing a handler decides is read or written here.
from storage import state as state_store

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Message subtypes that are still a person writing to the bot; every other subtype is ignored.
PERSON_SUBTYPES = frozenset({None, "file_share"})
ASK_PROMPT = ("What would you like to know? Type your question here, for example "
              "_Can I accept a friend request from a parent?_")
POLICY_COMMAND_HELP = "Ask me with `/policy your question`, for example `/policy can I post photos of pupils?`"
ALL = re.compile(".*")
ACK_FLUSH_SECONDS = 0.03
# bolt starts one task per request once it has acked. At most this many run at once (each mostly
# waits on the Web API); as with Teams' 64 turns in flight, beyond it a turn waits for a slot.
MAX_CONCURRENT_TURNS = 64
# Turns allowed to wait for a slot; past that a request is refused with 503 before bolt takes it
# (Slack retries events later), so sustained overload cannot pile up unbounded work in memory.
MAX_WAITING_TURNS = 256


def unescape(text: str) -> str:
    """Slack sends &, < and > escaped; handlers get the person's own characters."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def is_dm(channel_id: str | None) -> bool:
    return bool(channel_id) and channel_id.startswith("D")


@dataclass
class Destination:
    """Where the replies to one Incoming go."""

    user: str
    channel: str | None = None  # None: the person's DM with the bot
    private: bool = True  # the channel is a DM: confidential replies may be shown there
    thread_ts: str | None = None
    trigger_id: str | None = None  # lets us open a modal (valid for 3 s, once)
    respond: Any = None  # a slash command's response_url: replies are ephemeral
    origin: str | None = None  # the pressed button's message, remembered for a modal (bot.slack.closing)


class SlackAdapter:
    def __init__(self, hub: Hub, client: AsyncWebClient, signing_secret: str | None,
                 workspaces: frozenset[str] = frozenset()):
        self.hub = hub
        self.client = client
        self.workspace = SchoolWorkspace(client, workspaces)
        self.sender = SlackSender(client, hub.services)
        self.directory = EmailDirectory(client)
        self._turn_slots = asyncio.Semaphore(MAX_CONCURRENT_TURNS)
        self._turns_admitted = 0  # running or waiting for a slot
        self._max_admitted = MAX_CONCURRENT_TURNS + MAX_WAITING_TURNS
        self.bolt = AsyncApp(client=client, signing_secret=signing_secret or "",
                             logger=logging.getLogger("bot.slack.bolt"))
        bolt = self.bolt
        # After bolt's own signature and token checks, before any listener: one workspace only.
        bolt.use(self.workspace.same_workspace)
        bolt.use(self.clean_unicode)
        # Order matters: bolt runs the first listener that matches; the catch-alls come last so
        # that no request is "unhandled" (bolt would log its body, and with it message text).
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_app_mention)
        bolt.event("app_home_opened")(self.on_app_home_opened)
        bolt.event(ALL)(self.ignore_event)
        bolt.command("/policy")(self.on_policy_command)
        bolt.command(ALL)(self.on_other_command)
        bolt.action(ALL)(self.on_action)
        bolt.view_submission(ALL)(self.on_view_submission)
        bolt.view_closed(ALL)(self.ack_only)
        bolt.shortcut(ALL)(self.ack_only)
        bolt.options(ALL)(self.no_options)

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    async def clean_unicode(request, next):
        """Before any listener: a lone surrogate ("\\ud800", legal escaped in JSON) in any field of
        an event, a button payload or a modal becomes U+FFFD, so no later step (the event id's
        record, a users.info call, the database) can fail on text UTF-8 cannot encode."""
        request.body = without_lone_surrogates(request.body)
        return await next()

    @property
    def turns_admitted(self) -> int:
        """Turns running or waiting for a slot. A turn is admitted once bolt runs its listener,
        just after the ack, so a caller that needs it counted waits for this (tests do)."""
        return self._turns_admitted

    @property
    def overloaded(self) -> bool:
        """True when every slot is busy and the waiting room is full: refuse new requests."""
        return self._turns_admitted >= self._max_admitted

    @asynccontextmanager
    async def turn(self):
        """One unit of work after the ack, run when a slot is free."""
        self._turns_admitted += 1
        try:
            async with self._turn_slots:
                yield
        finally:
            self._turns_admitted -= 1

    async def person(self, user_id: str):
        person = self.hub.identify(PLATFORM, user_id)
        if person is None:
            email = await self.directory.email(user_id)
            if email:
                person = self.hub.identify(PLATFORM, user_id, email)
        return person

    def first_time(self, body: dict) -> bool:
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return True
        try:
            return state_store.first_time_seen(self.hub.services.db, f"slack:{event_id}")
        except STORAGE_FAULTS as error:
            # Slack has had its ack and will not resend: answer (the turn itself tells the person
            # if the database is still unavailable) rather than stay silent; at worst a retry
            # that arrives in the same outage is answered twice.
            log.warning("could not check for a repeated Slack event: %s", type(error).__name__)
            return True

    async def incoming(self, user_id: str, destination: Destination, **fields) -> Incoming:
        return Incoming(channel=PLATFORM, platform_user_id=user_id, person=await self.person(user_id),
                        conversation_id=destination.channel or "", private=destination.private, **fields)

    async def handle(self, incoming: Incoming, destination: Destination) -> list[Reply]:
        # Handlers run synchronously on the loop; first let bolt (which polls every 10 ms) send
        # the ack, so a slow answer can never push the HTTP response past Slack's 3 seconds.
        await asyncio.sleep(ACK_FLUSH_SECONDS)
        replies = await self.hub.handle(incoming)
        await self.deliver(replies, destination)
        return replies

    async def close_decided(self, replies: list[Reply], channel: str | None, message: dict) -> None:
        """The pressed button's item is decided: close its buttons on the message they were on."""
        decision = closing.decision_in(replies)
        if decision is None or not channel or not isinstance(message, dict) or not message.get("ts"):
            return
        try:
            await self.client.chat_update(channel=channel, ts=message["ts"],
                                          text=str(message.get("text") or decision["note"]),
                                          blocks=closing.closed_blocks(message.get("blocks") or [], decision))
        except SLACK_ERRORS as error:
            log.warning("chat.update failed: %s", type(error).__name__)

    async def deliver(self, replies: list[Reply], destination: Destination) -> None:
        for reply in replies:
            try:
                await self._deliver_one(reply, destination)
            except SLACK_ERRORS as error:
                code = getattr(getattr(error, "response", None), "data", None)
                code = code.get("error") if isinstance(code, dict) else type(error).__name__
                log.warning("could not post a Slack reply: %s", code)

    async def _deliver_one(self, reply: Reply, destination: Destination) -> None:
        form_opened = False
        if reply.form is not None and destination.trigger_id:
            form_opened = await self.open_form(reply.form, destination)
            destination = replace(destination, trigger_id=None)  # a trigger_id works once
            if form_opened and not (reply.text.strip() or reply.title or reply.buttons):
                return
        # A draft's photos only in a private conversation, never in a channel where the card was asked for.
        images = (await image_blocks(self.client, self.hub.services, reply)
                  if reply.data.get("images") and destination.private else None)
        content = render.message(reply, include_form=not form_opened, owner=destination.user, images=images)
        if destination.respond is not None and (destination.private or not reply.private):
            await destination.respond(response_type="ephemeral", replace_original=False, **content)
            return
        channel, thread_ts = destination.channel, destination.thread_ts
        if channel is None or (reply.private and not destination.private):
            # Confidential replies never go into a channel: the person's DM instead.
            channel, thread_ts = await self.sender.open_dm(destination.user), None
        await post_message(self.client, content, channel=channel, thread_ts=thread_ts)
        if reply.private and channel and is_dm(channel):
            # A handler already checked this person may see the file; it goes to their DM only.
            found = authorised_file(self.hub.services, reply)
            if found is not None:
                await slack_files.send_file(self.client, channel, found["name"], found["data"])

    async def open_form(self, form: Form, destination: Destination) -> bool:
        metadata = json.dumps({"action": form.submit_action, "value": form.value,
                               "channel": destination.channel if destination.private else None,
                               "origin": destination.origin},
                              separators=(",", ":"), ensure_ascii=False)
        if len(metadata) > render.MAX_METADATA_CHARS:
            return False  # too much hidden context for a modal: the form goes as a button instead
        try:
            await self.client.views_open(trigger_id=destination.trigger_id,
                                         view=render.modal(form, metadata))
            return True
        except SLACK_ERRORS as error:
            log.info("views.open failed (%s); sending the form as a button", type(error).__name__)
            return False

    # --- events -------------------------------------------------------------------------------

    async def on_message(self, event: dict, body: dict, context) -> None:
        user = event.get("user")
        if (event.get("channel_type") != "im" or event.get("subtype") not in PERSON_SUBTYPES
                or event.get("bot_id") or not isinstance(user, str) or user == context.bot_user_id):
            return
        if not self.first_time(body):
            return
        destination = Destination(user=user, channel=event.get("channel"), private=True,
                                  thread_ts=event.get("thread_ts"))
        async with self.turn():
            incoming = await self.incoming(user, destination, text=unescape(event.get("text") or ""),
                                           **await self.attached(event))
            await self.handle(incoming, destination)

    async def attached(self, event: dict) -> dict:
        """The files a message or a mention carries, fetched (the same for a DM and a channel)."""
        listed = [f for f in event.get("files") or [] if isinstance(f, dict)]
        fetched = await slack_files.fetch_files(self.client, listed) if listed else ()
        return {"attachments": tuple(f.name for f in fetched), "files": fetched}

    async def on_app_mention(self, event: dict, body: dict, context) -> None:
        user, channel = event.get("user"), event.get("channel")
        if event.get("bot_id") or not isinstance(user, str) or user == context.bot_user_id:
            return
        if not self.first_time(body):
            return
        destination = Destination(user=user, channel=channel, private=is_dm(channel),
                                  thread_ts=event.get("thread_ts") or event.get("ts"))
        text = unescape(render.strip_mention(event.get("text") or "", context.bot_user_id))
        async with self.turn():
            await self.handle(await self.incoming(user, destination, text=text,
                                                  **await self.attached(event)), destination)

    async def on_app_home_opened(self, event: dict) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        async with self.turn():
            try:
                await self.client.views_publish(user_id=event["user"],
                                                view=render.home_view(self.hub.services.config.school))
            except SLACK_ERRORS as error:
                log.warning("views.publish failed: %s", type(error).__name__)

    async def ignore_event(self) -> None:
        """Event types we do not use are acknowledged (so Slack does not retry) and dropped."""

    # --- slash command ------------------------------------------------------------------------

    async def on_policy_command(self, ack, command: dict, respond) -> None:
        await ack()
        user, channel = command.get("user_id"), command.get("channel_id")
        if not user:
            return
        text = unescape(command.get("text") or "").strip()
        if not text:
            await respond(response_type="ephemeral", text=POLICY_COMMAND_HELP)
            return
        private = is_dm(channel) or command.get("channel_name") == "directmessage"
        destination = Destination(user=user, channel=channel, private=private,
                                  trigger_id=command.get("trigger_id"), respond=respond)
        async with self.turn():
            await self.handle(await self.incoming(user, destination, text=text), destination)

    async def on_other_command(self, ack) -> None:
        await ack(text="Sorry, I only know the /policy command.")

    # --- interactivity ------------------------------------------------------------------------

    async def on_action(self, ack, body: dict, action: dict) -> None:
        await ack()
        user = (body.get("user") or {}).get("id")
        if not user or not isinstance(action, dict):
            return
        raw_value = action.get("value")
        if raw_value is None and isinstance(action.get("selected_option"), dict):
            raw_value = action["selected_option"].get("value")
        name, value = render.decode_action(str(action.get("action_id") or ""), raw_value)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        message = body.get("message") or {}
        destination = Destination(user=user, channel=channel, private=channel is None or is_dm(channel),
                                  thread_ts=message.get("thread_ts"), trigger_id=body.get("trigger_id"),
                                  origin=closing.remember(channel, message))
        async with self.turn():
            await self._act(user, name, value, destination, message)

    async def _act(self, user: str, name: str, value: dict, destination: Destination, message: dict) -> None:
        if name == render.OPEN_FORM_ACTION:
            form = render.form_of_button(value, user)
            if form is None:
                await self.deliver([Reply("That form has expired. Please start again.")], destination)
            elif not await self.open_form(form, destination):
                await self.deliver([Reply("Sorry, I could not open the form. Please try again.")], destination)
            return
        if name == "home.ask":
            await self.deliver([Reply(ASK_PROMPT)], replace(destination, channel=None, private=True))
            return
        replies = await self.handle(await self.incoming(user, destination, action=name, value=value), destination)
        await self.close_decided(replies, destination.channel, message)

    async def on_view_submission(self, ack, body: dict, view: dict) -> None:
        await ack()  # closes the modal at once; the outcome arrives as a message
        user = (body.get("user") or {}).get("id")
        if not user or not isinstance(view, dict):
            return
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            metadata = {}
        if not isinstance(metadata, dict) or not isinstance(metadata.get("action"), str):
            await self.deliver([Reply("Sorry, I did not recognise that form. Please start again.")],
                               Destination(user=user))
            return
        hidden = metadata.get("value") if isinstance(metadata.get("value"), dict) else {}
        channel = metadata.get("channel") if is_dm(metadata.get("channel")) else None
        destination = Destination(user=user, channel=channel, private=True, trigger_id=body.get("trigger_id"))
        # The handler's hidden context wins over a field of the same name.
        value = {**render.submitted_values(view), **hidden}
        async with self.turn():
            replies = await self.handle(await self.incoming(user, destination, action=metadata["action"],
                                                            value=value), destination)
            await self.close_decided(replies, *closing.origin(metadata.get("origin")))

    async def ack_only(self, ack) -> None:
        await ack()

    async def no_options(self, ack) -> None:
        await ack(options=[])
