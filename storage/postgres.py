"""PostgreSQL behind the storage interface (`storage.store.Store`), through SQLAlchemy Core on psycopg 3.

A trust running many schools points `POLICYBOT_DB` at `postgresql://…` and every storage module,
migration and handler runs unchanged. Nothing here rewrites a statement: the storage modules write
SQL both databases speak, with named parameters (`:person_id`), which SQLAlchemy's `text()` reads
as sqlite3 does; the table operations (`db["drafts"].insert(...)`, upsert, get, create, ...) are
SQLAlchemy constructs over tables it reflects from the server.

- Connections come from SQLAlchemy's pool with `pool_pre_ping`: one the server dropped (a restart,
  a firewall) is found and replaced when it is taken from the pool, before any statement is sent.
- A lone statement commits at once (the pool's connections are in autocommit, as sqlite_utils'
  `execute` is); `atomic()` holds one connection for its thread until the outermost block ends,
  and a nested block is a savepoint. The database object is shared by the event loop and executor
  threads: each thread's transaction is its own, and the pool is thread-safe.
- Text columns use the "C" collation, so ISO timestamps and references sort byte by byte as in SQLite.
- Errors a person can be told about (a lock not granted in time, a full disk, a read-only server,
  an unreachable one) become `StorageFault` with the wording SQLite uses (handlers.router).

SQLAlchemy and psycopg are imported only when a PostgreSQL URL is used; SQLite installs never need them.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Iterable, Iterator

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import (BigInteger, Column, ForeignKeyConstraint, Identity, Index, LargeBinary, MetaData,
                        Table, Text, and_, create_engine, exc, func, inspect, select, text, update)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION, insert as pg_insert
from sqlalchemy.engine import Connection, CursorResult, Engine, URL, make_url
from sqlalchemy.sql.elements import TextClause
from sqlite_utils.db import NotFoundError

from storage.errors import StorageFault

DRIVER = "postgresql+psycopg"
_COLUMN_TYPES = {str: lambda: Text(collation="C"), int: BigInteger, float: DOUBLE_PRECISION,
                 bytes: LargeBinary, bool: BigInteger}


def engine_url(url: str, lock_timeout_ms: int) -> tuple[URL, dict[str, Any]]:
    """`postgresql://` (or `postgres://`) as IT managers write it, on the psycopg 3 driver; and
    the connection options with our lock timeout added to any the URL gives (a search_path)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername != "postgresql" and parsed.drivername != DRIVER:
        raise ValueError(f"not a PostgreSQL URL for the psycopg driver: {parsed.drivername}")
    options = " ".join(filter(None, [str(parsed.query.get("options") or ""), f"-c lock_timeout={int(lock_timeout_ms)}"]))
    return (parsed.set(drivername=DRIVER).difference_update_query(["options"]),
            {"options": options, "connect_timeout": 5})


def _fault_from(error: BaseException | None) -> StorageFault | None:
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
    except exc.DBAPIError as error:
        fault = _fault_from(error.orig)
        if fault is None:
            raise
        raise fault from error
    except exc.TimeoutError as error:  # every pooled connection busy for longer than the pool waits
        raise StorageFault(f"database unavailable: {type(error).__name__}") from error


@lru_cache(maxsize=2048)
def _statement(sql: str) -> TextClause:
    """The statement as SQLAlchemy reads it, made once per distinct SQL text (they are few and fixed)."""
    return text(sql)


def _named(parameters: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not parameters:
        return {}
    if not isinstance(parameters, Mapping):
        raise TypeError("storage statements take named parameters (:name) given as a dict")
    return parameters


class Fetched:
    """A statement's rows, read before its connection went back to the pool (sqlite3's cursor slice)."""

    def __init__(self, result: CursorResult):
        self.rowcount = result.rowcount
        self._rows = [tuple(row) for row in result] if result.returns_rows else []

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[tuple]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())


class PostgresDatabase:
    """`storage.store.Store` over a SQLAlchemy engine."""

    def __init__(self, url: str, lock_timeout_ms: int):
        self.url = url
        address, connect_args = engine_url(url, lock_timeout_ms)
        # LIFO: the connection used last (warm, and holding any SET a caller made) is reused first.
        self.engine: Engine = create_engine(address, connect_args=connect_args, isolation_level="AUTOCOMMIT",
                                            pool_pre_ping=True, pool_use_lifo=True)
        self.metadata = MetaData()
        self._metadata_lock = threading.RLock()
        # .connection: this thread's open transaction, if any; .schema_changed: it made or altered tables
        self._thread = threading.local()

    # -- connections and transactions -----------------------------------------------------------
    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """This thread's transaction connection inside atomic(); else one from the pool, for one statement."""
        held = getattr(self._thread, "connection", None)
        if held is not None:
            yield held
            return
        with _translated_errors(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def atomic(self) -> Iterator["PostgresDatabase"]:
        held = getattr(self._thread, "connection", None)
        with _translated_errors():
            if held is not None:
                with held.begin_nested():  # a savepoint: a failed inner block undoes only itself
                    yield self
                return
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="READ COMMITTED")  # back to autocommit in the pool
                self._thread.connection, self._thread.schema_changed = conn, False
                try:
                    with conn.begin():
                        yield self
                except BaseException:
                    if self._thread.schema_changed:  # a rolled-back migration: its tables never were
                        self._forget_tables()
                    raise
                finally:
                    self._thread.connection = None

    def close(self) -> None:
        self.engine.dispose()

    # -- statements -------------------------------------------------------------------------------
    def execute(self, sql: str, parameters: Mapping[str, Any] | None = None) -> Fetched:
        with self.connection() as conn:
            fetched = Fetched(conn.execute(_statement(sql), _named(parameters)))
        if sql.split(None, 1)[0].upper() in ("ALTER", "CREATE", "DROP"):
            self._forget_tables()  # the schema changed under the tables reflected so far
            self._thread.schema_changed = True
        return fetched

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        return self._rows(_statement(sql), _named(params))

    def _rows(self, statement: Any, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        with self.connection() as conn:
            rows = [dict(row) for row in conn.execute(statement, params or {}).mappings()]
        return iter(rows)

    def __getitem__(self, name: str) -> "PostgresTable":
        return PostgresTable(self, name)

    def create_view(self, name: str, sql: str) -> None:
        self.execute(f'CREATE VIEW "{name}" AS {sql}')

    def table_names(self) -> list[str]:
        with self.connection() as conn:
            return sorted(inspect(conn).get_table_names())

    # -- reflected tables -------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        """The table as the server has it (read once, then kept until the schema changes)."""
        with self._metadata_lock:
            if name in self.metadata.tables:
                return self.metadata.tables[name]
            with self.connection() as conn:
                try:
                    return Table(name, self.metadata, autoload_with=conn)
                except exc.NoSuchTableError:
                    raise NotFoundError(f"there is no table {name}") from None

    def _forget_tables(self) -> None:
        with self._metadata_lock:
            self.metadata.clear()


class PostgresTable:
    """The table operations of `storage.store.StoreTable`, as SQLAlchemy Core statements."""

    def __init__(self, db: PostgresDatabase, name: str):
        self.db = db
        self.name = name
        self.last_pk: Any = None

    # -- schema ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        with self.db.connection() as conn:
            return inspect(conn).has_table(self.name)

    @property
    def pks(self) -> list[str]:
        return [column.name for column in self.db.table(self.name).primary_key.columns]

    def create(self, columns: dict[str, type], pk: str | Iterable[str] | None = None,
               foreign_keys: Iterable[tuple[str, str, str]] = (), not_null: Iterable[str] = (),
               defaults: dict[str, Any] | None = None) -> "PostgresTable":
        pk_columns = [pk] if isinstance(pk, str) else list(pk or [])
        not_null, defaults = set(not_null), defaults or {}
        single_integer_pk = len(pk_columns) == 1 and columns.get(pk_columns[0]) is int
        made = []
        for name, kind in columns.items():
            numbered = single_integer_pk and name == pk_columns[0]  # SQLite's INTEGER PRIMARY KEY numbering
            made.append(Column(name, _COLUMN_TYPES[kind](), *([Identity()] if numbered else []),
                               primary_key=name in pk_columns, nullable=name not in not_null and name not in pk_columns,
                               server_default=_default(defaults[name]) if name in defaults else None))
        with self.db._metadata_lock:
            references = [ForeignKeyConstraint([column], [self.db.table(other).c[other_column]])
                          for column, other, other_column in foreign_keys]
            if self.name in self.db.metadata.tables:
                self.db.metadata.remove(self.db.metadata.tables[self.name])
            table = Table(self.name, self.db.metadata, *made, *references)
            self.db._thread.schema_changed = True
            with self.db.connection() as conn:
                table.create(conn)
        return self

    def create_index(self, columns: Iterable[str], unique: bool = False) -> "PostgresTable":
        columns = list(columns)
        table = self.db.table(self.name)
        index = Index(f"idx_{self.name}_{'_'.join(columns)}", *(table.c[c] for c in columns), unique=unique)
        with self.db.connection() as conn:
            index.create(conn)
        return self

    # -- rows -----------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        return next(self.db._rows(select(func.count().label("n")).select_from(self.db.table(self.name))))["n"]

    @property
    def rows(self) -> Iterator[dict]:
        return self.rows_where()

    def rows_where(self, where: str | None = None, where_args: Mapping[str, Any] | None = None,
                   order_by: str | None = None, limit: int | None = None) -> Iterator[dict]:
        statement = select(self.db.table(self.name))
        if where:
            statement = statement.where(text(where))
        if order_by:
            statement = statement.order_by(text(order_by))
        if limit is not None:
            statement = statement.limit(int(limit))
        return self.db._rows(statement, _named(where_args))

    def _pk_condition(self, pk_values: Any) -> Any:
        table = self.db.table(self.name)
        keys = list(table.primary_key.columns)
        values = list(pk_values) if isinstance(pk_values, (list, tuple)) else [pk_values]
        if len(values) != len(keys):
            raise NotFoundError(f"{self.name}: expected {len(keys)} key values")
        return and_(*(key == value for key, value in zip(keys, values)))

    def get(self, pk_values: Any) -> dict:
        statement = select(self.db.table(self.name)).where(self._pk_condition(pk_values)).limit(1)
        found = next(self.db._rows(statement), None)
        if found is None:
            raise NotFoundError(f"{self.name}: no row for {pk_values!r}")
        return found

    def insert(self, record: dict[str, Any]) -> "PostgresTable":
        table = self.db.table(self.name)
        keys = list(table.primary_key.columns)
        statement = pg_insert(table).values(record)
        if keys:
            statement = statement.returning(*keys)
        with self.db.connection() as conn:
            result = conn.execute(statement)
            row = result.first() if keys else None
        self.last_pk = (row[0] if len(row) == 1 else tuple(row)) if row else None
        return self

    def upsert(self, record: dict[str, Any], pk: str | Iterable[str] | None = None) -> "PostgresTable":
        table = self.db.table(self.name)
        keys = [pk] if isinstance(pk, str) else list(pk or self.pks)
        statement = pg_insert(table).values(record)
        others = {c: statement.excluded[c] for c in record if c not in keys}
        statement = (statement.on_conflict_do_update(index_elements=keys, set_=others) if others
                     else statement.on_conflict_do_nothing(index_elements=keys))
        with self.db.connection() as conn:
            conn.execute(statement)
        self.last_pk = record[keys[0]] if len(keys) == 1 else tuple(record[k] for k in keys)
        return self

    def update(self, pk_values: Any, updates: dict[str, Any]) -> "PostgresTable":
        if updates:
            statement = update(self.db.table(self.name)).where(self._pk_condition(pk_values)).values(updates)
            with self.db.connection() as conn:
                conn.execute(statement)
        self.last_pk = pk_values
        return self


def _default(value: Any) -> Any:
    """A column default as DDL: numbers as they are, text quoted by SQLAlchemy."""
    if isinstance(value, (bool, int, float)):
        return text(repr(int(value) if isinstance(value, bool) else value))
    return str(value)
