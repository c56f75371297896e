"""Posters: the IT manager authorises and revokes who may submit drafts; anyone on the roster may ask
who can post."""
from __future__ import annotations

import re

from handlers.context import Services
from handlers.drafts.common import is_poster, names_of
from domain.messages import Incoming, Notification, Person, Reply
from storage import drafts as store
from storage import roster

# --- posters: the IT manager authorises and revokes ---------------------------------------------

AUTHORISE = re.compile(r"^\s*(?:please\s+)?authori[sz]e\s+(?P<who>.+?)(?:\s+(?:to|as a|as)\s+(?:post|poster)(?:ing)?)?"
                       r"\s*[.!]?\s*$", re.I)
REVOKE = re.compile(r"^\s*(?:please\s+)?(?:revoke|unauthori[sz]e|remove)\s+(?P<who>.+?)"
                    r"(?:'s)?(?:\s+(?:from posting|as a poster|as poster|posting rights|poster rights|poster access))?"
                    r"\s*[.!]?\s*$", re.I)
WHO_CAN_POST = re.compile(r"^\s*(?:who\s+(?:can|may|is allowed to|is authori[sz]ed to|are allowed to)\s+post\b.*|"
                          r"(?:list\s+)?(?:the\s+)?posters\??|who are the posters\??)\s*$", re.I)


def find_roster_person(services: Services, token: str) -> Person | None:
    token = re.sub(r"^(?:mr|mrs|ms|miss|mx|dr)\.?\s+", "", token.strip().strip("*").lstrip("@"), flags=re.I).strip()
    if not token:
        return None
    person = roster.find_person(services.db, token)
    if person is not None:
        return person
    lowered = token.casefold()
    matches = [p for p in roster.all_people(services.db)
               if lowered in (p.name.casefold().split()[-1], p.name.casefold().split()[0])]
    return matches[0] if len(matches) == 1 else None


def _poster_change(incoming: Incoming, services: Services, authorise: bool) -> list[Reply]:
    person = incoming.person
    pattern = AUTHORISE if authorise else REVOKE
    if person is None or not person.has_role("it_manager"):
        managers = names_of(roster.people_with_role(services.db, "it_manager"))
        return [Reply(f"Only the IT manager can authorise or revoke posters — that's {managers}.")]
    who = pattern.match(incoming.text).group("who")
    if who.strip().lower() in ("poster", "posters", "a poster", "someone", "somebody"):
        verb = "authorise" if authorise else "revoke"
        example = f"{verb} @hughes to post" if authorise else f"{verb} @hughes"
        return [Reply(f"Who should I {verb}? Type for example *{example}* (a roster id, email or name).")]
    target = find_roster_person(services, who)
    if target is None:
        return [Reply(f"I can't find '{who.strip()}' on the roster. Use their roster id (e.g. @hughes), email or full name.")]
    already = is_poster(services, target)
    if authorise and already:
        return [Reply(f"{target.name} can already post.")]
    if not authorise and not already:
        return [Reply(f"{target.name} isn't authorised to post, so there is nothing to revoke.")]
    with services.db.atomic():
        store.set_poster(services.db, target.id, authorise, person.id, incoming.channel, services.now())
        stamp = services.now().strftime("%Y%m%d%H%M%S")
        message = (f"{person.name} (IT manager) has authorised you to submit posts for the school's Facebook and "
                   "Instagram. Type *draft* to start; every post goes to the Deputy Head for approval."
                   if authorise else
                   f"{person.name} (IT manager) has withdrawn your authorisation to post on the school's accounts.")
        services.notify(Notification(target.id, Reply(message),
                                     key=f"poster-{target.id}-{'authorised' if authorise else 'revoked'}-{stamp}"))
    done = "can now submit post drafts" if authorise else "can no longer submit post drafts"
    return [Reply(f"Done: {target.name} {done}. I've let them know.")]


def handle_authorise(incoming: Incoming, services: Services) -> list[Reply]:
    return _poster_change(incoming, services, True)


def handle_revoke(incoming: Incoming, services: Services) -> list[Reply]:
    return _poster_change(incoming, services, False)


def handle_who_can_post(incoming: Incoming, services: Services) -> list[Reply]:
    if incoming.person is None:  # staff names are for the school's own people
        return [Reply("Sorry, I can't share that: you are not linked to the roster yet. "
                      "Please ask the IT manager to add you.")]
    posters = [p for p in roster.all_people(services.db) if is_poster(services, p)]
    managers = roster.people_with_role(services.db, "deputy_head") + roster.people_with_role(services.db, "it_manager")
    lines = [f"• {p.name}" + (f" ({p.job_title})" if p.job_title else "") for p in posters] or ["• nobody yet"]
    return [Reply(title="Who can post to the school's accounts",
                  text="Authorised posters:\n" + "\n".join(lines),
                  notes=[f"The accounts are managed by {names_of(managers).replace(' or ', ' and ')}. "
                         "The IT manager authorises posters; every post is approved by the Deputy Head."])]


