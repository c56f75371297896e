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

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal

from knowledge.consent import ConsentRegister
from knowledge.draft_policy import KINDS, DraftRules, citation, draft_rules, quoted
from knowledge.person_names import is_common_word, is_given_name
from knowledge.policy import Policy

Severity = Literal["block", "warn"]
# The policy text shipped in policy/ (the configured school's own is passed in by app.py and handlers).
DEFAULT_POLICY_FILE = min((Path(__file__).resolve().parent.parent / "policy").glob("*.txt"))
SOCIAL_SITES_FILE = Path(__file__).resolve().parent / "social_sites.txt"
MAX_CHECK_CHARS = 200_000  # longer drafts are checked on their first part; no post is this long
EXCERPT_RADIUS = 35
ALL_CHANNELS = ("both", "all")


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
)}
assert tuple(RULES) == KINDS


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


@lru_cache(maxsize=1)
def _social_sites() -> tuple[str, ...]:
    lines = SOCIAL_SITES_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def profile_url_re() -> re.Pattern:
    sites = "|".join(re.escape(site) for site in _social_sites())
    return re.compile(rf"(?:https?://)?(?:www\.|m\.)?(?P<site>{sites})/(?P<account>@?[\w.\-]+)", re.I)


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
    r"march against", r"support the strike", r"prime minister", r"the government(?:'s)?",
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
ALCOHOL = _words(r"tequila", r"vodka", r"rum", r"whisky", r"spirits", r"ales?", r"🍻", r"🍺", r"🍷", r"🍸", r"🥂",
                 r"beer", r"wine", r"prosecco", r"gin", r"cocktails?", r"bar", r"pub", r"booze", r"alcohol\w*",
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
class classes team teams staff pupils children governors volunteers there you our the school reception
nursery ks1 ks2 key the this that these those new every whole a an and we us community""".split())
HANDLE_RE = re.compile(r"(?<![\w.@/])@(?P<handle>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?)")
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

# Mockery and sarcasm: a group of people or another school held up to ridicule. Strong cues block on
# their own; weak ones (an eye-roll, a laughing face, "apparently") block only two together.
MOCKERY_STRONG = _words(
    r"sorry not sorry", r"you know who you are", r"(?:it's |it is )?(?:really )?not that hard", r"you're going to need it",
    r"better luck next (?:year|time)", r"should stick to \w+", r"no surprises? there", r"the better school",
    r"easiest win", r"can'?t (?:even )?read", r"(?:some|a few) (?:of you|parents|families) (?:clearly|obviously)",
    r"for the (?:third|fourth|fifth|hundredth|umpteenth|last) time", r"whenever suits", r"thanks for nothing",
    r"what a joke", r"told you so", r"pathetic", r"hopeless",
)
MOCKERY_WEAK = re.compile(
    r"🙄|😒|😂|🤣|😏|😤|(?<![\w'])(?i:apparently|clearly|obviously|seriously|honestly|some people|again)(?![\w'])|"
    r"(?:^|[.!?]\s+)(?i:really)[.!?]|(?<![\w'])(?:just )?(?:LOVE|ADORE)(?![\w'])|, people[.!?]|"
    r"(?<![\w'])(?i:(?:some|certain|a few) (?:of you|parents|families|people|mums|dads))(?![\w'])|"
    r"(?<![\w'])(?i:shout ?out to the \w+ who)(?![\w'])")
# A weak cue on its own that is still worth a look.
LONE_SARCASM = re.compile(r"🙄|😒|😏|apparently|some people", re.I)
# Politics: parties and campaigning. A party named with a view or a call to vote blocks; named alone, warns.
PARTIES = re.compile(r"(?<![\w'])(?:Labour|Conservatives?|Tor(?:y|ies)|Lib ?Dems?|Liberal Democrats?|Reform UK|"
                     r"Green Party|Greens|SNP|Plaid Cymru|UKIP)(?![\w'])")
CAMPAIGNING = _words(r"don'?t forget to vote", r"remember (?:that|this) (?:when you|at the) (?:go to the )?(?:ballot box|polls?|vote)",
                     r"ballot box", r"polling day", r"vote (?:on|in) (?:\d|the|thursday|may)", r"back the campaign",
                     r"candidates?", r"manifesto", r"(?:only|most) sensible", r"leader our community needs",
                     r"agreed with us", r"stand (?:100% )?with", r"solidarity")
GOVERNMENT = _words(r"(?:this|the) government(?:'s)?", r"ministers?", r"prime minister", r"mps?", r"council tax",
                    r"the council")
BLAME = _words(r"doesn'?t care", r"don'?t care", r"clearly", r"disgraceful", r"shame(?:ful)? on", r"against",
               r"real-terms cuts?", r"cuts?", r"failing", r"failed", r"let down", r"betray\w*", r"unfair",
               r"under-?fund\w*", r"blame", r"scrap", r"incompetent", r"should", r"must", r"resign", r"crisis")
STRIKE = _words(r"strikes?", r"strike action", r"industrial action", r"walk-?outs?")
# Advertising: a business (a brand, a named firm, a parent's own business) with a call to buy.
PROMOTION = _words(
    r"opens?", r"opening", r"now open", r"just opened", r"launch(?:ed|es|ing)?", r"pop in", r"pop along",
    r"out now", r"go and try", r"try (?:it|them|their)", r"offers?", r"offering", r"\d+ ?% off", r"discount\w*",
    r"code [A-Z0-9]{3,}", r"use code", r"book now", r"book (?:your|a) (?:table|appointment|session|place) with",
    r"orders? (?:in|now)", r"get your [\w ]{0,30}orders?", r"free (?:valuation|trial|pint|consultation|taster|quote)",
    r"memberships?", r"call (?:them|us) on", r"mention (?:the school|this post|our school)", r"visit (?:them|their)",
    r"follow them", r"check (?:them|their \w+) out", r"their new \w+", r"new (?:festive |summer |winter )?menu",
    r"special offers?", r"(?:the )?best [\w ]{0,20}in town", r"highly recommend", r"sale",
)
BUSINESS_NOUN = _words(
    r"bakery", r"tuition", r"tutors?", r"tutoring", r"estate agents?", r"brewery", r"gym", r"caf[eé]", r"salon",
    r"barbers?", r"ltd", r"limited", r"restaurant", r"takeaway", r"pizzeria", r"garage", r"motors", r"fitness",
    r"studio", r"boutique", r"store", r"shop", r"business", r"firm", r"company", r"brand", r"franchise",
    r"plumbing", r"builders?", r"solicitors?", r"dentists?", r"opticians?", r"nursery", r"kitchen", r"deli",
)
# A trading name written as one capitalised word with a capital inside (BrightMinds, FitZone, McDonald's).
BRAND_WORD = re.compile(r"(?<![\w@/.])(?:[A-Z][a-z]+[A-Z][\w]*|Mc[A-Z][\w']*)(?![\w])")
SCHOOL_OWNED = _words(r"pta", r"friends of (?:the )?school", r"school uniform", r"uniform shop", r"school office",
                      r"school shop", r"book fair", r"school photographer", r"school meals?", r"school fundrais\w*",
                      r"school (?:fair|disco|production)", r"charity", r"appeal", r"food bank")
# Adult content: drinking for its own sake, and events for adults only.
HEAVY_DRINKING = _words(r"shots?", r"tequila", r"sore head", r"hangover", r"hungover", r"bottomless", r"drunk",
                        r"wasted", r"tipsy", r"get (?:merry|smashed|hammered|wasted)", r"stays at the \w+ (?:party|do)",
                        r"what happens at", r"all round", r"boozy")
# A post that says outright that photos include pupils without consent.
MISSING_CONSENT = re.compile(
    r"\b(?:consent|permission)\b[^.!?\n]{0,40}\b(?:forms?|slips?)\b[^.!?\n]{0,40}\b(?:haven'?t|have not|not (?:yet )?"
    r"(?:been )?(?:returned|back|in)|still|missing|outstanding|yet to|waiting)\b|"
    r"\b(?:still )?waiting (?:on|for) [^.!?\n]{0,30}\b(?:consent|permission)\b[^.!?\n]{0,20}\b(?:forms?|slips?)\b|"
    r"\bwithout (?:photo |their )?(?:consent|permission)\b", re.I)
PHOTOS_SHARED = _words(r"photos?", r"pictures", r"album", r"images?", r"video", r"in pictures", r"snaps?", r"📸")
# Context that says a named person is a pupil (so a name off the register must block, not just warn).
PUPIL_CONTEXT = re.compile(r"\b(?:in|from|of)\s+(?:year|class|reception|y)\s*\d|\(\s*(?:year|y)\s*\d|\bpupils?\b|"
                           r"\bour\b|\bwelcome\b|\bjoin(?:ed|s|ing)?\b|\bcongratulations\b|\bwell done\b|"
                           r"\bstar of the\b|\bproud\b|\bwinners?\b|\bwon\b|\baward(?:ed)?\b|\bcertificate\b", re.I)
# Further ways of speaking to one person rather than to the school community.
ONE_PERSON = re.compile(
    r"(?i:\b(?:could|would|can|will)\s+the\s+(?:parent|carer|person|driver|mum|dad|owner|family|lady|gentleman|"
    r"man|woman|grandparent|guardian)\s+(?:who|of|with|that)\b)|"
    r"(?:^|(?<=[\n.!?]))\s*(?i:to the (?:parent|carer|driver|person|owner|family|\w+ who)\b)|"
    r"(?i:\byou know who you are\b)")
TITLED_ADDRESS = re.compile(r"(?:^|(?<=[\n.!?]))\s*(?P<who>(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][\w'-]+)\s*[-–—:,]\s")


@dataclass
class _Context:
    text: str
    channel: str
    rules: DraftRules
    consent: ConsentRegister
    today: date
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: str, severity: Severity, message: str, excerpt: str, use: str = "") -> None:
        """A finding for a kind of problem, citing the policy's own rule and quoting its words. With
        no rule of that kind on this channel: a catch-all rule may still forbid it (adult content or
        mockery bringing the school into disrepute); else it is for a person to look at (warn)."""
        clause = self.rules.clause_for(self.channel, kind, use)
        if clause is None and kind in ("age_appropriate", "harmful_language", "message_to_person"):
            clause = self.rules.catch_all(self.channel)
            if clause is not None and kind == "message_to_person":
                severity = "warn"
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
    official = ctx.rules.handles
    official_text = ", ".join(f"@{h}" for h in sorted(official)) or "the school's official accounts"
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
    for match in profile_url_re().finditer(ctx.text):
        account = match.group("account").lstrip("@").rstrip(".")
        if account.casefold() in official:
            continue
        ctx.add("personal_account", "block",
                f"This links to a profile on {match.group('site')} ({account}) that is not the school's official "
                f"account ({official_text}). Links to staff members' personal accounts are not allowed; remove the "
                "link.", excerpt_of(ctx.text, match.start(), match.end()))


def _addressee_is_a_person(who: str, school_words: frozenset[str]) -> bool:
    words = who.replace(".", " ").split()
    if not words:
        return False
    if TITLE_RE.match(words[0]):
        return True
    first = words[0].casefold()
    return first not in GROUP_WORDS and first not in NOT_SURNAMES and first not in school_words


def _school_words(rules: DraftRules) -> frozenset[str]:
    school = rules.policy.meta.school or rules.policy.meta.title or ""
    return frozenset(w.casefold() for w in re.findall(r"[A-Za-z]+", school))


def _check_messages(ctx: _Context) -> None:
    school_words = _school_words(ctx.rules)
    for match in GREETING_TO.finditer(ctx.text):
        lead = match.group("lead").lower()
        who = match.group("who")
        if lead == "to" or not _addressee_is_a_person(who, school_words):
            continue  # "Dear Parents and Carers" speaks to everyone; "To celebrate" is not a greeting
        ctx.add("message_to_person", "block",
                f"'{match.group(0).strip()}' addresses one person. The school's accounts do not post messages to "
                "specific people; contact them directly, or write the post as news for everyone.",
                excerpt_of(ctx.text, match.start(), match.end()))
    for match in PERSONAL_OCCASION.finditer(ctx.text):
        who = match.group("who")
        if not _addressee_is_a_person(who, school_words):
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
    # "Happy birthday to our lovely lollipop lady Jean!": a personal occasion with a person named in it.
    for match in re.finditer(r"(?i:happy\s+(?:\d+\w*\s+)?birthday|get well soon|happy retirement|happy anniversary)",
                             ctx.text):
        sentence = _sentence_at(ctx.text, match.start())
        names = [w for w in re.findall(r"[A-Z][\w'-]+", sentence) if is_given_name(w) or TITLE_RE.match(w)]
        if names:
            ctx.add("message_to_person", "block",
                    f"'{match.group(0)}' to {names[-1]} is a personal message to one person. The school does not "
                    "post messages to specific people; send it to them directly instead.",
                    excerpt_of(ctx.text, match.start(), match.end()))
    for match in DIRECT_ADDRESS.finditer(ctx.text):
        if match.group("who").casefold() in GROUP_WORDS | school_words:
            continue
        ctx.add("message_to_person", "block",
                f"The post speaks directly to {match.group('who')}. The school does not post messages to specific "
                "people.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in TITLED_ADDRESS.finditer(ctx.text):
        ctx.add("message_to_person", "block",
                f"The post opens by speaking to {match.group('who')}: the school does not post messages to "
                "specific people; contact them directly.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in ONE_PERSON.finditer(ctx.text):
        ctx.add("message_to_person", "block",
                f"'{match.group(0).strip()}' is aimed at one person. The school's accounts do not post messages "
                "to specific people; contact them directly instead.", excerpt_of(ctx.text, match.start(), match.end()))


def _check_language(ctx: _Context) -> None:
    for match in ABUSIVE.finditer(ctx.text):
        ctx.add("harmful_language", "block",
                f"'{match.group(0)}' is harmful, abusive or rude. The school never posts comments like this; "
                "keep the post kind and factual.", excerpt_of(ctx.text, match.start(), match.end()))
    strong = list(MOCKERY_STRONG.finditer(ctx.text))
    weak = list(MOCKERY_WEAK.finditer(ctx.text))
    if strong or len({m.group(0).strip(" .!?,").lower() for m in weak}) >= 2:
        first = (strong or weak)[0]
        cues = ", ".join(dict.fromkeys(f"'{m.group(0).strip()}'" for m in strong + weak))
        ctx.add("harmful_language", "block",
                f"This mocks or is sarcastic about people ({cues}). The school's accounts never make fun of "
                "families, staff or other schools; say it plainly and kindly, or leave it out.",
                excerpt_of(ctx.text, first.start(), first.end()))
    elif any(LONE_SARCASM.search(m.group(0)) for m in weak):
        match = next(m for m in weak if LONE_SARCASM.search(m.group(0)))
        ctx.add("harmful_language", "warn",
                f"'{match.group(0).strip()}' can read as sarcastic or mocking. Check the tone is kind to every "
                "family, and to other schools.", excerpt_of(ctx.text, match.start(), match.end()))


def _check_politics(ctx: _Context) -> None:
    def block(match: re.Match, why: str) -> None:
        if ctx.has("political"):
            return  # one political finding says it; more cues in the same post add nothing
        ctx.add("political", "block",
                f"'{match.group(0)}' {why}. The school's accounts stay out of politics: no parties, campaigns, "
                "votes or views on government policy.", excerpt_of(ctx.text, match.start(), match.end()))

    for match in POLITICAL.finditer(ctx.text):
        sentence = _sentence_at(ctx.text, match.start())
        if re.match(r"vot(?:e|ing) (?:for|against)", match.group(0), re.I) and SCHOOL_VOTING.search(sentence):
            continue  # pupils voting for their school council is school life, not politics
        if NEEDS_OPINION.match(match.group(0)) and not (OPINION.search(sentence) or BLAME.search(sentence)):
            continue
        block(match, "makes this a political statement")
    campaigning = CAMPAIGNING.search(ctx.text)
    for match in PARTIES.finditer(ctx.text):
        if ctx.has("political"):
            break
        sentence = _sentence_at(ctx.text, match.start())
        if campaigning or OPINION.search(sentence) or BLAME.search(sentence):
            block(match, "names a political party with a view or a call to vote")
        else:
            ctx.add("political", "warn",
                    f"This names a political party ('{match.group(0)}'). A plain fact may be fine; make sure the post "
                    "takes no side.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in GOVERNMENT.finditer(ctx.text):
        sentence = _sentence_at(ctx.text, match.start())
        if BLAME.search(sentence) or campaigning:
            block(match, "blames or judges the government")
    for match in STRIKE.finditer(ctx.text):
        sentence = _sentence_at(ctx.text, match.start())
        if CAMPAIGNING.search(sentence) or BLAME.search(sentence) or "✊" in sentence:
            block(match, "takes a side in a dispute (a factual closure notice would not)")
    if not ctx.has("political") and not ctx.has("political", "warn"):
        match = ELECTION_FACT.search(ctx.text)
        if match:
            ctx.add("political", "warn",
                    "This mentions an election. Practical facts (the school is a polling station and will be "
                    "closed) are fine; make sure there is no view on any party or candidate.",
                    excerpt_of(ctx.text, match.start(), match.end()))


def _business_in(sentence: str, channels: frozenset[str]) -> str | None:
    noun = BUSINESS_NOUN.search(sentence)
    if noun:
        return noun.group(0)
    for brand in BRAND_WORD.finditer(sentence):
        if brand.group(0).casefold() not in channels:
            return brand.group(0)
    return None


def _check_adverts(ctx: _Context) -> None:
    related = SCHOOL_OWNED.search(ctx.text)
    channels = frozenset(c.key for c in ctx.rules.channels)
    for match in COMMERCIAL.finditer(ctx.text):
        excerpt = excerpt_of(ctx.text, match.start(), match.end())
        if related:
            ctx.add("business_advert", "warn",
                    f"This reads like an advert ('{match.group(0)}'), but it seems to be for something the school "
                    f"runs or uses ('{related.group(0)}'). Check the business really is the school's own before "
                    "posting.", excerpt)
        else:
            ctx.add("business_advert", "block",
                    f"'{match.group(0)}' makes this an advert for a business.", excerpt)
    for match in PROMOTION.finditer(ctx.text):
        sentence = _sentence_at(ctx.text, match.start())
        business = _business_in(sentence, channels) or _business_in(ctx.text, channels)
        if not business or SCHOOL_OWNED.search(sentence):
            continue
        ctx.add("business_advert", "block",
                f"'{match.group(0)}' promotes a business ('{business}'), which is not the school's own.",
                excerpt_of(ctx.text, match.start(), match.end()))
    if not ctx.has("business_advert") and not ctx.has("business_advert", "warn"):
        match = SPONSOR.search(ctx.text)
        if match:
            ctx.add("business_advert", "warn",
                    "This names a sponsor. A short thank-you may be fine; do not include offers, prices or "
                    "contact details that turn it into an advert.", excerpt_of(ctx.text, match.start(), match.end()))


def _check_age(ctx: _Context) -> None:
    for match in NOT_AGE_APPROPRIATE.finditer(ctx.text):
        ctx.add("age_appropriate", "block",
                f"'{match.group(0)}' is not appropriate for a school audience (pupils follow these accounts too).",
                excerpt_of(ctx.text, match.start(), match.end()))
    drink = ALCOHOL.search(ctx.text)
    heavy = HEAVY_DRINKING.search(ctx.text)
    if drink and heavy:
        ctx.add("age_appropriate", "block",
                f"This celebrates drinking ('{drink.group(0)}', '{heavy.group(0)}'), which is not appropriate for a "
                "school audience.", excerpt_of(ctx.text, heavy.start(), heavy.end()))
    if not ctx.has("age_appropriate") and drink:
        ctx.add("age_appropriate", "warn",
                f"This mentions alcohol ('{drink.group(0)}'). Keep it low-key (e.g. a raffle prize at an adult "
                "event) and make sure the post is appropriate for pupils.",
                excerpt_of(ctx.text, drink.start(), drink.end()))


# --- consent -------------------------------------------------------------------------------------

def _consent_terms(ctx: _Context) -> str:
    form = f"a {ctx.rules.form_name}" if ctx.rules.form_name else "a consent form"
    years = ctx.rules.valid_years
    spelt = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}.get(years or 0, str(years))
    within = "in the last year" if years == 1 else f"in the last {spelt} years" if years else "that is still valid"
    return f"{form} signed by their parent or carer {within}"


def _consent_finding(ctx: _Context, name: str, use: str, excerpt: str) -> None:
    status = ctx.consent.status(name, use, ctx.today, valid_years=ctx.rules.valid_years)
    if status.allowed:
        return
    where = {"photo": "pictured", "name": "named"}.get(use, "named and pictured")
    clause = ctx.rules.clause_for(ctx.channel, "consent", use)
    rule = f" See {quoted(clause)}." if clause else ""
    ctx.add("consent", "block",
            f"{status.reason}. A pupil can only be {where} with {_consent_terms(ctx)}. Remove them from the post, "
            f"or check the register.{rule}", excerpt, use)


def _names_in_text(ctx: _Context) -> list[tuple[str, int, int, bool]]:
    """(name as written, start, end, on the register) for people named in the text: register names
    first, then other full names (a given name from the names data set and a surname), then register
    first names on their own."""
    text = ctx.text
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, int, int, bool]] = []
    public = [(m.start(), m.end()) for m in PUBLIC_NAMES.finditer(text)]

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken + public)

    def after_title(start: int) -> bool:
        before = text[:start].split()
        return bool(before) and bool(TITLE_RE.match(before[-1]))

    def after_article(start: int) -> bool:
        before = text[:start].split()
        return bool(before) and before[-1].lower() in ("the", "a", "an")

    for full in sorted(ctx.consent.full_names(), key=len, reverse=True):
        for match in re.finditer(r"(?<![\w'])" + re.escape(full) + r"(?![\w])", text, re.I):
            if free(match.start(), match.end()):
                taken.append((match.start(), match.end()))
                found.append((match.group(0), match.start(), match.end(), True))
    register_first = {n.casefold() for n in ctx.consent.first_names()}
    name_word = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
    for match in re.finditer(rf"(?<![\w'])({name_word})\s+({name_word})(?![\w])", text):
        given, surname = match.group(1), match.group(2)
        if not (is_given_name(given) or given.casefold() in register_first):
            continue
        if surname.casefold() in NOT_SURNAMES | GROUP_WORDS or is_common_word(surname.rstrip("'’s")):
            continue
        if after_title(match.start()) or after_article(match.start()) or not free(match.start(), match.end()):
            continue  # "the London Marathon" is an event, not a person
        taken.append((match.start(), match.end()))
        found.append((match.group(0), match.start(), match.end(), False))
    for match in re.finditer(rf"(?<![\w'])({name_word})(?![\w])", text):
        word = match.group(1)
        if word.casefold() not in register_first or is_common_word(word) or after_title(match.start()):
            continue
        if not free(match.start(), match.end()):
            continue
        taken.append((match.start(), match.end()))
        found.append((word, match.start(), match.end(), True))
    return found


def _pupil_key(ctx: _Context, name: str, use: str) -> object | None:
    """Who a refused name is (the register's record, else the name itself); None when allowed."""
    status = ctx.consent.status(name, use, ctx.today, valid_years=ctx.rules.valid_years)
    if status.allowed:
        return None
    return status.record if status.record is not None else " ".join(name.split()).casefold()


def _check_consent(ctx: _Context, pictured: Iterable[str], photos: str) -> None:
    pictured = [" ".join(p.split()) for p in pictured if p and p.strip()]
    if photos:
        described = _Context(photos, ctx.channel, ctx.rules, ctx.consent, ctx.today)
        pictured += [name for name, _, _, _ in _names_in_text(described)]
    refused_photos: dict[object, str] = {}
    for name in pictured:
        if name.casefold() in ("none", "no one", "nobody", "n/a"):
            continue
        key = _pupil_key(ctx, name, "photo")
        if key is not None:
            refused_photos.setdefault(key, name)
    merged = set()
    for name, start, end, on_register in _names_in_text(ctx):
        excerpt = excerpt_of(ctx.text, start, end)
        if ctx.rules.full_names_forbidden and " " in name.strip() and (on_register or
                                                                       PUPIL_CONTEXT.search(_sentence_at(ctx.text, start))):
            ctx.add("consent", "block",
                    f"'{name}' is a pupil's full name, which the policy does not allow on the school's accounts "
                    "(a first name may be used where consent allows).", excerpt, "name")
            continue
        if not on_register and not PUPIL_CONTEXT.search(_sentence_at(ctx.text, start)):
            status = ctx.consent.status(name, "name", ctx.today, valid_years=ctx.rules.valid_years)
            if not status.allowed:
                ctx.add("consent", "warn",
                        f"'{name}' looks like a person's name and is not on the consent register. If this is a "
                        f"pupil, they can only be named with {_consent_terms(ctx)}.", excerpt, "name")
            continue
        # A pupil both named and pictured is one finding (quoting the draft), not two.
        key = _pupil_key(ctx, name, "name")
        both = key is not None and key in refused_photos
        _consent_finding(ctx, name, "name+photo" if both else "name", excerpt)
        if both:
            merged.add(key)
    for key, name in refused_photos.items():
        if key not in merged:
            _consent_finding(ctx, name, "photo", f"pictured: {name}")
    admission = MISSING_CONSENT.search(ctx.text)
    if admission and (PHOTOS_SHARED.search(ctx.text) or pictured or photos.strip()):
        ctx.add("consent", "block",
                "The post itself says some pupils' consent is missing, yet it shares their photos. Only pupils "
                f"with {_consent_terms(ctx)} can appear; remove the others before posting.",
                excerpt_of(ctx.text, admission.start(), admission.end()), "photo")
    if photos and photos.strip() and not pictured:
        ctx.add("consent", "warn",
                "Photos are attached but no pupils are listed as pictured. Every pupil who can be recognised "
                f"needs {_consent_terms(ctx)}; list them so the register can be checked.",
                excerpt_of(photos, 0, min(len(photos), 60)), "photo")


# --- the check -------------------------------------------------------------------------------------

def check_draft(text: str, platform: str | None = None, consent: ConsentRegister | None = None, *,
                pictured: Iterable[str] = (), photos: str = "", today: date | None = None,
                policy: Policy | None = None) -> CheckResult:
    """Check one draft against the policy's will-not-post rules. `platform` is one of the policy's
    official channels ("facebook", "x", "class dojo"; the first when None), or "both"/"all" (then
    every finding is reported for each channel's own rule)."""
    policy = policy or load_policy()
    rules = draft_rules(policy)
    keys = [c.key for c in rules.channels] or [""]
    platform = (platform or keys[0]).strip().lower()
    if platform in ALL_CHANNELS:
        results = [check_draft(text, key, consent, pictured=pictured, photos=photos, today=today, policy=policy)
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
    if not text.strip() and not list(pictured) and not photos.strip():
        result.empty = True
        return result
    ctx = _Context(text, key, rules, consent, today or date.today())
    _check_accounts(ctx)
    _check_messages(ctx)
    _check_language(ctx)
    _check_politics(ctx)
    _check_adverts(ctx)
    _check_age(ctx)
    _check_consent(ctx, pictured, photos)
    result.findings = ctx.findings
    return result
