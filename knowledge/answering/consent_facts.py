"""Whether a question states consent given or refused: the lexicon's phrases ([facts] consent_given /
consent_refused), a form not sent back, and consent in a sentence's own shape. A sentence that asks
whether, or leaves it open ("not sure if they agreed"), states nothing.
"""
from __future__ import annotations

import re

from knowledge.lexicon import normalise

# A form not sent back, a box left unticked: consent not given ("mum still hasnt sent back the form").
FORM_NOT_BACK = re.compile(r"\b(?:hasnt|havent|hadnt|didnt|never|not|still not) (?:yet )?(?:sent|handed|brought|given|"
                           r"returned|filled|signed)(?: \w+){0,2} (?:back|in)\b(?:(?: \w+){0,3} (?:form|consent|slip))?|"
                           r"\b(?:form|consent|slip) (?:\w+ )?(?:isnt|hasnt been|not) (?:back|returned|in)\b")

# Consent stated in a sentence's own shape, beside the lexicon's phrases: a consent word after a
# giving verb ("has given us written consent", "her parents have consented", "said yes to being named"),
# or after a denial ("hasnt got a consent form", "never done the form", "without them knowing").
CONSENT_WORD = r"(?:consent|permission|form|slip)"
CONSENT_GIVEN_SHAPE = re.compile(r"\b(?:has|have|had|ve|s|they|she|he|parents?|mum|dad)\s+(?:already\s+|both\s+|all\s+)?"
                                 r"(?:consented|agreed|okd|okayed)\b|"
                                 r"\b(?:given|gave|got|signed|recorded|returned)\s+(?:\w+\s+){0,3}?" + CONSENT_WORD + r"\b|"
                                 r"\b(?:has|have|had)\s+(?!to\b)(?:\w+\s+){0,2}?(?:consent|permission)\b|"
                                 r"\b(?:said|says|say|ticked|answered|told (?:me|us))\s+yes\b")
CONSENT_ABSENT_SHAPE = re.compile(r"\b(?:not|never|no|hasnt|havent|hadnt|didnt|dont|doesnt|isnt|arent|wasnt)\s+"
                                  r"(?:(?!if\b|whether\b|sure\b|know\b|need\w*\b|require\w*\b|ask\w*\b)\w+\s+){0,3}?"
                                  + CONSENT_WORD + r"\b|"
                                  r"\bwithout\s+(?:\w+\s+)?(?:knowing|knowledge|say so|agreement|agreeing|asking|telling|"
                                  r"permission|consent)\b")
# Words that leave a fact open: "if they agreed", "not sure whether", "no idea if".
UNSURE_WORDS = r"\b(?:if|whether|not sure|unsure|dont know|do not know|no idea|not certain|wondering)\b"
# A sentence that asks whether consent was given ("has he got a form?", "not sure if they said yes")
# states nothing.
ASKS_WHETHER = re.compile(r"^(?:has|have|had|did|does|do|is|are|was|were)\b|" + UNSURE_WORDS)


OPEN_REACH = 5  # words before a lexicon phrase that may leave it open ("no idea whether they agreed")


def _stated_in_lexicon(matcher, stated: str) -> bool:
    """A lexicon fact phrase that the words just before it do not leave open."""
    match = matcher.first(stated) if matcher else None
    if not match:
        return False
    before = " ".join(stated[:match.start()].split()[-OPEN_REACH:])
    return not re.search(UNSURE_WORDS, before)


def _stated_consent(shape: re.Pattern, text: str) -> bool:
    """The shape occurs in a sentence (or comma clause) of the text that states it, not one that asks whether."""
    for part in re.split(r"[.?!,;]|\s[-–]\s", text):
        said = normalise(part).replace("'", "")
        if any(not ASKS_WHETHER.search(said[:match.start()]) for match in shape.finditer(said)):
            return True
    return False


def consent_stated(text: str, stated: str, facts: dict) -> str | None:
    """"given", "refused" or None. `text`: the question as written (its sentences); `stated`: it normalised
    and corrected, without apostrophes (as the lexicon's facts are written)."""
    if facts.get("consent_refused") and facts["consent_refused"].first(stated):
        return "refused"
    if FORM_NOT_BACK.search(stated) or _stated_consent(CONSENT_ABSENT_SHAPE, text):
        return "refused"
    if _stated_in_lexicon(facts.get("consent_given"), stated) or _stated_consent(CONSENT_GIVEN_SHAPE, text):
        return "given"
    return None
