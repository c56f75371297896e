"""Help, "who am I", away / back for approvers, and the policy-gap register in chat.

Text routes here are exact commands (after lower-casing and trimming punctuation), so a real
question that merely contains a command word ("can I help a pupil with their instagram?") still
reaches the answer engine.
"""
from __future__ import annotations

import re

from domain.messages import Button, Incoming, Person, Reply
from handlers.ask import EXAMPLE_QUESTIONS
from handlers.context import Services
from handlers.people import role_list, role_names
from handlers.router import TextRoute
from storage import questions as question_store
from storage.roster import is_away, people_with_role, set_away

# The Headteacher and the governors review the policy each year, so both may read the gap register.
GAP_REGISTER_ROLES = ("headteacher", "governor", "chair_of_governors")
AWAY_ROLES = ("deputy_head", "headteacher")
GAPS_SHOWN_IN_CHAT = 10
CSV_COMMAND = "python app.py gaps --csv --output policy-gaps.csv"

HELP_COMMANDS = frozenset({
    "help", "menu", "what can you do", "what can i do", "what can i do here", "hi", "hello", "hey",
    "hiya", "start", "home", "options", "commands", "?", "help me", "hi there", "hello there",
    "good morning", "good afternoon",
})
WHO_AM_I_COMMANDS = frozenset({"who am i", "whoami", "my roles", "what are my roles", "what is my role"})
AWAY_COMMANDS = frozenset({"im away", "i am away", "away", "im out of office", "i am out of office",
                           "out of office", "im off", "i am off"})
BACK_COMMANDS = frozenset({"im back", "i am back", "back", "back in", "im back in", "i am back in"})
GAP_COMMANDS = frozenset({"policy gaps", "gap register", "policy gap register", "gaps", "show policy gaps",
                          "show gap register", "show the gap register", "show gaps", "the gap register"})


def command_of(text: str) -> str:
    """Lower-case, apostrophes dropped, surrounding punctuation and spaces trimmed."""
    text = (text or "").strip().lower().replace("'", "").replace("’", "")
    text = re.sub(r"^[\s/!.,]+|[\s.!,]+$", "", text)
    if text != "?":
        text = text.rstrip("?").strip()
    text = re.sub(r"\s+(please|policy ?bot|bot)$", "", text)
    return " ".join(text.split())


def _is(commands: frozenset[str]):
    return lambda incoming, services: command_of(incoming.text) in commands


# --- help -------------------------------------------------------------------------------------

def help_card(person: Person | None, may_submit_drafts: bool = False) -> Reply:
    """What this person can do here, with buttons for the common things."""
    lines = ["Here is what I can do for you:",
             "• Ask me a question about the social media policy, in your own words",
             "• Report a safeguarding concern to the DSL (the ones you sent: type *my reports*)",
             "• See your training and acknowledge the policy"]
    buttons = [Button("Ask a question", "home.ask", {}, style="primary"),
               Button("Report a concern", "report.start", {}, style="danger"),
               Button("My training", "training.mine", {})]
    roles = person.roles if person else frozenset()
    if may_submit_drafts:  # a roster poster, or authorised by the IT manager in chat
        lines += ["• Submit a post draft for approval", "• See your drafts: type *my drafts*"]
        buttons.append(Button("Submit a draft", "draft.start", {}))
    if roles & {"deputy_head", "headteacher"}:
        lines += ["• Drafts waiting for you: type *pending approvals*",
                  "• Tell me when you are away: type *I'm away* (and *I'm back*)"]
    if "it_manager" in roles:
        lines += ["• Authorise or revoke a poster: type *authorise NAME to post* or *revoke NAME as poster*",
                  "• See who can post: type *who can post*"]
    if roles & {"dsl", "deputy_dsl", "headteacher"}:  # the Headteacher may read reports too
        lines.append("• Concern reports still open: type *open reports*")
    if "headteacher" in roles:
        lines.append("• Staff training: type *training report*")
    if roles & set(GAP_REGISTER_ROLES):
        lines.append("• Questions the policy does not answer: type *policy gaps*")
        buttons.append(Button("Policy gaps", "admin.gaps", {}))
    lines.append("Type *who am I* to see your roles.")
    notes = []
    if person is None:
        notes.append("You are not linked to the school roster yet, so I only know you as a guest. "
                     "Ask the IT manager to link your account.")
    return Reply(title="Policy Bot", text="\n".join(lines), buttons=buttons, notes=notes)


def handle_help(incoming: Incoming, services: Services) -> list[Reply]:
    from handlers.drafts import may_submit

    return [help_card(incoming.person, may_submit(services, incoming.person))]


def handle_home_ask(incoming: Incoming, services: Services) -> list[Reply]:
    # The examples are the buttons; listing them in the text too said everything twice.
    return [Reply(text="Ask me anything about the school's social media policy: type it in your own words, "
                       "or press one of these examples.",
                  buttons=[Button(q, "ask.example", {"question": q}) for q in EXAMPLE_QUESTIONS])]


# --- who am I, away / back --------------------------------------------------------------------

def handle_who_am_i(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return [Reply("You are not linked to the roster — ask the IT manager to link your account. "
                      "You can still ask me questions about the policy.")]
    facts = [("Name", person.name), ("Roles", role_list(person.roles))]
    if person.job_title:
        facts.append(("Job title", person.job_title))
    if person.has_role(*AWAY_ROLES):
        facts.append(("Away", "yes" if is_away(services.db, person.id) else "no"))
    return [Reply(text=f"You are {person.name}.", facts=facts, private=True)]


def _set_away(incoming: Incoming, services: Services, away: bool) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role(*AWAY_ROLES):
        return [Reply("Marking yourself away is for the Deputy Head and the Headteacher "
                      f"(role needed: {role_names('deputy_head', 'headteacher')}). Nothing was changed.")]
    from handlers.drafts import hand_over_waiting_drafts

    with services.db.atomic():  # the away mark and the hand-over of waiting drafts together
        set_away(services.db, person.id, away)
        handed = hand_over_waiting_drafts(services) if away else 0
    other_role = "headteacher" if person.has_role("deputy_head") and not person.has_role("headteacher") else "deputy_head"
    others = [p.name for p in people_with_role(services.db, other_role) if p.id != person.id]
    cover = others[0] if others else ("the Headteacher" if other_role == "headteacher" else "the Deputy Head")
    if away:
        waiting = (f" I've sent {cover} the {handed} draft{'s' if handed != 1 else ''} already waiting."
                   if handed else "")
        return [Reply(f"Marked you as away. Drafts waiting for approval will go to {cover} until you "
                      f"type *I'm back*.{waiting}")]
    return [Reply("Welcome back. Drafts waiting for approval come to you again.")]


def handle_away(incoming: Incoming, services: Services) -> list[Reply]:
    return _set_away(incoming, services, True)


def handle_back(incoming: Incoming, services: Services) -> list[Reply]:
    return _set_away(incoming, services, False)


# --- the policy-gap register ------------------------------------------------------------------

def handle_gaps(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None or not person.has_role(*GAP_REGISTER_ROLES):
        return [Reply("The policy-gap register is for the Headteacher and the governors' annual review "
                      f"(role needed: {role_names('headteacher', 'governor')}).")]
    gaps = question_store.gap_register(services.db)
    if not gaps:
        return [Reply("No gaps so far: every question has been answered and no answer was marked "
                      "not helpful.", title="Policy-gap register", private=True)]
    lines = []
    for number, gap in enumerate(gaps[:GAPS_SHOWN_IN_CHAT], start=1):
        asked = "once" if gap.times_asked == 1 else f"{gap.times_asked} times"
        lines.append(f"{number}. \"{gap.question}\" — asked {asked}, first {gap.first_asked[:10]}, "
                     f"last {gap.last_asked[:10]} ({gap.reason})")
    shown = min(len(gaps), GAPS_SHOWN_IN_CHAT)
    summary = f"{len(gaps)} question{'s' if len(gaps) != 1 else ''} the policy did not answer well"
    if len(gaps) > shown:
        summary += f"; the {shown} most asked:"
    else:
        summary += ":"
    return [Reply(title="Policy-gap register", text=summary + "\n" + "\n".join(lines), private=True,
                  notes=[f"The full register as a spreadsheet (CSV): ask the IT manager to run `{CSV_COMMAND}` "
                         "on the bot's server."])]


def handle_action(incoming: Incoming, services: Services) -> list[Reply]:
    handler = {"home.ask": handle_home_ask, "home.help": handle_help, "admin.gaps": handle_gaps,
               "admin.whoami": handle_who_am_i}.get(incoming.action or "")
    if handler is None:
        return [Reply("That button is no longer active. Type *help* to see what I can do.")]
    return handler(incoming, services)


ACTIONS = {"home": handle_action, "admin": handle_action}

TEXT_ROUTES = [
    TextRoute("admin.help", _is(HELP_COMMANDS), handle_help),
    TextRoute("admin.whoami", _is(WHO_AM_I_COMMANDS), handle_who_am_i),
    TextRoute("admin.away", _is(AWAY_COMMANDS), handle_away),
    TextRoute("admin.back", _is(BACK_COMMANDS), handle_back),
    TextRoute("admin.gaps", _is(GAP_COMMANDS), handle_gaps),
]
