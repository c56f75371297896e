"""Handing a stored file to someone in Teams: the Bot Framework's file-consent flow (personal chats only).

    a reply carrying data["file"] -> a FileConsentCard (name, size; acceptContext {"file": id})
    the person presses Allow     -> invoke "fileConsent/invoke" with uploadInfo.uploadUrl (their OneDrive)
                                 -> the handlers check again that this person may have the file (and
                                    audit it) -> PUT the bytes to uploadUrl -> a FileInfoCard
The card carries only the file's id: nothing is sent before the person accepts, and the accept is
checked as if it were a fresh request. The upload goes only to an https URL on *.sharepoint.com
(OneDrive for Business), or to this computer in the Emulator's mode; never with a token, never
following a redirect. This module builds the cards and does the upload; the turn (bot/teams/turn.py)
answers the invoke.
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
