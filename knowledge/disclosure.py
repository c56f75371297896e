"""Spot a message that reads as a safeguarding disclosure or a concern to report, as opposed to a
question about the rules.

General shape, not sentences: a child/pupil/colleague/parent subject (or "me" as the one told),
a reporting or narrative verb ("told me", "messaged me saying", "is posting", "has shared",
"I think … is being …") and harm/risk vocabulary — or a third party narrated as *doing* something
the policy forbids (posting pupils' photos, messaging a pupil). Rule questions ("can I post
pupils' photos?", "are pupils allowed to…") are hypothetical and are not flagged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SUBJECT = (r"(child|children|kid|kids|pupil|pupils|student|students|boy|girl|son|daughter|"
           r"year ?[1-9]|yr ?[1-9]|y[1-9]|reception|colleague|teacher|member of staff|staff member|"
           r"ta|teaching assistant|volunteer|governor|coach|parent|mum|dad|carer|someone|somebody|"
           r"adult|man|woman|stranger|he|she|they|one of (my|our|the) \w+)")
# Someone told the speaker, or the speaker noticed/suspects something.
REPORTING = re.compile(
    r"\b(told me|tells me|telling me|said|says|saying|disclosed|confided|confessed|opened up|admitted|"
    r"messaged me|dmed me|texted me|emailed me|came to me|asked me not to tell|showed me|"
    r"i (think|suspect|believe|noticed|saw|have seen|found|heard|am worried|am concerned|am scared)|"
    r"ive (seen|found|heard|noticed)|im (really |so |a bit )?(worried|concerned|scared)|worried about|concerned about|"
    r"keeps|kept|has been|have been|is being|are being|was being|been)\b")
HARM = re.compile(
    r"\b(scared|afraid|frightened|terrified|hurt|hurting|hurts|hit|hits|hitting|beat|beats|beaten|kick|kicked|"
    r"abuse|abused|abusing|abusive|groom|groomed|grooming|touch|touched|touching|unsafe|not safe|danger|"
    r"self ?harm|harming|cutting|suicid\w*|kill|die|bruise|bruises|bruised|injur\w*|neglect\w*|hungry|"
    r"threat\w*|blackmail\w*|bully|bullied|bullying|naked|nude|nudes|explicit|sexual|sext\w*|"
    r"inappropriate (messages?|photos?|pictures?|images?|contact|comments?|videos?)|meet up|meet him|meet her|"
    r"secret|wont go home|doesnt want to go home|dont want to go home|scared to go home|run away|running away|"
    r"uncomfortable|upset|doesnt like|didnt like|didnt want|doesnt want|made (her|him|them) feel|"
    r"fight|fighting|attacked|assault\w*|exploit\w*|radicali\w*|extremis\w*|drunk|drugs|weapon|knife|"
    r"horrible|vile|disgusting|fake (account|profile|page)|pretending to be|impersonat\w*|"
    r"stranger|strangers|someone (she|he|they) (doesnt|dont|didnt) know|people (she|he|they) (dont|doesnt) know|"
    r"older (boy|boys|man|men|lad|lads|teenager|teen)|video ?call\w*|send (her|him|them) (pics|photos|pictures)|"
    r"in the bath|bath time|undressed|calling (her|him|them) names|laugh at|laughing at|laughed at|humiliat\w*|"
    r"end it all|end (his|her|their) life|kill (himself|herself|themselves)|not (want to )?be here|"
    r"(sent|sending|messag\w*|contact\w*|asked|asking) (?:\w+ ){0,3}by (a|an|some) (man|men|adult|adults|stranger|older \w+)|"
    r"(from|by) (a|an|some) (\w+ )?(man|men|adult|adults|stranger|strangers) (on|online|in a game)|"
    r"getting changed|changing room|underwear|no clothes|without (her|his|their) clothes|"
    r"(asks|asked|asking|keeps asking) (her|him|them) for (photos?|pics?|pictures?|selfies?|videos?|nudes?))\b")
# Adults whose narrated conduct towards pupils is itself a concern (a pupil's own acts need harm words).
ADULT = (r"(colleagues?|teachers?|members? of staff|staff members?|tas?|teaching assistants?|volunteers?|"
         r"governors?|coach|parents?|mums?|dads?|carers?|someone|somebody|adult|man|woman|stranger|lad|older \w+|"
         r"caretakers?|cleaners?|tutors?|instructors?|supervisors?|dinner lad(?:y|ies)|helpers?|receptionists?|drivers?|"
         r"neighbours?|uncles?|aunts?|aunties|cousins?|boyfriends?|girlfriends?|step ?(?:dad|mum)s?|"
         r"(mr|mrs|miss|ms|mx|sir) \w+|one of (my|our|the) (colleagues|teachers|staff|parents|tas|dads|mums|"
         r"volunteers|governors))")
TOLD_BY_CHILD = re.compile(
    r"\b(child|pupil|student|boy|girl|kid|year ?[1-9]|yr ?[1-9]|y[1-9]|one of my \w+)\b(?:\s+\w+){0,4}?\s+"
    r"(told me|disclosed|confided|came to me|asked me not to tell|whispered|wrote me a note)\b")
# A third party narrated as doing what the policy forbids.
THIRD_PARTY_ACT = re.compile(
    rf"\b{ADULT}\b(?:\s+\w+){{0,4}}?\s+(is|are|was|were|has|have|had|keeps|kept|been)\s+(?:been\s+)?"
    r"(\w+ing|posted|shared|sent|added|messaged|uploaded|contacted|followed|filmed|tagged|circulated|"
    r"friends with)\b")
FORBIDDEN_ACT_OBJECT = re.compile(
    r"\b(photos?|pictures?|pics?|images?|videos?|footage|clips?|names?|pupils?|children|kids|child|"
    r"students?|year ?[1-9]|friend requests?|messages?|dms?)\b")
NARRATED_ACT = re.compile(
    rf"\b{ADULT}\b(?:\s+\w+){{0,3}}?\s+(posted|shared|sent|uploaded|added|messaged|dmed|contacted|"
    r"filmed|tagged|circulated|friended)\b")
# Habits in the present tense ("she messages them") are a concern only when pupils are involved.
NARRATED_HABIT = re.compile(
    rf"\b{ADULT}\b(?:\s+\w+){{0,3}}?\s+(posts|shares|messages|dms|adds|follows|films|tags|sends|uploads|"
    r"snapchats|whatsapps|texts|comments on|likes|reacts to|replies to)\b")
# Something the speaker saw on an adult's own account with pupils in it ("I saw a colleague's tiktok
# and there are kids from our class in his videos").
SEEN_ON_ADULT_ACCOUNT = re.compile(
    rf"\b(i (saw|have seen|noticed|found|came across|spotted)|ive (seen|noticed|found|spotted))\b(?:\s+\w+){{0,3}}?\s+"
    rf"{ADULT}s?\s+(tiktok|instagram|insta|ig|facebook|fb|snapchat|snap|page|profile|account|story|stories|"
    r"videos?|photos?|pictures?|posts?|feed|reels?|channel|twitter|youtube)\b")
PUPILS_IN_IT = re.compile(r"\b(pupils?|children|kids?|child|students?|year ?[1-9]|yr ?[1-9]|y[1-9]s?|our class|my class|"
                          r"boys?|girls?)\b")
# Hypothetical rule questions: modal openers and "allowed"-style phrasing.
RULE_QUESTION = re.compile(
    r"^(can|could|may|might|am i|are|is it|is there|should|shall|do|does|must|will|would|what|when|who|which|how)\b"
    r"|\b(allowed|permitted|ok to|okay to|alright to|fine to|supposed to|rules? (on|for|about)|"
    r"against the rules|breaking the rules|(can|may|could|should|do) i (accept|add|follow|reply|post|share))\b")
RULE_EXCLUDED_VERBS = {"allowed", "supposed", "permitted", "required", "expected", "encouraged", "going",
                       "meant", "trying", "asking", "wondering", "thinking", "planning", "hoping"}


# The speaker says they are worried about, or must report, something about a person or what they saw.
SPEAKER_WORRIED = re.compile(
    rf"\b(worried|concerned|uneasy) about (?:\w+ ){{0,3}}?({SUBJECT}|{ADULT})s?\b|"
    r"\b((?<!do )i need to (report|tell)|(i think|think) i (need|should|ought) (to )?(tell|report)|"
    r"not sure if this is anything|dont know if (this|its) anything|(worried|concerned) about something (i saw|ive seen|i have seen))\b")
# An adult passing a pupil their own contact details or accounts.
PRIVATE_CONTACT = re.compile(
    rf"\b{ADULT}\b(?:\s+\w+){{0,3}}?\s+(gave|given|gives|swapped|exchanged|shared|passed)\b(?:\s+\w+){{0,4}}?\s+"
    r"(personal |private |own )?(snapchat|snap|number|phone number|instagram|insta|tiktok|whatsapp|email|account|"
    r"facebook|fb|details)\b")


@dataclass(frozen=True)
class Disclosure:
    reason: str


def spot_disclosure(normalised_text: str) -> Disclosure | None:
    """`normalised_text` as produced by knowledge.lexicon.normalise (lower case, no punctuation)."""
    text = normalised_text
    if not text:
        return None
    has_subject = re.search(rf"\b{SUBJECT}\b", text) is not None
    harm = HARM.search(text)
    reporting = REPORTING.search(text)
    is_rule_question = RULE_QUESTION.search(text) is not None and not reporting

    if harm and (reporting or (has_subject and not is_rule_question)):
        return Disclosure(f"harm: {harm.group(0)}")
    worried = SPEAKER_WORRIED.search(text)
    if worried and (has_subject or re.search(rf"\b{ADULT}s?\b", text)) and not RULE_QUESTION.match(text):
        return Disclosure(f"worried: {worried.group(0)}")
    contact = PRIVATE_CONTACT.search(text)
    if contact and (PUPILS_IN_IT.search(text) or re.search(r"\by[1-9]\b", text)) and not is_rule_question:
        return Disclosure(f"contact: {contact.group(0)}")
    # "A child told me…" is how disclosures start in school, whatever words follow.
    told = TOLD_BY_CHILD.search(text)
    if told and not RULE_QUESTION.match(text):
        return Disclosure(f"told: {told.group(0)}")
    seen = SEEN_ON_ADULT_ACCOUNT.search(text)
    if seen and PUPILS_IN_IT.search(text):
        return Disclosure(f"seen: {seen.group(0)}")
    habit = NARRATED_HABIT.search(text)
    if habit and not is_rule_question and PUPILS_IN_IT.search(text):
        return Disclosure(f"habit: {habit.group(0)}")
    for act in (THIRD_PARTY_ACT.search(text), NARRATED_ACT.search(text)):
        if act and act.group(0).split()[-1] not in RULE_EXCLUDED_VERBS and not is_rule_question:
            if FORBIDDEN_ACT_OBJECT.search(text[act.start():]) or FORBIDDEN_ACT_OBJECT.search(text):
                return Disclosure(f"act: {act.group(0)}")
    return None
