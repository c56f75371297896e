"""Words: normalising, stemming, and the lexicons (generic for every school, plus a school's own).

A lexicon maps everyday words to the words policies use, names the groups of people, says how
people announce who they are and what they ask, and lists the facts that decide a condition. All
of it is data (generic_lexicon.toml here; a school's optional lexicon.toml on top); this module
only compiles phrase lists into whole-word matchers.
"""
from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import snowballstemmer
from spellchecker import SpellChecker

from knowledge.lexicon import normalise

GENERIC_LEXICON = Path(__file__).resolve().parent / "generic_lexicon.toml"
STOPWORDS = frozenset("""a an the and or of to in on for at by with from as is are be been being it its this
that these those their there they them we our us you your i me my he she his her was were will would should
could can may must not do does did any all other such which who whom whose what when where how if unless than
then so also via eg into about including either both has have had no nor per im ive id ok okay just really
please pls quick question hi hey hello thanks thank get got am""".split())

_STEMMER = snowballstemmer.stemmer("english")
KNOWN_WORD_COUNT = 1000  # the policy's and lexicon's words: as frequent as everyday English
# Endings of past and -ing forms, each with what the base word may end in: "replied" → "reply",
# "shared" → "share", "texting".
INFLECTIONS = (("ied", ("y",)), ("ed", ("", "e")), ("ing", ("", "e")))


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def content_stems(normalised_text: str) -> list[str]:
    """Stems of the words that carry meaning, in order."""
    return [stem(w) for w in normalised_text.split() if w not in STOPWORDS and len(w) > 1]


class PhraseMatcher:
    """Whole-word matching of a list of phrases in normalised text; longest phrase first."""

    def __init__(self, phrases: list[str]):
        cleaned = sorted({normalise(p) for p in phrases if normalise(p)}, key=len, reverse=True)
        self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, cleaned)) + r")\b") if cleaned else None

    def find(self, text: str) -> list[str]:
        return [m.group(0) for m in self.pattern.finditer(text)] if self.pattern else []

    def first(self, text: str) -> re.Match | None:
        return self.pattern.search(text) if self.pattern else None

    def __contains__(self, text: str) -> bool:
        return bool(self.pattern and self.pattern.search(text))


@dataclass
class Vocabulary:
    """The merged lexicons, compiled."""

    synonyms: dict[str, list[str]] = field(default_factory=dict)  # term → variants
    groups: dict[str, PhraseMatcher] = field(default_factory=dict)
    askers: dict[str, PhraseMatcher] = field(default_factory=dict)
    asks: dict[str, PhraseMatcher] = field(default_factory=dict)
    facts: dict[str, PhraseMatcher] = field(default_factory=dict)
    answers: dict[str, PhraseMatcher] = field(default_factory=dict)  # what a clause says that answers a fact question
    domain: frozenset[str] = frozenset()  # lexicon terms that tie a question to social media
    textspeak: dict[str, str] = field(default_factory=dict)
    _variants: PhraseMatcher | None = None
    _term_of: dict[str, list[str]] = field(default_factory=dict)
    _speller: SpellChecker | None = None

    @classmethod
    def load(cls, school_lexicon: Path | None = None) -> "Vocabulary":
        raw = tomllib.loads(GENERIC_LEXICON.read_text(encoding="utf-8"))
        if school_lexicon is not None and Path(school_lexicon).exists():
            school = tomllib.loads(Path(school_lexicon).read_text(encoding="utf-8"))
            for table in ("synonyms", "groups", "askers", "asks", "facts", "answers"):
                for key, values in (school.get(table) or {}).items():
                    if isinstance(values, list):
                        raw.setdefault(table, {}).setdefault(key, [])
                        raw[table][key] = [*raw[table][key], *values]
        vocabulary = cls(synonyms=raw.get("synonyms", {}), textspeak=raw.get("textspeak", {}),
                         domain=frozenset("_" + normalise(t).replace(" ", "_") for t in raw.get("domain", {}).get("terms", [])))
        for table in ("groups", "askers", "asks", "facts", "answers"):
            setattr(vocabulary, table, {key: PhraseMatcher(values) for key, values in raw.get(table, {}).items()})
        term_of: dict[str, list[str]] = {}
        for term, variants in vocabulary.synonyms.items():
            for variant in [term, *variants]:
                term_of.setdefault(normalise(variant), []).append(term)
        vocabulary._term_of = term_of
        vocabulary._variants = PhraseMatcher(list(term_of))
        vocabulary._speller = SpellChecker(distance=1)
        vocabulary.know(" ".join(term_of))
        return vocabulary

    def know(self, text: str) -> None:
        """Words that typo correction must treat as real, and prefer ("insta", the policy's own words)."""
        words = {word: KNOWN_WORD_COUNT for word in normalise(text).split() if len(word) > 1}
        self._speller.word_frequency.load_json(words)  # one update of the speller's totals

    def looks_english(self, normalised_text: str) -> bool:
        """At least half the words are English words the speller or the policy knows (short
        messages pass: "fb?" is English enough)."""
        words = [w for w in normalised_text.split() if w.isalpha() and len(w) > 1]
        if len(words) < 3:
            return True
        return len(self._speller.known(words)) >= len(set(words)) / 2

    def correct(self, normalised_text: str) -> str:
        """Misspelt words replaced by the closest real word (one edit away); real words left alone."""
        words = " ".join(self.textspeak.get(w, w) for w in normalised_text.split()).split()
        unknown = self._speller.unknown([w for w in words if len(w) > 3 and w.isalpha()])
        if not unknown:
            return " ".join(words)
        return " ".join(self._correction(w) if w in unknown else w for w in words)

    def _correction(self, word: str) -> str:
        """The likeliest known word one edit away that keeps the word's start; the word itself when it
        is the past or -ing form of a known word ("texted", "reposting": unknown to the speller, no typo)."""
        if self._inflects_known(word):
            return word
        # Typists rarely get a word's first letter wrong (at most they swap the first two): a candidate
        # that drops, adds or changes it ("ipads" → "pads", "vlog" → "log") is another word, not a fix.
        candidates = [c for c in self._speller.candidates(word) or ()
                      if c[0] == word[0] or (len(c) == len(word) and c[:2] == word[1::-1] and c[2:] == word[2:])]
        return max(candidates, key=self._speller.word_usage_frequency, default=word)

    def _inflects_known(self, word: str) -> bool:
        """The word is a past or -ing form of a word the speller or the policy knows. (A plural needs
        no such care: its singular is one edit away and keeps its start, "ipads" → "ipad".)"""
        for suffix, replacements in INFLECTIONS:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                base = word[:-len(suffix)]
                if any(base + ending in self._speller for ending in replacements):
                    return True
                if suffix in ("ed", "ing") and len(base) > 2 and base[-1] == base[-2] and base[:-1] in self._speller:  # "chatted"
                    return True
        return False

    def terms(self, normalised_text: str) -> list[str]:
        """The lexicon terms a text names (each as a single token, "friend_request")."""
        found: list[str] = []
        for variant in (self._variants.find(normalised_text) if self._variants else []):
            for term in self._term_of.get(variant, []):
                token = "_" + normalise(term).replace(" ", "_")
                if token not in found:
                    found.append(token)
        return found

    def plain_terms(self, normalised_text: str) -> list[str]:
        """The policy words that the text's slang and synonyms stand for, as words ("insta" → "instagram")."""
        present = set(normalised_text.split())
        return [word for term in self.terms(normalised_text) for word in term[1:].split("_") if word not in present]

    def tokens(self, normalised_text: str) -> list[str]:
        """What the lexical stage matches on: content stems plus the lexicon terms named."""
        return content_stems(normalised_text) + self.terms(normalised_text)

    def answer_kinds(self, normalised_text: str) -> frozenset[str]:
        """The kinds of fact a clause states ("who", "time", "consequence"): see [answers]."""
        return frozenset(kind for kind, matcher in self.answers.items() if matcher.first(normalised_text))

    def group_mentions(self, normalised_text: str) -> list[tuple[int, int, str]]:
        """(start, end, group) for each mention of a group of people, in order."""
        mentions = [(m.start(), m.end(), group) for group, matcher in self.groups.items()
                    for m in (matcher.pattern.finditer(normalised_text) if matcher.pattern else [])]
        return sorted(mentions)
