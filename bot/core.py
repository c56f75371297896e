"""What every adapter shares: the router, the delivery dispatcher, and one `handle` call."""
from __future__ import annotations

from bot.delivery import Dispatcher
from handlers.context import Services
from handlers.messages import Incoming, Reply
from handlers.router import Router
from storage.roster import resolve_account


class Hub:
    def __init__(self, services: Services):
        self.services = services
        self.router = Router(services)
        self.dispatcher = Dispatcher(services)
        services.wake_delivery = self.dispatcher.wake

    def identify(self, platform: str, platform_user_id: str, email: str | None = None):
        """The roster person behind a platform account (linked by email on first contact)."""
        return resolve_account(self.services.db, platform, platform_user_id, email)

    async def handle(self, incoming: Incoming) -> list[Reply]:
        replies = self.router.handle(incoming)
        if self.dispatcher.pending_work:
            # An alert a handler just queued (say, an urgent concern for the DSL) goes out before
            # the person sees the bot's next question.
            await self.dispatcher.deliver_due()
        return replies
