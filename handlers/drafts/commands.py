"""What a typed drafts command looks like, apart from what it does: the routing table (routes.py)
matches on these, and the guided flows (submission.py, approval.py) use them to let a new command
typed mid-way leave the flow."""
from __future__ import annotations

import re

from handlers.drafts.posters import WHO_CAN_POST

DRAFT_MESSAGE = re.compile(
    r"^\s*(?:new\s+)?draft(?:\s+for)?(?:\s+(?P<platform>facebook|instagram|both|fb|insta))?\s*[:\-]\s*(?P<body>.+)$",
    re.I | re.S)
START_WORDS = re.compile(r"^\s*(?:(?:new|start a|submit a|write a|make a)\s+)?(?:post\s+)?draft\s*[.!]?\s*$|"
                         r"^\s*(?:i want to|i'd like to|can i|how do i)\s+(?:submit|post|write)\s+(?:a\s+)?"
                         r"(?:post|draft)\b.*$", re.I)

DRAFT_COMMAND = re.compile(
    r"^\s*(?P<verb>approve|reject|request changes(?: (?:to|on|for))?|withdraw|published|publish|mark|resubmit|show|open|"
    r"edit)\s+(?:draft\s+)?#?(?P<id>\d+)(?:\s+as\s+published)?\s*(?:[:\-]\s*(?P<rest>.*))?$", re.I | re.S)
SHOW_DRAFT = re.compile(r"^\s*draft\s+#?(?P<id>\d+)\s*$", re.I)

MY_DRAFTS = re.compile(r"^\s*(?:show\s+)?(?:my|my post)\s+drafts\??\s*[.!]?\s*$", re.I)
PENDING = re.compile(r"^\s*(?:show\s+)?(?:pending approvals?|pending drafts|drafts? (?:to approve|waiting|pending)|"
                     r"what(?:'s| is) waiting(?: for me)?)\??\s*$", re.I)


def escapes_flow(text: str) -> bool:
    """A new drafts command typed mid-way leaves the guided questions instead of being taken as an answer."""
    return any(p.match(text) for p in (DRAFT_MESSAGE, MY_DRAFTS, PENDING, DRAFT_COMMAND, SHOW_DRAFT, WHO_CAN_POST))
