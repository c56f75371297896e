"""The storage interface every storage module programs against, and how timestamps are stored.

`Store` is the slice of sqlite_utils' `Database` the modules use; `sqlite_utils.Database` (SQLite)
and `storage.postgres.PostgresDatabase` (PostgreSQL, through SQLAlchemy Core) both provide it.
Statements use named parameters (`:person_id`, values in a dict), which sqlite3 and SQLAlchemy both
read as written, so no statement is ever rewritten for one database. Nothing here imports another
storage module.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Mapping, Protocol, Sequence

from sqlite_utils import Database


class StoreCursor(Protocol):
    rowcount: int

    def fetchone(self) -> Sequence[Any] | None: ...
    def fetchall(self) -> list[Sequence[Any]]: ...


class StoreTable(Protocol):
    last_pk: Any

    def exists(self) -> bool: ...
    def create(self, columns: dict[str, type], pk: Any = None, foreign_keys: Any = (),
               not_null: Iterable[str] = (), defaults: dict[str, Any] | None = None) -> Any: ...
    def create_index(self, columns: Iterable[str], unique: bool = False) -> Any: ...
    @property
    def count(self) -> int: ...
    @property
    def rows(self) -> Iterator[dict]: ...
    def rows_where(self, where: str | None = None, where_args: Mapping[str, Any] | None = None,
                   order_by: str | None = None, limit: int | None = None) -> Iterator[dict]: ...
    def get(self, pk_values: Any) -> dict: ...
    def insert(self, record: dict[str, Any]) -> "StoreTable": ...
    def upsert(self, record: dict[str, Any], pk: Any = None) -> "StoreTable": ...
    def update(self, pk_values: Any, updates: dict[str, Any]) -> "StoreTable": ...


class Store(Protocol):
    """What storage modules may ask of a database: `sqlite_utils.Database` and
    `storage.postgres.PostgresDatabase` both provide exactly this. SQL given to execute/query (and
    a `where` given to rows_where) uses named parameters with a dict, and the syntax SQLite and
    PostgreSQL share (ON CONFLICT, RETURNING). Order rows by a column (an id, a timestamp with an id
    after it), never by SQLite's hidden rowid, so both databases give the same order.
    atomic() nests: an inner block is a savepoint."""

    def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> StoreCursor: ...
    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]: ...
    def atomic(self) -> AbstractContextManager[Any]: ...
    def __getitem__(self, name: str) -> StoreTable: ...
    def create_view(self, name: str, sql: str) -> Any: ...
    def close(self) -> None: ...


def in_list(name: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """`IN (...)` with one named parameter per value: ("(:id_0, :id_1)", {"id_0": .., "id_1": ..}).
    An empty list gives "(NULL)", which matches nothing."""
    params = {f"{name}_{index}": value for index, value in enumerate(values)}
    return "(" + (", ".join(f":{key}" for key in params) or "NULL") + ")", params



def is_sqlite(db: Store) -> bool:
    return isinstance(db, Database)


def iso(moment: datetime) -> str:
    """A moment as stored: UTC, ISO 8601, to the second."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
