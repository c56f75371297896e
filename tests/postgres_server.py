"""A throwaway PostgreSQL server on 127.0.0.1 for the tests that run storage on PostgreSQL.

Uses POLICYBOT_TEST_POSTGRES_URL when set (a server someone already runs); otherwise starts a
fresh cluster from the machine's PostgreSQL binaries (Debian's `postgresql` package) in a temporary
directory and stops it at the end. Each test gets its own schema, so tests never see each other.
`.ci/run` installs PostgreSQL and sets POLICYBOT_REQUIRE_POSTGRES=1, so in CI a missing server is
a failure rather than a skip.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

URL_ENV = "POLICYBOT_TEST_POSTGRES_URL"
REQUIRE_ENV = "POLICYBOT_REQUIRE_POSTGRES"


def _binaries() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with `PostgresServer.start()`; `url_for_new_schema()` per test; `stop()` at the end."""

    def __init__(self, url: str, process: subprocess.Popen | None = None, directory: str | None = None):
        self.url = url
        self.process = process
        self.directory = directory

    @classmethod
    def start(cls) -> "PostgresServer":
        if os.environ.get(URL_ENV):
            return cls(os.environ[URL_ENV])
        binaries = _binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        directory = tempfile.mkdtemp(prefix="policybot-pg-")
        data = Path(directory) / "data"
        # PostgreSQL refuses to run as root: run it as the postgres user the package created.
        as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_user:
            shutil.chown(directory, "postgres")
        subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "--locale=C", "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        port = _free_port()
        process = subprocess.Popen(
            [*as_user, str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
             "-k", directory, "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=300"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = cls(f"postgresql://postgres@127.0.0.1:{port}/postgres", process, directory)
        server._wait_until_ready()
        return server

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self.process and self.process.poll() is not None:
                    raise RuntimeError("PostgreSQL exited while starting") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def url_for_new_schema(self) -> str:
        """A URL whose connections see only a new, empty schema."""
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options={quote(f'-csearch_path={schema}')}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
