"""Terminal chat as a roster user: reads lines, prints each reply, exits at end of input."""
from __future__ import annotations

import asyncio
from typing import TextIO

from bot.core import Hub
from domain.messages import Button, Incoming, Reply
from handlers import delivery, people
from handlers.channels import TERMINAL_CONVERSATION
from handlers.context import Services
from handlers.decided import closing_line, decision_in

PROMPT = "you> "


def _print_replies(replies: list[Reply], out: TextIO, first_number: int = 1) -> int:
    """Print replies with their buttons numbered on from first_number; returns the next number."""
    number = first_number
    for reply in replies:
        out.write(reply.plain(with_buttons=False).rstrip() + "\n")
        for button in reply.buttons:
            out.write(f"  [{number}] {button.label}\n")
            number += 1
        out.write("\n")
    out.flush()
    return number


def _button_choice(text: str, last: list[Reply]) -> Button | None:
    """A bare number picks a button from what was last printed, as a click would."""
    buttons = [b for r in last for b in r.buttons]
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return buttons[int(text) - 1]
    return None


def run_terminal_chat(services: Services, as_user: str, stdin: TextIO, out: TextIO) -> int:
    # Piped input may hold bytes that are not UTF-8, and a console may not show every emoji:
    # replace what cannot be decoded or shown rather than stop with a traceback.
    for stream in (stdin, out):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    person = people.find(services, as_user)
    if person is None:
        out.write(f"No one called '{as_user}' is on the roster. Try --as staff, or a roster id "
                  "such as okafor (Deputy Head) or shah (DSL).\n")
        return 2
    hub = Hub(services)
    interactive = stdin.isatty()

    roles = people.role_list(person.roles, none="no roles")  # roles as people say them, not roster ids
    out.write(f"Policy Bot for {services.config.school}. You are {person.name} "
              f"({roles}). Type 'help', or a question; "
              "a number presses a button; Ctrl-D to leave.\n\n")
    last: list[Reply] = []

    async def loop() -> None:
        nonlocal last
        while True:
            if interactive:
                out.write(PROMPT)
                out.flush()
            line = stdin.readline()
            if not line:
                return
            text = line.rstrip("\r\n")
            button = _button_choice(text.strip(), last)
            if button is not None:
                incoming = Incoming(channel="local", platform_user_id=person.id, person=person,
                                    conversation_id=f"{TERMINAL_CONVERSATION}{person.id}", action=button.action,
                                    value=dict(button.value))
            else:
                incoming = Incoming(channel="local", platform_user_id=person.id, person=person,
                                    conversation_id=f"{TERMINAL_CONVERSATION}{person.id}", text=text)
            last = await hub.handle(incoming)
            next_number = _print_replies(last, out)
            decision = decision_in(last)
            if decision is not None:  # the pressed button's item is decided: its numbers no longer press
                out.write(f"[buttons closed] {closing_line(decision)}\n\n")
            inbox = delivery.take_local_inbox(services, person.id)
            last = last + inbox  # buttons are numbered on through the messages that arrived
            if inbox:
                out.write("(messages for you)\n")
                _print_replies(inbox, out, next_number)

    try:
        asyncio.run(loop())
    except BrokenPipeError:  # the reader went away (`… | head`): stop quietly, as other tools do
        import os

        if hasattr(out, "fileno"):  # so the final flush at exit does not complain either
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
    return 0
