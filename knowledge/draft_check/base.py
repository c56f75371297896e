"""What every part of the draft pre-check shares: the kinds of problem, a finding, the result, the
context one draft is checked in (which adds findings citing the policy's own rule), and a few word
lists more than one kind uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from knowledge.consent import ConsentRegister
from knowledge.draft_policy import KINDS, DraftRules, citation, quoted
from knowledge.policy import Clause

Severity = Literal["block", "warn"]
EXCERPT_RADIUS = 35


def words(*items: str) -> re.Pattern:
    # Whole words: not inside another word or a contraction ("don't"), but a quote mark may open or close them.
    return re.compile(r"(?<!\w)(?<!\w['’])(?:" + "|".join(items) + r")(?!\w)(?!['’]\w)", re.I)


@dataclass(frozen=True)
class Rule:
    """A kind of problem the checker looks for, and its plain title."""

    id: str
    title: str


RULES = {rule.id: rule for rule in (
    Rule("consent", "Names and photos of pupils without consent"),
    Rule("harmful_language", "Harmful, abusive or mocking comments"),
    Rule("message_to_person", "Messages to specific people"),
    Rule("political", "Political statements"),
    Rule("business_advert", "Advertisements for businesses"),
    Rule("personal_account", "Links to staff members' personal accounts"),
    Rule("age_appropriate", "Content that is not age appropriate"),
    Rule("location", "Where a pupil lives or will be"),
    Rule("undress", "Pupils in swimwear, getting changed or undressed"),
    Rule("no_media", "Pupils who must not appear in images"),
    Rule("personal_details", "One person's health, needs, behaviour, family or other personal details"),
    Rule("staff_opinion", "Personal opinions of staff"),
    Rule("complaints", "Complaints, grievances and disciplinary or legal matters"),
    Rule("ai_images", "AI-generated or digitally altered images of people"),
    Rule("staff_images", "Images of staff without their consent"),
    Rule("copyright", "Material the school does not hold the copyright for"),
    Rule("live_stream", "Public live streams"),
    Rule("channel_use", "What a channel is for, and who may appear on it"),
    Rule("devices", "Images taken on personal devices"),
    Rule("new_account", "Accounts set up without approval"),
    Rule("other", "Close to a rule of the policy"),
)}
assert tuple(RULES) == KINDS + ("other",)  # "other": the meaning check (semantic.py)


@dataclass(frozen=True)
class Finding:
    rule: str
    section: str
    clause: str
    severity: Severity
    message: str
    excerpt: str
    citation: str = ""  # "section 4" / "paragraph 5.7": for people; not in the JSON contract

    def to_json(self) -> dict:
        return {"rule": self.rule, "section": self.section, "clause": self.clause,
                "severity": self.severity, "message": self.message, "excerpt": self.excerpt}


@dataclass
class CheckResult:
    platform: str
    findings: list[Finding] = field(default_factory=list)
    empty: bool = False
    where: str = ""  # the channels as the policy names them ("Facebook and Instagram", "X")

    @property
    def ok(self) -> bool:
        return not any(f.severity == "block" for f in self.findings)

    @property
    def blocks(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "block"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warn"]

    def to_json(self) -> dict:
        data = {"ok": self.ok, "platform": self.platform, "findings": [f.to_json() for f in self.findings]}
        if self.empty:  # nothing to check is not a policy problem, but say so plainly
            data["message"] = self.summary()
        return data

    def summary(self) -> str:
        """The result in plain words, for the terminal and for chat."""
        where = self.where or " and ".join(p.capitalize() for p in self.platform.split("+"))
        if self.empty:
            return "There is no draft text to check. Type or paste the post you want to check."
        if not self.findings:
            return f"Ready for approval on {where}: the pre-check found nothing against the policy."
        lines = []
        if self.blocks:
            fix = "this" if len(self.blocks) == 1 else "these"
            lines.append(f"Not ready for {where}: {_things(len(self.blocks))} the policy says the school will "
                         f"not post. Fix {fix} before the draft can go for approval.")
        else:
            lines.append(f"Can go for approval on {where}, but please look at {_things(len(self.warnings))} first.")
        for finding in self.blocks + self.warnings:
            label = "MUST FIX" if finding.severity == "block" else "CHECK"
            # People read the policy's own number; the clause id stays in the JSON for machines.
            lines.append(f"- {label} (policy {finding.citation or 'section ' + finding.section}): {finding.message}")
            if finding.excerpt:
                lines.append(f'    "{finding.excerpt}"')
        return "\n".join(lines)


def _things(count: int) -> str:
    return f"{count} thing" if count == 1 else f"{count} things"


GROUP_WORDS = frozenset("""everyone everybody all families family parents parent carers carer friends year years
class classes team teams staff pupils children governors volunteers there you our the school reception
nursery ks1 ks2 key the this that these those new every whole a an and we us community""".split())
# Words of a school's name that say what it is, not which it is ("Leeds Gymnastics Academy" is not ours).
GENERIC_SCHOOL_WORDS = frozenset("primary academy school junior juniors infant infants high college church of england "
                                 "c e the and trust community catholic st".split())
HANDLE_RE = re.compile(r"(?<![\w.@/])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?)")
# A person's title: TITLE_RE for a word on its own, TITLE inside a pattern ("Mrs Dale", "Dr. Khan").
TITLE_WORDS = "mr|mrs|ms|miss|mx|dr|sir|dame|prof|rev|coach|captain|cllr|councillor"
TITLE_RE = re.compile(rf"(?:{TITLE_WORDS})\.?$", re.I)
TITLE = rf"(?i:{TITLE_WORDS})\.?"
# The reader spoken to: "you", "your", "you're".
SECOND_PERSON = re.compile(r"(?<![\w'’])(?i:you|your|yours|yourselves?|you['’]re|you['’]ll|you['’]ve|you['’]d)(?![\w'’])")
# The text itself says the post shows people ("here's the proof", "look at these smiles", "📸").
IMAGE_WORDS = re.compile(r"(?<![\w'])(?:photos?|pictures?|pics|snaps?|snapped|pictured|video|film(?:ed)?|footage|"
                         r"here'?s (?:the proof|a|our|what)|here (?:they|we) are|look at (?:these|this|our|those|them)|"
                         r"group shot|selfie)(?![\w'])|📸|🎥", re.I)
# "we don't share photos from poolside", "no photos, sorry": the text says there is no image.
NO_IMAGE_BEFORE = re.compile(r"(?<![\w'])(?:don'?t|do not|won'?t|will not|never|no|not|without|can'?t|cannot)"
                             r"(?:\s+\w+){0,2}\s+$", re.I)
STAFF_WORDS = re.compile(r"(?<![\w'])(?:TAs?|teachers?|teaching assistants?|staff|colleagues?|ECTs?|principal|"
                         r"head(?:teacher)?|deputy|SENCo|caretaker|lollipop|lunchtime supervisors?|business manager|"
                         r"office manager|governors?|coach(?:es)?|chef|cook)(?![\w'])", re.I)
# Words that follow a given name without being a surname ("Olivia Year", "Jack Class" never are).
NOT_SURNAMES = frozenset("""year class road street lane park school junior primary academy day fair club team cup
trophy hall centre center church museum zoo farm wood woods forest beach house award awards prize week month
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september
october november december and or the to of for in on at is was will has had our we with from by this that said who
christmas easter summer autumn spring winter term half""".split())


@dataclass
class Context:
    text: str
    channel: str
    rules: DraftRules
    consent: ConsentRegister
    today: date
    findings: list[Finding] = field(default_factory=list)
    pictured: tuple[str, ...] = ()   # people listed as pictured at submission
    photos: str = ""                 # the attached photos, as described

    @property
    def has_image(self) -> bool:
        """The post carries a photo or video of people (listed, attached, or the text says so)."""
        return bool(self.pictured or self.photos.strip() or any(
            not NO_IMAGE_BEFORE.search(self.text[max(0, m.start() - 30):m.start()]) for m in IMAGE_WORDS.finditer(self.text)))

    def add(self, kind: str, severity: Severity, message: str, excerpt: str, use: str = "",
            clause: Clause | None = None) -> None:
        """A finding for a kind of problem, citing the policy's own rule (`clause`, else the first of
        its kind on this channel) and quoting its words. With no rule of that kind on this channel: a
        catch-all rule may still forbid it (adult content or mockery bringing the school into
        disrepute); else it is for a person to look at (warn)."""
        clause = clause or self.rules.clause_for(self.channel, kind, use)
        if clause is None and kind in ("age_appropriate", "harmful_language", "message_to_person"):
            clause = self.rules.catch_all(self.channel)
            if clause is not None and kind == "message_to_person":
                severity = "warn"
        if clause is None and kind == "harmful_language":
            # Mockery and sarcasm are the writer's own view, not the school's: a rule against staff
            # opinions forbids them where the policy names no harmful or abusive content.
            clause = self.rules.clause_for(self.channel, "staff_opinion")
        if clause is None:
            clause = self.rules.lists.get(self.channel)
            severity = "warn"
            message += " The policy's will-not-post list does not name this, so a person should decide."
        if clause is not None and kind != "consent":
            message += f" See {quoted(clause)}."
        section, clause_id, cited = (clause.section, clause.id, citation(clause)) if clause else ("", "", "")
        finding = Finding(kind, section, clause_id, severity, message, excerpt, cited)
        if not any(f.rule == kind and f.excerpt == excerpt and f.severity == severity for f in self.findings):
            self.findings.append(finding)

    def has(self, kind: str, severity: str = "block") -> bool:
        return any(f.rule == kind and f.severity == severity for f in self.findings)

    def rules_of(self, kind: str) -> list[Clause]:
        return self.rules.rules.get(self.channel, {}).get(kind, [])


def school_words(rules: DraftRules) -> frozenset[str]:
    """The words of the school's name (the policy's title where it names no school), to tell its own
    page, team or name from another's."""
    school = rules.policy.meta.school or rules.policy.meta.title or ""
    return frozenset(w.casefold() for w in re.findall(r"[A-Za-z]+", school))


def excerpt_of(text: str, start: int, end: int, radius: int = EXCERPT_RADIUS) -> str:
    """The offending words with a little context either side, cut at word boundaries."""
    left = max(0, start - radius)
    right = min(len(text), end + radius)
    while left > 0 and not text[left - 1].isspace() and left > start - radius - 15:
        left -= 1
    while right < len(text) and not text[right].isspace() and right < end + radius + 15:
        right += 1
    snippet = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(text) else "")


def sentences(text: str) -> list[tuple[int, str]]:
    """(start, sentence) for each sentence of the text (split at . ! ? and line breaks)."""
    found, start = [], 0
    for match in re.finditer(r"[.!?\n]+", text):
        if text[start:match.start()].strip():
            found.append((start, text[start:match.start()]))
        start = match.end()
    if text[start:].strip():
        found.append((start, text[start:]))
    return found


def is_staff(name: str, text: str) -> bool:
    """A person the post shows to be staff: a title ("Mrs K Dale"), or their first name beside a
    staff word in the text ("Our TAs Maria and Dan")."""
    words = name.replace(".", " ").split()
    if not words:
        return False
    if TITLE_RE.match(words[0]):
        return True
    for match in re.finditer(rf"(?<![\w']){re.escape(words[0])}(?![\w'])", text):
        if STAFF_WORDS.search(sentence_at(text, match.start())) and not re.search(
                r"\b(?:year|class|pupils?|students?)\b", text[max(0, match.start() - 25):match.start()], re.I):
            return True
    return False


SENTENCE_END = re.compile(r"[.!?\n]")
# How far a sentence reaches either side of a point: checks call this for every match, so an
# unpunctuated wall of text must not cost its whole length each time (no post's sentence is longer).
SENTENCE_REACH = 500


# How far before or after a match the words read beside it reach ("Mr", "the", "Class"): a bounded
# look, not the whole text each time.
WORDS_REACH = 60


def words_before(text: str, index: int) -> list[str]:
    return text[max(0, index - WORDS_REACH):index].split()


def words_after(text: str, index: int) -> list[str]:
    return text[index:index + WORDS_REACH].split()


def sentence_at(text: str, index: int) -> str:
    window = max(0, index - SENTENCE_REACH)
    before = text[window:index]
    last_end = max(before.rfind(mark) for mark in ".!?\n")
    start = window + last_end + 1 if last_end >= 0 else window
    end_match = SENTENCE_END.search(text, index, index + SENTENCE_REACH)
    end = end_match.start() if end_match else min(len(text), index + SENTENCE_REACH)
    return text[start:end]

