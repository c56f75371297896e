"""Fetching a file a person attached, for any channel: one GET, no redirects (a token must never
follow one to another host), stopped as soon as it passes the size limit."""
from __future__ import annotations

import aiohttp

from domain.messages import MAX_FILE_BYTES

DOWNLOAD_TIMEOUT_SECONDS = 30
CHUNK_BYTES = 64 * 1024


async def download_capped(url: str, token: str | None = None) -> tuple[bytes | None, str | None]:
    """(the bytes, None), or (None, "unavailable" | "too_large")."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status != 200:
                return None, "unavailable"
            data = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                data.extend(chunk)
                if len(data) > MAX_FILE_BYTES:
                    return None, "too_large"
            return bytes(data), None
