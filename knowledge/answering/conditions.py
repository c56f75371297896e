"""A clause's conditions read against the facts a question states.

The verdict stage asks these small questions of a clause sentence: does its exception name
something the question speaks of; does it limit itself to the asker's own children and the
question brings in others; does it need someone's approval first; does it let only named people
act; does a permission carry a "not …" the question asks to do. Only the shape of English is
here; the words come from the clause and the question.
"""
from __future__ import annotations

import re
from datetime import date

from knowledge.answering.question import Question
from knowledge.answering.vocabulary import content_stems

# Where a prohibition's or a duty's exception starts ("unless directly related to the school").
EXCEPTION_START = re.compile(r"\b(?:unless|except(?: for| where| when| in)?|other than|save for)\b", re.I)
# Words too common in any policy to show that a question meets an exception.
COMMON_STEMS = frozenset(content_stems("school schools academy academies trust pupil pupils student students child "
                                       "children staff parent parents carer carers member members policy social "
                                       "media account accounts official post posts image images photo photos use example day time"))
# The exception proper ends where a condition on it or a new clause begins ("…an emergency closure),
# which the Principal may approve, provided…").
EXCEPTION_END = re.compile(r",\s*(?:which|who|provided|as long as|so long as|and|but)\b|[;.]|\s[–—-]\s")
# "Post images of children other than their own", "and only of their own children".
OWN_ONLY = re.compile(r"\bother than (?:their|your|his|her) own\b|\bonly (?:of |to |for )?(?:their|your) own\b", re.I)
OTHERS_NAMED = re.compile(r"\b(?:other|others|another|loads of|lots of|all the|whole)\s*(?:\w+\s+)?"
                          r"(?:kids?|child|children|pupils?|students?|people|parents?|families|class|in it|in them|"
                          r"in the background|in shot)\b|\bothers\b|"
                          r"\b(?:his|her|their|my \w+s|the) (?:\w+ )?(?:mates|friends|classmates|class|team|team ?mates|group|year)\b|"
                          r"\b(?:class|group|team|year|school) (?:photos?|pics?|pictures?|assembly|play|trip|nativity|"
                          r"concert|assemblies)\b")
ONLY_OWN_NAMED = re.compile(r"\b(?:just|only) (?:of )?(?:my|our) (?:own|son|daughter|child|kid|kids|children|boy|girl|"
                            r"little one|twins)\b|\bnobody else\b|\bno one else\b|\bno other (?:kids|children|pupils)\b")

# "All posts must be approved by X before they are published": a step that must come first.
PREREQUISITE = re.compile(r"\bmust (?:first )?be (?:approved|checked|agreed|authori[sz]ed|signed off|cleared)\b"
                          r"[^.;]*\bbefore\b", re.I)
APPROVAL_STATED = re.compile(r"\b(?:approved|signed off|sign off|checked|cleared|agreed|okd|okayed|given the go ahead)\b")
# "Only the Headteacher, the School Business Manager and the Computing Lead may post…": the holders.
ONLY_HOLDERS = re.compile(r"^\s*Only (?P<holders>[^.;]{3,160}?) (?:may|can|are allowed to|is allowed to)\b", re.I)
# What a permission or duty says not to do along the way ("hand it to the DSL without looking at
# the content", "listen, not ask leading questions, not promise confidentiality", "being 'liked'
# doesn't imply endorsement").
NEGATED_ACT = re.compile(r"\bwithout (\w+ing)\b|(?:,|\band|\bor|^\W*(?:[a-z]\)\s*)?)\s*(?:not|never) (\w+)(?: (\w+))?|"
                         r"\b(?:doesn'?t|does not|do not|don'?t|will not|won'?t) (?:imply|mean) (?:any |an? )?(\w+)",
                         re.I)


def _stems(text: str) -> set[str]:
    return {stem for stem in content_stems(re.sub(r"[^a-z0-9 ]+", " ", text.lower())) if stem not in COMMON_STEMS}


def own_words(text: str) -> set[str]:
    """The stems of a text's own words, beyond those every policy uses."""
    return _stems(text)


def asks_about(question: Question, stems: set[str], strict: bool = False) -> bool:
    """The question speaks of one of these stems: as a word, or through a lexicon term naming it
    (`strict`: a one-word term only; a broad term such as "like follow endorsement" says too little)."""
    tokens = set(question.tokens)
    if stems & tokens:
        return True
    terms = [token[1:].split("_") for token in tokens if token.startswith("_")]
    return any(set(content_stems(" ".join(words))) & stems for words in terms if not strict or len(words) == 1)


def _exception_words(text: str) -> str:
    end = EXCEPTION_END.search(text)
    return text[:end.start()] if end else text


def exception_named(text: str, question: Question) -> bool | None:
    """None when the sentence has no exception; else whether the question speaks of what the
    exception names (its own words, not those of the rule it excepts)."""
    match = EXCEPTION_START.search(text)
    if not match:
        return None
    before, after = _stems(text[:match.start()]), _stems(_exception_words(text[match.end():]))
    return asks_about(question, after - before)


def own_children_only(text: str, question: Question) -> str | None:
    """"others" when a rule limited to the asker's own children meets a question that brings in
    other children, "own" when the question says they are only the asker's own; else None."""
    if not OWN_ONLY.search(text):
        return None
    if OTHERS_NAMED.search(question.normalised):
        return "others"
    if ONLY_OWN_NAMED.search(question.normalised):
        return "own"
    return None


def needs_approval_first(text: str, question: Question) -> str | None:
    """For a sentence that requires approval before acting: "stated" when the question says the
    approval was given, "excepted" when it speaks of the sentence's own exception, "missing" otherwise."""
    match = PREREQUISITE.search(text)
    if not match:
        return None
    if APPROVAL_STATED.search(question.normalised) and not re.search(r"\bsign off\b", question.normalised):
        return "stated"
    rest = text[match.end():]
    exception = EXCEPTION_START.search(rest)
    if exception:
        before = _stems(text[:match.end()] + rest[:exception.start()])
        if asks_about(question, _stems(_exception_words(rest[exception.end():])) - before):
            return "excepted"
    return "missing"


def holder_named(text: str, question: Question) -> bool | None:
    """For "Only X, Y and Z may …": whether the question names one of them as acting; None otherwise."""
    match = ONLY_HOLDERS.search(text)
    if not match:
        return None
    return asks_about(question, _stems(match.group("holders")))


def negated_act_asked(text: str, question: Question) -> bool:
    """The question asks about something the sentence says not to do on the way ("should I look?"
    against "hand it to the DSL without looking at the content")."""
    words = [word for groups in NEGATED_ACT.findall(text) for word in groups if word]
    stems = _stems(" ".join(words))
    return bool(stems) and asks_about(question, stems, strict=True)


# "Images for official accounts must be taken on school-owned devices only": a requirement on what to
# use, against a question that uses the asker's own ("on my own phone").
OWNED_REQUIRED = re.compile(r"\bmust be \w+ (?:on|using|with|from) (?:\w+[- ])?(?:owned|official|issued|provided)\b",
                            re.I)
OWN_THING = re.compile(r"\b(?:my|his|her|their) (?:own |personal |private )?(?:phone|mobile|iphone|device|camera|"
                       r"ipad|tablet|laptop)\b|\bpersonal (?:phone|mobile|device|camera)\b")


def own_device_against_required(text: str, question: Question) -> bool:
    """The sentence requires the school's own equipment and the question uses someone's own."""
    return bool(OWNED_REQUIRED.search(text)) and bool(OWN_THING.search(question.normalised))


# "Staff who have not been authorised by the office … must not": the prohibition binds only
# those lacking something; a question saying they have it is outside it.
LACKING = re.compile(r"\b(?:who|whose \w+|that) (?:has|have|had) not (?:been )?(\w+)", re.I)


def lacking_met(text: str, question: Question) -> bool:
    """The prohibition binds those who have not been (or done) X, and the question says X was done
    ("set me up as an authorised poster"), not that it was not."""
    for match in LACKING.finditer(text):
        stems = _stems(match.group(1))
        if not stems or not asks_about(question, stems, strict=True):
            continue
        said = re.escape(match.group(1)[:6])
        if re.search(r"\b(?:not|never|hasnt|havent|isnt|wasnt|no)\b\s+(?:\w+\s+){0,2}" + said, question.normalised):
            continue
        if re.search(UNSURE + r"(?:\s+\w+){0,6}\s+" + said, question.normalised):
            continue  # "not sure if I have been authorised": the fact is not given, so the rule still may bind
        return True
    return False


# Words that leave a fact open: "if I am authorised", "not sure whether", "no idea if".
UNSURE = r"\b(?:if|whether|not sure|unsure|dont know|do not know|no idea|not certain|wondering)\b"


# "…may repost official posts, provided they do not add any comment that breaches this policy": a
# proviso that only rules something out is met unless the question says it is not.
NEGATIVE_PROVISO = re.compile(r"\b(?:provided|as long as|so long as) (?:that )?(?:\w+ ){0,2}(?:do|does|did) not\b", re.I)


def only_negative_proviso(text: str) -> bool:
    """The permission's only condition is a "provided … do not …" proviso."""
    if not NEGATIVE_PROVISO.search(text):
        return False
    rest = NEGATIVE_PROVISO.sub(" ", text)
    return not re.search(r"\b(?:if|only|unless|provided|subject to|as long as)\b", rest, re.I)


# A clause's parts: its sentences, and the halves of one joined by a semicolon ("a student's full
# name; a first name may be used only where…"), each a rule of its own.
SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])|(?<=;)\s+|,?\s+(?:and|but)\s+(?=(?:should|must|will|may) not\b)")


def sentences_by_overlap(text: str, question: Question) -> list[tuple[int, str]]:
    """The clause's sentences, each with how many of its own words (beyond the words every policy
    uses) the question speaks of, most first; one sentence alone gets 0."""
    sentences = [part for part in SENTENCE_END.split(text) if part.strip()]
    if len(sentences) < 2:
        return [(0, text)]
    tokens = set(question.tokens)
    scored = [(len(_stems(sentence) & tokens), sentence) for sentence in sentences]
    return sorted(scored, key=lambda pair: -pair[0])


# "this permission is valid for a period of five years": consent that lapses.
VALID_FOR = re.compile(r"\bvalid for (?:a period of |up to )?(\w+) (year|month)s?\b", re.I)
NUMBER_WORDS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18}
# When it was given: "signed in 2019", "dated june 2020", "about 18 months ago"; and "now" ("its dec 2025 now").
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
YEAR = re.compile(r"\b(?:([a-z]{3})[a-z]*\s+)?(20\d\d)\b")
AGO = re.compile(r"\b(\w+) (year|month)s? ago\b")
# The consent's own words: a date counts only this close to one of them.
CONSENT_CUE = re.compile(r"\b(?:consent\w*|form|forms|signed|sign|gave|given|agreed|permission|opted)\b")
CUE_REACH = 40
RECENT = re.compile(r"\b(?:last|this) (?:week|month|term|year)\b|\brecently\b|\bjust (?:signed|given|gave)\b")
NOW_YEAR = re.compile(r"\b(?:its|it is|now|currently|this is)\s+(?:(\w+)\s+)?(20\d\d)\b|\b(?:(\w+)\s+)?(20\d\d) now\b")


def _when(month: str | None, year: str) -> float:
    """A year with its month when one is named ("june 2020" → 2020.42); a season or nothing: mid-year."""
    short = (month or "")[:3].lower()
    return int(year) + (MONTHS.index(short) / 12 if short in MONTHS else 0.5)


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word.lower())


def consent_age(question: Question, today: date | None = None) -> float | None:
    """How many years ago the question says the consent was given, when it says."""
    text = question.normalised
    near = [m.span() for m in CONSENT_CUE.finditer(text)]
    if not near:
        return None  # a year in a question about something else ("our 2019 sports day") dates nothing here

    def about_consent(match: re.Match) -> bool:
        return any(match.start() - CUE_REACH <= end and start <= match.end() + CUE_REACH for start, end in near)

    ago = next((m for m in AGO.finditer(text) if about_consent(m)), None)
    if ago and _number(ago.group(1)) is not None:
        return _number(ago.group(1)) / (12 if ago.group(2) == "month" else 1)
    if any(about_consent(m) for m in RECENT.finditer(text)):
        return 0.0
    now_match = NOW_YEAR.search(text)
    if now_match:
        month, year = (now_match.group(1), now_match.group(2)) if now_match.group(2) else now_match.group(3, 4)
        now = _when(month, year)
    else:
        today = today or date.today()
        now = today.year + (today.month - 1) / 12
    given = [_when(m.group(1), m.group(2)) for m in YEAR.finditer(text)
             if int(m.group(2)) < int(now) and about_consent(m)]
    return now - min(given) if given else None


def validity(text: str, question: Question, today: date | None = None) -> str | None:
    """"lapsed" or "valid" for a consent the clause says lasts a while, against when the question
    says it was given; None when either is unsaid."""
    match = VALID_FOR.search(text)
    if not match or _number(match.group(1)) is None:
        return None
    age = consent_age(question, today)
    if age is None:
        return None
    period = _number(match.group(1)) / (12 if match.group(2).lower() == "month" else 1)
    return "lapsed" if age > period else "valid"


# Someone's own private business ("i run a small plumbing business", "my sister runs a cake business",
# "my mate's cafe"): private trade, which no exception for what is "directly related to the school" reaches
# unless the question says how it is.
PRIVATE_BUSINESS = re.compile(r"\b(?:i|we|(?:my|our) \w+) (?:run|runs|own|owns|have|has|started|set up)(?: \w+){0,3} (?:business|shop|company|firm|cafe|"
                              r"salon|bakery|stall)\b|\b(?:my|our|his|her|their) (?:\w+s? ){0,3}(?:business|shop|company|"
                              r"firm|cafe|salon|bakery|stall)\b")
UNRELATED = re.compile(r"\bnothing to do with\b|\bnot (?:connected|related|linked) (?:to|with)\b|\bunrelated\b")


def private_trade_outside(text: str, question: Question) -> bool:
    """An exception for what is related or connected to the school, against a question about
    someone's own private business that does not speak of the exception, or says it is unrelated."""
    match = EXCEPTION_START.search(text)
    if not match or not re.search(r"\b(?:related|connected|linked|associated)\b", text[match.end():], re.I):
        return False
    if UNRELATED.search(question.normalised):
        return True
    return bool(PRIVATE_BUSINESS.search(question.normalised)) and exception_named(text, question) is False


# "Urgent matters and any welfare concern must be raised by ringing the office, not through the class
# app": a channel ruled out for some matters. What the matter is comes from the sentence's subject.
REDIRECTED = re.compile(r"^(?P<subject>[^.;]{3,80}?) (?:must|should) be (?:raised|reported|sent|made|shared|passed on)\b"
                        r"[^.;]*?,? (?:not|never) (?:through|via|by|on|using|in) (?P<channel>[^.;,]{2,40})", re.I)
URGENT_WORDS = re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening)|right now|asap|urgent|urgently|"
                          r"emergency|immediately|straight away)\b")


# Words of a redirected matter that name no matter in particular ("urgent matters and any concern").
ROUTINE_STEMS = frozenset(content_stems("matter matters issue issues thing things any urgent"))


def ruled_out_channel(text: str, question: Question) -> bool:
    """The question asks to use a channel the sentence rules out for urgent or safeguarding
    matters, and its matter is one (the question says it is pressing, or it raises a concern)."""
    match = REDIRECTED.search(text)
    if not match or not asks_about(question, _stems(match.group("channel")), strict=True):
        return False
    subject = match.group("subject").lower()
    urgent = ("urgent" in subject or "emergenc" in subject) and bool(URGENT_WORDS.search(question.normalised))
    concern = ("safeguarding" in subject or "concern" in subject) \
        and (question.concern or asks_about(question, _stems(subject) - ROUTINE_STEMS, strict=True))
    return urgent or concern


# A former pupil now grown up ("hes 27 now and has nothing to do with the school anymore").
FORMER = re.compile(r"\b(?:former|ex|left|taught|used to teach|years ago|years back|anymore|any more)\b")


def former_adult_outside_current(text: str, question: Question) -> bool:
    """A prohibition about current pupils only, against a grown-up former pupil."""
    return bool(question.adult and FORMER.search(question.normalised)
                and re.search(r"\bcurrent (?:pupils?|students?)\b", text, re.I)
                and not re.search(r"\b(?:former|past|ex-)", text, re.I))


OBJECT_WORDS = 3


def squarely_named(part: str, question: Question) -> bool:
    """The question names every word of what the part ends on, its object ("… a child's surname",
    "pupils' full names"), beyond the words every policy uses."""
    stems = _stems(" ".join(part.rstrip(" .;:").split()[-OBJECT_WORDS:]))
    return bool(stems) and stems <= set(question.tokens)


# What a consent is for: "records consent to named images", "consent for his name and photo", "photo consent".
CONSENT_FOR = re.compile(r"\b(?:consent|permission|agreement)\s+(?:to|for)\s+((?:[\w']+\s+){0,2}[\w']+)", re.I)
CONSENT_KIND = re.compile(r"\b([a-z]+)\s+(?:consent|permission)\b")
NOT_A_KIND = frozenset("given gave got get has have had no any the a their his her my our your written specific signed "
                       "full parental verbal proper their its without with need needs needed".split())


def _consent_kinds(text: str) -> tuple[bool, set[str]]:
    """Whether the text says what a consent is for, and the stems of what it says."""
    kinds = [m.group(1) for m in CONSENT_FOR.finditer(text)]
    kinds += [m.group(1) for m in CONSENT_KIND.finditer(text.lower()) if m.group(1) not in NOT_A_KIND]
    return bool(kinds), _stems(" ".join(kinds))


def consent_for_else(text: str, question: Question) -> bool:
    """The sentence's consent is for something named ("consent to named images") and the consent
    the question states is for something else ("everyone's got photo consent")."""
    said, wanted = _consent_kinds(text)
    if not wanted:
        return False
    stated, given = _consent_kinds(question.normalised)
    return stated and not wanted <= given
