"""Proactive delivery to Slack: open the DM with the person, post the message."""
from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import DeliveryError, retry_after_seconds
from bot.slack import render
from bot.slack.images import image_blocks, post_message
from domain.messages import Reply

log = logging.getLogger(__name__)


def _retry_after(error: SlackApiError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return retry_after_seconds(value[0] if isinstance(value, list) else value)
    return None


def delivery_error(error: Exception) -> DeliveryError:
    """A Web API failure as a DeliveryError the outbox can schedule (honouring Retry-After)."""
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", None)
        data = getattr(error.response, "data", None)
        code = data.get("error") if isinstance(data, dict) else None
        return DeliveryError(f"slack: {code or f'HTTP {status}'}", retry_after=_retry_after(error))
    return DeliveryError(f"slack: {type(error).__name__}")


class SlackSender:
    """bot.delivery.Sender for Slack: conversations.open + chat.postMessage."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, services=None):
        self.client = client
        self.services = services  # to show a draft's photos (bot.slack.images)

    async def open_dm(self, user_id: str) -> str:
        opened = await self.client.conversations_open(users=user_id)
        return opened["channel"]["id"]

    async def send(self, platform_user_id: str, reply: Reply) -> None:
        try:
            channel = await self.open_dm(platform_user_id)
            images = await image_blocks(self.client, self.services, reply) if self.services is not None else None
            await post_message(self.client, render.message(reply, owner=platform_user_id, images=images),
                               channel=channel)
        except (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise delivery_error(error) from None
