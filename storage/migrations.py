"""Each storage module's schema changes, applied once, in order, on either database.

`Migrations` keeps the decorator and the record of sqlite_utils' own (`@migrations()`,
`@migrations(transactional=False)`, one row per applied migration in `_sqlite_migrations`), so
every SQLite file made before keeps its history and nothing is applied twice. It is written here,
against `storage.store.Store`, because sqlite_utils' runner asks the database for SQLite's own
features (`?` placeholders, `ORDER BY rowid`, `table.transform`) that PostgreSQL does not have.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite_utils' name: files made before keep their history

Migration = Callable[[Any], None]


@dataclass(frozen=True)
class _Step:
    name: str
    function: Migration
    transactional: bool


class Migrations:
    """One aggregate's migrations, in the order they are declared."""

    def __init__(self, name: str):
        self.name = name
        self._steps: list[_Step] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable[[Migration], Migration]:
        def register(function: Migration) -> Migration:
            step_name = name or function.__name__
            if any(step.name == step_name for step in self._steps):
                raise ValueError(f"migration {step_name!r} is already in set {self.name!r}")
            self._steps.append(_Step(step_name, function, transactional))
            return function

        return register

    def applied(self, db: Any) -> set[str]:
        if not db[MIGRATIONS_TABLE].exists():
            return set()
        return {row["name"] for row in db.query(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = :migration_set",
            {"migration_set": self.name})}

    def apply(self, db: Any, *, stop_before: str | None = None) -> None:
        """Apply what is pending, in order (up to, not including, `stop_before`: for tests of an upgrade)."""
        ensure_migrations_table(db)
        done = self.applied(db)
        for step in self._steps:
            if step.name == stop_before:
                return
            if step.name in done:
                continue
            if step.transactional:
                with db.atomic():
                    step.function(db)
                    self._record(db, step.name)
            else:  # it opens its own transactions (and may do what cannot run inside one)
                step.function(db)
                self._record(db, step.name)

    def _record(self, db: Any, name: str) -> None:
        db.execute(f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at)"
                   " VALUES (:migration_set, :name, :applied_at)",
                   {"migration_set": self.name, "name": name, "applied_at": str(datetime.now(timezone.utc))})

    def __repr__(self) -> str:
        return f"<Migrations {self.name!r}: {', '.join(step.name for step in self._steps)}>"


def ensure_migrations_table(db: Any) -> None:
    table = db[MIGRATIONS_TABLE]
    if not table.exists():
        table.create({"id": int, "migration_set": str, "name": str, "applied_at": str}, pk="id")
        table.create_index(["migration_set", "name"], unique=True)
