"""Facts about the school that a policy states in passing, read from the parsed policy: its name,
the people it names with their titles ("The Headteacher, Mr J Whitaker," / "Policy owner: Mr J
Whitaker, Headteacher"), the official channels it lists and the sentences saying who runs them.

`app.py setup` writes these into school.toml; `app.py check` shows them and compares them with the
roster. Everything is read from the policy's own words: no school's names live here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.policy import Policy

HONORIFIC = r"(?:Mr|Mrs|Miss|Ms|Mx|Dr|Prof)\.?"
# Spaces within a line only: a header's "Mr J Whitaker, Headteacher" is not followed by the next line's "Signed".
PERSON = rf"{HONORIFIC}[ \t]+(?:[A-Z]\.?[ \t]+|[A-Z][a-z'’-]+[ \t]+){{0,3}}[A-Z][A-Za-z'’-]+"
TITLE = r"(?:[A-Z][a-z]+|CEO|DSL|DPO|IT|SENCO|SENDCo)(?:[ \t]+(?:of[ \t]+|and[ \t]+|for[ \t]+)?(?:[A-Z][a-z]+|DSL|IT))*"
# "The Headteacher, Mr J Whitaker," and "The Chief Executive Officer (CEO), Mrs C Adeyemi,".
TITLE_THEN_PERSON = re.compile(rf"\b({TITLE})(?:[ \t]+\([A-Z]{{2,6}}\))?,[ \t]+({PERSON})")
# "Mr J Whitaker, Headteacher" (a header's "Policy owner" or "Signed" line).
PERSON_THEN_TITLE = re.compile(rf"({PERSON}),[ \t]+(?:the[ \t]+)?({TITLE})")
ROLE_WORDS = re.compile(r"\b(Head|Headteacher|Principal|Lead|Leader|Manager|Officer|Chair|Governors?|Teacher|"
                        r"Director|Trustee|Clerk|Co-?ordinator|DSL|CEO|DPO|SENCO|SENDCo)\b")
HEAD_TITLES = ("headteacher", "head teacher", "principal", "executive headteacher", "head of school")
# "The school's official social media channels are as follows:", "The Trust's official channels are:".
OFFICIAL_LIST_RE = re.compile(r"\bofficial\b[^.]*\b(channels?|accounts?|pages?)\b[^.]*\b(are|is|include)\b"
                              r"(?:\s+as follows)?\s*:?\s*$", re.I)
MANAGEMENT_RE = re.compile(r"\b(manages?|managed by|run by|are run|responsible for|responsibility for|approves?|"
                           r"approved by|may post|administrator)\b", re.I)
ABOUT_ACCOUNTS_RE = re.compile(r"\b(official|accounts?|channels?|posts?|page)\b", re.I)
ROLE_WORDS_ANY_CASE = re.compile(ROLE_WORDS.pattern, re.I)
SMALL_WORDS = {"of", "and", "the", "for", "in", "on", "at", "&"}


@dataclass(frozen=True)
class NamedPerson:
    title: str
    name: str


def display_name(text: str | None) -> str | None:
    """A title as people write it: "OAKFIELD PRIMARY SCHOOL" → "Oakfield Primary School"."""
    if not text:
        return None
    text = " ".join(text.split())
    if text.upper() != text:
        return text
    words = text.lower().split()
    return " ".join(w if (i and w in SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))


def school_name(policy: Policy) -> str | None:
    return display_name(policy.meta.school)


def short_code(name: str) -> str:
    """Initials for concern report references: "Oakfield Primary School" → "OPS"."""
    words = [w for w in re.findall(r"[A-Za-z0-9]+", name) if w.lower() not in SMALL_WORDS]
    code = "".join(w[0] for w in words).upper()[:5]
    if len(code) < 2:
        code = re.sub(r"[^A-Za-z0-9]", "", name).upper()[:3]
    return code or "SCH"


def _source(policy: Policy) -> str:
    return "\n".join(" ".join(line.split()) for line in policy.source.replace("**", "").splitlines())


def named_people(policy: Policy) -> list[NamedPerson]:
    """Every person the policy names with a title, in order, once each (title, name)."""
    found: list[NamedPerson] = []
    for key, value in policy.meta.fields.items():  # "Headteacher<TAB>Miss C Ingram"
        if ROLE_WORDS.search(key) and re.fullmatch(PERSON, value.strip()):
            found.append(NamedPerson(key.strip(), value.strip()))
    text = _source(policy)
    matches = [(m.start(), m.group(1), m.group(2)) for m in TITLE_THEN_PERSON.finditer(text)]
    matches += [(m.start(), m.group(2), m.group(1)) for m in PERSON_THEN_TITLE.finditer(text)]
    for _, title, name in sorted(matches):
        title = re.sub(r"^(?:The|the)\s+", "", title).strip()
        if not ROLE_WORDS.search(title):
            continue
        person = NamedPerson(title, name.strip())
        if person not in found:
            found.append(person)
    return found


def is_head_title(title: str) -> bool:
    lowered = title.lower()
    return any(lowered == t or lowered.endswith(" " + t) and not lowered.startswith(("deputy", "assistant"))
               for t in HEAD_TITLES)


def headteacher(policy: Policy) -> str | None:
    """The head's name where the policy states it (a trust-wide policy often names none)."""
    for person in named_people(policy):
        if is_head_title(person.title):
            return person.name
    value = (policy.meta.headteacher or "").strip()
    return value if re.fullmatch(PERSON, value) else None


def official_channels(policy: Policy) -> list[str]:
    """The official accounts the policy lists, in its own words."""
    if policy.meta.accounts:
        return [f"{platform} {handle}" for platform, handle in policy.meta.accounts]
    channels = []
    for clause in policy.clauses:
        if clause.kind == "bullet" and clause.lead_in and OFFICIAL_LIST_RE.search(clause.lead_in):
            channels.append(clause.text.rstrip(";.,").strip())
    return channels


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;!?])\s+(?=[A-Z])", text) if s.strip()]


def management_sentences(policy: Policy, limit: int = 5) -> list[str]:
    """The policy's sentences about who runs, posts on or approves posts for the official accounts."""
    found: list[str] = []
    for clause in policy.clauses:
        if clause.modality == "will_not" and clause.kind == "bullet":
            continue  # a will-not-post item ("…unless approved by the CEO") is about content, not people
        for sentence in _sentences(clause.statement):
            if MANAGEMENT_RE.search(sentence) and ABOUT_ACCOUNTS_RE.search(sentence) \
                    and ROLE_WORDS_ANY_CASE.search(sentence) and sentence not in found:
                found.append(sentence)
    # Sentences about the accounts themselves first: "official" or "post" in them.
    found.sort(key=lambda s: not re.search(r"\bofficial|\bpost", s, re.I))
    return found[:limit]


def approval_sentence(policy: Policy) -> str | None:
    """The sentence saying who approves posts before they are published, if the policy has one."""
    for clause in policy.clauses:
        for sentence in _sentences(clause.statement):
            if re.search(r"\bapprov\w*\b", sentence, re.I) and re.search(
                    r"\bposts?\b.*\b(publish\w*|posted)\b|\bbefore\b.*\b(publish\w*|posted)\b", sentence, re.I):
                return sentence
    return None


def will_not_post(policy: Policy) -> list[str]:
    """What the school says it will not post (the list the draft pre-check works from)."""
    items = []
    for clause in policy.clauses:
        if clause.modality == "will_not" and clause.kind == "bullet" and clause.lead_in \
                and re.search(r"\bpost", clause.lead_in, re.I):
            items.append(f"{clause.rule}: {clause.text.rstrip(';.')}")
    return items
