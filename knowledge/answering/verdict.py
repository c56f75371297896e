"""Stage 4, the verdict: the clause's modality × what is asked × whether its condition is met.

"no" forbidden, "yes" allowed or expected, "depends" only while the deciding fact is missing (and
then the answer says which fact), "info" a factual answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answering.conditions import (SENTENCE_END, consent_for_else, former_adult_outside_current, holder_named,
                                           lacking_met, needs_approval_first, negated_act_asked, only_negative_proviso,
                                           own_children_only, own_device_against_required, own_words,
                                           private_trade_outside, ruled_out_channel, sentences_by_overlap,
                                           squarely_named, validity)
from knowledge.answering.leave_and_time import leave_exception, leave_stated, outside_window, step_first_unmet
from knowledge.answering.question import Question
from knowledge.policy import VERDICT_OF_MODALITY, Clause, modality_of

# An exception inside a prohibition ("will not post names (unless they have given consent)", "images of
# any pupil whose parent has not given consent").
EXCEPTION = re.compile(r"\b(unless|except|without (?:\w+ ){0,2}(?:consent|permission|approval)|"
                       r"other than|only (?:if|where|when|with)|(?:has|have|had) not (?:been )?(?:given|recorded|"
                       r"signed|returned)\b[^.;]{0,30}\b(?:consent|permission|form)|"
                       r"(?:consent|permission) (?:has|have|had) not been (?:given|recorded))\b", re.I)
# A list item forbidding what lacks consent ("images of any pupil whose parent has not given consent").
CONSENT_ABSENT = re.compile(r"\b(?:has|have|had) not (?:been )?(?:given|recorded|signed|returned)\b[^.;]{0,30}"
                            r"\b(?:consent|permission|form)|\b(?:consent|permission) (?:has|have|had) not been\b", re.I)
CONSENT = re.compile(r"\b(consent|permission|agreed|approv\w*)\b", re.I)
# A prohibition of only what could be read a certain way ("personal views that could be interpreted as those
# of the school"): whether a post is such depends on how it reads, which the question cannot settle.
READ_AS = re.compile(r"\b(?:that|which) (?:could|might|may|would) (?:be |reasonably be )?(?:interpreted|misinterpreted|"
                     r"seen|read|taken|perceived|mistaken|construed)\b", re.I)
# A permission limited by a condition ("may follow other users if you follow us").
CONDITION = re.compile(r"\b(if|only|provided|where|unless|subject to|as long as)\b", re.I)
# What the clause's "information" is about: asked yes/no, a definition or scope applies ("yes").
# A rule limited to minors ("a former pupil under 18") does not forbid it for an adult.
MINORS_ONLY = re.compile(r"\bunder (?:the age of )?18\b|\bunder-18s?\b", re.I)
# "Will only 'like' pages with a non-commercial interest": what it leaves out ("commercial").
EXCLUDED = re.compile(r"\bnon[- ]([a-z]+)", re.I)
# A negated statement ("does not routinely monitor personal accounts") answers its yes/no "no".
NEGATED_STATEMENT = re.compile(r"\b(does not|do not|is not|are not|will not|cannot|won't|doesn't|don't|never)\b", re.I)
# A duty stated as someone's responsibility ("is responsible for: … changing passwords").
RESPONSIBILITY = re.compile(r"\b(?:responsible for|responsibility for|in charge of|duty to|role is to)\b", re.I)
SCOPE_WORDS = re.compile(r"\b(applies|apply|includes?|including|means|considered|regardless|whether)\b", re.I)


# A clause that only points back at rules stated before it ("We expect parents to follow the above
# guidelines when using class chat groups"): the verdict is the one of the rule it points at.
REFERRAL = re.compile(r"\b(?:follow|apply|observe|keep to|abide by|comply with)\b[^.;]{0,40}\b(?:above|preceding|"
                      r"previous|same)\b[^.;]{0,30}\b(?:guidelines|guidance|rules|expectations|principles|standards)\b|"
                      r"\b(?:above|preceding|previous|same) (?:\w+ ){0,3}(?:guidelines|guidance|rules|expectations|"
                      r"principles|standards) (?:also )?apply\b", re.I)


def refers_back(clause: Clause) -> bool:
    """The clause applies rules stated above it rather than stating one."""
    return bool(REFERRAL.search(clause.text))


def _main_sentence(text: str) -> str:
    """A prohibition's exception lifts it only when it is in the prohibition's own sentence: in
    "pupils' full names. A first name may be used … unless consent", consent never allows the full name."""
    return SENTENCE_END.split(text, maxsplit=1)[0]


@dataclass(frozen=True)
class Verdict:
    value: str  # yes / no / depends / info
    deciding_fact: str | None = None  # what to check when it depends
    # Why a "yes" stands beside a clause that forbids something: "exception" (its own exception is met),
    # "not reached" (the case is outside its limit), "complying" (asked whether one has to keep to it).
    reason: str | None = None


def decide(clause: Clause, question: Question, sentence: str | None = None) -> Verdict:
    """`sentence`: the clause's sentence that the question matched best, when it has several. It may
    only make the verdict stricter: a prohibition anywhere in the clause is never read as a "yes"
    because another of its sentences says what will happen instead."""
    said = sentence or clause.text
    base = VERDICT_OF_MODALITY[clause.modality]
    if question.intent == "info":
        return Verdict("info")
    if question.told and question.concern:
        return Verdict("info")  # a worry told with nothing asked: what to do about it is the answer, not a ruling
    lasting = validity(clause.text, question)
    if lasting:  # "signed in 2019" against "valid for five years": lapsed is a "no", and needs doing again
        if question.intent == "obligation":
            return Verdict("yes" if lasting == "lapsed" else "no")
        return Verdict("no" if lasting == "lapsed" else "yes", reason="consent in date" if lasting == "valid" else None)
    nearest = _nearest(clause, question)
    if question.intent == "fact":  # "does the school monitor my account?" — "will not routinely monitor"
        return Verdict("no" if NEGATED_STATEMENT.search(nearest or said) else "info")
    if question.intent == "view":  # "…what does the policy say?": what it forbids is a "no"
        parts = [nearest] if nearest else SENTENCE_END.split(clause.text)
        if any(NEGATED_STATEMENT.search(part) and modality_of(part) in ("information", "should") for part in parts):
            return Verdict("no")  # "the school does not expect pupils under 13 to hold accounts"
        return Verdict("no" if "no" in (base, VERDICT_OF_MODALITY[modality_of(nearest or said)]) else "info")
    if question.intent == "scope":
        return _scope(clause, question, base)
    if question.intent == "obligation" and base == "no":
        return _obligation_under_prohibition(clause, question)
    forbidding = _nearest_prohibition(clause, question)
    if forbidding:
        # The prohibition the question speaks of decides: "pupils must not appear in its videos" beside
        # "the account must feature adult staff only". Never the other way: a
        # sentence that allows never lifts a prohibition elsewhere in the clause.
        return _decide(forbidding, "no", clause, question)
    allowing = _conditional_permission(clause, question) if base == "no" else None
    if allowing:
        # "a student's full name; a first name may be used only where consent is recorded", asked about a
        # first name: the permission the question speaks of decides, under its own condition.
        met = _decide(allowing, "yes", clause, question)
        return Verdict("yes", reason="exception") if met.value == "yes" else met
    whole = _decide(clause.text, base, clause, question)
    if not sentence or whole.value in ("no", "depends", "info") or modality_of(sentence) == "information":
        return whole
    return _decide(sentence, VERDICT_OF_MODALITY[modality_of(sentence)], clause, question)


def forbidding_sibling(clause: Clause, siblings: list[Clause], question: Question) -> Clause | None:
    """Of the other items under the same lead-in ("staff should: a) listen… c) not promise to keep it a
    secret"), one that forbids what the question asks and that the question speaks of more than the item
    found: a "yes" from one item never stands beside a sibling that says no."""
    own = len(own_words(clause.text) & set(question.tokens))
    best = None
    for sibling in siblings:
        overlap = len(own_words(sibling.text) & set(question.tokens))
        if overlap > own and decide(sibling, question).value == "no":
            best, own = sibling, overlap
    return best


def _nearest_prohibition(clause: Clause, question: Question) -> str | None:
    """A prohibiting sentence the question speaks of at least as much as any other sentence."""
    ranked = sentences_by_overlap(clause.text, question)
    if len(ranked) < 2 or ranked[0][0] == 0:
        return None
    return next((sentence for overlap, sentence in ranked if overlap == ranked[0][0]
                 and VERDICT_OF_MODALITY[modality_of(sentence)] == "no"), None)


def _conditional_permission(clause: Clause, question: Question) -> str | None:
    """Of a forbidding clause, a part that allows something under a condition ("… may be used only
    where …") which the question speaks of more than any other part."""
    part = _nearest(clause, question)
    if not part or modality_of(part) != "may" or not CONDITION.search(part):
        return None
    # A forbidding part the question names in full ("can we put her full name…" against "pupils' full
    # names. A first name may be used…") still decides, however much more it shares with the permission.
    parts = SENTENCE_END.split(clause.text)
    if any(squarely_named(other, question) for other in parts if other != part and
           VERDICT_OF_MODALITY[clause.modality if other is parts[0] and modality_of(other) == "information"
                               else modality_of(other)] == "no"):
        return None  # a list item's first part takes the lead-in's modality ("will not post: a) full names.")
    return part


def _nearest(clause: Clause, question: Question) -> str | None:
    """Of a clause with several sentences, the one the question speaks of more than any other (by the
    sentence's own words); None when no sentence stands out."""
    ranked = sentences_by_overlap(clause.text, question)
    if len(ranked) < 2 or ranked[0][0] == 0 or ranked[0][0] == ranked[1][0]:
        return None
    return ranked[0][1]


def _scope(clause: Clause, question: Question, base: str) -> Verdict:
    """Does the rule reach this case ("does it still apply at weekends?", "is that even our
    business?"): the rule found answers "yes", and "no" to a question that says it doesn't. A
    prohibition answers with its text alone: a bare "yes" above a "must not" reads as leave to do it (a
    "yes, it applies" gained 4 verdicts on the A–E sets and gave 13 such yeses, most on a wrong rule)."""
    if question.negated:
        return Verdict("no")
    if question.adult and MINORS_ONLY.search(clause.text):
        return Verdict("no")
    return Verdict("yes", reason="applies") if base == "no" else Verdict("yes")


def _obligation_under_prohibition(clause: Clause, question: Question) -> Verdict:
    """"Do I have to take it down / unfriend her / get consent first?" asked of a prohibition: what
    it asks is what complying takes, so "yes" while the prohibition binds; "no" once its own
    exception is met (consent given, the person now an adult)."""
    met = _decide(clause.text, "no", clause, question)
    if met.value == "yes":
        return Verdict("no")
    if met.value == "depends" and question.consent is None:
        return met  # "do I have to unfriend my cousin?" against "… unless a pre-existing relationship"
    return Verdict("yes", reason="complying")


def _depends_on_consent(consent: str | None) -> Verdict:
    """Consent not stated decides; a consent stated for something else than the rule names is no consent."""
    return Verdict("depends", "consent" if consent != "for something else" else "what the consent is for")


def _decide(text: str, base: str, clause: Clause, question: Question) -> Verdict:
    consent = question.consent
    if consent == "given" and consent_for_else(text, question):
        consent = "for something else"  # "everyone's got photo consent" against "consent to named images"
    if base in ("info", "yes") and NEGATED_STATEMENT.search(text) and not clause.lead_in \
            and text != clause.text:
        return Verdict("no")  # "The Trust does not routinely monitor personal accounts."
    if question.intent == "obligation" and base == "info" and RESPONSIBILITY.search(f"{clause.lead_in or ''} {text}"):
        return Verdict("yes")  # "does someone need to change it?" against "responsible for: … changing passwords"
    if base == "info":
        if not SCOPE_WORDS.search(f"{clause.lead_in or ''} {text}"):
            return Verdict("info")
        return Verdict("no" if question.negated else "yes")  # "it doesn't count, does it?" — it does: "no"
    if base == "yes" and question.skips_duty and clause.modality in ("must", "should"):
        return Verdict("no")  # "can it wait till monday?" against "must report straight away"
    if base == "yes" and any(ruled_out_channel(part, question) for part in SENTENCE_END.split(text)):
        return Verdict("no")  # "can I just message the teacher on the app?" about a concern "not through the app"
    if base == "yes" and own_device_against_required(text, question):
        return Verdict("no")  # "on my own phone" against "must be taken on school-owned devices only"
    if base == "yes" and question.intent == "permission" and outside_window(text, question) and not leave_stated(question):
        return Verdict("no")  # "at 8pm tonight" against "should be sent between 7.30am and 6.00pm"
    if base == "yes" and question.intent == "permission" and step_first_unmet(text, question):
        return Verdict("no")  # "can I get the login today?" against "receive training before they are given access"
    if base == "yes" and negated_act_asked(text, question):
        return Verdict("no")  # "should I look?" against "hand it to the DSL without looking"
    own = own_children_only(text, question)
    if own == "others" and CONSENT.search(text):  # "…must not post images of other children without consent"
        if consent in ("given", "refused"):
            return Verdict("yes", reason="exception") if consent == "given" else Verdict("no")
        return _depends_on_consent(consent)
    if own == "others":
        return Verdict("no")  # "…other kids are in it" against "images of children other than their own"
    if own == "own" and consent != "refused":
        return Verdict("yes", reason="not reached")  # "just my own daughter" against "children other than their own"
    if question.intent == "obligation" and clause.modality in ("must", "should"):
        return Verdict("yes")  # "is consent needed?" against "parents need to have given permission"
    if base == "yes" and question.intent == "permission":
        approval = needs_approval_first(text, question)
        if approval == "missing":
            return Verdict("no")  # "can I just publish it?" against "must be approved before publishing"
        if approval in ("stated", "excepted"):
            return Verdict("yes")
        if holder_named(text, question) is False and (question.actor != "school_accounts" or question.self_acts):
            return Verdict("no")  # "can I upload it myself?" against "only the Head … may post"
    excluded = [word.lower() for word in EXCLUDED.findall(text)]
    if excluded and any(word in token for word in excluded for token in question.tokens):
        return Verdict("no")
    if base == "no" and question.adult and MINORS_ONLY.search(text):
        return Verdict("yes", reason="not reached")
    if base == "no" and former_adult_outside_current(text, question):
        return Verdict("yes", reason="not reached")  # "he's 27 now" against "current pupils"
    if base == "no" and not CONSENT_ABSENT.search(text) and lacking_met(text, question):
        return Verdict("yes", reason="exception")  # "I've been authorised" against "staff who have not been authorised"
    if base == "no":
        if EXCEPTION.search(_main_sentence(text)):
            if leave_exception(_main_sentence(text)):
                # "…without the permission of a member of staff": the asker has it only if the question says so.
                return Verdict("yes", reason="exception") if leave_stated(question) else Verdict("no")
            if CONSENT.search(text):
                if consent == "given" and clause.lead_in and CONSENT_ABSENT.search(text):
                    # "will not post: … images of any pupil whose parent has not given consent": consent
                    # lifts this item, not the list's others (swimwear, full names…).
                    return Verdict("depends", "the rule's other items")
                if consent == "given":
                    return Verdict("yes", reason="exception")
                if consent == "refused":
                    return Verdict("no")
                return _depends_on_consent(consent)
            if private_trade_outside(text, question):
                return Verdict("no")  # "my sister's cake business" against "unless directly related to the school"
            return Verdict("depends", "the exception the rule names")
        if question.intent == "permission" and READ_AS.search(_main_sentence(text)):
            return Verdict("depends", "how it could be read")
        return Verdict("no")
    # A permission or an expectation.
    if CONSENT.search(text) and consent == "refused":
        return Verdict("no")
    modality = clause.modality if text == clause.text else modality_of(text)
    if modality == "may" and CONDITION.search(_main_sentence(text)):  # later sentences explain it
        if consent == "given" or only_negative_proviso(text):
            return Verdict("yes")
        return Verdict("depends", "what the consent is for" if consent == "for something else"
                       else "the condition the rule names")
    if clause.conditional and CONSENT.search(text):
        return Verdict("yes") if consent == "given" else Verdict("depends", "consent")
    return Verdict("yes")
