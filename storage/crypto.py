"""Encryption at rest for concern report content (Fernet from the `cryptography` package).

Keys, first one used to encrypt, every one tried to decrypt (MultiFernet), so keys can rotate:
  POLICYBOT_REPORT_KEY       comma-separated Fernet keys (for a real deployment's secret store)
  otherwise a key file       POLICYBOT_REPORT_KEY_FILE, or `report.key` beside the database file
                             (data/report.key for the default database); created on first use
                             with owner-only permissions (0600), one key per line.
To rotate: `add_key_to_file(path)` (or put a new key first in POLICYBOT_REPORT_KEY), then
`storage.reports.reencrypt_all(db)` re-encrypts every stored token under the new key.
"""
from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import DatabaseSetupError
from storage.store import Store, is_sqlite

log = logging.getLogger(__name__)

KEY_ENV = "POLICYBOT_REPORT_KEY"
KEY_FILE_ENV = "POLICYBOT_REPORT_KEY_FILE"
KEY_FILE_NAME = "report.key"

__all__ = ["Cipher", "InvalidToken", "cipher_for", "key_file_for", "add_key_to_file", "rotate"]


class Cipher:
    """Encrypts text and JSON to URL-safe tokens (str), and back."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise ValueError("at least one report key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def encrypt_bytes(self, data: bytes) -> str:
        """A file's bytes (evidence, a certificate) as a token, like text."""
        return self._fernet.encrypt(data).decode("ascii")

    def decrypt_bytes(self, token: str) -> bytes:
        return self._fernet.decrypt(token.encode("ascii"))

    def encrypt_json(self, value: Any) -> str:
        return self.encrypt(json.dumps(value, ensure_ascii=False))

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt(token))

    def rotate(self, token: str) -> str:
        """The same plaintext, re-encrypted under the first (newest) key."""
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")


def rotate(cipher: Cipher, token: str | None) -> str | None:
    return cipher.rotate(token) if token else token


def _database_file(db: Store) -> Path | None:
    if not is_sqlite(db):
        return None  # a server database: the key comes from the environment (storage.database)
    for _seq, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main":
            return Path(filename) if filename else None
    return None


def require_key_outside_database() -> None:
    """A server database has no "beside" for the key file SQLite keeps next to itself: its key
    must come from the environment (the key itself, or where its file is)."""
    if not (os.environ.get(KEY_ENV) or os.environ.get(KEY_FILE_ENV)):
        raise DatabaseSetupError(f"a PostgreSQL database needs the report encryption key: set {KEY_ENV}"
                                 f" or {KEY_FILE_ENV} (see docs/OPERATIONS.md)")


def key_file_for(db: Store) -> Path | None:
    if os.environ.get(KEY_FILE_ENV):
        return Path(os.environ[KEY_FILE_ENV])
    database_file = _database_file(db)
    return database_file.parent / KEY_FILE_NAME if database_file else None


def _create_key_file(path: Path) -> None:
    """Write a fresh key, readable by the owner only; O_EXCL so two processes never race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def _read_key_file(path: Path) -> list[bytes]:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("report key file %s is readable by others (mode %o); it should be 0600", path, mode)
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


def add_key_to_file(path: str | Path) -> None:
    """Rotation: put a new key first (it encrypts from now on); older keys still decrypt."""
    path = Path(path)
    old_keys = _read_key_file(path)
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"\n".join([Fernet.generate_key(), *old_keys]) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _CACHE.clear()


_CACHE: dict[tuple, Cipher] = {}


def cipher_for(db: Store) -> Cipher:
    """The cipher for this database's report content (keys from the environment or the key file)."""
    env_keys = os.environ.get(KEY_ENV, "").strip()
    key_file = None if env_keys else key_file_for(db)
    cache_key = (env_keys, str(key_file), id(db) if key_file is None and not env_keys else None)
    if cache_key in _CACHE:
        return _CACHE[cache_key]
    if env_keys:
        keys = [k.strip().encode("ascii") for k in env_keys.split(",") if k.strip()]
    elif key_file is not None:
        if not key_file.exists():
            _create_key_file(key_file)
        keys = _read_key_file(key_file)
    else:  # an in-memory database: its content dies with it, so a key that does too is right
        keys = [Fernet.generate_key()]
    cipher = Cipher(keys)
    _CACHE[cache_key] = cipher
    return cipher
