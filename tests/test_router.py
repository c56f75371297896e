"""Routing precedence across the feature modules, and the admin commands (help, who am I, away/back)."""
from __future__ import annotations

import importlib.util

import pytest

from domain.messages import Incoming, Reply
from handlers.router import Router
from storage import state as state_store
from storage.roster import get_person, is_away, people_with_role


def say(services, who: str | None, text: str = "", action: str | None = None, value: dict | None = None) -> list[Reply]:
    person = get_person(services.db, who) if who else None
    return Router(services).handle(Incoming(channel="local", platform_user_id=who or "U-unlinked", person=person,
                                            text=text, action=action, value=value or {}))


def is_answer(replies: list[Reply]) -> bool:
    return any("answer" in r.data and not r.data.get("report_suggested") for r in replies)


# --- admin commands are exact; real questions with the same words reach the engine --------------

@pytest.mark.parametrize("text", ["help", "Help!", "HELP please", "menu", "what can you do?", "What can you do",
                                  "hi", "Hello", "hey!", "/help", "?"])
def test_help_commands_show_the_help_card(services, text):
    [reply] = say(services, "clarke", text)
    assert reply.title == "Policy Bot"
    assert "Here is what I can do" in reply.text
    assert services.db["questions"].count == 0


@pytest.mark.parametrize("text", [
    "can I help a pupil with their instagram?", "Can I help out with the school Facebook page?",
    "hi, can I post photos of my class on Instagram?", "who am I allowed to follow on social media?",
    "what can you do if a parent posts a photo of my class?", "am I allowed to be away from school on TikTok?",
    "Is there a gap in the policy about WhatsApp groups?", "help me understand the rules on friend requests",
])
def test_questions_containing_command_words_reach_the_answer_engine(services, text):
    replies = say(services, "clarke", text)
    assert is_answer(replies), [r.text for r in replies]
    assert services.db["questions"].count == 1


@pytest.mark.parametrize("who, extra, absent", [
    ("clarke", [], ["Submit a draft", "pending approvals", "who can post", "open reports", "training report",
                    "policy gaps"]),
    ("hughes", ["Submit a draft", "my drafts"], ["pending approvals", "policy gaps"]),
    # The Deputy Head manages the accounts (section 2), so may submit drafts too.
    ("okafor", ["pending approvals", "I'm away", "Submit a draft"], ["policy gaps", "who can post"]),
    ("patel", ["authorise NAME to post", "who can post"], ["pending approvals", "open reports"]),
    ("shah", ["open reports"], ["who can post", "policy gaps"]),
    ("reed", ["open reports"], ["policy gaps"]),
    ("ingram", ["pending approvals", "training report", "policy gaps", "open reports"], ["who can post", "Submit a draft"]),
    ("hill", ["policy gaps"], ["training report", "pending approvals"]),
    ("brown", [], ["policy gaps", "Submit a draft", "open reports"]),
])
def test_the_help_card_is_role_aware(services, who, extra, absent):
    [card] = say(services, who, "help")
    shown = card.text + " " + " ".join(b.label for b in card.buttons)
    for everyone in ("Ask a question", "Report a concern", "My training"):
        assert everyone in shown
    for item in extra:
        assert item in shown, item
    for item in absent:
        assert item not in shown, item


def test_help_card_buttons_lead_to_registered_actions(services):
    router = Router(services)
    planned = {"draft": "handlers.drafts", "report": "handlers.reports", "training": "handlers.training"}
    for person in ("clarke", "hughes", "okafor", "patel", "shah", "ingram", "hill"):
        [card] = say(services, person, "help")
        assert card.buttons[0].action == "home.ask"
        for button in card.buttons:
            prefix = button.action.split(".")[0]
            if prefix in planned and importlib.util.find_spec(planned[prefix]) is None:
                continue  # that feature has not landed yet
            assert button.action in router.actions or prefix in router.actions, button.action


def test_someone_not_on_the_roster_gets_the_basic_card_and_a_note(services):
    [card] = say(services, None, "help")
    assert [b.action for b in card.buttons] == ["home.ask", "report.start", "training.mine"]
    assert "IT manager" in " ".join(card.notes)


def test_home_ask_offers_three_example_questions_that_work(services):
    [prompt] = say(services, "clarke", action="home.ask")
    assert len(prompt.buttons) == 3 and all(b.action == "ask.example" for b in prompt.buttons)
    [answer] = say(services, "clarke", action=prompt.buttons[1].action, value=prompt.buttons[1].value)
    assert answer.data["answer"]["answered"]


# --- who am I ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["who am I", "Who am I?", "whoami", "my roles"])
def test_who_am_i_names_the_person_and_roles(services, text):
    [reply] = say(services, "shah", text)
    assert ("Name", "Priya Shah") in reply.facts
    assert ("Roles", "Designated Safeguarding Lead, staff") in reply.facts


def test_who_am_i_when_not_linked(services):
    [reply] = say(services, None, "who am i")
    assert "not linked to the roster" in reply.text and "IT manager" in reply.text


# --- away / back --------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["okafor", "ingram"])
def test_approvers_can_mark_themselves_away_and_back(services, who):
    [away] = say(services, who, "I'm away")
    assert is_away(services.db, who)
    cover = {"okafor": "Claire Ingram", "ingram": "Daniel Okafor"}[who]
    assert cover in away.text
    say(services, who, "I’m back!")
    assert not is_away(services.db, who)


@pytest.mark.parametrize("who", ["clarke", "shah", "hill", None])
def test_others_cannot_mark_themselves_away_and_are_told_the_role(services, who):
    [reply] = say(services, who, "I'm away")
    assert "role needed: Deputy Head or Headteacher" in reply.text
    assert not any(is_away(services.db, p.id) for p in people_with_role(services.db, "staff"))


# --- precedence ---------------------------------------------------------------------------------

def test_report_a_concern_starts_the_report_flow_not_an_answer(services):
    [reply] = say(services, "clarke", "report a concern")
    assert (reply.title, reply.text) == ("Report a concern", "First: is a child in immediate danger right now?")
    assert [b.action for b in reply.buttons] == ["report.answer", "report.answer"]
    assert state_store.get_state(services.db, "clarke").flow.startswith("report")
    assert services.db["questions"].count == 0


def test_my_training_goes_to_training_not_to_the_engine(services):
    [reply] = say(services, "clarke", "my training")
    assert (reply.title, reply.text) == ("Your training", "Here is where you stand:")
    assert reply.facts == [("Safeguarding training", "no record yet"), ("Policy acknowledgement", "no record yet")]
    assert services.db["questions"].count == 0


def test_a_flow_under_way_takes_the_message_before_any_text_route(services):
    state_store.set_state(services.db, "clarke", state_store.FlowState("no-such-flow", "x", {}))
    # A flow that no longer exists is dropped and the message routed normally.
    [reply] = say(services, "clarke", "help")
    assert reply.title == "Policy Bot"
    assert state_store.get_state(services.db, "clarke") is None


def test_ask_is_the_last_route_and_catches_everything_else(services):
    router = Router(services)
    assert router.text_routes[-1].name == "ask"
    names = [r.name for r in router.text_routes]
    assert names.index("admin.help") < names.index("ask")


@pytest.mark.parametrize("action", ["home.nonsense", "admin.nonsense", "nosuchmodule.start", "ask"])
def test_unknown_or_forged_actions_get_a_polite_reply(services, action):
    [reply] = say(services, "clarke", action=action, value={"x": "y"})
    assert "no longer active" in reply.text


def test_reporting_a_concern_interrupts_another_features_flow(services):
    """Safety first: 'report a concern' typed in the middle of a draft is taken by the report flow."""
    from handlers.router import Router
    from storage import state as state_store
    from storage.roster import get_person

    router = Router(services)
    poster = get_person(services.db, "hughes")
    incoming = dict(channel="local", platform_user_id="hughes", person=poster, conversation_id="t")
    router.handle(Incoming(text="submit a draft", **incoming))
    assert state_store.get_state(services.db, "hughes").flow.startswith("draft")
    replies = router.handle(Incoming(text="report a concern", **incoming))
    assert state_store.get_state(services.db, "hughes").flow.startswith("report")
    assert "danger" in " ".join(r.plain() for r in replies).lower()


@pytest.mark.parametrize("who, command, title, text", [
    ("hughes", "my drafts", None, "You have no post drafts. Type *draft* to write one."),
    ("okafor", "pending approvals", None, "No post drafts are waiting for approval."),
    ("patel", "who can post", "Who can post to the school's accounts", "Authorised posters:\n• Emma Hughes (Year 4 teacher)"),
    ("shah", "open reports", None, "No open concern reports."),
    ("ingram", "training report", "Training report", "Training compliance on 26 November 2026 for 12 people."),
])
def test_commands_the_help_card_suggests_reach_their_feature(services, who, command, title, text):
    """Each command gets its feature's own reply (an error reply or an engine answer would not match)."""
    [reply] = say(services, who, command)
    assert reply.title == title
    assert reply.text.split("\n\n")[0] == text
    assert services.db["questions"].count == 0


def test_help_card_buttons_all_lead_somewhere(services):
    """Every button on the help card is handled by some feature (none says 'no longer active')."""
    router = Router(services)
    for person_id in ("staff", "hughes", "okafor", "patel", "shah", "ingram"):
        person = get_person(services.db, person_id)
        card = router.handle(Incoming(channel="local", platform_user_id=person_id, person=person, text="help"))[0]
        for button in card.buttons:
            state_store.clear_state(services.db, person_id)
            replies = router.handle(Incoming(channel="local", platform_user_id=person_id, person=person,
                                             action=button.action, value=dict(button.value)))
            assert "no longer active" not in " ".join(r.plain() for r in replies), (person_id, button)


def test_someone_authorised_in_chat_sees_the_draft_button(services):
    router = Router(services)
    it_manager, teacher = get_person(services.db, "patel"), get_person(services.db, "clarke")
    router.handle(Incoming(channel="local", platform_user_id="patel", person=it_manager,
                           text="authorise Amy Clarke to post"))
    card = router.handle(Incoming(channel="local", platform_user_id="clarke", person=teacher, text="help"))[0]
    assert "draft.start" in [b.action for b in card.buttons]
