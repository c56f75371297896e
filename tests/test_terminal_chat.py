"""The terminal chat: a number presses the button shown beside it, across replies and arrived messages."""
import io
import re

from bot.local.terminal import run_terminal_chat


def chat(services, who: str, *lines: str) -> str:
    out = io.StringIO()
    assert run_terminal_chat(services, who, io.StringIO("".join(line + "\n" for line in lines)), out) == 0
    return out.getvalue()


def number_of(transcript: str, label: str) -> str:
    numbers = re.findall(rf"\[(\d+)\] {re.escape(label)}", transcript)
    assert numbers, f"no button {label!r} in:\n{transcript}"
    return numbers[-1]


def test_a_number_presses_a_button_from_a_message_that_arrived(services):
    chat(services, "hughes", "draft: Our Year 4 choir sang beautifully at the spring concert.", "none")
    # The approval request arrives after the list's own "Review" button, so it is numbered on.
    transcript = chat(services, "okafor", "pending approvals", "2")
    assert number_of(transcript, "Review draft 1") == "1"
    assert number_of(transcript, "Approve") == "2"
    assert "approved" in transcript.split("[2] Approve")[-1].lower()
    [row] = services.db["drafts"].rows
    assert row["state"] == "approved"
    after = transcript.split("[2] Approve")[-1]
    assert re.search(r"\[buttons closed\] ✓ Approved by Daniel Okafor at \d+ \w+ \d{4}, \d\d:\d\d\.", after)


def test_pressing_a_decided_item_again_says_who_decided_and_closes_it(services):
    chat(services, "hughes", "draft: Our Year 4 choir sang beautifully at the spring concert.", "none")
    chat(services, "okafor", "pending approvals", "2")
    again = chat(services, "okafor", "pending approvals")
    assert "Approve" not in again  # nothing waits any more
    from domain.messages import Incoming
    from handlers.router import Router
    from storage.roster import get_person

    [reply] = Router(services).handle(Incoming("local", "okafor", person=get_person(services.db, "okafor"),
                                               action="draft.reject", value={"draft_id": 1, "version": 1}))
    assert "already approved by Daniel Okafor" in reply.text
    assert reply.data["decided"]["note"].startswith("Approved by Daniel Okafor at")


def test_an_unknown_user_is_told_how_to_pick_one(services):
    out = io.StringIO()
    assert run_terminal_chat(services, "nobody-here", io.StringIO(""), out) == 2
    assert "roster" in out.getvalue()
