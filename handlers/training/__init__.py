"""Annual safeguarding training, policy acknowledgement and the Headteacher's compliance view.

    due           the items, their periods and reminder stages
    reminders     the scheduled reminders, welcome and weekly digest (`tick`)
    policy_check  reading and acknowledging the policy, with its three questions
    recording     recording a completion (typed, pressed, or for someone else), snoozing
    compliance    the compliance rows, summary, report and CSV
    certificates  a certificate file kept with a training record, for the overseers to open
"""
from __future__ import annotations

import re

from handlers.router import TextRoute
from handlers.training import certificates
from handlers.training.compliance import (CSV_COLUMNS, GROUP_NAMES, compliance_csv, compliance_rows,  # noqa: F401
                                          compliance_summary, group_of, handle_csv, handle_report,
                                          import_training_csv, load_sample_records)
from handlers.training.due import (DSL_ROLES, DUE_SOON_DAYS, FLOW, ITEM_NAMES, ITEM_TITLES, ITEMS,  # noqa: F401
                                   OVERSEER_NAMES, OVERSEER_ROLES, PERIOD_MONTHS, REMINDER_DAYS_BEFORE, Due,
                                   due_of, items_for, latest_stage)
from handlers.training.policy_check import (FALLBACK_QUESTIONS, READ_RE, _answers_the_check,  # noqa: F401
                                            _is_question, _policy_from_file, _waits_for_the_check,
                                            check_questions, choose_questions, current_policy,
                                            handle_ack_action, handle_check_words, handle_typed_answer,
                                            handle_typed_read, policy_card, policy_change_day,
                                            start_acknowledgement)
from handlers.training.recording import (continue_flow, handle_done_text, handle_record_for,  # noqa: F401
                                         handle_status, handle_training_action, RECORD_FOR_RE)
from handlers.training.reminders import digest_reply, reminder_reply, tick, welcome_reply  # noqa: F401

REPORT_RE = re.compile(r"^\s*(training|compliance)\s+(report|compliance|summary)\b|^\s*training\s+csv\b", re.I)
STATUS_RE = re.compile(r"^\s*(my training|training status|my training status|when is my training due)\s*[?.!]*\s*$", re.I)
DONE_RE = re.compile(r"^\s*(?:i\s*['’]?ve|i\s+have|i)\s+(?:just\s+)?(?:done|did|completed|finished|attended)\b.*\btraining\b"
                     r"|^\s*(?:my\s+)?(?:dsl\s+|safeguarding\s+)?training\s+(?:is\s+)?(?:done|completed|finished)\b", re.I)
ACK_RE = re.compile(r"^\s*(acknowledge(?: the)? policy|policy acknowledge?ment|i(?:'ve| have) read the policy|read the policy)\s*[.!]*\s*$", re.I)

TEXT_ROUTES = [
    TextRoute("training.check_answer", _answers_the_check, handle_typed_answer),
    TextRoute("training.check_words", _waits_for_the_check, handle_check_words),
    TextRoute("training.report", lambda i, s: bool(REPORT_RE.search(i.text or "")),
              lambda i, s: handle_csv(i, s) if re.search(r"\bcsv\b", i.text, re.I) else handle_report(i, s)),
    TextRoute("training.record_for", lambda i, s: bool(RECORD_FOR_RE.match(i.text or "")), handle_record_for),
    TextRoute("training.status", lambda i, s: bool(STATUS_RE.match(i.text or "")), handle_status),
    TextRoute("training.done", lambda i, s: bool(DONE_RE.search(i.text or "")) and not _is_question(i.text),
              handle_done_text),
    TextRoute("training.certificate", certificates.wants_to_attach, certificates.handle_attach),
    TextRoute("training.ack", lambda i, s: bool(ACK_RE.match(i.text or "")), start_acknowledgement),
    TextRoute("training.read", lambda i, s: bool(READ_RE.match(i.text or "")), handle_typed_read),
]
ACTIONS = {"training": handle_training_action, "ack": handle_ack_action}
FLOWS = {FLOW: continue_flow}
TICKS = [tick]
