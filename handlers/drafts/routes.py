"""Typed commands for one draft ("approve draft 3", "withdraw 3") and the routing tables."""
from __future__ import annotations

import re
from functools import partial
from typing import Any

from handlers.context import Services
from handlers.drafts.approval import continue_edit, continue_reason, decide, resubmit, start_edit, withdraw
from handlers.drafts.commands import DRAFT_COMMAND, DRAFT_MESSAGE, MY_DRAFTS, PENDING, SHOW_DRAFT, START_WORDS
from handlers.drafts.common import DECISIONS, EDIT_FLOW, REASON_FLOW, SUBMIT_FLOW, get_draft
from handlers.drafts.listing import handle_my_drafts, handle_pending, show
from handlers.drafts.posters import (AUTHORISE, REVOKE, WHO_CAN_POST, find_roster_person, handle_authorise,
                                     handle_revoke, handle_who_can_post)
from handlers.drafts.publishing import publish
from handlers.drafts.submission import (choose_draft, continue_submission, handle_draft_message, handle_form_submit,
                                        start_submission)
from domain.messages import Incoming, Reply
from handlers.router import TextRoute

# --- typed commands for one draft ("approve draft 3", "withdraw 3", "published 3") -------------


def handle_draft_command(incoming: Incoming, services: Services) -> list[Reply]:
    match = SHOW_DRAFT.match(incoming.text) or DRAFT_COMMAND.match(incoming.text)
    draft = get_draft(services, int(match.group("id")))
    verb = (match.groupdict().get("verb") or "show").lower().split()[0]
    if draft is None:
        return [Reply(f"There is no draft {match.group('id')}.")]
    # Typed commands act on the version the draft is at now; the role checks are the same as buttons'.
    value: dict[str, Any] = {"draft_id": draft.id, "version": draft.version}
    rest = (match.groupdict().get("rest") or "").strip()
    if verb in ("approve",):
        return decide(incoming, services, "approve", value)
    if verb == "reject":
        return decide(incoming, services, "reject", {**value, "reason": rest})
    if verb == "request":
        return decide(incoming, services, "request_changes", {**value, "comment": rest})
    if verb == "withdraw":
        return withdraw(incoming, services, value)
    if verb in ("published", "publish", "mark"):
        return publish(incoming, services, value)
    if verb in ("resubmit", "edit"):
        return resubmit(incoming, services, {**value, "text": rest}) if rest else start_edit(incoming, services, value)
    return show(incoming, services, value)


# --- routing tables -----------------------------------------------------------------------------

def handle_action(incoming: Incoming, services: Services) -> list[Reply]:
    action, value = incoming.action or "", dict(incoming.value or {})
    if action in DECISIONS:
        return decide(incoming, services, DECISIONS[action], value)
    handler = {
        "draft.start": lambda: start_submission(incoming, services),
        "draft.submit": lambda: handle_form_submit(incoming, services),
        "draft.withdraw": lambda: withdraw(incoming, services, value),
        "draft.publish": lambda: publish(incoming, services, value),
        "draft.edit": lambda: start_edit(incoming, services, value),
        "draft.resubmit": lambda: resubmit(incoming, services, value),
        "draft.show": lambda: show(incoming, services, value),
        "draft.choose": lambda: choose_draft(incoming, services, str(value.get("which") or "")),
    }.get(action)
    if handler is None:
        return [Reply("That button is no longer active. Type *my drafts* to see your drafts.")]
    return handler()


def _it_manager_names_someone(incoming: Incoming, services: Services) -> bool:
    """"authorise lewis" from the IT manager: a command when it names someone on the roster."""
    if incoming.person is None or not incoming.person.has_role("it_manager"):
        return False
    match = AUTHORISE.match(incoming.text or "")
    return bool(match) and find_roster_person(services, match.group("who")) is not None


def _matches(pattern: re.Pattern):
    return lambda incoming, services: bool(pattern.match(incoming.text or ""))



TEXT_ROUTES = [
    TextRoute("drafts.who_can_post", _matches(WHO_CAN_POST), handle_who_can_post),
    TextRoute("drafts.authorise", lambda i, s: bool(AUTHORISE.match(i.text or "")) and (bool(
        re.search(r"@|\bpost", i.text or "", re.I)) or _it_manager_names_someone(i, s)), handle_authorise),
    TextRoute("drafts.revoke", lambda i, s: bool(REVOKE.match(i.text or "")) and bool(
        re.search(r"^\s*(?:please\s+)?(?:revoke|unauthori[sz]e)\b|poster|posting", i.text or "", re.I)), handle_revoke),
    TextRoute("drafts.message", _matches(DRAFT_MESSAGE), handle_draft_message),
    TextRoute("drafts.start", _matches(START_WORDS), start_submission),
    TextRoute("drafts.mine", _matches(MY_DRAFTS), handle_my_drafts),
    TextRoute("drafts.pending", _matches(PENDING), handle_pending),
    TextRoute("drafts.command", lambda i, s: bool(SHOW_DRAFT.match(i.text or "") or DRAFT_COMMAND.match(i.text or "")),
              handle_draft_command),
]
ACTIONS = {"draft": handle_action}


def route_text(incoming: Incoming, services: Services) -> list[Reply]:
    for route in TEXT_ROUTES:
        if route.matches(incoming, services):
            return route.handle(incoming, services)
    return [Reply("Type *my drafts* to see your drafts.")]


# A drafts command typed in the middle of a flow leaves it and goes through this table again.
FLOWS = {SUBMIT_FLOW: partial(continue_submission, new_command=route_text),
         REASON_FLOW: partial(continue_reason, new_command=route_text),
         EDIT_FLOW: partial(continue_edit, new_command=route_text)}

