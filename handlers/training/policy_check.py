"""The policy acknowledgement: the policy's text (hash, summary), three yes/no questions drawn from
its own clauses, and the answers, pressed or typed. The acknowledgement is recorded only when all
three are right; a wrong answer is shown the rule and may try again.
"""
from __future__ import annotations

import hashlib
import random
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from handlers.context import Services
from handlers.flow_words import flow_command, normalised
from domain.messages import Button, Incoming, Reply
from handlers.schedule import format_date
from storage import training as store

# --- the policy text: its hash, its summary, its check questions ----------------------------------

@lru_cache(maxsize=8)
def _policy_hash(path: str, mtime: float, size: int) -> str:
    source = Path(path).read_text(encoding="utf-8")
    return hashlib.sha256(source.replace("\r\n", "\n").strip().encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _policy_from_file(path: str, mtime: float, size: int):
    from knowledge.policy import parse_policy

    return _policy_hash(path, mtime, size), parse_policy(Path(path).read_text(encoding="utf-8"))


def _stat_key(services: Services) -> tuple[str, float, int]:
    path = Path(services.config.policy_file)
    stat = path.stat()
    return str(path), stat.st_mtime, stat.st_size


def current_policy(services: Services):
    """(hash, parsed Policy) of the policy file as it is now; re-read only when the file changes."""
    return _policy_from_file(*_stat_key(services))


def policy_change_day(services: Services, today: date) -> tuple[str, date | None]:
    policy_hash = _policy_hash(*_stat_key(services))
    first_seen = store.policy_first_seen(services.db, policy_hash, today)
    return policy_hash, (None if first_seen.isoformat() == store.BASELINE else first_seen)


def _second_person(text: str) -> str:
    text = text.rstrip(" .;")
    text = text[:1].lower() + text[1:]
    for word, you in (("their", "your"), ("they", "you"), ("themselves", "yourself")):
        text = re.sub(rf"\b{word}\b", you, text)
    return text


def check_questions(policy) -> list[dict]:
    """Yes/no questions drawn from the policy's own clauses, each with its answer and quote."""
    questions = []
    for clause in policy.clauses:
        if clause.conditional:
            continue
        lead = (clause.lead_in or "").rstrip(": ")
        if clause.audience == "staff" and clause.modality in ("must_not", "should_not", "will_not") and lead:
            prefix = re.split(r"\bstaff\b", lead, maxsplit=1, flags=re.I)[0].strip()
            prefix = f"{prefix} " if prefix else ""
            questions.append({"question": f"{prefix}may you {_second_person(clause.text)}?", "answer": "no"})
        elif clause.audience == "school_accounts" and clause.modality in ("will", "will_not") and lead:
            match = re.match(r"^(?P<subject>the school)\s+will(?: not)?\s+(?P<verb>\w+)\s*(?P<rest>.*)$", lead, re.I)
            if not match:
                continue
            body = clause.text[:1].lower() + clause.text[1:]
            rest = f" {match['rest']}" if match["rest"] else ""
            questions.append({"question": f"Will the school {match['verb']} {body}{rest}?",
                              "answer": "yes" if clause.modality == "will" else "no"})
        elif (clause.audience == "staff" and clause.modality in ("will", "must", "should") and not lead
              and re.match(r"^staff(?: members)? (will|must|should) ", clause.text, re.I)):
            body = re.sub(r"^staff(?: members)? (will|must|should) ", "", clause.text, flags=re.I)
            questions.append({"question": f"Must you {_second_person(body)}?", "answer": "yes"})
        else:
            continue
        questions[-1].update({"clause": clause.id, "section": clause.section, "quote": clause.text,
                              "heading": clause.heading})
    return questions


def choose_questions(bank: list[dict], seed: str, count: int = 3) -> list[dict]:
    """Three questions, never all with the same answer, chosen reproducibly from a seed."""
    rng = random.Random(seed)
    staff_rules = [q for q in bank if q["answer"] == "no" and q["question"].lower().find("may you") >= 0]
    others = [q for q in bank if q not in staff_rules]
    chosen = rng.sample(staff_rules, min(2, len(staff_rules)))
    chosen += rng.sample([q for q in others if q["answer"] == "yes"] or others, 1) if others else []
    rest = [q for q in bank if q not in chosen]
    chosen += rng.sample(rest, max(0, min(count - len(chosen), len(rest))))
    rng.shuffle(chosen)
    return chosen[:count]


def _staff_rules(policy) -> list[str]:
    return [c.text for c in policy.clauses if c.audience == "staff" and c.modality == "must_not" and c.lead_in]


def policy_card(services: Services, policy_hash: str, changed: bool = False) -> Reply:
    _, policy = current_policy(services)
    headings = ", ".join(f"{s.number} {s.heading}" for s in policy.sections.values() if "." not in s.number)
    rules = "\n".join(f"• {rule}" for rule in _staff_rules(policy))
    intro = ("The social media policy has changed since you last read it. " if changed else "")
    return Reply(
        title="Please read the school's social media policy",
        text=(f"{intro}Once a year everyone reads and acknowledges the policy (section 1: staff must read, "
              f"understand and comply with it). Read it in full here: {services.config.policy_link}\n\n"
              f"It covers: {headings}.\n\nWhen using social media, staff must not:\n{rules}\n\n"
              "When you have read it, press *I have read and understood*; three quick yes/no questions follow."),
        buttons=[Button("I have read and understood", "ack.read", {"hash": policy_hash}, style="primary"),
                 Button("Remind me next week", "training.snooze", {"item": "policy"})],
        data={"policy_hash": policy_hash})


# --- policy acknowledgement ---------------------------------------------------------------------

def start_acknowledgement(incoming: Incoming, services: Services) -> list[Reply]:
    if incoming.person is None:
        return [Reply("I don't know who you are yet. Ask the IT manager to add you to the roster.")]
    today = services.today()
    policy_hash, change_day = policy_change_day(services, today)
    last = store.completed_on(store.get_record(services.db, incoming.person.id), "policy")
    return [policy_card(services, policy_hash, changed=bool(change_day and last and change_day > last))]


def handle_ack_action(incoming: Incoming, services: Services) -> list[Reply]:
    person = incoming.person
    if person is None:
        return [Reply("I don't know who you are yet. Ask the IT manager to add you to the roster.")]
    verb = (incoming.action or "").partition(".")[2]
    value = incoming.value if isinstance(incoming.value, dict) else {}
    if verb == "start":
        return start_acknowledgement(incoming, services)
    if verb == "read":
        policy_hash, policy = current_policy(services)
        if value.get("hash") != policy_hash:
            return [Reply("The policy has changed since that card was sent. Here is the current one."),
                    *start_acknowledgement(incoming, services)]
        bank = check_questions(policy) or FALLBACK_QUESTIONS
        questions = choose_questions(bank, f"{person.id}:{policy_hash}:{services.now().isoformat()}")
        check_id = store.start_check(services.db, person.id, policy_hash, questions, services.now())
        return [Reply("Thank you. Three quick questions from the policy:"), _question_reply(check_id, questions, 0)]
    if verb == "answer":
        return _answer(incoming, services, person, value)
    return [Reply("That button is no longer active. Type *acknowledge policy* to start again.")]


def _question_reply(check_id: str, questions: list[dict], index: int) -> Reply:
    question = questions[index]
    return Reply(title=f"Question {index + 1} of {len(questions)}", text=question["question"],
                 notes=["Press Yes or No, or type *yes* or *no*."],
                 buttons=[Button("Yes", "ack.answer", {"check": check_id, "q": index, "answer": "yes"}),
                          Button("No", "ack.answer", {"check": check_id, "q": index, "answer": "no"})])


def _answer(incoming: Incoming, services: Services, person, value: dict) -> list[Reply]:
    check = store.get_check(services.db, str(value.get("check", "")))
    if check is None or check["person_id"] != person.id:
        return [Reply("That check isn't yours or no longer exists. Type *acknowledge policy* to start again.")]
    if check["status"] != "in_progress":
        return [Reply("You have already finished that check. Type *my training* to see where you stand.")]
    answers, questions = check["answers"], check["questions"]
    index, answer = value.get("q"), value.get("answer")
    if answer not in ("yes", "no") or not isinstance(index, int) or not 0 <= index < len(questions):
        return [Reply("That answer couldn't be read. Please press Yes or No on the question.")]
    if index != len(answers):
        if index < len(answers):
            return [Reply(f"You already answered question {index + 1}."), _question_reply(check["id"], questions, len(answers))]
        return [_question_reply(check["id"], questions, len(answers))]
    answers = answers + [{"q": index, "answer": answer, "correct": answer == questions[index]["answer"]}]
    if len(answers) < len(questions):
        store.save_answers(services.db, check["id"], answers, sum(a["correct"] for a in answers), False, services.now())
        return [_question_reply(check["id"], questions, len(answers))]
    score = sum(a["correct"] for a in answers)
    today = services.today()
    corrections = [f"• {questions[a['q']]['question']} — the answer is *{questions[a['q']]['answer'].capitalize()}*: "
                   f"\"{questions[a['q']]['quote']}\" (section {questions[a['q']].get('section', '?')})"
                   for a in answers if not a["correct"]]
    data = {"check": {"id": check["id"], "score": score, "of": len(questions)}}
    if corrections:  # the acknowledgement says the rules are understood: a wrong answer is not one
        store.save_answers(services.db, check["id"], answers, score, True, services.now())  # kept as evidence
        return [Reply(title="Not acknowledged yet",
                      text=(f"You answered {score} of {len(questions)} correctly, so your acknowledgement is not "
                            "recorded yet. The right rule for each one you missed:\n" + "\n".join(corrections)
                            + "\n\nPress *Try again* (or type *acknowledge policy*) for three new questions."),
                      buttons=[Button("Try again", "ack.read", {"hash": check["policy_hash"]}, style="primary")],
                      data=data)]
    with services.db.atomic():  # the evidence and the acknowledgement together
        store.save_answers(services.db, check["id"], answers, score, True, services.now())
        store.record_completion(services.db, person.id, "policy", today, person.id, services.now(),
                                source="check", policy_hash=check["policy_hash"])
    text = (f"Thank you — your acknowledgement of the social media policy is recorded ({format_date(today)}). "
            f"You answered {score} of {len(questions)} correctly.")
    return [Reply(text=text, title="Policy acknowledged", data=data)]


# Used only if the clause index yields no questions (a policy file with an unexpected layout).
FALLBACK_QUESTIONS = [
    {"question": "May you accept a friend request from a former pupil?", "answer": "no", "clause": "3-4",
     "section": "3", "quote": "Accept 'friend requests' from, or communicate with, pupils past or present"},
    {"question": "May you use a personal account to conduct school business?", "answer": "no", "clause": "3-3",
     "section": "3", "quote": "Use personal accounts to conduct school business"},
    {"question": "May you post images of pupils on your personal social media?", "answer": "no", "clause": "3-7",
     "section": "3", "quote": "Post images of pupils"},
    {"question": "Must you report any safeguarding issues you become aware of?", "answer": "yes", "clause": "3-2",
     "section": "3", "quote": "Staff members will report any safeguarding issues they become aware of."},
]


READ_RE = re.compile(r"^\s*(?:i\s*(?:'ve|’ve|\s+have)\s+)?read and understood(?: it| the policy)?\s*[.!]*\s*$", re.I)


def handle_typed_read(incoming: Incoming, services: Services) -> list[Reply]:
    from dataclasses import replace

    policy_hash, _ = current_policy(services)
    return handle_ack_action(replace(incoming, action="ack.read", value={"hash": policy_hash}), services)


def _is_question(text: str) -> bool:
    return text.strip().endswith("?")


# What people type for the check's Yes and No buttons (issue 16: "yes" went to the answer engine
# and then into the policy-gap register).
TYPED_ANSWERS = {"yes": "yes", "y": "yes", "yeah": "yes", "yep": "yes", "true": "yes", "1": "yes",
                 "no": "no", "n": "no", "nope": "no", "false": "no", "2": "no"}


def _check_in_progress(services: Services, person_id: str) -> dict | None:
    return store.check_in_progress(services.db, person_id)


def _typed_answer(text: str | None) -> str | None:
    return TYPED_ANSWERS.get((text or "").strip().lower().strip(" .!"))


def _answers_the_check(incoming: Incoming, services: Services) -> bool:
    return (incoming.person is not None and _typed_answer(incoming.text) is not None
            and _check_in_progress(services, incoming.person.id) is not None)


def handle_typed_answer(incoming: Incoming, services: Services) -> list[Reply]:
    """"yes" or "no" typed while a check waits: the answer to its current question, as the button."""
    check = _check_in_progress(services, incoming.person.id)
    return _answer(incoming, services, incoming.person,
                   {"check": check["id"], "q": len(check["answers"]), "answer": _typed_answer(incoming.text)})


def _waits_for_the_check(incoming: Incoming, services: Services) -> bool:
    """Help, back, cancel or unrelated words while a check waits for yes or no: kept in the check
    (not sent to the answer engine, so not into the policy-gap register), and so is a question
    ("…?"). A command another feature knows still goes where it belongs."""
    if incoming.person is None or not (incoming.text or "").strip():
        return False
    check = _check_in_progress(services, incoming.person.id)
    if check is None:
        return False
    if services.now() - datetime.fromisoformat(check["started_at"]) > CHECK_HOLDS_WORDS_FOR:
        return False  # a check left weeks ago must not swallow what the person says now
    if flow_command(incoming.text) or normalised(incoming.text) in CANCEL_WORDS:
        return True
    from handlers.router import Router  # here: the router loads this module

    return not any(route.matches(incoming, services) for route in Router(services).text_routes
                   if not route.name.startswith(("ask", "training.check")))


CHECK_HOLDS_WORDS_FOR = timedelta(hours=2)
CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "exit", "abort", "never mind", "nevermind"})


def handle_check_words(incoming: Incoming, services: Services) -> list[Reply]:
    check = _check_in_progress(services, incoming.person.id)
    questions, index = check["questions"], len(check["answers"])
    said = normalised(incoming.text)
    if said in CANCEL_WORDS:
        store.abandon_check(services.db, check["id"])
        return [Reply("Stopped. Your policy acknowledgement was not recorded; type *acknowledge policy* to "
                      "start again when you're ready.")]
    command = flow_command(incoming.text)
    if command == "help":
        lead = ("You're answering three yes/no questions from the social media policy, to acknowledge it. "
                "Type *yes* or *no* (or 1 for yes, 2 for no), or press a button. Type *cancel* to stop: "
                "nothing is recorded until all three are right.")
    elif command == "back":
        lead = "Answers already given can't be changed; if one was wrong, you'll see the rule and can try again."
    elif _is_question(incoming.text or ""):
        lead = ("I'll answer questions once the check is done (or type *cancel* to stop it and ask now). "
                "For this question, type *yes* or *no*.")
    else:
        lead = "I'm waiting for your answer to this question: type *yes* or *no*, or *help* or *cancel*."
    return [Reply(lead), _question_reply(check["id"], questions, index)]

