"""Files people attach in Slack: fetched with the bot token, from Slack alone, within the size limit.

A message event names its files; files.info (through the Web API the bot already trusts) gives each
one's private download URL, and the bot token is sent only to a URL on the Web API's own host or a
subdomain of it (files.slack.com for slack.com; the fake Web API's own address in tests), never
following a redirect with it. What the file is, and whether to keep it, is decided from its bytes by
handlers.evidence. Nothing here logs a file's name or content.
"""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.downloads import download_capped
from domain.messages import MAX_FILE_BYTES, IncomingFile

log = logging.getLogger(__name__)

MAX_FILES = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def token_may_go_to(api_base: str, url: str) -> bool:
    """True when `url` is on the Web API's host (or a subdomain of it), same scheme and port."""
    base, target = _origin(api_base), _origin(url)
    if base is None or target is None:
        return False
    same_host = target[1] == base[1] or target[1].endswith("." + base[1])
    return target[0] == base[0] and target[2] == base[2] and same_host


async def fetch_one(client: AsyncWebClient, file_id: str, fallback_name: str) -> IncomingFile:
    try:
        info = (await client.files_info(file=file_id)).get("file") or {}
    except (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.warning("files.info failed: %s", type(error).__name__)
        return IncomingFile(fallback_name, None, problem="unavailable")
    name = str(info.get("name") or info.get("title") or fallback_name)
    size = info.get("size")
    if isinstance(size, int) and size > MAX_FILE_BYTES:
        return IncomingFile(name, None, problem="too_large")
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not token_may_go_to(client.base_url, url):
        log.warning("a Slack file's URL is not on the Web API's host; not fetched")
        return IncomingFile(name, None, problem="unavailable")
    try:
        data, problem = await download_capped(url, client.token)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
        log.warning("a Slack file could not be downloaded: %s", type(error).__name__)
        return IncomingFile(name, None, problem="unavailable")
    return IncomingFile(name, data, problem=problem)


async def fetch_files(client: AsyncWebClient, files: list) -> tuple[IncomingFile, ...]:
    """The files a message event lists (at most MAX_FILES), fetched one after another."""
    fetched = []
    for item in [f for f in files if isinstance(f, dict) and isinstance(f.get("id"), str)][:MAX_FILES]:
        fetched.append(await fetch_one(client, item["id"], str(item.get("name") or item["id"])))
    return tuple(fetched)


async def send_file(client: AsyncWebClient, channel: str, name: str, data: bytes) -> None:
    """A stored file, as a file message in a private conversation (files.upload v2)."""
    await client.files_upload_v2(channel=channel, content=data, filename=name, title=name)
