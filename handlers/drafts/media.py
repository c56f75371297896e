"""Photos attached to a post draft: checked, cleaned, kept sealed, shown to those who may see the draft.

A photo is kept only when its bytes are an image Pillow can read (never trusting its name or the
type a platform declared), and is stored re-encoded as a JPEG: turned the right way up, with its
metadata (camera, time, the GPS position of the school or a pupil's home) dropped, because what is
published is what is kept. The bytes live only in the sealed attachment store, the same as concern
evidence. Photos sent while a draft is being written belong to the poster's intake until the draft
is submitted, then to the draft; retention deletes them some weeks after the draft is finished.
"""
from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from handlers.context import Services
from handlers.evidence import check as check_file
from domain.messages import Incoming, Person
from storage import attachments
from storage import drafts as store

MAX_PHOTOS = 10  # an Instagram carousel takes ten
MAX_SIDE = 4096  # larger photos are scaled down: no platform shows more
JPEG_QUALITY = 90
THUMBNAIL_SIDE = 240
# Pillow refuses a "decompression bomb" past this many pixels (a tiny file that unpacks to gigabytes).
Image.MAX_IMAGE_PIXELS = 60_000_000


def cleaned_jpeg(data: bytes, max_side: int = MAX_SIDE, quality: int = JPEG_QUALITY) -> bytes | None:
    """The image as an upright JPEG without metadata, at most `max_side` pixels a side; None when the
    bytes are not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # an animated GIF: its first frame
            upright = ImageOps.exif_transpose(image)
            upright = upright.convert("RGB")
            upright.thumbnail((max_side, max_side))
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=quality, optimize=True)  # no exif= : none is written
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, EOFError):
        return None


def thumbnail(data: bytes, side: int = THUMBNAIL_SIDE) -> bytes | None:
    """A small JPEG for a card that cannot fetch the photo itself (Teams)."""
    return cleaned_jpeg(data, max_side=side, quality=70)


def _jpeg_name(name: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem or "photo") + ".jpg"


def keep_photos(services: Services, incoming: Incoming) -> tuple[list[dict], list[str]]:
    """Check, clean and store the photos this message carries in the poster's intake (own transaction).

    Returns the kept photos ({"id", "name"}) and one message per file refused."""
    kept, problems = [], []
    already = len(intake(services, incoming.who))
    with services.db.atomic():
        for file in incoming.files:
            checked, problem = check_file(file)
            if checked is not None and checked.kind != "image":
                problem = f"{checked.name} is not a photo, so it was not added to the draft."
            if problem:
                problems.append(problem)
                continue
            if already + len(kept) >= MAX_PHOTOS:
                problems.append(f"A post can carry at most {MAX_PHOTOS} photos; {checked.name} was not added.")
                continue
            jpeg = cleaned_jpeg(checked.data)
            if jpeg is None:
                problems.append(f"I couldn't read {checked.name} as a photo; please send it as a JPEG or PNG.")
                continue
            name = _jpeg_name(checked.name)
            photo_id = attachments.add(services.db, owner_kind=attachments.DRAFT_INTAKE, owner_ref=incoming.who,
                                       uploaded_by=incoming.who, name=name, mime="image/jpeg", kind="image",
                                       data=jpeg, now=services.now())
            kept.append({"id": photo_id, "name": name})
    return kept, problems


def intake(services: Services, who: str) -> list[dict]:
    return attachments.listing(services.db, attachments.DRAFT_INTAKE, who)


def discard_intake(services: Services, who: str) -> int:
    """A new draft starts without photos left over from one abandoned before."""
    with services.db.atomic():
        return attachments.delete_owned(services.db, attachments.DRAFT_INTAKE, who)


def attach_intake(services: Services, who: str, draft_id: int) -> int:
    """The intake's photos go with the draft just created (the caller's transaction)."""
    return attachments.move(services.db, attachments.DRAFT_INTAKE, who, attachments.DRAFT, str(draft_id))


def photos_of(services: Services, draft_id: int) -> list[dict]:
    return attachments.listing(services.db, attachments.DRAFT, str(draft_id))


def describe(photos: list[dict], described: str = "") -> str:
    """The draft's photos in words: what the poster typed and the photos attached."""
    if not photos:
        return described
    count = f"{len(photos)} photo{'s' if len(photos) != 1 else ''} attached"
    return "; ".join(p for p in (described, f"{count} ({', '.join(p['name'] for p in photos)})") if p)


def card_images(photos: list[dict]) -> list[dict]:
    """What a card carries so each channel can show thumbnails: ids and names, never bytes."""
    return [{"id": p["id"], "name": p["name"], "mime": p["mime"]} for p in photos]


def may_see_draft(person: Person | None, draft: store.Draft) -> bool:
    """Before it is published, a draft is for its submitter, the Deputy Head, the Headteacher and the
    IT manager (the same as show())."""
    return person is not None and (person.id == draft.submitter_id
                                   or person.has_role("deputy_head", "headteacher", "it_manager"))


def authorised_photo(services: Services, person: Person | None, photo_id: object) -> tuple[dict | None, str]:
    """One draft photo with its bytes, for someone who may see its draft; else (None, why not)."""
    try:
        photo_id = int(photo_id)
    except (TypeError, ValueError):
        photo_id = 0
    owner = attachments.owner_of(services.db, photo_id) if photo_id > 0 else None
    draft = store.get(services.db, int(owner[1])) if owner and owner[0] == attachments.DRAFT else None
    if draft is None:
        return None, "There is no such draft photo."
    if not may_see_draft(person, draft):
        return None, ("Only the submitter, the Deputy Head, the Headteacher and the IT manager can see a draft's "
                      "photos before it is published.")
    return attachments.read(services.db, photo_id), ""
