"""Publishing approved drafts to the school's Facebook Page and Instagram account (Meta's Graph API).

Off until configured, per account, from the environment (never the database):
  POLICYBOT_FACEBOOK_PAGE_ID      the Page's id            } Facebook publishes by itself
  POLICYBOT_META_PAGE_TOKEN       a Page access token      }
  POLICYBOT_INSTAGRAM_ACCOUNT_ID  the Instagram professional account linked to that Page: Instagram too
  POLICYBOT_GRAPH_API_URL         default https://graph.facebook.com/v21.0 (tests: a fake on 127.0.0.1)
  POLICYBOT_PUBLISH_POLL_SECONDS  how often to look for posts due (default 15)
When on, a background loop (started and stopped with the app) runs handlers.drafts.autopublish.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Mapping

from aiohttp import web

from bot.meta.graph import DEFAULT_BASE_URL, GraphClient
from bot.meta.publisher import MetaPublisher

log = logging.getLogger(__name__)

PUBLISHER = web.AppKey("meta_publisher", MetaPublisher)
POLL_SECONDS = 15.0
ERROR_RETRY_SECONDS = 60.0


def platforms_from(env: Mapping[str, str]) -> frozenset[str]:
    """The accounts the environment configures: none without a Page id and its token."""
    if not (env.get("POLICYBOT_FACEBOOK_PAGE_ID", "").strip() and env.get("POLICYBOT_META_PAGE_TOKEN", "").strip()):
        return frozenset()
    return frozenset({"facebook"} | ({"instagram"} if env.get("POLICYBOT_INSTAGRAM_ACCOUNT_ID", "").strip() else set()))


def publisher_from(env: Mapping[str, str]) -> MetaPublisher | None:
    if not platforms_from(env):
        return None
    client = GraphClient(env["POLICYBOT_META_PAGE_TOKEN"].strip(),
                         env.get("POLICYBOT_GRAPH_API_URL", "").strip() or DEFAULT_BASE_URL)
    return MetaPublisher(client, env["POLICYBOT_FACEBOOK_PAGE_ID"].strip(),
                         env.get("POLICYBOT_INSTAGRAM_ACCOUNT_ID", "").strip() or None)


def mount(app: web.Application, hub, env: Mapping[str, str]) -> None:
    from handlers.drafts.autopublish import publish_due

    publisher = publisher_from(env)
    if publisher is None:
        return
    services = hub.services
    services.publishing = platforms_from(env)
    app[PUBLISHER] = publisher
    log.info("publishing approved drafts to: %s", ", ".join(sorted(services.publishing)))

    try:
        poll = float(env.get("POLICYBOT_PUBLISH_POLL_SECONDS") or POLL_SECONDS)
    except ValueError:
        poll = POLL_SECONDS

    async def loop(app: web.Application):
        async def run() -> None:
            while True:
                wait = poll
                try:
                    await publish_due(services, publisher)
                except Exception:  # a database fault must not end the loop for good
                    log.exception("publishing loop error")
                    wait = ERROR_RETRY_SECONDS
                await asyncio.sleep(wait)

        task = asyncio.create_task(run())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    app.cleanup_ctx.append(loop)
