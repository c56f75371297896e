"""Conversation routing that reads like a table.

The features are the modules app.py lists (FEATURES), in precedence order; each feature module offers:
  TEXT_ROUTES  [TextRoute]          does this message start something of mine? (checked in order)
  ACTIONS      {action prefix: fn}  button presses and form submits, by the action's first part
  FLOWS        {flow name: fn}      the next step of a guided conversation already under way
  TICKS        [fn(services)]       periodic work the server runs (reminders, escalation); optional
A handler is `fn(incoming, services) -> list[Reply]` (flows also get the FlowState).
Matching is apart from acting, as in bolt's listener matchers and python-telegram-bot's handlers.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from domain.messages import Incoming, Reply, clean_incoming
from handlers.context import Services
from handlers.faults import GENERIC_FAULT, STORAGE_FAULTS, STORAGE_MESSAGES, storage_problem

log = logging.getLogger(__name__)

Handler = Callable[[Incoming, Services], list[Reply]]

CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "exit", "abort", "never mind", "nevermind"})
MAX_TEXT_LENGTH = 4000


@dataclass(frozen=True)
class TextRoute:
    name: str
    matches: Callable[[Incoming, Services], bool]
    handle: Handler
    # True for what must never wait behind another feature's guided flow (reporting a concern).
    interrupts_flows: bool = False


FEATURE_PARTS = ("TEXT_ROUTES", "ACTIONS", "FLOWS")


def check_features(features) -> tuple:
    """The feature modules, checked once at start-up: each must offer something to route to, and no
    two may claim the same action prefix or flow name (the later would silently win). A mistake
    here stops the bot loudly instead of quietly dropping a feature."""
    features = tuple(features)
    if not features:
        raise ValueError("no features: app.py's FEATURES lists the feature modules to serve")
    claimed: dict[str, str] = {}
    for module in features:
        if not any(getattr(module, part, None) for part in FEATURE_PARTS):
            raise ValueError(f"{module.__name__} is listed as a feature but offers none of {', '.join(FEATURE_PARTS)}")
        for key in [*(f"action {a}" for a in getattr(module, "ACTIONS", {})),
                    *(f"flow {f}" for f in getattr(module, "FLOWS", {}))]:
            if key in claimed:
                raise ValueError(f"{module.__name__} and {claimed[key]} both claim the {key}")
            claimed[key] = module.__name__
    return features


class Router:
    def __init__(self, services: Services, features=None):
        self.services = services
        self.features = check_features(services.features if features is None else features)
        self.text_routes: list[TextRoute] = [r for m in self.features for r in getattr(m, "TEXT_ROUTES", [])]
        self.actions: dict[str, Handler] = {}
        self.flows: dict[str, Callable] = {}
        self.flow_owner: dict[str, str] = {}
        for module in self.features:
            self.actions.update(getattr(module, "ACTIONS", {}))
            self.flows.update(getattr(module, "FLOWS", {}))
            self.flow_owner.update({flow: module.__name__ for flow in getattr(module, "FLOWS", {})})
        self.interrupting_routes = [(m.__name__, r) for m in self.features
                                    for r in getattr(m, "TEXT_ROUTES", []) if r.interrupts_flows]
        # Flows that answer "cancel" themselves (e.g. a concern report whose urgent alert already went).
        self.flows_handling_cancel = {f for m in self.features for f in getattr(m, "FLOWS_HANDLE_CANCEL", ())}

    def handle(self, incoming: Incoming) -> list[Reply]:
        """Route one Incoming to the handler it belongs to. Never raises: a fault becomes a polite reply."""
        incoming = clean_incoming(incoming)  # whatever the channel let through, storage can hold
        try:
            return self._route(incoming)
        except STORAGE_FAULTS as error:
            problem = storage_problem(error)
            if problem is None:
                log.exception("handler failed for action=%s", incoming.action)
            else:  # every write is one transaction, rolled back whole when it fails
                log.error("could not save (database %s) for action=%s", problem, incoming.action)
            return [Reply(STORAGE_MESSAGES.get(problem, GENERIC_FAULT))]
        except Exception:  # the person must never see a stack trace; the log gets no message content
            log.exception("handler failed for action=%s", incoming.action)
            return [Reply(GENERIC_FAULT)]

    def _route(self, incoming: Incoming) -> list[Reply]:
        from storage import state as state_store  # imported here: `ask` stays free of sqlite_utils

        services = self.services
        if incoming.action:
            handler = self.actions.get(incoming.action) or self.actions.get(incoming.action.split(".")[0])
            if handler is None:
                return [Reply("That button is no longer active. Type *help* to see what I can do.")]
            from handlers import decided  # its buttons close on every channel once decided

            return decided.mark(incoming, services, handler(incoming, services))

        text = (incoming.text or "").strip()
        if len(text) > MAX_TEXT_LENGTH:
            return [Reply(f"That message is too long for me ({len(text):,} characters). "
                          f"Please keep it under {MAX_TEXT_LENGTH:,} characters.")]

        flow = state_store.get_state(services.db, incoming.who)
        if flow is not None:
            if text.lower().strip(" .!") in CANCEL_WORDS and flow.flow not in self.flows_handling_cancel:
                state_store.clear_state(services.db, incoming.who)
                return [Reply("Cancelled. Nothing was saved. What would you like to do next?")]
            for owner, route in self.interrupting_routes:
                if owner != self.flow_owner.get(flow.flow) and route.matches(incoming, services):
                    return route.handle(incoming, services)
            continue_flow = self.flows.get(flow.flow)
            if continue_flow is not None:
                return continue_flow(incoming, services, flow)
            state_store.clear_state(services.db, incoming.who)  # a flow that no longer exists

        for route in self.text_routes:
            if route.matches(incoming, services):
                return route.handle(incoming, services)
        return [Reply("Ask me anything about the school's social media policy, or type *help*.")]
