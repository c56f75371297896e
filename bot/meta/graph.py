"""A small client for Meta's Graph API: GET and POST with the page access token, errors sorted.

The token travels only in the Authorization header (never in a URL, so never in a log line), to the
configured base URL alone (POLICYBOT_GRAPH_API_URL: Meta's, or a fake on 127.0.0.1 in tests), and
redirects are not followed with it. A Graph error is a GraphError saying whether trying again later
may help (timeouts, 5xx, rate limits, `is_transient`) or not (an expired token, a refused photo).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"
TIMEOUT_SECONDS = 60
# Graph error codes that mean "later": API too busy, service down, rate limits (app, user, page).
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80001})


class GraphError(Exception):
    def __init__(self, message: str, transient: bool, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.transient, self.status, self.code = transient, status, code


class GraphClient:
    def __init__(self, token: str, base_url: str = DEFAULT_BASE_URL):
        self.base_url = base_url.rstrip("/")
        self._token = token

    def __repr__(self) -> str:  # never the token
        return f"GraphClient({self.base_url!r})"

    async def get(self, path: str, **params: Any) -> dict:
        return await self._call("GET", path, params=params)

    async def post(self, path: str, **fields: Any) -> dict:
        return await self._call("POST", path, data=fields)

    async def upload(self, path: str, name: str, data: bytes, **fields: Any) -> dict:
        """A multipart POST with one file (`source`), as /{page-id}/photos takes a photo."""
        form = aiohttp.FormData()
        for key, value in fields.items():
            form.add_field(key, _text(value))
        form.add_field("source", data, filename=name, content_type="image/jpeg")
        return await self._call("POST", path, data=form)

    async def _call(self, method: str, path: str, params: dict | None = None, data: Any = None) -> dict:
        if isinstance(data, dict):
            data = {key: _text(value) for key, value in data.items()}
        url = f"{self.base_url}/{path.lstrip('/')}"
        headers = {"Authorization": f"Bearer {self._token}"}
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.request(method, url, params={k: _text(v) for k, v in (params or {}).items()},
                                           data=data, headers=headers, allow_redirects=False) as response:
                    raw = await response.read()
                    status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise GraphError(f"no answer from the Graph API ({type(error).__name__})", transient=True) from None
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            body = {}
        if status == 200 and isinstance(body, dict) and "error" not in body:
            return body
        error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        transient = bool(error.get("is_transient")) or status >= 500 or status == 429 or code in TRANSIENT_CODES
        message = str(error.get("message") or f"HTTP {status}")[:200]
        raise GraphError(f"Graph API: {message}", transient=transient, status=status, code=code)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
