"""The policy pre-check of a post draft for the school's Facebook or Instagram.

One finding per problem, each citing the policy clause it breaks, found in the clause index by the
rule's own words (so another school's policy file works without code changes). A *block* is
something the policy says the school will not post: the draft cannot go for approval until it is
fixed. A *warn* is something a person should look at (it may be fine); it does not stop the draft.

The `check-draft --json` contract (DESIGN.md):
    {"ok": bool, "platform": str, "findings": [{"rule", "section", "clause", "severity", "message",
     "excerpt"}]}     ok is false exactly when some finding blocks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal

from knowledge.consent import ConsentRegister
from knowledge.policy import Clause, Policy, terms_of

Severity = Literal["block", "warn"]
PLATFORMS = ("facebook", "instagram")
DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "policy" / "calmore-social-media-policy.txt"
MAX_CHECK_CHARS = 200_000  # longer drafts are checked on their first part; no post is this long
EXCERPT_RADIUS = 35


@dataclass(frozen=True)
class Rule:
    """A will-not-post rule: the words that find its clause, and a plain title."""

    id: str
    title: str
    clause_words: str
    section: str = "platform"  # "platform" = the platform's own section (2.1 Facebook, 2.2 Instagram)


RULES = {rule.id: rule for rule in (
    Rule("consent", "Names and photos of individuals without consent", "names photos individuals consent"),
    Rule("harmful_language", "Harmful or abusive comments", "harmful abusive comments"),
    Rule("message_to_person", "Messages to specific people", "messages specific people"),
    Rule("political", "Political statements", "political statements"),
    Rule("business_advert", "Advertisements for businesses not related to the school",
         "advertisements businesses unless directly related school"),
    Rule("personal_account", "Links to staff members' personal accounts", "links staff members personal accounts"),
    Rule("age_appropriate", "Content that is not age appropriate", "content age appropriate school community",
         section="moderation"),
)}


@dataclass(frozen=True)
class Finding:
    rule: str
    section: str
    clause: str
    severity: Severity
    message: str
    excerpt: str

    def to_json(self) -> dict:
        return {"rule": self.rule, "section": self.section, "clause": self.clause,
                "severity": self.severity, "message": self.message, "excerpt": self.excerpt}


@dataclass
class CheckResult:
    platform: str
    findings: list[Finding] = field(default_factory=list)
    empty: bool = False

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
        where = " and ".join(p.capitalize() for p in self.platform.split("+"))
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
            # People read the section; the clause id stays in the JSON for machines.
            lines.append(f"- {label} (policy section {finding.section}): {finding.message}")
            if finding.excerpt:
                lines.append(f'    "{finding.excerpt}"')
        return "\n".join(lines)


def _things(count: int) -> str:
    return f"{count} thing" if count == 1 else f"{count} things"


# --- clause look-up ---------------------------------------------------------------------------

@lru_cache(maxsize=8)
def load_policy(path: str = str(DEFAULT_POLICY_FILE)) -> Policy:
    return Policy.load(path)


def platform_section(policy: Policy, platform: str) -> str:
    for number, section in policy.sections.items():
        if section.heading.strip().casefold() == platform.casefold():
            return number
    return "2"


def moderation_section(policy: Policy) -> str:
    for number, section in policy.sections.items():
        if "moderation" in section.heading.casefold():
            return number
    return platform_section(policy, "facebook")


def clause_for(policy: Policy, section: str, words: str) -> Clause | None:
    """The clause of a section that shares most words with a rule (will-not clauses first)."""
    wanted = terms_of(words)
    best, best_score = None, 0.0
    for clause in policy.clauses:
        if clause.section != section:
            continue
        overlap = len(wanted & terms_of(clause.text))
        score = overlap + (0.5 if clause.modality in ("will_not", "must_not") else 0.0)
        if overlap and score > best_score:
            best, best_score = clause, score
    return best


@lru_cache(maxsize=32)
def _rule_clause(policy_id: int, platform: str, rule_id: str) -> tuple[str, str]:
    policy = _POLICIES[policy_id]
    rule = RULES[rule_id]
    section = moderation_section(policy) if rule.section == "moderation" else platform_section(policy, platform)
    clause = clause_for(policy, section, rule.clause_words)
    return section, (clause.id if clause else section)


_POLICIES: dict[int, Policy] = {}


def rule_clause(policy: Policy, platform: str, rule_id: str) -> tuple[str, str]:
    _POLICIES[id(policy)] = policy
    return _rule_clause(id(policy), platform, rule_id)


def official_handles(policy: Policy) -> frozenset[str]:
    return frozenset(handle.lstrip("@").casefold() for _, handle in policy.meta.accounts)


# --- word lists: what the school writes versus what the policy rules out --------------------------

def _words(*items: str) -> re.Pattern:
    return re.compile(r"(?<![\w'])(?:" + "|".join(items) + r")(?![\w'])", re.I)


ABUSIVE = _words(
    r"idiots?", r"stupid", r"morons?", r"dumb", r"losers?", r"pathetic", r"useless", r"disgusting",
    r"shut up", r"ugly", r"fat", r"scum", r"clueless", r"lazy parents?", r"rubbish parents?", r"bad parents?",
    r"(?:i|we) hate", r"hate (?:you|them|him|her)", r"disgrace(?:ful)?", r"shame on", r"name and shame",
    r"naming and shaming", r"appalling", r"(?:can't|cannot) be bothered", r"selfish", r"bully(?:ing)? parents?",
    r"f+u+c+k\w*", r"sh[i1]t\w*", r"crap", r"bloody", r"damn", r"bastards?", r"bitch\w*", r"arse\w*", r"piss\w*",
    r"wtf", r"stfu", r"twats?", r"wankers?", r"dickheads?",
)
POLITICAL = _words(
    r"labour party", r"vote labour", r"conservatives?", r"conservative party", r"tor(?:y|ies)", r"lib ?dems?",
    r"liberal democrats?", r"reform uk", r"green party", r"snp", r"plaid cymru", r"brexit", r"referendum",
    r"vote (?:for|against)", r"voting (?:for|against)", r"sign (?:the|our) petition", r"join the (?:protest|march)",
    r"march against", r"support the strike", r"strike action", r"prime minister", r"the government(?:'s)?",
    r"ministers?", r"austerity", r"funding cuts?", r"cuts to (?:school|education) funding", r"mps?", r"council tax",
)
# Political words that are only a problem with an opinion beside them ("our MP visited" is news).
NEEDS_OPINION = re.compile(r"^(?:the government(?:'s)?|ministers?|prime minister|mps?|council tax)$", re.I)
OPINION = _words(
    r"should", r"must", r"shameful", r"disgrace\w*", r"wrong", r"failing", r"failed", r"scrap", r"cuts?",
    r"under-?fund\w*", r"unfair", r"betray\w*", r"incompetent", r"write to", r"oppose", r"support", r"blame",
    r"crisis", r"let down", r"resign",
)
SCHOOL_VOTING = _words(r"school council", r"eco council", r"house captains?", r"sports captains?",
                       r"class reps?", r"pupil parliament", r"school parliament", r"head (?:boy|girl)",
                       r"pupil voice", r"favourite", r"book of the (?:week|month)", r"mock election")
ELECTION_FACT = _words(r"general election", r"local elections?", r"polling station", r"polling day", r"by-election")

COMMERCIAL = _words(
    r"\d+ ?% off", r"£\d+ off", r"discount(?: code)?", r"promo(?:tion)? code", r"use code", r"special offers?",
    r"buy now", r"shop now", r"order now", r"order (?:yours|online) (?:now|today)", r"limited offer", r"sale ends",
    r"free delivery", r"visit our (?:shop|store|showroom|salon|website|restaurant|cafe|café)",
    r"our (?:shop|store|salon|restaurant|showroom|new menu)", r"mention this post", r"opening hours", r"open 7 days",
    r"call us on", r"grand opening", r"best prices?", r"book (?:your table|a table|an appointment)",
    r"(?:ltd|limited|plc)", r"estate agents?", r"mortgages?", r"quote \w+ for", r"sponsored post",
    r"new customers?", r"half price", r"bargains?", r"\bbogof\b", r"buy one get one",
)
SCHOOL_RELATED = _words(
    r"pta", r"friends of \w+", r"uniform (?:supplier|shop|provider)", r"school uniform", r"school photographer",
    r"school photos?", r"class photos?", r"school meals?", r"school caterers?", r"breakfast club",
    r"after[- ]school club", r"book fair", r"school trip", r"sponsored (?:walk|run|read|silence|swim|bounce)",
)
SPONSOR = _words(r"sponsored by", r"kindly donated by", r"thanks to our sponsors?", r"in partnership with")
NOT_AGE_APPROPRIATE = _words(
    r"sexy", r"sex", r"porn\w*", r"nude", r"naked", r"drugs?", r"cocaine", r"cannabis", r"weed", r"gambling",
    r"casino", r"betting", r"bet365", r"gore", r"gory", r"18\+", r"over[- ]18s only", r"adults only",
    r"r-rated", r"drunk", r"hangover", r"wasted", r"vodka shots?", r"strip", r"murder\w*", r"kill(?:ing|ed)?",
)
ALCOHOL = _words(r"beer", r"wine", r"prosecco", r"gin", r"cocktails?", r"bar", r"pub", r"booze", r"alcohol\w*",
                 r"fizz", r"pints?", r"lager", r"cider", r"champagne")

# The lead words are matched in any case; the name must start with a capital letter.
GREETING_TO = re.compile(
    r"(?:^|(?<=[\n.!?])\s*)(?P<lead>(?i:dear|hi|hello|hey|hiya|morning|good morning|to))\s+"
    r"(?P<who>(?:(?i:mr|mrs|ms|miss|mx|dr)\.?\s+)?[A-Z][\w'-]+)")
PERSONAL_OCCASION = re.compile(
    r"(?P<lead>(?i:happy\s+(?:\d+\w*\s+)?birthday|get well soon|happy retirement|happy anniversary|we miss you|"
    r"love you|thinking of you|good luck|welcome back|congratulations|well done|thank you|thanks))"
    r"[,!]?\s+(?:(?i:to)\s+)?(?P<who>(?:(?i:mr|mrs|ms|miss|mx|dr)\.?\s+)?[A-Z][\w'-]+)")
ALWAYS_A_MESSAGE = re.compile(r"^(?:happy\s+(?:\d+\w*\s+)?birthday|get well soon|happy retirement|happy anniversary|"
                              r"we miss you|love you|thinking of you)", re.I)
DIRECT_ADDRESS = re.compile(r"(?:^|(?<=[\n.!?])\s*)(?P<who>[A-Z][a-z]+),\s+(?:you|we (?:love|miss)|your)\b")
GROUP_WORDS = frozenset("""everyone everybody all families family parents parent carers carer friends year years
class classes team teams staff pupils children governors volunteers there you our the calmore school reception
nursery ks1 ks2 key the this that these those new every whole a an and we us community""".split())
HANDLE_RE = re.compile(r"(?<![\w.@/])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?)")
PROFILE_URL_RE = re.compile(
    r"(?:https?://)?(?:www\.|m\.)?(?P<site>facebook\.com|fb\.com|instagram\.com|tiktok\.com|twitter\.com|x\.com|"
    r"linkedin\.com/in|youtube\.com|threads\.net|snapchat\.com/add)/(?P<account>@?[\w.\-]+)", re.I)

TITLE_RE = re.compile(r"(?:mr|mrs|ms|miss|mx|dr|sir|dame|prof|rev|coach|captain|cllr|councillor)\.?$", re.I)
# Words that follow a given name without being a surname ("Olivia Year", "Jack Class" never are).
NOT_SURNAMES = frozenset("""year class road street lane park school junior primary academy day fair club team cup
trophy hall centre center church museum zoo farm wood woods forest beach house award awards prize week month
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september
october november december and or the to of for in on at is was will has had our we with from by this that said who
christmas easter summer autumn spring winter term half""".split())
# Well-known names that appear in school posts without being pupils (book days, visitors, history).
PUBLIC_NAMES = _words(
    r"harry potter", r"peter pan", r"peter rabbit", r"roald dahl", r"julia donaldson", r"david walliams",
    r"jacqueline wilson", r"michael morpurgo", r"father christmas", r"king charles", r"queen elizabeth",
    r"captain tom", r"charlie bucket", r"alice in wonderland", r"florence nightingale", r"mary seacole",
    r"isambard kingdom brunel", r"charles darwin", r"william shakespeare", r"anne frank", r"rosa parks",
    r"martin luther king", r"neil armstrong", r"tim peake", r"greta thunberg", r"david attenborough",
)
# Common given names, to spot a person's full name that is not on the register. Words that are
# also ordinary English (May, Will, Grace, Hope, Holly …) are left out on purpose.
GIVEN_NAMES = frozenset("""oliver george arthur noah muhammad leo harry oscar archie henry theodore theo jack charlie
freddie alfie thomas tommy jacob joshua james william isaac lucas edward ethan finley finn max mason logan
alexander daniel samuel sam joseph adam dylan riley ryan harrison sebastian elijah reuben louis toby jude
ronnie albert hugo frankie teddy rory callum kai zachary aaron liam nathan tyler jayden kian ali omar yusuf
ibrahim david michael matthew luke benjamin ben connor jamie kieran lewis owen elliot elliott
olivia amelia isla ava ivy lily freya florence mia willow rosie sophia sophie isabella isabelle evie ella
sienna emily elsie luna millie harper aurora matilda phoebe olive alice maya maisie esme eva ruby chloe
charlotte emma hannah jessica lucy amber imogen niamh zara aisha fatima maryam layla leah jasmine katie
megan bethany georgia abigail scarlett eleanor ellie harriet martha nancy beatrice orla erin ellis iris
sarah laura rebecca rachel claire helen karen susan julie lisa nicola kelly amy gemma jennifer natalie
victoria caroline louise paul peter john andrew richard robert stephen simon mark christopher chris
""".split())
COMMON_WORD_NAMES = frozenset({"may", "will", "grace", "hope", "joy", "faith", "summer", "holly", "daisy", "rose",
                               "poppy", "autumn", "sky", "bill", "art", "pat", "mark", "sunny", "storm"})


@dataclass
class _Context:
    text: str
    platform: str
    policy: Policy
    consent: ConsentRegister
    today: date
    findings: list[Finding] = field(default_factory=list)

    def add(self, rule_id: str, severity: Severity, message: str, excerpt: str) -> None:
        section, clause = rule_clause(self.policy, self.platform, rule_id)
        finding = Finding(rule_id, section, clause, severity, message, excerpt)
        if not any(f.rule == rule_id and f.excerpt == excerpt and f.severity == severity for f in self.findings):
            self.findings.append(finding)


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


def _sentence_at(text: str, index: int) -> str:
    starts = [m.end() for m in re.finditer(r"[.!?\n]", text[:index])]
    start = starts[-1] if starts else 0
    end_match = re.search(r"[.!?\n]", text[index:])
    end = index + end_match.start() if end_match else len(text)
    return text[start:end]


# --- the rules ------------------------------------------------------------------------------------

def _check_accounts(ctx: _Context) -> None:
    official = official_handles(ctx.policy)
    official_text = ", ".join(f"@{h}" for h in sorted(official)) or "the school's official account"
    for match in HANDLE_RE.finditer(ctx.text):
        handle = match.group("handle").rstrip(".")
        if handle.casefold() in official:
            continue
        ctx.add("personal_account", "block",
                f"@{handle} is not one of the school's official accounts ({official_text}). The school does not "
                "link to or tag staff members' personal accounts; remove the handle.",
                excerpt_of(ctx.text, match.start(), match.end()))
        if not ctx.text[:match.start()].strip():
            ctx.add("message_to_person", "block",
                    f"The post opens by addressing @{handle}: the school does not post messages to specific "
                    "people. Write it as news for the whole school community instead.",
                    excerpt_of(ctx.text, match.start(), match.end()))
    for match in PROFILE_URL_RE.finditer(ctx.text):
        account = match.group("account").lstrip("@").rstrip(".")
        if account.casefold() in official:
            continue
        ctx.add("personal_account", "block",
                f"This links to a {match.group('site').split('.')[0].capitalize()} profile ({account}) that is not "
                f"the school's official account ({official_text}). Links to staff members' personal accounts "
                "are not allowed; remove the link.", excerpt_of(ctx.text, match.start(), match.end()))


def _addressee_is_a_person(who: str) -> bool:
    words = who.replace(".", " ").split()
    if not words:
        return False
    if TITLE_RE.match(words[0]):
        return True
    return words[0].casefold() not in GROUP_WORDS and words[0].casefold() not in NOT_SURNAMES


def _check_messages(ctx: _Context) -> None:
    for match in GREETING_TO.finditer(ctx.text):
        lead = match.group("lead").lower()
        who = match.group("who")
        if lead == "to" or not _addressee_is_a_person(who):
            continue  # "Dear Parents and Carers" speaks to everyone; "To celebrate" is not a greeting
        ctx.add("message_to_person", "block",
                f"'{match.group(0).strip()}' addresses one person. The school's accounts do not post messages to "
                "specific people; contact them directly, or write the post as news for everyone.",
                excerpt_of(ctx.text, match.start(), match.end()))
    for match in PERSONAL_OCCASION.finditer(ctx.text):
        who = match.group("who")
        if not _addressee_is_a_person(who):
            continue
        lead = match.group("lead")
        direct = bool(ALWAYS_A_MESSAGE.match(lead)) or not re.search(r"\bto\s*$", ctx.text[match.start():match.start("who")])
        if not direct:
            continue  # "Thank you to Mrs Nowak for organising…" reports news; it is not a message to her
        if ALWAYS_A_MESSAGE.match(lead):
            ctx.add("message_to_person", "block",
                    f"'{match.group(0).strip()}' is a personal message to one person. The school does not post "
                    "messages to specific people; send it to them directly instead.",
                    excerpt_of(ctx.text, match.start(), match.end()))
        elif lead.lower() in ("thank you", "thanks"):
            ctx.add("message_to_person", "warn",
                    f"'{match.group(0).strip()}' speaks to one person directly. If it is news (an achievement, a "
                    "thank-you for something the school did), write it about them, e.g. 'thank you to …'.",
                    excerpt_of(ctx.text, match.start(), match.end()))
    for match in DIRECT_ADDRESS.finditer(ctx.text):
        if match.group("who").casefold() in GROUP_WORDS:
            continue
        ctx.add("message_to_person", "block",
                f"The post speaks directly to {match.group('who')}. The school does not post messages to specific "
                "people.", excerpt_of(ctx.text, match.start(), match.end()))


def _check_language(ctx: _Context) -> None:
    for match in ABUSIVE.finditer(ctx.text):
        ctx.add("harmful_language", "block",
                f"'{match.group(0)}' is harmful, abusive or rude. The school never posts comments like this; "
                "keep the post kind and factual.", excerpt_of(ctx.text, match.start(), match.end()))


def _check_politics(ctx: _Context) -> None:
    for match in POLITICAL.finditer(ctx.text):
        sentence = _sentence_at(ctx.text, match.start())
        if re.match(r"vot(?:e|ing) (?:for|against)", match.group(0), re.I) and SCHOOL_VOTING.search(sentence):
            continue  # pupils voting for their school council is school life, not politics
        if NEEDS_OPINION.match(match.group(0)) and not OPINION.search(sentence):
            continue
        ctx.add("political", "block",
                f"'{match.group(0)}' makes this a political statement. The school's accounts stay out of politics: "
                "no parties, campaigns, votes or views on government policy.",
                excerpt_of(ctx.text, match.start(), match.end()))
    if not any(f.rule == "political" for f in ctx.findings):
        match = ELECTION_FACT.search(ctx.text)
        if match:
            ctx.add("political", "warn",
                    "This mentions an election. Practical facts (the school is a polling station and will be "
                    "closed) are fine; make sure there is no view on any party or candidate.",
                    excerpt_of(ctx.text, match.start(), match.end()))


def _check_adverts(ctx: _Context) -> None:
    related = SCHOOL_RELATED.search(ctx.text)
    for match in COMMERCIAL.finditer(ctx.text):
        excerpt = excerpt_of(ctx.text, match.start(), match.end())
        if related:
            ctx.add("business_advert", "warn",
                    f"This reads like an advert ('{match.group(0)}'), but it seems to be for something directly "
                    f"related to the school ('{related.group(0)}'). That is allowed; check the business really is "
                    "the school's own supplier or the PTA before posting.", excerpt)
        else:
            ctx.add("business_advert", "block",
                    f"'{match.group(0)}' makes this an advert for a business. The school only posts adverts for "
                    "businesses directly related to the school (such as the PTA, the uniform supplier or the "
                    "school photographer).", excerpt)
    if not any(f.rule == "business_advert" for f in ctx.findings):
        match = SPONSOR.search(ctx.text)
        if match:
            ctx.add("business_advert", "warn",
                    "This names a sponsor. A short thank-you is fine; do not include offers, prices or "
                    "contact details that turn it into an advert.", excerpt_of(ctx.text, match.start(), match.end()))


def _check_age(ctx: _Context) -> None:
    for match in NOT_AGE_APPROPRIATE.finditer(ctx.text):
        ctx.add("age_appropriate", "block",
                f"'{match.group(0)}' is not age appropriate for a junior school's community (pupils follow these "
                "accounts too).", excerpt_of(ctx.text, match.start(), match.end()))
    if not any(f.rule == "age_appropriate" for f in ctx.findings):
        match = ALCOHOL.search(ctx.text)
        if match:
            ctx.add("age_appropriate", "warn",
                    f"This mentions alcohol ('{match.group(0)}'). Keep it low-key (e.g. a raffle prize at an adult "
                    "event) and make sure the post is age appropriate for pupils.",
                    excerpt_of(ctx.text, match.start(), match.end()))


def _consent_finding(ctx: _Context, name: str, use: str, excerpt: str) -> None:
    status = ctx.consent.status(name, use, ctx.today)
    if status.allowed:
        return
    where = {"photo": "pictured", "name": "named"}.get(use, "named and pictured")
    ctx.add("consent", "block",
            f"{status.reason}. A pupil can only be {where} with a Multimedia Consent Form signed by their "
            "parent or carer in the last five years. Remove them from the post, or check the register.",
            excerpt)


def _names_in_text(ctx: _Context) -> list[tuple[str, int, int]]:
    """(name as written, start, end) for pupils named in the text: register names first, then other
    full names that look like a person's (a common given name and a surname)."""
    text = ctx.text
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, int, int]] = []
    public = [(m.start(), m.end()) for m in PUBLIC_NAMES.finditer(text)]

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken + public)

    def after_title(start: int) -> bool:
        before = text[:start].split()
        return bool(before) and bool(TITLE_RE.match(before[-1]))

    for full in sorted(ctx.consent.full_names(), key=len, reverse=True):
        for match in re.finditer(r"(?<![\w'])" + re.escape(full) + r"(?![\w])", text, re.I):
            if free(match.start(), match.end()):
                taken.append((match.start(), match.end()))
                found.append((match.group(0), match.start(), match.end()))
    name_word = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
    for match in re.finditer(rf"(?<![\w'])({name_word})\s+({name_word})(?![\w])", text):
        given, surname = match.group(1), match.group(2)
        if given.casefold() not in GIVEN_NAMES and given not in ctx.consent.first_names():
            continue
        if surname.casefold() in NOT_SURNAMES or surname.casefold() in GIVEN_NAMES | GROUP_WORDS:
            continue
        if after_title(match.start()) or not free(match.start(), match.end()):
            continue
        taken.append((match.start(), match.end()))
        found.append((match.group(0), match.start(), match.end()))
    first_names = {n.casefold() for n in ctx.consent.first_names()} - COMMON_WORD_NAMES
    for match in re.finditer(rf"(?<![\w'])({name_word})(?![\w])", text):
        word = match.group(1)
        if word.casefold() not in first_names or after_title(match.start()):
            continue
        if not free(match.start(), match.end()):
            continue
        taken.append((match.start(), match.end()))
        found.append((word, match.start(), match.end()))
    return found


def _pupil_key(ctx: _Context, name: str, use: str) -> object | None:
    """Who a refused name is (the register's record, else the name itself); None when allowed."""
    status = ctx.consent.status(name, use, ctx.today)
    if status.allowed:
        return None
    return status.record if status.record is not None else " ".join(name.split()).casefold()


def _check_consent(ctx: _Context, pictured: Iterable[str], photos: str) -> None:
    pictured = [" ".join(p.split()) for p in pictured if p and p.strip()]
    if photos:
        described = _Context(photos, ctx.platform, ctx.policy, ctx.consent, ctx.today)
        pictured += [name for name, _, _ in _names_in_text(described)]
    refused_photos: dict[object, str] = {}
    for name in pictured:
        if name.casefold() in ("none", "no one", "nobody", "n/a"):
            continue
        key = _pupil_key(ctx, name, "photo")
        if key is not None:
            refused_photos.setdefault(key, name)
    # A pupil both named and pictured is one finding (quoting the draft), not two.
    merged = set()
    for name, start, end in _names_in_text(ctx):
        key = _pupil_key(ctx, name, "name")
        both = key is not None and key in refused_photos
        _consent_finding(ctx, name, "name+photo" if both else "name", excerpt_of(ctx.text, start, end))
        if both:
            merged.add(key)
    for key, name in refused_photos.items():
        if key not in merged:
            _consent_finding(ctx, name, "photo", f"pictured: {name}")
    if photos and photos.strip() and not pictured:
        ctx.add("consent", "warn",
                "Photos are attached but no pupils are listed as pictured. Every pupil who can be recognised "
                "needs a valid Multimedia Consent Form; list them so the register can be checked.",
                excerpt_of(photos, 0, min(len(photos), 60)))


def check_draft(text: str, platform: str = "facebook", consent: ConsentRegister | None = None, *,
                pictured: Iterable[str] = (), photos: str = "", today: date | None = None,
                policy: Policy | None = None) -> CheckResult:
    """Check one draft against the will-not-post rules. `platform` is "facebook", "instagram" or
    "both" (then every finding is reported for each platform's own clause)."""
    platform = (platform or "facebook").strip().lower()
    if platform == "both":
        results = [check_draft(text, p, consent, pictured=pictured, photos=photos, today=today, policy=policy)
                   for p in PLATFORMS]
        merged = CheckResult("facebook+instagram", [f for r in results for f in r.findings], results[0].empty)
        return merged
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}: choose facebook, instagram or both")
    policy = policy or load_policy()
    consent = consent if consent is not None else ConsentRegister([])
    text = (text or "")[:MAX_CHECK_CHARS]
    result = CheckResult(platform)
    if not text.strip() and not list(pictured) and not photos.strip():
        result.empty = True
        return result
    ctx = _Context(text, platform, policy, consent, today or date.today())
    _check_accounts(ctx)
    _check_messages(ctx)
    _check_language(ctx)
    _check_politics(ctx)
    _check_adverts(ctx)
    _check_age(ctx)
    _check_consent(ctx, pictured, photos)
    result.findings = ctx.findings
    return result
