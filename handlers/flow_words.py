"""The words every guided conversation understands, and typed answers for the buttons it offers.

A flow that shows buttons must also take what people type for them (issue 16): the option's
number ("2"), its own words ("instagram", "keep the first one") or, for yes/no, the usual
yes and no words. Channel-free: the flows in handlers/ call these on what was typed.
"""
from __future__ import annotations

HELP_WORDS = frozenset({"help", "?", "what do i do", "what now", "options", "commands"})
BACK_WORDS = frozenset({"back", "go back", "previous", "undo"})
YES_WORDS = frozenset({"yes", "y", "yeah", "yep", "yes please", "true", "ok", "okay"})
NO_WORDS = frozenset({"no", "n", "nope", "false", "no thanks"})

LEAVING = "Type *back* to change your last answer, or *cancel* to stop (nothing half-done is saved)."


def normalised(text: str | None) -> str:
    return " ".join((text or "").lower().split()).strip(" .!")


def flow_command(text: str | None) -> str | None:
    """'help' or 'back' when that is all that was typed (cancel is the router's), else None."""
    said = normalised(text)
    if said in HELP_WORDS:
        return "help"
    if said in BACK_WORDS:
        return "back"
    return None


def typed_choice(text: str | None, options: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str | None:
    """The value of the option typed as its number (1-based), its value or its label, else None.

    `options` are (value, label) pairs in the order the buttons are shown. A label matches when
    what was typed is the whole label or one of its words that no other option shares
    ("instagram", "first")."""
    said = normalised(text)
    if not said:
        return None
    if said.isdigit():
        number = int(said)
        return options[number - 1][0] if 1 <= number <= len(options) else None
    for value, label in options:
        if said in (value.lower(), normalised(label)):
            return value
    words = {value: set(normalised(label).replace(",", " ").split()) | {value.lower()} for value, label in options}
    found = [value for value in words
             if said in words[value] and not any(said in other for v, other in words.items() if v != value)]
    return found[0] if len(found) == 1 else None


def yes_or_no(text: str | None) -> str | None:
    said = normalised(text)
    return "yes" if said in YES_WORDS else "no" if said in NO_WORDS else None


def numbered(options: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """'1. Facebook  2. Instagram  3. Both' for a prompt that also shows the options as buttons."""
    return "  ".join(f"{n}. {label}" for n, (_v, label) in enumerate(options, 1))
