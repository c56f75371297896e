"""People on the roster, their roles, and the platform accounts linked to them."""
from __future__ import annotations

import csv
from pathlib import Path

from domain.messages import Person
from storage.errors import STORAGE_FAULTS
from storage.migrations import Migrations
from storage.store import Store

migrations = Migrations("roster")

KNOWN_ROLES = frozenset({
    "headteacher", "deputy_head", "dsl", "deputy_dsl", "it_manager", "poster", "staff",
    "governor", "chair_of_governors", "volunteer",
})


@migrations()
def create_roster(db: Store) -> None:
    db["people"].create(
        {"id": str, "name": str, "email": str, "roles": str, "job_title": str,
         "start_date": str, "active": int, "away": int},
        pk="id", not_null={"name"}, defaults={"active": 1, "away": 0, "roles": "", "email": "",
                                              "job_title": "", "start_date": ""},
    )
    db["people"].create_index(["email"])
    # One row per platform account. Slack and Teams ids are only ever looked up, never shown.
    db["platform_accounts"].create(
        {"platform": str, "platform_user_id": str, "person_id": str, "linked_at": str},
        pk=("platform", "platform_user_id"), foreign_keys=[("person_id", "people", "id")],
    )
    db["platform_accounts"].create_index(["person_id"])


def _person(row: dict) -> Person:
    roles = frozenset(r for r in (row.get("roles") or "").split(";") if r)
    return Person(id=row["id"], name=row["name"], email=row.get("email") or "", roles=roles,
                  job_title=row.get("job_title") or "")


def read_roster_rows(path: str | Path) -> list[dict[str, str]]:
    """The roster's rows, without blank ids and without comment rows: a row whose first cell opens
    with '#' is a note or an example for whoever fills the file in (`app.py setup` writes one)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle)
                if (row.get("id") or "").strip() and not _is_comment(row)]


def _is_comment(row: dict) -> bool:
    first = next(iter(row.values()), None)
    return isinstance(first, str) and first.lstrip().startswith("#")


def load_roster_csv(db: Store, path: str | Path) -> int:
    """Upsert people (and any platform ids given) from a roster CSV. Returns rows loaded.

    Columns: id, name, email, roles (separated by ';'), job_title, start_date, slack_id, teams_id.
    """
    count = 0
    with db.atomic():
        for row in read_roster_rows(path):
            person_id = row["id"].strip()
            roles = [r.strip() for r in (row.get("roles") or "").split(";") if r.strip()]
            unknown = set(roles) - KNOWN_ROLES
            if unknown:
                raise ValueError(f"roster row {person_id}: unknown role(s) {', '.join(sorted(unknown))}")
            db["people"].upsert({
                "id": person_id, "name": row["name"].strip(), "email": (row.get("email") or "").strip().lower(),
                "roles": ";".join(roles), "job_title": (row.get("job_title") or "").strip(),
                "start_date": (row.get("start_date") or "").strip(),
            }, pk="id")
            for platform, column in (("slack", "slack_id"), ("teams", "teams_id")):
                if (row.get(column) or "").strip():
                    link_account(db, platform, row[column].strip(), person_id)
            count += 1
    return count


def _one_person(db: Store, sql: str, params: dict) -> Person | None:
    # Plain SQL: these run on every turn, and sqlite_utils' table helpers read the schema each call.
    row = next(iter(db.query(sql, params)), None)
    return None if row is None else _person(row)


def get_person(db: Store, person_id: str) -> Person | None:
    return _one_person(db, "SELECT id, name, email, roles, job_title FROM people WHERE id = :id AND active = 1",
                       {"id": person_id})


def find_person(db: Store, token: str) -> Person | None:
    """Find someone by roster id, email or (case-insensitive) name, as typed in `chat --as`."""
    token = token.strip().lstrip("@")
    for where, arg in (("id = :token", token), ("email = :token", token.lower()),
                       ("lower(name) = :token", token.lower())):
        rows = list(db["people"].rows_where(f"{where} AND active = 1", {"token": arg}, limit=1))
        if rows:
            return _person(rows[0])
    return None


def people_with_role(db: Store, role: str) -> list[Person]:
    rows = db["people"].rows_where("active = 1 AND ';' || roles || ';' LIKE :pattern", {"pattern": f"%;{role};%"},
                                   order_by="id")
    return [_person(r) for r in rows]


def active_rows(db: Store) -> list[dict]:
    """id, name, roles (as stored, ';'-separated) and start_date of everyone active, by id."""
    return list(db.query("SELECT id, name, roles, start_date FROM people WHERE active = 1 ORDER BY id"))


def stored_roles(db: Store, person_id: str) -> list[str]:
    """The roles on the person's roster row, whether or not they are active."""
    row = db.execute("SELECT roles FROM people WHERE id = :id", {"id": person_id}).fetchone()
    return [role for role in ((row[0] if row else "") or "").split(";") if role]


def all_people(db: Store) -> list[Person]:
    return [_person(r) for r in db["people"].rows_where("active = 1", order_by="id")]


def is_away(db: Store, person_id: str) -> bool:
    rows = list(db["people"].rows_where("id = :id", {"id": person_id}))
    return bool(rows and rows[0]["away"])


def set_away(db: Store, person_id: str, away: bool) -> None:
    db["people"].update(person_id, {"away": int(away)})


def set_roles(db: Store, person_id: str, roles: frozenset[str] | set[str]) -> None:
    db["people"].update(person_id, {"roles": ";".join(sorted(roles))})


def link_account(db: Store, platform: str, platform_user_id: str, person_id: str) -> None:
    from datetime import datetime, timezone

    db["platform_accounts"].upsert({
        "platform": platform, "platform_user_id": platform_user_id, "person_id": person_id,
        "linked_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }, pk=("platform", "platform_user_id"))


def person_for_account(db: Store, platform: str, platform_user_id: str) -> Person | None:
    return _one_person(
        db, "SELECT p.id, p.name, p.email, p.roles, p.job_title FROM platform_accounts a"
            " JOIN people p ON p.id = a.person_id"
            " WHERE a.platform = :platform AND a.platform_user_id = :user AND p.active = 1 LIMIT 1",
        {"platform": platform, "user": platform_user_id})


def accounts_of(db: Store, person_id: str) -> dict[str, str]:
    """platform -> platform user id for one person."""
    return {r["platform"]: r["platform_user_id"]
            for r in db["platform_accounts"].rows_where("person_id = :person_id", {"person_id": person_id})}


def person_with_email(db: Store, email: str) -> Person | None:
    return _one_person(db, "SELECT id, name, email, roles, job_title FROM people"
                           " WHERE email = :email AND email != '' AND active = 1 LIMIT 1",
                       {"email": email.strip().lower()})


def resolve_account(db: Store, platform: str, platform_user_id: str, email: str | None) -> Person | None:
    """The roster person behind a platform account, linking it by email the first time.

    `email` must come from the platform itself (Slack's users.info, the Teams connector a token
    vouched for), never from the request. It is matched against emails alone: an "email" that
    happens to be a roster id or a name links nobody."""
    person = person_for_account(db, platform, platform_user_id)
    if person is None and email and email.strip():
        person = person_with_email(db, email)
        if person is not None:
            try:
                link_account(db, platform, platform_user_id, person.id)
            except STORAGE_FAULTS:
                pass  # who they are is known from the email; the link is made on their next message
    return person
