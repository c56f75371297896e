"""A certificate file kept with a training record: checked and sealed like concern evidence
(handlers.evidence, storage.attachments), listed in the compliance report, opened only by the
Headteacher or the DSL (or deputy DSL), and every attempt to open one audited, allowed or not.

A certificate comes with the message that records the training (*I've done my training on 3 Sept*
with the file attached), or afterwards with the word *certificate*, for the latest record.
"""
from __future__ import annotations

import re
from datetime import date

from handlers import evidence
from handlers.context import Services
from domain.messages import Button, Incoming, Reply
from handlers.schedule import format_date
from handlers.training.due import ITEM_NAMES, OVERSEER_NAMES, OVERSEER_ROLES
from storage import attachments
from storage import reports as audit_store
from storage import roster
from storage import training as training_store

CERTIFICATE_RE = re.compile(r"\bcertificates?\b", re.I)
RECORDED_ITEMS = ("training", "dsl")  # the policy acknowledgement's evidence is its check
MAX_OPEN_BUTTONS = 10


def owner_ref(person_id: str, item: str, done_on: date) -> str:
    return f"{person_id}:{item}:{done_on.isoformat()}"


def _parse_owner(ref: str) -> tuple[str, str, str] | None:
    parts = ref.rsplit(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


def keep(incoming: Incoming, services: Services, person_id: str, item: str, done_on: date) -> list[str]:
    """Keep the files of `incoming` as certificates of one completion (the caller's transaction);
    the notes to show: what was kept, and why any file was not."""
    if not incoming.files:
        return []
    kept, problems = evidence.keep(services, incoming, attachments.TRAINING, owner_ref(person_id, item, done_on))
    notes = [f"Certificate kept: {f['name']} (only the Headteacher and the DSL can open it)." for f in kept]
    return notes + problems


def _latest_completion(services: Services, person_id: str) -> tuple[str, date] | None:
    return training_store.latest_completion(services.db, person_id, RECORDED_ITEMS)


def wants_to_attach(incoming: Incoming, services: Services) -> bool:
    return bool(incoming.files) and bool(CERTIFICATE_RE.search(incoming.text or ""))


def handle_attach(incoming: Incoming, services: Services) -> list[Reply]:
    """Files sent with the word *certificate*: kept with the person's latest training record."""
    person = incoming.person
    if person is None:
        return [Reply("I don't know who you are yet, so I can't keep a certificate. Ask the IT manager to add "
                      "you to the roster.")]
    latest = _latest_completion(services, person.id)
    if latest is None:
        return [Reply("There is no training recorded for you yet, so there is nothing to attach the certificate "
                      "to; nothing was stored. Send it with *I've done my training on <date>*.")]
    item, done_on = latest
    with services.db.atomic():
        notes = keep(incoming, services, person.id, item, done_on)
    return [Reply(f"Your {ITEM_NAMES[item]} completed on {format_date(done_on)}:", notes=notes)]


def on_file(services: Services) -> list[dict]:
    """Every certificate kept: id, name, kind, size, person_id, name of the person, item, done_on."""
    found = []
    for ref in attachments.owners(services.db, attachments.TRAINING):
        parsed = _parse_owner(ref)
        if parsed is None:
            continue
        person_id, item, done_on = parsed
        person = roster.get_person(services.db, person_id)
        for file in attachments.listing(services.db, attachments.TRAINING, ref):
            found.append({**file, "person_id": person_id, "person": person.name if person else person_id,
                          "item": item, "done_on": done_on})
    return sorted(found, key=lambda f: (f["done_on"], f["id"]), reverse=True)


def certificate_owners(services: Services) -> set[tuple[str, str, str]]:
    """(person id, item, ISO date) of every completion with a certificate kept."""
    return {parsed for ref in attachments.owners(services.db, attachments.TRAINING)
            if (parsed := _parse_owner(ref)) is not None}


def report_section(services: Services) -> tuple[str, list[Button]]:
    """The compliance report's lines about certificates, and Open buttons for the newest."""
    files = on_file(services)
    lines = [f"• {f['person']}: {ITEM_NAMES.get(f['item'], f['item'])} on {_day(f['done_on'])} — "
             f"{evidence.describe([f])}" for f in files]
    text = f"\n\n*Certificates on file ({len(files)})*\n" + ("\n".join(lines) or "None.")
    buttons = [Button(f"Open {f['name']}", "training.certificate", {"file": f["id"]}) for f in files[:MAX_OPEN_BUTTONS]]
    return text, buttons


def _day(iso_day: str) -> str:
    try:
        return format_date(date.fromisoformat(iso_day))
    except ValueError:
        return iso_day


def authorised_certificate(incoming: Incoming, services: Services, attachment_id: object,
                           action: str = "view_certificate") -> tuple[dict | None, list[Reply]]:
    """One certificate for the Headteacher or the DSL; an audit row for every attempt, naming the file."""
    try:
        attachment_id = int(attachment_id)
    except (TypeError, ValueError):
        attachment_id = 0
    owner = attachments.owner_of(services.db, attachment_id) if attachment_id > 0 else None
    person = incoming.person
    allowed = person is not None and person.has_role(*OVERSEER_ROLES)
    exists = owner is not None and owner[0] == attachments.TRAINING
    with services.db.atomic():
        audit_store.audit(services.db, incoming.who, None, action, allowed and exists, services.now(),
                          f"training certificate {attachment_id}" + ("" if exists else " (no such file)"))
    if not allowed:  # the same answer whether or not the file exists
        return None, [Reply(f"Only {OVERSEER_NAMES} can open training certificates (role headteacher, dsl "
                            "or deputy_dsl).", private=True)]
    if not exists:
        return None, [Reply("There is no such training certificate.", private=True)]
    return attachments.read(services.db, attachment_id), []


def open_certificate(incoming: Incoming, services: Services) -> list[Reply]:
    """The Open button under a certificate in the compliance report: the file, to this person only."""
    found, refusal = authorised_certificate(incoming, services, incoming.value.get("file"))
    if found is None:
        return refusal
    return [evidence.file_reply(services, found["id"], f"Training certificate: {found['name']}.",
                                confidential=False)]
