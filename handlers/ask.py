"""Questions about the policy: the engine's Answer rendered as a Reply, recorded for the gap register.

Every answered question carries helpful / not helpful buttons; "see also" and "did you mean…?"
buttons show one clause. A message that reads as a safeguarding disclosure puts the DSL first and
is never recorded as a question (storage.questions keeps disclosures out of analytics).
"""
from __future__ import annotations

import logging
import re

from domain.messages import Button, Incoming, Reply
from handlers.context import Services
from handlers.router import TextRoute
from knowledge.answers import Answer
from storage import questions as question_store
from storage import state as state_store
from storage.errors import STORAGE_FAULTS
from storage.roster import people_with_role

log = logging.getLogger(__name__)

VERDICT_IN_PLAIN_WORDS = {
    "no": "No: the policy does not allow this.",
    "yes": "Yes: the policy allows or expects this.",
    "depends": "It depends: the policy sets a condition here (such as consent or permission).",
    "info": "This part of the policy is for information.",
}
# A rule about reporting safeguarding issues ("Staff members will report any safeguarding issues…").
REPORTING_RULE = re.compile(r"\breport\b.*\bsafeguarding\b|\bsafeguarding\b.*\breport", re.I)
EMPTY_PROMPT = "Type a question about the school's social media policy, or *help* to see what I can do."

EXAMPLE_QUESTIONS = (
    "Can I accept a friend request from a parent?",
    "Can I post photos of pupils on my own Instagram?",
    "Who manages the school's Facebook page?",
)

# Typed feedback straight after an answer (compared after lower-casing and trimming punctuation).
NOT_HELPFUL_WORDS = frozenset({
    "not helpful", "unhelpful", "that didnt help", "that did not help", "didnt help", "did not help",
    "that wasnt helpful", "that was not helpful", "not useful", "no help", "wrong answer", "👎",
    "thumbs down",
})
HELPFUL_WORDS = frozenset({
    "helpful", "that helped", "that helps", "thanks that helped", "that was helpful", "very helpful",
    "useful", "👍", "thumbs up",
})


def _feedback_phrase(text: str) -> str:
    text = (text or "").strip().lower().replace("'", "").replace("’", "")
    text = re.sub(r"[\s.!,]+$", "", text)
    text = re.sub(r"^(thanks|thank you|cheers|ok|okay|sorry)\b[\s,!.-]*", "", text)
    return " ".join(text.split())


def typed_feedback(text: str) -> bool | None:
    """True / False for typed helpful / not helpful feedback; None for anything else."""
    phrase = _feedback_phrase(text)
    if phrase in NOT_HELPFUL_WORDS:
        return False
    if phrase in HELPFUL_WORDS:
        return True
    return None


# --- rendering --------------------------------------------------------------------------------

def feedback_buttons(question_id: int) -> list[Button]:
    return [Button("👍 Helpful", "ask.feedback", {"question_id": question_id, "helpful": True}),
            Button("👎 Not helpful", "ask.feedback", {"question_id": question_id, "helpful": False})]


def _dsl_names(services: Services | None) -> str:
    if services is None:
        return "the DSL"
    dsls = people_with_role(services.db, "dsl")
    return "the DSL (" + ", ".join(p.name for p in dsls) + ")" if dsls else "the DSL"


def _find_clause(services: Services | None, clause_id: object):
    policy = getattr(getattr(services, "knowledge", None), "policy", None)
    if not isinstance(clause_id, str) or policy is None:
        return None
    try:
        return policy.clause(clause_id)
    except (KeyError, AttributeError):
        return None


def _clause_label(services: Services | None, clause_id: str, heading: str, limit: int = 45) -> str:
    """A button label that tells clauses of the same section apart: the rule's own opening words."""
    clause = _find_clause(services, clause_id)
    if clause is None:
        return heading
    words = clause.text if len(clause.text) <= limit else clause.text[:limit].rsplit(" ", 1)[0] + "…"
    # The clause's own heading: a "did you mean" choice carries "heading: full text", which would
    # repeat the rule's words in the same label.
    return f"{words} ({getattr(clause, 'heading', None) or heading})"


def render_answer(answer: Answer, services: Services | None = None, question_id: int | None = None,
                  show_notice: bool = True) -> Reply:
    """The engine's answer as a Reply. With a question id, it carries the feedback buttons.
    show_notice: whether the renewal notice goes in the small print (see _notice_due)."""
    if answer.report_suggested:
        return _render_disclosure(answer, services)
    reply = Reply(text=_without_notice(answer), data={"answer": answer.to_json()})
    if answer.answered and answer.quote:
        reply.quote = answer.quote
        reply.quote_source = f"Section {answer.section} — {answer.heading}" if answer.heading else None
    for choice in answer.choices:
        label = _clause_label(services, choice.clause, choice.heading)
        reply.buttons.append(Button(f"Did you mean: {label}?", "ask.clause", {"clause": choice.clause}))
    offered = {choice.clause for choice in answer.choices}
    for related in answer.related:
        if related.clause in offered:  # already a "did you mean" button
            continue
        label = _clause_label(services, related.clause, related.heading)
        reply.buttons.append(Button(f"See also: {label}", "ask.clause", {"clause": related.clause}))
    if answer.answered and answer.quote and REPORTING_RULE.search(answer.quote):
        # A question about reporting a worry gets the way to report one, not only the rule.
        reply.buttons.append(Button("Report a concern", "report.start", {}, style="danger"))
    if question_id is not None:
        reply.data["question_id"] = question_id
        if answer.answered:  # an unanswered question is a gap already; there is nothing to rate
            reply.buttons.extend(feedback_buttons(question_id))
    if show_notice:
        _add_notice(reply, answer)
    return reply


def _without_notice(answer: Answer) -> str:
    """The answer's text for chat: the renewal notice moves to the small print."""
    text = answer.text
    if answer.notice and text.endswith(answer.notice):
        text = text[:-len(answer.notice)].rstrip()
    return text


def _add_notice(reply: Reply, answer: Answer) -> None:
    if answer.notice and answer.notice not in reply.text:
        reply.notes.append(answer.notice)


def _render_disclosure(answer: Answer, services: Services | None) -> Reply:
    """Reporting to the DSL comes first; the policy text, if any, after."""
    dsl = _dsl_names(services)
    text = (f"This sounds like something to report to {dsl} now, today, in person or by phone if you can; "
            "do not wait or investigate yourself.\n"
            "• Do not promise the child confidentiality: say you will have to tell the people who can help.\n"
            "• Tell the DSL now, and write down what you saw or were told, in their words, with the time.")
    reply = Reply(
        title="Safeguarding: tell the DSL now", text=text, private=True,
        buttons=[Button("Report to the DSL now", "report.start", {}, style="danger")],
        data={"answer": answer.to_json(), "report_suggested": True},
    )
    # The rule it touches, after the safeguarding steps; only when the engine is sure of it.
    if answer.answered and answer.quote and not answer.choices:
        reply.quote = answer.quote
        reply.quote_source = f"Section {answer.section} — {answer.heading}" if answer.heading else None
    # No renewal notice here: nothing may stand between the reader and telling the DSL.
    return reply


def _notice_due(incoming: Incoming, services: Services, answer: Answer) -> bool:
    """The renewal notice goes under an answer, never a refusal, and once a day per person (a
    note under every reply is soon not read at all)."""
    if not (answer.notice and answer.answered):
        return False
    try:
        return state_store.first_showing_today(services.db, incoming.who, "policy_renewal", services.today())
    except STORAGE_FAULTS as error:
        log.warning("renewal notice not recorded: %s", error)
        return False


# --- handlers ---------------------------------------------------------------------------------

def asker_group(incoming: Incoming) -> str | None:
    """Who is asking, as the answering pipeline reads rules: everyone on the roster works or
    volunteers at the school (its staff rules bind governors and volunteers too); someone not on it
    is read from what they write ("parent here…")."""
    return "staff" if incoming.person is not None else None


def handle_question(incoming: Incoming, services: Services) -> list[Reply]:
    text = question_store.clean_text(incoming.text)
    if not text:
        return [Reply(EMPTY_PROMPT)]
    answer = services.knowledge.answer(text, audience=asker_group(incoming), today=services.today())
    now = services.now()
    try:
        if answer.report_suggested:
            # Kept out of question analytics entirely: nothing of the text is stored.
            question_store.forget_last_answer(services.db, incoming.who, now)
            return [render_answer(answer, services)]
        question_id = question_store.record_question(
            services.db, person_id=incoming.who, channel=incoming.channel, text=text, now=now,
            answered=answer.answered, section=answer.section, clause=answer.clause, verdict=answer.verdict,
            confidence=answer.confidence, choices=[c.clause for c in answer.choices])
    except STORAGE_FAULTS as error:
        # The database locked or full must not stop anyone reading the policy: answer without
        # recording the question (no feedback buttons then, as there is nothing to rate).
        log.warning("question not recorded: %s", error)
        question_id = None
    return [render_answer(answer, services, question_id, show_notice=_notice_due(incoming, services, answer))]


def handle_typed_feedback(incoming: Incoming, services: Services) -> list[Reply]:
    helpful = typed_feedback(incoming.text)
    question_id = question_store.last_question_id(services.db, incoming.who, services.now())
    if question_id is None:
        return [Reply("I haven't answered a question of yours just now, so there is nothing to rate. "
                      "Ask me something about the social media policy first.")]
    return _save_feedback(incoming, services, question_id, bool(helpful), how="typed")


def _save_feedback(incoming: Incoming, services: Services, question_id: int, helpful: bool,
                   how: str) -> list[Reply]:
    asked = question_store.question(services.db, question_id)
    if asked is None or asked["person_id"] != incoming.who:
        return [Reply("That feedback button is not for one of your questions, so nothing was recorded.")]
    question_store.record_feedback(services.db, question_id, incoming.who, helpful, services.now(), how=how)
    if helpful:
        return [Reply("Thanks, glad that helped.")]
    return [Reply("Thanks for telling me. I've noted that this answer didn't help; the Headteacher "
                  "reviews these gaps when the policy is renewed. If you still need an answer now, ask "
                  "the Deputy Head or the Headteacher (or the DSL if it is about a child's safety).")]


def handle_feedback_button(incoming: Incoming, services: Services) -> list[Reply]:
    value = incoming.value or {}
    question_id = value.get("question_id")
    helpful = value.get("helpful")
    if isinstance(question_id, str) and question_id.isdigit():
        question_id = int(question_id)
    if isinstance(helpful, str) and helpful.lower() in ("true", "false"):
        helpful = helpful.lower() == "true"
    if not isinstance(question_id, int) or isinstance(question_id, bool) or not isinstance(helpful, bool):
        return [Reply("That feedback button is not valid any more, so nothing was recorded.")]
    return _save_feedback(incoming, services, question_id, helpful, how="button")


def clause_reply(services: Services, clause_id: object) -> Reply:
    """One clause: the policy's words, the full sentence in plain words, and its own verdict."""
    clause = _find_clause(services, clause_id)
    if clause is None:
        return Reply("I can't find that part of the policy. Ask me your question again in your own words.")
    plain = getattr(clause, "statement", None) or clause.text
    verdict = getattr(clause, "verdict", None)
    lines = []
    if plain and plain != clause.text:
        lines.append(f"In full: {plain}")
    if verdict in VERDICT_IN_PLAIN_WORDS:
        lines.append(VERDICT_IN_PLAIN_WORDS[verdict])
    return Reply(title=f"Section {clause.section} — {clause.heading}", text="\n".join(lines) or clause.text,
                 quote=clause.text, quote_source=f"Section {clause.section} — {clause.heading}",
                 data={"clause": clause.id, "verdict": verdict})


def handle_clause_button(incoming: Incoming, services: Services) -> list[Reply]:
    return [clause_reply(services, (incoming.value or {}).get("clause"))]


def handle_example_button(incoming: Incoming, services: Services) -> list[Reply]:
    question = (incoming.value or {}).get("question")
    if not isinstance(question, str) or question not in EXAMPLE_QUESTIONS:
        return [Reply(EMPTY_PROMPT)]
    return handle_question(Incoming(channel=incoming.channel, platform_user_id=incoming.platform_user_id,
                                    text=question, person=incoming.person,
                                    conversation_id=incoming.conversation_id, private=incoming.private),
                           services)


ACTION_HANDLERS = {
    "ask.feedback": handle_feedback_button,
    "ask.clause": handle_clause_button,
    "ask.example": handle_example_button,
}


def handle_action(incoming: Incoming, services: Services) -> list[Reply]:
    handler = ACTION_HANDLERS.get(incoming.action or "")
    if handler is None:
        return [Reply("That button is no longer active. Type *help* to see what I can do.")]
    return handler(incoming, services)


ACTIONS = {"ask": handle_action}

TEXT_ROUTES = [
    TextRoute("ask.feedback", lambda incoming, services: typed_feedback(incoming.text) is not None,
              handle_typed_feedback),
    # The default route: anything no other feature claimed is a question about the policy.
    TextRoute("ask", lambda incoming, services: True, handle_question),
]
