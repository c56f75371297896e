"""Closing the buttons of a decided item on the Teams card they were on (update activity).

A card submit names the card it came from (replyToId) but does not carry it, so the cards with
buttons this process sent are remembered, in memory only (they may hold report details), by
activity id. A card whose button asked for a reason (Reject) is linked to the form card that
followed, so the decision made on the form closes both. After a restart an unremembered card is
replaced by the note alone.
"""
from __future__ import annotations

import logging
from collections import OrderedDict

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.teams.cards import reply_to_card
from handlers.decided import closed, closing_line, decision_in
from domain.messages import Reply

log = logging.getLogger(__name__)

MAX_REMEMBERED = 1000


class SentCards:
    def __init__(self) -> None:
        self._cards: OrderedDict[str, tuple[Reply, str | None]] = OrderedDict()

    def remember(self, response, reply: Reply, pressed: str | None = None) -> None:
        """A card just sent (`response` from send_activity); `pressed`: the card whose button led to it."""
        activity_id = getattr(response, "id", None)
        if not activity_id or not (reply.buttons or reply.form):
            return
        self._cards[activity_id] = (reply, pressed if reply.form else None)
        while len(self._cards) > MAX_REMEMBERED:
            self._cards.popitem(last=False)

    def chain(self, activity_id: str) -> list[tuple[str, Reply | None]]:
        """The card and the card that led to it (a form's origin), newest first."""
        found, seen = [], set()
        while activity_id and activity_id not in seen:
            seen.add(activity_id)
            reply, origin = self._cards.get(activity_id, (None, None))
            found.append((activity_id, reply))
            activity_id = origin
        return found


async def close_decided(turn_context: TurnContext, sent: SentCards, replies: list[Reply]) -> None:
    decision = decision_in(replies)
    pressed = turn_context.activity.reply_to_id
    if decision is None or not pressed:
        return
    for activity_id, original in sent.chain(pressed):
        reply = closed(original, decision) if original is not None else Reply(closing_line(decision))
        updated = MessageFactory.attachment(CardFactory.adaptive_card(reply_to_card(reply)))
        updated.id = activity_id
        try:
            await turn_context.update_activity(updated)
        except Exception as failure:  # the decision stands; only the old card stays as it was
            log.warning("teams: a decided card was not updated (%s)", type(failure).__name__)
