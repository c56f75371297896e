"""Who a sneer is aimed at, and shapes a sneer takes whatever its words: a face that rolls its eyes at
people, a few thanked to shame the rest, pupils of one sex shown up by the other (tone.py reads them)."""
from __future__ import annotations

import re
from itertools import islice

from knowledge.draft_check.base import SECOND_PERSON

SARCASM_TARGET = re.compile(r"(?<![\w'])(?i:parents?|famil(?:y|ies)|carers?|mums?|dads?|drivers?|people|folks|grown-ups|"
                            r"adults|(?:some|half|all|most|many|the rest) of you|the rest|those who|whoever|anyone who|"
                            r"ref(?:eree)?|opponents|opposition|rivals|neighbours|residents|commenters?|"
                            # people carved out of good news ("all up, apart from the ones who…")
                            r"(?:apart from|except(?: for)?|other than|excluding) (?:(?:the|a|those|some|certain) )?(?:(?:usual|same|odd|few) )?"
                            r"(?:ones|people|few|handful|couple|suspects|culprits|those who))(?![\w'])")
# Another school or team named in the post, and a taunt beside it: a result or a rating used to belittle them.
OTHER_SCHOOL = re.compile(
    r"(?<![\w'])(?:St\.? [A-Z][\w'’]+|[A-Z][\w'’]+ (?:Primary|Academy|High|Juniors?|Infants?|School|College)|"
    r"(?i:(?:some |certain |the )?other schools?|(?:some|certain) schools?|"
    r"schools? (?:just |right )?(?:down the road|up the road|round the corner|nearby|across town)|(?:our |the )?(?:rivals?|opponents|opposition)|"
    r"a certain (?:school|team)))(?:['’]s)?(?![\w'])")
# Pupils set against each other by sex: both named, and one shown up by the other ("the girls showed the boys
# how it's done"). A school's post praises each group on its own.
SEXES = (re.compile(r"(?<![\w'])(?i:boys|lads|young men)(?![\w'])"), re.compile(r"(?<![\w'])(?i:girls|lasses|young women)(?![\w'])"))
SHOWN_UP = re.compile(r"(?<![\w'])(?i:show(?:s|ed|ing)? (?:them|\w+ \w+) how (?:it'?s|it is|to do it)|"
                      r"(?:put|puts|putting) (?:them|\w+ \w+) to shame|(?:could|should|might|can) learn (?:a thing or two )?from|"
                      r"(?:much |far |way )?better than (?:the )?(?:boys|girls|lads))(?![\w'])")
# Praise of a few held up against the rest: "the TWO families who sent the forms back… Everyone else:", "the 6
# parents (out of 180!) who came… As for the rest of you". The few is made small on purpose (a count
# in capitals, "out of N"), and the rest are then spoken to.
NUMBER = r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a handful)"
GROUP = r"(?i:\w+\s+)?(?i:parents?|famil(?:y|ies)|people|mums?|dads?|carers?|grown-ups|adults)"
FEW_WHO = re.compile(rf"(?<![\w'])(?i:the|those)\s+(?:(?-i:ONE|TWO|THREE|FOUR|FIVE|ONLY|FEW)\s+{GROUP}|"
                     # the few stressed as always the same ones ("the same four parents who…")
                     rf"(?i:same|usual)\s+(?i:{NUMBER}|few)\s+{GROUP}|"
                     rf"\d{{1,3}}\s+{GROUP}\s*\((?i:out of)[^)\n]{{1,30}}\))\s+(?i:who|that)(?![\w'])")
# The few counted apart from the group thanked, to stress how few ("All eleven of you.", "just 6 of you").
FEW_COUNTED = re.compile(rf"(?<![\w'])(?i:(?:all|just|only)\s+{NUMBER}\s+of\s+(?:you|them|us)|both of you)(?![\w'])")
GROUP_WHO = re.compile(rf"(?<![\w'])(?i:the|those)\s+(?:{NUMBER}\s+)?{GROUP}\s+(?i:who|that)(?![\w'])")
REST_ADDRESSED = re.compile(r"(?:^|(?<=[\n.!?])\s*|(?<=[\n.!?]\s)[^\w\n]{0,6})(?i:(?:to|for|as for)\s+)?(?i:the rest of you|"
                            r"everyone else|everybody else|all the rest|the others|the other \d+)(?![\w'])")
# Faces that roll their eyes, sulk or smirk: a school's post has no kind use for them. Aimed at people the
# post speaks of or to (a group, "you", another school), they make the post a sneer, whatever its words.
SNEER_FACE = re.compile(r"🙄|😒|😏|😤|🙃|🤦")
SNEER_REACH = 200  # how far before the face its target may be: the sentence or two it closes
# A post names a few opponents and has a few faces: a pasted wall of them is read on its first ones.
MAX_LOOKS = 20


def sexes_set_against(text: str) -> re.Match | None:
    """Boys and girls both named, and one shown up by the other, else None."""
    if all(sex.search(text) for sex in SEXES):
        return SHOWN_UP.search(text)
    return None


def few_against_the_rest(text: str) -> re.Match | None:
    """A few made small on purpose (a count stressed) beside the rest, then spoken to, else None."""
    if not REST_ADDRESSED.search(text):
        return None
    few = FEW_WHO.search(text)
    if few is None and FEW_COUNTED.search(text):
        few = GROUP_WHO.search(text)
    return few


def sneer_at_people(text: str, own: frozenset[str]) -> re.Match | None:
    """An eye-roll or a smirk closing words about a group of people, the reader, or another school, else None."""
    for face in islice(SNEER_FACE.finditer(text), MAX_LOOKS):
        before = text[max(0, face.start() - SNEER_REACH):face.end() + 40]
        schools = [m for m in OTHER_SCHOOL.finditer(before)
                   if not {w.casefold() for w in re.findall(r"[A-Za-z]+", m.group(0))} & own]
        if SARCASM_TARGET.search(before) or SECOND_PERSON.search(before) or schools:
            return face
    return None
