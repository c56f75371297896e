"""Post drafts: posters submit, the pre-check runs, the Deputy Head approves, the post is published.

The feature's parts: common (who may do what, the pre-check), cards (the draft as a card and the
messages it causes), commands (what a typed command looks like), submission, approval, listing,
posters, publishing, reminders, and routes (the typed commands and the routing tables
handlers.router reads from here).
"""
from handlers.drafts.cards import hand_over_waiting_drafts
from handlers.drafts.common import is_poster, may_submit
from handlers.drafts.reminders import nudge_waiting_approvers
from handlers.drafts.routes import ACTIONS, FLOWS, TEXT_ROUTES, route_text

TICKS = [nudge_waiting_approvers]

__all__ = ["ACTIONS", "FLOWS", "TEXT_ROUTES", "TICKS", "hand_over_waiting_drafts", "is_poster", "may_submit",
           "nudge_waiting_approvers", "route_text"]
