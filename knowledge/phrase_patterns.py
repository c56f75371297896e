"""The small pattern language of a school's phrase tables (the [concerns] tables of policy/lexicon.toml),
compiled to regular expressions: "threat*" any ending, "(a|b)" alternatives, "(x)?" optional,
"..." up to eight words between, ".." up to four, "!(me|us)" not followed by, "{child}" a placeholder
for another table. knowledge/disclosure.py builds its concern rules with it.
"""
from __future__ import annotations

import re
from typing import Iterable

GAP = r"(?:\w+\s+){0,8}?"  # "..." in an entry: up to eight words in between
SHORT_GAP = r"(?:\w+\s+){0,4}?"  # "..": up to four


def word_pattern(word: str) -> str:
    """One entry word: "threat*" → any ending, "(a|b*)" → alternatives, "(x|y)?" → optional."""
    optional = word.endswith(")?")
    if word.startswith("(") and (word.endswith(")") or optional):
        inner = word[1:-2] if optional else word[1:-1]
        body = "(?:" + "|".join(r"\s+".join(word_pattern(part) for part in alt.split())
                                for alt in inner.split("|")) + ")"
        return body + "?" if optional else body
    if word.endswith("*"):
        return re.escape(word[:-1]) + r"\w*"
    return re.escape(word)


def entry_tokens(entry: str) -> list[str]:
    """Words of an entry; a parenthesised group is one token even with spaces ("(i saw|ive seen)")."""
    tokens, depth, current = [], 0, []
    for ch in entry.strip():
        if ch == " " and depth == 0:
            if current:
                tokens.append("".join(current))
                current = []
            continue
        depth += (ch == "(") - (ch == ")")
        current.append(ch)
    if current:
        tokens.append("".join(current))
    return tokens


def entry_pattern(entry: str, placeholders: dict[str, str]) -> str:
    """One data entry (see the header of [concerns] in policy/lexicon.toml) as a regular expression."""
    if entry.startswith("re:"):
        return f"(?:{entry[3:]})"
    parts: list[str] = []
    gap = ""
    for word in entry_tokens(entry):
        if word in ("...", ".."):
            gap = GAP if word == "..." else SHORT_GAP
            continue
        if word.startswith("!"):  # "!(me|us)": the previous word is not followed by these
            parts.append(rf"(?!\s+{word_pattern(word[1:])}\b)")
            continue
        name = word[1:-1] if word.startswith("{") and word.endswith("}") else None
        piece = placeholders[name] if name in placeholders else word_pattern(word)
        if not parts and gap:
            parts.append(gap)  # an entry remainder that starts with "..."
        elif parts:
            # an optional word may be absent: its separating space is optional with it
            parts.append(r"\s*" if word.endswith(")?") else r"\s+")
            parts.append(gap)
        parts.append(piece)
        gap = ""
    return "".join(parts)


def alternation(entries: Iterable[str], placeholders: dict[str, str] | None = None) -> str:
    patterns = [entry_pattern(e, placeholders or {}) for e in entries if e and e.strip()]
    # Longest first, so "older men" wins over "men" in what a match reports.
    patterns.sort(key=len, reverse=True)
    return "(?:" + "|".join(patterns) + ")" if patterns else r"(?!x)x"


def compile_factored(entries: Iterable[str], placeholders: dict[str, str]) -> re.Pattern:
    """Like compile_entries, with entries that start with the same {placeholder} sharing it once: the
    regex engine then tries the long list of adults once per position, not once per entry."""
    groups: dict[str, list[str]] = {}
    for entry in entries:
        tokens = entry_tokens(entry)
        first, rest = (tokens[0], " ".join(tokens[1:])) if tokens else ("", "")
        if first.startswith("{") and first.endswith("}") and rest and not rest.startswith("!"):
            groups.setdefault(first, []).append(rest)
        else:
            groups.setdefault("", []).append(entry)
    branches = [alternation(rests, placeholders) for first, rests in groups.items() if not first]
    branches += [entry_pattern(first, placeholders) + r"\s+" + alternation(rests, placeholders)
                 for first, rests in groups.items() if first]
    return re.compile(r"\b(?:" + "|".join(branches) + r")\b") if branches else re.compile(r"(?!x)x")


def compile_entries(entries: Iterable[str], placeholders: dict[str, str] | None = None, anchored: bool = False) -> re.Pattern:
    body = alternation(entries, placeholders)
    return re.compile(body if anchored else rf"\b{body}\b")
