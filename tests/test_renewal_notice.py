"""The "policy due for renewal" note: once a day per person (the school's day), under answers and
never refusals or a safeguarding reply, kept in a real database file across restarts, and always
in the Headteacher's training report. Through the router with the real knowledge; the default test
clock (November 2026) is past the sample policy's review date (September 2026)."""
from __future__ import annotations

from datetime import datetime, timezone

from domain.messages import Incoming, Reply
from handlers.router import Router
from storage.roster import get_person

FRIEND_REQUEST = "Can I accept a friend request from a past pupil on Facebook?"
PHOTOS = "Can I post photos of pupils on my own Instagram?"
OUT_OF_SCOPE = "What time does the canteen close on Fridays?"
DISCLOSURE = "a year 5 messaged me saying she's scared to go home"


def say(services, who: str, text: str = "", action: str | None = None) -> list[Reply]:
    return Router(services).handle(Incoming(channel="local", platform_user_id=who, person=get_person(services.db, who),
                                            text=text, action=action, value={}))


def renewal_notes(replies: list[Reply]) -> list[str]:
    return [note for reply in replies for note in reply.notes if "due for renewal" in note]


def mentions_renewal(replies: list[Reply]) -> bool:
    return any("due for renewal" in reply.text for reply in replies) or bool(renewal_notes(replies))


def test_the_notice_is_shown_once_a_day_per_person(services, clock):
    first = say(services, "clarke", FRIEND_REQUEST)
    assert first[0].data["answer"]["answered"] and len(renewal_notes(first)) == 1
    assert not mentions_renewal(say(services, "clarke", PHOTOS))
    assert not mentions_renewal(say(services, "clarke", FRIEND_REQUEST))
    assert len(renewal_notes(say(services, "reed", FRIEND_REQUEST))) == 1  # someone else: their first today
    clock.advance(days=1)
    assert len(renewal_notes(say(services, "clarke", FRIEND_REQUEST))) == 1


def test_refusals_and_safeguarding_replies_never_carry_it_nor_use_up_the_day(services):
    refusal = say(services, "clarke", OUT_OF_SCOPE)
    assert refusal[0].data["answer"]["answered"] is False
    assert not mentions_renewal(refusal)
    assert not mentions_renewal(say(services, "clarke", DISCLOSURE))
    assert len(renewal_notes(say(services, "clarke", FRIEND_REQUEST))) == 1


def test_the_day_is_the_schools_day_not_utc(services, clock):
    clock.set(datetime(2027, 6, 1, 22, 30, tzinfo=timezone.utc))  # 23:30 on 1 June in London (BST)
    assert len(renewal_notes(say(services, "clarke", FRIEND_REQUEST))) == 1
    clock.advance(minutes=15)
    assert not mentions_renewal(say(services, "clarke", FRIEND_REQUEST))
    clock.advance(minutes=30)  # still 1 June in UTC, but 00:15 on 2 June at the school
    assert len(renewal_notes(say(services, "clarke", FRIEND_REQUEST))) == 1


def test_the_day_is_kept_in_the_database_across_a_restart(services, database_location, clock, knowledge):
    import app

    assert len(renewal_notes(say(services, "clarke", FRIEND_REQUEST))) == 1
    restarted = app.build_services(db_path=database_location, clock=clock, knowledge=knowledge)
    try:
        assert not mentions_renewal(say(restarted, "clarke", FRIEND_REQUEST))
    finally:
        restarted.db.close()


def test_the_headteachers_training_report_always_has_it(services):
    say(services, "ingram", FRIEND_REQUEST)  # her one notice under answers today
    for _ in range(2):
        [report] = say(services, "ingram", "training report")
        assert report.title == "Training report"
        assert len(renewal_notes([report])) == 1
