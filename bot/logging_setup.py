"""Structured logs: one JSON object per line, with the id of the HTTP request that caused it.

    {"time": "2026-11-26T10:00:00.123Z", "level": "INFO", "logger": "policybot.http",
     "message": "request", "request_id": "3f2a…", "method": "POST", "path": "/slack/events",
     "status": 200, "duration_ms": 12.4}

The request id comes from the caller's X-Request-Id header when it is a sane token (a reverse
proxy's id then joins its logs to ours), else a fresh one; it is echoed in the response. It lives
in a contextvar, so every log line written while handling the request — including work bolt and
botbuilder finish after the response, in tasks that copy the context — carries it.

Never logged: message text, form values, report content, query strings or bodies. Only the path,
method, status and timing of a request are recorded here; the modules' own log calls follow the
same rule (they name error types, never the input).
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import datetime, timezone
from typing import IO

from aiohttp import web

REQUEST_ID_HEADER = "X-Request-Id"
ACCESS_LOGGER = "policybot.http"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,64}$")
# Extra fields a log call may pass (logging's `extra=`); anything else stays out of the line.
STRUCTURED_FIELDS = ("method", "path", "status", "duration_ms")
# At DEBUG these libraries log whole request and response bodies (slack_sdk: every chat.postMessage,
# so a DSL's view of a concern report; msrest: every Teams activity). They never go below INFO.
BODY_LOGGING_LIBRARIES = ("slack_sdk", "slack_bolt", "bot.slack.bolt", "msrest", "botbuilder",
                          "botframework", "msal", "aiohttp.client", "urllib3")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_log = logging.getLogger(ACCESS_LOGGER)


def current_request_id() -> str | None:
    return request_id_var.get()


def _request_id_from(request: web.Request) -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex


@web.middleware
async def request_context(request: web.Request, handler):
    """Give the request an id (echoed as X-Request-Id) and log one access line when it is done."""
    request_id = _request_id_from(request)
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
    except web.HTTPException as http_error:  # 404, 405, 413 … raised by aiohttp: still a response
        status = http_error.status
        http_error.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        access_log.info("request", extra={
            "method": request.method, "path": request.path, "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        request_id_var.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id and known extras."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for name in STRUCTURED_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            # The type and the traceback's code lines; exception messages can quote input, so the
            # message itself is left out.
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Stamps the current request id on every record (also for handlers with other formatters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def configure_logging(level: str | int = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to `stream` (stderr) as JSON lines; returns the handler installed."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_policybot_json", False):
            root.removeHandler(existing)
    handler._policybot_json = True  # so a second call replaces rather than doubles the output
    root.addHandler(handler)
    root.setLevel(level)
    for name in BODY_LOGGING_LIBRARIES:
        logging.getLogger(name).setLevel(max(root.level, logging.INFO))
    return handler
