"""Files people attach: concern-report evidence, training certificates, post-draft photos.

A file's bytes and its name are stored only as Fernet tokens under the report key (storage.crypto),
like a report's content; the plain columns hold what access checks need: whose it is (owner kind and
reference), who attached it, when, its size and broad kind (image, pdf, text). A file attached to a
report still being written belongs to the intake ("intake", person id) and moves to the report
when it is filed (`move`); a cancelled intake's files are deleted with it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.crypto import Cipher, cipher_for
from storage.migrations import Migrations
from storage.store import Store, in_list, iso

migrations = Migrations("attachments")

INTAKE = "intake"  # owner_ref: the person's id, until their report is filed
REPORT = "report"  # owner_ref: the report's reference
TRAINING = "training"  # owner_ref: the completion it evidences, "<person id>:<item>:<ISO date>"
DRAFT_INTAKE = "draft_intake"  # owner_ref: the poster's id (or channel:user), until their draft is submitted
DRAFT = "draft"  # owner_ref: the draft's id, as text


@migrations()
def create_attachments(db: Store) -> None:
    db["attachments"].create({
        "id": int, "owner_kind": str, "owner_ref": str, "uploaded_by": str, "created_at": str,
        "size": int, "kind": str, "meta": str, "content": str,
    }, pk="id", not_null={"owner_kind", "owner_ref", "uploaded_by", "created_at", "size", "meta", "content"})
    db["attachments"].create_index(["owner_kind", "owner_ref"])


def _iso(moment: datetime) -> str:
    return iso(moment)


# --- writing (inside the caller's transaction) -----------------------------------------------------

def add(db: Store, *, owner_kind: str, owner_ref: str, uploaded_by: str, name: str, mime: str,
        kind: str, data: bytes, now: datetime) -> int:
    """Store one file sealed; its id."""
    cipher = cipher_for(db)
    table = db["attachments"].insert({
        "owner_kind": owner_kind, "owner_ref": owner_ref, "uploaded_by": uploaded_by,
        "created_at": _iso(now), "size": len(data), "kind": kind,
        "meta": cipher.encrypt_json({"name": name, "mime": mime}), "content": cipher.encrypt_bytes(data),
    })
    return int(table.last_pk)


def move(db: Store, from_kind: str, from_ref: str, to_kind: str, to_ref: str,
         ids: list[int] | None = None) -> int:
    """Give a person's intake files to the report they filed (only `ids` when given)."""
    sql = ("UPDATE attachments SET owner_kind = :to_kind, owner_ref = :to_ref"
           " WHERE owner_kind = :from_kind AND owner_ref = :from_ref")
    params: dict[str, Any] = {"to_kind": to_kind, "to_ref": to_ref, "from_kind": from_kind, "from_ref": from_ref}
    if ids is not None:
        if not ids:
            return 0
        chosen, id_params = in_list("id", ids)
        sql += f" AND id IN {chosen}"
        params.update(id_params)
    return db.execute(sql, params).rowcount


def delete_owned(db: Store, owner_kind: str, owner_ref: str) -> int:
    return db.execute("DELETE FROM attachments WHERE owner_kind = :owner_kind AND owner_ref = :owner_ref",
                      {"owner_kind": owner_kind, "owner_ref": owner_ref}).rowcount


# --- reading -------------------------------------------------------------------------------------

def listing(db: Store, owner_kind: str, owner_ref: str) -> list[dict]:
    """The files of one owner, oldest first: id, name, mime, kind, size, created_at, uploaded_by
    (names decrypted; the bytes are not read)."""
    cipher = cipher_for(db)
    found = []
    for row in db.query("SELECT id, uploaded_by, created_at, size, kind, meta FROM attachments "
                        "WHERE owner_kind = :owner_kind AND owner_ref = :owner_ref ORDER BY id",
                        {"owner_kind": owner_kind, "owner_ref": owner_ref}):
        meta = cipher.decrypt_json(row["meta"])
        found.append({"id": row["id"], "name": meta.get("name") or f"file-{row['id']}",
                      "mime": meta.get("mime") or "application/octet-stream", "kind": row["kind"],
                      "size": row["size"], "created_at": row["created_at"], "uploaded_by": row["uploaded_by"]})
    return found


def owners(db: Store, owner_kind: str) -> list[str]:
    """Every owner_ref of one kind that has files."""
    return [row[0] for row in db.execute("SELECT DISTINCT owner_ref FROM attachments WHERE owner_kind = :owner_kind "
                                         "ORDER BY owner_ref", {"owner_kind": owner_kind}).fetchall()]


def owner_of(db: Store, attachment_id: int) -> tuple[str, str] | None:
    row = db.execute("SELECT owner_kind, owner_ref FROM attachments WHERE id = :id", {"id": attachment_id}).fetchone()
    return (row[0], row[1]) if row else None


def read(db: Store, attachment_id: int) -> dict | None:
    """One file with its bytes decrypted: name, mime, kind, size, data, owner_kind, owner_ref."""
    rows = list(db.query("SELECT * FROM attachments WHERE id = :id", {"id": attachment_id}))
    if not rows:
        return None
    row, cipher = rows[0], cipher_for(db)
    meta = cipher.decrypt_json(row["meta"])
    return {"id": row["id"], "name": meta.get("name") or f"file-{row['id']}",
            "mime": meta.get("mime") or "application/octet-stream", "kind": row["kind"],
            "size": row["size"], "data": cipher.decrypt_bytes(row["content"]),
            "owner_kind": row["owner_kind"], "owner_ref": row["owner_ref"], "uploaded_by": row["uploaded_by"]}


def reencrypt_all(db: Store, cipher: Cipher | None = None) -> int:
    """Every file under the newest key (the caller's transaction): called by storage.reports'."""
    cipher = cipher or cipher_for(db)
    count = 0
    for (attachment_id,) in db.execute("SELECT id FROM attachments").fetchall():
        row = next(iter(db.query("SELECT meta, content FROM attachments WHERE id = :id", {"id": attachment_id})))
        db.execute("UPDATE attachments SET meta = :meta, content = :content WHERE id = :id",
                   {"meta": cipher.rotate(row["meta"]), "content": cipher.rotate(row["content"]), "id": attachment_id})
        count += 1
    return count
