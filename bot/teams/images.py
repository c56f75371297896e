"""A post draft's photos on a Teams card: small JPEG thumbnails inlined as data URIs.

An Adaptive Card fetches an Image's url from Teams' side, and a draft's photos must never be at a
public address; so each photo goes inline, shrunk (handlers.drafts.media.thumbnail), within a budget
that keeps the whole activity under the connector's message size limit. The handler already decided
the reader may see the draft; the bytes come from handlers.delivery only here, at sending time.
"""
from __future__ import annotations

import base64
import dataclasses

from domain.messages import Reply
from handlers.context import Services
from handlers.delivery import reply_images

# Teams refuses a message over about 28 KB; the card's text, facts and buttons need some of it.
THUMBNAIL_BUDGET_BYTES = 18 * 1024


def with_thumbnails(services: Services, reply: Reply) -> Reply:
    """The reply with data["thumbnails"] ({"name", "url"}) for the photos it names; unchanged if none."""
    from handlers.drafts.media import thumbnail

    if not reply.data.get("images"):
        return reply
    thumbnails, spent, left_out = [], 0, 0
    for found in reply_images(services, reply):
        small = thumbnail(found["data"], side=160)
        if small is None:
            continue
        url = "data:image/jpeg;base64," + base64.b64encode(small).decode("ascii")
        if spent + len(url) > THUMBNAIL_BUDGET_BYTES:
            left_out += 1
            continue
        spent += len(url)
        thumbnails.append({"name": found["name"], "url": url})
    data = {**reply.data, "thumbnails": thumbnails}
    if left_out:
        data["thumbnails_left_out"] = left_out
    return dataclasses.replace(reply, data=data)
