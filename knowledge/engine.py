"""The answer engine: a question in everyday words → the policy clause that answers it, as an Answer.

How a question is scored (everything question-independent is precomputed in `Knowledge.load`):

1. normalise (NFKC, lower case, no punctuation/control characters), cap at MAX_QUESTION_CHARS;
2. correct typos token by token against the policy's own vocabulary (rapidfuzz ratio);
3. expand slang and synonyms into policy terms with the school's lexicon;
4. score every match target — each clause as a full sentence, plus the example phrasings from
   policy/examples.toml — by IDF-weighted term overlap (Dice) blended with a rapidfuzz
   token-set similarity over the same expanded strings; a clause scores its best target;
5. steer by audience ("I'm a parent", "can pupils…", "the school's Facebook") and platform;
6. turn the best clause into a verdict from its modality (and intent: who/what/when → "info").

Two kinds of "don't know":
* not covered — best score under ANSWER_THRESHOLD (or an out-of-scope / other-language / empty
  question): answered=False, no section/clause/quote/verdict, text names who to ask;
* not sure — two or three different rules score within AMBIGUITY_RATIO of each other: we still
  answer with the best clause (answered=True, so the contract always carries a quotable rule)
  but fill `choices` and say "did you mean…?" so the channel can offer buttons.
"""
from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rapidfuzz import fuzz, process

from knowledge.answers import Answer, Related
from knowledge.disclosure import ConcernRules, spot_disclosure
from knowledge.lexicon import Lexicon, normalise
from knowledge.policy import STOPWORDS, VERDICT_OF_MODALITY, Clause, Policy

MAX_QUESTION_CHARS = 1000  # longer input is truncated before any scoring
ANSWER_THRESHOLD = 0.34  # calibrated on tests/questions.toml (see benchmarks/answer_bench.py)
AMBIGUITY_RATIO = 0.95  # another rule within 5% of the best one → "did you mean…?"
FUZZY_WEIGHT = 0.3
TYPO_CUTOFF = 80
FUZZY_CANDIDATES = 30
QUERY_SIDE = 0.65
EXAMPLE_ONLY_WEIGHT = 0.5
LONG_MESSAGE_TERMS = 12  # more content terms than this: a message with context, not a bare question
FULL_EVIDENCE = 0.57  # share of the rarest word's IDF that counts as full evidence

# Words that tell us a question is in English at all (other languages get an honest refusal).
ENGLISH_FUNCTION_WORDS = frozenset("""i a an the to my is it on of and do we you in for what how who me be are if
with should am ok can about from our this that at or not when where why which does did have has any your
he she they them his her there was were will would could may must so but""".split())
# Everyday words that typo correction must leave alone ("find" is not a misspelt "friend",
# "telling" not a misspelt "trolling").
COMMON_WORDS = frozenset("""find found finding tell telling told look looking see seeing read reading put putting
make making take taking give giving say saying said ask asking asked need needs think thinking want wanted
use using used keep keeping help helping start starting stop going come coming write writing call calling
work working feel feeling happen happens happened mean means meant show showing try trying leave leaving
bring buy pay fix fixed lose lost win sure thing things stuff time times day days week weeks year years
people person someone something anything everything nothing lot lots bit kind sort way next last new old
good bad nice right wrong best worst better worse same different own other another every each both few
many much more most less least also just only even still already again ever never always often sometimes
really quite very too enough maybe perhaps probably actually basically literally once until after before
while though although since because unless whether then here theres where whole entire""".split())
# How questions are asked, whatever the school's lexicon says: never a topic.
QUESTION_FILLER = frozenset("""im ive dont cant wont ok okay alright fine allowed allow please pls question
wondering know tell am get got against""".split())
VERDICT_INTENT = re.compile(r"^(can|could|may|might|am|are|is|isnt|should|shall|do|does|did|must|will|would|have|"
                            r"has|are|im|ive|please|quick|allowed|ok|okay|any|if)\b|\b(allowed|ok to|okay to|"
                            r"alright to|fine to|permitted|supposed to|got to|have to)\b")
INFO_INTENT = re.compile(r"^(who|whos|whose|which|what|whats|wat|wats|wot|when|whens|where|wheres|why|how|hows|"
                         r"tell me|explain|list|define)\b")
# Function words of storytelling ("…but he's 19 now"): never the topic of a question.
NARRATIVE_FILLER = frozenset("""but now ago hes shes theyre thats theres whats its ive id youre wasnt werent
he she they there was were would could so yet though anyway""".split())
# "governor here - who manages…", "quick one, how long…": a short preface before the real question.
PREFACE = re.compile(r"^(?:(?:hi|hiya|hello|hey|morning|afternoon|sorry|quick one|quick q|question|governor here|"
                     r"parent here|ta here|teacher here|mum here|dad here|can you tell me|do you know|any idea|"
                     r"i was wondering|wondering|please|pls|so|ok|okay|right|just)\s+)+")
# A yes/no question at the END of a long message ("…tag her business on Facebook - would that be allowed?").
TRAILING_VERDICT = re.compile(r"\b(is that|is this|would that be|would this be|is it|would it be|will that be|"
                              r"could that be)( \w+)? (ok|okay|alright|allowed|fine|acceptable|a problem|against the rules)$|"
                              r"\b(can|could|may|should) (i|we)( \w+){0,3}$|\bam i allowed( to)?( \w+){0,3}$")
# A wh-question that still asks for a ruling: "what's the policy on moaning about parents?".
RULING_ASKED = re.compile(r"^(whats|what is|what|wats|what s) (the|our) (policy|rule|rules|position|stance|line) "
                          r"(on|about|regarding) \w+ing\b")
# After a wh-opener, only an explicit yes/no clause makes it a ruling ("what are pupils not allowed to
# do" wants the list; "where am I supposed to complain" wants the place).
VERDICT_AFTER_WH = re.compile(r"\b(can|may|could|should) i\b(?! do\b)|\b(is it|its|is that) (ok|okay|alright|fine|"
                              r"allowed)\b|\b(ok|okay|alright|fine) to\b")
# "a pupil wants to know where…", "she asked what…": an embedded question asking for a fact.
# "If a pupil is unhappy, where should they go?": the condition sets the scene, the wh-question after it
# is what is asked (a fact, not a yes/no).
CONDITION_THEN_WH = re.compile(r"^(?:if|when|say|suppose) (?:\w+ ){1,14}?(?:where|who|what|how|which) "
                               r"(?:should|do|does|can|could|would|will|is|are|must)\b")
EMBEDDED_INFO = re.compile(r"\b(know|asked|asking|wondering|wonders|wants to know|ask) (where|what|how|who|when|which)\b")
# Questions typed as a bare topic ("policy review date", "consent form how long") want a fact.
INFO_TOPIC = re.compile(r"\b(how long|how often|how many|who|when|what|date|dates|handle|called|name of|contact|"
                        r"deadline|period|length)\b|\b\d+ ?(yrs?|years?|months?)\b|\bwhether\b.+\bor\b|"
                        r"\bor (every|each|once|twice)\b")
# "who do I ask / talk to about…", "who is responsible for…": meta questions about people, not rules.
META_WHO = re.compile(r"\bwho\s+(?:do|should|can|could|would)\s+i\s+(?:ask|talk to|speak to|contact|go to|email|"
                      r"see|tell|message|chat to|check with)\b(?:\s+(?:about|re|regarding|if|for|to))?|"
                      r"\bwho\s+(?:is|s)\s+(?:responsible|in charge)\s+(?:for|of)\b|"
                      r"\bwhos\s+(?:responsible|in charge)\s+(?:for|of)\b")
# "who is the SENCo?": who holds a role. The policy names only some role holders.
WHO_IS_ROLE = re.compile(r"^(?:who|whos)\s+(?:is\s+)?(?:the|our|my)\s+((?:\w+\s+){0,2}(?:senco|sendco|head|headteacher|"
                         r"deputy|manager|lead|leader|teacher|caretaker|chair|governor|dsl|bursar|administrator|"
                         r"secretary|clerk|coordinator|officer|nurse|cook|ta|slt|lsa|head of \w+))(?:\s+(?:now|then|here|at school))?$")
# Words in a question that already negate or prevent ("are comments switched off", "stop comments").
QUESTION_NEGATES = re.compile(r"\b(not|no|cant|cannot|dont|doesnt|isnt|arent|wont|never|stop|stops|stopped|block|"
                              r"blocked|prevent|prevented|off|disable|disabled|turned off|switched off|why)\b")
AUDIENCE_CUES = [
    # A member of staff narrated as doing what section 3 governs ("my son's teacher posted a pic of him").
    ("staff", re.compile(r"\b(teacher|ta|colleague|member of staff|staff member|volunteer|governor|coach)s? (?:has |have |is |was )?"
                         r"(posted|posts|shared|shares|put|added|adds|messaged|messages|is posting|uploaded|keeps|"
                         r"complain\w*|moan\w*|slag\w*|rant\w*|is ranting|is moaning|is complaining)\b")),
    # A parent who volunteers or governs is asking as one of the staff (section 3 covers them).
    ("staff", re.compile(r"\b(im|i am|as) an? (parent|mum|dad) (volunteer|governor|helper)\b|"
                         r"\bstaff (whatsapp|group|groups|chat|chats|facebook|fb|instagram|insta|social media|socials|"
                         r"personal|own|accounts?|rules)\b|^(supply|supply teacher|cover supervisor|volunteer|governor|ta|"
                         r"teacher|student teacher|lsa) here\b")),
    ("parents", re.compile(r"\b(im|i am|as) an? (parent|mum|dad|carer|mother|father|guardian)\b|"
                           r"^(parent|mum|dad|carer) here\b|\bmy (own )?(son|daughter|child|kid|boy|girl)s?\b(?! in my class)|"
                           r"^(parents?|carers?|mums?|dads?) \w+ing\b|"
                           r"\b(can|may|should|could|do|does|are|is|must|will) (the )?(parents?|carers?|mums?|dads?|"
                           r"a (parent|mum|dad|carer))\b|\b(parents?|carers?|mums?|dads?) (allowed|can|should|may)\b|"
                           r"\b(for|by) (parents|carers)\b|\bmy (son|daughter|child|kid)s? (school|class|teacher)\b|"
                           r"\bfor (a |the )?(parent|mum|dad|carer)s? to\b")),  # "is it ok for a parent to…"
    ("pupils", re.compile(r"^(pupils?|children|kids?|students?) \w+ing\b|"
                          r"\b(pupils?|children|child|kids?|students?|class|(?:year|yr|y) ?[1-9]s?|boys?|girls?)\b(?: \w+){0,2} "
                          r"(want|wants|asked|asking|wondering|ask)\b(?: \w+){0,3} (if|whether) (they|he|she) (can|could|are|is|may)\b|"
                          r"\b(can|may|should|could|do|does|are|is|must|will) (my |the |a |our )?(pupils?|children|"
                          r"child|kids?|students?|son|daughter)\b|\b(pupils?|children|kids|students) (allowed|can|"
                          r"should|may)\b|\b(im|i am|as) a (pupil|student|child)\b|(?<!suitable )(?<!appropriate )(?<!ok )(?<!okay )(?<!safe )\bfor (pupils|children|kids)\b|"
                          r"\bfor (a |the )?(pupil|child|kid|student)s? to\b")),
    # The speaker asking about their own conduct, before any third party the question mentions
    # ("can I like a parent's post?", "can I share the school's posts on my own page?").
    ("staff", re.compile(r"\b(can|may|could|should|am|shall) i\b(?:\s+\w+){0,8}\s+(my|our) (own|personal)\b|"
                         r"^(can|may|could|should|am) i (allowed to )?(like|follow|share|comment|react|reply)\b")),
    # Third parties narrated as doing what their section governs ("a parent posts nasty stuff about me").
    ("parents", re.compile(r"(?:\b(?:a|the|my|our|if|when|one of the|one of our)|^) ?(parent|mum|dad|carer)s? (?:(?:is|are|was|were|keeps|has been|has|have|just|has just) )?(post|posts|posted|share|shares|shared|uploaded|"
                           r"complain\w*|moan\w*|slag\w*|comment\w*|wrote|writes|put|puts|is posting|keeps)\b")),
    ("pupils", re.compile(r"\b(a|the|my|our|if|when|one of my|one of our) (pupil|child|student|kid|boy|girl|lad|"
                          r"(?:year|yr|y) ?[1-6])s? (?:who )?(?:(?:is|are|was|were|keeps|has been) )?(post|posts|posted|share|shares|shared|"
                          r"complain\w*|moan\w*|slag\w*|comment\w*|wrote|writes|is posting|keeps)\b")),
    ("school_accounts", re.compile(r"\b(school|schools|official|cjs|our) (facebook|instagram|fb|insta|ig|page|account|"
                                   r"accounts|social media|socials|channels?|feed|posts)\b|\bthe school (post|like|follow)|"
                                   r"\b(will|does|can|is|isnt|should|shouldnt|has|hasnt|doesnt|would|could|must) the school\b|"
                                   r"\bthe school (can|could|will|would|should|may|is allowed)\b")),
    ("staff", re.compile(r"\b(can|may|could|should|am|do|must|shall) i\b|\b(im|i am|as) an? (teacher|ta|member of staff|"
                         r"staff member|governor|volunteer|teaching assistant)\b|\b(can|may|should|could|must|do|are) (?:our |the |a |an |my )?"
                         r"(staff|teachers?|governors?|volunteers?|tas|teaching assistants?|supply teachers?|supply staff|"
                         r"lunchtime staff|office staff|support staff|colleagues?|members of staff|a member of staff|"
                         r"dinner ladies|midday supervisors?|lunchtime supervisors?)\b|\bmy (own|personal)\b|\b(is it|its) (ok|okay|alright|fine) (for me )?to\b|"
                         r"\bmy (insta|instagram|ig|fb|facebook|tiktok|snap|snapchat|twitter|page|account|story|"
                         r"profile|socials|phone|linkedin)\b|\bif i (can|could|should|may)\b|\b(ta|teacher|governor) here\b")),
]
AUDIENCE_HINTS = {"parents": "as a parent", "pupils": "as a pupil", "staff": "as a teacher",
                  "school_accounts": "on the school's facebook"}
PERSON_NAMING = re.compile(r"\b(managed by|headteacher|head teacher|deputy head|manager|lead\b|designated)", re.I)
STAFF_ACCESS = re.compile(r"\bstaff\b.*\b(access|authoris|manage|post to)", re.I)
SPEAKER_ACTS = re.compile(r"\b(can|could|may|should|do|am) i\b|\bi (can|could|may|want to|need to)\b|\bcan i just\b")
SPEAKER_POSTS = re.compile(r"\b(post|put|upload|share|log|login|logon|password|access|admin|manage|run)\b")
SCHOOL_ACCOUNT = re.compile(r"\b(school|schools|official|cjs) (facebook|instagram|fb|insta|ig|page|account|accounts|"
                            r"social media|socials)\b")
# IT-helpdesk how-tos ("how do I get my laptop fixed", "password for the ipads"): not policy
# questions unless they also name social media.
HELPDESK = re.compile(r"\b(fix|fixed|fixing|broken|not working|wont turn on|reset|password for|passwords? to|log ?in to|"
                      r"connect to|install|printer|projector|set up my|how do i (get|turn|connect|print|install|log))\b")
# Using a phone or device in class or at work is a behaviour/acceptable-use matter, not social media.
DEVICE_USE = re.compile(r"\b(phones?|mobiles?|smartphones?|smart ?watch\w*|devices?|ipads?|tablets?)\b(?:\s+\w+){0,4}?\s+"
                        r"(in|during|at|to|into)\s+(the\s+)?(class|classes|classroom|lessons?|school|work|assembly|"
                        r"school day|the day|playground|break|lunch|residential|trip|trips|visit|coach)\b|"
                        r"\b(phone|mobile) (policy|rules|ban)\b|\buse (their|his|her|my|our|your|the) (own )?(phones?|mobiles?|ipads?|tablets?)\b")
# Owning or carrying a phone ("are Y6 allowed phones in their bags") is the same matter.
DEVICE_OWNERSHIP = re.compile(r"\b(allowed|bring|brings|have|has|carry|carrying|keep)\s+(?:\w+\s+){0,2}?"
                              r"(phones?|mobiles?|smart ?watch\w*|smartphones?)\b")
# How-to questions about operating an app ("how do I set up…", "how do I block…"): the policy says what
# is allowed, not how the apps work, unless the question is about privacy, reporting or consent.
APP_HOWTO = re.compile(r"^how (do|can|would|should|to) ?(i|we|you)? ?(set up|setup|block|unblock|schedule|upload|download|"
                       r"install|delete|create|boost|crop|edit|pin|archive|embed|run ads|get more|post on|post to|"
                       r"upload to|log ?in to|login to|sign in to|change|update|rename|remove|add my|add a signature|turn on|turn off|"
                       r"switch on|switch off)\b")
# "How many likes/followers/staff…": counts the policy does not hold (its only figure is years of consent).
HOW_MANY_COUNT = re.compile(r"^how many (?!years?\b|yrs?\b|times?\b|months?\b|days?\b)\w+")
HOWTO_POSTING = frozenset({"post on", "post to", "upload to", "log in to", "login to", "sign in to"})  # on the school's page: rule 2-3
HOWTO_IN_SCOPE = re.compile(r"\b(privacy|private|settings|report|complain\w*|consent|permission|safeguarding|concern)\b")
# What another policy says ("what's the acceptable use policy for ipads"): that policy answers it.
OTHER_POLICY_CONTENT = re.compile(r"^(whats|what is|what|what does|what do) (the|our) ((?:\w+ ){1,3}?)policy "
                                  r"(say|says|for|on|about|cover|covers|regarding)\b")
# The groups of people a rule can be about, in clause text and in a question's (stemmed) terms.
GROUP_PATTERNS = {"pupils": re.compile(r"\b(pupils?|children|child|students?)\b", re.I),
                  "parents": re.compile(r"\b(parents?|carers?)\b", re.I),
                  "staff": re.compile(r"\b(staff|colleagues?|governors?|volunteers?|teachers?)\b", re.I)}
GROUP_STEMS = {"pupils": frozenset({"pupil", "child", "children", "student"}),
               "parents": frozenset({"parent", "carer"}),
               "staff": frozenset({"colleagu", "staff", "governor", "volunteer", "teacher"})}
# Who a question is about as the OBJECT of the act ("add a parent", "photos of the kids"): the first
# group word that is not the actor right after "can/are/do" ("can teachers add pupils" → pupils).
QUESTION_GROUP_WORDS = {
    "pupils": r"pupils?|children|child|childs|kids?|students?|year ?[1-6]s?|y[1-6]s?|boys?|girls?|class|leavers?",
    "parents": r"parents?|carers?|mums?|dads?|mothers?|fathers?|grandparents?"}
QUESTION_GROUP = re.compile(r"\b(?:(" + QUESTION_GROUP_WORDS["pupils"] + r")|(" + QUESTION_GROUP_WORDS["parents"] + r"))\b")
ACTOR_SLOT = re.compile(r"(?:^|\b(?:can|could|may|should|do|does|are|will|would|must|if|when)\s+)"
                        r"(?:a |the |our |my |one of (?:my|our|the) )?$"
                        r"|\b(?:as|im|i am|being|speaking as) (?:a |an )?$")  # "as a parent, can I…": the asker
# "Do I need permission to post a pupil's name on the school instagram": consent for the content, not
# who may log in to the account.
CONSENT_FOR_CONTENT = re.compile(r"\b(permission|consent|say so|ok from|agreement)\b(?: \w+){0,8} "
                                 r"(names?|photos?|pictures?|pics?|images?|faces?|videos?)\b")
OBJECT_MISMATCH_FACTOR = 0.5  # a rule about pupils does not answer "can I add a parent?"
PERMISSION_ASKED = re.compile(r"^(can|could|may|might) (i|we|you|parents?|pupils?|kids|children|staff)\b|"
                              r"\b(allowed|permitted|ok to|okay to|alright to|fine to)\b")
# "is seesaw social media (according to the policy)", "does a class blog count as social media".
DEFINITION_ASKED = re.compile(r"^(is|are|does|do|would|will|could) (?:(?:a|an|the|our|my)\s+)?(?:\w+\s+){1,3}?"
                              r"(?:(?:count|counts|counted|classed|considered|class|classified|seen|treated|included)\s+)?"
                              r"(?:as\s+)?(?:a\s+|an\s+)?(social media|social network\w*)\b(?!\s+(?:post|account|page))")
# "As a governor am I covered by…", "do the rules apply to me as a volunteer": the role is the topic.
APPLIES_TO_ME = re.compile(r"\b(apply|applies|covered|cover|covers|count|counts|included|include|bound)\b"
                           r"(?: \w+){0,3} (me|us)\b|\bam i (covered|included|bound)\b")
# "does this cover using my own laptop", "does the policy apply on my phone": the policy's own reach is
# asked about, so a device or errand word in it is the scope clause's topic, not a helpdesk request.
ASKS_POLICY_SCOPE = re.compile(r"^(?:does|do|would|will|is|are)\s+(?:this|it|the policy|this policy|the rules?|"
                               r"the social media policy|our policy)\s+(?:\w+\s+)?(?:apply|applies|cover|covers|"
                               r"count|counts|covered|include|includes|included|still apply)\b")
TEXT_SPEAK = {"r": "are", "u": "you", "ur": "your", "cn": "can", "cud": "could", "shud": "should", "wud": "would",
              "wat": "what", "wot": "what", "b4": "before", "bc": "because", "cos": "because", "coz": "because",
              "abt": "about", "ppl": "people", "thx": "thanks", "tho": "though", "wen": "when",
              "2day": "today", "plz": "please", "pls": "please", "msg": "message", "msgs": "messages"}
# (No digits or single letters other than "r"/"u": "year 4" and "Y 6" must stay as they are.)
INSTEAD_OF = re.compile(r"\b(rather than|instead of)( (on|in|via|through|using))?( the| a| my| their| our)? \w+")
# What every rule of a social media policy is about: media, accounts, messages, images, monitoring,
# training, reporting and the policy's own terms. A question naming none of them is probably not about it.
MEDIUM_WORDS = """facebook instagram social media online post posts share image photo video comment like follow friend
request communicate contact message account page profile channel whatsapp email link monitor intercept review updated
renewal training safeguarding report concern definition related policies purpose scope applies comply consent
headteacher internet equipment devices handle official manage authorised access complain respectful inappropriate
information reference tag name names views opinions political advertisement endorsement group"""
# (Not "events", "trips" or "volunteers": what the school posts about, but asked on their own they are
# school life — "can the dinner ladies help out at the fete".)
NO_MEDIUM_FACTOR = 0.55
# Share of confidence kept when the best clause meets none of the question's core ("what's the best
# app for class photos": only the scene — photos, class — is shared); partial cover scales between.
CORE_MISS_FACTOR = 0.45
# The word a short question turns on: the thing asked for after "what/which" ("what font…", "which
# camera…") or the action after "can I / can parents…" ("can I borrow…"). When the policy and the
# lexicon never use that word at all, the question is about something else (same factor).
FOCUS_WORD = re.compile(
    r"^(?:(?:what|which|whats)\s+(?!(?:is|are|do|does|did|should|can|could|the|a|an|if|happens?|would|will|about|"
    r"other|my|our|i|we|to|kind|sort|type|wont|cant|dont|isnt|arent|shouldnt|they|you|he|she|it|this|that|these|"
    r"those|counts?|sort|exactly|else|age|time)\b)(\w{4,})"
    r"|(?:can|could|may|should|shall|will|would|is it ok to|am i allowed to|are we allowed to)\s+(?:i|we|you|they|"
    r"parents?|pupils?|children|kids|staff|governors?|teachers?|volunteers?|the school|the class|my class|a parent|"
    r"a pupil)\s+(?:still\s+|just\s+|ever\s+|also\s+)?(\w{4,}))\b")
CONSENT_WORD = re.compile(r"\b(consent|permission)\b", re.I)
# "hasn't got photo consent", "no permission", "without consent", "parents opted out"
CONSENT_DENIED = re.compile(r"\b(no|not|without|hasnt|havent|never|didnt|doesnt|dont|isnt|refused|withdrew|withdrawn)\b"
                            r"(?:\s+\w+){0,3}?\s+(consent|permission)\b|\bopted out\b")
# "will the school like…", "our school like": the school's own liking (rule 2.4), never "such as".
SCHOOL_LIKES = re.compile(r"\b(the|our|will|would|does|can|could|should|may) (school|schools) like\b")
ABOUT_THE_POLICY = re.compile(r"\b(this|the|our) ((?:social media|sm) )?policy\b")
# A third party acting on the asker ("slagging me off", "moaning about me"): the asker is staff.
ABOUT_ME = re.compile(r"\b(about|at|of|against|to|on) me\b|\b\w+ing me off\b|\b\w+ed me off\b")
# "things like bullying", "outside school like group chats": "like" meaning "such as", not a like.
SUCH_AS = re.compile(r"\b(things|stuff|something|anything|situations|cases|issues|problems|apps|sites|platforms|games|"
                     r"school|home|online|chats?|groups?) like\b")
# "whose job is it to check…": who is responsible, not a job vacancy.
WHOSE_JOB = re.compile(r"\bwho(?:s|se)? (?:job|responsibility|role|duty) is it to\b")
ENDORSE_VERB = re.compile(r"\b(like|likes|liked|liking|follow|follows|followed|following)\b")
HANDLE = re.compile(r"@\w+")
# A clause that only points at other rules ("follow the above social media guidelines").
POINTER = re.compile(r"\b(follow|apply) the above\b|\babove (social media )?(guidelines|rules)\b", re.I)
# A rule the pointer points at may trail it this far when it meets the question's topic and the pointer does not.
POINTED_RULE_RATIO = 0.6
# A clause about raising things through the school's own channels.
OFFICIAL_ROUTE = re.compile(r"\bthrough the school's official channels\b", re.I)
SOCIAL_PLACE = re.compile(r"\b(facebook|fb|instagram|insta|ig|tiktok|snapchat|twitter|x|whatsapp|mumsnet|social media|"
                          r"online|group chat|facebook group|forum)\b")
# A restriction on others' children ("other than their own") does not touch the asker's own child.
OWN_EXCEPTION = re.compile(r"\bother than (their|your|his|her) own\b", re.I)
ASKS_ABOUT_OWN = re.compile(r"\b(my|our) (own )?(son|daughter|child|children|kid|kids|boy|girl|boys|girls)s?\b|"
                            r"\b(her|his|their) own (son|daughter|child|children|kid|kids|boy|girl|boys|girls)s?\b")
SOCIAL_MEDIA_TERMS = frozenset({"social media", "facebook", "instagram", "friend request", "official school channels",
                                "like follow endorsement pages users", "images photos"})
YEAR_PLURAL = re.compile(r"\b((?:year|yr|y) ?[1-9])s\b")
ARITHMETIC = re.compile(r"\b\d+ ?(times|x|plus|minus|divided by|add|multiplied by|squared)\b|\bwhat is \d")
IDENTITY = re.compile(r"\b(as|im|i am) (?:only |just |also |the )?an? (?:(?:parent|mum|dad) (?:volunteer|governor|helper)|parent|mum|dad|"
                      r"carer|mother|father|guardian|supply teacher|teacher|ta|teaching assistant|governor|volunteer|"
                      r"member of staff|staff member|pupil|student|lsa|senco|deputy head|head|lunchtime supervisor|"
                      r"midday supervisor|dinner lady|office manager|receptionist|site manager|cover supervisor)\b|"
                      r"^(?:parent|mum|dad|carer|supply|supply teacher|cover supervisor|volunteer|governor|ta|teacher|"
                      r"student teacher|lsa|lunchtime supervisor|midday supervisor|dinner lady|office|office staff|"
                      r"deputy|deputy head|site manager) here\b")
# "does the sm policy apply to lunchtime staff as well", "are TAs covered": who the policy binds is asked,
# which the 'staff, pupils and parents must comply' clause answers, not a rule that merely names staff.
APPLIES_TO_PEOPLE = re.compile(r"\b(apply|applies|cover|covers|include|includes|relevant)(?: to)? (?:all |the |our |us |me )?"
                               r"(?:\w+ )?(staff|teachers|tas|teaching assistants|volunteers|governors|supervisors|"
                               r"office staff|support staff|supply teachers|everyone|everybody|parents|pupils)\b"
                               r"|\b(staff|teachers|tas|volunteers|governors|supervisors) (?:\w+ )?(covered|included|bound)\b")
PLATFORMS = {"facebook": re.compile(r"\b(facebook|fb)\b"), "instagram": re.compile(r"\b(instagram|insta|ig|gram)\b")}


@functools.lru_cache(maxsize=65536)
def _question_object(text: str) -> str | None:
    for match in QUESTION_GROUP.finditer(text):
        if ACTOR_SLOT.search(text[:match.start()]):
            continue
        return "pupils" if match.group(1) else "parents"
    return None


def _opening_words(statement: str, count: int = 8) -> str:
    words = statement.rstrip(".").split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _stem(word: str) -> str:
    """A light suffix strip so "posting", "posts" and "post", or "include", "included" and "includes",
    meet; applied to questions and targets alike (so it only has to be consistent, not linguistic)."""
    if len(word) > 4 and word.endswith(("ies", "ied")):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e") and not word.endswith(("ee", "ie")):
        word = word[:-1]  # "include" / "includ(ed)", "share" / "shar(ing)"
    return word


def _expand_text_speak(text: str) -> str:
    """"r parents allowed", "cn u", "wat r the rules": chat shorthand in full, so intent and audience read it."""
    return " ".join(TEXT_SPEAK.get(word, word) for word in text.split())


@dataclass
class _Target:
    clause_index: int
    terms: frozenset[str]
    weight: float
    string: str


class Knowledge:
    def __init__(self, policy: Policy, lexicon: Lexicon, examples: dict[str, list[str]]):
        self.policy = policy
        self.lexicon = lexicon
        self.clauses: list[Clause] = policy.clauses
        self.examples = examples
        self.stopwords = STOPWORDS | lexicon.extra_stopwords | QUESTION_FILLER | NARRATIVE_FILLER
        self.warnings: list[str] = []
        self._renewal_date = policy.meta.renewal_date
        self.concern_rules = ConcernRules.from_data(lexicon.concerns)
        self._build()

    # --- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, policy_file, lexicon_file=None, examples_file=None) -> "Knowledge":
        policy = Policy.load(policy_file)
        lexicon = Lexicon.load(lexicon_file)
        examples: dict[str, list[str]] = {}
        if examples_file is not None and Path(examples_file).exists():
            raw = tomllib.loads(Path(examples_file).read_text(encoding="utf-8"))
            examples = {str(k): list(v) for k, v in raw.get("clauses", raw).items() if isinstance(v, list)}
        return cls(policy, lexicon, examples)

    def _terms(self, normalised_text: str, keep: dict | None = None) -> list[str]:
        """Content words plus the policy terms the lexicon maps the text's phrases to (`keep` receives
        the rewrite under "rewrite", for the core check, so it is not computed twice)."""
        rest, policy_terms = self.lexicon.rewrite(normalised_text)
        if keep is not None:
            keep["rewrite"] = (rest, policy_terms)
        words = [w for w in rest.split() if w not in self.stopwords and len(w) > 1]
        for term in policy_terms:
            words.extend(w for w in term.split() if w not in self.stopwords)
        return [_stem(w) for w in words]

    def _build(self) -> None:
        ids = {clause.id: index for index, clause in enumerate(self.clauses)}
        for clause_id in self.examples:
            if clause_id not in ids:
                self.warnings.append(f"examples: no clause {clause_id} in the policy; ignored")
        # Sibling clauses with identical wording (the Facebook and Instagram lists) are "twins";
        # they share example phrasings (the platform named in a question then decides between them).
        by_text: dict[str, list[int]] = {}
        for index, clause in enumerate(self.clauses):
            by_text.setdefault(clause.text, []).append(index)
        self.twins = {i: [j for j in group if j != i] for group in by_text.values() for i in group}
        raw_targets: list[tuple[int, str]] = []
        for index, clause in enumerate(self.clauses):
            raw_targets.append((index, f"{clause.heading} {clause.statement}"))
            for sibling in [index, *self.twins[index]]:
                for example in self.examples.get(self.clauses[sibling].id, []):
                    raw_targets.append((index, example))

        term_lists = [(index, self._terms(normalise(text))) for index, text in raw_targets]
        # Document frequency per clause (not per target), so well-exemplified clauses are not penalised.
        clause_terms: dict[int, set[str]] = {}
        for index, terms in term_lists:
            clause_terms.setdefault(index, set()).update(terms)
        document_frequency: dict[str, int] = {}
        for terms in clause_terms.values():
            for term in terms:
                document_frequency[term] = document_frequency.get(term, 0) + 1
        count = max(len(clause_terms), 1)
        # Words found only in example phrasings (never in the policy or as a lexicon term) are
        # incidental ("a bad post"): they count for less, so one such word cannot carry an answer.
        policy_words = {t for index in range(len(self.clauses)) for t in self._terms(normalise(
            f"{self.clauses[index].heading} {self.clauses[index].statement}"))}
        policy_words |= {_stem(w) for term in self.lexicon.synonyms for w in normalise(term).split()}
        # Everything a clause is about, in its own words and its example phrasings: what a question's
        # core (its action and object) must meet for the clause to answer it.
        self._clause_terms = {index: frozenset(terms) for index, terms in clause_terms.items()}
        for index, text in raw_targets:  # plus the plain words, before the lexicon rewrote them
            self._clause_terms[index] = self._clause_terms[index] | {
                _stem(w) for w in normalise(text).split() if w not in self.stopwords and len(w) > 1}
        self.idf = {term: math.log(1 + count / df) * (1.0 if term in policy_words else EXAMPLE_ONLY_WEIGHT)
                    for term, df in document_frequency.items()}
        self.default_idf = math.log(1 + count)

        self.targets: list[_Target] = []
        self.postings: dict[str, list[int]] = {}
        for index, terms in term_lists:
            unique = frozenset(terms)
            target = _Target(index, unique, sum(self.idf[t] for t in unique), " ".join(sorted(unique)))
            for term in unique:
                self.postings.setdefault(term, []).append(len(self.targets))
            self.targets.append(target)
        self.target_strings = [t.string for t in self.targets]
        self._targets_of: dict[int, list[int]] = {}
        for target_index, target in enumerate(self.targets):
            self._targets_of.setdefault(target.clause_index, []).append(target_index)
        # Rules on which staff may access or post to the official accounts.
        self._access_clauses = [index for index, clause in enumerate(self.clauses)
                                if clause.audience == "school_accounts" and STAFF_ACCESS.search(clause.text)]
        # The policy's own duty to report safeguarding concerns, if it states one: what a disclosure cites.
        reporting = [index for index, clause in enumerate(self.clauses)
                     if re.search(r"\breport", clause.text, re.I) and re.search(r"safeguarding|concern", clause.text, re.I)]
        self._reporting_clause: int | None = reporting[0] if reporting else None
        # Who answers for the policy itself (the Headteacher monitors and reviews it): where "who do I
        # ask about the policy?" goes.
        owner = [index for index, clause in enumerate(self.clauses)
                 if re.search(r"\b(monitor|review)\w*\b.*\bpolicy\b", clause.text, re.I)
                 and re.search(r"\b(headteacher|head teacher|governors?|principal)\b", clause.text, re.I)]
        self._policy_owner_clause: int | None = owner[0] if owner else None
        self._negated_stems: dict[str, frozenset[str]] = {}
        # Which groups of people each clause is about (what it names, plus whom it addresses).
        # The groups a clause acts ON: named in its text, other than the group it is addressed to.
        self._clause_objects = [frozenset(group for group, pattern in GROUP_PATTERNS.items()
                                          if pattern.search(clause.text) and group != clause.audience)
                                for clause in self.clauses]
        self._clause_groups = [frozenset({group for group, pattern in GROUP_PATTERNS.items() if pattern.search(clause.text)}
                                         | ({clause.audience} if clause.audience in GROUP_PATTERNS else set()))
                               for clause in self.clauses]
        surname = normalise(self.policy.meta.headteacher or "").split()[-1:]
        self._head_name = re.compile(rf"\b(?:(?:miss|mrs|mr|ms|mx|dr)\s+)?(?:\w\s+)?{surname[0]}\b") \
            if surname and len(surname[0]) > 2 else None
        self._medium_terms = frozenset(self._terms(normalise(MEDIUM_WORDS)))
        self._staff_terms = frozenset(self._terms("members of staff"))
        # Words that only say where (the platforms, the school's page, a device), never what about.
        self._generic_terms = frozenset(self._terms(normalise(
            "facebook instagram social media school official channels page account accounts post posts use "
            "equipment devices laptop phone login password access")))
        # Words that only set the scene of a social media question (where, whose, about whom), never its
        # core: from the lexicon's [core] context list, so a school can extend it.
        self._context_terms = frozenset(self._terms(normalise(" ".join(self.lexicon.core.get("context", [])))))
        self._person_clauses = [index for index, clause in enumerate(self.clauses) if PERSON_NAMING.search(clause.text)]
        self._clause_text_words = frozenset(w for clause in self.clauses for w in normalise(clause.text).split()) \
            | frozenset(normalise(f"{self.policy.meta.headteacher or ''} headteacher head teacher").split())

        vocabulary = set(document_frequency) | self.lexicon.variant_words()
        for clause in self.clauses:
            vocabulary.update(normalise(clause.statement).split())
        everyday = frozenset(normalise(" ".join(self.lexicon.everyday_words)).split())
        self.vocabulary = frozenset(vocabulary | ENGLISH_FUNCTION_WORDS | self.stopwords | COMMON_WORDS | everyday)
        # An inflection of a known word ("keeps", "cakes", "monitors") is no typo either.
        self._vocabulary_stems = frozenset(_stem(w) for w in self.vocabulary)
        # Typo correction only targets words long enough to be mistyped meaningfully.
        self._lexicon_words = frozenset(self.lexicon.variant_words()) - self.stopwords
        self._correctable = sorted(w for w in self.vocabulary if len(w) >= 3 and not w.isdigit())
        self._typo_cache: dict[str, str] = {}

    # --- scoring ---------------------------------------------------------------------------

    def _correct(self, word: str) -> str:
        if word in self.vocabulary or len(word) < 4 or not word.isalpha() or _stem(word) in self._vocabulary_stems:
            return word
        cached = self._typo_cache.get(word)
        if cached is None:
            # Typos rarely change the first letter; without that guard "rain" becomes "train" and
            # "nativity" becomes "activity", pulling off-topic questions onto a clause.
            matches = process.extract(word, self._correctable, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=3)
            cached = next((m[0] for m in matches if m[0][0] == word[0] or m[1] >= 92), word)
            if len(self._typo_cache) < 50_000:
                self._typo_cache[word] = cached
        return cached

    def _query_audience(self, text: str) -> str | None:
        for audience, pattern in AUDIENCE_CUES:
            if pattern.search(text):
                return audience
        return None

    def score(self, question: str, meta: bool = False) -> tuple[list[tuple[float, int]], dict]:
        """Clause scores for a question, best first, and what was understood about it."""
        text = normalise(question[:MAX_QUESTION_CHARS])
        if self._head_name is not None:
            text = self._head_name.sub("headteacher", text)  # "Miss Ingram" is the Headteacher, not a typo
        words = text.split()
        corrected = " ".join(self._correct(w) for w in words)
        # "As a TA…", "I'm a parent…" say who is asking (audience), not what about: not scored as terms.
        asks_applies = APPLIES_TO_ME.search(corrected)
        kept: dict = {}
        terms = set(self._terms(corrected if asks_applies else IDENTITY.sub(" ", corrected), kept))
        if APPLIES_TO_PEOPLE.search(corrected) and ABOUT_THE_POLICY.search(corrected):
            terms.add("comply")
        content = [w for w in corrected.split() if w not in self.stopwords and len(w) > 1 and not w.isdigit()]
        known = sum(1 for w in content if w in self.idf or _stem(w) in self.idf or w in self._lexicon_words)
        audience = self._query_audience(corrected)
        if audience in ("parents", "pupils") and ABOUT_ME.search(corrected) and not IDENTITY.search(corrected):
            # "a pupil keeps moaning about me": the member of staff asking is what it is about
            terms |= self._staff_terms
        info = {"normalised": corrected, "words": words, "terms": terms, "rewrite": kept["rewrite"],
                "coverage": known / len(content) if content else 0.0}
        if not terms:
            return [], info
        # In a long message most words are the story around the question: words the policy never uses
        # count for less there, so context does not drown the question (a short question keeps the full
        # penalty, which is what refuses off-topic questions).
        unknown_weight = self.default_idf * (0.35 if len(terms) > LONG_MESSAGE_TERMS else 1.0)
        query_weight = sum(self.idf.get(t, unknown_weight) for t in terms)
        overlap: dict[int, float] = {}
        for term in terms:
            weight = self.idf.get(term)
            if weight is None:
                continue
            for target_index in self.postings[term]:
                overlap[target_index] = overlap.get(target_index, 0.0) + weight
        if not overlap:
            return [], info
        info["audience"] = audience
        platforms = [name for name, pattern in PLATFORMS.items() if pattern.search(corrected)]
        asks_who = bool(re.match(r"(who|whos|whose)\b", PREFACE.sub("", corrected)))
        asked_stems = {_stem(w) for w in corrected.split() if w not in self.stopwords and len(w) > 3}
        names_school_account = bool(SCHOOL_ACCOUNT.search(corrected))
        names_platform = bool(SOCIAL_PLACE.search(corrected))
        asks_official_route = bool({"official", "channel"} & terms) and not names_school_account
        yes_no = bool(VERDICT_INTENT.search(corrected)) and not INFO_INTENT.search(corrected)
        asked_groups = {group for group, stems in GROUP_STEMS.items() if terms & stems}
        asked_object = _question_object(corrected)
        asks_who_is_bound = "comply" in terms and bool(ABOUT_THE_POLICY.search(corrected))
        asks_consent_for_content = CONSENT_FOR_CONTENT.search(corrected) is not None
        acts_on_school_account = bool(SPEAKER_ACTS.search(corrected) and names_school_account
                                      and not asks_consent_for_content)
        # Exact weighted overlap first, then rapidfuzz on the best candidates only: it rewards
        # near-identical wording and partial words without scanning every target.
        # Tversky overlap: covering the question's terms matters more than covering a long clause's.
        dice = {index: common / (QUERY_SIDE * query_weight + (1 - QUERY_SIDE) * self.targets[index].weight)
                for index, common in overlap.items()}
        candidates = sorted(dice, key=dice.__getitem__, reverse=True)[:FUZZY_CANDIDATES]
        query_string = " ".join(sorted(terms))
        best: dict[int, float] = {}
        evidence: dict[int, float] = {}  # matched IDF weight behind each clause's score
        for target_index in candidates:
            target = self.targets[target_index]
            similarity = fuzz.token_sort_ratio(query_string, target.string) / 100
            value = (1 - FUZZY_WEIGHT) * dice[target_index] + FUZZY_WEIGHT * similarity
            if value > best.get(target.clause_index, 0.0):
                best[target.clause_index] = value
                evidence[target.clause_index] = overlap[target_index]
        for clause_index in list(best):
            clause = self.clauses[clause_index]
            if audience and clause.audience == audience:
                best[clause_index] *= 1.2
            elif (audience in ("parents", "pupils") or asks_who_is_bound) and clause.audience == "everyone" \
                    and audience in self._clause_groups[clause_index]:
                # "staff, pupils and parents must comply" binds parents too (other staff questions have
                # their own, richer section and keep to it); "do parents have to follow this policy?" is it
                best[clause_index] *= 1.2 if asks_who_is_bound else 1.1
            elif audience and clause.audience in ("parents", "pupils", "staff") and clause.audience != audience:
                best[clause_index] *= 0.8
            elif audience and audience != "school_accounts" and clause.audience == "school_accounts" \
                    and not names_school_account:
                # a person asking about their own posting, not the school's
                best[clause_index] *= 0.75 if audience in ("parents", "pupils") else 0.85
            elif not audience and clause.audience in ("parents", "pupils"):
                best[clause_index] *= 0.9  # staff ask about themselves unless they say otherwise
            if len(platforms) == 1:
                heading = clause.heading.lower()
                other = "instagram" if platforms[0] == "facebook" else "facebook"
                if other in heading:
                    best[clause_index] *= 0.75
                elif other in clause.text.lower() and platforms[0] not in clause.text.lower():
                    best[clause_index] *= 0.85  # "…if you follow us on Instagram" is not about Facebook
            if asks_who and PERSON_NAMING.search(clause.text):
                best[clause_index] *= 1.5 if meta else 1.15  # "who…?" is answered by a clause naming someone
            if asked_stems and clause.negated_words and self._matches_negated(clause, asked_stems):
                best[clause_index] *= 1.15  # "can I comment?" meets "comments cannot be posted" head on
            if names_platform and not names_school_account and not asks_official_route and OFFICIAL_ROUTE.search(clause.text):
                best[clause_index] *= 0.85  # "complain on Facebook" is the ban, not "complain through official channels"
            if audience == "school_accounts" and ENDORSE_VERB.search(corrected) and ENDORSE_VERB.search(clause.text.lower()):
                best[clause_index] *= 1.15  # "will the school like my mate's page?" is the liking rule
            groups = self._clause_groups[clause_index]
            if asked_groups and groups and not (asked_groups & groups):
                best[clause_index] *= 0.8  # a rule about pupils does not answer a question about parents
            objects = self._clause_objects[clause_index]
            if asked_object and objects and asked_object not in objects and asked_object != clause.audience \
                    and objects <= {"pupils", "parents"}:
                if best[clause_index] > info.get("mismatch_value", 0.0):
                    info["mismatch_value"], info["object_mismatch"] = best[clause_index], (clause_index, asked_object)
                best[clause_index] *= OBJECT_MISMATCH_FACTOR  # the pupils' friend-request rule is not about parents
            if yes_no and clause.verdict == "info" and HANDLE.search(clause.text):
                best[clause_index] *= 0.9  # a bare account name answers "what's the page called?", not yes/no
            if asks_consent_for_content and STAFF_ACCESS.search(clause.text):
                best[clause_index] *= 0.7  # whose consent a pupil's name needs, not who may log in
            if acts_on_school_account and clause.audience == "school_accounts" and STAFF_ACCESS.search(clause.text):
                best[clause_index] *= 1.3  # "can I post on the school page?" is about who may access it
        ranked = sorted(((value, index) for index, value in best.items()), key=lambda pair: (-pair[0], pair[1]))
        if len(ranked) > 1 and POINTER.search(self.clauses[ranked[0][1]].text) and VERDICT_INTENT.search(corrected):
            # "Follow the above guidelines in WhatsApp groups" only points at the rules: a close rule of
            # the same section that forbids what is asked answers a yes/no question better.
            top_value, top_index = ranked[0]
            section = self.clauses[top_index].section
            pointer_terms = self._clause_terms.get(top_index, frozenset())

            def meets_what_the_pointer_does_not(index: int) -> bool:
                # "chat about the playground incident in the class whatsapp": the incident is the
                # pointed-at rule's business, the WhatsApp group only where it happens.
                extra = (terms & self._clause_terms.get(index, frozenset())) - pointer_terms
                return bool(extra - self._context_terms - self._generic_terms)

            rule = next((pair for pair in ranked[1:5] if self.clauses[pair[1]].section == section
                         and self.clauses[pair[1]].verdict == "no"
                         and (pair[0] >= top_value * 0.8
                              or (pair[0] >= top_value * POINTED_RULE_RATIO and meets_what_the_pointer_does_not(pair[1])))),
                        None)
            if rule is not None:
                ranked = [(top_value, rule[1]), (rule[0], top_index)] + [p for p in ranked[1:] if p[1] != rule[1]]
                evidence[rule[1]] = max(evidence.get(rule[1], 0.0), evidence.get(top_index, 0.0))
        if ranked and acts_on_school_account and SPEAKER_POSTS.search(corrected) and self._access_clauses \
                and not CONSENT_FOR_CONTENT.search(corrected) \
                and not any(self._matches_negated(self.clauses[i], asked_stems) for _, i in ranked[:1]):
            # "Can I post/log in on the school's page?": whether *I* may is the access rule, whatever
            # the content; what the school posts follows as see-also.
            access = self._access_clauses[0]
            top = ranked[0][0]
            ranked = [(top * 1.02, access)] + [pair for pair in ranked if pair[1] != access]
            overlap_of_access = max((overlap.get(t, 0.0) for t in self._targets_of[access]), default=0.0)
            evidence[access] = max(evidence.get(ranked[1][1], 0.0) if len(ranked) > 1 else 0.0, overlap_of_access)
        info["evidence"] = evidence.get(ranked[0][1], 0.0) if ranked else 0.0
        return ranked, info

    # --- answering -------------------------------------------------------------------------

    def answer(self, question: str, audience: str | None = None, today: date | None = None) -> Answer:
        if not isinstance(question, str):
            question = "" if question is None else str(question)
        today = today or date.today()
        notice = None
        if self._renewal_date is not None and today > self._renewal_date:
            notice = (f"Note: this policy was due for renewal in {self.policy.meta.renewal_due}; "
                      f"check with the Headteacher that it is still current.")
        answer = self._answer(question, audience)
        if notice:
            answer.notice = notice
            answer.text = f"{answer.text}\n{notice}"
        return answer

    def _answer(self, question: str, audience_hint: str | None) -> Answer:
        clipped = question[:MAX_QUESTION_CHARS]
        normalised = WHOSE_JOB.sub("who should", _expand_text_speak(normalise(clipped)))
        normalised = SUCH_AS.sub(r"\1 such as", normalised) if not SCHOOL_LIKES.search(normalised) else normalised
        words = normalised.split()
        if not any(ch.isalpha() for ch in normalised):
            return Answer(question=question, answered=False, confidence=0.0,
                          text="I didn't catch a question there. Ask me about the school's social media policy, "
                               "for example: \"Can I accept a friend request from a past pupil?\"")
        disclosure = spot_disclosure(normalised, self.concern_rules, clipped)
        if len(words) >= 3 and sum(w in ENGLISH_FUNCTION_WORDS for w in words) < 2 and not disclosure:
            known = sum(1 for w in words if w in self.vocabulary)
            if known < len(words) / 2:
                return self._refuse(question, normalised, 0.0,
                                    "I couldn't read that as a question about the school's social media policy "
                                    "(I can only answer questions in English).")
        # Off-topic phrases ("parents evening", "wifi password") are cut before scoring: what is left
        # must still match a rule on its own ("photos from the nativity on my facebook" still does).
        normalised = YEAR_PLURAL.sub(r"\1", normalised)  # "my old year 6s" → "my old year 6"
        role = WHO_IS_ROLE.match(PREFACE.sub("", normalised))
        if role and not disclosure and not set(role.group(1).split()) <= self._clause_text_words:
            return self._refuse(question, normalised, 0.0, f"The social media policy doesn't say who the "
                                f"{role.group(1)} is.")
        asks_scope = bool(ASKS_POLICY_SCOPE.match(PREFACE.sub("", normalised)))
        if (HELPDESK.search(normalised) or DEVICE_USE.search(normalised) or DEVICE_OWNERSHIP.search(normalised)) \
                and not disclosure and not asks_scope and not self._mentions_social_media(normalised):
            return self._refuse(question, normalised, 0.0)
        howto = APP_HOWTO.match(PREFACE.sub("", normalised))
        if howto and not disclosure and not HOWTO_IN_SCOPE.search(normalised) \
                and not (SCHOOL_ACCOUNT.search(normalised) and howto.group(3) in HOWTO_POSTING):
            return self._refuse(question, normalised, 0.0, "The social media policy says what may be posted and by "
                                "whom, not how to operate the apps.")
        if not disclosure and HOW_MANY_COUNT.match(PREFACE.sub("", normalised)):
            return self._refuse(question, normalised, 0.0, "The social media policy gives no figures like that.")
        other_policy = OTHER_POLICY_CONTENT.match(PREFACE.sub("", normalised))
        if other_policy and not disclosure and "social" not in other_policy.group(3) \
                and other_policy.group(3).strip() not in ("this", "the", "our"):
            return self._refuse(question, normalised, 0.0, f"That is a question for the school's "
                                f"{other_policy.group(3).strip()} policy, not the social media policy.")
        neighbour = None if disclosure or asks_scope else self.lexicon.neighbour(normalised)
        if neighbour is not None:
            # A topic next door (the website, a subject access request, a lesson): it shares words with
            # a rule, but the answer belongs to another policy, so say whose it is rather than misquote.
            return self._refuse(question, normalised, 0.0, f"That is about {neighbour.reason}; the social "
                                "media policy doesn't cover it.", who=neighbour.who)
        if not disclosure and not asks_scope and self.lexicon.is_logistics(PREFACE.sub("", normalised)):
            # An errand about running the school (a charger, a form, ordering photos) that names no
            # medium or duty only shares a word with a rule: say who to ask instead.
            return self._refuse(question, normalised, 0.0, "That is about running the school, which the "
                                "social media policy doesn't cover.")
        meta = None if disclosure else META_WHO.search(normalised)
        if meta:
            # The asking words ("talk to", "contact") are not the topic: scoring them would pull the
            # question onto the rule about contacting pupils.
            topic = f"{normalised[:meta.start()]} {normalised[meta.end():]}".strip()
            if not self._terms(self.lexicon.remove_out_of_scope(topic)) and not self.lexicon.out_of_scope_hits(topic) \
                    and self._policy_owner_clause is not None:
                return self._answer_clause(question, {"normalised": "who " + normalised, "meta": True},
                                           [(1.0, self._policy_owner_clause)], self._policy_owner_clause, 0.9)
            if self._reporting_clause is not None and self.lexicon.route_key(topic) == "dsl":
                # "Who do I tell if I see something worrying?" — the duty to report names the DSL.
                answer = self._answer_clause(question, {"normalised": "who " + topic, "meta": True},
                                             [(1.0, self._reporting_clause)], self._reporting_clause, 0.9)
                answer.text = "Tell the DSL (designated safeguarding lead). " + \
                    answer.text.replace("The policy names who: ", "What the policy says: ", 1)
                return answer
            normalised = f"who {topic}"
        off_topic = self.lexicon.out_of_scope_hits(normalised)
        scored_text = self.lexicon.remove_out_of_scope(normalised) if off_topic else normalised
        hint = AUDIENCE_HINTS.get(audience_hint or "", "")
        scored_text = f"{hint} {scored_text}" if hint else scored_text
        # "…with complaints rather than fb": the alternative turned down is not what is asked about.
        scored_text = INSTEAD_OF.sub(" ", scored_text)
        if DEFINITION_ASKED.search(scored_text):
            scored_text += " definition"  # "is Seesaw social media?" asks what the policy counts as social media
        ranked, info = self.score(scored_text, meta=bool(meta))
        best_score, best_index = ranked[0] if ranked else (0.0, -1)
        if disclosure and self._reporting_clause is not None:
            # A disclosure is answered by the duty to report, unless it names a specific rule being
            # broken (a colleague friending a pupil), which then leads and the duty follows.
            best_is_rule = best_index >= 0 and self.clauses[best_index].verdict in ("no", "depends") \
                and best_score >= ANSWER_THRESHOLD * 1.5
            if not best_is_rule:
                ranked = [(max(best_score, ANSWER_THRESHOLD), self._reporting_clause)] + \
                    [pair for pair in ranked if pair[1] != self._reporting_clause]
                best_score, best_index = ranked[0]
                info["evidence"] = max(info.get("evidence", 0.0), FULL_EVIDENCE * self.default_idf)
                info["coverage"] = 1.0
            else:
                ranked = [ranked[0], (ranked[0][0] * 0.7, self._reporting_clause)] + \
                    [pair for pair in ranked[1:] if pair[1] != self._reporting_clause]
        # Words the policy and lexicon never use are a sign the question is about something else.
        coverage = info.get("coverage", 0.0)
        if len(info.get("terms", ())) > LONG_MESSAGE_TERMS:
            coverage = max(coverage, 0.7)  # the story around a question is not off-topic vocabulary
        confidence = min(best_score, 1.0) * (0.4 + 0.6 * coverage)
        # One common or incidental word is thin evidence however well it matches.
        confidence *= min(1.0, info.get("evidence", 0.0) / (FULL_EVIDENCE * self.default_idf))
        if off_topic and not disclosure and not (set(self._terms(scored_text)) - self._generic_terms):
            # With the off-topic words gone only "the school's Instagram" is left ("how many followers does
            # the school insta have", "what hashtags should we use"): the topic itself is not covered.
            return self._refuse(question, normalised, 0.0)
        if off_topic:
            # Scale by the share of the question's content words that were not off-topic.
            def content(text: str) -> int:
                return sum(1 for w in text.split() if w not in self.stopwords and len(w) > 1)
            before = content(normalised)
            after = content(self.lexicon.remove_out_of_scope(normalised))
            confidence *= 0.9 * after / before if before else 0.0
        if not disclosure and not (info.get("terms", set()) & self._medium_terms) and not ABOUT_THE_POLICY.search(normalised) \
                and best_index >= 0 and self._clause_terms.get(best_index, frozenset()) & self._medium_terms:
            # (Only when the clause found is itself about a medium: a school's own policy may hold rules
            # that name none — "staff must not vape on camera".)
            # Every rule here is about a medium (posting, accounts, messages, images, monitoring, training,
            # the policy itself); a question naming none ("can parents volunteer on the residential") is
            # about school life that merely shares a word with a rule.
            confidence *= NO_MEDIUM_FACTOR
        if ARITHMETIC.search(normalised):
            confidence *= 0.5  # sums are never policy questions
        if best_index >= 0 and not disclosure and not meta and len(info.get("terms", ())) <= LONG_MESSAGE_TERMS:
            # The best clause shares only scene-setting words with a short question (its core — the action
            # and object asked about — appears nowhere in the clause or its phrasings): not covered.
            # (A long message's story words are not its core, so it is left to the checks above.)
            info["core_cover"] = self._core_cover(info, best_index)
            if info["core_cover"] == 0.0 or self._focus_is_foreign(info.get("normalised", "")):
                confidence *= CORE_MISS_FACTOR

        threshold = ANSWER_THRESHOLD * (0.75 if disclosure else 1.0)
        if best_index < 0 or confidence < threshold:
            answer = self._refuse(question, normalised, confidence, self._mismatch_reason(info))
        else:
            if meta:
                # "Who do I ask about X?": the rule naming who answers for X's part of the policy
                # (the accounts' managers for the school's posts), else whoever answers for the policy.
                info["meta"] = True
                top_section = self.clauses[best_index].section.split(".")[0]
                named = [i for i in self._person_clauses if self.clauses[i].section.split(".")[0] == top_section]
                owner = named[0] if named else self._policy_owner_clause
                if owner is not None and owner != best_index:
                    ranked = [(best_score, owner)] + [pair for pair in ranked if pair[1] != owner]
                    best_index = owner
            answer = self._answer_clause(question, info, ranked, best_index, confidence, bool(disclosure))
        if disclosure:
            answer.report_suggested = True
            answer.text = (
                "This sounds like a safeguarding concern to report. Tell the DSL (designated safeguarding lead) "
                "now — today, in person or by phone; don't wait or investigate yourself. "
                "Do not promise the child confidentiality: say you will have to tell the people who can help. "
                "Write down what was said or seen, in their words, with the time.\n" + answer.text)
            answer.ask_instead = answer.ask_instead or "the DSL (designated safeguarding lead)"
        return answer

    def _core_cover(self, info: dict, clause_index: int) -> float:
        """The IDF-weighted share of the question's core that the clause or its example phrasings use;
        1.0 when the question is all scene-setting. The core is counted in units: each plain word, and
        each lexicon phrase once however many policy words it stands for ("newsletter" → newsletters,
        guidance, factsheets is one unit, met when the clause uses any of them)."""
        rest, policy_terms = info.get("rewrite") or self.lexicon.rewrite(info.get("normalised", ""))
        units = [frozenset({_stem(w)}) for w in rest.split() if w not in self.stopwords and len(w) > 1]
        units += [frozenset(_stem(w) for w in term.split() if w not in self.stopwords) for term in policy_terms]
        units = [unit for unit in units if unit and not unit <= self._context_terms]
        if not units:
            return 1.0
        clause_terms = self._clause_terms.get(clause_index, frozenset())
        for twin in self.twins.get(clause_index, ()):
            clause_terms = clause_terms | self._clause_terms.get(twin, frozenset())
        unknown = self.default_idf
        weights = [max(self.idf.get(t, unknown) for t in unit) for unit in units]
        covered = sum(weight for unit, weight in zip(units, weights) if unit & clause_terms)
        return covered / sum(weights)

    def _focus_is_foreign(self, normalised: str) -> bool:
        """The word the question turns on (FOCUS_WORD) is one the policy, its example phrasings and the
        lexicon never use ("what colour is the school logo", "can I borrow the school camera")."""
        focus = FOCUS_WORD.match(PREFACE.sub("", normalised))
        if not focus:
            return False
        word = focus.group(1) or focus.group(2)
        return _stem(word) not in self.idf and word not in self._lexicon_words and word not in self.stopwords \
            and _stem(word) not in self._context_terms

    def _mentions_social_media(self, normalised: str) -> bool:
        """Whether a question names social media, a platform, posting or the policy at all."""
        if re.search(r"\b(post|posts|posting|posted|online|social)\b|\b(this|social media) policy\b", normalised):
            return True
        return bool(set(self.lexicon.expand(normalised)) & SOCIAL_MEDIA_TERMS)

    @staticmethod
    def _meets_condition(clause: Clause, asked: str) -> bool:
        """The question states the clause's own "if" condition ("…if I follow them", "follow back")."""
        wanted = {_stem(w) for w in clause.condition_words}
        if not wanted or not re.search(r"\b(if|once|when|back)\b", asked):
            return False
        tail = asked[re.search(r"\b(if|once|when|back)\b", asked).start():]
        if re.search(r"\bback\b", asked):  # "follow people back": they followed first
            return bool(wanted & {_stem(w) for w in asked.split()})
        return bool(wanted & {_stem(w) for w in tail.split()})

    def _names_allowed_case(self, clause: Clause, asked: str) -> bool:
        """The question names what a restriction allows ("non-commercial" and a charity)."""
        if not clause.excluded:
            return False
        terms = set(self.lexicon.expand(asked))
        return any(f"non {word}" in terms or f"non {word}" in asked for word in clause.excluded)

    def _names_excluded_case(self, clause: Clause, asked: str) -> str | None:
        """The word a restriction leaves out ("non-commercial" → "commercial") when the question
        names that case (a shop is commercial through the lexicon), else None."""
        if not clause.excluded:
            return None
        terms = set(self.lexicon.expand(asked)) | set(asked.split())
        for word in clause.excluded:
            if (word in terms or any(word in term.split() for term in terms)) and f"non {word}" not in asked \
                    and f"non {word}" not in terms:
                return word
        return None

    def _asks_negated_action(self, clause: Clause, asked: str) -> bool:
        """The question asks about doing what the clause's body negates ("can I comment…?" against
        "comments cannot be posted"), and does not itself negate it ("are comments switched off?")."""
        if not clause.negated_words or QUESTION_NEGATES.search(asked):
            return False
        asked_stems = {_stem(w) for w in asked.split() if w not in self.stopwords and len(w) > 3}
        # one-word policy terms the lexicon reads in the question ("recommends" → endorsement)
        asked_stems |= {_stem(term) for term in self.lexicon.expand(asked) if " " not in term and len(term) > 3}
        return self._matches_negated(clause, asked_stems)

    def _matches_negated(self, clause: Clause, asked_stems: set[str]) -> bool:
        negated = self._negated_stems.get(clause.id)
        if negated is None:
            negated = self._negated_stems[clause.id] = frozenset(_stem(w) for w in clause.negated_words)
        return any(a == n or (len(a) >= 5 and len(n) >= 5 and (a.startswith(n) or n.startswith(a)))
                   for a in asked_stems for n in negated)

    def _policy_facts(self, normalised: str) -> str:
        """Facts from the policy's own header that a question about the policy itself wants."""
        meta, facts = self.policy.meta, []
        if meta.headteacher and re.search(r"\b(headteacher|head teacher|head|headmistress|headmaster)\b", normalised):
            facts.append(f"The Headteacher is {meta.headteacher}.")
        if (meta.renewal_due or meta.updated) and re.search(r"\b(renew\w*|updated?|review\w*|out of date|current|"
                                                          r"expire\w*|date)\b", normalised):
            parts = [f"last updated {meta.updated}" if meta.updated else "",
                     f"due for renewal {meta.renewal_due}" if meta.renewal_due else ""]
            facts.append("The policy was " + " and is ".join(p for p in parts if p) + ".")
        return (" " + " ".join(facts)) if facts else ""

    def _mismatch_reason(self, info: dict) -> str | None:
        """A rule that would have matched but is about another group ("can I add a parent?" against the
        pupils' friend-request rule): say so, rather than a bare "not covered" or a false "No"."""
        mismatch = info.get("object_mismatch")
        if not mismatch or mismatch[0] < 0:
            return None
        clause, asked = self.clauses[mismatch[0]], mismatch[1]
        about = " and ".join(sorted(self._clause_objects[mismatch[0]]))
        related = [c for i, c in enumerate(self.clauses) if c.section == clause.section and i != mismatch[0]
                   and asked in self._clause_objects[i]][:2]
        text = (f"The social media policy has no rule about that for {asked}: the close rule is about {about}, "
                f"not {asked} — \"{_opening_words(clause.statement, 14)}\" (section {clause.section}).")
        if related:
            quoted = "; ".join(f"\"{_opening_words(c.statement, 14)}\"" for c in related)
            text += f" Related rules in section {clause.section} that do name {asked}: {quoted}. So it depends: be cautious."
        return text

    def _refuse(self, question: str, normalised: str, confidence: float, reason: str | None = None,
                who: str | None = None) -> Answer:
        who = who or self.lexicon.who_to_ask(normalised)
        lead = reason or "The social media policy doesn't cover that, so I can't answer it from the policy."
        return Answer(question=question, answered=False, confidence=round(confidence, 3), ask_instead=who,
                      text=f"{lead} Please ask {who}.")

    def _answer_clause(self, question: str, info: dict, ranked, best_index: int, confidence: float,
                       disclosure: bool = False) -> Answer:
        clause = self.clauses[best_index]
        asked = PREFACE.sub("", info["normalised"])
        asked = PREFACE.sub("", IDENTITY.sub("", asked, count=1).strip()) if IDENTITY.match(asked) else asked
        if info.get("meta"):
            wants_info = True
        elif TRAILING_VERDICT.search(asked) or RULING_ASKED.search(asked):
            wants_info = False
        elif INFO_INTENT.search(asked):
            wants_info = asked.startswith("how") or not VERDICT_AFTER_WH.search(asked)
        elif CONDITION_THEN_WH.search(asked):
            wants_info = True
        elif EMBEDDED_INFO.search(asked) and not VERDICT_INTENT.match(asked):
            wants_info = True
        else:  # no "who/what…" opener: a yes/no question, or a bare topic asking for a fact
            wants_info = not VERDICT_INTENT.search(asked) and bool(INFO_TOPIC.search(asked))
        verdict = "info" if wants_info else clause.verdict
        if verdict == "depends" and self._meets_condition(clause, asked):
            verdict = VERDICT_OF_MODALITY[clause.modality]  # "will they follow me if I follow them?"
        if verdict == "depends" and CONSENT_WORD.search(clause.text) and CONSENT_DENIED.search(asked):
            verdict = "no"  # the rule turns on consent and the question says there is none
        excluded = self._names_excluded_case(clause, asked) if not wants_info else None
        allowed_case = not wants_info and not excluded and verdict == "depends" and self._names_allowed_case(clause, asked)
        if allowed_case:
            verdict = "yes"  # "only non-commercial pages" and the question names a charity
        if not wants_info and verdict == "no" and OWN_EXCEPTION.search(clause.text) and ASKS_ABOUT_OWN.search(asked) \
                and not re.search(r"\b(other|others|another|friends?|classmates?)\b", asked):
            verdict = "yes"  # "images of children other than their own": a parent's own child is outside it
        limit = None
        if verdict == "yes" and clause.modality == "should" and PERMISSION_ASKED.search(asked):
            # "Can I post about the teacher?" met by "be respectful about staff": allowed only within the
            # expectation, and a close ban of the same section says where the line is.
            limit = next((index for value, index in ranked[1:4] if value >= ranked[0][0] * 0.6
                          and self.clauses[index].section == clause.section and self.clauses[index].verdict == "no"), None)
            if limit is not None:
                verdict = "depends"
        if excluded:
            verdict = "no"  # "only non-commercial pages" and the question names a business
        elif verdict in ("yes", "depends") and self._asks_negated_action(clause, asked):
            verdict = "no"  # "comments cannot be posted" answers "can I comment?"
        twins = self.twins.get(best_index, [])

        # "Not sure": other, differently worded rules almost as close as the best one.
        best_score = ranked[0][0]
        close = [index for value, index in ranked[1:4]
                 if value >= best_score * AMBIGUITY_RATIO and index not in twins
                 and self.clauses[index].text != clause.text]
        choices = [Related(self.clauses[i].id, f"{self.clauses[i].heading}: {self.clauses[i].text}")
                   for i in [best_index, *close]] if close and not disclosure and not info.get("meta") else []

        related_indexes = list(twins)
        for value, index in ranked[1:]:
            if len(related_indexes) >= 3:
                break
            if index != best_index and index not in related_indexes and value >= best_score * 0.6:
                related_indexes.append(index)
        related = [Related(self.clauses[i].id, self.clauses[i].heading) for i in related_indexes[:3]]

        statement = clause.statement.rstrip(".")
        opener = {"yes": "Yes. ", "no": "No. ", "depends": "It depends. ", "info": ""}[verdict]
        if allowed_case:
            opener = "That is within the rule — "  # still a restriction: never a plain "Yes."
        if disclosure:
            opener = "What the policy says: "  # a report, not a yes/no question
        elif info.get("meta"):
            opener = "The policy names who: "
        text = f"{opener}{statement} — section {clause.section} ({clause.heading})."
        if clause.verdict == "depends" and verdict == "depends":
            if re.search(r"\b(consent|permission)\b", clause.text, re.I):
                text += " It turns on consent/permission, so check that first."
            else:
                text += " It holds only within the stated limit or exception, so check that first."
        if excluded:
            text += f" Anything {excluded} falls outside that."
        if limit is not None:
            text += (f" But the policy also says: {self.clauses[limit].statement.rstrip('.')} "
                     f"(section {self.clauses[limit].section}).")
        if choices:
            # People read `text`: rules by section and opening words, never by the index's clause ids
            # (those stay in the `choices` field for buttons). The direct verdict comes first.
            options = "; or ".join(f"section {self.clauses[i].section} ({self.clauses[i].heading}): "
                                   f"\"{_opening_words(self.clauses[i].statement)}\"" for i in close)
            text += f" I'm not completely sure that is the rule you mean — did you mean {options}?"
        text += self._policy_facts(info["normalised"])
        return Answer(question=question, answered=True, text=text, section=clause.section, clause=clause.id,
                      heading=clause.heading, quote=clause.text, verdict=verdict,
                      confidence=round(confidence, 3), related=related, choices=choices)
