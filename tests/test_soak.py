"""The soak in its short form (the five-minute form is `benchmarks/soak.py --minutes 5 --clients 50`):
30 concurrent clients of mixed traffic for 15 s (on a busy machine, until 1,500 requests) against a
real `python app.py serve` on 127.0.0.1: questions, whole concern reports, drafts and their
approvals in the local web chat, inbox polls, signed Slack events and Teams activities against the
fakes. No timing is asserted here (speed is the benchmark's to print); what is asserted: nothing
failed, nothing was lost or stored twice, and memory did not run away. It runs twice: on a SQLite
file, and on a new schema of the PostgreSQL server the tests start (the `postgres_server` fixture),
with the same checks read through the storage interface."""
from __future__ import annotations

import pytest

from benchmarks.soak import print_table, run_soak

SECONDS = 15
CLIENTS = 30
# A busy machine's 15 s may hold a few hundred requests: too few approvals to check. The run goes
# on until it has made this many (about 16 approvals and 65 reports), however slow the machine.
MIN_REQUESTS = 1500
MAX_GROWTH_MB = 50


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def soak(request, tmp_path_factory):
    server = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None
    database = server.url_for_new_schema() if server else None
    figures = run_soak(seconds=SECONDS, clients=CLIENTS, folder=tmp_path_factory.mktemp("soak"), database=database,
                       min_requests=MIN_REQUESTS)
    print_table(figures)  # shown with -s, and on failure
    yield figures
    if server:
        server.drop_schema(database)


def test_no_request_failed_and_the_server_stayed_up(soak):
    assert soak["errors"] == 0, soak["error_samples"]
    assert soak["status_5xx"] == 0
    assert soak["server_errors_logged"] == 0, soak["server_error_samples"]
    assert soak["server_alive_at_end"]
    assert {"question", "report_step", "report_send", "draft_submit", "draft_approve", "inbox", "slack", "teams",
            "healthz"} <= set(soak["latency"]), "every kind of traffic ran"


def test_every_report_acknowledged_is_stored_exactly_once(soak):
    assert soak["reports_acknowledged"] >= 10, "enough reports to mean something"
    assert soak["acknowledged_refs_unique"]
    assert soak["every_report_once"]
    assert soak["reports_in_db"] == soak["reports_acknowledged"]


def test_every_approval_is_recorded_once_and_every_message_delivered_once(soak):
    assert soak["drafts_approved"] >= 5
    assert soak["every_approval_once"]
    assert soak["outbox_keys_unique"]
    assert soak["outbox_pending"] == 0
    assert soak["local_inbox_once"]


def test_every_slack_event_and_teams_activity_was_answered(soak):
    assert soak["slack_events"] > 0 and soak["slack_answered"] >= soak["slack_events"]
    assert soak["teams_activities"] > 0 and soak["teams_answered"] >= soak["teams_activities"]


def test_memory_growth_is_bounded(soak):
    assert soak["rss_growth_mb"] < MAX_GROWTH_MB, (soak["rss_start_mb"], soak["rss_end_mb"])
