"""Whether a concern report exists is itself confidential.

Anyone who may not open a report gets, word for word, the reply they get for a reference that
does not exist: staff and volunteers the role refusal, and readers of some other routing (the
Chair of Governors; the DSL or the Headteacher asking about a report made about them) one reply
for "no such report" and "routed to someone else" alike. Over real HTTP on 127.0.0.1 through the
local web chat, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import app as composition
from storage import reports as store
from tests.test_reports import Chat, file_report

ROLE_REFUSAL = ("Concern reports are opened only by the safeguarding team. Role needed: the Designated "
                "Safeguarding Lead, a deputy DSL or the Headteacher. If you have a concern yourself, type "
                "*report a concern*.")
NOT_YOURS_OR_MISSING = ("There is no concern report with that reference that you can open. Check the "
                        "reference, or type *open reports* for the ones routed to you. Role needed: the one the "
                        "report is routed to (the Designated Safeguarding Lead, a deputy DSL, the Headteacher or "
                        "the Chair of Governors).")
# (who asks, what the report is about: the intake's answer, the reply both ways)
CASES = {
    "staff": ("clarke", "1", ROLE_REFUSAL),
    "volunteer": ("brown", "1", ROLE_REFUSAL),
    "deputy-head": ("okafor", "1", ROLE_REFUSAL),
    "it-manager": ("patel", "1", ROLE_REFUSAL),
    "chair-asking-for-a-standard-report": ("hill", "1", NOT_YOURS_OR_MISSING),
    "dsl-asking-for-a-report-about-the-dsl": ("shah", "3", NOT_YOURS_OR_MISSING),
    "deputy-dsl-asking-for-a-report-about-the-dsl": ("reed", "3", NOT_YOURS_OR_MISSING),
    "head-asking-for-a-report-about-the-head": ("ingram", "4", NOT_YOURS_OR_MISSING),
}
# what is sent, and the action the access audit records for it
REQUESTS = {
    "view-typed": (lambda ref: {"text": f"view {ref}"}, "view"),
    "export-typed": (lambda ref: {"text": f"export {ref}"}, "export"),
    "ack-button": (lambda ref: {"action": "report.ack", "value": {"ref": ref}}, "acknowledge"),
    "note-button": (lambda ref: {"action": "report.note_save", "value": {"ref": ref, "note": "probing"}}, "note"),
}


@pytest.fixture
async def web_chat(services):
    server = TestServer(composition.build_app(services, env={}), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession(base_url=str(server.make_url("/"))) as session:
        async def send(person: str, message: dict) -> list[dict]:
            async with session.post("/local/messages", json={"person": person, **message}) as response:
                assert response.status == 200
                return (await response.json())["replies"]

        yield send
    await server.close()


@pytest.mark.parametrize("request_of, audited_as", REQUESTS.values(), ids=list(REQUESTS))
@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
async def test_a_report_kept_from_someone_looks_exactly_like_no_report(services, web_chat, case, request_of,
                                                                      audited_as):
    who, about, expected = case
    existing = file_report(Chat(services), who="lewis", about=about)
    missing = existing[:-4] + "0099"
    replies = {ref: await web_chat(who, request_of(ref)) for ref in (existing, missing)}
    for ref, reply in replies.items():
        assert [(r["text"], r["buttons"], r["facts"]) for r in reply] == [(expected, [], [])]
    report = store.get_report(services.db, existing)
    assert (report["status"], report["read_receipt_sent"]) == ("open", 0)
    assert [e["kind"] for e in store.events_of(services.db, report)] == ["filed"]
    # The audit, which only the safeguarding team reads, keeps the two apart: each a refused attempt.
    routing = store.ROUTINGS[report["routing"]]
    refused_for = "role needed: dsl or deputy_dsl or headteacher" if expected == ROLE_REFUSAL else None
    for ref, detail in ((existing, refused_for or f"role needed: {' or '.join(routing.reader_roles)}"),
                        (missing, refused_for or "no such report")):
        [attempt] = store.audit_rows(services.db, ref)[-1:]
        assert ({k: attempt[k] for k in ("person_id", "report_ref", "action", "allowed", "detail")}
                == {"person_id": who, "report_ref": ref, "action": audited_as, "allowed": 0, "detail": detail})
