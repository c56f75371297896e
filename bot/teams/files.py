"""Files people attach in Teams: fetched only from the connector the token vouched for.

An image pasted or attached in a chat arrives as an attachment whose contentUrl is on the Bot
Connector (the activity's serviceUrl, which the request's token named, or this computer in the
Emulator's mode); it is fetched with the bot's own connector token. A file from OneDrive or
SharePoint (supportsFiles) arrives as `file.download.info` with a pre-authorised downloadUrl on
*.sharepoint.com, fetched with no token at all. Any other URL is not fetched. Each file is read up
to MAX_FILE_BYTES; what it is, and whether to keep it, handlers.evidence decides from its bytes.
"""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import aiohttp

from bot.downloads import download_capped
from bot.teams.guard import normalised_url
from domain.messages import MAX_FILE_BYTES, IncomingFile

log = logging.getLogger(__name__)

NOT_FILES = ("text/html", "application/vnd.microsoft.card.adaptive")
DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_FILES = 5


def same_origin(url: str, service_url: str) -> bool:
    mine, theirs = normalised_url(url), normalised_url(service_url)
    return mine is not None and theirs is not None and mine[:3] == theirs[:3]


def sharepoint(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme == "https" and (parts.hostname or "").lower().endswith(".sharepoint.com")


async def fetch_files(attachments: list, service_url: str, token: str | None) -> tuple[IncomingFile, ...]:
    """The activity's file attachments (at most MAX_FILES), fetched one after another."""
    fetched = []
    files = [a for a in attachments or [] if getattr(a, "content_type", None) not in NOT_FILES]
    for attachment in files[:MAX_FILES]:
        name = str(attachment.name or "attachment")
        content = attachment.content if isinstance(attachment.content, dict) else {}
        if attachment.content_type == DOWNLOAD_INFO and sharepoint(str(content.get("downloadUrl") or "")):
            url, send_token = str(content["downloadUrl"]), None
        elif attachment.content_url and same_origin(str(attachment.content_url), service_url):
            url, send_token = str(attachment.content_url), token
        else:
            log.warning("teams: an attachment's URL is neither the connector's nor SharePoint's; not fetched")
            fetched.append(IncomingFile(name, None, problem="unavailable"))
            continue
        try:
            data, problem = await download_capped(url, send_token)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            log.warning("teams: an attachment could not be downloaded: %s", type(error).__name__)
            data, problem = None, "unavailable"
        fetched.append(IncomingFile(name, data, problem=problem))
    return tuple(fetched)
