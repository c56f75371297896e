"""Replies as Adaptive Cards (schema 1.5), and card submits back as (action, value).

Pure functions over plain dicts: no botbuilder here, so the same rendering survives a move to
the Microsoft 365 Agents SDK.
"""
from __future__ import annotations

from typing import Any

from bot.inert_links import inert_links
from domain.messages import Form, FormField, Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
MAX_ACTION_LENGTH = 100
BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}
# Keys Teams itself may add to a submit's data; never a form input of ours.
RESERVED_SUBMIT_KEYS = frozenset({"action", "value", "msteams"})


def _text_block(text: str, **style: Any) -> dict:
    # Every TextBlock may carry what someone typed: its Markdown links stay text (bot.inert_links).
    return {"type": "TextBlock", "text": inert_links(text), "wrap": True, **style}


def _input(field: FormField) -> dict:
    common = {"id": field.name, "label": field.label, "isRequired": field.required}
    if field.required:
        common["errorMessage"] = f"{field.label} is required."
    if field.kind == "choice":
        element = {"type": "Input.ChoiceSet", "style": "compact",
                   "choices": [{"title": label, "value": value} for value, label in field.options]}
    elif field.kind == "date":
        element = {"type": "Input.Date"}
    else:
        element = {"type": "Input.Text", "isMultiline": field.kind == "multiline"}
        if field.placeholder:
            element["placeholder"] = field.placeholder
    if field.initial:
        element["value"] = field.initial
    return {**element, **common}


def _form_elements(form: Form) -> tuple[list[dict], dict]:
    body = [_text_block(form.title, weight="Bolder", spacing="Medium")]
    body.extend(_input(field) for field in form.fields)
    submit = {"type": "Action.Submit", "title": form.submit_label, "style": "positive",
              "data": {"action": form.submit_action, "value": dict(form.value)}}
    return body, submit


def reply_to_card(reply: Reply) -> dict:
    """One Reply as an Adaptive Card: title, text, the quoted clause, facts, small print, buttons, form."""
    body: list[dict] = []
    if reply.title:
        body.append(_text_block(reply.title, weight="Bolder", size="Medium"))
    if reply.text:
        body.append(_text_block(reply.text))
    if reply.quote:
        quoted = [_text_block(f"\u201c{reply.quote}\u201d", style="default", fontType="Default")]
        if reply.quote_source:
            quoted.append(_text_block(reply.quote_source, size="Small", isSubtle=True, spacing="Small"))
        body.append({"type": "Container", "style": "emphasis", "bleed": False, "items": quoted})
    if reply.facts:
        body.append({"type": "FactSet", "facts": [
            {"title": inert_links(str(label)), "value": inert_links(str(value))} for label, value in reply.facts]})
    thumbnails = reply.data.get("thumbnails") or []  # a draft's photos (bot.teams.images)
    if thumbnails:
        body.append({"type": "ImageSet", "imageSize": "Large", "images": [
            {"type": "Image", "url": t["url"], "altText": f"Photo: {t['name']}"} for t in thumbnails]})
    if reply.data.get("thumbnails_left_out"):
        body.append(_text_block(f"{reply.data['thumbnails_left_out']} more photo(s) not shown here: open the draft "
                                "in the web chat to see them all.", size="Small", isSubtle=True))
    for note in reply.notes:
        body.append(_text_block(note, size="Small", isSubtle=True, spacing="Small"))
    actions = []
    for button in reply.buttons:
        action = {"type": "Action.Submit", "title": button.label,
                  "data": {"action": button.action, "value": dict(button.value)}}
        if button.style in BUTTON_STYLES:
            action["style"] = BUTTON_STYLES[button.style]
        actions.append(action)
    if reply.form:
        form_body, submit = _form_elements(reply.form)
        body.extend(form_body)
        actions.insert(0, submit)
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "body": body or [_text_block(" ")],
        "fallbackText": inert_links(reply.plain()),
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def submitted_action(value: Any) -> tuple[str | None, dict[str, Any]]:
    """(action, values) from a card submit's data, or (None, {}) when it is not one of ours.

    The hidden `value` the card carried wins over typed inputs of the same name: it is the
    context the bot itself put on the card. Both are still untrusted: handlers check them.
    """
    if not isinstance(value, dict):
        return None, {}
    action = value.get("action")
    if not isinstance(action, str) or not action.strip() or len(action) > MAX_ACTION_LENGTH:
        return None, {}
    hidden = value.get("value") if isinstance(value.get("value"), dict) else {}
    inputs = {key: item for key, item in value.items() if key not in RESERVED_SUBMIT_KEYS}
    return action.strip(), {**inputs, **hidden}
