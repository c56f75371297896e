"""The policy pre-check of a post draft for one of the school's official channels.

One finding per problem, each citing the policy's own rule (read from the configured policy by
knowledge/draft_policy.py: whichever section holds the will-not-post list, for one channel or all)
and quoting its words. A *block* is something the policy says the school will not post: the draft
cannot go for approval until it is fixed. A *warn* is something a person should look at (it may be
fine); it does not stop the draft. Where a policy has no rule for a kind of problem, the finding is a
warn that says so.

The `check-draft --json` contract (DESIGN.md):
    {"ok": bool, "platform": str, "findings": [{"rule", "section", "clause", "severity", "message",
     "excerpt"}]}     ok is false exactly when some finding blocks.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from knowledge.consent import ConsentRegister
from knowledge.draft_check.accounts import check_accounts, check_messages
from knowledge.draft_check.adverts import check_adverts, check_endorsement
from knowledge.draft_check.age import check_age
from knowledge.draft_check.base import CheckResult, Context, Finding
from knowledge.draft_check.conduct import (check_altered_images, check_channel_use, check_complaints, check_copyright,
                                           check_devices, check_live_stream, check_new_account, check_opinion,
                                           check_staff_images)
from knowledge.draft_check.names import check_consent
from knowledge.draft_check.semantic import check_meaning
from knowledge.draft_check.privacy import check_location, check_no_media, check_personal_details, check_undress
from knowledge.draft_check.politics import check_politics
from knowledge.draft_check.tone import check_language
from knowledge.draft_policy import draft_rules
from knowledge.policy import Policy

# The policy text shipped in policy/ (the configured school's own is passed in by app.py and handlers).
DEFAULT_POLICY_FILE = min((Path(__file__).resolve().parent.parent.parent / "policy").glob("*.txt"))
MAX_CHECK_CHARS = 200_000  # longer drafts are checked on their first part; no post is this long
ALL_CHANNELS = ("both", "all")


@lru_cache(maxsize=8)
def load_policy(path: str = str(DEFAULT_POLICY_FILE)) -> Policy:
    return Policy.load(path)


def channels_of(policy: Policy) -> list[str]:
    """The policy's official channels, as `--platform` takes them ("facebook", "x", "class dojo")."""
    return [c.key for c in draft_rules(policy).channels]


def rule_clause(policy: Policy, platform: str, rule_id: str) -> tuple[str, str]:
    """(section, clause id) of the policy's rule for a kind of problem on a channel."""
    rules = draft_rules(policy)
    clause = rules.clause_for(platform, rule_id) or rules.lists.get(platform)
    return (clause.section, clause.id) if clause else ("", "")


# --- the check -------------------------------------------------------------------------------------

def check_draft(text: str, platform: str | None = None, consent: ConsentRegister | None = None, *,
                pictured: Iterable[str] = (), photos: str = "", today: date | None = None,
                policy: Policy | None = None, meaning: bool = True) -> CheckResult:
    """Check one draft against the policy's will-not-post rules. `platform` is one of the policy's
    official channels ("facebook", "x", "class dojo"; the first when None), or "both"/"all" (then
    every finding is reported for each channel's own rule). `meaning=False` leaves out the meaning
    check (semantic.py), the one part that runs a model."""
    policy = policy or load_policy()
    rules = draft_rules(policy)
    pictured = [" ".join(p.split()) for p in pictured if p and p.strip()]
    keys = [c.key for c in rules.channels] or [""]
    platform = (platform or keys[0]).strip().lower()
    if platform in ALL_CHANNELS:
        results = [check_draft(text, key, consent, pictured=pictured, photos=photos, today=today, policy=policy,
                               meaning=meaning)
                   for key in keys]
        findings: list[Finding] = []
        for result in results:  # one list for every channel cites one rule: report it once
            findings += [f for f in result.findings if all((g.clause, g.excerpt, g.severity) != (f.clause, f.excerpt,
                                                                                                 f.severity)
                                                           for g in findings)]
        return CheckResult("+".join(keys), findings, results[0].empty, where=rules.names(keys))
    channel = rules.channel(platform)
    if channel is None and rules.channels:
        raise ValueError(f"unknown platform {platform!r}: choose {', '.join(keys)} or both")
    key = channel.key if channel else ""
    consent = consent if consent is not None else ConsentRegister([])
    text = (text or "")[:MAX_CHECK_CHARS]
    result = CheckResult(key, where=channel.name if channel else "the school's accounts")
    if not text.strip() and not pictured and not (photos or "").strip():
        result.empty = True
        return result
    ctx = Context(text, key, rules, consent, today or date.today(), pictured=tuple(pictured), photos=photos or "")
    check_accounts(ctx)
    check_messages(ctx)
    check_language(ctx)
    check_politics(ctx)
    check_adverts(ctx)
    check_endorsement(ctx)
    check_age(ctx)
    check_consent(ctx, pictured, photos)
    for check in (check_location, check_undress, check_no_media, check_personal_details, check_opinion,
                  check_complaints, check_altered_images, check_copyright, check_staff_images, check_live_stream,
                  check_channel_use, check_devices, check_new_account):
        check(ctx)
    if meaning and not any(f.severity == "block" for f in ctx.findings):
        check_meaning(ctx)  # only a draft that would otherwise go: a blocked one is already being fixed
    result.findings = ctx.findings
    return result
