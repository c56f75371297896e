"""Spot a message that reads as a safeguarding disclosure or a concern to report, as opposed to a
question about the rules.

General shape, not sentences. Two layers of `ConcernRules` (built from concerns.toml and a school's
[concerns] tables), either of which flags (recall first: a missed disclosure can hurt a child, a false
alarm only puts "tell the DSL" first):
* vocabulary: a NARRATIVE (someone told/showed the speaker, the speaker saw/found, something has
  been/keeps happening) about a CHILD with any RISK signal from broad families (harm, secrecy, unknown
  or older contacts, gifts, images asked for, bullying, self-harm, home life, late-night contact, …),
  or an adult's conduct towards a child, or an explicit worry ("should I tell someone");
* structure: an EVENT narrated about a child, unless only a rule question about the asker's own conduct.
Then the gate (knowledge/disclosure_gate.py) takes a second look. Rule questions ("can I post pupils'
photos?") are hypothetical and are not flagged. (A third layer of fixed regular expressions, kept from
the first rounds, was removed in the fifth: it never flagged a disclosure the other two missed.)

The tables' small pattern language is compiled by knowledge/phrase_patterns.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.disclosure_gate import Gate, sustains
from knowledge.phrase_patterns import alternation, compile_entries, compile_factored


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
        # A pupil asking what to do about what is happening to them is telling, not asking a rule.
        child_speaks = self.gate is not None and self.gate.child_speaker.search(text) is not None
        asks_rule = not child_speaks and (self._ends_in_own_rule_question(text) or self.rule_words.search(text) is not None)
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
    `rules` the compiled concern data (concerns.toml and the school's additions; None spots nothing); `original_text` the
    message as typed (only to see a first name, which normalising lower-cases)."""
    text = normalised_text
    if not text or rules is None:
        return None
    if rules.is_teaching(text):
        return None
    found = rules.spot(text, named_child=has_named_subject(original_text))
    return found if found is None or sustains(rules, text, original_text or text) else None
