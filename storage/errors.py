"""The storage faults a person can be told about, whichever database is behind the interface."""
from __future__ import annotations

import sqlite3


class StorageFault(Exception):
    """A database that cannot take a write just now (locked, full, read-only, unreachable).

    Raised by the PostgreSQL backend; SQLite raises sqlite3.OperationalError with the same wording,
    so handlers catch STORAGE_FAULTS and tell the person the same clear thing either way."""


STORAGE_FAULTS: tuple[type[Exception], ...] = (sqlite3.OperationalError, StorageFault)


class DatabaseSetupError(Exception):
    """The database cannot be used as configured (e.g. a server database without the report key)."""
