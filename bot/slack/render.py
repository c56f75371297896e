"""Reply → Block Kit, Form → modal, and the App Home view; plus the button round trip.

Pure functions with no I/O, so they are easy to test. Slack's limits (characters per text, five
buttons per actions block in our layout, fifty blocks per message) are applied here, once.
"""
from __future__ import annotations

import json
import re
import uuid
from collections import OrderedDict
from datetime import date
from typing import Any

from cryptography.fernet import Fernet

from bot.inert_links import inert_links
from domain.messages import Button, Form, FormField, Reply

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FIELDS_PER_SECTION = 10
MAX_CONTEXT_ELEMENTS = 10
BUTTONS_PER_ACTIONS_BLOCK = 5
MAX_FALLBACK_CHARS = 3900
MAX_METADATA_CHARS = 3000
MAX_MODAL_TITLE = 24

# A button's action goes in action_id with "#<index>" so each stays unique within its message.
ACTION_INDEX_SEPARATOR = "#"
# The adapter's own action: open a form in a modal (a message cannot hold a form itself).
OPEN_FORM_ACTION = "slack.open_form"
FORM_CALLBACK_ID = "policybot.form"

HOME_BUTTONS = (
    Button("Ask a question", "home.ask", style="primary"),
    Button("Submit a post draft", "draft.start"),
    Button("Report a concern", "report.start", style="danger"),
    Button("My training", "training.mine"),
)


def escape(text: str) -> str:
    """Slack's three control characters in mrkdwn and plain text (&, <, >), so that `<url|label>`,
    `<!channel>` and `<@U…>` typed by someone stay text; and Markdown links made inert too."""
    return inert_links(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str, limit: int) -> dict:
    return {"type": "plain_text", "text": _clip(text, limit) or " ", "emoji": True}


def _chunks(text: str, limit: int) -> list[str]:
    """Split long text at paragraph or line breaks so no section passes Slack's limit."""
    pieces, rest = [], text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


def _sections(mrkdwn: str) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}
            for piece in _chunks(mrkdwn, MAX_SECTION_CHARS)]


# --- buttons ------------------------------------------------------------------------------------

def encode_button(button: Button, index: int) -> dict:
    value = json.dumps(button.value, separators=(",", ":"), ensure_ascii=False)
    if len(value) > MAX_BUTTON_VALUE:
        raise ValueError(f"button {button.action!r} carries more than {MAX_BUTTON_VALUE} characters")
    element = {"type": "button", "text": _plain(button.label, MAX_BUTTON_LABEL),
               "action_id": f"{button.action}{ACTION_INDEX_SEPARATOR}{index}", "value": value}
    if button.style:
        element["style"] = button.style
    return element


def decode_action(action_id: str, value: Any) -> tuple[str, dict]:
    """The (action, value) a button was rendered from. A forged or foreign value becomes {}."""
    action = action_id.rsplit(ACTION_INDEX_SEPARATOR, 1)[0] if action_id else ""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    return action, value if isinstance(value, dict) else {}


def actions_blocks(buttons: list[Button] | tuple[Button, ...], start_index: int = 0) -> list[dict]:
    elements = [encode_button(button, start_index + i) for i, button in enumerate(buttons)]
    return [{"type": "actions", "elements": elements[i:i + BUTTONS_PER_ACTIONS_BLOCK]}
            for i in range(0, len(elements), BUTTONS_PER_ACTIONS_BLOCK)]


# --- messages -----------------------------------------------------------------------------------

# Forms too big for a button's 2,000 characters wait here (lost on restart: the person starts again).
# A form may hold a concern report's answers, so each is kept encrypted under a key that lives only
# in this process, and opens only for the Slack user it was sent to.
_STASHED_FORMS: OrderedDict[str, tuple[str | None, bytes]] = OrderedDict()
MAX_STASHED_FORMS = 1000
_STASH_CIPHER = Fernet(Fernet.generate_key())


def form_button(form: Form, owner: str | None = None) -> Button:
    """A message cannot hold inputs, so a form travels in a button that opens it as a modal."""
    value: dict[str, Any] = {"form": form_to_dict(form)}
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if len(encoded) > MAX_BUTTON_VALUE:
        token = uuid.uuid4().hex
        _STASHED_FORMS[token] = (owner, _STASH_CIPHER.encrypt(encoded.encode("utf-8")))
        while len(_STASHED_FORMS) > MAX_STASHED_FORMS:
            _STASHED_FORMS.popitem(last=False)
        value = {"form_ref": token}
    return Button(f"Open: {form.title}", OPEN_FORM_ACTION, value, style="primary")


def form_of_button(value: dict, user: str | None = None) -> Form | None:
    """The form an OPEN_FORM_ACTION button carries; None when it is gone, malformed or not this user's."""
    try:
        if "form_ref" in value:
            owner, sealed = _STASHED_FORMS.get(str(value["form_ref"]), (None, None))
            if sealed is None or owner != user:
                return None
            value = json.loads(_STASH_CIPHER.decrypt(sealed))
        return form_from_dict(value["form"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def form_to_dict(form: Form) -> dict:
    from dataclasses import asdict

    return asdict(form)


def form_from_dict(data: dict) -> Form:
    fields = tuple(FormField(**{**f, "options": tuple(tuple(o) for o in f.get("options", ()))})
                   for f in data["fields"])
    return Form(title=data["title"], submit_action=data["submit_action"], fields=fields,
                submit_label=data.get("submit_label", "Submit"), value=dict(data.get("value", {})))


def reply_blocks(reply: Reply, include_form: bool = True, owner: str | None = None,
                 images: list[dict] | None = None) -> list[dict]:
    """`images`: image blocks (bot.slack.images) shown after the facts, before the buttons."""
    blocks: list[dict] = []
    if reply.title:
        blocks.append({"type": "header", "text": _plain(reply.title, MAX_HEADER_CHARS)})
    if reply.text.strip():
        blocks.extend(_sections(escape(reply.text)))
    if reply.quote:
        quoted = "\n".join("> " + escape(line) if line.strip() else ">" for line in reply.quote.splitlines())
        blocks.extend(_sections(quoted))
        if reply.quote_source:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": _clip(escape(reply.quote_source), MAX_SECTION_CHARS)}]})
    facts = [{"type": "mrkdwn", "text": _clip(f"*{escape(label)}*\n{escape(str(value))}", 2000)}
             for label, value in reply.facts]
    for i in range(0, len(facts), MAX_FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": facts[i:i + MAX_FIELDS_PER_SECTION]})
    blocks.extend(images or [])
    notes = [{"type": "mrkdwn", "text": _clip(escape(note), MAX_SECTION_CHARS)} for note in reply.notes if note]
    for i in range(0, len(notes), MAX_CONTEXT_ELEMENTS):
        blocks.append({"type": "context", "elements": notes[i:i + MAX_CONTEXT_ELEMENTS]})
    buttons = list(reply.buttons)
    if include_form and reply.form is not None:
        buttons.insert(0, form_button(reply.form, owner))
    action_blocks = actions_blocks(buttons)
    # Keep the buttons when a very long reply has to be cut to Slack's fifty blocks.
    room = MAX_BLOCKS - len(action_blocks)
    return blocks[:max(room, 0)] + action_blocks[:MAX_BLOCKS]


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text; blocks carry the formatting."""
    return _clip(escape(reply.plain()), MAX_FALLBACK_CHARS) or " "


def message(reply: Reply, include_form: bool = True, owner: str | None = None,
            images: list[dict] | None = None) -> dict:
    """`owner`: the Slack user the message is for (the only one who may open a stashed form)."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply, include_form, owner, images)}


# --- forms as modals ----------------------------------------------------------------------------

def _input_element(field: FormField) -> dict:
    if field.kind == "choice":
        options = [{"text": _plain(label, 75), "value": _clip(value, 150)} for value, label in field.options[:100]]
        element: dict = {"type": "static_select", "action_id": field.name, "options": options}
        chosen = [o for o in options if o["value"] == field.initial]
        if chosen:
            element["initial_option"] = chosen[0]
    elif field.kind == "date":
        element = {"type": "datepicker", "action_id": field.name}
        try:
            element["initial_date"] = date.fromisoformat(field.initial).isoformat()
        except ValueError:
            pass
    else:
        element = {"type": "plain_text_input", "action_id": field.name,
                   "multiline": field.kind == "multiline"}
        if field.initial:
            element["initial_value"] = _clip(field.initial, 3000)
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, 150)
    return element


def modal(form: Form, private_metadata: str) -> dict:
    blocks = [{"type": "input", "block_id": field.name, "optional": not field.required,
               "label": _plain(field.label, 2000), "element": _input_element(field)}
              for field in form.fields[:MAX_BLOCKS]]
    return {"type": "modal", "callback_id": FORM_CALLBACK_ID,
            "title": _plain(form.title, MAX_MODAL_TITLE),
            "submit": _plain(form.submit_label, MAX_MODAL_TITLE),
            "close": _plain("Cancel", MAX_MODAL_TITLE),
            "private_metadata": private_metadata, "blocks": blocks}


def submitted_values(view: dict) -> dict[str, Any]:
    """Field name → what the person entered, from a view_submission's state."""
    values: dict[str, Any] = {}
    for block_id, block in ((view.get("state") or {}).get("values") or {}).items():
        if not isinstance(block, dict):
            continue
        for element in block.values():
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if kind in ("static_select", "radio_buttons", "external_select"):
                values[block_id] = (element.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                values[block_id] = element.get("selected_date")
            elif kind == "checkboxes":
                values[block_id] = [o.get("value") for o in element.get("selected_options") or []]
            else:
                values[block_id] = element.get("value")
    return values


# --- App Home -----------------------------------------------------------------------------------

def home_view(school: str) -> dict:
    intro = (f"I answer questions about {escape(school)}'s social media policy, quoting the policy's "
             "own words. You can also send a post draft for approval, report a safeguarding concern "
             "to the DSL in confidence, and see your training.\n\nTo ask, message me here or mention "
             "me in a channel; or use `/policy your question`.")
    return {"type": "home", "blocks": [
        {"type": "header", "text": _plain("Policy Bot", MAX_HEADER_CHARS)},
        *_sections(intro),
        *actions_blocks(list(HOME_BUTTONS)),
    ]}


MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The message without the bot's own @mention (other people's mentions stay)."""
    cleaned = MENTION.sub(lambda m: "" if bot_user_id is None or m.group(1) == bot_user_id else m.group(0), text)
    return re.sub(r"\s{2,}", " ", cleaned).strip()
