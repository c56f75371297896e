"""The policy pre-check of a post draft (see check.py): one module per family of problems.

    accounts  personal accounts and messages to one person
    tone      harmful or mocking language (sneers: the shapes a sneer takes whatever its words)
    politics  political statements, campaigning, elections
    adverts   business adverts and endorsements
    age       content that is not age appropriate for a school's audience
    names     names and photos of pupils against the consent register
    privacy   where a child is, undress, one pupil's personal details, pupils the school must not show
    conduct   staff opinions, complaints, AI-altered images, copyright, staff images, live streams,
              a channel's own rules, images from personal devices and accounts opened without approval
    semantic  a draft close in meaning to a will-not-post rule no other check covers (a warn)
"""
from knowledge.draft_check.base import RULES, CheckResult, Finding, Rule, Severity, excerpt_of
from knowledge.draft_check.check import (ALL_CHANNELS, DEFAULT_POLICY_FILE, MAX_CHECK_CHARS, channels_of, check_draft,
                                         load_policy, rule_clause)

__all__ = ["ALL_CHANNELS", "DEFAULT_POLICY_FILE", "MAX_CHECK_CHARS", "RULES", "CheckResult", "Finding", "Rule",
           "Severity", "channels_of", "check_draft", "excerpt_of", "load_policy", "rule_clause"]
