"""Stage 4, a clause read part by part against the facts a question states (fourth round): consent
stated in a sentence's own shape, what a consent is for, a permission inside a prohibition, and a
prohibition the question names in full."""
from __future__ import annotations

import pytest

from knowledge.answering.question import read_question
from knowledge.answering.verdict import decide
from knowledge.policy import parse_policy

POLICY_TEXT = """Example Valley School Social Media Policy

1. School channels

1.1 The school will never publish a child's surname; a first name may be shown only where the Photo Agreement records agreement to named pictures.

1.2 The school will not publish pictures of a child (unless their family have given consent).

2. Pupils

2.1 Pupils should not share pictures of classmates without their permission.

2.2 Pupils must not film other pupils on the school grounds without the permission of a teacher.

2.3 Staff must not speak to reporters unless the press officer has asked them to do so.

2.4 The school will not promote any business unless it is a charity event that the head has approved.

3. Staff

3.1 Staff may message families on the class app. Messages should be sent between 8.00am and 5.30pm on weekdays.

3.2 Web editors will complete a short course from the office before they are given access to the school pages.

3.3 The office manager is responsible for: changing the passwords of the school pages when someone leaves.

3.4 The class app is for everyday matters only. Urgent matters and any welfare concern must be raised by ringing the office, not through the class app.

3.5 Families with a grievance should raise it with the office, and should not air grievances on social media.
"""
POLICY = parse_policy(POLICY_TEXT)


def ruling(vocabulary, rule: str, question: str):
    [clause] = [c for c in POLICY.clauses if c.rule == rule]
    return decide(clause, read_question(question, vocabulary))


@pytest.mark.parametrize("text, consent", [
    ("her grandparents have both consented, can the blog show her", "given"),
    ("he told me yes to being in the newsletter, can we put him in", "given"),
    ("his carer has given us signed consent for the match report, ok to post", "given"),
    ("one lad in the group hasnt got a consent slip, can the photo still go up", "refused"),
    ("his dad reckons its fine but he never did the consent form, can we post it", "refused"),
    ("can i upload snaps of my friends without them knowing", "refused"),
    ("has she got a consent form?", None),
    ("no idea whether they agreed, can i post it", None),
])
def test_consent_stated_in_the_sentence_own_shape(vocabulary, text, consent):
    assert read_question(text, vocabulary).consent == consent


def test_a_permission_inside_a_prohibition_decides_when_the_question_is_about_it(vocabulary):
    """"…surname; a first name may be shown only where…": asked about a first name, the permission's own
    condition decides: consent to named pictures lifts it, consent to pictures alone does not."""
    assert ruling(vocabulary, "1-1", "can we show her first name, her parents have given consent to named pictures").value == "yes"
    verdict = ruling(vocabulary, "1-1", "everyone in the team has picture consent, can we add their first names")
    assert verdict.value == "depends" and verdict.deciding_fact == "what the consent is for"
    assert ruling(vocabulary, "1-1", "can we show her first name with the match photo").value == "depends"


def test_a_prohibition_named_in_full_is_not_lifted_by_the_permission_beside_it(vocabulary):
    assert ruling(vocabulary, "1-1", "can we show his surname? his family have given consent to named pictures").value == "no"


def test_a_consent_stated_indirectly_decides_an_exception(vocabulary):
    assert ruling(vocabulary, "1-2", "her mum has consented, can the school page show her at the fair").value == "yes"
    assert ruling(vocabulary, "2-1", "pupil here, can i post a pic of my mates without them knowing").value == "no"


def test_an_exception_that_is_someone_s_leave_is_met_only_when_the_question_says_so(vocabulary):
    """Someone's leave (a teacher's, the press officer's) is not the consent of the people shown: the
    asker has it only when the question says so; a kind of case the exception names still depends."""
    assert ruling(vocabulary, "2-2", "pupil here, can i film my friend doing a trick in the playground").value == "no"
    assert ruling(vocabulary, "2-2", "my teacher said i could, can i film my friend doing a trick in the playground").value == "yes"
    assert ruling(vocabulary, "2-3", "a reporter phoned about the inspection, can i give a quick quote").value == "no"
    assert ruling(vocabulary, "2-3", "not sure if the press officer has asked me to, can i give a quote").value == "no"
    assert ruling(vocabulary, "2-4", "can the school page promote the raffle for the hospice").value == "depends"


def test_a_time_of_day_outside_the_window_the_rule_gives(vocabulary):
    assert ruling(vocabulary, "3-1", "can i message the families on the class app at 9pm about the cake sale").value == "no"
    assert ruling(vocabulary, "3-1", "can i message the families on the class app at 4pm about the cake sale").value == "yes"


def test_a_step_that_must_come_before_access(vocabulary):
    assert ruling(vocabulary, "3-2", "i am the new web editor, can i have the password for the school pages now").value == "no"
    assert ruling(vocabulary, "3-2", "new web editor, i have completed the course, can i have access to the pages").value != "no"


def test_a_duty_asked_of_a_responsibility(vocabulary):
    assert ruling(vocabulary, "3-3", "the caretaker left and knew the page password, does anyone need to change it").value == "yes"


def test_a_matter_named_by_its_own_words_is_ruled_out_of_the_channel(vocabulary):
    assert ruling(vocabulary, "3-4", "can i send a welfare worry about my son on the class app?").value == "no"
    assert ruling(vocabulary, "3-4", "can i send a note about his reading book on the class app?").value == "yes"


def test_a_prohibition_joined_by_and_is_a_part_of_its_own(vocabulary):
    assert ruling(vocabulary, "3-5", "can i air my grievance about the head on social media?").value == "no"


LIST_POLICY = """Example Valley School Social Media Policy

1. Pupils telling staff

1.1 If a pupil tells a member of staff about something upsetting online, staff should:
a) listen calmly and let the pupil speak;
b) thank the pupil for telling them;
c) not promise to keep it a secret, and explain who they will tell.

2. Staff

2.1 Staff must not send friend requests to pupils on any platform.
"""


@pytest.fixture(scope="module")
def list_answerer(tmp_path_factory):
    from knowledge.answering import Answerer
    path = tmp_path_factory.mktemp("policy") / "policy.txt"
    path.write_text(LIST_POLICY, encoding="utf-8")
    return Answerer.load(path)


def test_a_yes_from_one_list_item_gives_way_to_a_sibling_that_forbids(list_answerer):
    answer = list_answerer.answer("a pupil told me something upsetting online and asked me to promise to keep it a "
                                  "secret, can i promise?")
    assert answer.verdict == "no" and "not promise" in answer.quote


def test_a_scope_question_on_a_prohibition_says_it_applies_and_what_it_forbids_stays_forbidden(list_answerer):
    answer = list_answerer.answer("does the rule on friend requests to pupils still apply in the summer holidays?")
    assert answer.verdict == "yes" and answer.quote.startswith("Staff must not")
    assert not answer.text.startswith("Yes. ") and "applies to what you describe" in answer.text
    assert "stays forbidden" in answer.text
