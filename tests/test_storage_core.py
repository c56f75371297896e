"""The storage core: roster, conversation state, outbox and the local inbox, on a real SQLite file and a
real PostgreSQL schema."""
from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta, timezone

import pytest

from domain.messages import Button, Notification, Reply
from storage import outbox, roster, state
from app import open_database

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
ROSTER_HEADER = "id,name,email,roles,job_title,start_date,slack_id,teams_id\n"


@pytest.fixture
def db(database_location):
    database = open_database(database_location)
    yield database
    database.close()


def write_roster(tmp_path, body: str):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER_HEADER + body, encoding="utf-8")
    return path


# --- roster -----------------------------------------------------------------------------------

def test_sample_roster_loads_every_person_with_their_roles(db):
    from handlers.context import Config

    count = roster.load_roster_csv(db, Config.load().roster_file)
    assert count == 12
    ingram = roster.get_person(db, "ingram")
    assert ingram.roles == frozenset({"headteacher", "staff"})
    assert roster.get_person(db, "hill").roles == frozenset({"governor", "chair_of_governors"})


def test_roster_with_an_unknown_role_is_rejected_and_names_it(db, tmp_path):
    path = write_roster(tmp_path, "x1,Xavier One,x1@example.org,staff;wizard,,,,\n")
    with pytest.raises(ValueError, match=r"x1.*unknown role.*wizard"):
        roster.load_roster_csv(db, path)
    assert roster.get_person(db, "x1") is None  # the load is all or nothing


def test_roster_rows_without_an_id_are_skipped_and_emails_lower_cased(db, tmp_path):
    path = write_roster(tmp_path, ",No Id,,staff,,,,\nx2,Xena Two, X2@Example.ORG ,staff,,,,\n")
    assert roster.load_roster_csv(db, path) == 1
    assert roster.get_person(db, "x2").email == "x2@example.org"


def test_reloading_the_roster_updates_people_rather_than_duplicating(db, tmp_path):
    roster.load_roster_csv(db, write_roster(tmp_path, "x3,Xander Three,x3@example.org,staff,,,,\n"))
    roster.load_roster_csv(db, write_roster(tmp_path, "x3,Xander Three,x3@example.org,staff;poster,,,,\n"))
    assert db["people"].count == 1
    assert roster.get_person(db, "x3").has_role("poster")


@pytest.mark.parametrize("token", ["okafor", "d.okafor@calmore.example.org", "D.Okafor@Calmore.Example.org",
                                   "Daniel Okafor", "daniel okafor", "@okafor", "  okafor  "])
def test_find_person_by_id_email_or_name(db, token):
    from handlers.context import Config

    roster.load_roster_csv(db, Config.load().roster_file)
    assert roster.find_person(db, token).id == "okafor"


@pytest.mark.parametrize("token", ["nobody", "", "okaf", "Daniel"])
def test_find_person_finds_no_one_for_unknown_tokens(db, token):
    from handlers.context import Config

    roster.load_roster_csv(db, Config.load().roster_file)
    assert roster.find_person(db, token) is None


def test_people_with_role_does_not_match_part_of_another_role(db):
    from handlers.context import Config

    roster.load_roster_csv(db, Config.load().roster_file)
    assert [p.id for p in roster.people_with_role(db, "dsl")] == ["shah"]  # not reed (deputy_dsl)
    assert [p.id for p in roster.people_with_role(db, "deputy_dsl")] == ["reed"]


def test_platform_account_is_linked_by_email_on_first_contact(db):
    from handlers.context import Config

    roster.load_roster_csv(db, Config.load().roster_file)
    assert roster.resolve_account(db, "slack", "U123", None) is None
    person = roster.resolve_account(db, "slack", "U123", "S.Patel@calmore.example.org")
    assert person.id == "patel"
    # From now on the account alone is enough, and the link shows on the person.
    assert roster.resolve_account(db, "slack", "U123", None).id == "patel"
    assert roster.accounts_of(db, "patel") == {"slack": "U123"}


def test_platform_account_with_an_unknown_email_stays_unlinked(db):
    from handlers.context import Config

    roster.load_roster_csv(db, Config.load().roster_file)
    assert roster.resolve_account(db, "teams", "29:abc", "stranger@example.org") is None
    assert db["platform_accounts"].count == 0


def test_away_flag_round_trip(db):
    from handlers.context import Config

    roster.load_roster_csv(db, Config.load().roster_file)
    assert not roster.is_away(db, "okafor")
    roster.set_away(db, "okafor", True)
    assert roster.is_away(db, "okafor")
    roster.set_away(db, "okafor", False)
    assert not roster.is_away(db, "okafor")


# --- conversation state -----------------------------------------------------------------------

def test_state_set_get_clear(db):
    assert state.get_state(db, "clarke") is None
    state.set_state(db, "clarke", state.FlowState("report", "what", {"text": "é 🙂"}), NOW)
    got = state.get_state(db, "clarke")
    assert (got.flow, got.step, got.data) == ("report", "what", {"text": "é 🙂"})
    state.set_state(db, "clarke", state.FlowState("report", "when", {}), NOW)
    assert state.get_state(db, "clarke").step == "when"
    assert db["conversation_state"].count == 1
    state.clear_state(db, "clarke")
    assert state.get_state(db, "clarke") is None


def test_state_survives_reopening_the_database(tmp_path):
    first = open_database(tmp_path / "restart.db")
    state.set_state(first, "lewis", state.FlowState("draft", "text", {"n": 1}), NOW)
    first.close()
    second = open_database(tmp_path / "restart.db")
    assert state.get_state(second, "lewis").data == {"n": 1}
    second.close()


def test_processed_event_is_seen_only_once(db):
    assert state.first_time_seen(db, "Ev1")
    assert not state.first_time_seen(db, "Ev1")
    assert state.first_time_seen(db, "Ev2")


# --- outbox -----------------------------------------------------------------------------------

def note(key: str | None = "k1", person: str = "shah", urgent: bool = False) -> Notification:
    return Notification(person, Reply("A concern was reported", buttons=[Button("Open", "report.open", {"id": 1})]),
                        key=key, urgent=urgent)


def test_enqueue_is_idempotent_by_key(db):
    assert outbox.enqueue(db, note("k1"), NOW)
    assert not outbox.enqueue(db, note("k1"), NOW)
    assert outbox.pending_count(db) == 1


def test_enqueue_without_a_key_always_queues(db):
    assert outbox.enqueue(db, note(None), NOW)
    assert outbox.enqueue(db, note(None), NOW)
    assert outbox.pending_count(db) == 2


def test_payload_round_trips_the_reply(db):
    outbox.enqueue(db, note("k1"), NOW)
    reply = outbox.payload(db, outbox.due(db, NOW)[0])
    assert reply.text == "A concern was reported"
    assert reply.buttons == [Button("Open", "report.open", {"id": 1})]


def test_due_puts_urgent_first_then_oldest(db):
    outbox.enqueue(db, note("old"), NOW)
    outbox.enqueue(db, note("newer"), NOW + timedelta(seconds=1))
    outbox.enqueue(db, note("urgent", urgent=True), NOW + timedelta(seconds=2))
    assert [r["key"] for r in outbox.due(db, NOW + timedelta(seconds=2))] == ["urgent", "old", "newer"]
    assert outbox.due(db, NOW - timedelta(seconds=1)) == []


def test_mark_failed_backs_off_exponentially_and_honours_retry_after(db):
    outbox.enqueue(db, note("k1"), NOW)
    message_id = outbox.due(db, NOW)[0]["id"]
    first = outbox.mark_failed(db, message_id, "HTTP 500", NOW)
    second = outbox.mark_failed(db, message_id, "HTTP 500", NOW)
    third = outbox.mark_failed(db, message_id, "HTTP 429", NOW, retry_after=600)
    assert (first - NOW, second - NOW) == (timedelta(seconds=5), timedelta(seconds=10))
    assert third - NOW == timedelta(seconds=600)
    assert outbox.due(db, NOW + timedelta(seconds=599)) == []
    row = outbox.due(db, NOW + timedelta(seconds=600))[0]
    assert (row["attempts"], row["last_error"], row["status"]) == (3, "HTTP 429", "pending")


def test_backoff_is_capped_at_an_hour(db):
    outbox.enqueue(db, note("k1"), NOW)
    message_id = outbox.due(db, NOW)[0]["id"]
    for _ in range(20):
        last = outbox.mark_failed(db, message_id, "down", NOW)
    assert last - NOW == outbox.MAX_BACKOFF


def test_mark_delivered_takes_the_message_out_of_the_queue(db):
    outbox.enqueue(db, note("k1"), NOW)
    message_id = outbox.due(db, NOW)[0]["id"]
    outbox.mark_delivered(db, message_id, "slack", NOW)
    assert outbox.due(db, NOW + timedelta(days=1)) == []
    assert outbox.pending_count(db) == 0
    assert db["outbox"].get(message_id)["channel"] == "slack"
    assert not outbox.enqueue(db, note("k1"), NOW)  # delivered once: the same key never again


def test_local_inbox_is_taken_once_per_person(db):
    outbox.deliver_locally(db, "shah", Reply("first"), NOW)
    outbox.deliver_locally(db, "shah", Reply("second"), NOW)
    outbox.deliver_locally(db, "reed", Reply("for reed"), NOW)
    assert [r.text for r in outbox.take_local_inbox(db, "shah")] == ["first", "second"]
    assert outbox.take_local_inbox(db, "shah") == []
    assert [r.text for r in outbox.take_local_inbox(db, "reed")] == ["for reed"]


# --- the database's files are the owner's alone ---------------------------------------------------

def file_modes(path) -> dict[str, int]:
    return {suffix: stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode) for suffix in ("", "-wal", "-shm")
            if os.path.exists(f"{path}{suffix}")}


def test_a_new_database_and_its_wal_and_shm_are_created_owner_only(tmp_path):
    old_umask = os.umask(0o022)  # the usual umask, which would make them 0644
    try:
        db = open_database(tmp_path / "fresh.db")
        state.set_state(db, "lewis", state.FlowState("draft", "text", {}), NOW)  # a write: the WAL is in use
        modes = file_modes(tmp_path / "fresh.db")
        db.close()
    finally:
        os.umask(old_umask)
    assert set(modes) == {"", "-wal", "-shm"}
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_existing_files_with_wider_modes_are_tightened_at_open_and_it_is_logged(tmp_path, caplog):
    path = tmp_path / "old.db"
    db = open_database(path)
    state.set_state(db, "lewis", state.FlowState("draft", "text", {}), NOW)
    for suffix in ("", "-wal", "-shm"):  # as a version before this one left them
        os.chmod(f"{path}{suffix}", 0o644)
    with caplog.at_level("WARNING", logger="storage.database"):
        second = open_database(path)  # while the first connection still holds the WAL open
    assert file_modes(path) == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
    assert len([r for r in caplog.records if "readable by others" in r.getMessage()]) == 3
    second.close()
    db.close()
