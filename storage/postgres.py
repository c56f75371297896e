"""PostgreSQL behind the same small interface the storage modules use on SQLite (`storage.store.Store`).

A trust running many schools points `POLICYBOT_DB` at `postgresql://…` and every storage module,
migration and handler runs unchanged. The storage modules are written in SQL both databases speak
(`ON CONFLICT`, `RETURNING`, `?` placeholders); this module supplies the rest:

- `?` placeholders become psycopg's `%s` (and a literal `%` becomes `%%`);
- every table gets a `rowid` identity column, so "ORDER BY …, rowid" keeps SQLite's insertion order;
  it is left out of the rows handed back, as SQLite leaves its implicit rowid out of `SELECT *`;
- text columns use the "C" collation, so ISO timestamps and references sort byte by byte as in SQLite;
- errors a person can be told about (a lock not granted in time, a full disk, a read-only server)
  become `StorageFault` with the same wording SQLite uses, so handlers give the same clear reply.

psycopg is imported only when a PostgreSQL URL is used; SQLite installs never need it.
"""
from __future__ import annotations

import contextlib
import re
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Sequence

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from sqlite_utils.db import NotFoundError

from storage.errors import StorageFault

HIDDEN_ROWID = "rowid"

_COLUMN_TYPES = {str: 'TEXT COLLATE "C"', int: "BIGINT", float: "DOUBLE PRECISION", bytes: "BYTEA",
                 bool: "BIGINT"}


@lru_cache(maxsize=1024)
def to_postgres_sql(sql: str) -> str:
    """`?` outside quotes → `%s`; every `%` → `%%` (psycopg reads `%` as a placeholder marker)."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if char == "%":
            out.append("%%")
            continue
        if quote:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append(char)
    return "".join(out)


def _fault_from(error: psycopg.Error) -> StorageFault | None:
    """The PostgreSQL errors a person is told about, worded as SQLite words them (see handlers.router)."""
    if isinstance(error, (pg_errors.LockNotAvailable, pg_errors.DeadlockDetected)):
        return StorageFault("database is locked")
    if isinstance(error, pg_errors.QueryCanceled) and "lock" in str(error).lower():
        return StorageFault("database is locked")
    if isinstance(error, (pg_errors.DiskFull, pg_errors.OutOfMemory)):
        return StorageFault("database or disk is full")
    if isinstance(error, pg_errors.ReadOnlySqlTransaction):
        return StorageFault("attempt to write a readonly database")
    if isinstance(error, psycopg.OperationalError):
        return StorageFault(f"database unavailable: {type(error).__name__}")
    return None


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        fault = _fault_from(error)
        if fault is None:
            raise
        raise fault from error


def _is_read(sql: str) -> bool:
    return sql.lstrip()[:7].upper() == "SELECT " and "RETURNING" not in sql.upper()


def _without_rowid(row: dict) -> dict:
    row.pop(HIDDEN_ROWID, None)
    return row


class PostgresDatabase:
    """The slice of `sqlite_utils.Database` the storage modules use, over one psycopg connection.

    A server restarts and connections drop, where a file does not: a connection found broken is
    replaced before the next statement that is not inside a transaction (the statement that met
    the break has already failed as a StorageFault, so nothing half-done is carried over)."""

    def __init__(self, url: str, lock_timeout_ms: int):
        self.url = url
        self.lock_timeout_ms = int(lock_timeout_ms)
        self.primary_keys: dict[str, list[str]] = {}
        self.transaction_depth = 0
        self.conn = self._connect()

    def _connect(self) -> psycopg.Connection:
        with _translated_errors():
            # autocommit: a lone statement commits at once, as sqlite_utils' execute() does;
            # atomic() opens the transactions (nested ones become savepoints).
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
            conn.execute(f"SET lock_timeout = {self.lock_timeout_ms}")
        return conn

    def _live_connection(self) -> psycopg.Connection:
        # Never inside a transaction: its statements must all go to the connection that began it.
        if self.conn.broken and self.transaction_depth == 0:  # not after close(): closed stays closed
            self.conn = self._connect()
        return self.conn

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> psycopg.Cursor:
        with _translated_errors():
            return self._run(sql, lambda conn: conn.execute(to_postgres_sql(sql), parameters))

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict]:
        def fetch(conn: psycopg.Connection) -> list[dict]:
            cursor = conn.cursor(row_factory=dict_row)
            cursor.execute(to_postgres_sql(sql), params)
            return cursor.fetchall()

        with _translated_errors():
            rows = self._run(sql, fetch)
        return (_without_rowid(row) for row in rows)

    def _run(self, sql: str, statement: Callable[[psycopg.Connection], Any]) -> Any:
        """Run one statement; a lone read that meets a dropped connection is run once more on a
        new one (reading twice changes nothing; a write is never repeated, it may have landed)."""
        try:
            return statement(self._live_connection())
        except psycopg.OperationalError:
            if not (self.conn.broken and self.transaction_depth == 0 and _is_read(sql)):
                raise
        return statement(self._live_connection())

    @contextlib.contextmanager
    def atomic(self) -> Iterator["PostgresDatabase"]:
        with _translated_errors(), self._live_connection().transaction():
            self.transaction_depth += 1
            try:
                yield self
            finally:
                self.transaction_depth -= 1

    def __getitem__(self, name: str) -> "PostgresTable":
        return PostgresTable(self, name)

    def create_view(self, name: str, sql: str) -> None:
        self.execute(f"CREATE VIEW {_quoted(name)} AS {sql}")

    def table_names(self) -> list[str]:
        return [row[0] for row in self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " ORDER BY table_name").fetchall()]



def _quoted(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


class PostgresTable:
    """The slice of `sqlite_utils.db.Table` the storage modules and `Migrations` use."""

    def __init__(self, db: PostgresDatabase, name: str):
        self.db = db
        self.name = name
        self.last_pk: Any = None

    # -- schema ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.db.execute("SELECT to_regclass(?) IS NOT NULL", [self.name]).fetchone()[0]

    @property
    def pks(self) -> list[str]:
        if self.name in self.db.primary_keys:
            return self.db.primary_keys[self.name]
        rows = self.db.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisprimary"
            " ORDER BY array_position(i.indkey, a.attnum)", [self.name]).fetchall()
        if rows:  # a table's key never changes once made, so it is looked up once per connection
            self.db.primary_keys[self.name] = [row[0] for row in rows]
        return [row[0] for row in rows]

    def create(self, columns: dict[str, type], pk: str | Iterable[str] | None = None,
               foreign_keys: Iterable[tuple[str, str, str]] = (), not_null: Iterable[str] = (),
               defaults: dict[str, Any] | None = None) -> "PostgresTable":
        pk_columns = [pk] if isinstance(pk, str) else list(pk or [])
        not_null, defaults = set(not_null), defaults or {}
        single_integer_pk = len(pk_columns) == 1 and columns.get(pk_columns[0]) is int
        lines = []
        for column, kind in columns.items():
            line = f"{_quoted(column)} {_COLUMN_TYPES[kind]}"
            if single_integer_pk and column == pk_columns[0]:
                line += " GENERATED BY DEFAULT AS IDENTITY"  # SQLite's INTEGER PRIMARY KEY numbering
            if column in not_null:
                line += " NOT NULL"
            if column in defaults:
                line += f" DEFAULT {self._literal(defaults[column])}"
            lines.append(line)
        if HIDDEN_ROWID not in columns:
            lines.append(f"{HIDDEN_ROWID} BIGINT GENERATED ALWAYS AS IDENTITY")
        if pk_columns:
            lines.append(f"PRIMARY KEY ({', '.join(map(_quoted, pk_columns))})")
        for column, other_table, other_column in foreign_keys:
            lines.append(f"FOREIGN KEY ({_quoted(column)}) REFERENCES {_quoted(other_table)}"
                         f" ({_quoted(other_column)})")
        self.db.execute(f"CREATE TABLE {_quoted(self.name)} ({', '.join(lines)})")
        return self

    def create_index(self, columns: Iterable[str], unique: bool = False) -> "PostgresTable":
        columns = list(columns)
        index_name = f"idx_{self.name}_{'_'.join(columns)}"
        self.db.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX {_quoted(index_name)}"
                        f" ON {_quoted(self.name)} ({', '.join(map(_quoted, columns))})")
        return self

    @staticmethod
    def _literal(value: Any) -> str:
        if isinstance(value, bool) or isinstance(value, int):
            return str(int(value))
        if isinstance(value, float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    # -- rows -----------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return self.db.execute(f"SELECT count(*) FROM {_quoted(self.name)}").fetchone()[0]

    @property
    def rows(self) -> Iterator[dict]:
        return self.rows_where()

    def rows_where(self, where: str | None = None, where_args: Sequence[Any] | None = None,
                   order_by: str | None = None, limit: int | None = None) -> Iterator[dict]:
        sql = f"SELECT * FROM {_quoted(self.name)}"
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {order_by}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.db.query(sql, where_args)

    def _pk_where(self, pk_values: Any) -> tuple[str, list[Any]]:
        pks = self.pks
        values = list(pk_values) if isinstance(pk_values, (list, tuple)) else [pk_values]
        if len(values) != len(pks):
            raise NotFoundError(f"{self.name}: expected {len(pks)} key values")
        return " AND ".join(f"{_quoted(pk)} = ?" for pk in pks), values

    def get(self, pk_values: Any) -> dict:
        where, values = self._pk_where(pk_values)
        rows = list(self.rows_where(where, values, limit=1))
        if not rows:
            raise NotFoundError(f"{self.name}: no row for {pk_values!r}")
        return rows[0]

    def insert(self, record: dict[str, Any]) -> "PostgresTable":
        columns, pks = list(record), self.pks
        sql = (f"INSERT INTO {_quoted(self.name)} ({', '.join(map(_quoted, columns))})"
               f" VALUES ({', '.join('?' for _ in columns)})")
        if pks:
            sql += f" RETURNING {', '.join(map(_quoted, pks))}"
        cursor = self.db.execute(sql, [record[c] for c in columns])
        row = cursor.fetchone() if pks else None
        self.last_pk = (row[0] if len(row) == 1 else tuple(row)) if row else None
        return self

    def upsert(self, record: dict[str, Any], pk: str | Iterable[str] | None = None) -> "PostgresTable":
        keys = [pk] if isinstance(pk, str) else list(pk or self.pks)
        columns = list(record)
        others = [c for c in columns if c not in keys]
        action = ("DO UPDATE SET " + ", ".join(f"{_quoted(c)} = excluded.{_quoted(c)}" for c in others)
                  if others else "DO NOTHING")
        self.db.execute(
            f"INSERT INTO {_quoted(self.name)} ({', '.join(map(_quoted, columns))})"
            f" VALUES ({', '.join('?' for _ in columns)})"
            f" ON CONFLICT ({', '.join(map(_quoted, keys))}) {action}", [record[c] for c in columns])
        self.last_pk = record[keys[0]] if len(keys) == 1 else tuple(record[k] for k in keys)
        return self

    def update(self, pk_values: Any, updates: dict[str, Any]) -> "PostgresTable":
        where, values = self._pk_where(pk_values)
        if updates:
            assignments = ", ".join(f"{_quoted(c)} = ?" for c in updates)
            self.db.execute(f"UPDATE {_quoted(self.name)} SET {assignments} WHERE {where}",
                            [*updates.values(), *values])
        self.last_pk = pk_values
        return self
