"""Concern reports: safeguarding and social media misuse, by private message, straight to the DSL.

Intake, as a form where the platform has one (Slack modal, Teams Adaptive Card) and as a guided
conversation otherwise. Its state lives in SQLite (storage.state) with every answer sealed by
storage.crypto, so a restart loses nothing and no plain content sits in conversation_state.

  danger → about_staff → category → what → who → when → where → evidence → confirm
A "yes" to danger files an urgent report and queues the urgent alert before the next question.
Filing (the report, its chronology, the alerts, the end of the intake) is one transaction, and
the reporter hears "received" only after it committed. Alerts carry who, category, urgency and
the reference, never the content; the content is shown only to the roles its routing allows
(storage.reports.ROUTINGS), re-checked on every button, and every attempt is audited.
Every reply and notification made here is marked confidential, so one that waits in the outbox
(an undelivered View, an alert) is stored sealed with the report key. Nothing here logs message text.

  intake.py, intake_steps.py  the guided conversation, its sealed state and its questions
  filing.py                   filing (urgent at once, or from the summary or the form)
  alerts.py                   alerts to the team and notices to the reporter
  case.py                     the safeguarding team's side (view, acknowledge, note, close, export)
  reporter.py                 the reporter's side (status, my reports, add to a report)
  escalation.py, limits.py    the ticks: escalation, reminders, the hourly alert limit
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from domain.messages import Incoming, Reply
from handlers.context import Services
from handlers.reports import limits
from handlers.reports.case import (acknowledge, authorised_file, close_form, export, note_form, open_file,
                                   open_reports, save_close, save_note, view)
from handlers.reports.common import FLOW, PUBLIC_LINE, REF, clean_text, privately
from handlers.reports.escalation import escalate_unacknowledged, remind_unfinished_intakes
from handlers.reports.filing import confirm, submit_form
from handlers.reports.intake import START_PATTERN, back, button_answer, cancel, continue_flow, edit, start
from handlers.reports.reporter import add_information, my_reports, status
from handlers.router import TextRoute

# authorised_file: one evidence file, under its report's access rules, for the channels' download routes.
__all__ = ["ACTIONS", "FLOWS", "FLOWS_HANDLE_CANCEL", "PUBLIC_LINE", "TEXT_ROUTES", "TICKS", "authorised_file"]

# This flow answers "cancel" itself: after an urgent alert, "nothing was saved" would be untrue.
FLOWS_HANDLE_CANCEL = (FLOW,)

def _text_route(pattern: str, handle: Callable[[Incoming, Services, re.Match], list[Reply]], name: str) -> TextRoute:
    compiled = re.compile(pattern, re.IGNORECASE | re.DOTALL)
    return TextRoute(name, lambda incoming, services: bool(compiled.match(clean_text(incoming.text))),
                     lambda incoming, services: handle(incoming, services, compiled.match(clean_text(incoming.text))))


TEXT_ROUTES = [
    TextRoute("report.start", lambda incoming, services: bool(START_PATTERN.match(clean_text(incoming.text))), start,
              interrupts_flows=True),
    _text_route(r"^my\s+(?:concern\s+)?reports?[.!?]?$", lambda i, s, m: my_reports(i, s), "report.mine"),
    _text_route(rf"^status\s+(?:of\s+)?{REF}\s*$", lambda i, s, m: status(i, s, m.group(1)), "report.status"),
    _text_route(rf"^add\s+to\s+{REF}\s*[:\-]?\s*(.*)$", lambda i, s, m: add_information(i, s, m.group(1), m.group(2)),
                "report.add"),
    _text_route(r"^(?:open|list)\s+(?:concern\s+)?reports[.!?]?$", lambda i, s, m: open_reports(i, s), "report.open"),
    _text_route(rf"^(?:view|show|open)\s+(?:report\s+)?{REF}\s*$", lambda i, s, m: view(i, s, m.group(1).upper()),
                "report.view"),
    _text_route(rf"^export\s+(?:report\s+)?{REF}\s*$", lambda i, s, m: export(i, s, m.group(1).upper()), "report.export"),
    _text_route(rf"^(?:ack|acknowledge)\s+{REF}\s*$", lambda i, s, m: acknowledge(i, s, m.group(1).upper()),
                "report.ack"),
    _text_route(rf"^note\s+{REF}\s*[:\-]?\s*(.*)$",
                lambda i, s, m: save_note(i, s, m.group(1).upper(), m.group(2)), "report.note"),
    _text_route(rf"^close\s+{REF}\s*$", lambda i, s, m: close_form(i, s, m.group(1).upper()), "report.close"),
]

SUB_ACTIONS: dict[str, Callable[[Incoming, Services], list[Reply]]] = {
    "start": start, "answer": button_answer, "back": back, "cancel": cancel, "edit": edit,
    "confirm": confirm, "submit": submit_form, "view": view, "ack": acknowledge, "note": note_form,
    "note_save": save_note, "close": close_form, "close_save": save_close, "open": open_reports,
    "export": export, "file": open_file,
}


def handle_action(incoming: Incoming, services: Services) -> list[Reply]:
    name = (incoming.action or "").split(".", 1)[1] if "." in (incoming.action or "") else ""
    handler = SUB_ACTIONS.get(name)
    if handler is None:
        return privately(incoming, [Reply("That button is no longer active. Type *report a concern* to "
                                           "start a report.")])
    if not isinstance(incoming.value, dict):
        incoming = replace(incoming, value={})
    return handler(incoming, services)


ACTIONS = {"report": handle_action}
FLOWS = {FLOW: continue_flow}


TICKS = [escalate_unacknowledged, remind_unfinished_intakes, limits.send_held_alerts, limits.escalate_summarised]
