"""The answering pipeline: question → Answer (the `ask --json` contract of DESIGN.md)."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from knowledge.answering.neighbours import Neighbour, load_neighbours, neighbour_of
from knowledge.answering.question import Question, read_question
from knowledge.answering.retrieval import Candidate, Retriever
from knowledge.answering.roles import safeguarding_lead, who_decides
from knowledge.answering.verdict import Verdict, decide, forbidding_sibling, refers_back
from knowledge.answering.vocabulary import Vocabulary
from knowledge.answers import Answer, Related
from knowledge.disclosure import ConcernRules, spot_disclosure
from knowledge.lexicon import Lexicon, normalise
from knowledge.phrase_patterns import compile_entries
from knowledge.policy import Clause, Policy

CONCERNS_FILE = Path(__file__).resolve().parent / "concerns.toml"
SCOPE_FILE = Path(__file__).resolve().parent / "scope.toml"
# Calibrated with the retrieval weights (see knowledge/answering/retrieval.py).
ANSWER_THRESHOLD = 0.38
# A question that names nothing of the policy's subject (no platform, post, photo, account…) must
# match a rule this closely: "can I book the hall" shares words with rules, not their subject.
OFF_SUBJECT_THRESHOLD = 0.6
# A question about the asker's own social media (scope.toml) is the policy's business: answered from
# the closest rule unless even that is far off.
OWN_ACTIVITY_THRESHOLD = 0.2
# Another rule this close to the best one: say "did you mean…" and offer both.
AMBIGUITY_MARGIN = 0.02
RELATED_MARGIN = 0.12
# How far down the ranking to look for the rule a "follow the above guidelines" clause points at.
REFERRED_DEPTH = 12
# A prohibition of staff contact with pupils this close behind a permissive best match answers instead.
SAFER_RULE_MARGIN = 0.15
OPENERS = {"yes": "Yes. ", "no": "No. ", "depends": "It depends. ", "info": ""}
# A "yes" beside a rule that forbids something says why it is not leave to do what the rule forbids.
YES_BECAUSE = {"exception": "Yes: what you describe meets the rule's own exception. Check that it really does: ",
               "not reached": "Yes: the rule's limit does not reach this case. ",
               "complying": "Yes, to keep to this rule: ",
               "applies": "Yes, this rule applies to what you describe, so what it forbids stays forbidden: ",
               "consent in date": "Yes, while the consent is in date: "}
DEPENDS_ON = {"consent": "It turns on consent or permission: check that first.",
              "the exception the rule names": "It holds unless the exception the rule names applies: check that first.",
              "the condition the rule names": "It is allowed only under the condition the rule states: check that first.",
              "the rule's other items": "Consent lifts this item only: check the rule's other items too.",
              "what the consent is for": "It turns on consent to what the rule names: a consent to something "
                                         "else (photos, when the rule asks about names) does not count. Check that first.",
              "how it could be read": "It turns on whether what you post could be read the way the rule describes."}


@dataclass
class Answerer:
    policy: Policy
    vocabulary: Vocabulary
    retriever: Retriever
    concern_rules: ConcernRules | None
    lexicon: Lexicon  # the school's own, for topic routing; empty when there is none
    neighbours: list[Neighbour]
    own_activity: re.Pattern = re.compile(r"(?!x)x")
    count: "CountQuestion | None" = None
    policy_subjects: re.Pattern = re.compile(r"(?!x)x")  # question words of subjects this policy covers
    speaks_of_safeguarding: bool = False  # then a disclosure is on the policy's subject
    about_this_policy: re.Pattern = re.compile(r"(?!x)x")  # never next door: asks what this policy says
    defined_terms: tuple[tuple[str, ...], ...] = ()  # the words of each term the policy defines

    @classmethod
    def load(cls, policy_file, lexicon_file=None, examples_file=None) -> "Answerer":
        policy = Policy.load(policy_file)
        vocabulary = Vocabulary.load(Path(lexicon_file) if lexicon_file else None)
        vocabulary.know(policy.source)
        examples = {}
        if examples_file and Path(examples_file).exists():
            examples = tomllib.loads(Path(examples_file).read_text(encoding="utf-8")).get("clauses", {})
        lexicon = Lexicon.load(lexicon_file)
        concerns = tomllib.loads(CONCERNS_FILE.read_text(encoding="utf-8")).get("concerns", {})
        _extend(concerns, lexicon.concerns or {})
        school = tomllib.loads(Path(lexicon_file).read_text(encoding="utf-8")) \
            if lexicon_file and Path(lexicon_file).exists() else {}
        scope = tomllib.loads(SCOPE_FILE.read_text(encoding="utf-8"))
        retriever = Retriever(policy, vocabulary, examples)
        return cls(policy, vocabulary, retriever, ConcernRules.from_data(concerns),
                   lexicon, load_neighbours(policy.source, school.get("neighbours")),
                   compile_entries(scope["own_activity"]["entries"]), CountQuestion.from_data(scope.get("count")),
                   _policy_subjects(policy.source, scope.get("subjects", {})),
                   _mentions_any(policy.source, scope.get("disclosures", {}).get("mentions", [])),
                   compile_entries(scope.get("about_this_policy", {}).get("entries", [])),
                   tuple(words for terms in retriever.defined_terms for term in terms
                         if (words := tuple(w for w in term if not w.startswith("_")))))

    # --- the pipeline -------------------------------------------------------------------------

    def answer(self, question: str, audience: str | None = None, today: date | None = None) -> Answer:
        if not isinstance(question, str):
            question = "" if question is None else str(question)
        read = read_question(question, self.vocabulary, audience)
        if not any(ch.isalpha() for ch in read.normalised):
            return Answer(question=question, answered=False, confidence=0.0,
                          text="I didn't catch a question there. Ask me about the school's social media policy, "
                               "for example: \"Can I accept a friend request from a past pupil?\"")
        if not self.vocabulary.looks_english(normalise(question[:1000])):
            return self._not_covered(question, read, 0.0, "I couldn't read that as a question about the school's "
                                     "social media policy (I can only answer questions in English).")
        disclosure = spot_disclosure(read.normalised, self.concern_rules, question[:1000]) is not None
        read = replace(read, concern=disclosure)  # the question as read stays as it was: a copy with the finding
        neighbour = None if disclosure or self.about_this_policy.search(read.normalised) \
            else neighbour_of(read.normalised, self.neighbours, self._on_subject(read))
        if neighbour is not None:
            return self._with_notice(self._not_covered(
                question, read, 0.0, f"The social media policy doesn't cover that: {neighbour.reason}.",
                who=neighbour.who), today or date.today())
        ranked = self.retriever.rank(read)
        best = ranked[0] if ranked else None
        safest = self._safest(read, ranked) if ranked else None
        if best is None or best.score < self._threshold(read) or self._count_not_stated(read, safest):
            answer = self._not_covered(question, read, best.score if best else 0.0)
        else:
            answer = self._answer_from(question, read, ranked, safest)
        if disclosure:
            answer.report_suggested = True
            answer.text = (f"This sounds like something to report: tell {safeguarding_lead(self.policy)} now, "
                           f"and don't promise to keep it secret. I can take a concern report for you privately.\n"
                           f"{answer.text}")
        return self._with_notice(answer, today or date.today())

    def _threshold(self, read: Question) -> float:
        """How close the best rule must be to answer: a question naming nothing of the policy's subject
        must match more closely, one about the asker's own social media less."""
        if self.own_activity.search(read.normalised) is not None:
            return OWN_ACTIVITY_THRESHOLD
        return ANSWER_THRESHOLD if self._on_subject(read) else OFF_SUBJECT_THRESHOLD

    def _on_subject(self, read: Question) -> bool:
        """The question names something of the policy's subject: social media, a subject the policy
        covers in its own words, a term it defines; a disclosure, when the policy speaks of safeguarding."""
        return bool(self.vocabulary.domain & set(read.tokens)) or "polici" in read.tokens \
            or self.policy_subjects.search(read.normalised) is not None \
            or (read.concern and self.speaks_of_safeguarding) \
            or (read.definition and self._names_a_defined_term(read))

    def _names_a_defined_term(self, read: Question) -> bool:
        """The question names a term the policy defines ("'Children' includes…" and "who counts as a
        child"): each of the term's words is there, singular or plural (their first five letters)."""
        asked = {token[:5] for token in read.tokens if not token.startswith("_")}
        return any(all(word[:5] in asked for word in term) for term in self.defined_terms)

    def _count_not_stated(self, read: Question, answering: Candidate | None) -> bool:
        """Asks how many or how much, and the rule that would answer states no quantity."""
        if self.count is None or answering is None or not self.count.asked(read.normalised):
            return False
        return not self.count.stated(normalise(self.policy.clauses[answering.index].text))

    def _answer_from(self, question: str, read: Question, ranked: list[Candidate], best: Candidate) -> Answer:
        """`best`: the rule that answers (`_safest` of the ranking)."""
        clause = self.policy.clauses[best.index]
        verdict = decide(clause, read, self.retriever.best_sentence(best.index, read))
        sibling = forbidding_sibling(clause, [c for c in self.policy.clauses if c.lead_in and c.lead_in == clause.lead_in
                                              and c.rule == clause.rule and c is not clause], read) \
            if verdict.value == "yes" and clause.lead_in else None
        if sibling is not None:
            clause, verdict = sibling, decide(sibling, read)
        referred = self._referred_rule(clause, best, ranked, read) \
            if verdict.value in ("yes", "info") and read.intent in ("permission", "obligation") else None
        if referred is not None:
            verdict = decide(self.policy.clauses[referred.index], read)
        close = self._close_rules(ranked, best)
        related = [Related(self.policy.clauses[c.index].rule, self.policy.clauses[c.index].heading)
                   for c in ranked[1:6] if c.score >= best.score - RELATED_MARGIN
                   and self.policy.clauses[c.index].rule != clause.rule][:3]
        text = self._render(clause, verdict, close)
        if referred is not None:
            pointed = self.policy.clauses[referred.index]
            text += f" The guideline it points to: \"{pointed.statement.rstrip('.;')}\" ({pointed.heading})."
        choices = [Related(self.policy.clauses[c.index].rule, f"{self.policy.clauses[c.index].heading}: "
                           f"{self.policy.clauses[c.index].text}") for c in [best, *close]] if close else []
        answer = Answer(question=question, answered=True, text=text, section=clause.section, clause=clause.rule,
                        heading=clause.heading, quote=clause.text, verdict=verdict.value,
                        confidence=round(min(1.0, best.score), 3), related=related, choices=choices,
                        clause_id=clause.id)
        return answer

    def _safest(self, read: Question, ranked: list[Candidate]) -> Candidate:
        """Never a "yes" to staff contact with a pupil on a personal account on a loose match: when a
        prohibition about it ranks close behind, it is the rule that answers."""
        best = ranked[0]
        clause = self.policy.clauses[best.index]
        verdict = decide(clause, read)
        if read.actor != "staff" or "pupils" not in read.groups or verdict.value not in ("yes", "depends") \
                or verdict.reason in ("not reached", "applies"):  # "he is 25 now" against a rule for under-18s;
            return best  # "does it apply at weekends?" answered "it reaches this case" gives no leave
        if not ({"_communicate_contact_message", "_friend_request", "_follow"} & set(read.tokens)):
            return best
        for candidate in ranked[1:8]:
            other = self.policy.clauses[candidate.index]
            if other.modality in ("must_not", "should_not") and other.audience in ("staff", "everyone") \
                    and candidate.score >= best.score - SAFER_RULE_MARGIN:
                return candidate
        return best

    def _referred_rule(self, clause: Clause, best: Candidate, ranked: list[Candidate], read: Question) \
            -> Candidate | None:
        """For a clause that applies the rules above it, the nearest-ranked of them for the same
        people that gives a ruling on this question."""
        if not refers_back(clause):
            return None
        # "We expect families to…" reads as the school's own voice: then whoever the question is about.
        people = {clause.audience, read.actor} if clause.audience in ("school_accounts", "everyone") else {clause.audience}
        for candidate in ranked[1:REFERRED_DEPTH]:
            earlier = self.policy.clauses[candidate.index]
            if candidate.index < best.index and earlier.audience in people \
                    and decide(earlier, read).value in ("no", "depends"):
                return candidate
        return None

    def _close_rules(self, ranked: list[Candidate], best: Candidate) -> list[Candidate]:
        chosen = self.policy.clauses[best.index]
        close = []
        for candidate in ranked[1:4]:
            clause = self.policy.clauses[candidate.index]
            # Another rule, of any section (two rules of one section compete as often as of two):
            # not another item of the same rule, which the answer already stands for.
            if candidate.score >= best.score - AMBIGUITY_MARGIN and clause.rule != chosen.rule \
                    and clause.text != chosen.text:
                close.append(candidate)
        return close

    def _render(self, clause: Clause, verdict: Verdict, close: list[Candidate]) -> str:
        statement = clause.statement.rstrip(".;")
        opener = YES_BECAUSE.get(verdict.reason or "", OPENERS["yes"]) if verdict.value == "yes" else OPENERS[verdict.value]
        text = f"{opener}{statement} — {_where(clause)} ({clause.heading})."
        if verdict.value == "depends" and verdict.deciding_fact:
            text += " " + DEPENDS_ON.get(verdict.deciding_fact, f"It turns on {verdict.deciding_fact}.")
        if close:
            options = "; or ".join(f"{_where(self.policy.clauses[c.index])} "
                                   f"({self.policy.clauses[c.index].heading}): "
                                   f"\"{_opening_words(self.policy.clauses[c.index].statement)}\"" for c in close)
            text += f" I'm not completely sure that is the rule you mean — did you mean {options}?"
        return text

    def _not_covered(self, question: str, read: Question, score: float, reason: str | None = None,
                     who: str | None = None) -> Answer:
        who = who or (self.lexicon.who_to_ask(read.normalised) if self.lexicon.routes else who_decides(self.policy))
        reason = reason or "The social media policy doesn't cover that, so I can't answer it from the policy."
        return Answer(question=question, answered=False, confidence=round(max(0.0, score), 3), ask_instead=who,
                      text=f"{reason} Please ask {who}.")

    def _with_notice(self, answer: Answer, today: date) -> Answer:
        answer.notice = renewal_notice(self.policy, today)
        if answer.notice:
            answer.text = f"{answer.text}\n{answer.notice}"
        return answer


@dataclass(frozen=True)
class CountQuestion:
    """"How many / how much" questions and the quantities a rule may state (scope.toml [count])."""
    asks: re.Pattern
    compound: re.Pattern
    quantities: re.Pattern

    @classmethod
    def from_data(cls, data: dict | None) -> "CountQuestion | None":
        if not data:
            return None
        return cls(compile_entries(data["asks"]), compile_entries(data.get("compound", [])),
                   compile_entries(data["quantities"]))

    def asked(self, normalised_question: str) -> bool:
        return self.asks.search(normalised_question) is not None and self.compound.search(normalised_question) is None

    def stated(self, normalised_rule: str) -> bool:
        return self.quantities.search(normalised_rule) is not None


def renewal_notice(policy: Policy, today: date) -> str | None:
    """The note that the policy is past its review date, or None while it is current."""
    meta = policy.meta
    if meta.renewal_date is not None and today > meta.renewal_date:
        return (f"Note: this policy was due for renewal in {meta.renewal_due}; "
                f"check with {who_decides(policy)} that it is still current.")
    return None


def _policy_subjects(policy_text: str, subjects: dict) -> re.Pattern:
    """The question words of the subjects (scope.toml [subjects]) that this policy mentions."""
    policy = normalise(policy_text)
    asks = [word for subject in subjects.values()
            if compile_entries(subject.get("mentions", [])).search(policy) for word in subject.get("asks", [])]
    return compile_entries(asks)


def _mentions_any(policy_text: str, words: list[str]) -> bool:
    return bool(words) and compile_entries(words).search(normalise(policy_text)) is not None


def _extend(base: dict, extra: dict) -> None:
    """A school's concern lists add to the generic ones, table by table ([concerns.risk] too)."""
    for key, values in extra.items():
        if isinstance(values, list):
            base[key] = [*base.get(key, []), *values]
        elif isinstance(values, dict):
            _extend(base.setdefault(key, {}), values)


def _where(clause: Clause) -> str:
    return f"paragraph {clause.rule.replace('-', '.')}" if clause.numbered else f"section {clause.section}"


def _opening_words(statement: str, count: int = 8) -> str:
    words = statement.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")
