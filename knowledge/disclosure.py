"""Spot a message that reads as a safeguarding disclosure or a concern to report, as opposed to a
question about the rules.

General shape, not sentences: a child/pupil/colleague/parent subject (or "me" as the one told),
a reporting or narrative verb ("told me", "messaged me saying", "is posting", "has shared",
"I think … is being …") and harm/risk vocabulary — or a third party narrated as *doing* something
the policy forbids (posting pupils' photos, messaging a pupil). Rule questions ("can I post
pupils' photos?", "are pupils allowed to…") are hypothetical and are not flagged.

Two layers, either of which flags (recall first: a missed disclosure can hurt a child, a false alarm
only puts "tell the DSL" first):
* `ConcernRules`, built from the school's data (the [concerns] tables of policy/lexicon.toml): a
  NARRATIVE (someone told/showed the speaker, the speaker saw/found, something has been/keeps
  happening) about a CHILD with any RISK signal from broad families (harm, secrecy, unknown or older
  contacts, gifts, images asked for, bullying, self-harm, home life, late-night contact, …), or an
  adult's conduct towards a child, or an explicit worry ("should I tell someone");
* the fixed patterns below, kept from earlier rounds for the shapes they already catch.

The tables' small pattern language is compiled by knowledge/phrase_patterns.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.disclosure_gate import Gate, sustains
from knowledge.phrase_patterns import alternation, compile_entries, compile_factored

SUBJECT = (r"(child|children|kid|kids|pupil|pupils|student|students|boy|girl|son|daughter|"
           r"year ?(?:1[0-3]|[1-9])|yr ?(?:1[0-3]|[1-9])|y(?:1[0-3]|[1-9])|reception|colleague|teacher|member of staff|staff member|"
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
    r"attacked|assault\w*|exploit\w*|radicali\w*|extremis\w*|drunk|drugs|weapon|knife|"
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
         r"caretakers?|cleaners?|tutors?|instructors?|supervisors?|lsas?|trustees?|technicians?|mentors?|dinner lad(?:y|ies)|helpers?|receptionists?|drivers?|"
         r"neighbours?|uncles?|aunts?|aunties|cousins?|boyfriends?|girlfriends?|step ?(?:dad|mum)s?|"
         r"(mr|mrs|miss|ms|mx|sir) \w+|one of (my|our|the) (colleagues|teachers|staff|parents|tas|dads|mums|"
         r"volunteers|governors))")
TOLD_BY_CHILD = re.compile(
    r"\b(child|pupil|student|boy|girl|kid|year ?(?:1[0-3]|[1-9])|yr ?(?:1[0-3]|[1-9])|y(?:1[0-3]|[1-9])|one of my \w+)\b(?:\s+\w+){0,4}?\s+"
    r"(told me|disclosed|confided|came to me|asked me not to tell|whispered|wrote me a note)\b")
# A third party narrated as doing what the policy forbids.
THIRD_PARTY_ACT = re.compile(
    rf"\b{ADULT}\b(?:\s+\w+){{0,4}}?\s+(is|are|was|were|has|have|had|keeps|kept|been)\s+(?:been\s+)?"
    r"(\w+ing|posted|shared|sent|added|messaged|uploaded|contacted|followed|filmed|tagged|circulated|"
    r"friends with)\b")
FORBIDDEN_ACT_OBJECT = re.compile(
    r"\b(photos?|pictures?|pics?|images?|videos?|footage|clips?|names?|pupils?|children|kids|child|"
    r"students?|year ?(?:1[0-3]|[1-9])|friend requests?|messages?|dms?)\b")
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
PUPILS_IN_IT = re.compile(r"\b(pupils?|children|kids?|child|students?|year ?(?:1[0-3]|[1-9])|yr ?(?:1[0-3]|[1-9])|y(?:1[0-3]|[1-9])s?|our class|my class|"
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


HYPOTHETICAL_WINDOW = 6  # a marker within this many words after "if"/"when" is hypothetical
MAX_MARKERS = 20  # markers looked at per message (a pathological repeat stays cheap)


RULE_QUESTION_IGNORES = frozenset({"nasty", "late_night"})


@dataclass(frozen=True)
class ConcernRules:
    """The school's concern vocabulary, compiled once at load (see [concerns] in policy/lexicon.toml)."""
    children: re.Pattern
    told: re.Pattern
    narrative: re.Pattern
    worry: re.Pattern
    rule_openers: re.Pattern
    rule_words: re.Pattern
    hypothetical: re.Pattern
    adults: re.Pattern
    adult_conduct: re.Pattern
    risks: tuple[tuple[str, re.Pattern], ...]
    pronouns: re.Pattern
    pronoun_families: frozenset[str]
    standalone: re.Pattern
    # The structural layer (round 5): an EVENT narrated about a CHILD flags unless the message ends in
    # a rule question about the asker's own conduct with no risk signal at all.
    events: re.Pattern = re.compile(r"(?!x)x")
    fallback_risk: re.Pattern = re.compile(r"(?!x)x")
    own_conduct_tail: re.Pattern = re.compile(r"(?!x)x")
    # A lesson, assembly or story about a risk is teaching, not a disclosure (unless someone told).
    teaching: re.Pattern = re.compile(r"(?!x)x")
    # "falls asleep in lessons", "during assembly": a lesson as the time or place of what happened, not its topic.
    teaching_setting: re.Pattern = re.compile(r"(?!x)x")
    # A question anywhere in the message: then an event with no risk at all is context, not a concern.
    question_words: re.Pattern = re.compile(r"(?!x)x")
    # The second look at a flag (knowledge/disclosure_gate.py): None keeps every flag.
    gate: Gate | None = None
    # "not sure if…", "wondering whether…": an indirect question, not a condition.
    indirect_if: re.Pattern = re.compile(r"(?!x)x")
    # Risk families that are signs of harm in a child's own state ("has finger marks", "is always hungry"):
    # described about a child they flag with no narrative marker, outside a rule question or a condition.
    sign_families: frozenset[str] = frozenset()
    # "they're 18 now": the young people narrated are adults.
    grown_up: re.Pattern = re.compile(r"(?!x)x")

    @classmethod
    def from_data(cls, data: dict | None) -> "ConcernRules | None":
        if not data:
            return None
        placeholders = {"child": alternation(data.get("children", [])), "adult": alternation(data.get("adults", [])),
                        "staff": alternation(data.get("staff", []))}
        return cls(
            children=compile_entries(data.get("children", [])),
            told=compile_entries(data.get("told", []), placeholders),
            narrative=compile_entries(data.get("narrative", [])),
            worry=compile_entries(data.get("worry", [])),
            rule_openers=compile_entries(data.get("rule_openers", []), anchored=True),
            rule_words=compile_entries(data.get("rule_words", [])),
            hypothetical=compile_entries(data.get("hypothetical", [])),
            adults=compile_entries(data.get("adults", [])),
            adult_conduct=compile_factored(data.get("adult_conduct", []), placeholders),
            risks=tuple((name, compile_entries(entries, placeholders))
                        for name, entries in (data.get("risk") or {}).items() if entries),
            pronouns=compile_entries(data.get("pronouns", [])),
            pronoun_families=frozenset(data.get("pronoun_families", [])),
            standalone=compile_entries(data.get("standalone", []), placeholders),
            events=compile_entries(data.get("events", []), placeholders),
            fallback_risk=compile_entries(data.get("fallback_risk", []), placeholders),
            own_conduct_tail=compile_entries(data.get("own_conduct_tail", []), placeholders),
            teaching=compile_entries(data.get("teaching", [])),
            teaching_setting=compile_entries(data["teaching_setting"]) if data.get("teaching_setting")
            else re.compile(r"(?!x)x"),
            question_words=compile_entries(data.get("question_words", [])),
            gate=Gate.from_data(data.get("gate"), placeholders),
            indirect_if=compile_entries(data["indirect_if"]) if data.get("indirect_if") else re.compile(r"(?!x)x"),
            sign_families=frozenset(data.get("sign_families", [])),
            grown_up=compile_entries(data["grown_up"]) if data.get("grown_up") else re.compile(r"(?!x)x"),
        )

    def _is_hypothetical(self, text: str, start: int) -> bool:
        # Only the few words just before the marker (a bounded slice: long messages stay linear).
        wide = text[max(0, start - 12 * (HYPOTHETICAL_WINDOW + 3)):start].split()[-(HYPOTHETICAL_WINDOW + 3):]
        # An indirect question keeps its words' places but loses its "if" ("not sure if" → "not sure _").
        wide = self.indirect_if.sub(lambda m: " ".join("_" for _ in m.group(0).split()), " ".join(wide)).split()
        before = wide[-HYPOTHETICAL_WINDOW:]
        return bool(before) and self.hypothetical.search(" ".join(before)) is not None

    def _first_real(self, pattern: re.Pattern, text: str) -> re.Match | None:
        for count, match in enumerate(pattern.finditer(text)):
            if count >= MAX_MARKERS:
                return None
            if not self._is_hypothetical(text, match.start()):
                return match
        return None

    def is_rule_question(self, text: str) -> bool:
        """Asks about the rules and narrates nothing that happened ("what should I do if a child
        tells me…", "does the policy cover pupils laughing at…")."""
        rule_question = self.rule_openers.match(text) is not None or self.rule_words.search(text) is not None
        return rule_question and self._first_real(self.told, text) is None

    def is_teaching(self, text: str) -> bool:
        """A lesson, assembly or story about a risk, with nobody telling anything."""
        topic_text = self.teaching_setting.sub(" ", text)
        return self.teaching.search(topic_text) is not None and self._first_real(self.told, text) is None

    def spot(self, text: str, named_child: bool = False) -> Disclosure | None:
        if self.is_teaching(text):
            return None
        found = self._spot_vocabulary(text)
        return found or self._spot_structure(text, named_child)

    def _any_risk(self, text: str, skip: frozenset[str] = frozenset()) -> re.Match | None:
        for family, pattern in self.risks:
            if family in skip:
                continue
            risk = pattern.search(text)
            if risk:
                return risk
        return self.fallback_risk.search(text)

    def _ends_in_own_rule_question(self, text: str) -> bool:
        """The message closes by asking about the asker's own conduct ("…, can I accept?")."""
        tail = " ".join(text.split()[-14:])
        return self.own_conduct_tail.search(tail) is not None or (
            self.rule_openers.match(text) is not None and self._first_real(self.told, text) is None)

    def _spot_structure(self, text: str, named_child: bool) -> Disclosure | None:
        """Recall by shape, not vocabulary: an event narrated (reported speech, past tense, "is …ing",
        "there's an account…", "someone/a guy…") about a child (a child word, or a first name with
        she/he), unless it is only a rule question about the asker's own conduct with no risk signal."""
        child = self.children.search(text)
        if child is None and not (named_child and self.pronouns.search(text)):
            return None
        event = self._first_real(self.events, text)
        if event is None:
            return None
        if self.rule_openers.match(text) and self.hypothetical.search(text[:event.start()]):
            return None  # "what should I do if a child tells me they are being bullied": a hypothetical
        asks_rule = self._ends_in_own_rule_question(text) or self.rule_words.search(text) is not None
        # Unkindness or a time of day alone in a rule question is usually no risk ("pupils laughing at a teacher's
        # post, does the policy cover that"); every other risk flags even then.
        risk = self._any_risk(text, RULE_QUESTION_IGNORES if asks_rule else frozenset())
        if risk:
            return Disclosure(f"narrated event with risk: {risk.group(0)}")
        if asks_rule or self.question_words.search(text) or self.grown_up.search(text):
            return None
        return Disclosure(f"narrated event about a child: {event.group(0)}")

    def _described_sign(self, text: str) -> tuple[str, re.Match] | None:
        for family, pattern in self.risks:
            if family in self.sign_families:
                sign = self._first_real(pattern, text)
                if sign:
                    return family, sign
        return None

    def _spot_vocabulary(self, text: str) -> Disclosure | None:
        rule_question = self.rule_openers.match(text) is not None or self.rule_words.search(text) is not None
        told = self._first_real(self.told, text)
        standalone = self.standalone.search(text)
        if standalone and not (rule_question and not told):
            return Disclosure(f"standalone: {standalone.group(0)}")
        child = self.children.search(text)
        # A first name alone ("Ellie keeps messaging a man…") leaves only a pronoun for the child.
        by_pronoun = child is None and self.pronouns.search(text) is not None
        if child is None and not by_pronoun:
            return None
        narrated = told or (None if rule_question else
                            self._first_real(self.narrative, text) or self.adult_conduct.search(text))
        if narrated is None:
            sign = None if rule_question or child is None else self._described_sign(text)
            return Disclosure(f"sign of harm, {sign[0]}: {sign[1].group(0)}") if sign else None
        for family, pattern in self.risks:
            if by_pronoun and family not in self.pronoun_families:
                continue
            risk = pattern.search(text)
            if risk:
                return Disclosure(f"{family}: {risk.group(0)}")
        if by_pronoun:
            return None
        if self.adults.search(text):
            conduct = self.adult_conduct.search(text)
            if conduct:
                return Disclosure(f"adult conduct: {conduct.group(0)}")
        worry = self.worry.search(text)
        if worry and (told or not rule_question):
            return Disclosure(f"worry: {worry.group(0)}")
        return None


# A first name as the subject of a narrated event ("Amira keeps…", "Noah (5K) turned up…", "Lily's dad…"),
# read from the original text (normalising drops the capital); titles make it an adult ("Mrs Khan").
NAMED_SUBJECT = re.compile(r"(?<![A-Za-z])(?<!Mr )(?<!Mrs )(?<!Ms )(?<!Miss )(?<!Sir )(?<!Mx )"
                           r"([A-Z][a-z]{2,})(?=\s*\(|'s\b|’s\b|\s+(?:in|from|keeps|kept|has|had|is|was|said|says|told|"
                           r"turned|came|cried|seems|seemed|looked|wont|won't|didnt|didn't|doesnt|doesn't|hasnt|hasn't)\b)")
NOT_NAMES = frozenset({"the", "our", "one", "this", "that", "there", "someone", "somebody", "she", "her", "his",
                       "they", "what", "who", "which", "when", "where", "why", "how", "can", "could", "should",
                       "would", "will", "may", "might", "must", "staff", "school", "parent", "parents", "everyone",
                       "nobody", "anyone", "facebook", "instagram", "tiktok", "snapchat", "twitter", "whatsapp",
                       "youtube", "policy", "year", "class", "mum", "dad", "miss", "sir", "mrs", "head"})


def has_named_subject(original_text: str) -> bool:
    return any(m.group(1).lower() not in NOT_NAMES for m in NAMED_SUBJECT.finditer(original_text[:2000]))


def spot_disclosure(normalised_text: str, rules: ConcernRules | None = None,
                    original_text: str = "") -> Disclosure | None:
    """`normalised_text` as produced by knowledge.lexicon.normalise (lower case, no punctuation);
    `rules` the school's compiled concern data (None: the fixed patterns only); `original_text` the
    message as typed (only to see a first name, which normalising lower-cases)."""
    text = normalised_text
    if not text:
        return None
    if rules is not None:
        if rules.is_teaching(text):
            return None
        found = rules.spot(text, named_child=has_named_subject(original_text))
        if not found and not rules.is_rule_question(text):
            found = _fixed_patterns(text)
        return found if found is None or sustains(rules, text, original_text or text) else None
    return _fixed_patterns(text)


def _fixed_patterns(text: str) -> Disclosure | None:
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
    if contact and (PUPILS_IN_IT.search(text) or re.search(r"\by(?:1[0-3]|[1-9])\b", text)) and not is_rule_question:
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
        aimed_at_speaker = act is not None and re.match(r"\s+(me|us)\b", text[act.end():]) is not None
        if act and act.group(0).split()[-1] not in RULE_EXCLUDED_VERBS and not is_rule_question and not aimed_at_speaker:
            if FORBIDDEN_ACT_OBJECT.search(text[act.start():]) or FORBIDDEN_ACT_OBJECT.search(text):
                return Disclosure(f"act: {act.group(0)}")
    return None
