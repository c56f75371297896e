"""What every adapter shares: the router, the delivery dispatcher, and one `handle` call."""
from __future__ import annotations

import asyncio
import logging

from bot.delivery import Dispatcher
from domain.messages import Incoming, Reply
from handlers import people
from handlers.context import Services
from handlers.faults import STORAGE_FAULTS
from handlers.router import Router

log = logging.getLogger(__name__)

# How long a person's reply may wait for the alerts their turn queued. Normally delivery takes
# milliseconds; when a platform hangs (up to its client timeout, per message) the reply goes
# anyway and the delivery carries on in the background.
DELIVERY_WAIT_SECONDS = 2.0


class Hub:
    def __init__(self, services: Services):
        self.services = services
        self.router = Router(services)
        self.dispatcher = Dispatcher(services)
        services.wake_delivery = self.dispatcher.wake

    def identify(self, platform: str, platform_user_id: str, email: str | None = None):
        """The roster person behind a platform account (linked by email on first contact; the
        adapter passes an email only when the platform itself vouched for it, never one taken
        from the request).

        None while the database cannot be read, so the turn still reaches the router, which tells
        the person plainly (rather than the turn failing silently here); no role is granted."""
        try:
            return people.identify(self.services, platform, platform_user_id, email)
        except STORAGE_FAULTS as error:
            log.warning("could not look up a %s account: %s", platform, type(error).__name__)
            return None

    async def handle(self, incoming: Incoming) -> list[Reply]:
        replies = self.router.handle(incoming)
        if self.dispatcher.pending_work:
            # An alert a handler just queued (say, an urgent concern for the DSL) goes out before
            # the person sees the bot's next question, unless a platform is hanging.
            delivery = asyncio.ensure_future(self.dispatcher.deliver_due())
            delivery.add_done_callback(_log_delivery_failure)
            try:
                await asyncio.wait_for(asyncio.shield(delivery), DELIVERY_WAIT_SECONDS)
            except asyncio.TimeoutError:
                log.warning("delivery still running after %.0f s; replying without waiting", DELIVERY_WAIT_SECONDS)
            except Exception:  # logged by the callback; what was queued stays in the outbox
                pass
        return replies


def _log_delivery_failure(delivery: asyncio.Future) -> None:
    if not delivery.cancelled() and delivery.exception() is not None:
        log.error("delivery after a turn failed: %s", type(delivery.exception()).__name__)
