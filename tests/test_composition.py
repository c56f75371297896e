"""app.py names every feature, channel and migration set; a wrong list stops the start loudly."""
from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import app
import handlers
import storage
from handlers.router import Router, check_features


def _modules_of(package) -> list:
    return [importlib.import_module(f"{package.__name__}.{info.name}")
            for info in pkgutil.iter_modules(package.__path__)]


def test_every_feature_module_under_handlers_is_listed_in_app_features():
    offering = {m.__name__ for m in _modules_of(handlers)
                if any(getattr(m, part, None) for part in ("TEXT_ROUTES", "ACTIONS", "FLOWS"))}
    assert offering == {m.__name__ for m in app.FEATURES}


def test_every_migration_set_under_storage_is_listed_in_app_migrations():
    sets = [m.migrations for m in _modules_of(storage) if hasattr(m, "migrations")]
    assert sorted(s.name for s in sets) == sorted(s.name for s in app.MIGRATIONS)


def test_a_feature_offering_nothing_stops_the_router(services):
    empty = types.ModuleType("handlers.forgotten")
    with pytest.raises(ValueError, match="handlers.forgotten"):
        Router(services, features=(*app.FEATURES, empty))


def test_two_features_claiming_one_action_stop_the_router():
    twin = types.ModuleType("handlers.twin")
    twin.ACTIONS = {"report": lambda incoming, services: []}
    with pytest.raises(ValueError, match="both claim the action report"):
        check_features((*app.FEATURES, twin))


def test_no_features_at_all_is_refused():
    with pytest.raises(ValueError, match="FEATURES"):
        check_features(())


def test_a_channel_without_mount_stops_the_app(services):
    from bot.server import build_app

    with pytest.raises(ValueError, match="bot.nowhere"):
        build_app(services, (*app.CHANNELS, types.ModuleType("bot.nowhere")), env={})


def test_opening_a_database_without_migration_sets_is_refused(tmp_path):
    from storage.database import open_database

    with pytest.raises(ValueError, match="MIGRATIONS"):
        open_database(tmp_path / "x.db", ())
