"""Stage 2, reading the question: who asks, who acts, what is asked, and the facts it gives.

Everything word-level comes from the vocabulary (generic_lexicon.toml and a school's own); this
module holds only the shape of English questions ("can <group> …", "<wh-word> …").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.answering.consent_facts import consent_stated
from knowledge.answering.vocabulary import Vocabulary
from knowledge.lexicon import normalise

MAX_QUESTION_CHARS = 1000  # longer input is cut before reading: a question, not a document
GROUPS = ("staff", "pupils", "parents", "school_accounts")
# "can parents…", "should the pupils…", "are staff allowed…": a group right after a modal is the actor.
MODAL_THEN_SUBJECT = re.compile(r"\b(?:can|could|may|might|should|must|do|does|are|is|will|would|shall)"
                                r"(?:nt)?\s+(?:the\s+|a\s+|an\s+|our\s+|my\s+|any\s+|other\s+|their\s+)?")
# "will the school post…", "does the academy follow…": the school acting through its accounts.
SCHOOL_ACTS = re.compile(r"\b(?:the|our) (?:school|academy|trust)s? (?:\w+ ){0,2}?(?:post|posts|posted|share|shares|"
                         r"like|likes|liked|follow|follows|followed|put|puts|advertise|publish|tweet|upload)\b")
# "a parent posted…", "my y5s want to…", "our TA has been…": a group narrated as doing something.
NARRATED_ACT = re.compile(r"\s*(?:s\s+)?(?:who\s+)?(?:has|have|had|is|are|was|were|keeps?|kept|just|wants?|wanted|"
                          r"asked|asks|posted|posts|shared|shares|put|puts|sent|sends|messaged|messages|commented|"
                          r"comments|uploaded|uploads|added|adds|followed|follows|liked|likes|said|says|told|made|"
                          r"set up|started|created|tagged|filmed|took|takes|wrote|writes)\b")
OWN_ACCOUNT = re.compile(r"\bmy (?:own |personal |private )(?:\w+ )?(?:account|page|profile|feed|story|facebook|fb|"
                         r"instagram|insta|ig|tiktok|twitter|snapchat|snap|linkedin|whatsapp|youtube)\b|"
                         r"\bmy (?:own|personal|private) (?:social media|socials)\b")
SELF_AS_SUBJECT = re.compile(r"\b(?:can|could|may|should|must|shall|do|am|did|would)(?:nt)?\s+i\b|^i\b|"
                             r"\b(?:are|can|could|may|should|do)\s+we\b|"
                             r"\bi\s+(?:want|need|wanna|would like|have|was|am|accidentally|just|already|posted|"
                             r"shared|accepted|added|follow|messaged)\b|\bis it (?:ok|okay|alright|fine) (?:for me )?to\b|"
                             r"\b(?:my|our) (?:own|personal)\b|\bam i\b")


# An age of 18 or more stated of someone ("hes 25 now", "aged 19"), not a span of time ("25 minutes").
ADULT_AGE = re.compile(r"\b(?:is|hes|shes|theyre|now|aged?|turned)\s+(?:now\s+)?(?:1[89]|[2-9]\d)\b"
                       r"(?!\s*(?:minutes?|mins?|hours?|days?|weeks?|months?|years? ago|pupils|kids|children|people|%))")


@dataclass(frozen=True)
class Question:
    """What a question says, as read once: no later stage changes it (the pipeline's own findings,
    such as a safeguarding concern, go in a copy made with `dataclasses.replace`)."""
    text: str
    normalised: str
    asker: str  # "staff", "parents" or "pupils"
    actor: str | None  # whose conduct is asked about: a group, or None when unclear
    ask: str  # "verdict" (may/must/will …?) or "info" (who/what/when/how …?, "is there any training?")
    # What kind of answer the question wants (see INTENTS): the verdict stage reads the clause's
    # modality against it.
    intent: str = "permission"
    consent: str | None = None  # "given" / "refused" when the question says so
    adult: bool = False  # the person concerned is now an adult
    ages: tuple[int, ...] = ()  # ages the question states ("she's 17 now", "is 25"): they decide age limits
    own_account: bool = False  # "my own facebook", "my personal insta": the asker's own account
    groups: tuple[str, ...] = ()  # groups named, in order
    definition: bool = False  # "does X count as…", "what is meant by…"
    wants: tuple[str, ...] = ()  # the kinds of fact asked for: "who", "time", "consequence"
    negated: bool = False  # asked in the negative ("it doesn't count, does it?"): a rule that applies answers "no"
    skips_duty: bool = False  # asks leave not to do something ("can it wait till monday?")
    self_acts: bool = False  # the asker is the one who would act ("can I upload it myself?")
    told: bool = False  # a message that tells what happened and asks nothing ("a y9 told me …, she's in bits")
    concern: bool = False  # it raises a safeguarding concern (the disclosure stage's finding, given by the pipeline)
    for_embedding: str = ""  # the corrected question, with the policy words its slang stands for
    tokens: tuple[str, ...] = ()  # for the lexical stage

    @property
    def empty(self) -> bool:
        return not self.normalised


# A label the asker writes before the question or after it: "parent - …", "new governor: …", "… (mum of a y2)".
OPENING_LABEL = re.compile(r"^\s*([^\W\d][\w' ]{1,30}?)\s*(?::|\s[-–]\s)")
CLOSING_LABEL = re.compile(r"\(([^()]{2,30})\)[\s?.!]*$")
LABEL_WORDS = 3


def _labelled_as(text: str, vocabulary: Vocabulary) -> str | None:
    """The group an opening label ends with ("reading volunteer -"), or a closing one names first."""
    opening = OPENING_LABEL.match(text)
    if opening:
        label = re.sub(r"\bhere$", "", normalise(opening.group(1))).strip()
        mentions = vocabulary.group_mentions(label)
        if mentions and len(label.split()) <= LABEL_WORDS and mentions[-1][1] == len(label):
            return mentions[-1][2]
    closing = CLOSING_LABEL.search(text)
    if closing:
        mentions = vocabulary.group_mentions(normalise(closing.group(1)))
        if mentions:
            return mentions[0][2]
    return None


def _asker(text: str, normalised: str, vocabulary: Vocabulary, hint: str | None) -> str:
    """The text wins where it says who is asking ("parent here", "parent: …"); else the channel's
    roster role; else staff."""
    for group in ("parents", "pupils", "staff"):
        matcher = vocabulary.askers.get(group)
        if matcher and matcher.first(normalised):
            return group
    labelled = _labelled_as(text, vocabulary)
    if labelled in ("parents", "pupils", "staff"):
        return labelled
    if hint in ("staff", "parents", "pupils"):
        return hint
    return "staff"


SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|\s+[-–]\s+")
SELF_INTRODUCTION = re.compile(r"^(?:\w+\s+){0,3}here\b\s*|^(?:im|i am)\s+(?:a|an|the)\s+(?:\w+\s+){0,2}?"
                               r"(?=(?:can|could|may|should|do|does|is|are|will|would|what|who|how|when|where)\b)")


# "do governors get any training?", "will new staff be told?": what someone receives is a fact.
RECEIVING = re.compile(r"^(?:do|does|will|would)\s+(?:\w+\s+){0,3}?(?:get|receive|be (?:given|told|trained|informed))\b")
# Asked in the negative: the asking verb itself ("doesn't it count?", "isn't that fine?"), "surely",
# or a negated "applies" ("…so it doesn't apply, right?"). A "not" elsewhere states a circumstance
# ("…on my own phone and not in school") and leaves the question positive.
NEGATED_ASK = re.compile(r"^(?:doesn'?t|don'?t|isn'?t|aren'?t|won'?t|can'?t|shouldn'?t|wouldn'?t)\b|\bsurely\b|"
                         r"(?:\b(?:doesn'?t|don'?t|do not|does not|can'?t|cannot|won'?t|isn'?t|not))\s+(?:\w+\s+)?"
                         r"(?:apply|applies|count|counts|cover|covers|matter|come into)\b|"
                         r"\b(?:not|isn'?t|doesn'?t|don'?t|aren'?t)\b.* (?:is it|does it|do they|are they|right)$")
# Whether the rule reaches the case, asked in the negative: the question is about its scope.
NEGATED_REACH = re.compile(r"\b(?:doesn'?t|don'?t|do not|does not|can'?t|cannot|won'?t|isn'?t|not)\s+(?:\w+\s+)?"
                           r"(?:apply|applies|count|counts|cover|covers|matter|come into)\b")
# A question that opens by asking leave ("can I…", "is it ok to…") asks for a ruling, whatever else it names.
PERMISSION_OPENER = re.compile(r"^(?:can|could|may|might|should|shall|must)\b|^(?:am|are|is) (?:i|we|it|they|staff|"
                               r"parents|pupils) (?:allowed|ok|okay|alright|fine|permitted)\b|^is it (?:ok|okay|alright|"
                               r"fine|allowed|acceptable)\b")
# Intents: "permission" (may I…?), "obligation" (do I have to…?), "scope" (does the rule reach this
# case?), "view" (what does the policy say about this?), "fact" (a yes/no question about what
# happens or exists), "info" (who/what/when/how…?). The phrases are in the lexicon's [asks] table.
INTENTS = ("permission", "obligation", "scope", "view", "fact", "info")
# "is there any support?", "is there another way?": whether something exists is a fact; "is there a
# rule / a problem…?" asks for a ruling.
EXISTENCE = re.compile(r"^(?:is|are) there (?:any|a|an|another|other|some)\b(?! (?:rule|rules|problem|issue|law|ban|"
                       r"reason|risk|restriction|limit|harm)\b)")
# "what does the policy say?", "do I have to…?": the shapes of a view and of an obligation asked.
VIEW_SHAPE = re.compile(r"^what (?:does|do|did) (?:the |our |this )?(?:policy|school|rules?|academy|trust) (?:say|think)\b|"
                        r"^what (?:is|are) (?:the )?(?:policy|rules?) on (?:this|that)\b")
OBLIGATION_SHAPE = re.compile(r"\b(?:do|does|did) (?:i|we|you|they|he|she|staff|parents|pupils|someone|anyone|somebody|"
                              r"anybody|the school|school) (?:really |still |actually |even )?(?:have|need) to\b|"
                              r"^(?:have|has) (?:i|we|you|they|he|she) got to\b")
# "can I tell the office over the app, or do I have to ring?": the leave asked first is the question;
# the duty after "or" is the alternative.
LEAVE_OR_DUTY = re.compile(r"^(?:can|could|may|should|is it ok to|am i allowed to)\b.*\bor (?:do|does|must|should|will) ")
# A question put inside a request ("could you remind me when…", "does the policy say how…").
# Only a request made of the reader counts: "can I reply and explain what happened" and "…so I know
# what we're dealing with" ask leave, not a fact.
EMBEDDED_WH = re.compile(r"\b(?:(?:tell|remind|show|explain|clarify|confirm) (?:me|us)|you (?:\w+ )?(?:tell|remind|"
                         r"show|explain|say|clarify|confirm|know|summari[sz]e|outline|describe|list)|"
                         r"(?:policy|rules?|it) (?:say|says|explain|explains)|"
                         r"(?:want|wanted|like|need|love) to know|wondering|no idea|not sure) "
                         r"(?:who|whom|what|when|where|how|which)\b")
HOW_RULING = re.compile(r"^how (?:come|is (?:this|that|it) (?:allowed|ok|okay|legal|acceptable|fair))\b")
# "…, who do I tell?": the question after a comma, when a clause before it sets the scene.
QUESTION_OPENER = re.compile(r"^(?:who|whom|whose|what|when|where|which|why|how|whats|whens|whos|hows|wheres|"
                             r"can|could|may|should|must|do|does|did|is|are|am|will|would|have|has)\b", re.I)
WH_OPENER = re.compile(r"^(?:who|whom|whose|what|when|where|which|how|whats|whens|whos|hows|wheres)\b(?! come\b)", re.I)
# A short yes/no after a wh-question only narrows it ("who reads the policy? just staff?").
FOLLOW_UP = re.compile(r"^(?:is it|are they|just|only|or|does it|do they|is that)\b", re.I)
FOLLOW_UP_WORDS = 8
# "if an ex pupil needs to reach me what's the right way": the wh-question after a condition.
CONDITION_THEN_WH = re.compile(r"^(?:if|when|once)\b.*?\b(?=(?:whats|whos|hows|wheres|(?:who|what|how|where|which) "
                               r"(?:is|are|am|do|does|should|would|can))\b)")


# A label before the question ("parent: where do I…", "governor - can we…"): who asks, not what is asked.
LEADING_LABEL = re.compile(r"^\s*[^\W\d][\w' ]{1,30}?\s*(?::|\s[-–]\s)\s*(?=\S)")
# "To whom should this be referred?", "for which year…": a wh-question behind a preposition.
PREPOSITION_THEN_WH = re.compile(r"^(?:to|for|from|by|with|of|in|on|at|about)\s+(?=(?:whom|who|which|what|when)\b)")


def asked_part(text: str) -> str:
    """The sentence that asks (the last with a question mark, else the last), without the asker's
    self-introduction ("mum here, how long…" asks "how long…")."""
    sentences = [part for part in SENTENCE_BREAK.split(text.strip()) if part.strip()] or [text]
    # The last sentence with a question mark; else the last that opens like a question; else the last.
    questions = [part for part in sentences if "?" in part] or \
        [part for part in sentences if QUESTION_OPENER.match(_after_comma(part.strip()))]
    raw = questions[-1] if questions else sentences[-1]
    if len(questions) > 1 and FOLLOW_UP.match(raw.strip()) and len(raw.split()) <= FOLLOW_UP_WORDS \
            and WH_OPENER.match(_after_comma(questions[-2])):
        raw = questions[-2]
    clauses = [clause.strip() for clause in raw.split(",")]
    for index in range(len(clauses) - 1, 0, -1):  # the last comma clause that opens a question
        if QUESTION_OPENER.match(clauses[index]) and not QUESTION_OPENER.match(clauses[0]):
            raw = ", ".join(clauses[index:])
            break
    part = normalise(LEADING_LABEL.sub("", raw, count=1) if len(raw) > 1 else raw)
    part = SELF_INTRODUCTION.sub("", part) or part
    part = PREPOSITION_THEN_WH.sub("", part) or part
    return CONDITION_THEN_WH.sub("", part) or part


def _after_comma(sentence: str) -> str:
    """The part of a sentence that asks, after a scene set before a comma ("ECT here, who plans it")."""
    clauses = [clause.strip() for clause in sentence.split(",")]
    asking = [clause for clause in clauses if QUESTION_OPENER.match(clause)]
    return asking[-1] if asking else clauses[-1]


def _tail_after(match: re.Match | None, text: str, words: int) -> bool:
    """The phrase ends the question, give or take a few words ("what does the policy say (on this)")."""
    return bool(match) and len(text[match.end():].split()) <= words


def _intent(asked: str, ask: str, vocabulary: Vocabulary) -> str:
    """What kind of answer the asked sentence wants (INTENTS)."""
    asks = vocabulary.asks
    view = asks.get("view")
    if _tail_after(VIEW_SHAPE.search(asked), asked, 2) or (view and _tail_after(view.first(asked), asked, 2)):
        return "view"
    if ask == "info":
        fact = asks.get("fact")
        return "fact" if (fact and fact.first(asked)) or EXISTENCE.search(asked) or RECEIVING.search(asked) else "info"
    scope, obligation = asks.get("scope"), asks.get("obligation")
    if (OBLIGATION_SHAPE.search(asked) or (obligation and obligation.first(asked))) and not LEAVE_OR_DUTY.search(asked):
        return "obligation"
    if scope and scope.first(asked) and not PERMISSION_OPENER.search(asked):
        return "scope"
    return "permission"


# "what evidence should i keep", "which form do i fill in", "where should i send it": a wh-word asking
# for a thing, a place or a way, before the modal: a fact, whatever the modal.
WH_THING_ASKED = re.compile(r"^(?:what|which|where|when|how)\s+(?!if\b|about\b|come\b)(?:\w+\s+){0,2}?"
                            r"(?:should|can|could|do|must)\s+(?:i|we)\b")


def _ask(normalised: str, vocabulary: Vocabulary) -> str:
    opening = " ".join(normalised.split()[:3])
    info, verdict = vocabulary.asks.get("info"), vocabulary.asks.get("verdict")
    report, fact = vocabulary.asks.get("report"), vocabulary.asks.get("fact")
    if (report and report.first(normalised)) or (fact and fact.first(normalised)) or RECEIVING.search(normalised) \
            or EXISTENCE.search(normalised) or EMBEDDED_WH.search(normalised):
        return "info"
    if re.match(r"(?:whats|whens|whos|hows|wheres)\b", normalised):  # "when's the training?"
        return "info"
    if HOW_RULING.match(normalised):  # "how come I can't…?", "how is this allowed??" ask for a ruling
        return "verdict"
    verdict_at = verdict.first(normalised) if verdict else None
    info_at = info.first(opening) if info else None
    if info_at and info_at.start() == 0:
        # "what if I post…?", "how come I can't…" ask for a ruling; "what are the rules" for facts.
        if verdict_at and re.search(r"\b(?:can|could|may|should|allowed|ok to|okay to)\s+i\b|\bam i allowed\b",
                                    normalised) and not WH_THING_ASKED.match(normalised):
            return "verdict"
        return "info"
    if verdict_at:
        return "verdict"
    return "info" if info and info.first(normalised) else "verdict"


def _actor(normalised: str, asker: str, mentions: list[tuple[int, str]], ends: dict[int, int], ask: str) -> str:
    """Whose conduct the question is about: the school's accounts when named; a group right after a
    modal ("can parents…") or narrated acting ("a parent posted…"); otherwise the asker, and the
    groups named are the objects of the act ("ex pupils on fb?")."""
    groups_named = [group for _, group in mentions]
    if ("school_accounts" in groups_named or SCHOOL_ACTS.search(normalised)) \
            and not OWN_ACCOUNT.search(normalised):
        return "school_accounts"
    for match in MODAL_THEN_SUBJECT.finditer(normalised):
        for position, group in mentions:
            if position == match.end():
                return group
    if SELF_AS_SUBJECT.search(normalised):
        return asker
    for position, group in mentions:
        if NARRATED_ACT.match(normalised, ends[position]):
            return group
    if ask == "info" and mentions:
        return mentions[0][1]  # "what does the school expect of parents…": they are the topic
    return asker


WANTS = ("who", "time", "consequence")


def _wants(asked: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The kinds of fact the asking sentence wants ("how often is it reviewed and who approves it?"
    wants a time and a person)."""
    return tuple(kind for kind in WANTS if (matcher := vocabulary.asks.get(f"wants_{kind}")) and matcher.first(asked))


# "will school do anything about it?", "would they take action?": what the school does in response is a fact.
RESPONSE_ASKED = re.compile(r"\b(?:will|would|does|do|can) (?:the )?(?:school|academy|trust|they|you|anyone|someone) "
                            r"(?:actually |even )?(?:do (?:anything|something)|take action|act on|step in|deal with)\b")
# A message with no question that says what the asker means to do ("i want to tweet my views on …")
# asks leave; one that only tells what happened asks for what the policy says.
INTENTION = re.compile(r"\b(?:i|we) (?:want|wanna|would like|d like|am going|am thinking of|am planning|plan|intend)\b|"
                       r"\b(?:im|were) (?:going to|thinking of|planning|about to)\b|\bid like to\b")


# "is she allowed to do that and what do I do?", "who do I tell and can I just message her teacher": a
# ruling asked beside a fact; the ruling is what a verdict answers (the fact is in the quoted rule).
RULING_PART = re.compile(r"^(?:(?:is|are) (?:she|he|they|it|that|this|i|we) (?:\w+ )?(?:allowed|ok|okay|permitted)|"
                         r"(?:can|could|may|should) (?:i|we|she|he|they)\b)")


def _phrased_as_question(text: str) -> bool:
    """A question mark, or a sentence that opens as a question."""
    return "?" in text or any(QUESTION_OPENER.match(normalise(_after_comma(part.strip())))
                              for part in SENTENCE_BREAK.split(text) if part.strip())


def _ask_of(phrased_as_question: bool, asked: str, normalised: str, vocabulary: Vocabulary) -> str:
    if phrased_as_question:
        ask = _ask(asked, vocabulary)
        if RESPONSE_ASKED.search(asked):
            return "info"
        parts = re.split(r"\band\b", asked)
        if ask == "info" and (any(RULING_PART.match(part.strip()) for part in parts[1:])
                              or (len(parts) > 1 and RULING_PART.match(parts[0].strip())
                                  and re.search(r"\b(?:allowed|ok|okay|permitted)\b", parts[0]))):
            return "verdict"
        return ask
    if INTENTION.search(normalised):
        return "verdict"
    return _ask(asked, vocabulary)

# "a mum in my class", "the parents of a y6": the second group only says which people the first are.
QUALIFIER_GAP = re.compile(r"^\s+(?:\w+\s+)?(?:in|of|from)\s+(?:(?:my|our|the|a|an|his|her|their|one|that)\s+)?$")


def _without_qualifiers(spans: list[tuple[int, int, str]], normalised: str) -> list[tuple[int, int, str]]:
    """Group mentions, less those that only qualify the group named just before them."""
    kept: list[tuple[int, int, str]] = []
    for start, end, group in spans:
        if kept and kept[-1][2] != group and QUALIFIER_GAP.match(normalised[kept[-1][1]:start]):
            continue
        kept.append((start, end, group))
    return kept


# An age the question states: "she's 16", "is 25 now", "aged 14", "im 17", "19 year old", "16 yo".
STATED_AGE = re.compile(r"\b(?:(?:is|now|aged|age|turned|turns|shes|hes|theyre|im|i am|she is|he is|they are)\s+(\d{1,2})"
                        r"(?!\s*(?:years? ago|yrs? ago|mins?|minutes|hours|days|weeks|months|pm|am|%|pupils|kids|children|people|students|of (?:us|them)))\b|"
                        r"(\d{1,2})\s*(?:years? old|yrs? old|year old|yo)\b)")
CHILDHOOD_YEARS = range(4, 100)


def _stated_ages(stated: str) -> tuple[int, ...]:
    ages = (int(first or second) for first, second in STATED_AGE.findall(stated))
    return tuple(age for age in ages if age in CHILDHOOD_YEARS)


# Words that ask, anywhere in a message: a message without any tells, it does not ask.
ASKING_WORD = re.compile(r"\b(?:can|could|may|might|should|shall|must|allowed|ok|okay|alright|fine|right|need|have to|"
                         r"who|what|when|where|which|how|why|whether|if)\b")


def _only_tells(phrased_as_question: bool, normalised: str) -> bool:
    """Not phrased as a question, and no intention and no asking word."""
    return not phrased_as_question and not INTENTION.search(normalised) and not ASKING_WORD.search(normalised)


def read_question(text: str, vocabulary: Vocabulary, asker_hint: str | None = None) -> Question:
    normalised = vocabulary.correct(normalise(text[:MAX_QUESTION_CHARS]))
    asked = vocabulary.correct(asked_part(text[:MAX_QUESTION_CHARS]))
    phrased = _phrased_as_question(text[:MAX_QUESTION_CHARS])
    ask = _ask_of(phrased, asked, normalised, vocabulary) if normalised else "info"
    spans = _without_qualifiers(vocabulary.group_mentions(normalised), normalised)
    mentions = [(start, group) for start, _, group in spans]
    ends = {start: end for start, end, _ in spans}
    asker = _asker(text[:MAX_QUESTION_CHARS], normalised, vocabulary, asker_hint)
    facts = vocabulary.facts
    stated = normalised.replace("'", "")  # the speller writes "haven't"; the lexicon's facts say "havent"
    consent = consent_stated(text[:MAX_QUESTION_CHARS], stated, facts)
    negated = bool(NEGATED_ASK.search(asked))
    intent = _intent(asked, ask, vocabulary) if normalised else "info"
    if negated and intent == "permission" and NEGATED_REACH.search(asked):
        intent = "scope"  # "…so the policy doesn't really matter for what I post there, right?"
    return Question(
        text=text, normalised=normalised, asker=asker,
        actor=_actor(normalised, asker, mentions, ends, ask) if normalised else None,
        ask=ask, intent=intent,
        consent=consent,
        adult=bool(facts.get("adult") and facts["adult"].first(stated)) or bool(ADULT_AGE.search(stated)),
        ages=_stated_ages(stated),
        own_account=bool(OWN_ACCOUNT.search(normalised)),
        groups=tuple(group for _, group in mentions),
        definition=bool(vocabulary.asks.get("definition") and vocabulary.asks["definition"].first(normalised)),
        negated=negated,
        wants=_wants(asked, vocabulary) if ask == "info" else (),
        skips_duty=bool(facts.get("skip_duty") and facts["skip_duty"].first(stated)),
        self_acts=bool(SELF_AS_SUBJECT.search(normalised)),
        told=_only_tells(phrased, normalised),
        tokens=tuple(vocabulary.tokens(normalised)),
        for_embedding=" ".join([normalised, *vocabulary.plain_terms(normalised)]),
    )
