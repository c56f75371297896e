"""Replies survive the trip through JSON (the outbox and the local web chat rely on it)."""
import json

import pytest

from domain.messages import Button, Form, FormField, Reply, reply_from_dict, reply_to_dict

REPLIES = [
    Reply("plain"),
    Reply("with quote", title="No", quote="Post images of pupils", quote_source="Section 3",
          facts=[("Reference", "CJS-2026-0001")], notes=["small print"], private=True, confidential=True,
          data={"answer": {"section": "3"}}),
    Reply("buttons", buttons=[Button("Approve", "draft.approve", {"draft_id": 4, "version": 2}, "primary"),
                              Button("Reject", "draft.reject", {}, "danger"), Button("Plain", "x")]),
    Reply("form", form=Form("Report a concern", "report.submit",
                            (FormField("category", "Category", "choice", (("child", "A child"), ("staff", "Staff"))),
                             FormField("what", "What happened", "multiline", required=True, placeholder="…"),
                             FormField("when", "When", "date", required=False, initial="2026-11-26")),
                            submit_label="Send", value={"step": 2})),
    Reply("unicode ✓ — “quotes” 👍 \u200b", notes=["עברית"]),
]


@pytest.mark.parametrize("reply", REPLIES, ids=lambda r: r.text.split()[0])
def test_reply_round_trips_through_json(reply):
    assert reply_from_dict(json.loads(json.dumps(reply_to_dict(reply)))) == reply


def test_plain_text_carries_every_part():
    text = REPLIES[1].plain()
    for part in ("No", "with quote", "Post images of pupils", "Section 3", "CJS-2026-0001", "small print"):
        assert part in text
