"""What every part of the concern-report feature shares: its words and lists, and the rule that
every report reply is private and sealed (confidential)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from domain.messages import Incoming, Reply
from handlers.context import Services
from handlers.people import role_titles
from handlers.schedule import format_moment
from storage import reports as store

FLOW = "report"
MAX_ANSWER_LENGTH = 4000
INTAKE_REMINDER_AFTER = timedelta(days=1)

PUBLIC_LINE = "I've messaged you privately about this."

CATEGORIES = (
    ("child", "Safeguarding concern about a child"),
    ("staff_social_media", "Staff use of social media"),
    ("pupil_misuse", "Pupil misuse of social media"),
    ("parent_misuse", "Parent or carer misuse of social media"),
    ("other", "Something else"),
)
CATEGORY_LABELS = dict(CATEGORIES)
ABOUT_STAFF = (
    ("no", "No"),
    ("staff", "Yes: another member of staff or a volunteer"),
    ("dsl", "Yes: the Designated Safeguarding Lead"),
    ("headteacher", "Yes: the Headteacher"),
)
ROUTING_FOR_ABOUT = {"no": "standard", "staff": "staff", "dsl": "about_dsl", "headteacher": "about_headteacher"}
OUTCOMES = (
    ("no_further_action", "No further action"),
    ("advice_given", "Advice or support given in school"),
    ("early_help", "Early help"),
    ("referred_social_care", "Referred to children's social care"),
    ("referred_lado", "Referred to the LADO"),
    ("referred_police", "Referred to the police"),
    ("other", "Other"),
)
OUTCOME_LABELS = dict(OUTCOMES)

STEPS = ("danger", "about_staff", "category", "what", "who", "when", "where", "evidence")
DETAIL_STEPS = STEPS[2:]
TEXT_STEPS = ("what", "who", "when", "where")
STEP_LABELS = {"category": "Category", "what": "What happened", "who": "Who is involved",
               "when": "When", "where": "Where", "evidence": "Evidence"}

REF = r"([A-Za-z]{2,10}-\d{4}-\d{1,6})"
YES = frozenset({"yes", "y", "yeah", "yep", "yes please", "i think so", "true"})
NO = frozenset({"no", "n", "nope", "not now", "no one is", "false"})
NONE_WORDS = frozenset({"none", "no", "nothing", "n/a", "na", "skip", "no evidence", "-"})


# --- small helpers -------------------------------------------------------------------------------

def has_words(text: str) -> bool:
    """True when the text says something in words (letters or digits, any script), not only emoji."""
    return any(ch.isalnum() for ch in text)


def clean_text(text: str) -> str:
    return (text or "").strip()


def seal_reply(reply: Reply) -> Reply:
    """Private, and confidential: whatever a report reply carries (the reporter's own words, a
    View, a chronology, who raised what) is stored only encrypted if it waits in the outbox."""
    return replace(reply, private=True, confidential=True)


def privately(incoming: Incoming, replies: list[Reply]) -> list[Reply]:
    """Every report reply is private; in a channel the public reply says only that we moved to DM."""
    private = [seal_reply(r) for r in replies]
    return private if incoming.private else [Reply(PUBLIC_LINE)] + private


def local_time(services: Services, stamp: str | None) -> str:
    """A stored UTC timestamp as the school reads it: "26 November 2026, 11:50" (local time)."""
    return format_moment(stamp, services.config.timezone)


def roles_phrase(roles: tuple[str, ...]) -> str:
    return " or ".join(roles)


def role_refusal(roles: tuple[str, ...]) -> Reply:
    return Reply(f"Concern reports are opened only by the safeguarding team. Role needed: {role_titles(roles)}. "
                 "If you have a concern yourself, type *report a concern*.", private=True)


def not_yours_or_missing() -> Reply:
    """One reply for a reference that does not exist and a report routed to someone else.

    Told apart, they would let a reader learn that a report exists which is kept from them: for a
    DSL or a Headteacher, that a concern about them has been raised."""
    return Reply("There is no concern report with that reference that you can open. Check the reference, or type "
                 f"*open reports* for the ones routed to you. Role needed: the one the report is routed to "
                 f"({role_titles(store.ANY_READER_ROLES)}).", private=True)


# --- intake state (sealed) ------------------------------------------------------------------------
