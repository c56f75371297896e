"""Files people attach (concern-report evidence, training certificates): checked, then kept sealed.

What a file is comes from its bytes (the `filetype` package reads the magic numbers), never from
its name or the type a platform declared: images, PDFs and plain UTF-8 text are kept, up to
MAX_FILE_BYTES each; anything else is refused with a message that says what can be sent.
The bytes are stored only encrypted (storage.attachments). Nothing here logs a name or a byte.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import filetype

from domain.messages import MAX_FILE_BYTES, Incoming, IncomingFile, Reply
from handlers.context import Services
from handlers.router import TextRoute
from storage import attachments as store

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif",
                         "image/bmp", "image/tiff"})
KINDS = {"application/pdf": "pdf", "text/plain": "text"}
ACCEPTED = "images (photos, screenshots), PDFs or plain text files"
MAX_NAME_LENGTH = 120
UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class Checked:
    name: str
    mime: str
    kind: str  # "image", "pdf" or "text"
    data: bytes


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def safe_name(name: str, fallback: str = "attachment") -> str:
    """The file's name without paths or control characters, and not too long."""
    cleaned = UNSAFE_NAME.sub("_", (name or "").strip()).strip(". ") or fallback
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[:MAX_NAME_LENGTH - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else cleaned[:MAX_NAME_LENGTH]
    return cleaned


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)


def check(file: IncomingFile) -> tuple[Checked | None, str | None]:
    """The file as kept, or (None, what to tell the person)."""
    name = safe_name(file.name)
    if file.problem == "too_large" or (file.data is not None and len(file.data) > MAX_FILE_BYTES):
        return None, f"{name} is larger than {_megabytes(MAX_FILE_BYTES)}, so I couldn't keep it."
    if file.data is None:
        return None, f"I couldn't fetch {name} from the chat service; please attach it again."
    if not file.data:
        return None, f"{name} is empty, so there was nothing to keep."
    guessed = filetype.guess(file.data)
    if guessed is not None and guessed.mime in IMAGE_TYPES:
        return Checked(name, guessed.mime, "image", file.data), None
    if guessed is not None and guessed.mime in KINDS:
        return Checked(name, guessed.mime, KINDS[guessed.mime], file.data), None
    if guessed is None and _is_text(file.data):
        return Checked(name, "text/plain", "text", file.data), None
    return None, f"I can only keep {ACCEPTED}; {name} is none of these, so I didn't keep it."


def keep(services: Services, incoming: Incoming, owner_kind: str, owner_ref: str) -> tuple[list[dict], list[str]]:
    """Check and store every file the person attached (the caller's transaction).

    Returns the kept files ({"id", "name"}) and one message per file refused."""
    kept, problems = [], []
    for file in incoming.files:
        checked, problem = check(file)
        if checked is None:
            problems.append(problem)
            continue
        attachment_id = store.add(services.db, owner_kind=owner_kind, owner_ref=owner_ref,
                                  uploaded_by=incoming.who, name=checked.name, mime=checked.mime,
                                  kind=checked.kind, data=checked.data, now=services.now())
        kept.append({"id": attachment_id, "name": checked.name})
    return kept, problems


def file_reply(services: Services, attachment_id: int, lead: str, private: bool = True,
               confidential: bool = True) -> Reply:
    """The reply that hands one stored file to the person who may see it: adapters send the file
    itself (a Slack file message, a download link in the web chat) from `data["file"]`."""
    found = next((f for f in store.listing(services.db, *store.owner_of(services.db, attachment_id))
                  if f["id"] == attachment_id), None)
    return Reply(lead, private=private, confidential=confidential,
                 data={"file": {"id": attachment_id, "name": found["name"], "mime": found["mime"],
                                "kind": found["kind"], "size": found["size"]}})


def describe(files: list[dict]) -> str:
    """"screenshot.png (image, 120 KB); notes.txt (text, 1 KB)"."""
    return "; ".join(f"{f['name']} ({f['kind']}, {max(1, round(f['size'] / 1024))} KB)" for f in files)


def not_kept_reply() -> Reply:
    """Files sent outside any flow that keeps them: nothing is stored."""
    return Reply("I keep files only as evidence in a concern report (type *report a concern*, or "
                 "*add to <reference>:* for one you sent) or as a training certificate (*I've done my "
                 "training* with the certificate attached). Nothing was stored.", private=True)


TEXT_ROUTES = [TextRoute("evidence.not_kept", lambda incoming, services: bool(incoming.files),
                         lambda incoming, services: [not_kept_reply()])]
