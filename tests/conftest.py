"""Shared fixtures: a real database per test (a SQLite file, and a PostgreSQL schema), the real
policy knowledge, and a clock tests move."""
from __future__ import annotations

import io
import logging
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


# Under CI (CI=true, as .ci/run is run) or with POLICYBOT_REQUIRE_ALL=1, a skipped test is a failed
# one: a missing Chromium or PostgreSQL, or a guard that stopped applying, must not pass unseen.
REQUIRE_ALL = (os.environ.get("CI", "").lower() in ("1", "true", "yes")
               or os.environ.get("POLICYBOT_REQUIRE_ALL", "") not in ("", "0"))


def _fail_instead_of_skip(report) -> None:
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, and every skip fails here (CI or POLICYBOT_REQUIRE_ALL): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_instead_of_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield  # a module that skips itself as it is imported (tests/test_browser.py)
    _fail_instead_of_skip(outcome.get_result())


class FakeClock:
    """An injectable clock: `clock()` is now; `clock.advance(minutes=15)` moves it."""

    def __init__(self, start: datetime | None = None):
        self.current = start or datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def policy_alone():
    """The answering pipeline on the repository's sample policy alone: no lexicon or examples of the
    school's own, as POLICYBOT_POLICY runs it."""
    from knowledge.answering import Answerer

    return Answerer.load(Path(__file__).resolve().parent.parent / "policy" / "calmore-social-media-policy.txt")


@pytest.fixture(scope="session")
def knowledge():
    import app
    from handlers.context import Config

    return app.load_knowledge(Config.load())


@pytest.fixture(scope="module")
def vocabulary():
    """The generic vocabulary with no school's words; one per test module, as a module may teach it words."""
    from knowledge.answering.vocabulary import Vocabulary

    return Vocabulary.load()


@pytest.fixture(scope="session")
def postgres_server():
    server = start_postgres_or_skip()
    yield server
    server.stop()


def start_postgres_or_skip():
    """A throwaway PostgreSQL server; where none can start, the test is skipped (a failure in CI)."""
    from tests.postgres_server import REQUIRE_ENV, PostgresServer

    try:
        return PostgresServer.start()
    except (RuntimeError, OSError, ImportError, subprocess.CalledProcessError) as error:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"PostgreSQL is required here ({REQUIRE_ENV}) but could not start: {error}")
        pytest.skip(f"PostgreSQL is not available: {error}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_location(request, tmp_path, monkeypatch):
    """Where a test's database lives: a SQLite file, then a fresh schema on a PostgreSQL server
    (dropped after the test), so every handler test proves the storage interface on both."""
    if request.param == "sqlite":
        yield str(tmp_path / "policybot.db")
        return
    from cryptography.fernet import Fernet

    # A server database keeps no key file beside itself: the key comes from the environment.
    monkeypatch.setenv("POLICYBOT_REPORT_KEY", Fernet.generate_key().decode())
    server = request.getfixturevalue("postgres_server")
    url = server.url_for_new_schema()
    yield url
    server.drop_schema(url)


def pytest_collection_modifyitems(config, items):
    """Tests marked sqlite_only (backups of the file, the key file beside it, SQLite's own lock and
    full faults) run on SQLite alone, those marked postgres_only (a server's own faults) on
    PostgreSQL alone; every other database test runs on both."""
    chosen, dropped = [], []
    for item in items:
        database = getattr(item, "callspec", None) and item.callspec.params.get("database_location")
        other = {"sqlite": "postgres_only", "postgresql": "sqlite_only"}.get(database)
        (dropped if other and item.get_closest_marker(other) else chosen).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen


@pytest.fixture
def services(database_location, clock, knowledge):
    import app

    built = app.build_services(db_path=database_location, clock=clock, knowledge=knowledge)
    yield built
    built.db.close()


@pytest.fixture
def json_logs():
    """Everything logged during the test, as the server writes it (JSON lines), at DEBUG level."""
    from bot.logging_setup import configure_logging

    stream = io.StringIO()
    root = logging.getLogger()
    previous_handlers, previous_level = list(root.handlers), root.level
    handler = configure_logging("DEBUG", stream)
    yield stream
    root.removeHandler(handler)
    root.handlers[:] = previous_handlers
    root.setLevel(previous_level)
