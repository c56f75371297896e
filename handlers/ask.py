"""Questions about the policy: the answer engine's Answer, rendered as a channel-free Reply."""
from __future__ import annotations

from handlers.context import Services
from handlers.messages import Button, Incoming, Reply
from handlers.router import TextRoute
from knowledge.answers import Answer

VERDICT_TITLES = {"no": "No", "yes": "Yes", "depends": "It depends", "info": None}


def render_answer(answer: Answer) -> Reply:
    reply = Reply(text=answer.text, data={"answer": answer.to_json()})
    if answer.answered and answer.quote:
        reply.quote = answer.quote
        reply.quote_source = f"Section {answer.section} — {answer.heading}" if answer.heading else None
    if answer.report_suggested:
        reply.buttons.append(Button("Report to the DSL now", "report.start", {}, style="danger"))
    for choice in answer.choices:
        reply.buttons.append(Button(f"Did you mean: {choice.heading}?", "ask.clause", {"clause": choice.clause}))
    for related in answer.related:
        reply.buttons.append(Button(f"See also: {related.heading}", "ask.clause", {"clause": related.clause}))
    if answer.notice:
        reply.notes.append(answer.notice)
    return reply


def handle_question(incoming: Incoming, services: Services) -> list[Reply]:
    answer = services.knowledge.answer(incoming.text, today=services.today())
    return [render_answer(answer)]


TEXT_ROUTES = [TextRoute("ask", lambda incoming, services: True, handle_question)]
