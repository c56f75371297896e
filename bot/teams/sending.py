"""Sending to Teams: a turn's replies (confidential ones only in the person's private chat) and
proactive messages through stored conversation references, waiting out a connector's 429."""
from __future__ import annotations

import dataclasses
import logging
import re
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Awaitable, Callable
from urllib.parse import unquote, urlsplit

from botbuilder.core import TurnContext
from botbuilder.schema import ConversationAccount, ConversationParameters, ConversationReference

from bot.delivery import DeliveryError, retry_after_seconds
from bot.teams import closing
from bot.teams.activities import PLATFORM, card_activity, reference_of, tenant_of
from bot.teams.images import with_thumbnails
from domain.messages import Incoming, Notification, Reply
# Teams' own bookkeeping, not the bot's: the conversation references proactive messages need.
from storage import conversation_refs

log = logging.getLogger(__name__)

THROTTLED_CONVERSATIONS_KEPT = 1000
CONVERSATION_IN_URL = re.compile(r"/v3/conversations/(?P<conversation>[^/]+)/")
PRIVATE_NOTE = "I've sent you the details in a private chat."


class TeamsSender:
    """bot.delivery.Sender for Teams, and the sending half of the channel's turns."""

    platform = PLATFORM

    def __init__(self, hub, adapter, settings, sent_cards: closing.SentCards):
        self.hub, self.adapter, self.settings, self.sent_cards = hub, adapter, settings, sent_cards
        # Conversation id -> end of the connector's Retry-After. Teams limits each bot per
        # conversation, so only that conversation waits; nothing is sent to it before then.
        self._throttled: OrderedDict[str, datetime] = OrderedDict()

    async def send_replies(self, turn_context: TurnContext, incoming: Incoming, replies: list[Reply]) -> None:
        """Answer in the conversation; confidential replies only ever in the person's private chat."""
        told_private = False
        reference = reference_of(turn_context.activity)
        for index, reply in enumerate(replies):
            try:
                if reply.private and not incoming.private:  # moved to the 1:1 chat, photos and all
                    await self._send_personal(reference, incoming.platform_user_id,
                                              with_thumbnails(self.hub.services, reply))
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

    async def send(self, platform_user_id: str, reply: Reply) -> None:
        """Deliver to a person's private chat; DeliveryError (retried later) if it cannot be done."""
        personal = conversation_refs.personal(self.hub.services.db, PLATFORM, platform_user_id)
        stored = personal or conversation_refs.latest(self.hub.services.db, PLATFORM, platform_user_id)
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
        personal = conversation_refs.personal(self.hub.services.db, PLATFORM, platform_user_id)
        if personal is not None:
            await self.adapter.continue_conversation(
                ConversationReference().deserialize(personal), _sending_with(self.sent_cards, reply), self.settings.APP_ID)
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
            conversation_refs.save_personal(self.hub.services.db, PLATFORM, platform_user_id, new.serialize())
            self.sent_cards.remember(await turn_context.send_activity(card_activity(reply)), reply)

        await self.adapter.create_conversation(
            self.settings.APP_ID, opened, parameters, channel_id=reference.channel_id,
            service_url=reference.service_url)


def _sending_with(sent_cards: "closing.SentCards", reply: Reply) -> Callable[[TurnContext], Awaitable[None]]:
    async def send(turn_context: TurnContext) -> None:
        sent_cards.remember(await turn_context.send_activity(card_activity(reply)), reply)
    return send


def _retry_after(failure: Exception) -> float | None:
    """Honour the connector's Retry-After (HTTP 429) when there is one."""
    response = getattr(failure, "response", None)
    return retry_after_seconds(getattr(response, "headers", {}).get("Retry-After") if response is not None else None)


def _conversation_of(failure: Exception) -> str | None:
    """The conversation a failed connector request was for, read from its URL."""
    response = getattr(failure, "response", None)
    match = CONVERSATION_IN_URL.search(urlsplit(str(getattr(response, "url", None) or "")).path)
    return unquote(match["conversation"]) if match else None
