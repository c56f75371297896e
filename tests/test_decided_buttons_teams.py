"""Decided buttons close on the Teams card they were pressed on (issue 16): the real server on 127.0.0.1
in the Emulator's mode against the fake Bot Connector, which records the card updates (PUT of the
activity) it receives. The card keeps its words; the decision's buttons go; who decided and when is added.
"""
from __future__ import annotations

import pytest

from domain.messages import Incoming
from handlers.router import Router
from storage.roster import get_person
from tests.test_reports_e2e import stack, teams_button, teams_personal  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="module")

DRAFT = "Year 4 had a brilliant trip to Marwell Zoo today. Thank you to all the parents who helped!"


def _submit_draft(stack) -> None:
    Router(stack.services).handle(Incoming(
        channel="cli", platform_user_id="hughes", person=get_person(stack.db, "hughes"), conversation_id="t:hughes",
        action="draft.submit", value={"platform": "facebook", "pictured": "none", "text": DRAFT}))


async def _card_for(stack, person_id: str, containing: str, mark: int):
    await stack.hub.dispatcher.deliver_due()
    found = stack.teams_replies(mark, teams_personal(person_id), containing)
    assert found, f"no card containing {containing!r} for {person_id}"
    return found[-1]


async def _press(stack, person_id: str, card_call, title: str, **inputs) -> None:
    activity = stack.teams_activity(person_id, value={**teams_button(card_call, title), **inputs})
    activity["replyToId"] = card_call.activity_id
    await stack.teams_post(activity)


def _updates(stack, mark: int) -> list:
    return [c for c in stack.teams_calls(mark) if c.is_update]


def _actions(call) -> list[str]:
    return [a["title"] for card in call.body["attachments"] for a in card["content"].get("actions", [])]


async def test_approve_updates_the_approvers_card_with_who_and_when(stack):
    await stack.use("teams", "okafor", "hughes")
    mark = stack.teams_mark()
    _submit_draft(stack)
    request = await _card_for(stack, "okafor", "needs your approval", mark)
    assert {"Approve", "Reject"} <= set(_actions(request))
    mark = stack.teams_mark()
    await _press(stack, "okafor", request, "Approve")
    [update] = _updates(stack, mark)
    assert update.path == f"/v3/conversations/{teams_personal('okafor')}/activities/{request.activity_id}"
    assert _actions(update) == [] and "Approved by Daniel Okafor at " in update.text and "Marwell Zoo" in update.text


async def test_reject_through_its_form_closes_the_form_and_the_original_card(stack):
    await stack.use("teams", "okafor", "hughes")
    mark = stack.teams_mark()
    _submit_draft(stack)
    request = await _card_for(stack, "okafor", "needs your approval", mark)
    mark = stack.teams_mark()
    await _press(stack, "okafor", request, "Reject")
    assert _updates(stack, mark) == []  # no decision yet: a reason is asked for
    form = stack.teams_reply(mark, teams_personal("okafor"), "Why are you rejecting it?")
    mark = stack.teams_mark()
    await _press(stack, "okafor", form, "Submit", reason="It names a pupil")
    updated = {c.path.rsplit("/", 1)[-1]: c for c in _updates(stack, mark)}
    assert set(updated) == {form.activity_id, request.activity_id}
    for call in updated.values():
        assert _actions(call) == [] and "Rejected by Daniel Okafor at " in call.text
        assert "Input.Text" not in call.text


async def test_acknowledge_closes_only_the_acknowledge_button(stack):
    await stack.use("teams", "shah", "clarke")
    mark = stack.teams_mark()
    ref = await _file_report(stack)
    alert = await _card_for(stack, "shah", ref, mark)
    assert "Acknowledge" in _actions(alert)
    mark = stack.teams_mark()
    await _press(stack, "shah", alert, "Acknowledge")
    [update] = _updates(stack, mark)
    assert "Acknowledge" not in _actions(update) and "Close with outcome" in _actions(update)
    assert "Acknowledged by Priya Shah at " in update.text


async def _file_report(stack) -> str:
    from tests.test_decided_buttons import file_report

    return file_report(stack.services)
