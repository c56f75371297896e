"""A post draft's photos in Slack: uploaded privately by the bot, then shown as image blocks.

Slack shows an image block only from a public URL or from a Slack file the poster of the message
can reach, and a draft's photos must never be public: each is uploaded with files.uploadV2 into no
channel (so only the bot holds it) and the block names it by file id (`slack_file`). A handler
already decided the reader may see the draft; the photo's bytes come from handlers.delivery here.
"""
from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from domain.messages import Reply
from handlers.context import Services
from handlers.delivery import reply_images

log = logging.getLogger(__name__)

MAX_IMAGES = 10
MAX_TITLE_CHARS = 2000
SLACK_ERRORS = (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, OSError)


async def image_blocks(client: AsyncWebClient, services: Services, reply: Reply) -> list[dict]:
    """One image block per photo the reply carries (none when an upload fails: the card still goes)."""
    blocks = []
    for found in reply_images(services, reply, MAX_IMAGES):
        try:
            uploaded = await client.files_upload_v2(content=found["data"], filename=found["name"], title=found["name"])
        except SLACK_ERRORS as error:
            log.warning("a draft photo could not be uploaded to Slack: %s", type(error).__name__)
            continue
        file_id = (uploaded.get("file") or {}).get("id")
        if file_id:
            blocks.append({"type": "image", "slack_file": {"id": file_id}, "alt_text": f"Photo: {found['name']}"[:2000],
                           "title": {"type": "plain_text", "text": found["name"][:MAX_TITLE_CHARS]}})
    return blocks


def without_images(content: dict) -> dict:
    """The message with its image blocks taken out (Slack refused them: a photo still processing)."""
    return {**content, "blocks": [b for b in content.get("blocks", []) if b.get("type") != "image"]}


async def post_message(client: AsyncWebClient, content: dict, **where) -> None:
    """chat.postMessage; when Slack refuses the image blocks, the message again without them."""
    try:
        await client.chat_postMessage(**where, **content)
    except SlackApiError as error:
        data = getattr(error.response, "data", None)
        if not any(b.get("type") == "image" for b in content.get("blocks", [])) or not (
                isinstance(data, dict) and data.get("error") in ("invalid_blocks", "invalid_blocks_format")):
            raise
        log.info("Slack refused a draft's image blocks; sent without them")
        await client.chat_postMessage(**where, **without_images(content))
