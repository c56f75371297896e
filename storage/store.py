"""The storage interface every storage module programs against, and how timestamps are stored.

`Store` is the slice of sqlite_utils' `Database` the modules use; `sqlite_utils.Database` and
`storage.postgres.PostgresDatabase` both provide it. Nothing here imports another storage module.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Protocol, Sequence

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
    def rows_where(self, where: str | None = None, where_args: Sequence[Any] | None = None,
                   order_by: str | None = None, limit: int | None = None) -> Iterator[dict]: ...
    def get(self, pk_values: Any) -> dict: ...
    def insert(self, record: dict[str, Any]) -> "StoreTable": ...
    def upsert(self, record: dict[str, Any], pk: Any = None) -> "StoreTable": ...
    def update(self, pk_values: Any, updates: dict[str, Any]) -> "StoreTable": ...


class Store(Protocol):
    """What storage modules may ask of a database: `sqlite_utils.Database` and
    `storage.postgres.PostgresDatabase` both provide exactly this. SQL given to execute/query uses
    `?` placeholders and the syntax SQLite and PostgreSQL share (ON CONFLICT, RETURNING)."""

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> StoreCursor: ...
    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict]: ...
    def atomic(self) -> AbstractContextManager[Any]: ...
    def __getitem__(self, name: str) -> StoreTable: ...
    def create_view(self, name: str, sql: str) -> Any: ...



def is_sqlite(db: Store) -> bool:
    return isinstance(db, Database)


def iso(moment: datetime) -> str:
    """A moment as stored: UTC, ISO 8601, to the second."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
