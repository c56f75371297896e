"""Content that is not appropriate for a school audience: adult content, drinking, and films or games above
the pupils' age (split from adverts.py, which keeps advertising)."""
from __future__ import annotations

import re

from knowledge.draft_check.base import Context, excerpt_of, words

NOT_AGE_APPROPRIATE = words(
    r"sexy", r"sex", r"porn\w*", r"nude", r"naked", r"drugs?", r"cocaine", r"cannabis", r"weed", r"gambling",
    r"casino", r"betting", r"bet365", r"gore", r"gory", r"18\+", r"over[- ]18s only", r"adults only",
    r"r-rated", r"drunk", r"hangover", r"wasted", r"vodka shots?", r"strip (?:clubs?|shows?|poker)", r"strip(?:pers?|tease)",
    r"murder\w*", r"kill(?:ing|ed)?",
    r"horror (?:film|movie|trailer)s?", r"(?<!no )(?<!not )swear words", r"(?<!no )(?:strong|bad|foul) language", r"scary (?:film|movie) trailers?", r"it'?s (?:a|an) (?:15|18)",
    r"rated (?:15|18)", r"(?:15|18)[- ]rated", r"certificate (?:15|18)", r"🔫", r"🔪", r"🩸",
)
ALCOHOL = words(r"tequila", r"vodka", r"rum", r"whisky", r"spirits", r"ales?", r"🍻", r"🍺", r"🍷", r"🍸", r"🥂", r"🍹", r"🍾", r"🥃",
                 r"beer", r"wine", r"prosecco", r"gin", r"cocktails?", r"bar", r"pub", r"booze", r"alcohol\w*",
                 r"fizz", r"pints?", r"lager", r"cider", r"champagne")
# Adult content: drinking for its own sake, and events for adults only.
HEAVY_DRINKING = words(r"shots?", r"tequila", r"sore heads?", r"hangover", r"hungover", r"bottomless", r"drunk",
                        r"wasted", r"tipsy", r"get (?:merry|smashed|hammered|wasted)", r"stays at the \w+ (?:party|do)",
                        r"what happens at", r"all round", r"boozy", r"\w+ o'clock",
                        r"(?:don'?t expect|won'?t be) (?:us |me |them )?(?:to be )?(?:fresh|sober|bright)",
                        r"(?:several|many|a few|too many|countless|endless) (?:pints|drinks|rounds|glasses|bottles)",
                        r"(?:won'?t|doesn'?t|don'?t|didn'?t|can'?t|cannot) (?:\w+ )?remember", r"blackout",
                        r"let (?:their|our|my) hair down", r"#\w*letloose\w*", r"#\w*(?:drunk|booze)\w*")
# Drinks as decoration ("🍷🍷🍷", "🍾🥂"): a celebration of drinking, where one glass at a prom toasts.
DRINK_EMOJI_RUN = re.compile(r"[🍷🍸🍹🍺🍻🥂🍾🥃](?:\s*[🍷🍸🍹🍺🍻🥂🍾🥃])+")
# Video games an 18 certificate keeps from pupils; a post warning parents about them is online-safety advice.
ADULT_GAMES = words(r"grand theft auto", r"gta(?: ?[ivx\d]+)?", r"call of duty", r"mortal kombat", r"resident evil",
                    r"red dead redemption", r"the last of us", r"manhunt", r"dead island")
# An age rating is a fact; in a post advising parents on ratings it is the advice itself, not content.
RATING = re.compile(r"(?<![\w'])(?:18\+|(?i:rated (?:15|18)|(?:15|18)[- ]rated|certificate (?:15|18)))(?![\w'])")
PARENT_GUIDANCE = words(r"age ratings?", r"pegi", r"online safety", r"e-?safety", r"parental controls?", r"safeguarding")
SAFETY_ADVICE = words(r"age ratings?", r"rated", r"pegi", r"online safety", r"e-?safety", r"parental controls?",
                      r"not suitable", r"too young", r"safeguarding", r"please check")


# A film with its certificate ("Night Terror (15)", "rated 15"), set against the ages of the pupils the post speaks of.
CERTIFICATE = re.compile(r"(?<![\w'])[A-Z][\w'’:&-]*(?: [A-Z][\w'’:&-]*){0,5} \((?P<cert>12A?|15|18)\)|"
                         r"(?<![\w'])(?i:rated|certificate|cert\.?) (?P<cert2>12A?|15|18)(?![\w'])")
FILM = words(r"films?", r"movies?", r"cinema", r"watch\w*", r"screening", r"showing", r"trailers?")
YEAR_GROUP = re.compile(r"(?<![\w'])(?i:year|yr|y) ?(?P<n>\d{1,2})(?![\w'])")
PRIMARY_AGE = 11  # the oldest pupils of a primary school, where the post names no year group


def _too_old_a_film(ctx: Context) -> re.Match | None:
    for match in CERTIFICATE.finditer(ctx.text):
        cert = int((match.group("cert") or match.group("cert2")).rstrip("A"))
        years = [int(m.group("n")) for m in YEAR_GROUP.finditer(ctx.text) if 0 < int(m.group("n")) <= 13]
        youngest = min(years) + 4 if years else (None if _is_secondary(ctx) else PRIMARY_AGE - 1)
        if FILM.search(ctx.text) and youngest is not None and cert > youngest:
            return match
    return None


def _is_secondary(ctx: Context) -> bool:
    name = f"{ctx.rules.policy.meta.school or ''} {ctx.rules.policy.meta.title or ''}"
    return bool(re.search(r"\b(?:academy|high|secondary|college|trust)\b", name, re.I)) and not re.search(
        r"\b(?:primary|junior|infant)s?\b", name, re.I)


def check_age(ctx: Context) -> None:
    film = _too_old_a_film(ctx)
    if film:
        ctx.add("age_appropriate", "block",
                f"'{film.group(0)}': the film's certificate is above the age of the pupils the post is for.",
                excerpt_of(ctx.text, film.start(), film.end()))
    guidance = PARENT_GUIDANCE.search(ctx.text)
    for match in NOT_AGE_APPROPRIATE.finditer(ctx.text):
        if guidance and RATING.fullmatch(match.group(0)):
            continue  # "games carry age ratings of 13+ or 18+": online-safety advice; the game itself is warned below
        ctx.add("age_appropriate", "block",
                f"'{match.group(0)}' is not appropriate for a school audience (pupils follow these accounts too).",
                excerpt_of(ctx.text, match.start(), match.end()))
    drink = ALCOHOL.search(ctx.text)
    heavy = HEAVY_DRINKING.search(ctx.text) or DRINK_EMOJI_RUN.search(ctx.text)
    # Two signs of a heavy night ("shots at midnight", "don't remember much") need no drink named.
    if heavy and not drink and len({m.group(0).lower() for m in HEAVY_DRINKING.finditer(ctx.text)}) >= 2:
        drink = heavy
    if drink and heavy:
        ctx.add("age_appropriate", "block",
                f"This celebrates drinking ('{drink.group(0)}', '{heavy.group(0)}'), which is not appropriate for a "
                "school audience.", excerpt_of(ctx.text, heavy.start(), heavy.end()))
    game = ADULT_GAMES.search(ctx.text)
    if game:
        severity = "warn" if SAFETY_ADVICE.search(ctx.text) else "block"
        ctx.add("age_appropriate", severity,
                f"'{game.group(0)}' is a game rated 18, which the school's accounts do not promote to pupils"
                + (" (advice to parents about it may be fine)." if severity == "warn" else "."),
                excerpt_of(ctx.text, game.start(), game.end()))
    if not ctx.has("age_appropriate") and drink:
        ctx.add("age_appropriate", "warn",
                f"This mentions alcohol ('{drink.group(0)}'). Keep it low-key (e.g. a raffle prize at an adult "
                "event) and make sure the post is appropriate for pupils.",
                excerpt_of(ctx.text, drink.start(), drink.end()))
