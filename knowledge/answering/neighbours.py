"""Topics next door to the policy (neighbours.toml, and a school's own [neighbours] tables): named
in a question, they are refused with who to ask — judged topic by topic from the policy's own text.

A topic the policy mentions (in any word form: "iPads" covers "ipad") is the policy's own: its rules
answer a question that names it. A question is refused as next door when it names a topic of a
neighbour that the policy never mentions, names none of that neighbour's topics the policy does
mention, and none of the neighbour's `unless` words.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from knowledge.answering.vocabulary import PhraseMatcher
from knowledge.lexicon import normalise

NEIGHBOURS_FILE = Path(__file__).resolve().parent / "neighbours.toml"


@dataclass
class Neighbour:
    key: str
    reason: str
    who: str
    topics: PhraseMatcher  # the topics this policy never mentions
    unless: PhraseMatcher
    covered: PhraseMatcher | None = None  # the topics this policy mentions


def load_neighbours(policy_text: str, school_tables: dict | None = None) -> list[Neighbour]:
    tables = dict(tomllib.loads(NEIGHBOURS_FILE.read_text(encoding="utf-8")).get("neighbours", {}))
    for key, table in (school_tables or {}).items():
        # A school's table of the same name adds its topics to the generic ones; its reason, who to ask
        # and `unless` words, where it gives them, are its own.
        generic = tables.get(key, {})
        tables[key] = {**generic, **table,
                       "topics": [*generic.get("topics", []), *[t for t in table.get("topics", []) if t not in generic.get("topics", [])]]}
    policy = normalise(policy_text)
    neighbours = []
    for key, table in tables.items():
        topics = table.get("topics", [])
        covered = [topic for topic in topics if _mentioned(topic, policy)]
        foreign = [topic for topic in topics if topic not in covered]
        if not foreign:
            continue
        neighbours.append(Neighbour(key, table.get("reason", ""), table.get("who", "the Headteacher"),
                                    PhraseMatcher(foreign), PhraseMatcher(table.get("unless", [])),
                                    PhraseMatcher(covered) if covered else None))
    return neighbours


def _mentioned(topic: str, policy: str) -> bool:
    """The policy mentions the topic, singular or plural ("tablet" / "tablets")."""
    words = normalise(topic)
    if not words:
        return False
    forms = {words, words + "s", words[:-1] if words.endswith("s") else words, words[:-2] if words.endswith("es") else words}
    return PhraseMatcher(sorted(forms)).first(policy) is not None


def neighbour_of(normalised_question: str, neighbours: list[Neighbour], on_subject: bool = True) -> Neighbour | None:
    """The neighbour a question belongs to. `on_subject`: the question also names something of the
    policy's subject (social media, photos…): only then does a topic the policy mentions make it the
    policy's ("the iPads for research" stays next door on a policy that mentions iPads only for photos)."""
    for neighbour in neighbours:
        if not neighbour.topics.first(normalised_question) or neighbour.unless.first(normalised_question):
            continue
        if on_subject and neighbour.covered is not None and neighbour.covered.first(normalised_question):
            continue  # it also names what this policy speaks of: its rules answer
        return neighbour
    return None
