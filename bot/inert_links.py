"""Link syntax in text made inert before a platform renders it as markup.

Replies mix the bot's words with what people typed (a draft, a concern report, a question read
back), so the renderers treat every field as possibly typed by someone: `[label](url)` in an
Adaptive Card would become a live link whose label hides where it goes, sent to the Deputy Head
or the DSL in the bot's own name. The bot's own links are bare URLs (the policy and training
links from data/school.toml), which stay as they are; the bot never writes link syntax itself.

A zero-width space breaks the syntax without changing what anyone reads: Markdown needs `](`,
`][` and `]:` with nothing between (inline links and images, reference links and their
definitions), and an autolink needs `<` right before its scheme or address. Slack's own syntax
(`<url|label>`, `<!channel>`, `<@U…>`) is neutralised by the Slack renderer's escaping of <, > and &.
"""
from __future__ import annotations

import re

ZERO_WIDTH_SPACE = "\u200b"
MARKDOWN_LINK_JOIN = re.compile(r"\](?=[(\[:])")
# CommonMark autolinks: <scheme:…> (a scheme is 2 to 32 characters) and <someone@example.org>.
AUTOLINK_START = re.compile(r"<(?=[A-Za-z][A-Za-z0-9+.\-]{1,31}:|[^\s<>@]+@)")


def inert_links(text: str) -> str:
    """The text as it reads, with no link syntax a Markdown renderer would turn into a link."""
    if "]" not in text and "<" not in text:
        return text
    text = MARKDOWN_LINK_JOIN.sub("]" + ZERO_WIDTH_SPACE, text)
    return AUTOLINK_START.sub("<" + ZERO_WIDTH_SPACE, text)
