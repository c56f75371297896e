"""Who to ask, read from the policy: the role it names for matters it does not cover, and for
safeguarding. A school's lexicon.toml [routing] table, when it has one, routes by topic first."""
from __future__ import annotations

import re

from knowledge.policy import Policy

# Role titles as English schools write them, most specific first.
ROLE_TITLES = ("Designated Safeguarding Lead", "Chief Executive Officer", "Headteacher", "Head Teacher",
               "Principal", "Executive Headteacher", "Head of School", "Deputy Headteacher", "Deputy Head",
               "School Business Manager", "Communications Manager", "Chair of Governors")
UNCOVERED = re.compile(r"\bnot (?:be )?(?:covered|cover|covers|addressed)\b|\bdoes not cover\b", re.I)
SAFEGUARDING = re.compile(r"\bsafeguarding\b|\bconcerns?\b", re.I)


def _first_title(text: str) -> str | None:
    """The role title that comes first in the text (case-insensitive)."""
    lowered = text.lower()
    found = [(lowered.find(title.lower()), title) for title in ROLE_TITLES if title.lower() in lowered]
    return min(found)[1] if found else None


def who_decides(policy: Policy) -> str:
    """The role the policy says decides what it does not cover; else its head."""
    for clause in policy.clauses:
        if UNCOVERED.search(clause.text):
            title = _first_title(clause.text)
            if title:
                return f"the {title}"
    for clause in policy.clauses:
        for title in ("Headteacher", "Principal", "Head Teacher"):
            if title.lower() in clause.text.lower():
                return f"the {title}"
    return "the Headteacher"


def safeguarding_lead(policy: Policy) -> str:
    text = policy.source
    if re.search(r"designated safeguarding lead", text, re.I):
        return "the Designated Safeguarding Lead (DSL)"
    return "the Designated Safeguarding Lead"
