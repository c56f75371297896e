"""Shared fixtures: a real SQLite file per test, the real policy knowledge, and a clock tests move."""
from __future__ import annotations

import io
import logging
import os
from datetime import datetime, timedelta, timezone

import pytest

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


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
def knowledge():
    import app
    from handlers.context import Config

    return app.load_knowledge(Config.load())


@pytest.fixture
def services(tmp_path, clock, knowledge):
    import app

    built = app.build_services(db_path=str(tmp_path / "policybot.db"), clock=clock, knowledge=knowledge)
    yield built
    built.db.conn.close()


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
