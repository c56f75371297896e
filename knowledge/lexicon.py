"""The school's lexicon (policy/lexicon.toml): slang and synonyms → policy terms, who to ask by
topic, and the vocabulary of questions the policy does not cover. The file format is documented
in the header of policy/lexicon.toml."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_NON_WORD = re.compile(r"[^a-z0-9@]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def normalise(text: str) -> str:
    """Lower-case NFKC text with control characters, apostrophes and punctuation removed:
    "Can I add an ex-pupil on FB?!" → "can i add an ex pupil on fb"."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = _CONTROL.sub(" ", text).replace("'", "")
    # Fold accents so "élève" and "eleve" look alike (they still are not English words).
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Route:
    key: str
    who: str
    topics: tuple[str, ...]
    default: bool = False


@dataclass(frozen=True)
class Neighbour:
    """A topic next door to the policy ("the school website", "a subject access request"): it shares
    words with the rules but belongs to another policy or person. Named in a question, it is refused
    with `reason` and `who`, unless the question also names one of `unless` (which brings it back to
    social media: "the website link on our facebook")."""
    key: str
    reason: str
    who: str
    topics: tuple[str, ...]
    unless: tuple[str, ...] = ()


@dataclass
class Lexicon:
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # policy term → variants
    routes: list[Route] = field(default_factory=list)
    extra_stopwords: frozenset[str] = frozenset()
    concerns: dict = field(default_factory=dict)  # the raw [concerns] tables (compiled by knowledge.disclosure)
    neighbours: list[Neighbour] = field(default_factory=list)  # [neighbours.<key>] topics next door
    everyday_words: list[str] = field(default_factory=list)  # [typos] everyday: real words, never "corrected"

    def __post_init__(self) -> None:
        self._terms_of_variant: dict[str, list[str]] = {}
        for term, variants in self.synonyms.items():
            canonical = normalise(term)
            for variant in [term, *variants]:
                key = normalise(variant)
                if key:
                    terms = self._terms_of_variant.setdefault(key, [])
                    if canonical not in terms:
                        terms.append(canonical)
        self._variants = PhraseMatcher(self._terms_of_variant)
        self._route_matchers = [(route, PhraseMatcher(normalise(t) for t in route.topics)) for route in self.routes]
        self._neighbour_matchers = [(neighbour, PhraseMatcher(normalise(t) for t in neighbour.topics),
                                     PhraseMatcher(normalise(t) for t in neighbour.unless))
                                    for neighbour in self.neighbours]

    @classmethod
    def load(cls, path: str | Path | None) -> "Lexicon":
        if path is None or not Path(path).exists():
            return cls()
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        routes = [Route(key, entry.get("who", key), tuple(entry.get("topics", [])), bool(entry.get("default")))
                  for key, entry in raw.get("routing", {}).items()]
        return cls(
            synonyms={term: list(variants) for term, variants in raw.get("synonyms", {}).items()},
            routes=routes,
            extra_stopwords=frozenset(normalise(w) for w in raw.get("stopwords", {}).get("extra", [])),
            concerns=dict(raw.get("concerns", {})),
            neighbours=[Neighbour(key, entry.get("reason", key), entry.get("who", "the Headteacher"),
                                  tuple(entry.get("topics", [])), tuple(entry.get("unless", [])))
                        for key, entry in raw.get("neighbours", {}).items()],
            everyday_words=list(raw.get("typos", {}).get("everyday", [])),
        )

    def variant_words(self) -> set[str]:
        return {word for variant in self._terms_of_variant for word in variant.split()}

    def expand(self, normalised_text: str) -> list[str]:
        """Policy terms (normalised) that the text's words and phrases stand for."""
        return self.rewrite(normalised_text)[1]

    def rewrite(self, normalised_text: str) -> tuple[str, list[str]]:
        """The text with every lexicon variant cut out, and the policy terms they stand for:
        slang then matches at the level of policy terms, not of its own rare spelling."""
        words = normalised_text.split()
        found: list[str] = []
        kept: list[str] = []
        position = 0
        for start, end, phrase in self._variants.find(words):
            kept.extend(words[position:start])
            position = end
            for term in self._terms_of_variant[phrase]:
                if term not in found:
                    found.append(term)
        kept.extend(words[position:])
        return " ".join(kept), found

    def neighbour(self, normalised_text: str) -> Neighbour | None:
        """The first neighbouring topic the text names without any of that topic's `unless` words."""
        words = normalised_text.split()
        for neighbour, topics, unless in self._neighbour_matchers:
            if topics.find(words) and not unless.find(words):
                return neighbour
        return None

    def route_key(self, normalised_text: str) -> str | None:
        """The key of the routing entry whose topic the text names (None when none does)."""
        words = normalised_text.split()
        return next((route.key for route, matcher in self._route_matchers if matcher.find(words)), None)

    def who_to_ask(self, normalised_text: str) -> str:
        words = normalised_text.split()
        for route, matcher in self._route_matchers:
            if matcher.find(words):
                return route.who
        fallback = next((route.who for route in self.routes if route.default), None)
        return fallback or "the Headteacher"


class PhraseMatcher:
    """Whole-word phrase lookup, longest match first, left to right, without overlaps.
    (A dict keyed by first word: far cheaper to build than one giant regex alternation.)"""

    def __init__(self, phrases):
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = tuple(phrase.split())
            if words:
                self._by_first.setdefault(words[0], []).append(words)
        for candidates in self._by_first.values():
            candidates.sort(key=len, reverse=True)

    def find(self, words: list[str]) -> list[tuple[int, int, str]]:
        found, index = [], 0
        while index < len(words):
            for candidate in self._by_first.get(words[index], ()):
                if tuple(words[index:index + len(candidate)]) == candidate:
                    found.append((index, index + len(candidate), " ".join(candidate)))
                    index += len(candidate)
                    break
            else:
                index += 1
        return found
