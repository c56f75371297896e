"""Reading a Bot Framework activity (who, where, what was typed) and turning a Reply into one."""
from __future__ import annotations

import re

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.teams import file_consent
from bot.teams.cards import reply_to_card
from domain.messages import Reply

PLATFORM = "teams"
MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


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
