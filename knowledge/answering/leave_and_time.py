"""Conditions of when and by whose leave, read against the facts a question states: an exception
that is someone's leave ("unless the Headteacher has agreed"), a window of the day ("between 7.30am
and 6.00pm"), a step that must come before access ("receive training before they are given access").
Only the shape of English is here; the words come from the clause and the question.
"""
from __future__ import annotations

import re

from knowledge.answering.conditions import UNSURE, asks_about, own_words
from knowledge.answering.question import Question

# An exception that is someone's leave ("unless the Headteacher has agreed otherwise", "without the
# permission of a member of staff", "unless the press officer has asked them to"), not the consent of
# the people shown ("unless they have given consent", "without the consent of those pupils' parents").
LEAVE_EXCEPTION = re.compile(r"\bunless (?!it is\b|its\b|there is\b|they are\b)(?P<holder>(?:[\w']+ ){1,5}?)(?:has |have )?"
                             r"(?:agreed|agrees|approved|approves|asked|asks|gives permission|given permission|said|says|"
                             r"allows|allowed|authori[sz]ed|authori[sz]es)\b|"
                             r"\bunless (?:approved|authori[sz]ed|agreed)\b(?P<by>[^.;,]*)|"
                             r"\bwithout (?:the )?(?:permission|agreement|approval|authori[sz]ation) of (?P<of>[^.;,]+)", re.I)
CONSENT_OF_PEOPLE = re.compile(r"\b(?:consent|parents?|carers?|families|family|students?|pupils?|"
                               r"child(?:ren)?|they|relationship)\b", re.I)
# The question says the leave was given ("the head has okayed it", "my line manager said I could").
LEAVE_STATED = re.compile(r"\b(?:approved|signed off|cleared|agreed|okd|okayed|given the go ahead|authori[sz]ed|"
                          r"(?:said|says) (?:i|we|they|he|she) (?:can|could|may)|(?:gave|given|got) (?:me |us |them )?"
                          r"(?:the )?(?:permission|approval|go ahead)|(?:has |have )?asked (?:me|us) to|permission from)\b")


def leave_exception(text: str) -> bool:
    """The sentence's exception is someone's leave, not the consent of the people concerned."""
    match = LEAVE_EXCEPTION.search(text)
    if not match:
        return False
    holder = match.group("holder") or match.group("by") or match.group("of") or ""
    return not CONSENT_OF_PEOPLE.search(holder)


def leave_stated(question: Question) -> bool:
    """The question says the leave was given, and not only "if" it is."""
    for match in LEAVE_STATED.finditer(question.normalised):
        before = " ".join(question.normalised[:match.start()].split()[-5:])
        if not re.search(UNSURE + r"|\b(?:not|never|hasnt|havent|isnt|wasnt|no|without)\b", before):
            return True
    return False


# "Messages should be sent between 7.30am and 6.00pm": a window of the day.
WINDOW = re.compile(r"\bbetween (\d{1,2})(?:[.:](\d\d))? ?(am|pm) and (\d{1,2})(?:[.:](\d\d))? ?(am|pm)\b", re.I)
# A time the question states: "at 8pm", "9.30pm", "at 7 in the morning", "at 10 at night".
STATED_TIME = re.compile(r"\b(\d{1,2})(?:[.:](\d\d))? ?(am|pm)\b|\b(?:at|about|around) (\d{1,2})(?:[.:](\d\d))? "
                         r"(?:at night|in the evening|tonight|in the morning)\b")


def _hour(hour: str, minutes: str | None, half: str) -> float:
    value = int(hour) % 12 + (int(minutes) / 60 if minutes else 0)
    return value + 12 if half.lower() in ("pm", "at night", "in the evening", "tonight") else value


def outside_window(text: str, question: Question) -> bool:
    """The sentence allows something only between two times of day, and the question states a time outside them."""
    window = WINDOW.search(text)
    if not window:
        return False
    start, end = _hour(*window.group(1, 2, 3)), _hour(*window.group(4, 5, 6))
    for match in STATED_TIME.finditer(question.normalised):
        if match.group(1):
            when = _hour(match.group(1), match.group(2), match.group(3))
        else:
            tail = question.normalised[match.end(5) if match.group(5) else match.end(4):match.end()].strip()
            when = _hour(match.group(4), match.group(5), tail)
        if not start <= when <= end:
            return True
    return False


# "Leads will receive training … before they are given access to official channels": a step that comes first.
STEP_FIRST = re.compile(r"\b(?:will|must|should|need to|are required to) (?:first )?(?:receive|complete|attend|undertake|"
                        r"pass|sign|read)\b(?P<step>[^.;]*?)\bbefore (?:they|he|she|you|staff|being|anyone)\b"
                        r"(?: (?:are|is|can|may))? (?:given|granted|allowed|able|issued)\b", re.I)
DONE = re.compile(r"\b(?:done|did|completed|finished|had|attended|passed|been on|been through|signed|read)\b")


def step_first_unmet(text: str, question: Question) -> bool:
    """The sentence makes a step come before access, and the question does not say the step was done."""
    match = STEP_FIRST.search(text)
    if not match:
        return False
    step = own_words(match.group("step"))
    return not (step and asks_about(question, step, strict=True) and DONE.search(question.normalised))
