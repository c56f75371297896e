"""Where a pupil is, pupils undressed, one person's personal details, and pupils who must not appear.

Each is found by what the draft says, and blocks where the policy has a rule of that kind (read by
knowledge/draft_policy.py); where it has none, the finding is a warn for a person to look at.
"""
from __future__ import annotations

import re

from knowledge.draft_check.base import (GENERIC_SCHOOL_WORDS, GROUP_WORDS, SENTENCE_REACH, TITLE_RE, Context, excerpt_of,
                                        sentence_at, sentences, words, words_after, words_before)
from knowledge.person_names import is_common_word, is_given_name

# --- where a child is ------------------------------------------------------------------------------
# The group is there now: "right now", "we're here until 2pm", "just arrived at", "📍".
LIVE_NOW = re.compile(
    r"(?<![\w'])(?i:right now|(?:we'?re|we are|they'?re|they are) (?:still |now |currently )?(?:here|at)|still here|current(?:ly)? location|"
    r"wave if you(?:'re| are)? (?:see|pass|passing|drive|driving)|half[- ]time at|(?:trip|residential|visit|tour) update|"
    r"update from (?:the|our) [\w ]{0,25}(?:trip|residential|visit|tour|camp)|heading to (?:the )?(?-i:[A-Z])|"
    r"(?:leave|leaving|set off from) here|here until|(?:have|has) just arrived|just arrived|"
    r"(?:have|we'?ve|they'?ve) (?:safely )?arrived|(?:are|is) currently at|more updates (?:tomorrow|to follow|later)|wave if you see us|give us a wave|track (?:their|our|the) (?:coach|bus|minibus|journey|location)|live (?:location|tracking|map)|wave (?:at|to) (?:us|our|the|them)|come and say (?:hi|hello)|"
    r"day \d+ of (?:the|our) [\w ]{0,25}(?:residential|trip|camp|tour|visit))(?![\w'])|📍|"
    r"(?i:live|greetings|hello|waving) from (?:the )?[A-Z]|"
    # a trip still under way: its day count, its middle, more to come from it
    r"(?<![\w'])(?i:day (?:\d+|one|two|three|four|five) (?:in|at)) [A-Z]|"
    r"(?<![\w'])(?i:(?:halfway|half way|midway) through (?:our|the|their) [\w ]{0,25}(?:trip|residential|visit|tour|camp|day)|"
    r"more (?:photos|pictures|pics|updates|news) (?:tonight|tomorrow|later (?:today|on)|this (?:evening|afternoon)))(?![\w'])|"
    # a match still being played: a score as it stands, the interval, the restart
    r"(?<![\w'])(?i:(?:are|is|'re) (?:\d+\s*[-–—]\s*\d+|\w+ goals?) (?:up|down|ahead|behind)|it'?s half[- ]time|"
    r"(?:^|(?<=[\n.!?]\s)|(?<=[\n.!?]))[^\w\n]{0,4}half[- ]time(?! (?:oranges|snacks?|show))|"
    r"(?:kick-?off|restart|second half) (?:again )?in \d+ min\w*)(?![\w'])")
# A group doing something somewhere, said on the day: "are having a great time at…today", "are at…this morning".
# Any verb in the present progressive ("are warming up", "is exploring"): the doing is going on now.
PRESENT_AT = re.compile(r"(?<![\w'])(?i:(?:are|is|'re) (?:currently |now |still |all )?(?:[a-z]{2,}ing|at|"
                        r"on (?:their|our|the) (?:[\w-]+ ){0,2}(?:trip|visit|residential|tour)))(?![\w'])")
TRIP_WORD = words(r"trip", r"visit", r"residential", r"tour")
NOW_WORDS = words(r"today", r"this (?:morning|afternoon|evening)", r"at the moment", r"currently", r"so far", r"as we speak",
                  r"(?:trip|residential|visit|tour) update", r"update from", r"more (?:photos|pictures|updates) (?:later|soon|to come)")
# The group will be somewhere at a time: "will be at Whitby Abbey from 10am", "come and cheer them on".
WILL_BE_AT = words(r"will be at", r"(?:are|is|we'?re|we are) (?:off|heading|going|travelling) to", r"arriv(?:e|es|ing) (?:at|around|about|by)",
                   r"(?:leav|depart)(?:e|es|ing) (?:at|from)", r"(?:are|is|will be|we'?re|we are) staying at", r"(?:we|they)['’]ll be at", r"we (?:will|shall) be (?:at|on|in)", r"(?:is|are) at", r"kick(?:s|ing)? off", r"(?:starts?|begins?|tip-off|face-off) at", r"come and cheer", r"cheer (?:\w+ )?on",
                   r"come (?:along )?(?:and|to) (?:support|watch|cheer)",
                   r"(?:are|is|will be|we'?re|we are) playing (?:away |at home )?(?:at|against|vs)", r"playing away at",
                   r"(?:are|is|will be|'re|who'?s) (?:performing|singing|competing|racing|running|swimming|dancing|exhibiting|"
                   r"appearing|taking part|marching|parading) (?:[\w'’-]+ ){0,5}(?:at|in)",
                   # any doing still to come, somewhere: "will be representing the school at…"
                   r"will be [a-z]{3,}ing (?:[\w'’-]+ ){0,5}at",
                   r"good luck to (?:our |the |all )?(?:[\w/-]+ ){0,3}(?:teams?|squad|players|runners|swimmers|athletes|pupils|"
                   r"students|children|girls|boys|year \d+s?|u\d+s|under-?\d+s)", r"(?:first )?(?:match|game|race|fixture|heat)(?:es|s)? (?:at|is at|starts?|begins?|kicks? off)", r"tomorrow'?s plan",
                   r"(?:tonight|tomorrow)'?s? \w+ (?:is|will be) at")
# A day is a time too: "will be at the Town Hall on Saturday".
WHEN = words(r"tomorrow", r"tonight", r"this (?:morning|afternoon|evening|weekend)", r"(?:on |this |next |until )?"
             r"(?:mon|tues|wednes|thurs|fri|satur|sun)day")
CLOCK = re.compile(r"(?<![\w.])(?:\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm)|\d{1,2}[.:]\d{2}|noon|midday|tonight)(?![\w])", re.I)
# A named place: "at the Leeds Schools Cross Country", "at Hallam Sports Centre", "📍 Tropical World".
PLACE = re.compile(r"(?:\b(?i:at|from|to)\s+(?:(?i:the)\s+)?|📍\s*)(?P<place>[A-Z][\w'&-]*(?:\s+(?:of\s+)?[A-Z][\w'&-]*){0,4})")
# Where a group is while doing something ("warming up at Castle Park", "in Dalby Forest"), not where a title
# or a journey goes ("Journey to the River Sea"); "in" a single word is a lesson as often as a town ("in Science").
BEING_AT = re.compile(r"(?:\b(?i:at)\s+(?:(?i:the)\s+)?|📍\s*)(?P<place>[A-Z][\w'&-]*(?:\s+(?:of\s+)?[A-Z][\w'&-]*){0,4})|"
                      r"\b(?i:in)\s+(?:(?i:the)\s+)?(?P<area>[A-Z][\w'&-]*(?:\s+(?:of\s+)?[A-Z][\w'&-]*){1,4})")
NOT_PLACES = frozenset("""monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december year reception christmas easter half term the school home""".split())
SCHOOL_PREMISES = words(r"school", r"hall", r"classroom", r"playground", r"library", r"office", r"canteen", r"gates?")
# On one line, and not a date ("6 May\nKestrel Lane" is a date, then a signature).
ADDRESS = re.compile(r"(?<![\w£])\d{1,4}[a-z]?,?[ \t]+(?!(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)"
                     r"(?:[A-Z][a-z]+[ \t]+){1,3}(?:Road|Rd|Street|St|Lane|Avenue|Ave|Crescent|"
                     r"Close|Drive|Way|Grove|Terrace|Place|Gardens|Court|Mews|View|Rise|Walk|Hill|Square)\b")
# A street by name, with or without a house number ("up Mill Road"), and the words of a way home.
STREET = re.compile(r"(?<![\w'])(?:[A-Z][a-z]+[ \t]+){1,2}(?:Road|Rd|Street|Lane|Avenue|Crescent|Close|Drive|Grove|"
                    r"Terrace|Gardens|Mews|Rise|Estate)(?![\w'])")
HOME_ROUTE = words(r"(?:family|mum|dad|parents|grandparents|house) (?:from|of|on|in)",r"(?:walks?|walking|walked|cycles?|cycling|goes|gets the bus) home", r"lives?", r"living",
                   r"(?:his|her|their) (?:house|home|flat|street|road|way home|route)", r"the flats", r"next door to",
                   r"round the corner from")
# An organisation a child belongs to outside school ("Kirkstall Karate Academy", "Moortown Juniors FC").
CLUB = re.compile(r"(?:[A-Z][\w'&-]+\s+){1,4}(?:Club|Academy|FC|AFC|Juniors|Gymnastics|Karate|Taekwondo|Judo|Dance|"
                  r"Scouts|Brownies|Cubs|Beavers|Guides|Stage School|Athletics|Swimming|Boxing)\b(?!\s+[A-Z])")
PUPIL_MENTION = re.compile(r"(?<![\w'])(?i:year\s*\d+|reception|pupils?|students?|children|kids|team|squad|group|"
                           r"boys|girls|u\d{1,2}s?|under[- ]\d{1,2}s?|"
                           r"class|choir|our \w+s)(?![\w'])")

# --- undress -------------------------------------------------------------------------------------
# A space between words also matches a hyphen ("Getting-Changed-for-PE"); not one inside [ ].
UNDRESS = words(*(re.sub(r" (?![^\[]*\])", r"[\\s-]+", item) for item in (
                r"swimwear", r"swimsuits?", r"swimming costumes?", r"trunks", r"bikinis?", r"swimming gala", r"poolside",
                r"paddling pools?", r"in the pool", r"swimming", r"swimmers?", r"swim(?:s)?", r"gala day",
                r"\d+m (?:race|freestyle|backstroke|breaststroke|butterfly)", r"mid (?:quick )?change", r"(?:costume|quick|outfit|clothes) changes?",
                r"getting changed", r"changing (?:for|into)", r"changing rooms?", r"(?:pe|kit) changing", r"changing (?:chaos|time)",
                r"get(?:ting)? (?:into|out of) (?:a|the|their|his|her|our) (?:pe |swim |sports )?kits?",
                r"get(?:ting)? (?:changed|undressed)", r"into their (?:kits|pe kits|costumes|uniforms)",
                r"vests and pants", r"pants", r"underwear", r"pyjamas", r"pjs", r"sleeping bags", r"in bed",
                r"dorms?", r"topless", r"bath ?time", r"undress\w*", r"half[- ]dressed", r"nappies")))

MISREAD_POSITION = words(r"(?:under|beneath) a (?:pile|heap) of", r"pile[sd]? on(?: top of)?", r"on (?:\w+['’]s|his|her|their) lap",
                         r"sat on (?:\w+['’]s|his|her|their) lap", r"piggy-?backs?", r"lying (?:on|under|on top of) "
                         r"(?:him|her|them|each other|\w+['’]s)", r"on top of (?:him|her|them|each other)", r"wrestl\w*")

# --- pupils who must not appear ----------------------------------------------------------------------
NO_MEDIA = re.compile(r"(?<![\w'])['‘\"]?no[- ](?:media|photos?|images?|pictures?)['’\"]?(?:\s+(?:list|pupils|children|"
                      r"students))?(?![\w'])", re.I)

# --- one person's details --------------------------------------------------------------------------
# A child's relatives, as a loss or a family event is said of them.
KIN = (r"(?:mum|dad|mother|father|grandad|grandpa|grandma|granny|grandmother|grandfather|grandparents?|nan|nana|brother|"
       r"sister|baby brother|baby sister|parents?|uncle|auntie|aunt|cousin|step-?(?:mum|dad|father|mother))")
DETAILS = {
    "health": words(r"broke (?:his|her|their) \w+", r"broken (?:arm|leg|wrist|ankle|collarbone|finger)", r"operation",
                    r"surgery", r"in hospital",
                    # a body part's repair, and the wish that goes with it: "hip replacement", "a speedy recovery"
                    r"(?:knee|hip|shoulder|heart|eye|cataract|back|spinal|ankle|wrist) (?:replacement|op|surgery|procedure)",
                    r"(?:speedy|quick|full|swift) recovery", r"get well soon", r"allerg\w*", r"diagnos\w*", r"illness", r"poorly", r"recovering",
                    r"injur\w*", r"asthma", r"diabet\w*", r"epilep\w*", r"cancer", r"chemo\w*", r"medication",
                    r"medical condition", r"anxiety", r"depression", r"mental health (?:issues?|problems?|difficulties)",
                    r"self[- ]harm\w*", r"eating disorder", r"off (?:sick|ill)", r"unwell"),
    "special educational needs": re.compile(
        r"(?<![\w'])(?:EHCP|(?i:education,? health and care plan|special educational needs|SEN support|speech and "
        r"language|autis\w*|ADHD|dyslexi\w*|dyspraxi\w*|therapist|additional needs|one-to-one support))(?![\w'])"),
    "behaviour": words(r"red cards?", r"yellow cards?",
                       # praise for a spell without something says the pupil used to: a record, however kind
                       r"(?:gone|went|managed|lasted|got through) (?:a|an|one|the|two|three|four) (?:whole |entire |full )?"
                       r"(?:day|week|fortnight|month|term|half[- ]term)s? without", r"detentions?", r"behaviour (?:points?|chart|plan)", r"suspended",
                       r"suspensions?", r"exclu(?:ded|sions?)", r"isolation", r"in trouble", r"naughty", r"misbehav\w*",
                       r"incident"),
    "attendance": words(r"off (?:school )?for (?:\w+ ){0,2}(?:days|weeks|months)",
                       r"(?:not|never|(?:has|have|had|did)n['’]?t) (?:\w+ )?missed (?:a|one|any) (?:single )?(?:day|morning|session|lesson)s?",
                       r"attendance(?! (?:officers?|leads?|managers?|team|rates?|figures?))", r"absen(?:t|ces?)", r"persistent(?:ly)? late", r"late (?:every|each) (?:single )?(?:day|morning)",
                       r"(?:has|have) been late", r"late marks?", r"lateness", r"punctuality", r"keeps? (?:arriving|being|coming) late", r"(?:is|are) always late", r"off school", r"days off"),
    "family circumstances": words(r"death of", r"died", r"passed away", r"bereave\w*", r"funeral", r"divorce\w*",
                                  r"separat(?:ed|ion)(?! (?:them|him|her|us|the|by|from|into))", r"foster\w*", r"in care", r"young carers?",
                                  rf"los(?:t|ing|es) (?:his|her|their) {KIN}",
                                  # the noun said of a relative: "the sad loss of her nan", "the death of his uncle"
                                  rf"loss of (?:(?:his|her|their|a|the) )?(?:[\w-]+ ){{0,2}}{KIN}",
                                  r"in (?:prison|jail|custody)", r"arrested", r"homeless\w*", r"(?:women'?s )?refuge",
                                  r"social services", r"domestic (?:abuse|violence)"),
    "examination results": re.compile(r"(?<![\w'])(?i:mocks?|mock exams?|exam results|GCSE results|grades? \d{1,2}s?|(?:SATs?|GCSEs?|A[- ]levels?|mocks?) (?:results?|scores?|grades?)|scored? (?:\d{2,3}|full marks)(?: (?:in|on) (?:the|her|his|their)? ?(?:SATs?|tests?|exams?|papers?)))(?![\w'])|"
                                      r"(?<![\w.])\d(?:,\s*\d){2,}(?![\w.])"),
}
# A mark said of a person ("scored 98%", "got 47/50", "full marks") is a result where the post is about a
# test or exam, even when the exam is named in another sentence ("Year 10 mocks are marked! … Aaron scored 98%").
SCORE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d)?\s?%|(?<![\w./])\d{1,3}\s?/\s?\d{1,3}(?![\w/])|(?i:full marks|top marks)|"
                   r"(?<![\w.])\d{1,3} (?i:out of) \d{1,3}(?![\w.])|"
                   # a grade in a subject: "got a 9 in English", "and Olivia a 7 in Maths"
                   r"(?<![\w'])(?i:an?|grade) \d{1,2}s? (?i:in) [A-Z]\w+")
EXAM_TALK = words(r"exams?", r"examinations?", r"mocks?", r"tests?", r"SATs", r"GCSEs?", r"A[- ]levels?", r"papers?",
                  r"assessments?", r"marked", r"results?", r"grades?")
PRONOUN = words(r"he", r"she", r"he'?s", r"she'?s", r"his", r"her", r"him", r"they'?ve", r"their")
BIRTH_DATE = words(r"dates? of birth", r"birthday is (?:on )?\d{1,2}(?:st|nd|rd|th)?(?: of)? \w+ \d{4}", r"born (?:on )?\d{1,2}(?:st|nd|rd|th)? \w+ \d{4}", r"born in \d{4}", r"d\.?o\.?b\.?",
                   r"born (?:on )?this (?:very |same )?day(?: in \d{4})?", r"born (?:on )?(?:\w+ ){1,2}\d{1,2}(?:st|nd|rd|th)?,? \d{4}")
# One pupil or a few singled out without a name: "the three Year 9 boys who were suspended".
SINGLED_OUT = words(r"(?:the|a|one) (?:\w+ )?(?:year \d+ )?(?:boy|girl|pupil|student|child) (?:who|from|in|responsible|"
                    r"involved|concerned|in question)",
                    r"the (?:\w+ )?(?:year \d+ )?(?:boys|girls|pupils|students) (?:who|from|in)")
# A sensitive status said of pupils as a group ("our children in care", "pupils with SEN"): a pupil named
# beside it is said to have it.
GROUP_STATUS = re.compile(r"(?<![\w'])(?i:children|pupils|students|kids|young people)(?![\w'])[^.!?\n]{0,25}$")
# "who is 11 today", "turns 9 tomorrow": an age said on the day, beside a birthday, is a date of birth.
A_DAY = r"(?:today|tomorrow|yesterday|(?:at|this|last|over) (?:the )?weekend|on \w+day)"
ON_A_DAY = re.compile(rf"(?i:{A_DAY})")
AGE_TODAY = re.compile(r"(?<![\w'])(?i:(?:is|turns?|turned|turning|be|now) (?:\d{1,2}|eleven|twelve|ten|nine|eight|seven|six|five)"
                       rf"(?: years? old)?[^.!?\n]{{0,12}}\b{A_DAY}|"
                       r"(?:\d{1,2}|eleven|twelve|ten|nine|eight|seven|six|five) (?:years? old )?(?:today|tomorrow))(?![\w'])")
BIRTHDAY = words(r"birthdays?", r"🎂")
# "Happy 9th birthday … 1 December": an age with the day is a date of birth.
AGE_ON_DAY = words(r"(?:\d{1,2}(?:st|nd|rd|th)|(?:ninth|tenth|eleventh|eighth|seventh|sixth|fifth)) birthday")
DAY_OF_MONTH = re.compile(r"(?<![\w£])\d{1,2}(?:st|nd|rd|th)?(?: of)? (?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
                          r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}(?:st|nd|rd|th)?(?![\w])")
# Capitalised words before "in Year 5" that are not a pupil's name.
NOT_PUPILS = frozenset("""boys girls students kids pupils teams everyone those all well congratulations today tomorrow
yesterday children friends families parents singers readers winners players artists scientists""".split())
GROUP_NOUNS = frozenset("class house team group form road street lane hall park school academy club day week cup "
                        "trophy award".split())
WITH_CONSENT = words(r"(?:given|gave|with) (?:us )?(?:their |her |his )?written (?:permission|consent)",
                     r"written (?:permission|consent)")


def _people_in(sentence: str, ctx: Context, staff_too: bool) -> list[str]:
    """Names of people in a sentence: register first names, given names, and (when the rule covers
    staff) titled names ("Mr Greene")."""
    register = {n.casefold() for n in ctx.consent.first_names()}
    found = []
    for match in re.finditer(r"(?<![\w'#@])([A-Z][a-z'’]+|[A-Z]{2,})(?![\w'])", sentence):
        word = re.sub(r"['’]s?$", "", match.group(1))  # "Ellie's family" is about Ellie
        before = words_before(sentence, match.start())
        if re.match(r"\s*\d", sentence[match.end():]) or (before and before[-1].rstrip(",").isdigit()):
            continue  # "21 August", "June 3rd": a date, not a person
        if before and TITLE_RE.match(before[-1]):
            if staff_too:
                found.append(f"{before[-1]} {word}")
            continue
        after = words_after(sentence, match.end())
        possessive = word != match.group(1)
        if after and after[0].strip(",.!?").casefold() in GROUP_NOUNS and not possessive:
            continue  # "Oak Class", "Red House" are groups, not people ("Ruby's house" is hers)
        if re.match(r"\s+(?:in|from)\s+(?:year|class|reception)\b", sentence[match.end():], re.I) and \
                word.casefold() not in GROUP_NOUNS | GROUP_WORDS | NOT_PUPILS and not word.isupper():
            found.append(word)  # "Grace in Year 5" is a pupil, whether or not Grace is a common word
            continue
        name = word.capitalize()
        if not (name.casefold() in register and not is_common_word(name) or is_given_name(name)):
            continue
        following = re.match(r"\s+([A-Z][a-z'’]+)", sentence[match.end():match.end() + 30])
        if following and is_common_word(following.group(1)) and not ctx.consent.find(f"{name} {following.group(1)}"):
            continue  # "Barnaby Bear", "Peter Rabbit": a character or mascot, not a person
        found.append(word)
    return found


def check_location(ctx: Context) -> None:
    rules = ctx.rules_of("location")
    about_clubs = next((c for c in rules if re.search(r"\bclub\b", c.text, re.I)), None)
    school_words = {w.casefold() for w in re.findall(r"[A-Za-z]+", ctx.rules.policy.meta.school or "")}

    def places(sentence: str, where: re.Pattern = PLACE) -> list[str]:
        found = []
        for match in where.finditer(sentence):
            place = match.group("place") or match.groupdict().get("area")
            first = place.split()[0].casefold()
            if first in NOT_PLACES or first in school_words or re.fullmatch(
                    r"(?i:(?:(?:main|sports|school|dining|assembly|our|the)\s+)?(?:" + SCHOOL_PREMISES.pattern + "))", place) \
                    or re.search(r"\bschool\b", place, re.I) or (" " not in place and is_given_name(place) and
                                                          not re.search(r"(?i:the)\s", match.group(0))):
                continue  # "Good luck to Harry": a person, not a place ("at the Abbey" is one)
            found.append(place)
        return found

    live, there = LIVE_NOW.search(ctx.text), False
    if not live:  # "Year 8 are having a brilliant time at Hillview Farm Park today!": there now, at a named place
        for start, sentence in sentences(ctx.text):
            doing, now = PRESENT_AT.search(sentence), NOW_WORDS.search(sentence)
            on_trip = doing and TRIP_WORD.search(doing.group(0)) and places(sentence)  # "on their trip to the Zoo"
            if doing and now and (places(sentence, BEING_AT) or on_trip) and PUPIL_MENTION.search(ctx.text):
                live, there = re.compile(re.escape(doing.group(0))).search(ctx.text, start), True
                break
    if live and (there or places(ctx.text) or CLOCK.search(ctx.text)):
        ctx.add("location", "block",
                f"'{live.group(0).strip()}' says where pupils are right now. Post about a trip or fixture once the "
                "group has left, without saying where they are or will be.",
                excerpt_of(ctx.text, live.start(), live.end()))
        return
    # A day alone is "a particular time" where the rule speaks of where a child will be; a rule about
    # location "in real time" is met by a clock time on the day, not by a trip's date in a letter.
    future_rule = any(re.search(r"\bwill be\b|\bparticular time\b", c.text, re.I) for c in rules)
    timed = CLOCK.search(ctx.text) or (future_rule and WHEN.search(ctx.text))
    pupils_named = bool(PUPIL_MENTION.search(ctx.text) or ctx.pictured)
    for start, sentence in sentences(ctx.text) if timed else []:
        soon = WILL_BE_AT.search(sentence)
        place = places(sentence) if soon else []
        # "We'll be at…" from a school account: the group speaks of itself.
        if place and (pupils_named or soon.group(0).lower().startswith("we") or _people_in(sentence, ctx, False)):
            ctx.add("location", "block",
                    f"This says where pupils will be and when ('{place[0]}'). The school does not post where a child "
                    "will be at a particular time outside school.",
                    excerpt_of(ctx.text, start + soon.start(), start + soon.end()))
            return
    for match in ADDRESS.finditer(ctx.text):
        ctx.add("location", "block",
                f"'{match.group(0)}' is an address: the school does not post anything that identifies where a child "
                "lives.", excerpt_of(ctx.text, match.start(), match.end()))
        return
    for match in STREET.finditer(ctx.text):  # a street named beside a pupil's way home: where they live
        sentence = sentence_at(ctx.text, match.start())
        if {w.casefold() for w in match.group(0).split()} & (school_words - GENERIC_SCHOOL_WORDS):
            continue  # the school's own address
        if HOME_ROUTE.search(sentence) and (_people_in(sentence, ctx, False) or PRONOUN.search(sentence)):
            ctx.add("location", "block",
                    f"'{match.group(0)}' beside a pupil's home or way home tells people where the child lives or "
                    "can be found.", excerpt_of(ctx.text, match.start(), match.end()))
            return
    if about_clubs:
        for match in CLUB.finditer(ctx.text):
            sentence = sentence_at(ctx.text, match.start())
            if {w.casefold() for w in match.group(0).split()} & (school_words - GENERIC_SCHOOL_WORDS):
                continue  # the school's own team or club
            if _people_in(sentence, ctx, False) or re.search(r"\b(?:in|from|of) year \d", sentence, re.I):
                ctx.add("location", "block",
                        f"'{match.group(0).strip()}' names a pupil's club outside school, which tells people where "
                        "the child can be found.", excerpt_of(ctx.text, match.start(), match.end()), clause=about_clubs)
                return


def check_undress(ctx: Context) -> None:
    match = UNDRESS.search(ctx.text)
    if match and ctx.has_image:
        ctx.add("undress", "block",
                f"'{match.group(0)}': the photos seem to show pupils in swimwear, getting changed or not fully "
                "dressed. Do not post images like these; choose a photo taken before or after, or one that shows the "
                "activity without the children.", excerpt_of(ctx.text, match.start(), match.end()))
        return
    # Where the rule also names positions that could be misinterpreted: bodies piled or lying together.
    position_rule = next((c for c in ctx.rules_of("undress") if re.search(r"\bposition|misinterpret", c.text, re.I)),
                         None)
    match = MISREAD_POSITION.search(ctx.text)
    if position_rule is not None and match and ctx.has_image:
        ctx.add("undress", "block",
                f"'{match.group(0)}': a photo of people lying or piled on one another could be misinterpreted. "
                "Choose a photo where everyone is standing or sitting apart.",
                excerpt_of(ctx.text, match.start(), match.end()), clause=position_rule)


def check_no_media(ctx: Context) -> None:
    match = NO_MEDIA.search(ctx.text)
    # Saying that one pupil is on the no-media list is itself the thing to keep private.
    about_one = match and (PRONOUN.search(sentence_at(ctx.text, match.start())) or
                           _people_in(sentence_at(ctx.text, match.start()), ctx, False))
    if match and (ctx.has_image or about_one):
        ctx.add("no_media", "block",
                f"The post says pupils who must not appear in images ({match.group(0).strip()}) are in the photo. "
                "Remove them before posting, whatever the reason.", excerpt_of(ctx.text, match.start(), match.end()))


def _in_a_name(sentence: str, match: re.Match) -> bool:
    """The detail's word is part of a name ("British Heart Foundation", "Asthma Society"): a charity or a
    place, not anyone's condition."""
    if not match.group(0)[:1].isupper() or match.start() == 0 or not sentence[:match.start()].strip():
        return False
    before, after = words_before(sentence, match.start()), words_after(sentence, match.end())
    return bool((before and before[-1][:1].isupper() and before[-1][-1].isalpha()) or
                (after and after[0][:1].isupper()))


def _group_status(sentence: str) -> re.Match | None:
    """A sensitive detail said of pupils as a group in this sentence, else None."""
    for what in ("family circumstances", "special educational needs", "health"):
        for match in DETAILS[what].finditer(sentence):
            if GROUP_STATUS.search(sentence[max(0, match.start() - 40):match.start()]):
                return match
    return None


HEADLINE_WORDS = 8
# Whose the headline is: a group's ("Year 3", "the whole school") is not one pupil's.
GROUP_SUBJECT = re.compile(r"(?<![\w'])(?i:class(?:es)?|year\s*\d+|reception|school|everyone|families|pupils|"
                           r"students|children|team|house|we|our)(?![\w'])")


def _headline(text: str, start: int, sentence: str) -> bool:
    """A short exclaimed line with nobody in it, before the sentence that says whose it is."""
    ends = text[start + len(sentence):start + len(sentence) + 1]
    return (ends in ("!", ":") and len(re.findall(r"\w+", sentence)) <= HEADLINE_WORDS
            and not GROUP_SUBJECT.search(sentence))


def _named_next(ctx: Context, start: int, sentence: str) -> list[str]:
    """The pupils named in the sentence after the one at `start`."""
    following = ctx.text[start + len(sentence):start + len(sentence) + SENTENCE_REACH]
    return _people_in(sentence_at(following, 1) if following.strip() else "", ctx, False)


def check_personal_details(ctx: Context) -> None:
    rules = ctx.rules_of("personal_details")
    staff_too = any(re.search(r"\bstaff\b|\bcolleagues?\b|\bteachers?\b|\bemployees?\b", c.text, re.I) for c in rules)
    # A pupil's exam passed is an achievement the school posts, unless its rule names results.
    names_results = any(re.search(r"\bresults?\b|\bexam\w*", c.text, re.I) for c in rules)
    consent_lifts = any(re.search(r"\bunless\b[^.;]*\bconsent\b", c.text, re.I) for c in rules)
    birth = BIRTH_DATE.search(ctx.text)
    age = AGE_ON_DAY.search(ctx.text)
    if not birth and age:
        said = sentence_at(ctx.text, age.start())
        if (DAY_OF_MONTH.search(said) or ON_A_DAY.search(said)) and _people_in(said, ctx, True):
            birth = age  # a person's, not the school's 50th
    age_today = AGE_TODAY.search(ctx.text)
    if not birth and age_today and BIRTHDAY.search(ctx.text) and \
            _people_in(sentence_at(ctx.text, age_today.start()), ctx, True):
        birth = age_today
    if birth:
        ctx.add("personal_details", "block",
                f"'{birth.group(0)}' is a date of birth: personal information the school does not post.",
                excerpt_of(ctx.text, birth.start(), birth.end()))
        return
    named_before: list[str] = []
    for start, sentence in sentences(ctx.text):
        people = _people_in(sentence, ctx, staff_too)
        if not people and named_before and PRONOUN.search(sentence):
            people = named_before  # "Welcome back Finley! After his suspension he's…" is about Finley
        if not people and not named_before:  # a status of a group, then a pupil named in the next sentence
            status = _group_status(sentence)
            named_next = _named_next(ctx, start, sentence)
            if status and named_next:
                ctx.add("personal_details", "block",
                        f"This says pupils are {status.group(0)!r} and then names {named_next[0]}: that tells everyone "
                        "the child has that status. Celebrate the child without it, or leave the name out.",
                        excerpt_of(ctx.text, start + status.start(), start + status.end()))
                return
        if not people and _headline(ctx.text, start, sentence):  # "THREE YEARS of 100% attendance! Ruby in Year 4 hasn't…"
            named_next = _named_next(ctx, start, sentence)
            if len(set(named_next)) == 1:
                people = named_next
        named_before = people
        singled = SINGLED_OUT.search(sentence)
        if not (people or singled):
            continue
        for what, pattern in DETAILS.items():
            match = next((m for m in pattern.finditer(sentence) if not _in_a_name(sentence, m)), None)
            if not match and what == "examination results" and people and EXAM_TALK.search(ctx.text):
                match = SCORE.search(sentence)
            if not match or (what == "examination results" and not names_results):
                continue
            if what == "examination results" and consent_lifts and WITH_CONSENT.search(ctx.text):
                continue  # the rule's own exception: written consent to share results
            who = people[0] if people else singled.group(0)
            ctx.add("personal_details", "block",
                    f"This shares {what} ('{match.group(0)}') about one person ({who}). The school does not post "
                    "an individual's personal information; celebrate the achievement without it, or leave it out.",
                    excerpt_of(ctx.text, start + match.start(), start + match.end()))
            return
