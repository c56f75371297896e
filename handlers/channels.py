"""What each chat channel can show, defined once: handlers ask `capabilities(incoming)`, never
test a channel's name.

The terminal chat has only text and numbered buttons. The web chat draws any form in the page.
Slack and Teams have native forms (a modal, an Adaptive Card), which the concern-report intake
uses for its details instead of asking question by question."""
from __future__ import annotations

from typing import NamedTuple

from domain.messages import Incoming


class Capabilities(NamedTuple):
    forms: bool         # shows a Form at all (else: buttons, or one question at a time)
    native_forms: bool  # the platform's own form: a Slack modal, a Teams Adaptive Card


CHANNELS = {
    "slack": Capabilities(forms=True, native_forms=True),
    "teams": Capabilities(forms=True, native_forms=True),
    "web": Capabilities(forms=True, native_forms=False),
    "terminal": Capabilities(forms=False, native_forms=False),
}
TERMINAL_CONVERSATION = "terminal:"  # bot/local/terminal.py's conversation ids


def channel_of(incoming: Incoming) -> str:
    """'slack', 'teams', 'web' or 'terminal'. Both local chats arrive as "local" (the terminal's
    conversation ids start "terminal:"); "cli" is a terminal too."""
    if incoming.channel in ("slack", "teams"):
        return incoming.channel
    if incoming.channel == "cli" or (incoming.conversation_id or "").startswith(TERMINAL_CONVERSATION):
        return "terminal"
    return "web"


def capabilities(incoming: Incoming) -> Capabilities:
    return CHANNELS[channel_of(incoming)]
