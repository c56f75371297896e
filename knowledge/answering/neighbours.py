"""Topics next door to the policy (neighbours.toml, and a school's own [neighbours] tables): named
in a question, they are refused with who to ask, unless this policy itself mentions the topic."""
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
    topics: PhraseMatcher
    unless: PhraseMatcher


def load_neighbours(policy_text: str, school_tables: dict | None = None) -> list[Neighbour]:
    tables = dict(tomllib.loads(NEIGHBOURS_FILE.read_text(encoding="utf-8")).get("neighbours", {}))
    tables.update(school_tables or {})
    policy = normalise(policy_text)
    neighbours = []
    for key, table in tables.items():
        topics = PhraseMatcher(table.get("topics", []))
        if topics.first(policy):  # the policy speaks of it: its own rules answer
            continue
        neighbours.append(Neighbour(key, table.get("reason", ""), table.get("who", "the Headteacher"), topics,
                                    PhraseMatcher(table.get("unless", []))))
    return neighbours


def neighbour_of(normalised_question: str, neighbours: list[Neighbour]) -> Neighbour | None:
    for neighbour in neighbours:
        if neighbour.topics.first(normalised_question) and not neighbour.unless.first(normalised_question):
            return neighbour
    return None
