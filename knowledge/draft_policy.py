"""What a school's policy says its official accounts will not post, read from the policy itself.

Nothing here knows a school: the channels come from the policy's list of official accounts
("Facebook - @calmorejuniorschool", "the school's X (formerly Twitter) account, @OakfieldPriLeeds",
"Class Dojo, which…", "the school website"), and the will-not-post rules from whichever clauses say
"will not post" / "will not be posted", for one channel ("The school will not post on Facebook:") or
for all of them ("…on any official account:", one list for every channel). Each rule is sorted into
the kinds of problem the checker looks for by the policy's own words. The consent form's name and how
long consent lasts are read from the paragraph that describes consent.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from knowledge.policy import Clause, Policy

# The kinds of problem the checker finds, each recognised in a will-not-post rule by its words.
KIND_WORDS = {
    "consent": re.compile(r"\b(names?|photos?|images?|video|consent)\b", re.I),
    "harmful_language": re.compile(r"\b(harmful|abusive|offensive|discriminat\w*|disrepute)\b", re.I),
    "message_to_person": re.compile(r"\bmessages? to (?:specific|individual|particular)\b", re.I),
    "political": re.compile(r"\bpolitic\w*", re.I),
    "business_advert": re.compile(r"\b(advertis\w*|commercial|business(?:es)?|endorse\w*)\b", re.I),
    "personal_account": re.compile(r"\bpersonal (?:social media )?accounts?\b", re.I),
    "age_appropriate": re.compile(r"\bage[- ]appropriate\b", re.I),
    "location": re.compile(r"\bwhere a (?:child|pupil|student)\b|\blocation\b|\baddress(?:es)?\b|\breal[- ]time\b|"
                           r"\bleft the venue\b", re.I),
    "undress": re.compile(r"\bswimwear\b|\bundress\w*|\bgetting changed\b|\bchanging rooms?\b|\bmisinterpreted\b",
                          re.I),
    "no_media": re.compile(r"\bflagged\b|\bno[- ]media\b|\bno[- ]photos?\b", re.I),
    "personal_details": re.compile(r"\bindividual (?:pupil|student|child)'s\b|\b(?:information|details) about individual\b|\bpersonal (?:information|details|data)\b|"
                                   r"\bspecial educational needs\b|\bfamily circumstances\b|\bdates? of birth\b|"
                                   r"\bhealth\b", re.I),
    "staff_opinion": re.compile(r"\bopinions?\b|\bpersonal views?\b", re.I),
    "complaints": re.compile(r"\bcomplain(?:ts?|s|ing)?\b|\bgrievances?\b|\bdisciplinary\b|\blegal proceedings\b|"
                             r"\bnegative comments\b", re.I),
    "ai_images": re.compile(r"\bAI\b|\bartificial intelligence\b|\bdigitally altered\b|\bdeepfakes?\b"),
    "staff_images": re.compile(r"\b(?:images?|photos?|photographs?|video) of (?:any )?(?:staff|members? of staff|"
                               r"colleagues)\b", re.I),
    "copyright": re.compile(r"\bcopyright\b", re.I),
    "live_stream": re.compile(r"\blive[- ]?stream\w*|\bbroadcast\b", re.I),
    "channel_use": re.compile(r"\b(?:pupils?|students?|children) (?:must|will|may|should) not (?:appear|feature|be shown)\b",
                              re.I),
    # "Images for official accounts must be taken on school-owned devices": where images may be taken.
    "devices": re.compile(r"\b[\w]+[- ]owned (?:devices?|cameras?|equipment|ipads?|tablets?)\b", re.I),
    # "No new official account may be opened…", "Staff must not set up a … page or group in the name of…".
    "new_account": re.compile(r"\b(?:set up|create|open|opened|start)\b[^.;]{0,40}\b(?:accounts?|pages?|groups?|channels?)\b|"
                              r"\bnew (?:official )?(?:accounts?|pages?|channels?)\b[^.;]{0,20}\b(?:opened|set up|created)\b",
                              re.I),
}
KINDS = tuple(KIND_WORDS)
# Kinds a must-not sentence outside the will-not-post list can add ("Staff must not use official accounts
# to respond to complaints."); the older kinds are read from the list alone, as before.
SENTENCE_KINDS = ("location", "undress", "no_media", "personal_details", "staff_opinion", "complaints", "ai_images",
                  "staff_images", "copyright", "live_stream", "channel_use", "devices", "new_account")
# A rule that says how a thing must be done rather than what must not be ("must be taken on school-owned
# devices"): read for the kinds that a "must" states, and no others.
RESTRICTION = re.compile(r"\bmust be (?:taken|made|recorded|captured|filmed)\b", re.I)
RESTRICTION_KINDS = ("devices",)
# A rule that is about something else although it uses a kind's word ("…the name of a pupil's club").
NOT_ABOUT_CONSENT = re.compile(r"\b(where a child|location|swimwear|undress|behaviour|flagged|AI-generated|staff)\b",
                               re.I)
PHOTO_WORDS = re.compile(r"\b(photos?|images?|video|pictured|appears?)\b", re.I)
NAME_WORDS = re.compile(r"\bnames?\b", re.I)
FULL_NAMES_FORBIDDEN = re.compile(r"\bfull names?\b", re.I)
# "A first name may be used, but never alongside an image…": a first name alone needs no consent
# ("…may be used only where the form records consent" does).
FIRST_NAME_FREE = re.compile(r"\bfirst names? (?:may|can) be used(?!\s+only)", re.I)
# A catch-all rule ("any content that could bring the school into disrepute").
CATCH_ALL = re.compile(r"\bdisrepute\b|\bany content\b", re.I)

# A sentence that forbids something of the school's channels: a prohibition, and the channels or a
# publishing verb in the passive ("Lessons will not be live streamed on social media").
PROHIBITION = re.compile(r"\b(?:must|will|may|should|shall) not\b|\bmust never\b|\bwill never\b|"
                         r"\bno (?:new )?(?:[\w-]+ ){0,3}(?:may|can|will|shall) be\b", re.I)
# A school-branded account: "…an account … in the name of the school", "…that represents the Trust".
ABOUT_CHANNELS = re.compile(r"\bofficial\b|\bwill not be (?:posted|published|shared|live[- ]?streamed|broadcast|used)\b|"
                            r"\bin the name of\b|\brepresents?\b", re.I)
PERSONAL_USE = re.compile(r"\bpersonal (?:accounts?|devices?|phones?)\b|\bparents? (?:must|should)\b", re.I)
# "When using social media, staff must not:": a staff rule for any use, the official accounts' included.
STAFF_WHEN_USING = re.compile(r"\bwhen using social media\b[^:]*\bstaff\b|\bstaff\b[^:]*\bwhen using social media\b", re.I)
# Kinds such a staff rule supplies where the will-not-post lists say nothing of them.
STAFF_RULE_KINDS = ("personal_details", "staff_opinion", "complaints")
SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
# "…one TikTok account for the Trust, which is used for staff recruitment only": what a channel is for.
ONLY_FOR = re.compile(r"\b(?:used|is|are)\s+(?:only\s+)?for\s+([\w\s-]+?)\s+only\b|\bused only for\s+([\w\s-]+)", re.I)
WILL_NOT_POST = re.compile(r"\b(?:will not|won't|will never|must not|does not)\s+(?:be\s+)?post(?:ed)?\b", re.I)
FOR_EVERY_CHANNEL = re.compile(r"\b(?:any|all|every)\s+(?:of (?:the|our) )?(?:official|school)?\s*"
                               r"(?:accounts?|channels?|platforms?)\b", re.I)
OFFICIAL_LIST = re.compile(r"\bofficial\b[^.:;]*\b(?:channels?|accounts?)\s+(?:are|is|as follows)\b", re.I)
HANDLE = re.compile(r"@\w+")
# The first run of capitalised words in a list item names its channel ("Class Dojo", "X", "YouTube").
CAPITALISED_RUN = re.compile(r"(?<![\w'])([A-Z][\w]*(?:\s+[A-Z][\w]*)*)")
LEADING_WORDS = re.compile(r"^(?:the\s+)?(?:school's|trust's|academy's|our|one|an?|the)\s+", re.I)
FORM_NAME = re.compile(r"\b((?:[A-Z][\w-]*\s+){0,3}(?:Consent|Permission)\s+Form)\b")
VALID_FOR = re.compile(r"\bvalid for (?:a period of )?(\w+) years?\b|\blasts? (?:for )?(\w+) years?\b", re.I)
EVERY_YEAR = re.compile(r"\b(annually|every year|each year|each school year|renewed (?:each|every) year)\b", re.I)
# "…comments cannot be posted next to either Facebook or Instagram posts": where comments are off.
COMMENTS_OFF = re.compile(r"\bcomments? (?:cannot|can ?not|can't|will not|won't) be (?:posted|left|made|added)\b|"
                          r"\bcomments? (?:are|is|will be) (?:turned|switched) off\b|\bcomments? (?:are|is|will be) disabled\b",
                          re.I)
# Staff forbidden to connect with pupils ("send or accept friend or follow requests to or from current pupils",
# "accept or send friend, follow or connection requests to or from students"): a post that asks pupils to
# follow a member of staff's own account asks for exactly that, whichever list the rule stands in.
PUPIL_REQUESTS = re.compile(r"\b(?:friend|follow|connection)['’]?(?:,?\s+(?:or\s+|and\s+)?(?:friend|follow|connection))*"
                            r"\s+requests?\b[^.;]*\b(?:pupils|students|children)\b", re.I)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "a": 1}


@dataclass(frozen=True)
class Channel:
    name: str       # as the policy writes it: "Facebook", "X", "Class Dojo", "website"
    handle: str     # "@calmorejuniorschool", or "" when the policy gives none

    @property
    def key(self) -> str:
        return self.name.casefold()


@dataclass
class DraftRules:
    """The will-not-post rules of one policy, by channel and kind of problem."""

    policy: Policy
    channels: list[Channel]
    rules: dict[str, dict[str, list[Clause]]] = field(default_factory=dict)  # channel key → kind → clauses
    lists: dict[str, Clause] = field(default_factory=dict)   # channel key → first clause of its will-not list
    age_clause: Clause | None = None
    consent_clause: Clause | None = None
    form_name: str = ""
    valid_years: int | None = None
    full_names_forbidden: bool = False
    first_names_free: bool = False
    purposes: dict[str, tuple[str, Clause]] = field(default_factory=dict)  # channel key → (what it is for, rule)
    will_not: dict[str, list[Clause]] = field(default_factory=dict)  # channel key → every will-not rule, any kind
    comments_off: dict[str, Clause] = field(default_factory=dict)  # channel key → the rule turning comments off
    pupil_requests: Clause | None = None  # the rule forbidding staff friend or follow requests with pupils

    def channel(self, name: str) -> Channel | None:
        wanted = (name or "").strip().casefold()
        return next((c for c in self.channels if c.key == wanted or c.key.split()[0] == wanted), None)

    def clause_for(self, channel: str, kind: str, use: str = "") -> Clause | None:
        """The policy's rule for a kind of problem on a channel (for consent, the one about `use`)."""
        found = self.rules.get(channel, {}).get(kind, [])
        if kind == "age_appropriate" and not found and self.age_clause is not None:
            return self.age_clause
        if kind == "consent" and use:
            wanted = PHOTO_WORDS if use.startswith("photo") else NAME_WORDS
            about = [(wanted.search(c.text).start(), n) for n, c in enumerate(found) if wanted.search(c.text)]
            return found[min(about)[1]] if about else (found[0] if found else None)  # the rule that opens on it
        return found[0] if found else None

    def catch_all(self, channel: str) -> Clause | None:
        return next((c for c in self.rules.get(channel, {}).get("harmful_language", []) if CATCH_ALL.search(c.text)),
                    None)

    @property
    def handles(self) -> frozenset[str]:
        return frozenset(c.handle.lstrip("@").casefold() for c in self.channels if c.handle)

    def names(self, channel_keys: list[str]) -> str:
        names = [c.name for c in self.channels if c.key in channel_keys]
        return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


# The letter a policy prints before a list item ("d) images of pupils in swimwear"), by id(clause).
ITEM_MARK = re.compile(r"^\s*\(?([a-z]|[ivx]{1,4})\)\s+(.*)$")
_ITEM_LETTERS: dict[int, tuple[Clause, str]] = {}


def citation(clause: Clause) -> str:
    """How a person finds the rule in the policy: "paragraph 5.7" where the policy numbers its
    paragraphs ("paragraph 5.7 d" for its lettered list item d), else "section <its number>"."""
    if clause.numbered:
        held = _ITEM_LETTERS.get(id(clause))
        letter = f" {held[1]}" if held and held[0] is clause else ""
        return "paragraph " + clause.rule.replace("-", ".") + letter
    return "section " + clause.section


def _note_item_letters(policy: Policy) -> None:
    lettered = {}
    for line in policy.source.splitlines():
        match = ITEM_MARK.match(line)
        if match:
            lettered[" ".join(match.group(2).split())[:60]] = match.group(1)
    for clause in policy.clauses:
        if clause.numbered and clause.id != clause.rule:
            letter = lettered.get(" ".join(clause.text.split())[:60])
            if letter:
                _ITEM_LETTERS[id(clause)] = (clause, letter)


def quoted(clause: Clause) -> str:
    """The rule in the policy's own words, with where to find it."""
    words = clause.text.rstrip(";.,")
    if clause.lead_in:
        return f'the policy ({citation(clause)}): "{clause.lead_in.rstrip(": ")} … {words}"'
    return f'the policy ({citation(clause)}): "{words}"'


def _channel_name(item: str) -> str:
    text = re.sub(r"\([^)]*\)", "", item)          # "X (formerly Twitter)" is X
    text = HANDLE.sub("", text).strip()
    text = LEADING_WORDS.sub("", text)
    match = CAPITALISED_RUN.search(text)
    if match:
        return match.group(1).strip()
    words = re.findall(r"[A-Za-z]+", text.split(",")[0])
    return words[-1] if words else ""


def _official_channels(policy: Policy) -> list[Channel]:
    channels: list[Channel] = []
    for clause in policy.clauses:
        if clause.lead_in and OFFICIAL_LIST.search(clause.lead_in) and not WILL_NOT_POST.search(clause.lead_in):
            name = _channel_name(clause.text)
            handle = HANDLE.search(clause.text)
            if name and all(c.key != name.casefold() for c in channels):
                channels.append(Channel(name, handle.group(0) if handle else ""))
        elif channels:
            break  # the list has ended
    return channels


def _channel_purposes(policy: Policy, channels: list[Channel]) -> dict[str, tuple[str, Clause]]:
    purposes = {}
    for clause in policy.clauses:
        if not (clause.lead_in and OFFICIAL_LIST.search(clause.lead_in)):
            continue
        match = ONLY_FOR.search(clause.text)
        name = _channel_name(clause.text).casefold()
        if match and any(c.key == name for c in channels):
            purposes[name] = ((match.group(1) or match.group(2)).strip(), clause)
    return purposes


def _must_not_sentences(policy: Policy, channels: list[Channel]):
    """(clause narrowed to one sentence, channel keys, kinds it may state) for each sentence outside the
    will-not-post lists that forbids something of the school's own channels, or says how it must be done."""
    for clause in policy.clauses:
        if clause.lead_in and WILL_NOT_POST.search(clause.lead_in):
            continue
        for sentence in SENTENCE_END.split(clause.text):
            restriction = not PROHIBITION.search(sentence) and RESTRICTION.search(sentence)
            if not (PROHIBITION.search(sentence) or restriction) or (PERSONAL_USE.search(sentence)
                                                                     and "official" not in sentence):
                continue
            named = [c.key for c in channels if re.search(rf"\b{re.escape(c.name)}\b", sentence)]
            if not (named or ABOUT_CHANNELS.search(sentence)):
                continue
            kinds = RESTRICTION_KINDS if restriction else SENTENCE_KINDS
            yield replace(clause, text=sentence.strip()), named or [c.key for c in channels], kinds


def _staff_must_not_items(policy: Policy):
    """Items of a list of what staff must not do whenever they use social media ("When using social media,
    staff must not: … share information about individual pupils"): the staff who write the school's posts
    are bound by it too. A list only for their personal accounts is not."""
    for clause in policy.clauses:
        lead = clause.lead_in or ""
        if clause.kind == "bullet" and PROHIBITION.search(lead) and STAFF_WHEN_USING.search(lead) \
                and not PERSONAL_USE.search(lead):
            yield clause


def _valid_years(text: str) -> int | None:
    match = VALID_FOR.search(text)
    if match:
        word = (match.group(1) or match.group(2)).lower()
        return int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    return 1 if EVERY_YEAR.search(text) else None


def draft_rules(policy: Policy) -> DraftRules:
    """The policy's will-not-post rules, worked out once per policy object and kept on it, so they live
    and die with it (a cache keyed by id() would keep every policy alive, or serve a dead one's rules)."""
    rules = policy.__dict__.get("_draft_rules")
    if rules is None:
        rules = policy.__dict__["_draft_rules"] = _build(policy)
    return rules


def _build(policy: Policy) -> DraftRules:
    _note_item_letters(policy)
    channels = _official_channels(policy)
    rules = DraftRules(policy, channels)
    for clause in policy.clauses:
        lead = clause.lead_in or ""
        if not (lead and WILL_NOT_POST.search(lead)) or clause.kind != "bullet":
            continue
        named = [c.key for c in channels if re.search(rf"\b{re.escape(c.name)}\b", lead, re.I)]
        targets = [c.key for c in channels] if FOR_EVERY_CHANNEL.search(lead) or not named else named
        if len(named) > 1:
            targets = named
        for key in targets:
            rules.lists.setdefault(key, clause)
            rules.will_not.setdefault(key, []).append(clause)
            for kind, words in KIND_WORDS.items():
                if not words.search(clause.text):
                    continue
                if kind == "consent" and NOT_ABOUT_CONSENT.search(clause.text):
                    continue
                rules.rules.setdefault(key, {}).setdefault(kind, []).append(clause)
    for clause, targets, allowed in _must_not_sentences(policy, channels):
        kinds = [kind for kind in allowed if KIND_WORDS[kind].search(clause.text)]
        if not kinds and PERSONAL_USE.search(clause.text):
            continue  # of no kind and about staff's own accounts: not a rule for the school's posts
        for key in targets:  # a sentence of no kind still reaches the meaning check (semantic.py), in its own words
            rules.will_not.setdefault(key, []).append(clause)
            for kind in kinds:
                rules.rules.setdefault(key, {}).setdefault(kind, []).append(clause)
    for clause in _staff_must_not_items(policy):  # staff write the official posts too
        for key in [c.key for c in channels]:
            kinds = rules.rules.setdefault(key, {})
            if not PERSONAL_USE.search(clause.text):  # every item about the posts themselves, for the meaning check
                rules.will_not.setdefault(key, []).append(clause)
            for kind in STAFF_RULE_KINDS:
                if kind not in kinds and KIND_WORDS[kind].search(clause.text):
                    kinds[kind] = [clause]
    rules.purposes = _channel_purposes(policy, channels)
    for clause in policy.clauses:
        for sentence in SENTENCE_END.split(clause.text):
            if COMMENTS_OFF.search(sentence):
                named = [c.key for c in channels if re.search(rf"\b{re.escape(c.name)}\b", sentence, re.I)]
                for key in named or [c.key for c in channels]:
                    rules.comments_off.setdefault(key, replace(clause, text=sentence.strip()))
    rules.pupil_requests = next((c for c in policy.clauses if PUPIL_REQUESTS.search(c.text) and
                                 PROHIBITION.search(f"{c.lead_in or ''} {c.text}")), None)
    rules.age_clause = next((c for c in policy.clauses if KIND_WORDS["age_appropriate"].search(c.text)), None)
    for clause in policy.clauses:
        if re.search(r"\b(consent|permission)\b", clause.text, re.I) and _valid_years(clause.text) is not None \
                and PHOTO_WORDS.search(clause.text):
            rules.consent_clause = clause
            rules.valid_years = _valid_years(clause.text)
            break
    form = FORM_NAME.search(rules.consent_clause.text if rules.consent_clause else "") or FORM_NAME.search(policy.source)
    rules.form_name = form.group(1) if form else ""
    consent_rules = [c for kinds in rules.rules.values() for c in kinds.get("consent", [])]
    rules.full_names_forbidden = any(FULL_NAMES_FORBIDDEN.search(c.text) for c in consent_rules)
    rules.first_names_free = any(FIRST_NAME_FREE.search(c.text) for c in consent_rules)
    return rules
