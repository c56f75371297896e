"""What the school's own voice must not carry: staff opinions, complaints and disciplinary or legal
matters, AI-generated or altered images of people, material the school holds no copyright for, images
of staff who did not agree, public live streams, and a channel's own rules (who may appear on it,
what it is for).
"""
from __future__ import annotations

import re
from functools import lru_cache

from knowledge.draft_check.accounts import with_platforms
from knowledge.draft_check.base import HANDLE_RE, Context, excerpt_of, is_staff, sentence_at, sentences, words

# A member of staff speaking for themselves: "in my view", "personally I think", "hot take".
OPINION = re.compile(
    r"(?<![\w'])(?i:in my (?:humble |honest |personal |own )?(?:view|opinion)|my (?:personal |honest |own )?(?:view|opinion)"
    r"|personal (?:view|opinion|take)|personally,? I|I (?:really |honestly |genuinely )?reckon|hot take|the sooner (?:\w+ ){1,4}the better|if you ask me|imho|(?:I|he|she)(?:'ve| have)? (?:(?:always|honestly|really|personally|long|firmly) )*(?:think|thought|believe|believed|feel|felt)s? (?:that )?"
    r"(?:it'?s|they'?re|this is|these are|(?:\w+ ){1,5}(?:is|are)) (?:(?:a|an|so|far|complete|completely|total|totally|utter|"
    r"utterly|absolute|absolutely|cruel) ){0,3}"
    r"(?:waste|pointless|ridiculous|nonsense|wrong|unfair|terrible|awful|better|worse|smarter|rubbish|madness|broken|cruel|"
    r"damaging|harmful|outdated|a joke))(?![\w'])")
# Answering a complaint in public, or arguing with critics.
COMPLAINT_REPLY = words(
    r"(?:parent|person|family|mum|dad|carer|people)s? who (?:complained|emailed|messaged|commented|posted|wrote|rang|"
    r"phoned|contacted us|sent (?:the|an?|that|this) (?:[\w-]+ ){0,3}(?:email|message|letter|complaint))", r"complain(?:ed|ts?) (?:about|that)", r"we(?:'ve| have) (?:seen|read) (?:the|your|all the) "
    r"(?:comments|posts?|messages?|complaints?|reviews?)", r"sorry (?:that )?you(?:'re| are) (?:unhappy|upset|disappointed)",
    r"those (?:claiming|saying|complaining|suggesting)", r"for the record", r"(?:is|are) (?:simply )?(?:wrong|misleading|"
    r"untrue|false)", r"misleading", r"will not be discussing", r"end of discussion", r"not going hungry",
    r"in response to (?:the |recent )?(?:complaints?|comments|criticism)",
    r"following (?:some |a |the |recent |several |a few |your )?(?:negative )?(?:comments?|complaints?|concerns|criticism|"
    r"posts|feedback|messages) (?:about|from|on|regarding|in|that)", r"set (?:the record|things) straight",
    r"reply(?:ing)? to (?:a |your |the )?comment", r"sorry (?:that )?you (?:feel|think|felt|thought)",
    r"(?:is|are|was|were) (?:completely |totally |simply |entirely |absolutely |just )?(?:untrue|false|not true)",
    r"(?:posts?|rumours?|comments?|claims?) (?:in|on) [^.!?\n]{0,50}(?:claiming|saying|suggesting) (?:that )?we",
    r"in (?:answer|reply|response) to (?:the |some |recent |your )?(?:comments?|messages?|posts?|criticism|complaints?|concerns)",
    r"(?:^|(?<=\n))[^\S\n]{0,8}re:? (?:the|your|some|all the) (?:comments?|messages?|posts?|complaints?|reviews?)",
    r"(?:the )?comments (?:on|under) (?:our|yesterday'?s|last|this|the|a) (?:\w+ )?(?:post|video|photo)",
    r"(?:some of you|some parents|a few (?:of you|parents)|several parents|those of you)(?: \w+){0,4} (?:unhappy|upset|"
    r"disappointed|annoyed|complain\w*)", r"(?:please )?stop (?:emailing|messaging|ringing|phoning|complaining)")
# Criticism the school has heard ("we've had some messages about…") answered with a defence ("to be
# clear…", "nobody goes without"): each alone is ordinary, together they answer critics in public.
CRITICISM_HEARD = words(r"(?:we(?:'ve| have)|we(?:'ve| have) been) (?:had|received|sent|seeing|seen|getting) (?:some|a few|"
                        r"several|a number of|lots of|many) (?:\w+ )?(?:messages|comments|complaints|emails|calls|concerns|posts)",
                        r"(?:concerns|comments|complaints|questions) (?:have been )?raised")
DEFENCE = words(r"to be clear", r"(?:want|like|need) to make (?:it )?clear", r"let us be clear", r"for the record",
                r"nobody (?:goes|went|was|is)", r"(?:is|was|are|were) (?:managed |run |done |handled )?(?:fairly|correctly|properly)",
                r"not (?:our|the school'?s) (?:fault|decision)", r"(?:set|decided) by (?:the|a) \w+(?: \w+)?, not (?:by )?us",
                r"we stand by")
# Disciplinary and legal matters: "an employment tribunal", "a grievance", an investigation as a process
# ("pending the investigation"), not a piece of pupils' work ("our magnets investigation").
PROCEEDINGS = words(r"tribunals?", r"legal (?:proceedings|action|case)", r"court case", r"lawsuit", r"sued", r"grievances?",
                    r"disciplinary", r"investigation (?:into|of) (?:the |a |an )?(?:allegations?|complaints?|incidents?|conduct|claims?)",
                    r"(?:while|pending|during|until|following|after) (?:the (?:outcome|result|end) of )?(?:an|the) investigation",
                    r"investigation (?:is|has been|was|will be) (?:completed|concluded|under ?way|ongoing)", r"under investigation", r"being investigated", r"misconduct",
                    r"claim brought", r"allegations?", r"(?:at|in|through the) courts?", r"court (?:orders?|hearings?|cases?)")
# An image made or changed by software: "ran our class photo through an AI app", "star emojis over the faces".
ALTERED = re.compile(
    r"(?<![\w'])(?:AI|A\.I\.|(?i:artificial intelligence|image generator|deep ?fakes?|face[- ]?swap\w*|photoshop\w*|"
    r"(?:photo|face|beauty|app|cartoon) filters?|filtered|digitally (?:altered|edited|changed)|"
    r"edited (?:the|this|our|their) (?:photos?|pictures?|faces?)|(?:edited|airbrushed|rubbed) out|(?:removed|erased) from (?:the|this|our) (?:photos?|pictures?|images?|background|shot)|emojis? over (?:the|their) faces|"
    r"blurred (?:out )?(?:the|their) faces|swap(?:ped|ping|s)? (?:[\w-]+ ){0,3}faces?|faces? swapped|"
    r"(?:edited|photoshopped|pasted|superimposed|added digitally) (?:him |her |them |us |(?-i:(?:(?:Mr|Mrs|Ms|Miss|Dr)\.? )?[A-Z][\w'-]+ ))?(?:in|into|out)(?![\w'])|"
    r"swap\w* (?:[\w-]+ ){0,3}heads?|heads? swapped|(?:used|using) an? (?:[\w-]+ )?app to (?:add|change|put|give|swap|remove|make)|"
    r"(?:removed|erased|rubbed out|edited out|cut out) (?:a couple of |some |two |one |the )?(?:faces?|people|children|pupils)|(?:stuck|pasted|put) (?:[\w'-]+ ){0,3}heads? on|"
    r"composite (?:photo|image|picture)|(?:photo |picture |image )?editing (?:magic|app|software|tricks?)|"
    r"(?:a little|some|a bit of) (?:photo )?editing|(?:ran|put) (?:[\w-]+ ){0,6}through (?:a|an|the) (?:[\w-]+ )?"
    r"(?:app|filter|generator)|turned (?:everyone|them|us|the class|the team|staff) into|cartoonified))(?![\w'])")
PEOPLE = words(r"year \d+s?", r"class photo", r"photos? of (?:the|our|every)", r"team", r"staff", r"everyone", r"faces?", r"yourselves",
               r"pupils", r"students", r"children", r"teachers", r"leadership", r"leaders", r"class", r"leavers", r"us")
LABELLED_ILLUSTRATION = words(r"AI-generated (?:image|illustration|picture)")
# Material someone else owns: "found this cartoon on Google", "we've scanned in the whole book".
BORROWED = words(r"(?:photo|picture|image|video|article|cartoon|screenshot|screen grab|clip)s? (?:from|off) (?:the )?(?:official )?(?-i:[A-Z])[\w'’&]*(?: [\w'’&]+){0,3} "
                 r"(?:website|site|page|feed|account|paper)",r"found (?:this|these|it|them)(?: \w+)? (?:on|online|via)", r"from google images",
                 r"scanned (?:in )?(?:the whole|every page|all the pages|the book)",
                 r"(?:whole|entire|full|complete) (?:of )?(?:the )?(?:[\w-]+ ){0,3}(?:book|film|movie|album|episode|soundtrack|score)",
                 # a copy taken from someone else's site or disc
                 r"(?:photo|picture|image|video|article|screenshot|screen grab|clip)s? (?:taken )?(?:from|off) (?:their|his|her) "
                 r"(?:website|site|page|feed|account|channel|paper)", r"ripped (?:it |them |this |these )?(?:from|off)", r"pages attached", r"all rights reserved", r"©",
                 r"(?:credit|image|photo|picture) (?:from|via|by) \w+ images",
                 # the owner was not asked, or a commercial recording is used in full
                 r"(?:didn'?t|did not|never) (?:have time to |get (?:a chance|round) to )?ask(?:ed)? (?:them|the owners?|"
                 r"permission|for permission|the photographer)", r"without (?:asking|their permission|permission)",
                 r"(?:full|whole|entire)(?: official)? (?:track|song|single|album|music video)",
                 # someone else's picture taken from their page
                 r"screen ?shott?ed", r"copied (?:in full|word for word)", r"(?:their|the (?:news)?paper['’]s) photographers?")
# A member of staff shown without agreeing: "don't tell him we posted this", "snapped her from the doorway".
STAFF_UNAWARE = words(r"don'?t tell (?:him|her|them)", r"without (?:him|her|them) knowing",
                      r"refused to have (?:her|his|their) "
                      r"photo", r"caught on camera", r"snapped (?:him|her|them)", r"didn'?t (?:know|notice)",
                      r"(?:fast )?asleep", r"napping", r"dozing", r"(?:power )?naps?",
                      r"(?:doesn'?t|does not|don'?t|do not) know (?:we'?ve|we have|we|that we) (?:posted|shared|filmed|taken|put)",
                      r"(?:he|she|they)(?: will|['’]ll| is going to| are going to) sign (?:his|her|their|the|a) (?:consent|permission)",
                      r"(?:hasn'?t|has not|haven'?t|have not|not yet|yet to) (?:signed|given|returned|agreed)",
                      r"(?:consent|permission) (?:form )?(?:to follow|later|when (?:he|she|they))",
                      r"(?:when|while) (?:he|she|they) (?:wasn'?t|weren'?t|was not|were not) looking",
                      # a wish not to be photographed, said and then overridden
                      r"(?:didn'?t|did not|doesn'?t|does not|wouldn'?t|would not) want (?:to be (?:in|on) (?:it|this|that|them|"
                      r"(?:the|a) \w+|camera)|(?:his|her|their) (?:photo|picture) (?:taken|posted|shared))"
                      r"[,;]? (?:but|so we \w+ (?:\w+ ){0,4}anyway)",
                      r"(?:never|won'?t|doesn'?t|does not|wouldn'?t|didn'?t|did not) (?:lets?|likes?|wants?|allows?) (?:\w+ ){0,3}"
                      r"(?:photos?|pictures?|photographed|filmed|on camera|in (?:the|a) (?:photo|picture))",
                      r"asked (?:us )?(?:not to be (?:in|included|photographed|filmed|pictured)|to be (?:left|kept) out)",
                      r"(?:hates?|dislikes?|can'?t stand|isn'?t keen on|not a fan of) (?:having )?(?:his|her|their|being) "
                      r"(?:photo|picture|photographed|filmed|on camera)\w*", r"camera[- ]shy", r"too shy (?:for|to be in) (?:the|a)",
                      r"sneaky (?:one|photo|pic|picture|shot|snap)\w*",
                      r"if (?:he|she|they) (?:knew|find out|found out|saw this)",
                      r"(?:he|she|they)(?:'ll| will) (?:kill|murder|never forgive) (?:us|me)", r"when (?:he|she|they) sees? this",
                      r"(?:has|have|had) no idea (?:this|that this|it) (?:is|was|'s)",
                      r"(?:had )?no idea (?:we were|i was|he was being|she was being) (?:filming|filmed|recording|"
                      r"recorded|photographing|taking)",
                      r"(?:has|have|had) no idea (?:that )?(?:we|i|anyone|someone) (?:\w+ )?(?:filmed|recorded|photographed|"
                      r"snapped|took|posted|shared)")
TITLED = re.compile(r"(?<![\w'])(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.? [A-Z][a-z'’-]+")
LIVE = re.compile(r"(?<![\w'])(?i:live ?stream\w*|stream(?:ed|ing)? live|(?:go|going|be) live|watch (?:it |us )?live|"
                  r"tune in|live on (?:our|the|this))(?![\w'])|(?<![\w'])[A-Z][a-z]+ Live(?![\w'])")
COMMENT_INVITE = words(r"(?:in|into|to) the comments(?: below| section)?", r"comment below", r"comment (?:with|your)",
                       r"leave (?:a|your) comments?", r"let us know below")
PRIVATE_LINK = words(r"private(?:,)? (?:password[- ]protected )?link", r"password[- ]protected", r"private stream")
LESSON = words(r"lessons?", r"class(?:room)? (?:session|practical)")
# Pupils present in the content (on a channel where they must not appear).
# "Year 5 teacher", "KS2 children's author" describe an adult's job, not a pupil who appears.
PUPILS_PRESENT = words(r"students?", r"pupils?", r"children", r"kids", r"year \d+(?:s|['’]s)?(?! (?:teachers?|tutors?|leads?|team leaders?))", r"reception class", r"head (?:boy|girl)",
                       r"prefects?", r"choir", r"form group", r"sixth formers?", r"school council", r"our class")
RECRUITMENT = words(r"hiring", r"recruit\w*", r"vacanc\w*", r"apply", r"applications?", r"jobs?", r"careers?",
                    r"join (?:our|the) team", r"come (?:and )?(?:work|teach)", r"work (?:at|with) us", r"roles?")

# Images taken on someone's own device: "snapped these on his phone", "from my iPhone".
PERSONAL_DEVICE = re.compile(
    r"(?<![\w'])(?i:(?:on|with|from|using)\s+(?:my|his|her|their|your|a personal|personal|(?-i:(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?[A-Z][\w-]*)['’]s)"
    r"(?:\s+own)?\s+"
    r"(?:mobile\s+|smart\s*)?(?:phones?|mobiles?|iphones?|androids?|cameras?|devices?|ipads?|tablets?))(?![\w'])")
IMAGE_TAKING = words(r"snap\w*", r"photos?", r"pictures?", r"pics?", r"images?", r"videos?", r"film(?:ed|ing)?",
                     r"shots?", r"took (?:these|this|them)", r"taken", r"captured", r"recorded", r"📸", r"📷")
TRIP = words(r"trips?", r"visits?", r"residential", r"outing", r"excursion")
EXCEPTION = re.compile(r"\b(?:except|unless)\b", re.I)
# An account opened in the school's, a class's or a club's name: "Year 4 now have their own Instagram page".
NEW_ACCOUNT = (
    r"(?<![\w'])(?i:(?:(?:brand[- ])?new|(?:very )?own|set up|created|started|launched|opened)\s+(?:(?:a|an|our|their)\s+)?"
    r"(?:[\w-]+\s+){0,2}(?:page|account|channel|group|profile|{platforms})s?)(?![\w'])")
OWN_GROUP = words(r"class(?:es)?", r"year \d+s?", r"year groups?", r"clubs?", r"teams?", r"choir", r"department",
                  r"house", r"form", r"our", r"we", r"us")
FOLLOW = words(r"follow\w*", r"give (?:us|them|it) a follow", r"subscribe\w*", r"join\w*", r"like (?:the|our|their) page",
               r"search for", r"add (?:you|yourselves|yourself)")


def check_devices(ctx: Context) -> None:
    """Images the draft says were taken on a personal device, where the policy says on the school's own."""
    match = PERSONAL_DEVICE.search(ctx.text)
    if not match or not (ctx.has_image or IMAGE_TAKING.search(sentence_at(ctx.text, match.start()))):
        return
    rules = ctx.rules_of("devices")
    # The policy's own exception (a trip with the leader's permission) may apply: a person decides.
    severity = "warn" if rules and EXCEPTION.search(rules[0].text) and TRIP.search(ctx.text) else "block"
    ctx.add("devices", severity,
            f"'{match.group(0).strip()}': these images seem to come from a personal device. Images for the school's "
            "accounts are taken on the school's own devices; use those, or check the policy's exception applies.",
            excerpt_of(ctx.text, match.start(), match.end()))


def check_new_account(ctx: Context) -> None:
    """A post announcing an account that is not one of the policy's official channels."""
    official = ctx.rules.handles
    official_names = {c.key for c in ctx.rules.channels}
    for match in with_platforms(NEW_ACCOUNT).finditer(ctx.text):
        sentence = sentence_at(ctx.text, match.start())
        handles = [h.group("handle").casefold() for h in HANDLE_RE.finditer(sentence)]
        stranger = [h for h in handles if h.rstrip(".") not in official]
        if not (stranger or (OWN_GROUP.search(sentence) and FOLLOW.search(ctx.text))):
            continue
        if not stranger and any(name in match.group(0).casefold() for name in official_names):
            continue  # the school's own channel on a platform it uses, e.g. a new playlist on its YouTube
        ctx.add("new_account", "block",
                f"'{match.group(0).strip()}': this announces an account that is not one of the school's official "
                "channels. New accounts in the name of the school, a class or a club need approval first.",
                excerpt_of(ctx.text, match.start(), match.end()))
        return

# Speaking for oneself ("honestly,", "frankly,") beside a verdict on something: an opinion, not news.
OPINION_MARKER = words(r"honestly", r"frankly", r"personally", r"let'?s be honest", r"truth be told", r"if we'?re honest",
                       r"(?:in )?our (?:view|opinion)", r"we (?:honestly |really )?(?:think|believe|feel)")
VERDICT = words(r"pointless", r"(?:a )?waste of (?:time|money)", r"ridiculous", r"nonsense", r"unfair", r"terrible",
                r"awful", r"rubbish", r"madness", r"(?:a )?joke", r"overrated", r"useless", r"outdated", r"broken",
                r"the worst", r"a disaster", r"shambles", r"should be (?:scrapped|banned|abolished)",
                r"(?:we|i)(?:'d| would) (?:happily |gladly )?(?:scrap|ban|abolish|get rid of)", r"tells? (?:you|us) nothing",
                r"(?:mean|means|prove|proves) nothing")


def check_opinion(ctx: Context) -> None:
    match = OPINION.search(ctx.text)
    if not match:
        for start, sentence in sentences(ctx.text):
            marker, verdict = OPINION_MARKER.search(sentence), VERDICT.search(sentence)
            if marker and verdict:
                match = verdict
                ctx.add("staff_opinion", "block",
                        f"'{marker.group(0)}' … '{verdict.group(0)}' gives a personal opinion. Posts speak for the "
                        "school: keep to the news and the facts.",
                        excerpt_of(ctx.text, start + verdict.start(), start + verdict.end()))
                return
        return
    if match:
        ctx.add("staff_opinion", "block",
                f"'{match.group(0)}' gives a member of staff's personal opinion. Posts speak for the school: keep to "
                "the news and the facts.", excerpt_of(ctx.text, match.start(), match.end()))


def check_complaints(ctx: Context) -> None:
    rules = ctx.rules_of("complaints")
    replying = next((c for c in rules if re.search(r"\brespond\w*\b", c.text, re.I)), None)
    match = COMPLAINT_REPLY.search(ctx.text)
    if not match and CRITICISM_HEARD.search(ctx.text):
        match = DEFENCE.search(ctx.text)
    if match:
        ctx.add("complaints", "block",
                f"'{match.group(0)}': this answers a complaint or criticism in public. Do not discuss complaints on "
                "the school's accounts; contact the person directly and point them to the complaints procedure.",
                excerpt_of(ctx.text, match.start(), match.end()), clause=replying)
        return
    match = PROCEEDINGS.search(ctx.text)
    if match:
        ctx.add("complaints", "block",
                f"'{match.group(0)}' is about a disciplinary, legal or grievance matter, which the school does not "
                "post about.", excerpt_of(ctx.text, match.start(), match.end()))


def check_altered_images(ctx: Context) -> None:
    for start, sentence in sentences(ctx.text):
        match = ALTERED.search(sentence)
        if not match:
            continue
        previous = ctx.text[max(0, start - 120):start]
        about_people = ctx.pictured or PEOPLE.search(sentence) or PEOPLE.search(previous)
        if about_people and not LABELLED_ILLUSTRATION.search(sentence):
            ctx.add("ai_images", "block",
                    f"'{match.group(0)}': this image of real people has been generated or altered by software. Post "
                    "real photos (cropping, brightness and colour only), or none.",
                    excerpt_of(ctx.text, start + match.start(), start + match.end()))
        else:
            ctx.add("ai_images", "warn",
                    f"'{match.group(0)}': an AI-made or edited image. Make sure it shows no real person and is "
                    "labelled as AI-generated.", excerpt_of(ctx.text, start + match.start(), start + match.end()))
        return


def check_copyright(ctx: Context) -> None:
    match = BORROWED.search(ctx.text)
    if match:
        ctx.add("copyright", "block",
                f"'{match.group(0)}': this shares material the school does not own. Post only your own photos and "
                "words, or material the owner has said you may use.", excerpt_of(ctx.text, match.start(), match.end()))


def check_staff_images(ctx: Context) -> None:
    staff = [name for name in ctx.pictured if is_staff(name, ctx.text)]
    match = STAFF_UNAWARE.search(ctx.text)
    about_the_post = match and re.search(r"film|photo|record|post|this|sign|consent|kill|snapped|caught|nap|asleep|doz",
                                         match.group(0), re.I)
    if not staff and about_the_post and not ctx.has_image:  # "Caught Mrs Price singing… she'll kill us": named beside it
        staff = [m.group(0) for m in TITLED.finditer(ctx.text[max(0, match.start() - 150):match.end() + 60])] or (
            [m.group(0) for m in TITLED.finditer(ctx.text)] if re.search(r"film|photo|record", match.group(0), re.I) else [])
    if not staff and match and ctx.has_image:  # "Mr Gill had no idea we were filming": named in the text
        staff = [m.group(0) for m in TITLED.finditer(ctx.text)]
    if not staff or not ctx.rules_of("staff_images"):
        return
    if match:
        ctx.add("staff_images", "block",
                f"'{match.group(0)}': {staff[0]} seems not to have agreed to this photo. Only post images of staff "
                "who have said yes.", excerpt_of(ctx.text, match.start(), match.end()))
    else:
        ctx.add("staff_images", "warn",
                f"{', '.join(staff)} pictured: make sure they have agreed to their photo being posted.",
                f"pictured: {', '.join(staff)}")


def check_live_stream(ctx: Context) -> None:
    match = LIVE.search(ctx.text)
    names = "|".join(re.escape(c.name) for c in ctx.rules.channels)
    if not match and names:  # "LIVE on Instagram": live on one of the school's own channels
        match = re.search(rf"(?<![\w'])(?i:live) on (?:{names})(?![\w'])", ctx.text)
    if not match or PRIVATE_LINK.search(ctx.text):
        return
    rules = ctx.rules_of("live_stream")
    lesson_rule = next((c for c in rules if LESSON.search(c.text)), None)
    clause = lesson_rule if lesson_rule is not None and LESSON.search(ctx.text) else next(
        (c for c in rules if c is not lesson_rule), None)
    ctx.add("live_stream", "block",
            f"'{match.group(0)}': a public live stream on the school's account. Live events may only be shared "
            "through a private link the school sends to families.", excerpt_of(ctx.text, match.start(), match.end()),
            clause=clause)


def check_channel_use(ctx: Context) -> None:
    no_pupils = ctx.rules_of("channel_use")
    # "you teach Year 5", "recruiting Year 6 teachers": the job, not a pupil on screen
    # "no pupils on site" says they are absent
    match = next((m for m in PUPILS_PRESENT.finditer(ctx.text)
                  if not re.search(r"\b(?:teach|teaches|teaching|taught|recruiting|hiring|no|without|not any|none of the)\s+$",
                                   ctx.text[max(0, m.start() - 40):m.start()], re.I)),
                 None)
    pupils_pictured = [name for name in ctx.pictured if ctx.consent.find(name) and not is_staff(name, ctx.text)]
    if no_pupils and not match and pupils_pictured:
        ctx.add("channel_use", "block",
                f"{pupils_pictured[0]} is a pupil on the consent register, listed as pictured: pupils must not appear "
                "on this channel, in person, in the background, by voice or by name.",
                f"pictured: {', '.join(pupils_pictured)}", clause=no_pupils[0])
    if no_pupils and match:
        ctx.add("channel_use", "block",
                f"'{match.group(0)}': pupils must not appear on this channel, in person, in the background, by voice "
                "or by name.", excerpt_of(ctx.text, match.start(), match.end()), clause=no_pupils[0])
    comments_off = ctx.rules.comments_off.get(ctx.channel)
    invite = COMMENT_INVITE.search(ctx.text)
    if comments_off is not None and invite:
        ctx.add("channel_use", "block",
                f"'{invite.group(0)}' asks for comments, but the policy has comments switched off on this channel. "
                "Ask families to reply another way (the school office, a form), or leave the question out.",
                excerpt_of(ctx.text, invite.start(), invite.end()), clause=comments_off)
    purpose = ctx.rules.purposes.get(ctx.channel)
    if purpose and not _serves(purpose[0], ctx.text):
        ctx.add("channel_use", "block",
                f"This channel is used for {purpose[0]} only, and this post is about something else. Post it on "
                "another of the school's channels.", excerpt_of(ctx.text, 0, min(len(ctx.text), 50)),
                clause=purpose[1])


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def stem_words(items: list[str]) -> list[str]:
    return _stemmer().stemWords(items)


def _serves(purpose: str, text: str) -> bool:
    """Does the post serve the channel's stated purpose? Its words (stemmed), or for recruitment the
    ordinary words of a job advert."""
    if re.search(r"\brecruit", purpose, re.I) and RECRUITMENT.search(text):
        return True
    wanted = set(stem_words(re.findall(r"[a-z]+", purpose.lower()))) - {"staff", "the", "and", "of"}
    return bool(wanted & set(stem_words(re.findall(r"[a-z]+", text.lower()))))
