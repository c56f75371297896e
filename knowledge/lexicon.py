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
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Route:
    key: str
    who: str
    topics: tuple[str, ...]
    default: bool = False


@dataclass
class Lexicon:
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # policy term → variants
    routes: list[Route] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)
    extra_stopwords: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self._terms_of_variant: dict[str, list[str]] = {}
        for term, variants in self.synonyms.items():
            for variant in [term, *variants]:
                key = normalise(variant)
                if key:
                    self._terms_of_variant.setdefault(key, [])
                    if normalise(term) not in self._terms_of_variant[key]:
                        self._terms_of_variant[key].append(normalise(term))
        self._variant_re = _phrase_regex(self._terms_of_variant)
        self._oos_re = _phrase_regex({normalise(t): [] for t in self.out_of_scope if normalise(t)})
        self._route_res = [(route, _phrase_regex({normalise(t): [] for t in route.topics})) for route in self.routes]

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
            out_of_scope=list(raw.get("out_of_scope", {}).get("terms", [])),
            extra_stopwords=frozenset(normalise(w) for w in raw.get("stopwords", {}).get("extra", [])),
        )

    def variant_words(self) -> set[str]:
        return {word for variant in self._terms_of_variant for word in variant.split()}

    def expand(self, normalised_text: str) -> list[str]:
        """Policy terms (normalised) that the text's words and phrases stand for."""
        if self._variant_re is None:
            return []
        found: list[str] = []
        for match in self._variant_re.finditer(normalised_text):
            for term in self._terms_of_variant[match.group(0)]:
                if term not in found:
                    found.append(term)
        return found

    def rewrite(self, normalised_text: str) -> tuple[str, list[str]]:
        """The text with every lexicon variant cut out, and the policy terms they stand for:
        slang then matches at the level of policy terms, not of its own rare spelling."""
        if self._variant_re is None:
            return normalised_text, []
        found: list[str] = []
        for match in self._variant_re.finditer(normalised_text):
            for term in self._terms_of_variant[match.group(0)]:
                if term not in found:
                    found.append(term)
        return self._variant_re.sub(" ", normalised_text), found

    def out_of_scope_hits(self, normalised_text: str) -> list[str]:
        return [] if self._oos_re is None else [m.group(0) for m in self._oos_re.finditer(normalised_text)]

    def remove_out_of_scope(self, normalised_text: str) -> str:
        return normalised_text if self._oos_re is None else self._oos_re.sub(" ", normalised_text)

    def who_to_ask(self, normalised_text: str) -> str:
        for route, pattern in self._route_res:
            if pattern is not None and pattern.search(normalised_text):
                return route.who
        fallback = next((route.who for route in self.routes if route.default), None)
        return fallback or "the Headteacher"


def _phrase_regex(phrases: dict[str, list[str]]) -> re.Pattern | None:
    if not phrases:
        return None
    # Longest first so "follow back" wins over "follow"; whole words only.
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9@])(?:{alternatives})(?![a-z0-9@])")
