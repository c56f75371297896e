"""Post drafts, shared by every step: who may do what, reading ids from buttons, the pre-check.

Deny by default: every step re-reads the person's roles and the draft's current state and version
from the database, so a replayed or forged button (another user, an old version, a finished
draft) is refused with the reason. Each change is one transaction: the draft, its audit row and
the notification it causes commit together or not at all.
"""
from __future__ import annotations

import difflib
import re
from datetime import datetime, timezone
from typing import Any

from handlers.channels import capabilities
from handlers.context import Services
from handlers.flow_words import typed_choice
from domain.messages import Incoming, Person, Reply
from handlers.people import person_name  # noqa: F401  (cards.py and approval.py import it from here)
from knowledge.consent import ConsentRegister
from knowledge.draft_check import CheckResult, channels_of, check_draft, load_policy
from storage import drafts as store
from storage import roster

PLATFORM_LABELS = {"facebook": "Facebook", "instagram": "Instagram", "both": "Facebook and Instagram"}
MAX_DRAFT_CHARS = 10_000
SUBMIT_FLOW = "draft_submit"
REASON_FLOW = "draft_reason"
EDIT_FLOW = "draft_edit"
NONE_WORDS = frozenset({"none", "no", "nobody", "no one", "noone", "n/a", "na", "nil", "-", "no pupils", "nobody pictured"})
# --- who may do what --------------------------------------------------------------------------

def is_poster(services: Services, person: Person | None) -> bool:
    """Authorised by the IT manager in chat, or (unless revoked in chat) a roster "poster"."""
    if person is None:
        return False
    status = store.poster_status(services.db, person.id)
    if status is not None:
        return status == "authorised"
    return person.has_role("poster")


def may_submit(services: Services, person: Person | None) -> bool:
    # The policy: the accounts are managed by the Deputy Head and the IT manager; others post only
    # when the IT manager has authorised them.
    return person is not None and (is_poster(services, person) or person.has_role("deputy_head", "it_manager"))


def current_approvers(services: Services, submitter_id: str) -> list[Person]:
    """The Deputy Head; the Headteacher instead while the Deputy Head is away (or is the submitter)."""
    db = services.db
    deputies = [p for p in roster.people_with_role(db, "deputy_head")
                if p.id != submitter_id and not roster.is_away(db, p.id)]
    if deputies:
        return deputies
    return [p for p in roster.people_with_role(db, "headteacher") if p.id != submitter_id]


def approval_refusal(services: Services, person: Person | None, draft: store.Draft) -> str | None:
    """Why this person may not decide on this draft, or None when they may."""
    if person is None:
        return "I don't know who you are, so I can't let you approve drafts. Ask the IT manager to link your account."
    if person.id == draft.submitter_id:
        return "Nobody can approve their own draft. It has gone to someone else to approve."
    if any(p.id == person.id for p in current_approvers(services, draft.submitter_id)):
        return None
    if person.has_role("headteacher"):
        return ("The Deputy Head approves post drafts. The Headteacher can act only while the Deputy Head is "
                "marked away (they type *I'm away*).")
    return ("Only the Deputy Head can approve, reject or send back post drafts — or the "
            "Headteacher while the Deputy Head is marked away.")


def names_of(people: list[Person]) -> str:
    names = [p.name for p in people]
    return " or ".join(names) if names else "the IT manager"


def not_a_poster(services: Services, person: Person | None) -> list[Reply]:
    managers = roster.people_with_role(services.db, "it_manager")
    who = names_of(managers)
    if person is None:
        return [Reply("I don't know who you are yet, so I can't take a post draft from you. "
                      f"Ask {who} (the IT manager) to link your account to the roster.")]
    return [Reply(f"Only posters (staff authorised by the IT manager) can submit posts for the school's Facebook and "
                  f"Instagram. You're not authorised yet — {who} can authorise you: ask them to "
                  f"type *authorise {person.name} to post*. You can still ask me anything about the policy.")]


# --- helpers ----------------------------------------------------------------------------------

def consent_register(services: Services) -> ConsentRegister:
    """Read on every check, so replacing the file with the school's own export takes effect at once."""
    path = services.config.consent_file
    return ConsentRegister.from_csv(path) if path.exists() else ConsentRegister([])


def run_check(services: Services, text: str, platform: str, pictured: list[str], photos: str) -> CheckResult:
    """The same check as `app.py check-draft`: the configured policy and consent register. A platform
    the configured policy does not name is checked against every channel it does name."""
    policy = load_policy(str(services.config.policy_file))
    if platform not in channels_of(policy):
        platform = "both"
    return check_draft(text, platform=platform, consent=consent_register(services), pictured=pictured,
                       photos=photos, today=services.today(), policy=policy)


def split_names(text: str) -> list[str]:
    text = (text or "").strip()
    if text.lower().strip(" .!") in NONE_WORDS:
        return []
    parts = re.split(r"\s*(?:,|;|\n|\band\b|&)\s*", text)
    return [" ".join(p.split()) for p in parts if p.strip() and p.strip().lower() not in NONE_WORDS]


PLATFORM_OPTIONS = (("facebook", "Facebook"), ("instagram", "Instagram"), ("both", "Both"))


def parse_platform(text: str) -> str | None:
    choice = typed_choice(text, PLATFORM_OPTIONS)  # "2", "Both"
    if choice:
        return choice
    lowered = (text or "").lower()
    has_fb = bool(re.search(r"\b(facebook|fb)\b", lowered))
    has_ig = bool(re.search(r"\b(instagram|insta|ig)\b", lowered))
    if re.search(r"\bboth\b", lowered) or (has_fb and has_ig):
        return "both"
    return "facebook" if has_fb else "instagram" if has_ig else None


PUBLISH_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M")
AS_SOON_AS_APPROVED = frozenset({"", "now", "asap", "as soon as approved", "when approved", "none"})


def parse_publish_time(services: Services, text: str) -> tuple[str, str | None]:
    """A publish time as typed ("2026-12-04 15:30", "04/12/2026 15:30", school time) → (UTC ISO, None);
    ("", None) for none; ("", what is wrong) for a time that cannot be read or has passed."""
    from zoneinfo import ZoneInfo

    typed = " ".join((text or "").split())
    if typed.lower().strip(" .!") in AS_SOON_AS_APPROVED:
        return "", None
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        moment = None
        for pattern in PUBLISH_TIME_FORMATS:
            try:
                moment = datetime.strptime(typed, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return "", (f"I couldn't read '{typed[:40]}' as a time to publish. Write it as *2026-12-04 15:30* "
                    "(school time), or leave it blank to publish as soon as it is approved.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(services.config.timezone))
    if moment <= services.now():
        return "", f"{typed} has already passed; give a time still to come, or leave it blank."
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds"), None


def local_time_text(services: Services, iso: str) -> str:
    """A stored UTC time as the school writes it ("2026-12-04 15:30"); "" for none."""
    from zoneinfo import ZoneInfo

    if not iso:
        return ""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(services.config.timezone)).strftime("%Y-%m-%d %H:%M")


def describe_changes(old: str, new: str) -> str:
    """What changed between two versions, word by word: [removed: …] [added: …] (plain words for the
    approver, not diff markup)."""
    old_words, new_words = old.split(), new.split()
    parts = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False).get_opcodes():
        if op == "equal":
            chunk = old_words[a1:a2]
            parts.append(" ".join(chunk) if len(chunk) <= 8 else " ".join(chunk[:3] + ["…"] + chunk[-3:]))
        if op in ("delete", "replace"):
            parts.append("[removed: " + " ".join(old_words[a1:a2]) + "]")
        if op in ("insert", "replace"):
            parts.append("[added: " + " ".join(new_words[b1:b2]) + "]")
    return " ".join(parts) if old != new else "(no change to the text)"


def findings_lines(findings: list[dict]) -> list[str]:
    if not findings:
        return ["Pre-check: nothing found against the policy."]
    lines = ["Pre-check findings:"]
    for f in findings:
        label = "MUST FIX" if f["severity"] == "block" else "Check"
        lines.append(f"• {label} (policy section {f['section']}): {f['message']}" + (f' — "{f["excerpt"]}"' if f["excerpt"] else ""))
    return lines


SQLITE_MAX_INTEGER = 2 ** 63 - 1


def _whole_number(raw: Any) -> int | None:
    """An id from a button or typed command: an int or a string of digits. Not a bool (int(True) is 1)
    nor a float or list, which a forged payload could carry."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw, re.ASCII):
        return int(raw)
    return None


def ids_of(value: dict[str, Any]) -> tuple[int | None, int | None]:
    return _whole_number(value.get("draft_id")), _whole_number(value.get("version"))


def get_draft(services: Services, draft_id: int) -> store.Draft | None:
    """None for an id no draft can have (SQLite stores ids as positive 64-bit integers)."""
    if not 0 < draft_id <= SQLITE_MAX_INTEGER:
        return None
    return store.get(services.db, draft_id)


def uses_forms(incoming: Incoming) -> bool:
    """Slack, Teams and the web chat show forms; the terminal gets guided questions instead."""
    return capabilities(incoming).forms

DECISIONS = {"draft.approve": "approve", "draft.reject": "reject", "draft.changes": "request_changes"}


def load_for_action(services: Services, value: dict) -> tuple[store.Draft | None, int | None, str | None]:
    draft_id, version = ids_of(value)
    if draft_id is None:
        return None, None, "That button didn't say which draft it was for, so nothing was done."
    draft = get_draft(services, draft_id)
    if draft is None:
        return None, None, f"There is no draft {draft_id}. Type *my drafts* or *pending approvals* to see drafts."
    return draft, version, None


def stale(draft: store.Draft, version: int | None) -> str | None:
    if version is None:
        return "That button didn't say which version of the draft it was for, so nothing was done."
    if version != draft.version:
        return (f"That button is for version {version} of draft {draft.id}, but the draft is now at version "
                f"{draft.version}. Nothing was done; please use the newest message about it.")
    return None


def illegal(draft: store.Draft, action: str) -> str | None:
    try:
        store.check_transition(draft, action)
    except store.IllegalTransition as illegal:
        return str(illegal)
    return None


def cannot(draft: store.Draft, version: int | None, action: str) -> str | None:
    """Why a button for `version` may not take `draft` through `action` now, or None."""
    return stale(draft, version) or illegal(draft, action)

def short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1] + "…"

