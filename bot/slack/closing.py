"""Closing the buttons of a decided item on the Slack message they were on (chat.update).

The message comes back with every button press (block_actions' `message`), so it is rebuilt from
its own blocks: the closed buttons dropped, a context line saying who decided and when. A decision
made in a modal (a reason typed for Reject) updates the message whose button opened the modal; that
message is remembered here, in memory only, until the modal is submitted.
"""
from __future__ import annotations

import uuid
from collections import OrderedDict

from handlers.decided import closes, closing_line, decision_in  # noqa: F401 (decision_in: the adapter's)

MAX_REMEMBERED = 500
_ORIGINS: OrderedDict[str, dict] = OrderedDict()


def closed_blocks(blocks: list, decision: dict) -> list[dict]:
    kept = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements") or []
                        if not closes(decision, str(e.get("action_id") or ""))]
            if not elements:
                continue
            block = {**block, "elements": elements}
        kept.append(block)
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": closing_line(decision)}]}
    return [*kept, note][-50:]


def remember(channel: str | None, message: dict) -> str | None:
    """A token for the message a modal was opened from (kept in the modal's metadata)."""
    if not channel or not isinstance(message, dict) or not message.get("ts"):
        return None
    token = uuid.uuid4().hex
    _ORIGINS[token] = {"channel": channel, "message": message}
    while len(_ORIGINS) > MAX_REMEMBERED:
        _ORIGINS.popitem(last=False)
    return token


def origin(token: object) -> tuple[str | None, dict]:
    found = _ORIGINS.get(token) if isinstance(token, str) else None
    return (found["channel"], found["message"]) if found else (None, {})
