"""Personal accounts (handles and profile links that are not the school's) and messages to one person."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from knowledge.draft_check.base import (GROUP_WORDS, HANDLE_RE, NOT_SURNAMES, SECOND_PERSON, SENTENCE_REACH, TITLE, TITLE_RE,
                                        Context, excerpt_of, school_words, sentence_at)
from knowledge.person_names import is_given_name

SOCIAL_SITES_FILE = Path(__file__).resolve().parent.parent / "social_sites.txt"


@lru_cache(maxsize=1)
def _social_sites() -> tuple[str, ...]:
    lines = SOCIAL_SITES_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def profile_url_re() -> re.Pattern:
    sites = "|".join(re.escape(site) for site in _social_sites())
    return re.compile(rf"(?:https?://)?(?:www\.|m\.)?(?P<site>{sites})/(?P<account>@?[\w.\-]+)", re.I)



# A staff member's own account pointed to in words, with no handle or link: "on Mr Cole's personal
# Facebook page", "on her own Instagram", "send him a friend request".
PERSONAL_PROFILE = (
    r"(?<![\w'])(?i:(?:personal|private) (?:[\w-]+ )?(?:page|account|profile|feed|channel|blog|vlog|podcast|website)s?|"
    r"(?:on|follow|find|visit|read|subscribe to) (?:my|his|her|their) (?:{platforms}|blog|vlog|podcast)(?![\w'])|"
    r"(?:follow|find|add|message) me on (?:{platforms})(?![\w'])|"
    r"(?:his|her|their) (?:{platforms}|blog|vlog|podcast)(?: (?:shop|page|profile|store|channel))?[:,]? (?=\S*[\w-]\.(?:com|co\.uk|net|org|me)\b|@|[A-Z])|"
    r"(?:personal|private) (?:{platforms})|"
    r"(?:my|his|her|their) own (?:[\w-]+ )?(?:page|account|profile|feed|channel)s?|"
    r"(?:his|her|their) own (?-i:[A-Z][\w]+)(?= [-–—]| (?i:account|page)|[.!,]|$)|"
    r"(?:send|sending) (?:him|her|them) (?:a )?(?:friend|follow) requests?)(?![\w'])")


@lru_cache(maxsize=1)
def platform_names() -> tuple[str, ...]:
    """The platforms' names, from the social sites list ("facebook.com" is facebook)."""
    return tuple(sorted({site.split(".")[0] for site in _social_sites() if len(site.split(".")[0]) > 2}))


@lru_cache(maxsize=4)
def with_platforms(pattern: str) -> re.Pattern:
    """A pattern with the platforms' names put in at its {platforms}, compiled once."""
    return re.compile(pattern.replace("{platforms}", "|".join(map(re.escape, platform_names()))))


# A person's own account by name: "add Mr Dale on Facebook", "find Chris Dale on Instagram", "Mrs Khan's TikTok".
PERSON_ON_PLATFORM = (rf"(?<![\w'])(?:(?i:add|follow|friend|message|find|search for|look up|look for|dm|connect with)\s+"
                      rf"(?P<who>(?:{TITLE}\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s+(?i:on)\s+|"
                      rf"(?P<owner>(?:{TITLE}\s+)?[A-Z][\w'-]+)['’]s\s+(?:own\s+|personal\s+)?)(?i:{{platforms}})(?![\w'])")


NEGATED = re.compile(r"(?<![\w'])(?:don'?t|do not|won'?t|will not|never|not|cannot|can'?t|no)(?:\s+\w+){0,3}\s+$", re.I)

GREETING_TO = re.compile(
    r"(?:^|(?<=[\n.!?])\s{0,8})(?P<lead>(?i:dear|hi|hello|hey|hiya|morning|good morning|to))\s+"
    rf"(?P<who>(?:{TITLE}\s+)?[A-Z][\w'-]+)")
PERSONAL_OCCASION = re.compile(
    r"(?P<lead>(?i:happy\s+(?:\d+\w*\s+)?birthday|get well soon|happy retirement|happy anniversary|we miss you|"
    r"love you|thinking of you|good luck|welcome back|congratulations|well done|thank you|thanks|"
    r"(?:a )?(?:big |huge |special )?(?:hello|hi|wave|shout-?out)(?= to)))"
    rf"(?:\s+(?i:so much|very much|again))?[,!]?\s+(?:(?i:to)\s+)?(?P<who>(?:{TITLE}\s+)?[A-Z][\w'-]+)")
ALWAYS_A_MESSAGE = re.compile(r"^(?:happy\s+(?:\d+\w*\s+)?birthday|get well soon|happy retirement|happy anniversary|"
                              r"we miss you|love you|thinking of you|(?:a )?(?:big |huge |special )?(?:hello|hi|wave|"
                              r"shout-?out))", re.I)
# A kiss to sign off ("… flowers! x"): a note to a friend, not the school's news.
KISS = re.compile(r"(?<![\w'])[xX]{1,3}\s*$")
DIRECT_ADDRESS = re.compile(r"(?:^|(?<=[\n.!?])\s{0,8})(?P<who>[A-Z][a-z]+),\s+(?:you|we (?:love|miss)|your)\b")
# "To the grandad who…" singles one person out; "To the parents who baked…" thanks a group.
ONE_PERSON = re.compile(
    r"(?i:\b(?:could|would|can|will)\s+the\s+(?:parent|carer|person|driver|mum|dad|owner|family|lady|gentleman|"
    r"man|woman|grandparent|guardian)(?:\s+(?:in|from|on|at)\s+[^.!?\n,]{1,30}?)?\s+(?:who|of|with|that)\b)|"
    r"(?:^|(?<=[\n.!?]))[^\w\n]{0,8}(?i:to the (?:parent|carer|driver|person|owner|family|(?!\w+s who)\w+ who)\b)|"
    r"(?:^|(?<=[\n.!?]))[^\w\n]{0,8}(?i:(?:message )?(?:to|for) the (?:[\w-]+ ){1,3}(?:pupil|child|student|boy|girl|person|parent|driver|mum|dad|carer) who)\b|"
    # "Whoever parked the silver Ford Focus … please move it": one person, picked out by what they did
    r"(?i:\bwhoever (?:parked|left|took|owns|dropped|blocked|borrowed)\b[^.!?\n]{0,100}\bplease\b)|"
    r"(?i:\b(?:could|can|would|will) whoever (?:has been|keeps|is|has)\b)|(?i:\bwe know (?:it'?s|it was) you\b)|"
    r"(?i:\b(?:thanks|thank you|shout ?out|a (?:message|note|reminder)) (?:to|for) the (?:parent|carer|person|driver|mum|dad|"
    r"family|owner|grandparent) who\b)|"
    r"(?i:\byou know who you are\b)|"
    # "To whoever took…": one person, unknown but singled out
    r"(?:^|(?<=[\n.!?]))[^\w\n]{0,8}(?i:to whoever)\b")
# Anger or a threat aimed at the person addressed ("we have your registration. Do better. 😡").
HOSTILE = re.compile(r"😡|🤬|😠|(?<![\w'])(?i:do better|we have your (?:registration|number|details|name)|shame on you|"
                     r"you should be ashamed|not acceptable|disgraceful|we know who you are)(?![\w'])")
# A post that opens on a first name and then asks or thanks them: "Sam – could you bring…".
VOCATIVE = re.compile(r"(?:^|(?<=[\n.!?]))[^\w\n]{0,8}(?P<who>[A-Z][a-z'’-]+)(?:\s*\([^)\n]{1,20}\))?\s*[,:–—-]\s*"
                      r"(?i:(?:can|could|would|will|did|have|are|do|if) you\b|please\b|thanks?\b|thank you\b|you\b|your\b)")
ROLE_THEN_NAME = re.compile(r"(?<![\w'])(?i:lady|man|teacher|caretaker|cook|chef|assistant|driver|supervisor|"
                            r"patrol|cleaner|receptionist|librarian|governor|volunteer|coach|friend)\s+([A-Z][a-z'-]+)(?![\w'])")
SIGN_OFF_ROLE = re.compile(r"^(?:[A-Z0-9][\w'/&-]*\s*){1,6}$")
# A pupil's relative spoken to by the child's name: "Noah's mum — Noah's inhaler is in the office".
RELATIVE_ADDRESS = re.compile(
    r"(?:^|(?<=[\n.!?]))[^\w\n]{0,8}(?P<who>[A-Z][\w-]+['’]s (?i:mum|mom|dad|mother|father|parents?|carers?|grandad|grandma|"
    r"nan|nana|granny|grandpa|auntie|aunt|uncle|family|childminder|nanny)(?=\s*[-–—:])|"
    # "Grandad Pete —": a relative spoken to by name
    r"(?i:grandad|grandpa|grandma|granny|nana|nan|auntie|aunty|uncle)\s+[A-Z][a-z'-]+(?=\s*[-–—:,]))")
# "Mrs Khan –", "Mr and Mrs Clarkson,", "The Clarkson family:": one person or one family spoken to at the start.
TITLED_ADDRESS = re.compile(rf"(?:^|(?<=[\n.!?]))[^\w\n]{{0,8}}(?P<who>(?:{TITLE}\s+(?:and|&)\s+)?{TITLE}\s+[A-Z](?:[\w'-]+|\.)?|"
                            r"(?i:the)\s+[A-Z][\w'-]+\s+(?i:family))(?:\s*\([^)\n]{1,20}\))?\s*[-–—:,]\s")
# After the address, a new clause that is about someone else ("Mr Khan, Noah has…") or speaks to them
# ("…, we…", "…, please…"); an apposition ("Mr Khan, our new site manager,") is about him, not to him.
NEW_CLAUSE = re.compile(r"(?i:i|we|you|your|please|don'?t|do not|just|sorry|thank|thanks)\b|(?-i:[A-Z][a-z'’-]+)\s+"
                        r"(?i:has|had|is|was|will|won|left|forgot|needs?|said|did|does)\b")
# The sentence speaks to the person named: "you", "your", a request or a thank-you.
SPOKEN_TO = re.compile(rf"{SECOND_PERSON.pattern}|(?<![\w'])(?i:please|could|can|would|thanks|thank)(?![\w'])")
# A retirement or a leaving is school news when it is a member of staff's, said to them by title.
STAFF_MILESTONE = re.compile(r"(?i:happy retirement|good luck)")



def check_accounts(ctx: Context) -> None:
    official = ctx.rules.handles
    official_text = ", ".join(f"@{h}" for h in sorted(official)) or "the school's official accounts"
    for match in HANDLE_RE.finditer(ctx.text):
        handle = match.group("handle").rstrip(".")
        if handle.casefold() in official:
            continue
        if any(word in handle.casefold() for word in school_words(ctx.rules) if len(word) >= 4):
            ctx.add("personal_account", "warn",
                    f"@{handle} carries the school's name but is not one of its official accounts ({official_text}). "
                    "Check it is run by the school or its PTA, not by a member of staff personally.",
                    excerpt_of(ctx.text, match.start(), match.end()))
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
    if not ctx.has("personal_account"):
        for match in with_platforms(PERSONAL_PROFILE).finditer(ctx.text):
            if NEGATED.search(ctx.text[max(0, match.start() - 40):match.start()]):
                continue  # "staff will not accept friend requests" is guidance
            ctx.add("personal_account", "block",
                    f"'{match.group(0)}' points families to someone's own account, not the school's official one "
                    f"({official_text}). The school does not link to staff members' personal accounts; leave it out.",
                    excerpt_of(ctx.text, match.start(), match.end()))
            break
    if not ctx.has("personal_account"):
        _person_on_a_platform(ctx, official_text)
    if ctx.has("personal_account", "warn") or ctx.has("personal_account"):
        _invites_pupils_to_personal_account(ctx)
    for match in profile_url_re().finditer(ctx.text):
        account = match.group("account").lstrip("@").rstrip(".")
        if account.casefold() in official:
            continue
        ctx.add("personal_account", "block",
                f"This links to a profile on {match.group('site')} ({account}) that is not the school's official "
                f"account ({official_text}). Links to staff members' personal accounts are not allowed; remove the "
                "link.", excerpt_of(ctx.text, match.start(), match.end()))


def _person_on_a_platform(ctx: Context, official_text: str) -> None:
    """A person named by title or first name, to be found on a social platform: their own account, not the school's."""
    own = school_words(ctx.rules)
    for match in with_platforms(PERSON_ON_PLATFORM).finditer(ctx.text):
        who = match.group("who") or match.group("owner")
        first = who.replace(".", " ").split()[0]
        if {w.casefold() for w in re.findall(r"[A-Za-z]+", who)} & own - GROUP_WORDS:
            continue  # the school's own page
        if not (TITLE_RE.match(first) or is_given_name(first)) or NEGATED.search(ctx.text[max(0, match.start() - 40):match.start()]):
            continue
        ctx.add("personal_account", "block",
                f"'{match.group(0)}' points families to {who}'s own account, not the school's official one "
                f"({official_text}). The school does not link to staff members' personal accounts; leave it out.",
                excerpt_of(ctx.text, match.start(), match.end()))
        return


# The post asks pupils to connect with someone's account: "Year 5 can follow me…", "send me a follow request",
# "Follow her on…", "follow his personal Instagram".
REQUEST_INVITED = re.compile(r"(?<![\w'])(?i:send (?:me|him|her|them) (?:a )?(?:friend|follow) requests?|follow (?:my|his|her|their) "
                             r"(?:own |personal |private )?\w+|(?:follow|add|friend) (?:me|him|her)(?![\w'])|"
                             r"follow me on|add me on)(?![\w'])")
PUPILS_ADDRESSED = re.compile(r"(?<![\w'])(?i:year \d+(?:s|['’]s)?|pupils|students|children|kids|class \w+)(?![\w'])")


def _invites_pupils_to_personal_account(ctx: Context) -> None:
    """A staff member's own account offered to pupils ("Year 5 can follow me on my personal Instagram"): where
    the policy forbids staff friend or follow requests with pupils, the post itself asks for them."""
    invite = REQUEST_INVITED.search(ctx.text)
    if not invite or not PUPILS_ADDRESSED.search(ctx.text):
        return
    clause = ctx.rules.pupil_requests
    if clause is None:
        return
    ctx.add("personal_account", "block",
            f"'{invite.group(0)}' asks pupils to connect with a member of staff's own account, which the policy forbids "
            "staff to do. Point pupils to the school's official accounts instead.",
            excerpt_of(ctx.text, invite.start(), invite.end()), clause=clause)


def _addressee_is_a_person(who: str, own: frozenset[str]) -> bool:
    words = who.replace(".", " ").split()
    if not words:
        return False
    if TITLE_RE.match(words[0]):
        return True
    first = words[0].casefold()
    return first not in GROUP_WORDS and first not in NOT_SURNAMES and first not in own


def _staff_milestone(lead: str, who: str) -> bool:
    """"Happy retirement, Mrs Alder": a member of staff's retirement, named by title, is the school's news."""
    return bool(STAFF_MILESTONE.match(lead.strip())) and bool(TITLE_RE.match(who.replace(".", " ").split()[0]))


def check_messages(ctx: Context) -> None:
    own = school_words(ctx.rules)
    for match in GREETING_TO.finditer(ctx.text):
        lead = match.group("lead").lower()
        who = match.group("who")
        if lead == "to" and not (re.match(r"\s*[,:–—-]", ctx.text[match.end():]) and (
                TITLE_RE.match(who.split()[0]) or is_given_name(who))):
            continue  # "To celebrate" is not a greeting; "To Ava:" or "To Mrs Khan," is
        if not _addressee_is_a_person(who, own):
            continue  # "Dear Parents and Carers" speaks to everyone
        ctx.add("message_to_person", "block",
                f"'{match.group(0).strip()}' addresses one person. The school's accounts do not post messages to "
                "specific people; contact them directly, or write the post as news for everyone.",
                excerpt_of(ctx.text, match.start(), match.end()))
    for match in PERSONAL_OCCASION.finditer(ctx.text):
        who = match.group("who")
        if not _addressee_is_a_person(who, own) or _staff_milestone(match.group("lead"), who):
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
            ctx.add("message_to_person", "block" if KISS.search(ctx.text) else "warn",
                    f"'{match.group(0).strip()}' speaks to one person directly. If it is news (an achievement, a "
                    "thank-you for something the school did), write it about them, e.g. 'thank you to …'.",
                    excerpt_of(ctx.text, match.start(), match.end()))
    # "Happy birthday to our lovely lollipop lady Jean!": a personal occasion with a person named in it.
    for match in re.finditer(r"(?i:happy\s+(?:\d+\w*\s+)?birthday|get well soon|happy retirement|happy anniversary)",
                             ctx.text):
        sentence = sentence_at(ctx.text, match.start())
        names = [w for w in re.findall(r"[A-Z][\w'-]+", sentence) if is_given_name(w) or TITLE_RE.match(w)] + \
            ROLE_THEN_NAME.findall(sentence)  # "our lollipop lady Sue": a name, though also a word
        titled = re.search(rf"(?<![\w']){TITLE}\s+[A-Z]", sentence)
        if names and not (titled and _staff_milestone(match.group(0), titled.group(0))):
            ctx.add("message_to_person", "block",
                    f"'{match.group(0)}' to {names[-1]} is a personal message to one person. The school does not "
                    "post messages to specific people; send it to them directly instead.",
                    excerpt_of(ctx.text, match.start(), match.end()))
    for match in DIRECT_ADDRESS.finditer(ctx.text):
        if match.group("who").casefold() in GROUP_WORDS | own:
            continue
        ctx.add("message_to_person", "block",
                f"The post speaks directly to {match.group('who')}. The school does not post messages to specific "
                "people.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in VOCATIVE.finditer(ctx.text):
        who = match.group("who")
        if who.casefold() in GROUP_WORDS | own or not (is_given_name(who) or who.casefold() in {
                n.casefold() for n in ctx.consent.first_names()}):
            continue
        ctx.add("message_to_person", "block",
                f"The post speaks directly to {who}. The school does not post messages to specific people; "
                "contact them directly.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in TITLED_ADDRESS.finditer(ctx.text):
        rest = ctx.text[match.end():].split("\n", 1)[0].strip()
        if SIGN_OFF_ROLE.match(rest):
            continue  # "Mrs Quayle, Office Manager" signs the post; it does not speak to her
        following = ctx.text[match.end():match.end() + 2 * SENTENCE_REACH]
        if not (SPOKEN_TO.search(sentence_at(ctx.text, match.end())) or re.match(r"[A-Z][a-z'-]+['’]s\b", rest)
                or SECOND_PERSON.search(following[:200]) or NEW_CLAUSE.match(rest)):
            continue  # "Mr Grant – our new site manager – starts Monday" is about him, not to him
        ctx.add("message_to_person", "block",
                f"The post opens by speaking to {match.group('who')}: the school does not post messages to "
                "specific people; contact them directly.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in RELATIVE_ADDRESS.finditer(ctx.text):
        ctx.add("message_to_person", "block",
                f"The post speaks to {match.group('who')}: a message to one family. The school does not post "
                "messages to specific people; contact them directly.", excerpt_of(ctx.text, match.start(), match.end()))
    for match in ONE_PERSON.finditer(ctx.text):
        ctx.add("message_to_person", "block",
                f"'{match.group(0).strip()}' is aimed at one person. The school's accounts do not post messages "
                "to specific people; contact them directly instead.", excerpt_of(ctx.text, match.start(), match.end()))
    hostile = HOSTILE.search(ctx.text)
    if hostile and (ctx.has("message_to_person") or ctx.has("message_to_person", "warn")):
        ctx.add("harmful_language", "block",
                f"'{hostile.group(0)}': this calls one person out in public, in anger. The school never shames "
                "anyone on its accounts; speak to them directly.", excerpt_of(ctx.text, hostile.start(), hostile.end()))


