"""Advertising of businesses (content for the age of the audience is in age.py)."""
from __future__ import annotations

import functools
import re

from knowledge.draft_check.base import HANDLE_RE, SENTENCE_REACH, Context, excerpt_of, sentence_at, sentences, words

COMMERCIAL = words(
    r"\d+ ?% off", r"£\d+ off", r"discount(?: code)?", r"promo(?:tion)? code", r"use code", r"special offers?",
    r"buy now", r"shop now", r"order now", r"order (?:yours|online) (?:now|today)", r"limited offer", r"sale ends",
    r"free delivery", r"visit our (?:shop|store|showroom|salon|website|restaurant|cafe|café)",
    r"our (?:shop|store|salon|restaurant|showroom|new menu)", r"mention this post", r"opening hours", r"open 7 days",
    r"call us on", r"grand opening", r"best prices?", r"book (?:your table|a table|an appointment)",
    r"ltd", r"(?-i:[A-Z][\w'&]*) (?:limited|plc)",  # "places are limited" is no company
    r"estate agents?", r"mortgages?", r"quote \w+ for",
    r"quote (?-i:[A-Z0-9]{4,}) (?:when|at|to get|to claim)",  # an offer code, not "quote your reference"
    # a paid promotion's own disclosure
    r"#ad(?:vert)?", r"#sponsored", r"#gifted", r"#(?:paid)?partnership", r"paid partnership", r"affiliate link",
    r"new customers?", r"half price", r"bargains?", r"\bbogof\b", r"buy one get one",
    r"show (?:this|the|them this) post", r"at the till",
    r"free (?:slice|coffee|drink|cake|gift|treat)\w*(?: of \w+)? with (?:any|every|each)",
    r"now taking (?:new )?(?:bookings|patients|clients|customers|pupils|students|enrolments)",
    # a deal with a code or a password at the counter is an offer, whoever runs it
    r"(?:with|use|using|enter|quote) (?:the )?(?:promo |discount |offer )?code (?-i:[A-Z][A-Z0-9]{3,})",
    r"\d[- ]for[- ]\d", r"two[- ]for[- ]one", r"(?:just )?mention (?:the school|this post|our school|us) (?:at|to|when)",
    r"tell (?:them|him|her) (?:we|the school) sent you",
)
SCHOOL_RELATED = words(
    r"pta", r"friends of \w+", r"uniform (?:supplier|shop|provider)", r"school uniform", r"school photographer",
    r"school photos?", r"class photos?", r"school meals?", r"school caterers?", r"breakfast club",
    r"after[- ]school club", r"book fair", r"school trip", r"sponsored (?:walk|run|read|silence|swim|bounce)",
)
# A price by the hour and a private way to book: a service for sale, whatever it is called.
PRICE_PER = words(r"£\d+(?:\.\d\d)? (?:an|per|a|/) ?(?:hour|hr|session|lesson|class|night|evening|day)")
PRIVATE_CONTACT = words(r"(?:message|text|call|ring|dm|email|whatsapp|contact) (?:her|him|them|me) (?:on|at|via|directly)",
                        r"(?:0\d{3,4}|\+44 ?\d{3,4}) ?\d{3} ?\d{3,4}", r"dm (?:her|him|them|me)")
SPONSOR = words(r"sponsored by", r"kindly donated by", r"thanks to our sponsors?", r"in partnership with")

# Telling the reader to buy or switch: a recommendation is an advert whatever the business.
RECOMMEND = (r"if you(?:'re| are)? (?:need|want|looking for|after) (?:a|an|some|any)", r"you(?:'re| are) missing out",
             r"find (?:them|him|her) on", r"check (?:\w+ )?out (?:their|his|her|the)",
             r"(?:great|amazing|good|excellent|brilliant|fantastic|unbeatable) value", r"(?:very|so) reasonable",
             r"reasonably priced", r"best [\w ]{0,20} (?:on the market|around|money can buy)",
             r"(?:couldn'?t|could not|can'?t|cannot) (?:\w+ ){1,4}without", r"(?:hasn'?t|haven'?t) switched",
             r"(?:we|i)(?:'d| would)? (?:highly |thoroughly )?recommend (?:them|him|her|it|their)",
             r"give (?:them|him|her) a (?:ring|call|bell|try)", r"(?:ring|contact|phone|call) (?:them|him|her) on",
             r"get in touch with (?:them|him|her)", r"(?:0\d{3,4}|\+44 ?\d{3,4}) ?\d{3} ?\d{3,4}")
# The lead words are matched in any case; the name must start with a capital letter.
# Advertising: a business (a brand, a named firm, a parent's own business) with a call to buy.
PROMOTION = words(
    r"£\d+(?:\.\d\d)? (?:an|per|a) (?:hour|session|lesson|class|month|week)",
    r"first (?:session|lesson|class|visit|month) free",
    r"book online", r"spaces? (?:left|remaining|available)", r"if you mention",
    r"taking bookings", r"bookings? (?:now )?open", r"message (?:him|her|them|us) for", r"(?:his|her|their) rates",
    r"opens", r"opening", r"now open", r"(?:has|have) (?:just |recently )?(?:opened|launched)", r"just opened", r"launch(?:ed|es|ing)?", r"pop in", r"pop along",
    r"out now", r"go and try", r"try (?:it|them|their)", r"offers?", r"offering", r"\d+ ?% off", r"discount\w*",
    r"code [A-Z0-9]{3,}", r"use code", r"book now", r"book (?:your|a) (?:table|appointment|session|place) with",
    r"orders? (?:in|now)", r"get your [\w ]{0,30}orders?", r"free (?:valuation|trial|pint|consultation|taster|quote)",
    r"memberships?", r"call (?:them|us) on", r"mention (?:the school|this post|our school)", r"visit (?:them|their)",
    r"follow them", r"check (?:them|their \w+) out", r"their new \w+", r"new (?:festive |summer |winter )?menu",
    r"special offers?", r"(?:the )?best [\w ]{0,20}in town", r"highly recommend", r"sale",
    r"spaces (?:are )?(?:going|filling up|filling) (?:fast|quickly)", r"sign up (?:at|on|via) (?:his|her|their)",
    r"£\d+(?:\.\d\d)? (?:taster|trial|intro\w*)", *RECOMMEND,
    r"find (?:her|his|their|them) (?:[\w-]+ )?(?:shop|store|stall|page)", r"perfect for (?:a|an|your) (?:[\w-]+ ){0,2}(?:latte|coffee|treat|lunch|brunch|pint|cake)", r"follow (?:her|him|them) on",
    r"(?:search|look) (?:for )?(?-i:[A-Z][\w'’&]+)(?: (?:&|and|(?-i:[A-Z][\w'’&]+))){0,3} on", r"dm (?:him|her|them|me)",
    r"(?:sessions|places|slots|appointments|lessons|classes) (?:are )?(?:now )?available", r"is your child ready for",
    r"(?:runs?|running|offers?|offering) (?:[\w+-]+ ){0,2}(?:tests|classes|sessions|lessons|courses|camps|workshops) "
    r"(?:every|each|on|at|in)",
    r"(?:looking for|stuck for) (?:a |some )?(?:[\w-]+ )?(?:gifts?|presents?)",
    r"(?:we|i)(?:'d| would)? (?:highly |thoroughly |honestly )?recommend (?-i:[A-Z])",
)
BUSINESS_NOUN = words(
    r"(?:his|her|their) own (?:[\w-]+ ){0,3}(?:academy|club|classes|camps?|business|company|brand|range|shop|sessions)",
    r"soft play", r"dental", r"dentists?", r"practice", r"play ?cent(?:re|er)", r"trampoline park", r"cinema", r"spa",
    r"nail bar", r"garden centre", r"hair (?:&|and) beauty", r"beauty (?:salon|bar|clinic|room)s?",
    r"run by (?:one of )?our (?:[\w-]+ )?(?:mums|dads|parents|families|mum|dad|parent)",
    r"(?:started|starting|launched|set up) (?:[\w-]+ ){0,2}(?:making|selling|baking|business|company)",
    r"photography", r"photographer", r"private tuition",
    r"bakery", r"tuition", r"tutors?", r"tutoring", r"estate agents?", r"brewery", r"gym", r"caf[eé]", r"salon",
    r"barbers?", r"ltd", r"(?-i:[A-Z][\w'&]*) limited", r"restaurant", r"takeaway", r"pizzeria", r"garage", r"motors", r"fitness",
    r"studio", r"boutique", r"store", r"shop", r"business", r"firm", r"company", r"brand", r"franchise",
    r"plumbing", r"builders?", r"solicitors?", r"dentists?", r"opticians?", r"nursery", r"kitchen", r"deli",
    # trades a parent may offer
    # (not words of school life too: cleaners, caterers, gardeners, joiners, a job left for teaching)
    r"plumbers?", r"electricians?", r"decorat(?:ors?|ing)", r"roofers?", r"roofing", r"landscaping", r"florists?",
    r"dog groom\w+", r"hairdressers?", r"beauticians?", r"joinery", r"driving instructors?", r"mechanics",
)
# A trading name written as one capitalised word with a capital inside (BrightMinds, FitZone, McDonald's).
BRAND_WORD = re.compile(r"(?<![\w@/.#])(?:[A-Z][a-z]+[A-Z][\w]*|Mc[A-Z][\w']*)(?![\w])")
SCHOOL_OWNED = words(r"pta", r"friends of (?:the )?school", r"school uniform", r"uniform (?:swap |exchange |second-hand |pre-loved )?(?:shop|sale|rail)", r"school office",
                      r"school (?:kitchen|canteen|dinners?|lunch(?:es)?|cooks?|catering)", r"(?:our|the) (?:kitchen|catering) team",
                      r"school shop", r"book fair", r"school photographer", r"school meals?", r"school fundrais\w*",
                      r"school (?:fair|disco|production)", r"charity", r"appeal", r"food bank")


# A named place that opens: "The Corner Cafe opens next week" is a new business, where "the Book Fair
# opens", "our Reading Garden opens" and "the new library opens" are school life or a public service.
# The name may be joined by "&" ("Bloom & Brew") or followed by an aside ("The Corner Cafe, run by a local dad, opens"),
# and may come after the verb ("has opened Bloom & Brew").
VENUE_NAME = r"(?:The [A-Z][\w'&]+|[A-Z][\w'&]+ (?:& )?[A-Z][\w'&]+)(?: (?:& )?[A-Z][\w'&]+){0,2}"
NEW_VENUE = re.compile(rf"(?<![\w'])(?P<name>{VENUE_NAME})(?:, [^,.!?\n]{{3,60}},)?"
                       r"(?= (?:opens|is opening|will open|has (?:just )?opened|(?:is )?now open)\b)|"
                       rf"(?<![\w'])(?:has|have|just|recently) (?:just )?(?:opened|launched) (?:up )?(?P<name2>{VENUE_NAME})")
OUR_OWN_LAUNCH = re.compile(r"(?<![\w'])(?i:we|we'?ve|the school|our school|our)(?![\w'])[^.!?\n]{0,25}$")
# Where a shop trades or what it sells: a venue opening with one of these beside it is a business.
TRADE = words(r"opposite", r"next (?:door )?to", r"high street", r"retail park", r"town centre", r"shopping", r"parade",
              r"(?-i:[A-Z])\w+ (?:Road|Street|Lane|Avenue|Parade|Way)", r"lattes?", r"coffees?", r"menu", r"prices?", r"£\d+",
              r"offers?", r"deals?", r"discounts?", r"customers", r"bookings?", r"book (?:now|online|in)", r"try (?:the|their|it)",
              r"treat yourself", r"(?:\d+ ?%|half) off", r"(?:two|2)[- ]for[- ](?:one|1)", r"perfect for")
PUBLIC_PLACE = words(r"fair", r"fete", r"clubs?", r"garden", r"library", r"park", r"playground", r"hall", r"cent(?:re|er)",
                     r"museum", r"church", r"exhibition", r"show", r"trail", r"week", r"term", r"gates?", r"doors",
                     r"registration", r"office", r"disco", r"sale", r"pool", r"school", r"academy", r"nursery",
                     r"applications?", r"voting", r"bookings?", r"nominations?", r"shop", r"canteen", r"kitchen", r"play",
                     r"production", r"performance", r"grotto", r"concert", r"festival", r"market", r"display", r"gallery",
                     r"year", r"class", r"room", r"area", r"wing", r"block", r"building", r"unit", r"centre")

# Two names joined by "&" or "and Sons/Co" ("Hartley & Dean", "Crumbs & Co") is how firms are named; not classes or
# houses ("Oak & Ash classes"), people ("Mr & Mrs Khan") or year groups.
TRADING_NAME = re.compile(r"(?<![\w'@#])(?!(?:Mr|Mrs|Ms|Miss|Dr|Year|Years|Reception|Nursery|Key|KS\d)\b)[A-Z][\w']+ "
                          r"(?:& (?!(?:Mr|Mrs|Ms|Miss|Dr|Year)\b)[A-Z][\w']+|and (?:Sons?|Daughters?|Co)\b)"
                          r"(?! (?i:class(?:es)?|houses?|teams?|groups?|years?|forms?)\b)")

# What classes do ("Rowan & Willow perform in the concert"): a sentence of school life names classes, not firms.
PUPILS_DOING = words(r"assembl(?:y|ies)", r"concerts?", r"perform\w*", r"nativity", r"class(?:es)?", r"lessons?",
                     r"pupils", r"trips?", r"sports day", r"showcase", r"sharing")

# A family of the school as the founder of a venture, under its name or as a business: "one of our dads has just
# opened Harbour Fitness", "a Year 2 mum is launching her own candle business". Families start things for the
# school too (a uniform swap, a running club): only a trading name or a business word after the verb counts.
FAMILY_VENTURE = re.compile(r"(?<![\w'])(?i:mums?|dads?|parents?|grandparents?|grandmas?|grandads?|carers?|famil(?:y|ies))"
                            r"(?![\w'])[^.!?\n]{0,50}?(?<![\w'])(?i:(?:has|have|is|are|'s) (?:just |recently |now )?"
                            r"(?:set up|started|launched|opened|opening|launching|starting))(?![\w'])"
                            r"(?P<what>[^.!?\n]{0,40})")
FOUNDED = re.compile(r"^\s*(?:(?i:up|her|his|their|a|an|the|own|very|new|little|brand-new)[\s,]+){0,4}"
                     r"['‘]?(?P<name>[A-Z][\w'&]+(?: (?:& )?[A-Z][\w'&]+)*)")

# A service named as the way something is done ("book through the payments app", "pay via the school's portal"): an
# aside about how, not the business the post is about.
MEANS = re.compile(r"(?<![\w'])(?i:through|via|using|on|with|by|in)\s+(?:the\s+)?$")


# A firm named as the subject that offers, or runs, something for families at a price: "Harbour Print Works are also offering
# families framed prints for £18". Whoever else the post thanks, this is the firm's own sale.
FIRM_OFFERS = re.compile(r"(?<![\w'@#])(?P<firm>(?:[A-Z][\w'&]+ ){1,3}[A-Z][\w'&]+)\s+(?:(?:is|are|will be|have been)\s+)?"
                         r"(?:also\s+|now\s+|kindly\s+)?(?:offering|selling|offers|sells|giving|running|runs|hosting|hosts|"
                         r"launching|launches|holding|holds|putting on)\b")
# A perk for saying where you heard of it ("say you're from the school and the first coffee is on the house"):
# the reader is asked to name themselves to a business in return for something free or cheaper.
SAY_WHO_YOU_ARE = words(r"(?:say|mention|tell (?:them|him|her|the \w+)|let (?:them|him|her) know|show (?:them|him|her|this))"
                        r" (?:that )?(?:you(?:'re| are| heard| saw| came| read)|this (?:post|message)|the school)")
PERK = words(r"free", r"on the house", r"on (?:them|us|him|her|me)", r"complimentary", r"discount\w*", r"\d+ ?% off",
             r"£\d+ off", r"half[- ]price", r"money off", r"cheaper", r"a treat")
# A word that turns the commercial word after it round ("not for sale", "no fees").
NEGATED = re.compile(r"(?<![\w'])(?i:not|no|never|isn'?t|aren'?t|nothing)(?: \w+)? $")
# A booking or a purchase made on a named organisation's own website ("Starlight Arts … book at starlightarts.co.uk"):
# the organisation sells to the reader. Public bodies, charities and schools have their own endings.
OWN_SITE = re.compile(r"(?<![\w'])(?i:book|order|buy|shop|sign ?up|register|enrol|reserve|tickets?)\w*(?: [\w-]+){0,4} "
                      r"(?i:at|on|via|through|from|online at) (?:www\.)?(?P<stem>[a-z0-9-]+)\.(?P<end>co\.uk|com|uk|shop|store|"
                      r"net|biz|io)(?![\w.])", re.I)
PUBLIC_BODY = words(r"council", r"librar(?:y|ies)", r"nhs", r"police", r"fire", r"church", r"museums?", r"charity",
                    r"primary", r"schools?", r"pta", r"friends",
                    r"food ?banks?", r"foundation", r"hospice", r"scouts?", r"guides?", r"brownies", r"cubs")
# The writer's own trade ("my little shop", "my own business") beside a way to buy from it: a private sale.
OWN_TRADE = words(r"my (?:own |little |small |new )?(?!favourite|local|usual)(?:[\w'’-]+ ){0,2}(?:shop|store|stall|business|company|brand)")
SELLING = words(r"orders?(?: (?:by|before|now|here|today|online))?", r"buy(?: now| here| online)?", r"for sale", r"£\d+(?:\.\d\d)?",
                r"delivery", r"postage", r"commissions?")
NAME_WORDS = re.compile(r"(?<![\w'@#])[A-Z][a-z]+(?: (?:&|and )?[A-Z][a-z]+)+")
PRICE = re.compile(r"£\d+(?:\.\d\d)?|\d+ ?% off|(?<![\w'])(?i:half price|free of charge)(?![\w'])")


def _business_in(sentence: str, channels: frozenset[str]) -> str | None:
    noun = BUSINESS_NOUN.search(sentence)
    if noun:
        return noun.group(0)
    for venue in NEW_VENUE.finditer(sentence):
        name = venue.group("name") or venue.group("name2")
        if venue.group("name2") and OUR_OWN_LAUNCH.search(sentence[:venue.start()]):
            continue  # "we have just launched Maths Whizz in Year 4": the school's own start
        if not PUBLIC_PLACE.search(name) and name.casefold() not in channels and TRADE.search(sentence):
            return name
    for firm in TRADING_NAME.finditer(sentence if not PUPILS_DOING.search(sentence) else ""):
        named = firm.group(0) + re.match(r"(?: [A-Z][\w']+){0,2}", sentence[firm.end():]).group(0)
        if not PUBLIC_PLACE.search(named) and not PUBLIC_BODY.search(named):  # a firm, not "… & … Foodbank"
            return firm.group(0)
    for venture in FAMILY_VENTURE.finditer(sentence):
        what = venture.group("what")
        named, noun = FOUNDED.match(what), BUSINESS_NOUN.search(what)
        if (named or noun) and not SCHOOL_OWNED.search(what) and not PUBLIC_PLACE.search(what.split(",")[0]):
            return named.group("name") if named else noun.group(0)
    for brand in BRAND_WORD.finditer(sentence):
        # a service named as the means ("using ParentPay") is an aside, unless its own sentence praises it
        # ("using MathsPilot … the best investment we've made")
        if brand.group(0).casefold() not in channels and (
                not MEANS.search(sentence[max(0, brand.start() - 12):brand.start()])
                or PRAISE.search(sentence_at(sentence, brand.start()))):
            return brand.group(0)
    return None


def _named_for(stem: str, text: str, school: set[str]) -> str | None:
    """The name in `text` that a web address is made from ("Starlight Dance Academy" for starlightdance), when it is
    not the school's own."""
    stem = stem.replace("-", "").casefold()
    for name in NAME_WORDS.finditer(text):
        parts = [w.casefold() for w in re.findall(r"[A-Za-z]+", name.group(0)) if w.casefold() != "and"]
        if sum(len(w) for w in parts if w in stem) >= 6 and not set(parts) & school and not PUBLIC_BODY.search(
                name.group(0)):
            return name.group(0)
    return None


def _this_and_previous_sentence(text: str, index: int) -> str:
    window = max(0, index - 2 * SENTENCE_REACH)
    ends = [m.end() for m in re.finditer(r"[.!?\n]+\s*", text[window:index])]
    start = window + ends[-2] if len(ends) > 1 else window
    return text[start:index] + sentence_at(text, index)


def check_adverts(ctx: Context) -> None:
    channels = frozenset(c.key for c in ctx.rules.channels)
    for match in COMMERCIAL.finditer(ctx.text):
        excerpt = excerpt_of(ctx.text, match.start(), match.end())
        # The offer is for the school's own thing when that is named in its sentence or the one before:
        # the school's caterer named in the first line does not cover a party-catering deal further on.
        related = SCHOOL_OWNED.search(_this_and_previous_sentence(ctx.text, match.start()))
        if related:
            ctx.add("business_advert", "warn",
                    f"This reads like an advert ('{match.group(0)}'), but it seems to be for something the school "
                    f"runs or uses ('{related.group(0)}'). Check the business really is the school's own before "
                    "posting.", excerpt)
        else:
            ctx.add("business_advert", "block",
                    f"'{match.group(0)}' makes this an advert for a business.", excerpt)
    for start, sentence in sentences(ctx.text):
        ask = SAY_WHO_YOU_ARE.search(sentence)
        perk = ask and PERK.search(sentence, ask.end())
        if perk and not ctx.has("business_advert"):
            severity = "warn" if SCHOOL_OWNED.search(_this_and_previous_sentence(ctx.text, start + ask.start())) else "block"
            ctx.add("business_advert", severity,
                    f"'{ask.group(0)}' … '{perk.group(0)}' offers readers a perk for naming themselves to a business: "
                    "that is an advert" + (", unless the business really is the school's own." if severity == "warn"
                                           else ", which the school's accounts do not carry."),
                    excerpt_of(ctx.text, start + ask.start(), start + perk.end()))
    anywhere = functools.cache(lambda: _business_in(ctx.text, channels))  # once, not once a match
    for match in PROMOTION.finditer(ctx.text):
        if NEGATED.search(ctx.text[max(0, match.start() - 16):match.start()]):
            continue  # "not for sale": the opposite of selling
        sentence = sentence_at(ctx.text, match.start())
        business = _business_in(sentence, channels) or anywhere()
        if not business or SCHOOL_OWNED.search(sentence) or (business not in sentence and SCHOOL_OWNED.search(ctx.text)):
            continue
        ctx.add("business_advert", "block",
                f"'{match.group(0)}' promotes a business ('{business}'), which is not the school's own.",
                excerpt_of(ctx.text, match.start(), match.end()))
    school = {w.casefold() for w in re.findall(r"[A-Za-z]+", ctx.rules.policy.meta.school or "")}
    for match in FIRM_OFFERS.finditer(ctx.text):
        sentence = sentence_at(ctx.text, match.start())
        firm = match.group("firm")
        if PRICE.search(sentence) and not SCHOOL_OWNED.search(firm) and not PUBLIC_BODY.search(firm) and not (
                {w.casefold() for w in firm.split()} & school) and not ctx.has("business_advert"):
            ctx.add("business_advert", "block",
                    f"'{firm}' offers families something for a price: that is the firm's own sale, which the school's "
                    "accounts do not advertise.", excerpt_of(ctx.text, match.start(), match.end()))
    site = OWN_SITE.search(ctx.text)
    seller = site and _named_for(site.group("stem"), ctx.text, school)
    if seller and not ctx.has("business_advert") and not SCHOOL_OWNED.search(ctx.text):
        ctx.add("business_advert", "block",
                f"'{site.group(0)}' sends readers to buy from {seller}'s own website: that is the organisation's own "
                "sale, which the school's accounts do not advertise.", excerpt_of(ctx.text, site.start(), site.end()))
    # A private sale: a price by the hour with a private way to book, or the writer's own shop with a way to buy.
    for offer, means, what in ((PRICE_PER, PRIVATE_CONTACT, "sells someone's private service"),
                               (OWN_TRADE, SELLING, "sells the writer's own goods")):
        first, second = offer.search(ctx.text), means.search(ctx.text)
        if first and second and not ctx.has("business_advert") and not SCHOOL_OWNED.search(ctx.text):
            ctx.add("business_advert", "block",
                    f"'{first.group(0)}' with '{second.group(0)}' {what}. The school's accounts do not advertise "
                    "anyone's business, a parent's or a member of staff's included.",
                    excerpt_of(ctx.text, first.start(), first.end()))
    if not ctx.has("business_advert") and not ctx.has("business_advert", "warn"):
        match = SPONSOR.search(ctx.text)
        if match:
            ctx.add("business_advert", "warn",
                    "This names a sponsor. A short thank-you may be fine; do not include offers, prices or "
                    "contact details that turn it into an advert.", excerpt_of(ctx.text, match.start(), match.end()))


# Praise or a nudge to buy beside a business's handle: "loving our new kits from @brand", "stuck for presents?".
ENDORSE = words(r"treat yourself",
                r"lov(?:e|es|ed|ing)", r"best", r"(?:our|their|the kids'?|a) (?:new )?favourite", r"brilliant", r"recommend\w*", r"check (?:them|it|her|him) out",
                r"(?:present|gift) ideas", r"stuck for", r"must-have", r"get yours", r"find (?:her|him|them|us) on",
                r"available (?:from|at|in)", r"bookings?", r"treat yourself",
                r"(?:grab|order|buy|pick up) (?:yours|one|some)", r"(?:in|on) (?:the|their|a) (?:[\w-]+ ){0,2}sale",
                r"(?:make|makes|made) (?:a |an )?(?:perfect|great|lovely|ideal|brilliant) (?:[\w-]+ )?(?:presents?|gifts?)", r"follow (?:her|his|their|them|the) (?:page|account|shop)",
                *RECOMMEND)


# Praise alone, of the thing itself (not a nudge such as "bookings open", which the school says of its own clubs).
PRAISE = words(r"lov(?:e|es|ed|ing)", r"best", r"(?:our|their|a) (?:new )?favourite", r"brilliant", r"recommend\w*",
               *RECOMMEND)


def check_endorsement(ctx: Context) -> None:
    """A handle that is not the school's, with praise or a sales nudge beside it, endorses a business."""
    official = ctx.rules.handles
    for match in HANDLE_RE.finditer(ctx.text):
        if match.group("handle").rstrip(".").casefold() in official or SCHOOL_OWNED.search(ctx.text):
            continue
        cue = ENDORSE.search(ctx.text)
        if cue:
            ctx.add("business_advert", "block",
                    f"@{match.group('handle')} with '{cue.group(0)}' endorses a business or product. The school's "
                    "accounts do not recommend things to buy; leave out the handle and the praise.",
                    excerpt_of(ctx.text, match.start(), match.end()))
            return
