"""A throwaway PostgreSQL server on 127.0.0.1 for the tests that run storage on PostgreSQL.

Uses POLICYBOT_TEST_POSTGRES_URL when set (a server someone already runs); otherwise starts a
fresh cluster from the machine's PostgreSQL binaries (Debian's `postgresql` package) in a temporary
directory and stops it at the end. Each test gets its own schema, so tests never see each other,
and drops it when done.
`.ci/run` installs PostgreSQL and sets POLICYBOT_REQUIRE_POSTGRES=1, so in CI a missing server is
a failure rather than a skip.
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, unquote

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
        self._command: list[str] = []
        self._as_user: dict[str, str] = {}

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
        as_user = {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}
        if as_user:
            shutil.chown(directory, "postgres", "postgres")
        subprocess.run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "--locale=C", "-E", "UTF8", "--no-sync"], check=True, capture_output=True,
                       cwd=directory, **as_user)
        server = cls("", None, directory)
        server._as_user = as_user
        server._command = [str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                           "-p", str(_free_port()), "-k", directory, "-c", "fsync=off",
                           "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                           "-c", "max_connections=300"]
        server.url = f"postgresql://postgres@127.0.0.1:{server._command[server._command.index('-p') + 1]}/postgres"
        server.start_up()
        return server

    def start_up(self) -> None:
        """Start the server on its data and port (again, after shut_down: as after a reboot)."""
        self.process = subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        cwd=self.directory, **self._as_user)
        self._wait_until_ready()

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

    def drop_schema(self, url: str) -> None:
        """Drop the schema a `url_for_new_schema()` URL sees, once its test is done: hundreds of
        schemas left behind (tens of thousands of files) slow the whole run and its shutdown. A
        schema something still holds a lock on is left for the server's removal at the end."""
        import psycopg

        schema = unquote(url.rpartition("options=")[2]).removeprefix("-csearch_path=")
        if not schema.startswith("t_"):
            return
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                conn.execute("SET lock_timeout = '2s'")
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except psycopg.Error:
            pass

    def shut_down(self) -> None:
        """Stop the server, keeping its data; every connection is cut, as in a restart."""
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: cuts connections, as a restart does
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def stop(self) -> None:
        self.shut_down()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
