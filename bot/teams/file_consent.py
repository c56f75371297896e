"""Handing a stored file to someone in Teams: the Bot Framework's file-consent flow (personal chats only).

    a reply carrying data["file"] -> a FileConsentCard (name, size; acceptContext {"file": id})
    the person presses Allow     -> invoke "fileConsent/invoke" with uploadInfo.uploadUrl (their OneDrive)
                                 -> the handlers check again that this person may have the file (and
                                    audit it) -> PUT the bytes to uploadUrl -> a FileInfoCard
The card carries only the file's id: nothing is sent before the person accepts, and the accept is
checked as if it were a fresh request. The upload goes only to an https URL on *.sharepoint.com
(OneDrive for Business), or to this computer in the Emulator's mode; never with a token, never
following a redirect.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from botbuilder.schema import Attachment
from botbuilder.schema.teams import FileConsentCard, FileConsentCardResponse, FileInfoCard
from botbuilder.schema.teams.additional_properties import ContentType

from bot.teams.files import sharepoint
from bot.teams.guard import is_loopback_url

log = logging.getLogger(__name__)

INVOKE_NAME = "fileConsent/invoke"
UPLOAD_TIMEOUT_SECONDS = 60


def consent_attachment(file: dict[str, Any]) -> Attachment:
    """The card that asks the person's leave to put the file in their OneDrive."""
    context = {"file": int(file["id"])}
    card = FileConsentCard(description=f"{file.get('kind') or 'file'} for you only; confidential",
                           size_in_bytes=int(file.get("size") or 0),
                           accept_context=context, decline_context=context)
    return Attachment(content=card.serialize(), content_type=ContentType.FILE_CONSENT_CARD,
                      name=str(file.get("name") or "file"))


def consent_of(value: Any) -> tuple[str | None, object, dict]:
    """(action "accept"/"decline", the file id, uploadInfo as a dict) of a fileConsent/invoke's value."""
    if not isinstance(value, dict):
        return None, None, {}
    response = FileConsentCardResponse().deserialize(value)
    context = response.context if isinstance(response.context, dict) else {}
    info = response.upload_info
    upload = {"url": str(getattr(info, "upload_url", "") or ""), "content_url": getattr(info, "content_url", None),
              "name": getattr(info, "name", None), "unique_id": getattr(info, "unique_id", None),
              "file_type": getattr(info, "file_type", None)}
    return response.action, context.get("file"), upload


def upload_allowed(url: str, emulator: bool) -> bool:
    return sharepoint(url) or (emulator and is_loopback_url(url) and urlsplit(url).scheme in ("http", "https"))


async def put_file(url: str, data: bytes) -> bool:
    """Put the whole file in one request, as an upload session takes a file this size."""
    headers = {"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}", "Content-Type": "application/octet-stream"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=UPLOAD_TIMEOUT_SECONDS)) as session:
            async with session.put(url, data=data, headers=headers, allow_redirects=False) as response:
                return response.status in (200, 201)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.warning("teams: a file upload failed: %s", type(error).__name__)
        return False


def file_info_attachment(upload: dict) -> Attachment:
    """The card Teams shows for a file now in the person's OneDrive."""
    card = FileInfoCard(unique_id=upload.get("unique_id"), file_type=upload.get("file_type"))
    return Attachment(content=card.serialize(), content_type=ContentType.FILE_INFO_CARD,
                      name=upload.get("name"), content_url=upload.get("content_url"))


async def answer(channel, turn_context) -> None:
    """Allow or Decline on a file-consent card: checked afresh (and audited) by the handlers, then uploaded."""
    from bot.teams.channel import PLATFORM, card_activity, is_personal, user_key  # the channel loads this module
    from botbuilder.core import MessageFactory
    from domain.messages import Incoming, Reply
    from handlers.stored_files import authorised_file

    activity = turn_context.activity
    action, file_id, upload = consent_of(activity.value)
    key = user_key(activity.from_property)
    if action != "accept" or not key:
        await turn_context.send_activity(card_activity(Reply("OK, I didn't send the file.")))
        return
    if not is_personal(activity.conversation):
        await turn_context.send_activity(card_activity(Reply("Files are sent only in our private chat.")))
        return
    if not upload_allowed(upload["url"], channel.settings.emulator):
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
    if not await put_file(upload["url"], found["data"]):
        await turn_context.send_activity(card_activity(Reply(
            "The file couldn't be put in your OneDrive just now; press Open again to retry.")))
        return
    sent = MessageFactory.text(f"Sent to your OneDrive: {found['name']}. Confidential: do not forward it.")
    sent.attachments = [file_info_attachment(upload)]
    await turn_context.send_activity(sent)
