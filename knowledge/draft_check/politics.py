"""Political statements: parties, elections, campaigns, and views on government (split from tone.py, which keeps
harmful and mocking language)."""
from __future__ import annotations

import re

from knowledge.draft_check.base import SENTENCE_REACH, Context, excerpt_of, school_words, sentence_at, words
from knowledge.draft_check.tone import MOCKERY_WEAK, RESPECT
from knowledge.person_names import is_given_name

POLITICAL = words(
    r"labour party", r"vote labour", r"conservatives?", r"conservative party", r"tor(?:y|ies)", r"lib ?dems?",
    r"liberal democrats?", r"reform uk", r"green party", r"snp", r"plaid cymru", r"brexit", r"referendum",
    r"vot(?:e|es|ed|ing) (?:for|against)", r"sign (?:the|our) petition", r"join the (?:protest|march)",
    r"march against", r"support the strike", r"prime minister", r"the government(?:'s)?",
    r"ministers?", r"austerity", r"funding cuts?", r"cuts to (?:school|education) funding", r"mps?", r"council tax",
)
# Political words that are only a problem with an opinion beside them ("our MP visited" is news).
NEEDS_OPINION = re.compile(r"^(?:the government(?:'s)?|ministers?|prime minister|mps?|council tax)$", re.I)
OPINION = words(
    r"should", r"must", r"shameful", r"disgrace\w*", r"wrong", r"failing", r"failed", r"scrap", r"cuts?",
    r"under-?fund\w*", r"unfair", r"betray\w*", r"incompetent", r"write to", r"oppose", r"support", r"blame",
    r"crisis", r"let down", r"resign",
)
SCHOOL_VOTING = words(r"school[- ]council", r"eco[- ]council", r"(?:class|school|council|eco|pupil|year) reps?", r"house captains?", r"sports captains?",
                       r"class reps?", r"pupil parliament", r"school parliament", r"head (?:boy|girl)",
                       r"pupil voice", r"favourite", r"book of the (?:week|month)", r"mock election",
                       # school governance and competitions: elections and votes that are school life
                       r"(?:parent|staff|foundation|co-opted) governors?", r"governing (?:body|board)",
                       r"governor elections?", r"school councillors?", r"class (?:votes?|ballot)",
                       r"(?:vote|voting) (?:in|via) the comments", r"(?:choose|pick|decide|crown) (?:the|a|our) winner",
                       r"winning (?:design|entry|entries|poster|name|team|class)", r"competition entr(?:y|ies)")
ELECTION_FACT = words(r"general election", r"local elections?", r"polling station", r"polling day", r"by-election")

# Politics: parties and campaigning. A party named with a view or a call to vote blocks; named alone, warns.
PARTIES = re.compile(r"(?<![\w'])(?:Labour|Conservatives?|Tor(?:y|ies)|Lib ?Dems?|Liberal Democrats?|Reform UK|"
                     r"Green Party|Greens|SNP|Plaid Cymru|UKIP|(?:Green|Reform|Independent) (?i:candidate|councillor|MP))(?![\w'])")
CAMPAIGNING = words(r"don'?t forget to vote", r"remember (?:that|this) (?:when you|at the) (?:go to the )?(?:ballot box|polls?|vote)",
                     r"ballot box", r"give (?:him|her|them) (?:your |our )?(?:support|vote|backing)",
                     r"(?:vote|support|back) (?:him|her|them) (?:at|in|on) (?:the )?(?:polls|election|\d)", r"vote (?:on|in) (?:\d|the(?! (?:comments|poll\b|survey|form|quiz))|thursday|may)", r"back the campaign",
                     r"candidates?", r"manifesto", r"(?:only|most) sensible", r"leader our community needs",
                     r"agreed with us", r"stand (?:100% )?with", r"solidarity", r"when you vote", r"which party",
                     r"on (?:the|our) side of", r"(?:when|before) you (?:go to )?(?:the )?(?:polls|vote|ballot box)",
                     r"worth remembering who", r"(?:choose|vote|think) (?:wisely|carefully)(?= [^.!?\n]{0,40}(?:polls?|polling|vote|ballot|election|candidate))",
                     r"(?:only|just) (?:one|ONE) candidate", r"the only (?:candidate|party|one|councillor) (?:who|that) (?:really |actually |truly )?"
                     r"(?:cares|listens|will|can|gets)", r"(?:let'?s hope|hope|make sure) (?:the )?(?:voters|everyone|you) (?:remember|vote|think)",
                     r"voters (?:will )?remember", r"remember (?:which|who|what) (?:\w+ ){0,3}(?:promised|said|voted|did|didn'?t)", r"#vote\w+", r"#(?:labour|tor(?:y|ies)|conservatives?|libdems?|greens?|reformuk|snp)")
GOVERNMENT = words(r"(?:this|the|a|our) government(?:'s)?", r"government (?:cuts?|funding|polic(?:y|ies)|plans?|reforms?|decisions?)", r"ministers?", r"prime minister(?:'s)?", r"mps?", r"council tax",
                    r"the council", r"politicians?", r"chancellor(?:'s)?",
                    r"(?:education|health|home|foreign) secretary(?:'s)?", r"secretary of state(?:'s)?",
                    # the government by another name ("Westminster", "those in power"), which takes a side as surely
                    r"westminster", r"whitehall", r"downing street", r"the powers that be", r"those (?:in|with) (?:power|office|government)",
                    r"(?:those|the people|whoever(?: is)?) in charge of (?:[\w-]+ ){0,2}(?:funding|budgets?|spending|education|the country)")
# A demand made of the government as the one who must act ("it's about time those in power stopped…", "fixed when
# Westminster remembers…"); not a reminder to families that mentions the council ("please stop parking, the council…").
DEMAND_OF = re.compile(r"\s+(?:\w+ly |finally |actually )?(?:remembers?|wakes? up|(?:stop|stops|stopped) \w+ing|"
                       r"(?:start|starts|started) (?:listening|caring|paying|funding|treating)|"
                       r"(?:needs?|ought) to (?:listen|act|fund|pay|fix|step up|wake up))\b", re.I)
DEMAND_BEFORE = re.compile(r"(?<![\w'])(?:about|high) time(?![\w'])|(?<![\w'])(?:demand\w*|urg(?:e|es|ing)|lobby\w*|petition\w*|"
                           r"call(?:s|ing)? (?:up)?on|insist\w*|force|forcing|pressure\w*)(?: that)?\s+$", re.I)
# What a vote is for: a prize or a contest ("your vote for the Readers' Award") is school life, not an election.
# So is a vote for the best or favourite of something: a contest's question, not a candidate's.
PRIZE = r"(?:awards?|prizes?|trophy|trophies|cup|medals?|competitions?|contests?|challenge)"
FOR_A_PRIZE = re.compile(rf"\s+(?:(?:the|a|an|our|this|your)\s+(?:[\w'’-]+\s+){{0,4}}?{PRIZE}|(?:the|your)\s+(?:best|favourite|"
                         rf"funniest|most \w+)\b|(?:us|them|him|her)\b[^.!?\n]{{0,40}}?\b{PRIZE})(?![\w'])", re.I)
# Telling voters how to weigh their vote ("remember who…", "ask yourself who…"): a side taken without a party named.
WEIGH_THE_VOTE = words(r"(?:remember|ask yoursel(?:f|ves)|think (?:hard )?about|consider|bear in mind|don'?t forget|keep in mind|"
                       r"reflect on)(?: [^.!?\n]{0,30}?)?[:,]? (?:who|which (?:party|candidate|one|side))"
                       r"(?! (?:is|will|'s) (?:be )?(?:collect|pick|bring|drop))")
# What a government does, which approval takes a side on ("agreed with the minister's plan"); a visit by
# the local MP that the school was pleased to see is news.
GOVERNMENT_PLAN = words(r"plans?", r"polic(?:y|ies)", r"pledges?", r"promises?", r"announcements?", r"decisions?",
                        r"funding", r"cuts?", r"reforms?", r"budget", r"bill", r"laws?", r"tax\w*", r"scheme")
# Approval of a party, a politician or a government's plan: the school taking a side.
APPROVAL = words(r"(?:great|good|delighted|pleased|glad|happy|thrilled) to (?:see|hear)", r"yes please", r"finally",
                 r"hope (?:they|that they|every)", r"pledge[sd]?", r"promise[sd]?", r"commit(?:s|ted)? to", r"deliver",
                 r"agree[sd]?(?: with)?", r"so do we", r"backing", r"applaud\w*", r"welcome[sd]? (?:the|this|their|his|her)",
                 r"putting (?:\w+ ){1,3}first", r"about time", r"good riddance", r"at (?:long )?last", r"fair share", r"puts (?:\w+ ){1,3}first", r"fully behind", r"(?:the )?right (?:thing|call|decision)")
BLAME = words(r"doesn'?t care", r"don'?t care", r"clearly", r"disgraceful", r"shame(?:ful)? on", r"against",
               r"real-terms cuts?", r"cuts?", r"failing", r"failed", r"let down", r"betray\w*", r"unfair",
               r"under-?fund\w*", r"blame", r"standing up to", r"fully support", r"scrap", r"incompetent", r"should", r"must", r"resign", r"crisis",
               r"doing (?:a|an|such a) (?:\w+ ){0,2}job")
# What governments decide, which a school's post takes no side on.
POLICY_TOPIC = words(r"vat", r"tax(?:es|ation)?(?![- ]free)", r"tax (?:breaks?|rises?|cuts?|credits?)", r"benefits? (?:cap|cuts?)",
                     r"two-child (?:limit|cap)", r"universal credit", r"tuition fees", r"immigration", r"asylum seekers?",
                     r"academisation", r"grammar schools?")
# A verdict on such a policy (not "you should apply for tax-free childcare", which is advice).
STANCE = words(r"about time", r"good riddance", r"fair share", r"at (?:long )?last", r"finally", r"(?:un)?fair(?:er|ly)?",
               r"disgrace\w*", r"scandal\w*", r"shame(?:ful)?", r"cruel", r"wealthy", r"the rich", r"(?:great|good|"
               r"delighted|pleased|glad|thrilled) to (?:see|hear)", r"yes please", r"applaud\w*", r"oppose\w*",
               r"wrong", r"(?:should|must) (?:be )?(?:scrapped|reversed|stop\w*|go)", r"betray\w*", r"attack on")
# A vote asked for a name ("please vote Forward", "#VoteForward"): a party or a candidate, unless the name is a
# pupil's or a school group's ("vote Ella for school council", "vote Oak Class").
VOTE_FOR_NAME = re.compile(r"(?<![\w'])(?i:vote)\s+(?:(?i:for)\s+)?(?P<who>(?-i:[A-Z][a-z])[\w'’-]*)(?P<after>[^.!?\n]{0,40})|"
                           r"#(?i:vote)(?P<tag>(?-i:[A-Z])[A-Za-z]+)")
ELECTION_WORD = re.compile(r"\belections?\b|\bpoll(?:s|ing)\b|\bballot(?: box)?\b|🗳|\bcandidates?\b|\bparty\b", re.I)
# A politician by title ("Councillor Brennan", "Cllr Shah", "Jo Bloggs MP") and praise or a call to back them.
POLITICIAN = re.compile(r"(?<![\w'])(?:(?i:councillor|cllr)\.?\s+[A-Z][\w'-]+|[A-Z][\w'-]+ [A-Z][\w'-]+ MP)(?![\w'])")
BACKING = words(r"deserves?", r"great friend", r"champion(?:ed|s)? (?:for|of)", r"fought for", r"(?:got|secured|delivered) (?:us|our)")
# A call to a protest: the school taking part in a campaign.
PROTEST_CALL = words(r"(?:join|come to|attend|support|see you at) (?:[\w'’-]+ ){0,6}(?:rally|march|protest|demonstration|picket(?: line)?)",
                     r"stands? (?:100% )?with (?:the )?(?-i:[A-Z])[\w'’-]*")
# A slogan hashtag that asks something of a government ("#FundOurSchools", "#SaveOurNHS").
SLOGAN_TAG = re.compile(r"#(?:Fund|Save|Stop|Scrap|Axe|Back|Support|Protect|Fair)(?:Our|The)?[A-Z]\w*")
ANGER = re.compile(r"😡|🤬|😠|👎")
STRIKE = words(r"strikes?", r"strike action", r"industrial action", r"walk-?outs?", r"(?:trade |teaching )?unions?")


def _approves_a_plan(sentence: str) -> bool:
    """Approval next to what a government does ("agreed with the minister's plan", "the new funding is
    great to see"), not a sentence that is glad of a visit and mentions laws later on."""
    return any(GOVERNMENT_PLAN.search(sentence[max(0, m.start() - 45):m.end() + 45])
               for m in APPROVAL.finditer(sentence))


def _mocks(sentence: str) -> bool:
    """A sign of mockery in the sentence; "again" alone is a plain fact of time ("the patrol starts again")."""
    return any(m.group(0).strip().casefold() != "again" for m in MOCKERY_WEAK.finditer(sentence))


def _with_closing_marks(text: str, index: int) -> str:
    """The sentence at `index` with the marks that close it ("…might say! 😉"): a wink after the full
    stop still belongs to the sentence."""
    sentence = sentence_at(text, index)
    end = text.find(sentence, max(0, index - len(sentence))) + len(sentence)
    return sentence + re.match(r"[^\w\n]{0,8}", text[end:]).group(0)


def check_politics(ctx: Context) -> None:
    own = school_words(ctx.rules)
    def block(match: re.Match, why: str) -> None:
        if ctx.has("political"):
            return  # one political finding says it; more cues in the same post add nothing
        ctx.add("political", "block",
                f"'{match.group(0)}' {why}. The school's accounts stay out of politics: no parties, campaigns, "
                "votes or views on government policy.", excerpt_of(ctx.text, match.start(), match.end()))

    for match in POLITICAL.finditer(ctx.text):
        sentence = sentence_at(ctx.text, match.start())
        if re.match(r"vot\w* (?:for|against)", match.group(0), re.I) and (SCHOOL_VOTING.search(sentence) or (
                SCHOOL_VOTING.search(ctx.text) and not PARTIES.search(ctx.text)) or (
                FOR_A_PRIZE.match(ctx.text, match.end()) and not PARTIES.search(ctx.text))):
            continue  # pupils voting for their school council is school life, not politics
        if NEEDS_OPINION.match(match.group(0)) and not (OPINION.search(sentence) or BLAME.search(sentence)):
            continue
        block(match, "makes this a political statement")
    campaigning = CAMPAIGNING.search(ctx.text)
    if campaigning and SCHOOL_VOTING.search(ctx.text) and not PARTIES.search(ctx.text):
        campaigning = None  # candidates and ballot boxes of a school council or governor election
    for match in PARTIES.finditer(ctx.text):
        if ctx.has("political"):
            break
        sentence = sentence_at(ctx.text, match.start())
        if campaigning or OPINION.search(sentence) or BLAME.search(sentence) or APPROVAL.search(sentence):
            block(match, "names a political party with a view or a call to vote")
        else:
            ctx.add("political", "warn",
                    f"This names a political party ('{match.group(0)}'). A plain fact may be fine; make sure the post "
                    "takes no side.", excerpt_of(ctx.text, match.start(), match.end()))
    if campaigning and not ctx.has("political") and not SCHOOL_VOTING.search(ctx.text) and re.search(
            r"\bvot\w*|\belections?\b|\bpoll(?:s|ing)?\b|\bballot\b|\bparty\b", ctx.text, re.I):
        block(campaigning, "tells people how to vote")
    for match in WEIGH_THE_VOTE.finditer(ctx.text) if not SCHOOL_VOTING.search(ctx.text) else ():
        near = ctx.text[max(0, match.start() - 160):match.end() + 160]  # the vote in the same breath
        if re.search(r"\bvot\w*|\belections?\b|\bpoll(?:s|ing)\b|\bballot\b|\bbooth\b|🗳", near, re.I):
            block(match, "tells people how to weigh their vote")
    # an election the post speaks of, not a school one ("Eco council ballot", "school council candidates")
    said = list(ELECTION_WORD.finditer(ctx.text))
    election = bool(said) and not any(SCHOOL_VOTING.search(ctx.text[max(0, m.start() - 30):m.start()]) for m in said)
    for match in VOTE_FOR_NAME.finditer(ctx.text) if election else ():
        who = match.group("who") or match.group("tag")
        after = match.group("after") or ""
        if is_given_name(who) or who.casefold() in own or SCHOOL_VOTING.search(f"{who}{after}") or re.match(
                r"\s*(?i:class|team|house|group|form)\b", after):
            continue
        block(match, "asks people to vote for a party or a candidate")
    for match in POLITICIAN.finditer(ctx.text):
        sentence = _with_closing_marks(ctx.text, match.start())
        if (election or re.search(r"\bvot(?:e|es|ing)\b", ctx.text, re.I)) and (BACKING.search(sentence) or OPINION.search(sentence) or _approves_a_plan(sentence)):
            block(match, "backs a politician at election time")
    protest = PROTEST_CALL.search(ctx.text)
    if protest and (CAMPAIGNING.search(ctx.text) or re.search(r"\bcampaign\w*|✊|\brally\b|\bprotest\w*", ctx.text, re.I)):
        block(protest, "calls people to a protest or a campaign")
    for match in GOVERNMENT.finditer(ctx.text):
        sentence = _with_closing_marks(ctx.text, match.start())
        # the next sentence may give the verdict ("…has cut our funding again. Our children deserve better. 😡")
        following = ctx.text[match.end():match.end() + SENTENCE_REACH]
        after = _with_closing_marks(following, len(sentence_at(following, 0)) + 1) if following.strip() else ""
        if ANGER.search(sentence + after) or SLOGAN_TAG.search(ctx.text):
            block(match, "blames or judges the government")
        demand = DEMAND_OF.match(ctx.text, match.end()) or DEMAND_BEFORE.search(ctx.text[:match.start()],
                                                                                 max(0, match.start() - 40))
        if BLAME.search(sentence) or demand or campaigning:
            block(match, "blames or judges the government")
        elif _approves_a_plan(sentence) or (
                _mocks(sentence) and not RESPECT.search(sentence)):
            block(match, "takes a side on a politician or a government's plan")
    for match in POLICY_TOPIC.finditer(ctx.text):  # a stance on a tax or a policy, with no government named
        near = ctx.text[max(0, match.start() - 60):match.end() + 90]
        if STANCE.search(near) or re.search(r"🎉|👏|🙌|#\w*(?:fair|justice|for ?all)\w*", near, re.I):
            block(match, "takes a side on a tax or a government policy")
    for match in STRIKE.finditer(ctx.text):
        sentence = sentence_at(ctx.text, match.start())
        if CAMPAIGNING.search(sentence) or BLAME.search(sentence) or "✊" in sentence:
            block(match, "takes a side in a dispute (a factual closure notice would not)")
    if not ctx.has("political") and not ctx.has("political", "warn"):
        match = ELECTION_FACT.search(ctx.text)
        if match:
            ctx.add("political", "warn",
                    "This mentions an election. Practical facts (the school is a polling station and will be "
                    "closed) are fine; make sure there is no view on any party or candidate.",
                    excerpt_of(ctx.text, match.start(), match.end()))
