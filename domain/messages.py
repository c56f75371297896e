"""Channel-free message types: what an adapter hands in, and what handlers hand back.

Adapters turn a platform event into an `Incoming` and render each `Reply` as Block Kit, an
Adaptive Card or HTML. Nothing here knows about Slack or Teams.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Channel = Literal["slack", "teams", "local", "cli"]


@dataclass(frozen=True)
class Person:
    """A member of the school community from the roster."""

    id: str
    name: str
    email: str = ""
    roles: frozenset[str] = frozenset()
    job_title: str = ""

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class IncomingFile:
    """A file a person attached, as the adapter fetched it: the bytes, or why it could not.

    Adapters only fetch (with the platform's credentials, within MAX_FILE_BYTES); what the file
    is and whether to keep it is decided by handlers.evidence, from the bytes themselves."""

    name: str
    data: bytes | None = None
    problem: str | None = None  # "too_large" or "unavailable" when the adapter could not fetch it

    def __repr__(self) -> str:  # never the bytes, never in a log
        return f"IncomingFile(size={len(self.data) if self.data is not None else None}, problem={self.problem!r})"


MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: a message, a button press or a form submission."""

    channel: str
    platform_user_id: str
    text: str = ""
    person: Person | None = None
    conversation_id: str = ""
    private: bool = True  # a DM / personal chat, not a channel or team
    action: str | None = None  # set for a button press or form submit: e.g. "draft.approve"
    value: dict[str, Any] = field(default_factory=dict)  # the button payload or form values
    attachments: tuple[str, ...] = ()  # references (file names or links), never the bytes
    files: tuple[IncomingFile, ...] = ()  # the attached files themselves, fetched by the adapter

    @property
    def who(self) -> str:
        return self.person.id if self.person else f"{self.channel}:{self.platform_user_id}"


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(value: Any) -> Any:
    """The value with every lone surrogate ("\\ud800" in JSON) replaced by U+FFFD.

    JSON may carry them escaped, but they are not text: UTF-8 cannot encode them, so the
    database, the logs and every platform would fail on them. Strings, dicts and lists are walked;
    anything else is returned as it is.
    """
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value) if LONE_SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    return value


def clean_incoming(incoming: "Incoming") -> "Incoming":
    """The Incoming with lone surrogates replaced in what the person typed or sent."""
    fields = {"text": incoming.text, "platform_user_id": incoming.platform_user_id,
              "conversation_id": incoming.conversation_id, "action": incoming.action,
              "value": incoming.value, "attachments": list(incoming.attachments)}
    cleaned = without_lone_surrogates(fields)
    if cleaned == fields:
        return incoming
    return replace(incoming, **{**cleaned, "attachments": tuple(cleaned["attachments"])})


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    value: dict[str, Any] = field(default_factory=dict)
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: Literal["text", "multiline", "choice", "date"] = "text"
    options: tuple[tuple[str, str], ...] = ()  # (value, label) for kind="choice"
    required: bool = True
    initial: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class Form:
    """A form the platform shows natively (Slack modal, Adaptive Card inputs, HTML form)."""

    title: str
    submit_action: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    value: dict[str, Any] = field(default_factory=dict)  # hidden context sent back on submit


@dataclass
class Reply:
    """What the bot says back. Plain text with paragraphs; adapters add the platform's styling."""

    text: str
    title: str | None = None
    quote: str | None = None  # the policy's own words, shown as a quotation
    quote_source: str | None = None  # e.g. "Section 3 — Personal use of social media by staff"
    facts: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # small print under the reply
    buttons: list[Button] = field(default_factory=list)
    form: Form | None = None
    # Confidential replies must only ever be shown in a private conversation with the person.
    private: bool = False
    # Carries concern-report content (or says who reported what): never stored in clear, so the
    # outbox and the local inbox seal it with the report key (storage.outbox).
    confidential: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # machine-readable extras (e.g. the answer)

    def plain(self, with_buttons: bool = True) -> str:
        """The whole reply as plain text, for the terminal and for notification fallbacks."""
        parts = []
        if self.title:
            parts.append(self.title)
        parts.append(self.text)
        if self.quote:
            source = f"  ({self.quote_source})" if self.quote_source else ""
            parts.append(f'> "{self.quote}"{source}')
        parts.extend(f"{label}: {value}" for label, value in self.facts)
        parts.extend(self.notes)
        if self.buttons and with_buttons:
            parts.append("Options: " + " | ".join(b.label for b in self.buttons))
        if self.form:
            parts.append(f"[{self.form.title}: " + ", ".join(f.label for f in self.form.fields) + "]")
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Notification:
    """A message the bot starts itself, to one person on the roster (proactive delivery)."""

    person_id: str
    reply: Reply
    # A stable key makes delivery idempotent: the same key is queued only once.
    key: str | None = None
    urgent: bool = False


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """A JSON-safe form of a Reply, for the outbox and the local web chat.

    Written out by hand: dataclasses.asdict deep-copies every value, which dominated the
    scheduler's tick when it queues many reminders at once.
    """
    form = reply.form
    return {
        "text": reply.text, "title": reply.title, "quote": reply.quote,
        "quote_source": reply.quote_source,
        "facts": [list(fact) for fact in reply.facts], "notes": list(reply.notes),
        "buttons": [{"label": b.label, "action": b.action, "value": dict(b.value), "style": b.style}
                    for b in reply.buttons],
        "form": None if form is None else {
            "title": form.title, "submit_action": form.submit_action,
            "submit_label": form.submit_label, "value": dict(form.value),
            "fields": [{"name": f.name, "label": f.label, "kind": f.kind,
                        "options": [list(o) for o in f.options], "required": f.required,
                        "initial": f.initial, "placeholder": f.placeholder} for f in form.fields],
        },
        "private": reply.private, "confidential": reply.confidential, "data": dict(reply.data),
    }


def reply_from_dict(data: dict[str, Any]) -> Reply:
    form = data.get("form")
    if form:
        form = Form(title=form["title"], submit_action=form["submit_action"],
                    fields=tuple(FormField(**{**f, "options": tuple(tuple(o) for o in f.get("options", ()))})
                                 for f in form["fields"]),
                    submit_label=form.get("submit_label", "Submit"), value=form.get("value", {}))
    return Reply(
        text=data.get("text", ""), title=data.get("title"), quote=data.get("quote"),
        quote_source=data.get("quote_source"),
        facts=[tuple(f) for f in data.get("facts", [])], notes=list(data.get("notes", [])),
        buttons=[Button(**b) for b in data.get("buttons", [])], form=form,
        private=bool(data.get("private")), confidential=bool(data.get("confidential")),
        data=dict(data.get("data", {})),
    )
