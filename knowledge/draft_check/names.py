"""Names and photos of pupils: the consent register, full names, and posts that admit consent is missing."""
from __future__ import annotations

import re
from typing import Iterable

from knowledge.draft_check.base import (GROUP_WORDS, NOT_SURNAMES, STAFF_WORDS, TITLE_RE, Context, excerpt_of, is_staff,
                                        sentence_at, words, words_before)
from knowledge.draft_policy import quoted
from knowledge.person_names import is_common_word, is_given_name

# Well-known names that appear in school posts without being pupils (book days, visitors, history).
PUBLIC_NAMES = words(
    r"harry potter", r"peter pan", r"peter rabbit", r"roald dahl", r"julia donaldson", r"david walliams",
    r"jacqueline wilson", r"michael morpurgo", r"father christmas", r"king charles", r"queen elizabeth",
    r"captain tom", r"charlie bucket", r"alice in wonderland", r"florence nightingale", r"mary seacole",
    r"isambard kingdom brunel", r"charles darwin", r"william shakespeare", r"anne frank", r"rosa parks",
    r"martin luther king", r"neil armstrong", r"tim peake", r"greta thunberg", r"david attenborough",
)


# A post that says outright that photos include pupils without consent.
MISSING_CONSENT = re.compile(
    r"\b(?:consent|permission)\b[^.!?\n]{0,40}\b(?:forms?|slips?)\b[^.!?\n]{0,40}\b(?:haven'?t|have not|not (?:yet )?"
    r"(?:been )?(?:returned|back|in)|still|missing|outstanding|yet to|waiting)\b|"
    r"\b(?:still )?waiting (?:on|for) [^.!?\n]{0,30}\b(?:consent|permission)\b[^.!?\n]{0,20}\b(?:forms?|slips?)\b|"
    r"\bwithout (?:photo |their )?(?:consent|permission)\b|"
    r"\b(?:missing|outstanding|waiting (?:on|for)|still need|chasing)\b[^.!?\n]{0,30}\b(?:consent|permission)\b"
    r"[^.!?\n]{0,20}\b(?:forms?|slips?)\b|"
    r"\b(?:haven'?t|have not|not yet|yet to)\s+(?:\w+\s+){0,2}(?:returned|sent|handed|brought|signed)\s+(?:[\w'’]+\s+){0,4}"
    r"(?:forms?|slips?)\b|"
    r"\bforms?\s+(?:isn'?t|aren'?t|is not|are not|hasn'?t|haven'?t)\s+(?:been\s+)?(?:in|back|returned|signed)\b|"
    r"\b(?:didn'?t|did not|don'?t|do not) (?:yet )?(?:have|get|receive) (?:\w+ ){0,2}(?:consent |permission )?(?:forms?|slips?)\b|"
    r"\b(?:haven'?t|have not|hadn'?t|had not) (?:yet )?(?:got|had|received) (?:\w+ ){0,2}(?:consent |permission )?(?:forms?|slips?)\b",
    re.I)
# The pupil said no (whoever else said yes): "he'd rather not be in photos, but his mum said it was fine".
PUPIL_REFUSED = words(r"(?:he|she|they)(?:'d| would) rather not be (?:in|on) (?:the )?(?:photos?|pictures?|camera|video)",
                      r"(?:didn'?t|doesn'?t|did not|does not) want (?:to be |(?:his|her|their) (?:photo|picture) )"
                      r"(?:in (?:the )?(?:photos?|pictures?|video)|photographed|filmed|taken|on (?:here|social media))",
                      r"(?:he|she|they) (?:refused|said no)(?: to)?(?: (?:the|a|his|her|their))? (?:photos?|pictures?)?")
PHOTOS_SHARED = words(r"photos?", r"pictures", r"album", r"images?", r"video", r"in pictures", r"snaps?", r"📸")
# Context that says a named person is a pupil (so a name off the register must block, not just warn).
PUPIL_CONTEXT = re.compile(r"\b(?:in|from|of)\s+(?:year|class|reception|y)\s*\d|\(\s*(?:year|y)\s*\d|\bpupils?\b|"
                           r"\bour\b|\bwelcome\b|\bjoin(?:ed|s|ing)?\b|\bcongratulations\b|\bwell done\b|"
                           r"\bstar of the\b|\bproud\b|\bwinners?\b|\bwon\b|\baward(?:ed)?\b|\bcertificate\b", re.I)


# A year or class label just before a name ("Y5 Jayden Cross –", "Year 6: Ava Jones") marks a pupil.
YEAR_LABEL = re.compile(r"(?<![\w'])(?:Y|Yr|Year|Class)\s?\d{1,2}\s*[:–—-]?\s*$", re.I)


def _pupil_context(text: str, start: int) -> bool:
    """The words around a name make it a pupil's: within its own clause, not anywhere in a long sentence
    ("…our bake-off winners made a chocolate castle so tall it needed scaffolding 🏰 Mary Berry would
    approve!" praises the pupils, and names a television baker)."""
    sentence = sentence_at(text, start)
    offset = text.rfind(sentence, max(0, start - len(sentence)), start + len(sentence)) if sentence else -1
    near = sentence if offset < 0 else sentence[max(0, start - offset - NAME_REACH):start - offset + NAME_REACH]
    if PUPIL_CONTEXT.search(near) or YEAR_LABEL.search(text[max(0, start - 12):start]):
        return True
    # A year group or "pupils" anywhere in the sentence, unless it is another name's label ("Sofia (Year 7)").
    return any(not re.search(r"[A-Z][a-z'’-]+\s*$", sentence[:m.start()]) for m in PUPIL_GROUP.finditer(sentence))


NAME_REACH = 45  # how far either side of a name its own clause is read
PUPIL_GROUP = re.compile(r"\b(?:in|from|of)\s+(?:year|class|reception|y)\s*\d|\(\s*(?:year|y)\s*\d|\bpupils?\b", re.I)


POSSESSIVE = re.compile(r"['’]s?$")


def _hyphenated_given(word: str) -> bool:
    """"Daisy-Mae", "Mary-Jane": a double given name whose first part is a given name."""
    first, _, rest = word.partition("-")
    return bool(rest) and is_given_name(first)


# --- consent -------------------------------------------------------------------------------------

def _consent_terms(ctx: Context) -> str:
    form = f"a {ctx.rules.form_name}" if ctx.rules.form_name else "a consent form"
    years = ctx.rules.valid_years
    spelt = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}.get(years or 0, str(years))
    within = "in the last year" if years == 1 else f"in the last {spelt} years" if years else "that is still valid"
    return f"{form} signed by their parent or carer {within}"


def _consent_finding(ctx: Context, name: str, use: str, excerpt: str) -> None:
    status = ctx.consent.status(name, use, ctx.today, valid_years=ctx.rules.valid_years)
    if status.allowed:
        return
    where = {"photo": "pictured", "name": "named"}.get(use, "named and pictured")
    clause = ctx.rules.clause_for(ctx.channel, "consent", use)
    rule = f" See {quoted(clause)}." if clause else ""
    ctx.add("consent", "block",
            f"{status.reason}. A pupil can only be {where} with {_consent_terms(ctx)}. Remove them from the post, "
            f"or check the register.{rule}", excerpt, use)


def _names_in_text(ctx: Context) -> list[tuple[str, int, int, bool]]:
    """(name as written, start, end, on the register) for people named in the text: register names
    first, then other full names (a given name from the names data set and a surname), then register
    first names on their own."""
    text = ctx.text
    taken: list[tuple[int, int]] = []
    found: list[tuple[str, int, int, bool]] = []
    public = [(m.start(), m.end()) for m in PUBLIC_NAMES.finditer(text)]

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken + public)

    def after_title(start: int) -> bool:
        before = words_before(text, start)
        return bool(before) and bool(TITLE_RE.match(before[-1]))

    def after_article(start: int) -> bool:
        before = words_before(text, start)
        return bool(before) and before[-1].lower() in ("the", "a", "an")

    def as_costume(start: int) -> bool:  # "Aaron came as Percy Jackson": a character, not a pupil
        before = [word.lower() for word in words_before(text, start)]
        return len(before) >= 2 and before[-1] == "as" and before[-2] not in ("such", "known", "named", "called")

    for full in sorted(ctx.consent.full_names(), key=len, reverse=True):
        for match in re.finditer(r"(?<![\w'])" + re.escape(full) + r"(?![\w])", text, re.I):
            if free(match.start(), match.end()):
                taken.append((match.start(), match.end()))
                found.append((match.group(0), match.start(), match.end(), True))
    for tag in re.finditer(r"#(\w+)", text):  # "#WellDoneFreddieClarke" spells out a full name
        spaced = " ".join(re.findall(r"[A-Z][a-z'’]+|[a-z]+|\d+", tag.group(1)))
        for full in ctx.consent.full_names():
            if free(tag.start(), tag.end()) and re.search(rf"(?<![\w']){re.escape(full)}(?![\w'])", spaced, re.I):
                taken.append((tag.start(), tag.end()))
                found.append((full, tag.start(), tag.end(), True))
    register_first = {n.casefold() for n in ctx.consent.first_names()}
    for tag in re.finditer(r"#(\w+)", text):  # "#GoRuby": a register first name inside a hashtag names her
        for part in re.finditer(r"[A-Z][a-z'’]+", tag.group(1)):
            word = part.group(0)
            if word.casefold() in register_first and not is_common_word(word) and free(tag.start(), tag.end()):
                taken.append((tag.start(), tag.end()))
                found.append((word, tag.start(), tag.end(), True))
                break
    name_word = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
    for match in re.finditer(rf"(?<![\w'])({name_word})\s+({name_word})(?![\w])", text):
        given, surname = match.group(1), match.group(2)
        if not (is_given_name(given) or given.casefold() in register_first or _hyphenated_given(given)):
            continue
        if surname.casefold() in NOT_SURNAMES | GROUP_WORDS or is_common_word(surname.rstrip("'’s")):
            continue
        if after_title(match.start()) or after_article(match.start()) or as_costume(match.start()) or \
                not free(match.start(), match.end()):
            continue  # "the London Marathon" is an event, not a person
        taken.append((match.start(), match.end()))
        found.append((match.group(0), match.start(), match.end(), False))
    # A register first name in capitals ("our winner is RUBY!") names her as much as "Ruby" does.
    for match in re.finditer(rf"(?<![\w'])({name_word}|[A-Z]{{2,}}(?:['’][Ss])?)(?![\w])", text):
        word = match.group(1).capitalize() if match.group(1).isupper() else match.group(1)
        word = POSSESSIVE.sub("", word)  # "Evie's model" names Evie
        if word.casefold() not in register_first or is_common_word(word) or after_title(match.start()):
            continue
        if not free(match.start(), match.end()):
            continue
        taken.append((match.start(), match.start() + len(word)))
        found.append((word, match.start(), match.start() + len(word), True))
    # A first name off the register that the text itself makes a pupil: "Mason in Year 4", "Y3 Ruby –".
    for match in re.finditer(rf"(?<![\w'])({name_word})(?=\s+(?:in|from)\s+(?:year|class|reception|y\d)\b)", text, re.I):
        word = match.group(1)
        if not word[0].isupper() or word.casefold() in GROUP_WORDS | NOT_SURNAMES or not is_given_name(word) or \
                after_title(match.start()) or not free(match.start(), match.end()):
            continue
        taken.append((match.start(), match.end()))
        found.append((word, match.start(), match.end(), False))
    return found


# A surname that names a place or a prize ("the Clarke Hall", "the Reilly Cup") is not a family beside a pupil.
NAMED_AFTER = re.compile(r"\s+(?:Hall|Library|Building|Centre|Center|Room|Wing|Block|Field|Gardens?|Park|Road|Street|Lane|"
                         r"Avenue|Close|Way|Court|House|School|Academy|Cup|Trophy|Shield|Award|Prize|Medal|Foundation|"
                         r"Trust|Fund)\b")
# Words that make a surname a family's ("the Reilly family", "Mr and Mrs Reilly", "the Reillys").
FAMILY_AFTER = re.compile(r"\s+(?:family|families|household|clan|twins|brothers|sisters|siblings)\b", re.I)


def _surname_elsewhere(ctx: Context, first: str) -> tuple[str, re.Match] | None:
    """A register pupil written by first name whose surname (from the register) the text also gives
    on its own, most often as the parents' ("Mr and Mrs Okafor", "the Okafors"): together they publish
    the pupil's full name without it ever standing in one place. (register name, the surname's match)."""
    for record in ctx.consent.find(first):
        parts = record.name.split()
        surname = parts[-1] if len(parts) > 1 else ""
        if len(surname) < 3:
            continue
        for match in re.finditer(rf"(?<![\w'’-]){re.escape(surname)}(?:s|['’]s?)?(?![\w'’-])", ctx.text):
            before = words_before(ctx.text, match.start())
            if before and before[-1].casefold() == first.casefold():
                continue  # the full name in one place is the full-name check's
            line_after = ctx.text[match.end():match.end() + 60].split("\n")[0]
            if NAMED_AFTER.match(line_after):
                continue  # "the Clarke Hall", "Clarke Road": a place or a prize named after someone
            if (len(before) > 1 and re.fullmatch(r"[A-Z]\.?", before[-1]) and TITLE_RE.match(before[-2])) or \
                    STAFF_WORDS.search(line_after):
                continue  # "Mrs K Clarke, Year 6 Teacher": a member of staff who shares the surname
            plural = match.group(0) != surname and not re.search(r"['’]", match.group(0))
            family = (before and (TITLE_RE.match(before[-1]) or (plural and before[-1].casefold() == "the"))) or \
                FAMILY_AFTER.match(ctx.text, match.end())
            # A surname that is also an ordinary word ("Bell", "Price") counts only as a family's.
            if family or not is_common_word(surname):
                return record.name, match
    return None


def _on_register_in_full(ctx: Context, name: str) -> bool:
    """A first name and surname that the consent register (a list of pupils) holds as one record."""
    key = " ".join(name.split())
    return " " in key and not TITLE_RE.match(key.split()[0]) and \
        any(r.name.casefold() == key.casefold() for r in ctx.consent.find(key))


def _pupil_key(ctx: Context, name: str, use: str) -> object | None:
    """Who a refused name is (the register's record, else the name itself); None when allowed."""
    status = ctx.consent.status(name, use, ctx.today, valid_years=ctx.rules.valid_years)
    if status.allowed:
        return None
    return status.record if status.record is not None else " ".join(name.split()).casefold()


def check_consent(ctx: Context, pictured: Iterable[str], photos: str) -> None:
    # Staff pictured are not pupils: their images are the staff-images check's (conduct.py). A full name
    # on the register is a pupil's, whatever staff word shares its sentence ("…and a dragon head!").
    pictured = [" ".join(p.split()) for p in pictured if p and p.strip() and
                (_on_register_in_full(ctx, p) or not is_staff(p, ctx.text))]
    if photos:
        described = Context(photos, ctx.channel, ctx.rules, ctx.consent, ctx.today)
        pictured += [name for name, _, _, _ in _names_in_text(described)]
    refused_photos: dict[object, str] = {}
    for name in pictured:
        if name.casefold() in ("none", "no one", "nobody", "n/a"):
            continue
        key = _pupil_key(ctx, name, "photo")
        if key is not None:
            refused_photos.setdefault(key, name)
    merged = set()
    for name, start, end, on_register in _names_in_text(ctx):
        excerpt = excerpt_of(ctx.text, start, end)
        if ctx.rules.full_names_forbidden and " " in name.strip() and (on_register or
                                                                       _pupil_context(ctx.text, start)):
            ctx.add("consent", "block",
                    f"'{name}' is a pupil's full name, which the policy does not allow on the school's accounts "
                    "(a first name may be used where consent allows).", excerpt, "name")
            continue
        if ctx.rules.full_names_forbidden and on_register and " " not in name.strip():
            joined = _surname_elsewhere(ctx, name)
            if joined is not None:
                full, surname = joined
                ctx.add("consent", "block",
                        f"'{name}' with '{surname.group(0)}' elsewhere in the post gives the pupil's full name ({full}), "
                        "which the policy does not allow on the school's accounts. Leave out the family's surname.",
                        excerpt_of(ctx.text, surname.start(), surname.end()), "name")
                continue
        if not on_register and not _pupil_context(ctx.text, start):
            status = ctx.consent.status(name, "name", ctx.today, valid_years=ctx.rules.valid_years)
            if not status.allowed:
                ctx.add("consent", "warn",
                        f"'{name}' looks like a person's name and is not on the consent register. If this is a "
                        f"pupil, they can only be named with {_consent_terms(ctx)}.", excerpt, "name")
            continue
        if ctx.rules.first_names_free and " " not in name.strip():
            # The policy allows a first name on its own; with that pupil's photo it needs consent to both.
            shown = next((p for p in pictured if p.split()[0].casefold() == name.casefold()), None)
            if shown is not None:
                _consent_finding(ctx, shown, "name+photo", excerpt)
                merged.add(_pupil_key(ctx, shown, "photo"))
            continue
        # A pupil both named and pictured is one finding (quoting the draft), not two.
        key = _pupil_key(ctx, name, "name")
        both = key is not None and key in refused_photos
        _consent_finding(ctx, name, "name+photo" if both else "name", excerpt)
        if both:
            merged.add(key)
    for key, name in refused_photos.items():
        if key not in merged:
            _consent_finding(ctx, name, "photo", f"pictured: {name}")
    admission = MISSING_CONSENT.search(ctx.text)
    if admission and (PHOTOS_SHARED.search(ctx.text) or pictured or photos.strip() or ctx.has_image):
        ctx.add("consent", "block",
                "The post itself says some pupils' consent is missing, yet it shares their photos. Only pupils "
                f"with {_consent_terms(ctx)} can appear; remove the others before posting.",
                excerpt_of(ctx.text, admission.start(), admission.end()), "photo")
    refused = PUPIL_REFUSED.search(ctx.text)
    if refused and (PHOTOS_SHARED.search(ctx.text) or pictured or photos.strip() or ctx.has_image):
        ctx.add("consent", "block",
                f"'{refused.group(0)}': the post says a pupil did not want to appear, yet shares their image. A "
                "pupil's own refusal stands, whatever a parent says; leave them out.",
                excerpt_of(ctx.text, refused.start(), refused.end()), "photo")
    if photos and photos.strip() and not pictured:
        ctx.add("consent", "warn",
                "Photos are attached but no pupils are listed as pictured. Every pupil who can be recognised "
                f"needs {_consent_terms(ctx)}; list them so the register can be checked.",
                excerpt_of(photos, 0, min(len(photos), 60)), "photo")


