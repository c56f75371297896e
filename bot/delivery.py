"""Proactive delivery: drain the outbox through whichever channel reaches each person.

Handlers only ever queue a Notification; this loop delivers it through handlers/delivery.py. A send that
fails leaves the message pending with a backoff, so nothing is lost when Slack or Teams is down.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from domain.messages import Reply
from handlers import delivery
from handlers.context import Services
from handlers.delivery import LOCAL, UNREADABLE

log = logging.getLogger(__name__)

IDLE_WAKE_SECONDS = 30.0
ERROR_RETRY_SECONDS = 5.0


MAX_RETRY_AFTER_SECONDS = 24 * 3600  # a bigger Retry-After is a fault; the outbox retries daily


def retry_after_seconds(value: object) -> float | None:
    """A platform's Retry-After header as seconds: whole seconds only, capped at a day. Anything
    else (an HTTP date, "inf", "1e3", a negative number) leaves it to the outbox's own backoff."""
    text = str(value if value is not None else "").strip()
    return float(min(int(text), MAX_RETRY_AFTER_SECONDS)) if text.isascii() and text.isdigit() else None


class DeliveryError(Exception):
    """The platform did not take the message; it will be retried."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Sender(Protocol):
    platform: str

    async def send(self, platform_user_id: str, reply: Reply) -> None:
        """Deliver to one person, or raise DeliveryError."""


class Dispatcher:
    def __init__(self, services: Services):
        self.services = services
        self.senders: dict[str, Sender] = {}
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.pending_work = True  # check the outbox once at start: work may be left from before

    def register(self, sender: Sender) -> None:
        self.senders[sender.platform] = sender

    def wake(self) -> None:
        self.pending_work = True
        self._wake.set()

    async def deliver_due(self) -> int:
        """Try every message whose time has come; returns how many were delivered."""
        services, delivered = self.services, 0
        async with self._lock:
            self.pending_work = False
            for message in delivery.due(services):
                if message.reply is None:  # sealed under a report key this server lacks: never skip others
                    next_at = delivery.failed(services, message.id, UNREADABLE)
                    log.error("delivery %s: %s; retry at %s", message.id, UNREADABLE, next_at)
                    continue
                try:
                    channel = await self._send(message.person_id, message.reply)
                except DeliveryError as failure:
                    next_at = delivery.failed(services, message.id, str(failure), failure.retry_after)
                    log.warning("delivery %s failed (%s); retry at %s", message.id, failure, next_at)
                    continue
                delivery.delivered(services, message, channel)
                delivered += 1
        return delivered

    async def _send(self, person_id: str, reply: Reply) -> str:
        """Deliver through the first platform that takes it; DeliveryError only when all refuse.
        Returns the platform, or LOCAL when the person is on none (the caller stores it)."""
        accounts = delivery.accounts(self.services, person_id)
        failures: list[DeliveryError] = []
        for platform, sender in self.senders.items():
            if platform not in accounts:
                continue
            try:
                await sender.send(accounts[platform], reply)
            except DeliveryError as failure:
                failures.append(failure)
                continue
            except Exception as error:  # a platform SDK fault is a failed attempt, not a crash
                failures.append(DeliveryError(f"{platform}: {type(error).__name__}"))
                continue
            return platform
        if failures:
            waits = [f.retry_after for f in failures if f.retry_after is not None]
            raise DeliveryError("; ".join(str(f) for f in failures), min(waits) if waits else None)
        # Nobody on a chat platform: the local channel (web chat / terminal) holds it for them;
        # the caller writes it to the local inbox in the same transaction that marks it delivered.
        return LOCAL

    async def run(self) -> None:
        """Deliver until cancelled, sleeping until the next message is due or a wake-up."""
        while True:
            timeout = IDLE_WAKE_SECONDS
            try:  # a database fault (locked, full, damaged) must not end the loop for good
                await self.deliver_due()
                next_at = delivery.next_due_at(self.services)
                if next_at is not None:
                    timeout = min(timeout, max(0.05, (next_at - self.services.now()).total_seconds()))
            except Exception:
                log.exception("delivery loop error")
                timeout = ERROR_RETRY_SECONDS
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass
