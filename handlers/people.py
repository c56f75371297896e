"""People as the bot knows them: who is behind a platform account, a roster person's name, and each
role in words (never its id). The channel adapters find people through here, not the roster itself.

One table of roles: a label for lists and refusals ("Deputy DSL"), and the same role as part of a
sentence ("a deputy DSL"). The role ids themselves are the roster's (storage.roster.KNOWN_ROLES).
"""
from __future__ import annotations

from typing import NamedTuple

from domain.messages import Person
from handlers.context import Services
from storage.roster import all_people, find_person, get_person, resolve_account


class RoleWords(NamedTuple):
    label: str     # "Designated Safeguarding Lead": in lists, "who am I", "role needed: …"
    in_prose: str  # "the Designated Safeguarding Lead": inside a sentence ("escalated to …")


ROLES = {
    "headteacher": RoleWords("Headteacher", "the Headteacher"),
    "deputy_head": RoleWords("Deputy Head", "the Deputy Head"),
    "dsl": RoleWords("Designated Safeguarding Lead", "the Designated Safeguarding Lead"),
    "deputy_dsl": RoleWords("Deputy DSL", "a deputy DSL"),
    "it_manager": RoleWords("IT manager", "the IT manager"),
    "poster": RoleWords("authorised to post", "someone authorised to post"),
    "staff": RoleWords("staff", "a member of staff"),
    "governor": RoleWords("governor", "a governor"),
    "chair_of_governors": RoleWords("Chair of Governors", "the Chair of Governors"),
    "volunteer": RoleWords("volunteer", "a volunteer"),
}


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def role_label(role: str) -> str:
    return ROLES[role].label if role in ROLES else role


def role_names(*roles: str) -> str:
    """Roles as people say them, for denials: "Deputy Head or Headteacher" (never "deputy_head")."""
    return _either([ROLES[role].label if role in ROLES else role.replace("_", " ") for role in roles])


def role_titles(roles: tuple[str, ...]) -> str:
    """"the Designated Safeguarding Lead, a deputy DSL or the Headteacher": roles inside a sentence."""
    return _either([ROLES[role].in_prose if role in ROLES else role.replace("_", " ") for role in roles])


def role_list(roles, none: str = "no roles yet") -> str:
    """Someone's roles, sorted, as labels: "Deputy DSL, staff"."""
    return ", ".join(role_label(role) for role in sorted(roles)) or none


def person_name(services: Services, person_id: str) -> str:
    """The roster name of `person_id`, or the id itself for someone no longer on the roster."""
    person = get_person(services.db, person_id)
    return person.name if person else person_id


def identify(services: Services, platform: str, platform_user_id: str, email: str | None = None) -> Person | None:
    """The roster person behind a platform account, linked by email on first contact. Pass an
    email only when the platform itself vouched for it, never one taken from the request."""
    return resolve_account(services.db, platform, platform_user_id, email)


def find(services: Services, token: str) -> Person | None:
    """Someone by roster id, email or name, as typed (`chat --as`)."""
    return find_person(services.db, token)


def on_roster(services: Services, person_id: str) -> Person | None:
    return get_person(services.db, person_id)


def everyone(services: Services) -> list[Person]:
    """Everyone active on the roster, by id (the web chat's list of people to speak as)."""
    return all_people(services.db)
