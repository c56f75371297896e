"""Talking to the Router as a roster person, for handler tests that need no channel."""
from __future__ import annotations

from domain.messages import Incoming
from handlers.router import Router
from storage import roster


def say(services, who, text):
    return Router(services).handle(Incoming("local", who, text=text, person=roster.get_person(services.db, who)))


def press(services, who, action, value=None):
    return Router(services).handle(Incoming("local", who, action=action, value=value or {},
                                            person=roster.get_person(services.db, who)))


def gap_count(services) -> int:
    return services.db.execute("SELECT count(*) FROM questions").fetchone()[0]
