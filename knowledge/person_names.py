"""Is a word somebody's given name? Read from a published first-names data set, not a hand list.

The data set is gender-guesser's (about 40,000 given names from many countries, from Jörg Michael's
`gender` name dictionary). A word that is also ordinary English (Will, May, Grace, Sweet, Summer) is
not taken for a name: pyspellchecker's English word frequencies say which words are common.
"""
from __future__ import annotations

from functools import lru_cache

COMMON_WORD_FREQUENCY = 15_000  # above this in pyspellchecker's counts, a word is ordinary English ("grace")


@lru_cache(maxsize=1)
def _detector():
    from gender_guesser.detector import Detector

    return Detector(case_sensitive=False)


@lru_cache(maxsize=1)
def _frequencies():
    from spellchecker import SpellChecker

    return SpellChecker().word_frequency


@lru_cache(maxsize=4096)
def is_given_name(word: str) -> bool:
    word = word.strip("'’")
    if len(word) < 2 or not word[:1].isupper():
        return False
    if _detector().get_gender(word) == "unknown":
        return False
    return _frequencies()[word.lower()] < COMMON_WORD_FREQUENCY


@lru_cache(maxsize=4096)
def is_common_word(word: str) -> bool:
    """An ordinary English word (so not taken for a surname: "Olivia Won", "Jack Said")."""
    return _frequencies()[word.lower()] >= COMMON_WORD_FREQUENCY
