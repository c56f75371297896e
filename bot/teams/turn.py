"""The bot's turn: a Teams activity becomes an Incoming for the hub, and its replies go back as cards.
The channel (bot/teams/channel.py) runs each turn; it is handed in as `channel`."""
from __future__ import annotations

import logging

from botbuilder.core import ActivityHandler, InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import ChannelAccount

from bot.teams import closing
from bot.teams import file_consent
from bot.teams import files as teams_files
from bot.teams.activities import (PLATFORM, attachment_names, card_activity, is_personal, message_text,
                                  user_key)
from bot.teams.cards import submitted_action
from domain.messages import Incoming, Reply
from handlers.faults import STORAGE_FAULTS
from handlers.stored_files import authorised_file

log = logging.getLogger(__name__)


class PolicyBot(ActivityHandler):
    """Behaviour only: turn Teams activities into Incoming messages and answer with cards."""

    def __init__(self, channel):
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
            await answer_file_consent(self.channel, turn_context)
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
        await self.channel.sender.send_replies(turn_context, incoming, replies)
        if action:
            await closing.close_decided(turn_context, self.channel.sent_cards, replies)


async def answer_file_consent(channel, turn_context: TurnContext) -> None:
    """Allow or Decline on a file-consent card: checked afresh (and audited) by the handlers, then uploaded."""
    activity = turn_context.activity
    action, file_id, upload = file_consent.consent_of(activity.value)
    key = user_key(activity.from_property)
    if action != "accept" or not key:
        await turn_context.send_activity(card_activity(Reply("OK, I didn't send the file.")))
        return
    if not is_personal(activity.conversation):
        await turn_context.send_activity(card_activity(Reply("Files are sent only in our private chat.")))
        return
    if not file_consent.upload_allowed(upload["url"], channel.settings.emulator):
        log.warning("teams: a file-consent upload URL is not OneDrive's; nothing uploaded")
        await turn_context.send_activity(card_activity(Reply(
            "Teams gave me somewhere other than your OneDrive to put the file, so I didn't send it.")))
        return
    asked = Incoming(channel=PLATFORM, platform_user_id=key, person=await channel.person_of(turn_context, key),
                     conversation_id=activity.conversation.id, private=True)
    found, refusal = authorised_file(asked, channel.hub.services, file_id, "download_file")
    if found is None:
        for reply in refusal:
            await turn_context.send_activity(card_activity(reply))
        return
    if not await file_consent.put_file(upload["url"], found["data"]):
        await turn_context.send_activity(card_activity(Reply(
            "The file couldn't be put in your OneDrive just now; press Open again to retry.")))
        return
    sent = MessageFactory.text(f"Sent to your OneDrive: {found['name']}. Confidential: do not forward it.")
    sent.attachments = [file_consent.file_info_attachment(upload)]
    await turn_context.send_activity(sent)
