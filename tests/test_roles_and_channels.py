"""One naming of roles (handlers/people.py) and one table of what each channel can show
(handlers/channels.py)."""
from __future__ import annotations

import pytest

from domain.messages import Incoming
from handlers.channels import capabilities
from handlers.people import ROLES, role_list, role_names, role_titles
from storage.roster import KNOWN_ROLES


def test_every_roster_role_has_words_and_no_other_role_does():
    assert set(ROLES) == set(KNOWN_ROLES)


def test_roles_read_as_words_never_as_ids():
    assert role_names("deputy_head", "headteacher") == "Deputy Head or Headteacher"
    assert role_titles(("dsl", "deputy_dsl", "headteacher")) == (
        "the Designated Safeguarding Lead, a deputy DSL or the Headteacher")
    assert role_list({"staff", "deputy_dsl"}) == "Deputy DSL, staff"
    assert role_list(set()) == "no roles yet"


@pytest.mark.parametrize("channel, conversation, forms, native", [
    ("slack", "D1", True, True),
    ("teams", "a:1", True, True),
    ("local", "web:clarke", True, False),   # the web chat draws forms in the page
    ("local", None, True, False),
    ("local", "terminal:clarke", False, False),
    ("cli", None, False, False),
])
def test_what_each_channel_can_show(channel, conversation, forms, native):
    shown = capabilities(Incoming(channel, "clarke", conversation_id=conversation))
    assert (shown.forms, shown.native_forms) == (forms, native)
