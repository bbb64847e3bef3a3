"""The guided questionnaire's dialogue logic: which question next, when to stop, back and unknown.

No input or output happens here (triage/commands/ask.py does the terminal), so the dialogue can
be tested and simulated. The questions come from the field catalogue, their order and their
"why we ask" from the rules that use the answers, and the stop rule from a bound on what the
remaining answers could still change. docs/questionnaire.md explains the order and the rule.

Open-world vs closed-world: the engine reads an unanswered field as "not present". During the
dialogue a field is *open* while it can still be asked, and *closed* once it is answered, was
answered "don't know", or can no longer be asked (its catalogue ``requires`` is not met, or it is
an examination finding and no clinician is answering). A rule is decided when its closed fields
decide it; it is undecided while it waits on open fields. Only undecided rules can still change
the result, so only their open fields are asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from triage.assess import assess
from triage.assessment import Assessment, RedFlag
from triage.catalogue import Field, ValueProblem
from triage.forms import Form, parse_form
from triage.knowledge import KnowledgeBase, RuleSpec, load_knowledge
from triage.matching import FALSE, TRUE, UNKNOWN, Item, When, all3, any3
from triage.scoring import alarm_findings, logit
from triage.whatif import open_questions

# The dialogue's three stages, in the order a physiotherapist takes a history (see the module doc).
RED_FLAGS, BASICS, NARROWING = "red_flags", "basics", "narrowing"
EMERGENCY_LEVELS = ("emergency_ambulance", "emergency")

# What a person may type besides an answer.
HELP_WORDS = {"?", "h", "help"}
BACK_WORDS = {"b", "back"}
QUIT_WORDS = {"q", "quit", "exit"}


class AnswerError(ValueProblem):
    """An answer that does not fit the question; ``accepted`` says what would."""


@dataclass(frozen=True)
class Choice:
    number: int
    value: str
    label: str


@dataclass(frozen=True)
class Why:
    """One rule that the answer feeds, and what it would point to."""

    rule: str
    kind: str            # red_flag | evidence
    title: str
    explanation: str
    points_to: str       # e.g. "Septic arthritis (go to an emergency department today)"


@dataclass(frozen=True)
class Question:
    field: str
    text: str
    type: str
    stage: str
    choices: tuple[Choice, ...]
    accepted: str        # the accepted answers in words, for errors and help
    help: str
    why: tuple[Why, ...]
    previous: str | None = None  # the answer being changed, in words (after back or a change)


@dataclass(frozen=True)
class Outlook:
    """What the unanswered questions could still change: a conservative bound.

    ``most_urgent`` and ``least_urgent`` bracket every triage level that some way of answering
    the open questions could reach; ``tops`` holds every top condition that could result (None:
    no condition named). When the bracket is one level and ``tops`` one value, no answer can
    change the result, and the questionnaire stops.
    """

    most_urgent: str
    least_urgent: str
    tops: frozenset
    open_fields: frozenset
    live_fields: frozenset      # open fields whose answer could move a bound

    @property
    def level_settled(self) -> bool:
        return self.most_urgent == self.least_urgent

    @property
    def settled(self) -> bool:
        return self.level_settled and len(self.tops) == 1


def interpret(raw: str | None) -> tuple[str, str]:
    """What a typed line asks for: ("help" | "back" | "quit" | "answer", text)."""
    text = (raw or "").strip()
    word = text.lower()
    if word in HELP_WORDS:
        return "help", text
    if word in BACK_WORDS:
        return "back", text
    if word in QUIT_WORDS:
        return "quit", text
    return "answer", text


# --- three-valued evaluation with closed fields ------------------------------------------------

def _not(value) -> Any:
    return UNKNOWN if value is UNKNOWN else (not value)


def _item(item: Item, answers, open_fields, conclusions) -> Any:
    if item.concluded is not None:
        return conclusions.get(item.concluded, FALSE)
    if item.field in open_fields:
        return UNKNOWN
    return item.holds(answers.get(item.field))   # closed and unanswered: not present


def _when(when: When, answers, open_fields, conclusions) -> Any:
    parts = [_item(i, answers, open_fields, conclusions) for i in when.all]
    if when.any:
        parts.append(any3(_item(i, answers, open_fields, conclusions) for i in when.any))
    # Unlike the what-if ordering, a `none` over an open field is undecided: the answer could block.
    parts += [_not(_item(i, answers, open_fields, conclusions)) for i in when.none]
    return all3(parts)


def rule_truths(kb: KnowledgeBase, answers: Mapping[str, Any], open_fields) -> dict[str, Any]:
    """Truth of every rule (TRUE, FALSE or UNKNOWN = undecided), conclusions included."""
    conclusions: dict[str, Any] = {}
    truths: dict[str, Any] = {}
    rules = kb.rules_of("conclusion")
    for _ in range(len(rules) + 1):   # conclusions chain: iterate to the fixpoint
        new: dict[str, Any] = {}
        for rule in rules:
            t = _when(rule.when, answers, open_fields, conclusions)
            truths[rule.id] = t
            new[rule.concludes] = any3([new.get(rule.concludes, FALSE), t])
        if new == conclusions:
            break
        conclusions = new
    for rule in kb.rules:
        if rule.kind != "conclusion":
            truths[rule.id] = _when(rule.when, answers, open_fields, conclusions)
    return truths


def _waiting_on(kb: KnowledgeBase, rule: RuleSpec, open_fields, truths, seen=()) -> set[str]:
    """The open fields an undecided rule waits on, through undecided conclusions too."""
    fields = {i.field for i in rule.when.items() if i.field is not None and i.field in open_fields}
    for name in rule.when.conclusions():
        if name in seen:
            continue
        for source in kb.rules_of("conclusion"):
            if source.concludes == name and truths[source.id] is UNKNOWN:
                fields |= _waiting_on(kb, source, open_fields, truths, seen + (name,))
    return fields


def outlook(kb: KnowledgeBase, answers: Mapping[str, Any], open_fields) -> Outlook:
    """Bound the triage levels and top conditions that the open fields could still lead to.

    Each undecided rule is assumed free to fire or not, independently of the others; that can
    only over-state what may change, never under-state it, so a settled outlook is really settled.
    """
    open_fields = frozenset(open_fields)
    truths = rule_truths(kb, answers, open_fields)
    rank = {lv.id: lv.rank for lv in kb.levels}
    consultation, self_care = rank["consultation"], rank["self_care"]

    # Red flags: a decided-true rule sets a level for sure; an undecided one may.
    certain = [rank[r.level] for r in kb.rules_of("red_flag") if truths[r.id] is TRUE]
    maybe = [rank[r.level] for r in kb.rules_of("red_flag") if truths[r.id] is UNKNOWN]
    # An alarm finding alone asks for a consultation (triage/assess.py), unless its flag fired.
    for (name, value) in alarm_findings(kb):
        if answers.get(name) == value:
            certain.append(consultation)
        elif name in open_fields:
            maybe.append(consultation)

    # The differential: each condition's log-odds lies between these bounds.
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for condition in kb.conditions:
        low[condition.id] = high[condition.id] = logit(condition.prior)
    for rule in kb.rules_of("evidence"):
        step = math.log(rule.lr)
        t = truths[rule.id]
        if t is TRUE:
            low[rule.condition] += step
            high[rule.condition] += step
        elif t is UNKNOWN:
            (high if step > 0 else low)[rule.condition] += step

    policy = kb.policy
    threshold = logit(policy["likely"])
    known_keys = sum(1 for name in policy["key_fields"] if answers.get(name) is not None)
    open_keys = sum(1 for name in policy["key_fields"] if name in open_fields)
    enough_keys_possible = known_keys + open_keys >= policy["minimum_key_answers"]
    too_few_keys_possible = known_keys < policy["minimum_key_answers"]

    refer = set(policy.get("refer_conditions", ()))
    # The posterior at which each condition is named: "likely", or "suspected" for a refer
    # condition that leads (assess._triage).
    name_at = {c: logit(policy["suspected"]) if c in refer and "suspected" in policy else threshold
               for c in low}

    def leads_surely(condition: str) -> bool:
        return all(low[condition] >= high[other] for other in low if other != condition)

    def could_lead(condition: str) -> bool:
        # Could this condition end on top and be named?
        return (enough_keys_possible and high[condition] >= name_at[condition]
                and all(high[condition] >= low[other] for other in low if other != condition))

    tops = {c for c in low if could_lead(c)}
    # Some condition is surely named when one is surely likely (whichever then leads is likely
    # too), or a refer condition surely leads at its "suspected" bar.
    surely_named = (max(low.values()) >= threshold
                    or any(low[c] >= name_at[c] and leads_surely(c) for c in refer & set(low)))
    if too_few_keys_possible or not surely_named:
        tops.add(None)   # the form could end with no condition named
    outcome = set()
    if tops & (set(low) - refer):
        outcome.add(self_care)
    if None in tops or tops & refer:
        outcome.add(consultation)
    # A flag that names another cause withholds the label (assess._triage). It leaves the level
    # as it was: its own level is among the red flags above, and the differential's is kept.
    other_cause = [truths[r.id] for r in kb.rules_of("red_flag") if r.other_cause]
    if TRUE in other_cause:
        tops = {None}
    elif UNKNOWN in other_cause:
        tops.add(None)

    most_urgent = min(certain + maybe + sorted(outcome))
    least_urgent = min(certain + [max(outcome)])

    # The open fields whose answer could move either bound: those of undecided evidence rules,
    # of undecided red flags more urgent than the least urgent level, alarm findings when they
    # would raise it, and key questions while the form could still be too thin to name a condition.
    live: set[str] = set()
    for rule in kb.rules:
        if truths[rule.id] is not UNKNOWN or rule.kind == "conclusion":
            continue
        if rule.kind == "evidence" or rank[rule.level] < least_urgent:
            live |= _waiting_on(kb, rule, open_fields, truths)
    if consultation < least_urgent:
        live |= {name for (name, _value) in alarm_findings(kb) if name in open_fields}
    if too_few_keys_possible and enough_keys_possible:
        live |= {name for name in policy["key_fields"] if name in open_fields}
    by_rank = {lv.rank: lv.id for lv in kb.levels}
    return Outlook(most_urgent=by_rank[most_urgent], least_urgent=by_rank[least_urgent],
                   tops=frozenset(tops), open_fields=open_fields, live_fields=frozenset(live))


# --- the session -------------------------------------------------------------------------------

class Session:
    """One questionnaire: the answers so far and the choice of the next question.

        session = Session(clinician=False)
        while (question := session.next_question()) is not None:
            session.answer(question.field, input(question.text))
        result = session.result()
    """

    def __init__(self, kb: KnowledgeBase | None = None, *, clinician: bool = False,
                 prefill: Form | Mapping[str, Any] | None = None, unknown=(), quick: bool = False):
        self.kb = kb or load_knowledge()
        self.clinician = clinician
        self.quick = quick      # True: the top condition need only resist any single answer
        form = prefill if isinstance(prefill, Form) or prefill is None else parse_form(prefill)
        self.form_id = form.form_id if form else None
        self.answers: dict[str, Any] = dict(form.answers) if form else {}
        self.unknown: set[str] = {name for name in unknown if name in self.kb.catalogue}
        self.prefilled = frozenset(self.answers) | frozenset(self.unknown)
        self.history: list[str] = []        # fields answered in this session, in order
        self.announced: set[str] = set()    # emergency flags already told
        self._redo: str | None = None       # a field to ask again (back, or a change)
        self._previous: Any = None
        self._cache: dict = {}
        self._uses = _rules_using(self.kb)

    @classmethod
    def from_contract(cls, mapping: Mapping[str, Any], kb: KnowledgeBase | None = None, **options) -> "Session":
        """Resume from a saved form; fields saved as unknown count as asked ("don't know")."""
        form = parse_form(mapping)   # raises FormError naming every bad field
        unknown = [str(k).strip() for k, v in mapping.items()
                   if str(k).strip() != "form_id" and str(k).strip() not in form.answers]
        return cls(kb, prefill=form, unknown=unknown, **options)

    # -- what can still be asked --

    def askable(self, name: str) -> bool:
        """Could this field be asked now or later (whatever is answered so far)?"""
        spec = self.kb.catalogue[name]
        if name == "form_id" or (spec.is_exam and not self.clinician):
            return False
        return not self._ruled_out(name)

    def _ruled_out(self, name: str) -> bool:
        # Its `requires` is answered otherwise (no injury: no injury mechanism). A "don't know"
        # there keeps the question: when in doubt, ask.
        requires = self.kb.catalogue[name].requires or {}
        return any(other in self.answers and self.answers[other] != value for other, value in requires.items())

    def is_open(self, name: str) -> bool:
        return name not in self.answers and name not in self.unknown and self.askable(name)

    def open_fields(self) -> frozenset:
        return frozenset(f.name for f in self.kb.catalogue.answerable() if self.is_open(f.name))

    def outlook(self) -> Outlook:
        key = ("outlook", self._state())
        if key not in self._cache:
            self._cache[key] = outlook(self.kb, self.answers, self.open_fields())
        return self._cache[key]

    def is_settled(self) -> bool:
        """The stop rule (docs/questionnaire.md).

        Settled when no combination of the remaining answers could change the triage level or
        the top condition (the bound of ``outlook``). With ``quick``, the top condition need only
        resist every single further answer; the level is never relaxed.
        """
        view = self.outlook()
        if not view.level_settled:
            return False
        if len(view.tops) == 1:
            return True
        return self.quick and self._top_settled_one_step(view)

    def _top_settled_one_step(self, view: Outlook) -> bool:
        key = ("one_step", self._state())
        if key not in self._cache:
            policy = self.kb.policy
            known = sum(1 for f in policy["key_fields"] if self.answers.get(f) is not None)
            reachable = known + sum(1 for f in policy["key_fields"] if f in view.open_fields)
            if known < policy["minimum_key_answers"] <= reachable:
                # Too thin to name a condition yet, but it need not stay so: one answer at a time
                # cannot show that, so keep asking the key questions.
                self._cache[key] = False
            else:
                # With one field open the bound covers exactly the values that one answer can take.
                now = outlook(self.kb, self.answers, ()).tops
                self._cache[key] = all(outlook(self.kb, self.answers, {name}).tops == now
                                       for name in sorted(view.live_fields))
        return self._cache[key]

    # -- the next question --

    def next_question(self) -> Question | None:
        """The question to ask now, or None when the result is settled (or nothing is left)."""
        if self._redo is not None:
            return self._question(self._redo, self._stage_of(self._redo), previous=self._previous_words())
        view = self.outlook()
        if not view.live_fields or self.is_settled():
            return None
        name, stage = self._choose(view)
        return self._question(name, stage)

    def _choose(self, view: Outlook) -> tuple[str, str]:
        kb = self.kb
        current = self.current()
        rank = {lv.id: lv.rank for lv in kb.levels}
        ranking = [c.id for c in current.differential]
        suggested = open_questions(kb, self.answers, ranking, current.triage_level, limit=None)
        weights = {q.field: q.weight for q in suggested}
        order = kb.catalogue.names
        live = view.live_fields
        truths = rule_truths(kb, self.answers, view.open_fields)

        # History before examination at every stage, as a clinician takes a history first.
        def pick(candidates, key):
            history = [f for f in candidates if not kb.catalogue[f].is_exam]
            pool = history or list(candidates)
            return min(pool, key=key) if pool else None

        # 1. Red flags that would raise the level, the most urgent first; among equals, the
        #    field that the most weight rests on (a gate such as onset or age comes first).
        urgency: dict[str, int] = {}
        for rule in kb.rules_of("red_flag"):
            if truths[rule.id] is UNKNOWN and rank[rule.level] < rank[current.triage_level]:
                for name in _waiting_on(kb, rule, view.open_fields, truths):
                    urgency[name] = min(urgency.get(name, 99), rank[rule.level])
        if rank["consultation"] < rank[current.triage_level]:
            # Before self-care is suggested, the warning signs that alone ask for a clinician.
            for (name, _value) in alarm_findings(kb):
                if name in live:
                    urgency[name] = min(urgency.get(name, 99), rank["consultation"])
        name = pick([f for f in urgency if f in live], lambda f: (urgency[f], -weights.get(f, 0.0), order.index(f)))
        if name:
            return name, RED_FLAGS
        # 2. The key questions the policy needs before it names a condition, in its order.
        policy = kb.policy
        known_keys = sum(1 for f in policy["key_fields"] if self.answers.get(f) is not None)
        if known_keys < policy["minimum_key_answers"]:
            for f in policy["key_fields"]:
                if f in live and not kb.catalogue[f].is_exam:
                    return f, BASICS
        # 3. What most separates the conditions in contention (the what-if weights).
        name = pick([f for f in weights if f in live], lambda f: (-weights[f], order.index(f)))
        if name:
            return name, NARROWING
        # An undecided rule the what-if ordering skips (it waits only through `none`).
        return pick(live, lambda f: order.index(f)), NARROWING

    def _previous_words(self) -> str | None:
        value, was_unknown = self._previous
        spec = self.kb.catalogue[self._redo]
        if value is not None:
            return spec.label(value)
        if was_unknown:
            return "not done" if spec.is_exam else "don't know"
        return None

    def _stage_of(self, name: str) -> str:
        uses = self._uses.get(name, ())
        return RED_FLAGS if any(r.kind == "red_flag" for r in uses) else NARROWING

    def _question(self, name: str, stage: str, previous: Any = None) -> Question:
        spec = self.kb.catalogue[name]
        text = spec.clinician if spec.is_exam else spec.patient
        return Question(field=name, text=text, type=spec.type, stage=stage, choices=_choices(spec),
                        accepted=accepted_answers(spec), help=spec.help, why=self._why(name),
                        previous=previous)

    def _why(self, name: str) -> tuple[Why, ...]:
        """The rules this answer feeds: those still undecided first (what it would unblock)."""
        kb = self.kb
        view = self.outlook()
        truths = rule_truths(kb, self.answers, view.open_fields | {name})
        uses = self._uses.get(name, ())
        pending = [r for r in uses if truths[r.id] is UNKNOWN]
        importance = _importance(kb)
        ordered = sorted(pending, key=importance) + sorted((r for r in uses if r not in pending), key=importance)
        return tuple(_describe(kb, r) for r in ordered[:4])

    # -- answering --

    def read(self, name: str, raw: Any) -> Any:
        """The canonical value of a typed answer: a choice number, a value or a spelling the
        catalogue accepts (the same as in forms); None for "don't know"."""
        if name not in self.kb.catalogue or name == "form_id":
            raise AnswerError(f"{name!r} is not a question of this questionnaire", "a catalogue field")
        spec = self.kb.catalogue[name]
        text = str(raw).strip() if raw is not None else ""
        if text == "":
            raise AnswerError("Please type an answer.", accepted_answers(spec))
        choices = _choices(spec)
        if choices and text.isdigit():
            number = int(text)
            if 1 <= number <= len(choices):
                return choices[number - 1].value
            raise AnswerError(f"There is no choice {number}.", accepted_answers(spec))
        try:
            return spec.read(text)
        except ValueProblem:
            raise AnswerError(f"{text!r} is not an answer to this question.", accepted_answers(spec)) from None

    def answer(self, name: str, raw: Any) -> Any:
        """Record an answer (raw text as typed); returns the canonical value (None = don't know)."""
        value = self.read(name, raw)
        self.answers.pop(name, None)
        self.unknown.discard(name)
        if value is None:
            self.unknown.add(name)
        else:
            self.answers[name] = value
        if name not in self.history:
            self.history.append(name)
        if self._redo == name:
            self._redo, self._previous = None, None
        self._drop_unreachable()
        return value

    def _drop_unreachable(self) -> None:
        # A changed answer can make another question moot (no injury: no injury mechanism).
        changed = True
        while changed:
            changed = False
            for name in list(self.answers) + sorted(self.unknown):
                if self._ruled_out(name):
                    self.answers.pop(name, None)
                    self.unknown.discard(name)
                    if name in self.history:
                        self.history.remove(name)
                    changed = True

    def reopen(self, name: str) -> str:
        """Ask a question again to change its answer; the old answer is kept as ``previous``."""
        if self._redo is not None and self._redo != name:
            self._restore()
        if self._redo != name:
            self._previous = (self.answers.pop(name, None), name in self.unknown)
            self.unknown.discard(name)
            self._redo = name
        return name

    def back(self) -> str | None:
        """Go back one question: the question before the current one is asked again.

        Returns that field, or None at the first question. Backing up past a question that is
        being asked again leaves its answer as it was."""
        earlier = self.history
        if self._redo is not None:
            if self._redo in self.history:
                earlier = self.history[:self.history.index(self._redo)]
            if not earlier:
                return None
            self._restore()
        if not earlier:
            return None
        return self.reopen(earlier[-1])

    def _restore(self) -> None:
        """Put back the answer of a question that was reopened and not answered again."""
        name, (value, was_unknown) = self._redo, self._previous
        if value is not None:
            self.answers[name] = value
        elif was_unknown:
            self.unknown.add(name)
        self._redo, self._previous = None, None

    # -- results --

    def form(self) -> Form:
        return parse_form({**({"form_id": self.form_id} if self.form_id else {}), **self.answers})

    def to_contract(self) -> dict:
        """The answers as a contract form; questions answered "don't know" are saved as unknown,
        so a resumed session does not ask them again."""
        out = self.form().to_contract()
        for name in self.kb.catalogue.names:
            if name in self.unknown:
                out[name] = "unknown"
        return out

    def current(self) -> Assessment:
        """The assessment of the answers so far (cached per state of the answers)."""
        key = ("assess", tuple(sorted(self.answers.items())))
        if key not in self._cache:
            self._cache[key] = assess(self.form(), kb=self.kb)
        return self._cache[key]

    def result(self) -> Assessment:
        return self.current()

    def new_emergencies(self) -> tuple[RedFlag, ...]:
        """Emergency red flags raised by the answers and not yet told (each is told once)."""
        found = tuple(f for f in self.current().red_flags
                      if f.level in EMERGENCY_LEVELS and f.id not in self.announced)
        self.announced |= {f.id for f in found}
        return found

    def summary(self) -> list[tuple[str, str, str]]:
        """(field, question, answer in words) for every question answered or prefilled."""
        out = []
        for spec in self.kb.catalogue.answerable():
            text = spec.clinician if spec.is_exam else spec.patient
            if spec.name in self.answers:
                out.append((spec.name, text, spec.label(self.answers[spec.name])))
            elif spec.name in self.unknown:
                out.append((spec.name, text, "not done" if spec.is_exam else "don't know"))
        return out

    @property
    def redoing(self) -> str | None:
        """The field being asked again (after back or a change from the summary), if any."""
        return self._redo

    @property
    def asked(self) -> int:
        return len(self.history)

    def estimate_remaining(self, guess: str = "unknown", limit: int = 60) -> int:
        """About how many more questions: the dialogue played on with a guessed answer to each
        ("no": yes/no questions answered no, the others "don't know")."""
        probe = Session(self.kb, clinician=self.clinician, prefill=self.form(), unknown=self.unknown,
                        quick=self.quick)
        probe._cache = self._cache
        count = 0
        while count < limit and (question := probe.next_question()) is not None:
            value = guess if guess != "no" or question.type == "yesno" else "unknown"
            probe.answer(question.field, value)
            count += 1
        return count

    def _state(self) -> tuple:
        return (tuple(sorted(self.answers.items())), tuple(sorted(self.unknown)), self.clinician)


# --- helpers -----------------------------------------------------------------------------------

def _choices(spec: Field) -> tuple[Choice, ...]:
    return tuple(Choice(i, value, spec.label(value)) for i, value in enumerate(spec.choices(), start=1))


def accepted_answers(spec: Field) -> str:
    """What a person may type, in words."""
    choices = _choices(spec)
    unknown = "u (don't know)" if spec.type != "exam" else "u (not done)"
    if choices:
        listed = ", ".join(f"{c.number} or {c.value}" for c in choices)
        return f"{listed}; {unknown}"
    return f"{spec.accepted()}; {unknown}"


def _rules_using(kb: KnowledgeBase) -> dict[str, list[RuleSpec]]:
    """field -> the red-flag and evidence rules that read it, directly or through a conclusion."""
    concluded_from: dict[str, set[str]] = {}
    for rule in kb.rules_of("conclusion"):
        concluded_from.setdefault(rule.concludes, set()).update(rule.when.fields())

    def fields_of(rule: RuleSpec, seen=()) -> set[str]:
        fields = set(rule.when.fields())
        for name in rule.when.conclusions():
            if name not in seen:
                fields |= concluded_from.get(name, set())
                for source in kb.rules_of("conclusion"):
                    if source.concludes == name:
                        fields |= fields_of(source, seen + (name,))
        return fields

    uses: dict[str, list[RuleSpec]] = {}
    for rule in kb.rules:
        if rule.kind != "conclusion":
            for name in fields_of(rule):
                uses.setdefault(name, []).append(rule)
    return uses


def _importance(kb: KnowledgeBase):
    """Sort key: red flags first (the most urgent first), then evidence by its weight, |ln LR|."""
    def key(rule: RuleSpec) -> tuple:
        if rule.kind == "red_flag":
            return (0, kb.level(rule.level).rank, rule.id)
        return (1, -abs(math.log(rule.lr)), rule.id)
    return key


def _describe(kb: KnowledgeBase, rule: RuleSpec) -> Why:
    if rule.kind == "red_flag":
        level = kb.level(rule.level)
        points_to = f"{kb.flag(rule.flag).patient_title} ({level.label.lower()})"
    else:
        direction = "for" if rule.lr > 1 else "against"
        points_to = f"{direction} {kb.condition(rule.condition).patient_title}"
    return Why(rule=rule.id, kind=rule.kind, title=rule.title, explanation=rule.explanation, points_to=points_to)
