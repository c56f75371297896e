"""The second look at a message the concern layers flagged: is it a disclosure, or a question that
only sounds like one?

Whatever a pupil tells the bot about themself keeps its flag, asked as a question or not: a child
telling an adult is how a disclosure arrives (a first run on a blind set lost one such, a pupil
asking what to do about mean posts about them, when this gate judged it as a question). Otherwise,
a message that asks something (a question mark, or a clause opening "is that…", "can I…", "what do
I do") keeps its flag only on a STRONG risk signal (sexual harm, self-harm, secrecy, an unknown adult,
images asked for, an adult's conduct towards a child, …). Weak signals (unkindness, being upset, a
time of night, a "what should I do") keep it only when someone told or showed the speaker and the
child's own distress or the speaker's worry is named. A message that asks nothing keeps every flag:
a bare narration is how a disclosure arrives.

Two shapes are never a disclosure: a message that opens with a condition ("if a child tells me…",
"hypothetically…") and narrates nothing outside it; and harm aimed only at an adult (abuse posted
about a teacher, a deepfake of the speaker), which is a staff matter, not a child at risk.
The words are data (concerns.toml: [concerns.gate]); the shapes are here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.phrase_patterns import compile_entries

NEVER = re.compile(r"(?!x)x")


@dataclass(frozen=True)
class Gate:
    weak_families: frozenset[str]
    adult_victim_families: frozenset[str]
    asking: re.Pattern
    asking_tail: re.Pattern
    explicit_worry: re.Pattern
    hypothetical_opening: re.Pattern
    adult_victim: re.Pattern
    child_speaker: re.Pattern
    speaker_contacted: re.Pattern = NEVER
    speaker_contacted_families: frozenset[str] = frozenset()
    self_introduction: re.Pattern = NEVER
    speaker_acted: re.Pattern = NEVER
    reporter: re.Pattern = NEVER
    speaker_acted_families: frozenset[str] = frozenset()
    peer_agent: re.Pattern = NEVER
    peer_agent_families: frozenset[str] = frozenset()
    mild: re.Pattern = NEVER

    @classmethod
    def from_data(cls, data: dict | None, placeholders: dict[str, str]) -> "Gate | None":
        if not data:
            return None
        return cls(weak_families=frozenset(data.get("weak_families", [])),
                   adult_victim_families=frozenset(data.get("adult_victim_families", [])),
                   asking=_clause_openers(data.get("asking", [])),
                   asking_tail=_clause_tails(data.get("asking_tails", [])),
                   explicit_worry=compile_entries(data.get("explicit_worry", []), placeholders)
                   if data.get("explicit_worry") else NEVER,
                   hypothetical_opening=compile_entries(data.get("hypothetical_opening", []), anchored=True)
                   if data.get("hypothetical_opening") else NEVER,
                   adult_victim=compile_entries(data.get("adult_victim", []), placeholders)
                   if data.get("adult_victim") else NEVER,
                   child_speaker=_entries(data, "child_speaker", placeholders),
                   speaker_contacted=_entries(data, "speaker_contacted", placeholders),
                   speaker_contacted_families=frozenset(data.get("speaker_contacted_families", [])),
                   self_introduction=_entries(data, "self_introduction", placeholders),
                   speaker_acted=_entries(data, "speaker_acted", placeholders),
                   reporter=_entries(data, "reporter", placeholders),
                   speaker_acted_families=frozenset(data.get("speaker_acted_families", [])),
                   peer_agent=_entries(data, "peer_agent", placeholders),
                   peer_agent_families=frozenset(data.get("peer_agent_families", [])),
                   mild=_entries(data, "mild", placeholders))


def _entries(data: dict, key: str, placeholders: dict[str, str]) -> re.Pattern:
    return compile_entries(data[key], placeholders) if data.get(key) else NEVER


def asks(gate: Gate, text: str, original: str) -> bool:
    """The message asks something: a question mark, or a clause that opens as a question."""
    clauses = _clauses(original)
    return "?" in original or gate.asking.search(clauses) is not None or gate.asking_tail.search(clauses) is not None


def _clause_openers(words: list[str]) -> re.Pattern:
    if not words:
        return NEVER
    return re.compile(r"\| (?:(?:so|and|but|just|then|also|or|ok|okay|quick q|quick one) )?(?:"
                      + "|".join(re.escape(word) for word in words) + r")\b")


def _clause_tails(words: list[str]) -> re.Pattern:
    if not words:
        return NEVER
    return re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\s*(?:\|\s*)*$")


def _clauses(original: str) -> str:
    """The original text lower-cased, with each clause break ("," ";" "." "-" "!") written as " | " so
    that a question opening inside the message can be anchored on it."""
    lowered = original[:1000].lower().replace("\u2019", "'").replace("'", "")
    return "| " + re.sub(r"\s*(?:[.,;:!()]|\s[-\u2013\u2014]\s)\s*", " | ", lowered)


def sustains(rules, text: str, original: str) -> bool:
    """Whether a flag raised on `text` (normalised) stands. `rules` is the compiled ConcernRules."""
    gate: Gate | None = rules.gate
    if gate is None:
        return True
    told = rules._first_real(rules.told, text)
    if told is None and gate.hypothetical_opening.match(text):
        return False  # "if a child tells me … can I promise?": nothing has happened
    if gate.child_speaker.search(text) is not None:
        # A pupil telling the bot about themself is a child telling an adult: any risk at all keeps it
        # ("my friend said yes, is that allowed" has none).
        return rules._any_risk(text) is not None or _strong_signal(rules, gate, text, frozenset())
    skip = gate.adult_victim_families if gate.adult_victim.search(text) else frozenset()
    if gate.speaker_contacted.search(text):
        skip = skip | gate.speaker_contacted_families
    if gate.speaker_acted.search(text):
        skip = skip | gate.speaker_acted_families
    peer = gate.peer_agent_families if gate.peer_agent.search(text) and asks(gate, text, original) else frozenset()
    strong = _strong_signal(rules, gate, text, skip | peer)
    if strong:
        return True
    if skip and told is None:
        return False  # its only risks were aimed at an adult, or were the asker's own contacts or acts
    if not asks(gate, text, original):
        return True
    # "a bit upset" is not the distress that makes a weak signal a concern
    unhedged = gate.mild.sub(" ", text)
    distress = any(name == "fear" and pattern.search(unhedged) for name, pattern in rules.risks)
    return told is not None and (distress or gate.explicit_worry.search(text) is not None)


def _strong_signal(rules, gate: Gate, text: str, skip: frozenset[str]) -> bool:
    for name, pattern in rules.risks:
        if name in gate.weak_families or name in skip:
            continue
        if pattern.search(text):
            return True
    # The adult who introduces themself is the asker, and one who passes a report on is its reporter:
    # their own plans or words are not conduct towards a child, nor is what the asker did or asks to do;
    # nor is an adult's contact with the speaker ("a parent messaged me about her son's homework"): the
    # words before and after that contact are looked at apart.
    if "adult_conduct" not in skip:
        text_without_asker = gate.speaker_acted.sub(" ", gate.reporter.sub(" ", gate.self_introduction.sub(" ", text)))
        contact = gate.speaker_contacted.search(text_without_asker)
        parts = [text_without_asker[:contact.start()], text_without_asker[contact.end():]] if contact \
            else [text_without_asker]
        if any(rules.adult_conduct.search(part) for part in parts):
            return True
    return rules.standalone.search(text) is not None
