"""Harmful, abusive or mocking language (political statements are in politics.py)."""
from __future__ import annotations

import re
from itertools import islice

from knowledge.draft_check.base import (GENERIC_SCHOOL_WORDS, TITLE_RE, Context, excerpt_of, school_words, sentences,
                                        words)
from knowledge.draft_check.sneers import (MAX_LOOKS, OTHER_SCHOOL, SARCASM_TARGET, few_against_the_rest, sexes_set_against,
                                          sneer_at_people)
from knowledge.person_names import is_common_word, is_given_name

ABUSIVE = words(
    r"idiots?", r"stupid", r"morons?", r"dumb", r"losers?", r"pathetic", r"useless", r"disgusting",
    r"shut up", r"ugly", r"fat", r"scum", r"clueless", r"lazy parents?", r"rubbish parents?", r"bad parents?",
    r"(?:i|we) hate", r"hate (?:you|them|him|her)", r"disgrace(?:ful)?", r"shame on", r"name and shame",
    r"naming and shaming", r"appalling", r"shameful", r"(?:can't|cannot) be bothered", r"selfish", r"bully(?:ing)? parents?",
    r"f+u+c+k\w*", r"sh[i1]t\w*", r"crap", r"bloody", r"damn", r"bastards?", r"bitch\w*", r"arse\w*", r"piss\w*",
    r"wtf", r"stfu", r"twats?", r"wankers?", r"dickheads?",
    r"[a-z]+\*+[a-z]+", r"[a-z]{1,2}\*{2,}",  # a swear word with its letters starred out is still a swear word
)

# Mockery and sarcasm: a group of people or another school held up to ridicule. Strong cues block on
# their own; weak ones (an eye-roll, a laughing face, "apparently") block only two together.
MOCKERY_STRONG = words(
    r"sorry not sorry", r"you know who you are", r"(?:it's |it is )?(?:really )?not that hard", r"you're going to need it",
    r"better luck next (?:year|time)", r"should stick to \w+", r"no surprises? there", r"the better school",
    r"easiest win", r"did(?:n'?t| not) know what hit (?:them|him|her)", r"(?:a lot|far|miles|much) better than",
    r"can'?t (?:even )?read(?! yet)", r"(?:some|a few) (?:of you|parents|families) (?:clearly|obviously)",
    r"for the (?:third|fourth|fifth|hundredth|umpteenth|last) time", r"whenever suits", r"thanks for nothing",
    r"what a joke", r"told you so", r"pathetic", r"hopeless",
)
MOCKERY_WEAK = re.compile(
    r"🙄|😒|😂|🤣|😏|😤|😡|🤬|😠|(?<![\w'])(?i:apparently|clearly|obviously|seriously|honestly|some people|again)(?![\w'])|"
    r"(?:^|[.!?]\s+)(?i:really)[.!?]|(?<![\w'])(?:just )?(?:LOVE|ADORE)(?![\w'])|, people[.!?]|"
    r"(?<![\w'])(?i:(?:some|certain|a few) (?:of you|parents|families|people|mums|dads))(?![\w'])|"
    r"(?<![\w'])(?i:shout ?out to the \w+ who)(?![\w'])|🙃|"
    r"(?<![\w'])(?i:whoever (?:keeps|is|decided)|nonsense|(?:maybe|perhaps) (?:check|read|try|look)|before panicking)(?![\w'])|"
    r"👀|🤭|😉|(?:^|(?<=[.!?—–-] ))(?i:maybe) [a-z]+ [^.!?\n]{0,40}\?|"
    r"(?<![\w'])(?i:(?:to )?the (?:handful|few|ones|people|parents|families|minority|couple)(?: of \w+)? who(?:['’](?:ve|d|s|re))?|we see you|ahem|as usual|"
    r"(?:^|(?<=[\n.!?] ))(?:\W{1,8} )?to the \w+s who|"
    r"a certain (?:school|team|family|parent)|might be time for (?:them|you)|instead\.?$|tiddlywinks)(?![\w'])")
# More of the same, in their own patterns so that a match of one list never hides a cue of the other.
# Strong: a put-down of the reader's sense ("it's not rocket science"), praise turned upside down
# ("top parenting", "#notreally"), a group singled out as not trying, a critic told to do better.
SARCASM_STRONG = words(
    r"not rocket science", r"(?:isn'?t|is not|aren'?t|are not) (?:compulsory|optional) for", r"(?:somebody|someone) has to",
    r"(?:top|great|stellar|award[- ]winning|quality) parenting", r"#(?:not ?really|just ?saying|sarcasm|rant(?: ?over)?)",
    r"we know (?:exactly |full well )?(?:which|who)", r"(?:aren'?t|are not|isn'?t|is not|not) (?:even )?bothering",
    r"if you(?:'d| had| would have) (?:actually |only )?(?:read|listened|checked|looked)",
    r"read (?:the|our|my|your) (?:\w+ )?(?:letters?|emails?|newsletters?|messages?|texts?) properly",
    r"(?:check|get) (?:their|your|his|her) facts", r"stir(?:ring|s)? (?:things|it|trouble) up",
    r"works? (?:perfectly |just )?(?:well|fine) for everyone else", r"their idea of", r"let'?s just say",
    r"(?:amazing|funny|interesting|strange|odd|remarkable|curious) how (?:many|some|few|nobody|no one|certain) "
    r"(?:of you|parents|families|people|drivers|cars|mums|dads)",
    r"(?:families|parents|people|drivers|those|some|mums|dads|carers) who (?:seem to |clearly |apparently |still )?"
    r"(?:think|believe|assume|imagine)",
    r"(?:^|(?<=[.!?] ))(?:classy|charming|smooth|genius|nice one|real mature|twice|three times)(?=[.!])",
    r"maybe next (?:year|time)[!.]*\s*(?:😂|🤣|😜|😝|😆|😉)", r"sorry,? (?-i:[A-Z])[\w'’]+,? (?:maybe|better luck) next",
    r"almost (?:as if|like) (?:nobody|no one|some|none of)", r"(?:nobody|no one) (?:ever )?(?:reads|listens|checks|bothers)",
    r"(?:family|parent|person|driver|mum|dad) who (?:seems? to |clearly |apparently |still )?(?:thinks?|believes?|assumes?)")
SARCASM_WEAK = re.compile(
    r"(?<![\w'’])['‘][a-z][a-z-]+['’](?![\w'’])|😇|🙃|(?<![\w'])(?-i:AGAIN|STILL|NOBODY|NONE|(?:ONE|TWO|THREE|FOUR|FIVE) "
    r"(?i:parents|families|people|mums|dads|of you))(?![\w'])|(?<![\w'])(?i:the rest of you|truly (?:heroic|inspiring|impressive)|congratulations!|"
    r"(?:might|may) want to|should really|whoever (?:started|spread|decided|thought)|priorities!|once in a while|fun fact|(?:about |only |roughly )?half of you|the rest (?:of you|had|were|must|"
    r"clearly)|something (?:more|better) (?:important|to do)|on (?:their|your) phones)(?![\w'])|🤔|"
    r"(?<![\w'])[A-Z][a-z]+\. [A-Z][a-z]+\. [A-Z][a-z]+\.(?=\s|$)")  # "Every. Single. Day."
# A reproach aimed at a group the school serves ("the rules apply to you too", "common sense, people"): told
# off in public, whatever the words of the rule, the post shames them.
REPROACH = words(r"shocking", r"ridiculous", r"unacceptable", r"not acceptable", r"embarrassing", r"irresponsible",
                 r"inconsiderate", r"selfish", r"no excuse", r"(?:should|ought to) know better", r"common sense",
                 r"too much to ask", r"appl(?:y|ies) to you (?:too|as well)", r"(?:the )?least you (?:can|could) do",
                 r"(?:shouldn'?t|should not|have to|need to) (?:have to )?(?:say|tell you|remind you of) (?:it|this)(?: again)?",
                 r"don'?t be surprised", r"(?:still )?can'?t (?:seem to )?(?:follow|manage|read)", r"it'?s not (?:that )?difficult")
TARGET_GROUP = re.compile(r"(?<![\w'])(?i:parents?|famil(?:y|ies)|carers?|mums?|dads?|drivers?|grown-ups|adults|you|your|"
                          r"people|some of you|those who)(?![\w'])")
TAUNT = re.compile(
    r"👀|(?<![\w'])(?i:maybe (?:next (?:year|time)|stick|try|practise|find|learn)|stick to|next time,? lads|"
    r"find the (?:goal|net|ball)|unlike|we could mention|naming no names|no names mentioned|#?easy|#?unbeatable|"
    r"maybe (?:[\w'’]+ ){0,2}[\w'’]*?(?:'ll|\bshould|\bcould|\bneed to|\bwill)\b|"
    r"didn'?t stand a chance|sorry,? not sorry|lads!|colouring in|(?:too|so) easy|walkover|thrash(?:ed|ing)|"
    r"shame (?:about )?(?:that )?(?:their|they)|(?:don'?t|doesn'?t|didn'?t|can'?t) (?:quite )?match)(?![\w'])|😬|😏|🙄|😒")
TEAM = r"[A-Z][\w'’]+(?: [A-Z][\w'’]+){0,2}"
# The side played, named after the verb of a match ("beat Oakwood 14–2", "against Hollybank").
OPPONENT = re.compile(rf"(?<![\w'])(?i:beat|beating|against|vs\.?|v\.?|versus|played|playing|lost to|drew with)\s+(?P<team>{TEAM})")
SCORELINE = re.compile(rf"(?P<home>{TEAM}) \d{{1,3}}\s*[-–—]\s*(?:\d{{1,3}} (?P<away>{TEAM})|(?P<other>{TEAM}) \d{{1,3}})")
# A laughing face at another school is a taunt after a win ("6–0 against St Mary's! 😂"), unless the post
# praises them ("they played brilliantly 😂" laughs with them).
LAUGHING = re.compile(r"😂|🤣|😜|😝|😆")
A_WIN = re.compile(r"\d+\s*[-–—]\s*\d+|(?<![\w'])(?i:beat|won|win|thrash\w*|final score|full[- ]time)(?![\w'])")
RESPECT = re.compile(r"(?<![\w'])(?i:well played|played (?:brilliantly|well|superbly|so well)|great (?:game|match)|"
                     r"thank(?:s| you)|good luck|congratulations|well done to (?:them|both|st|all)|hosting|sporting)(?![\w'])")
# A side spoken to at the start of a sentence, after a score or a word of mock sympathy: "Sorry Hollybank,". A laugh
# at a side spoken to is a taunt only after the mock sympathy ("Hollybank, you were brilliant 😂" laughs with them).
ADDRESSED_SIDE = re.compile(r"[^\w\n]*(?:\d{1,3}\s*[-–—]\s*\d{1,3}[^\w\n]*)?(?:(?i:oh|hey|dear|well),?\s+)?(?P<pity>(?i:sorry|unlucky|"
                            r"oh dear|hard luck|bad luck|never mind|commiserations),?\s+)?(?P<side>[A-Z][\w'’]+)\s*[,!–—]")
# A person or a group made the butt of the joke: a member of staff made to cry, "we're sure … will be fine".
BELITTLED = re.compile(
    r"(?<![\w'])(?i:(?:made|make|making|makes) (?:\w+ ){0,3}(?:teachers?|staff|supply|TAs?|dinner (?:lady|ladies)|"
    r"lunchtime supervisors?|coach|ref(?:eree)?|parents?) (?:cry(?! with laughter| laughing)|quit|give up|despair)|"
    r"(?:we'?re|we are|i'?m) sure (?:\w+ ){0,6}(?:will be|is|are) (?:fine|ok|okay) without|"
    r"(?:has|have) (?:FINALLY|finally|at last) (?:learnt|learned|worked out|figured out|mastered)(?= [^.!?\n]{0,60}(?:😂|🤣))|"
    r"(?:that|which) you keep (?:asking|emailing|ringing|calling|phoning|messaging) (?:us )?about|"
    r"(?:ref(?:eree)?s?|umpires?|officials?|linesman)\b[^.!?\n]{0,40}\b(?:glasses|eye test|specs|blind|clueless|useless|bias\w*|"
    r"cheat\w*|asleep))(?![\w'])")
# A group in capitals ("SOME parents"): the emphasis is the sneer.
SHOUTED_GROUP = re.compile(r"(?<![\w'])(?:SOME|CERTAIN|A FEW|SOME OF YOU)(?![\w']) (?i:parents|families|people|of you|"
                           r"mums|dads|carers|children|pupils)\b|(?<![\w'])(?i:some|certain) (?:PARENTS|FAMILIES|PEOPLE)(?![\w'])")
# A weak cue on its own that is still worth a look.
LONE_SARCASM = re.compile(r"🙄|😒|😏|apparently|some people", re.I)


def check_language(ctx: Context) -> None:
    own = school_words(ctx.rules) - GENERIC_SCHOOL_WORDS
    for match in ABUSIVE.finditer(ctx.text):
        ctx.add("harmful_language", "block",
                f"'{match.group(0)}' is harmful, abusive or rude. The school never posts comments like this; "
                "keep the post kind and factual.", excerpt_of(ctx.text, match.start(), match.end()))
    strong = list(MOCKERY_STRONG.finditer(ctx.text)) + list(SARCASM_STRONG.finditer(ctx.text))
    # These weaker signs of sarcasm count only where the post speaks of a group of people it could be aimed at
    # ("AGAIN!" in a post about a trophy won again is joy).
    weak = list(MOCKERY_WEAK.finditer(ctx.text)) + (
        list(SARCASM_WEAK.finditer(ctx.text)) if SARCASM_TARGET.search(ctx.text) else [])
    quoted_words = [m for m in weak if m.group(0)[0] in "'‘"]
    if len(quoted_words) > 1:  # words quoted as words ("spelled 'rhythm' and 'necessary'"), not a sneer
        weak = [m for m in weak if m not in quoted_words]
    if strong or len({re.sub(r"^\W+", "", m.group(0)).strip(" .!?,").lower() or m.group(0) for m in weak} |
                     {e for m in weak for e in re.findall("[🙄😒😏🙃]", m.group(0))}) >= 2:
        first = (strong or weak)[0]
        cues = ", ".join(dict.fromkeys(f"'{m.group(0).strip()}'" for m in strong + weak))
        ctx.add("harmful_language", "block",
                f"This mocks or is sarcastic about people ({cues}). The school's accounts never make fun of "
                "families, staff or other schools; say it plainly and kindly, or leave it out.",
                excerpt_of(ctx.text, first.start(), first.end()))
    elif match := few_against_the_rest(ctx.text):
        ctx.add("harmful_language", "block",
                f"'{match.group(0).strip()}' praises a few to shame the rest, who are then spoken to. The school's "
                "accounts never shame families; thank the people who helped, and give any reminder plainly.",
                excerpt_of(ctx.text, match.start(), match.end()))
    elif _reproach(ctx.text):
        match = _reproach(ctx.text)
        ctx.add("harmful_language", "block",
                f"'{match.group(0).strip()}' tells families off in public. The school's accounts never shame anyone; "
                "give the reminder plainly and kindly, or speak to the people concerned.",
                excerpt_of(ctx.text, match.start(), match.end()))
    elif match := (_taunts_another_school(ctx.text, own) or BELITTLED.search(ctx.text) or SHOUTED_GROUP.search(ctx.text)
                   or sexes_set_against(ctx.text)):
        ctx.add("harmful_language", "block",
                f"'{match.group(0).strip()}' makes fun of people: another school, a member of staff or a group of "
                "families. The school's accounts never mock anyone; say it plainly and kindly, or leave it out.",
                excerpt_of(ctx.text, match.start(), match.end()))
    elif match := sneer_at_people(ctx.text, own):
        ctx.add("harmful_language", "block",
                f"'{match.group(0)}' rolls its eyes or smirks at the people the post speaks of. The school's accounts "
                "never make fun of families, staff or other schools; say it plainly and kindly, or leave it out.",
                excerpt_of(ctx.text, max(0, match.start() - 60), match.end()))
    elif any(LONE_SARCASM.search(m.group(0)) for m in weak):
        match = next(m for m in weak if LONE_SARCASM.search(m.group(0)))
        ctx.add("harmful_language", "warn",
                f"'{match.group(0).strip()}' can read as sarcastic or mocking. Check the tone is kind to every "
                "family, and to other schools.", excerpt_of(ctx.text, match.start(), match.end()))


def _reproach(text: str) -> re.Match | None:
    """A reproach within a sentence of the group it is aimed at, else None."""
    for match in REPROACH.finditer(text):
        if TARGET_GROUP.search(text[max(0, match.start() - 120):match.end() + 60]):
            return match
    return None


def _taunts_another_school(text: str, own: frozenset[str] = frozenset()) -> re.Match | None:
    """A taunt within a sentence or two of another school or team's name, else None (`own`: the words
    of this school's name, which is not another school)."""
    # The other side of a scoreline is another school ("Calmore 14 – Testwood 2").
    for line in SCORELINE.finditer(text):
        for group in ("home", "away", "other"):
            if line.group(group) and not {w.casefold() for w in re.findall(r"[A-Za-z]+", line.group(group))} & own:
                near = text[max(0, line.start() - 80):line.end() + 120]
                if TAUNT.search(near) or (LAUGHING.search(near) and not RESPECT.search(near)):
                    return line
    for side in islice(OPPONENT.finditer(text), MAX_LOOKS):
        team = side.group("team")
        if _another_side(team.split()[0], own) and not {w.casefold() for w in re.findall(r"[A-Za-z]+", team)} & own:
            near = text[max(0, side.start() - 80):side.end() + 120]
            if TAUNT.search(near) or (LAUGHING.search(near) and not RESPECT.search(near)):
                return side
    if A_WIN.search(text):  # after a result, a team named as the subject of a taunt ("Hollybank might want to…")
        for start, sentence in sentences(text):
            subject = re.match(r"[^\w\n]*([A-Z][\w'’]+)", sentence)
            advice = subject and re.match(r"\s*(?:might|may) (?:want|need) to|\s*(?:should(?! be)|needs? to|had better|"
                                          r"could do with)\b", sentence[subject.end():]) and not RESPECT.search(sentence)
            if subject and (TAUNT.search(sentence) or advice) and _another_side(subject.group(1), own):
                return re.compile(re.escape(subject.group(1))).search(text, start)
            # the other side spoken to after the result ("4–1 😂 Hard luck, Riverside, …"): laughed at, or told what to do
            spoken_to = ADDRESSED_SIDE.match(sentence)
            laughed_at = spoken_to and spoken_to.group("pity") and LAUGHING.search(sentence)
            if spoken_to and (TAUNT.search(sentence) or laughed_at) and not RESPECT.search(sentence) and \
                    _another_side(spoken_to.group("side"), own):
                return re.compile(re.escape(spoken_to.group("side"))).search(text, start)
    for school in OTHER_SCHOOL.finditer(text):
        if {w.casefold() for w in re.findall(r"[A-Za-z]+", school.group(0))} & own:
            continue
        near = text[max(0, school.start() - 80):school.end() + 120]
        if TAUNT.search(near) or (LAUGHING.search(near) and A_WIN.search(near) and not RESPECT.search(near)):
            return school
    return None


def _another_side(word: str, own: frozenset[str]) -> bool:
    """A capitalised word that names a team: not this school, not a person, not an ordinary word."""
    word = re.sub(r"['’]s?$", "", word)
    return (word.casefold() not in own | GENERIC_SCHOOL_WORDS and not is_given_name(word) and not is_common_word(word)
            and not TITLE_RE.match(word))
