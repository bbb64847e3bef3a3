"""The guided questionnaire's dialogue logic: which question next, when to stop, back and unknown.

No input or output happens here (triage/commands/ask.py does the terminal), so the dialogue can
be tested and simulated. The questions come from the field catalogue, their order and their
"why we ask" from the rules that use the answers, and the stop rule from a bound on what the
remaining answers could still change, the warning-sign screen included (rules/screen.yml:
no self-care until every screen item is answered). The first step is a checklist of the screen
items ("Do any of these apply?", a ``Checklist``), each line answered yes, no or don't know;
the other steps are ``Question``s. docs/questionnaire.md explains the order and the rule.

Open-world vs closed-world: the engine reads an unanswered field as "not present". During the
dialogue a field is *open* while it can still be asked, and *closed* once it is answered, was
answered "don't know", or can no longer be asked (its catalogue ``requires`` is not met, or it is
an examination finding and no clinician is answering). A rule is decided when its closed fields
decide it; it is undecided while it waits on open fields. Only undecided rules can still change
the result, so only their open fields are asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping

from triage.assess import assess
from triage.assessment import Assessment, RedFlag
from triage.catalogue import Field, ValueProblem
from triage.forms import Form, parse_form
from triage.knowledge import KnowledgeBase, RuleSpec, load_knowledge
from triage.matching import FALSE, TRUE, UNKNOWN, Item, When, all3, any3
from triage.screen import CLEARED, REPORTED
from triage.scoring import alarm_findings, log_odds_bounds, logit
from triage.whatif import open_questions

# The dialogue's stages, in the order a physiotherapist takes a history (see the module doc):
# the warning-sign checklist and its follow-ups, the other red flags, the history basics, and
# the questions that tell the conditions apart.
SCREEN, RED_FLAGS, BASICS, NARROWING = "screen", "red_flags", "basics", "narrowing"
SCREEN_KEY = "screen"       # the key of the warning-sign checklist (rules/screen.yml)
MORE_KEY = "more_warning_signs"   # the other warning signs, asked together before self-care
EMERGENCY_LEVELS = ("emergency_ambulance", "emergency")

# What a person may type besides an answer.
HELP_WORDS = {"?", "h", "help"}
BACK_WORDS = {"b", "back"}
QUIT_WORDS = {"q", "quit", "exit"}
# On a checklist: none of them apply, or "don't know" for every item.
NONE_WORDS = {"none", "no", "n", "0", "nothing"}
UNKNOWN_WORDS = {"u", "unknown", "don't know", "dont know", "do not know"}
CHECKLIST_ACCEPTED = ("none (none of them apply), or the numbers of those that apply (for example: 2 5); "
                      "put ? before a number you are not sure about (for example: 2 ?7); "
                      "u (don't know, for all of them)")


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
    kind = "question"

    @property
    def key(self) -> str:
        """What ``Session.answer`` takes: the field."""
        return self.field


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a checklist; answering it yes, no or don't know answers its fields."""

    number: int
    id: str                     # a screen item id (rules/screen.yml), or a field on a follow-up
    text: str
    fields: tuple[str, ...]     # the open fields this line answers, in order


@dataclass(frozen=True)
class Checklist:
    """One step that asks several yes / no / don't know items at once: "Do any of these apply?".

    A front end shows ``text`` and the numbered ``items`` and passes the answer to
    ``Session.answer(checklist.key, ...)``: typed text (see ``accepted``) or a mapping of item id
    to "yes", "no" or "unknown". What each answer does to the fields is the session's business
    (``Session.read_checklist`` and docs/questionnaire.md).
    """

    key: str                    # "screen", or "screen:<item id>" for a "which of these" follow-up
    text: str
    stage: str
    items: tuple[ChecklistItem, ...]
    accepted: str
    help: str
    why: tuple[Why, ...] = ()
    previous: tuple[tuple[str, str], ...] | None = None   # (item id, "yes" | "no" | "don't know")
    kind = "checklist"


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
    where_open: bool = False    # where it hurts could still be given (or still be missing)

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
    # (With the population priors and the evidence groups' caps, as score_conditions applies them.)
    low, high = log_odds_bounds(kb, answers, truths, open_fields)

    # The warning-sign screen and the history basics (rules/screen.yml, as assess() applies
    # them): an item that could end unanswered may keep the form at a consultation; one that
    # surely ends unanswered (closed, or answered "don't know") does.
    screen_open: set[str] = set()
    for item in kb.screen.items + kb.screen.history:
        could_be = possible_truths(kb, item.clear, answers, open_fields)
        if could_be == {UNKNOWN}:
            certain.append(consultation)
        elif UNKNOWN in could_be:
            maybe.append(consultation)
            screen_open |= item.clear.fields() & open_fields
    # Without where it hurts a condition is named only if it is likely all the same (assess:
    # otherwise insufficient information).
    where = next((i for i in kb.screen.history if i.id == "where"), None)
    where_could_be = possible_truths(kb, where.clear, answers, open_fields) if where else {TRUE}
    enough_keys_possible = TRUE in where_could_be
    too_few_keys_possible = UNKNOWN in where_could_be or FALSE in where_could_be

    policy = kb.policy
    threshold = logit(policy["likely"])

    refer = set(policy.get("refer_conditions", ()))
    # The posterior at which each condition is named: "likely", or "suspected" for a refer
    # condition that leads (assess._triage).
    name_at = {c: logit(policy["suspected"]) if c in refer and "suspected" in policy else threshold
               for c in low}

    def leads_surely(condition: str) -> bool:
        return all(low[condition] >= high[other] for other in low if other != condition)

    def could_lead(condition: str) -> bool:
        # Could this condition end on top and be named?
        return ((enough_keys_possible or high[condition] >= threshold) and high[condition] >= name_at[condition]
                and all(high[condition] >= low[other] for other in low if other != condition))

    tops = {c for c in low if could_lead(c)}
    # Some condition is surely named when one is surely likely (whichever then leads is likely
    # too), or a refer condition surely leads at its "suspected" bar.
    surely_named = (max(low.values()) >= threshold
                    or any(low[c] >= name_at[c] and leads_surely(c) for c in refer & set(low)))
    if (too_few_keys_possible and max(low.values()) < threshold) or not surely_named:
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
    # of undecided red flags more urgent than the least urgent level, alarm findings and open
    # screen items when they would raise it, and where it hurts while no condition can be named.
    live: set[str] = set()
    for rule in kb.rules:
        if truths[rule.id] is not UNKNOWN or rule.kind == "conclusion":
            continue
        # A flag that names another cause moves the top condition even at the level reached.
        names_other = rule.kind == "red_flag" and rule.other_cause and tops - {None}
        if rule.kind == "evidence" or rank[rule.level] < least_urgent or names_other:
            live |= _waiting_on(kb, rule, open_fields, truths)
    if consultation < least_urgent:
        live |= {name for (name, _value) in alarm_findings(kb) if name in open_fields}
        live |= screen_open
    if too_few_keys_possible and enough_keys_possible:
        live |= where.clear.fields() & open_fields
    by_rank = {lv.rank: lv.id for lv in kb.levels}
    return Outlook(most_urgent=by_rank[most_urgent], least_urgent=by_rank[least_urgent],
                   tops=frozenset(tops), open_fields=open_fields, live_fields=frozenset(live),
                   where_open=too_few_keys_possible and enough_keys_possible)


def _possible_kleene(sets: list[set], stop: Any, go: Any) -> set:
    """The truths a Kleene AND (stop=FALSE, go=TRUE) or OR (stop=TRUE, go=FALSE) of items can
    take, each item's possible truths given as a set."""
    out = set()
    if any(stop in s for s in sets):
        out.add(stop)
    if all(go in s for s in sets):
        out.add(go)
    if all(s - {stop} for s in sets) and any(UNKNOWN in s for s in sets):
        out.add(UNKNOWN)
    return out


def possible_truths(kb: KnowledgeBase, when: When, answers: Mapping[str, Any], open_fields) -> set:
    """Every truth (TRUE, FALSE, UNKNOWN) that ``when.truth`` could take once the open fields are
    answered or answered "don't know"; a closed unanswered field stays unanswered.

    Each item is taken as free of the others, so the set can only be too large, never too small
    (the same conservative bound as ``outlook``). Used for the screen items (no conclusions).
    """
    def of(item: Item) -> set:
        if item.field is not None and item.field in open_fields:
            choices = kb.catalogue[item.field].choices()
            return ({item.holds(v) for v in choices} if choices else {TRUE, FALSE}) | {UNKNOWN}
        return {item.truth(answers, {})}

    result_all = _possible_kleene([of(i) for i in when.all], stop=FALSE, go=TRUE)
    result_any = _possible_kleene([of(i) for i in when.any], stop=TRUE, go=FALSE) if when.any else {TRUE}
    # `none`: an item that holds blocks; an unanswered field never blocks (When.truth).
    nones = [of(i) for i in when.none]
    can_block = any(TRUE in s for s in nones)
    can_pass = all(s - {TRUE} for s in nones)
    out = set()
    if FALSE in result_all or FALSE in result_any or can_block:
        out.add(FALSE)
    if can_pass and TRUE in result_all and TRUE in result_any:
        out.add(TRUE)
    if can_pass and result_all - {FALSE} and result_any - {FALSE} and UNKNOWN in result_all | result_any:
        out.add(UNKNOWN)
    return out


# --- the session -------------------------------------------------------------------------------

class Session:
    """One questionnaire: the answers so far and the choice of the next step.

        session = Session(clinician=False)
        while (step := session.next_question()) is not None:
            session.answer(step.key, input(step.text))   # a Question, or a Checklist
        result = session.result()

    The first step is the warning-sign checklist (a ``Checklist``); the others are ``Question``s.
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
        self.history: list[str] = []        # the steps taken in this session (fields, checklist keys)
        self.announced: set[str] = set()    # emergency flags already told
        self.ticks: dict[str, dict[str, str | None]] = {}   # checklist key -> item id -> yes/no/None
        self._presented: dict[str, Checklist] = {}          # checklists answered, as they were shown
        self._offered: dict[str, Checklist] = {}            # checklists shown, not yet answered
        self._direct: dict[str, dict[str, Any]] = {}        # checklist key -> the fields it set
        self._unrestricted: set[str] = set()                # fields changed from the summary
        self._urgency: dict[str, int] = {}                  # warning-sign fields of the last choice
        self._redo: str | None = None       # a step to ask again (back, or a change)
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
        the top condition (the bound of ``outlook``, which includes the warning-sign screen: an
        open screen item keeps self-care out of reach until it is answered). With ``quick``, the
        top condition need only resist every single further answer; the level is never relaxed.
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
            if view.where_open:
                # Where it hurts is not given yet, so no condition can be named; it need not stay
                # so, and one answer at a time cannot show that: keep asking.
                self._cache[key] = False
            else:
                # With one field open the bound covers exactly the values that one answer can take.
                now = outlook(self.kb, self.answers, ()).tops
                self._cache[key] = all(outlook(self.kb, self.answers, {name}).tops == now
                                       for name in sorted(view.live_fields))
        return self._cache[key]

    # -- the next step --

    def next_question(self) -> Question | Checklist | None:
        """The step to take now (a Question or a Checklist), or None when the result is settled
        (or nothing is left)."""
        if self._redo is not None:
            return self._again(self._redo)
        # The follow-ups of the checklist come at once: they finish the answer given to it.
        follow = self._follow_up()
        if follow is not None:
            return follow
        view = self.outlook()
        if not view.live_fields or self.is_settled():
            return None
        checklist = self._screen_checklist(view)
        if checklist is not None:
            return checklist
        name, stage = self._choose(view)
        if stage == RED_FLAGS:
            more = self._more_checklist(view)
            if more is not None:
                return more
        return self._question(name, stage)

    def _more_checklist(self, view: Outlook) -> Checklist | None:
        """Once the answers point to self-management, the other yes/no warning signs that could
        still change that, together on one list (once); a number (weeks, pain score) is asked alone."""
        if MORE_KEY in self._presented or self.current().triage_level != "self_care":
            return None
        catalogue = self.kb.catalogue
        fields = [f for f in sorted(self._urgency, key=lambda f: (self._urgency[f], catalogue.names.index(f)))
                  if f in view.live_fields and catalogue[f].type == "yesno" and not catalogue[f].is_exam]
        if len(fields) < 2:
            return None
        items = tuple(ChecklistItem(n, f, catalogue[f].clinician if self.clinician else catalogue[f].patient, (f,))
                      for n, f in enumerate(fields, start=1))
        checklist = Checklist(
            key=MORE_KEY, text="Do any of these apply?",
            stage=RED_FLAGS, items=items, accepted=CHECKLIST_ACCEPTED,
            help=("Each of these alone means a clinician should see the knee. Self-management is "
                  "suggested only when none of them applies."),
            why=self._why_many(fields))
        self._offered[MORE_KEY] = checklist
        return checklist

    def _screen_checklist(self, view: Outlook) -> Checklist | None:
        """The warning signs on one screen, first; once only (later changes go field by field)."""
        if SCREEN_KEY in self._presented:
            return None
        items = []
        for item in self.kb.screen.items:
            fields = tuple(f for f in item.ask if self.is_open(f))
            if fields:
                text = item.title if self.clinician else item.patient
                items.append(ChecklistItem(len(items) + 1, item.id, text, fields))
        if not any(f in view.live_fields for item in items for f in item.fields):
            return None
        checklist = Checklist(
            key=SCREEN_KEY, text="Do any of these apply?", stage=SCREEN, items=tuple(items),
            accepted=CHECKLIST_ACCEPTED,
            help=("The warning signs that would mean a clinician should see the knee. Self-management "
                  "is suggested only when each of them is answered: \"don't know\" is not a no, so a "
                  "sign you are not sure about keeps the advice at seeing a clinician."),
            why=self._why_many([f for item in items for f in item.fields]))
        self._offered[SCREEN_KEY] = checklist
        return checklist

    def _follow_up(self) -> Question | Checklist | None:
        """What a checklist answer leaves open: which of two signs applies, or how much (swelling)."""
        screen = self._presented.get(SCREEN_KEY)
        if screen is None:
            return None
        ticks = self.ticks.get(SCREEN_KEY, {})
        for item in screen.items:
            tick = ticks.get(item.id)
            if tick is None:
                continue
            fields = [f for f in item.fields if self.is_open(f)]
            if not fields:
                continue
            if tick == "yes" and len(item.fields) > 1 and all(self.kb.catalogue[f].type == "yesno" for f in fields):
                key = f"{SCREEN_KEY}:{item.id}"
                if key not in self.ticks:
                    return self._which_checklist(key, fields)
                continue
            return self._question(fields[0], SCREEN)
        return None

    def _which_checklist(self, key: str, fields) -> Checklist:
        catalogue = self.kb.catalogue
        items = tuple(ChecklistItem(n, f, catalogue[f].clinician if self.clinician else catalogue[f].patient, (f,))
                      for n, f in enumerate(fields, start=1))
        checklist = Checklist(key=key, text="Which of these apply?", stage=SCREEN, items=items,
                              accepted=CHECKLIST_ACCEPTED, help="You said yes to this warning sign: which part of it applies?",
                              why=self._why_many(fields))
        self._offered[key] = checklist
        return checklist

    def _again(self, key: str) -> Question | Checklist:
        if _is_checklist(key):
            ticks = self._previous[1]
            words = tuple((item_id, _tick_words(t)) for item_id, t in ticks.items())
            return replace(self._presented[key], previous=words)
        return self._question(key, self._stage_of(key), previous=self._previous_words())

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
            for name in kb.screen.fields():
                if name in live:
                    urgency[name] = min(urgency.get(name, 99), rank["consultation"])
        self._urgency = {f: u for f, u in urgency.items() if f in live}
        name = pick([f for f in urgency if f in live], lambda f: (urgency[f], -weights.get(f, 0.0), order.index(f)))
        if name:
            return name, RED_FLAGS
        # 2. The history basics of the screen (where it hurts, how it started, one provocation),
        #    in the screen's order.
        for item in kb.screen.history:
            if item.status(self.answers) != CLEARED:
                # Of several ways to give it (the provocations), the one that tells most first.
                name = pick([f for f in item.ask if f in live and not kb.catalogue[f].is_exam],
                            lambda f: (-weights.get(f, 0.0), item.ask.index(f)))
                if name:
                    return name, BASICS
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
        if any(name in item.fields for c in self._presented.values() for item in c.items):
            return SCREEN
        uses = self._uses.get(name, ())
        return RED_FLAGS if any(r.kind == "red_flag" for r in uses) else NARROWING

    def _question(self, name: str, stage: str, previous: Any = None) -> Question:
        spec = self.kb.catalogue[name]
        text = spec.clinician if spec.is_exam else spec.patient
        choices = self._choices_of(name)
        return Question(field=name, text=text, type=spec.type, stage=stage, choices=choices,
                        accepted=accepted_answers(spec, choices), help=spec.help, why=self._why(name),
                        previous=previous)

    def _allowed(self, name: str) -> tuple | None:
        """The values a checklist answer leaves for a field (no injury: gradual or sudden), or None."""
        screen = self._presented.get(SCREEN_KEY)
        if screen is None or name in self._unrestricted or self.kb.catalogue[name].type == "yesno":
            return None
        for item in screen.items:
            tick = self.ticks.get(SCREEN_KEY, {}).get(item.id)
            if name in item.fields and tick is not None:
                return _values_for(self.kb, item.id, name, tick) or None
        return None

    def _choices_of(self, name: str) -> tuple[Choice, ...]:
        spec = self.kb.catalogue[name]
        allowed = self._allowed(name)
        values = [v for v in spec.choices() if allowed is None or v in allowed]
        return tuple(Choice(i, v, spec.label(v)) for i, v in enumerate(values, start=1))

    def _why(self, name: str) -> tuple[Why, ...]:
        """The rules this answer feeds: those still undecided first (what it would unblock)."""
        return self._why_many([name])

    def _why_many(self, names) -> tuple[Why, ...]:
        kb = self.kb
        view = self.outlook()
        truths = rule_truths(kb, self.answers, view.open_fields | set(names))
        uses = list(dict.fromkeys(r for name in names for r in self._uses.get(name, ())))
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
        choices = self._choices_of(name)
        accepted = accepted_answers(spec, choices)
        if text == "":
            raise AnswerError("Please type an answer.", accepted)
        if choices and text.isdigit():
            number = int(text)
            if 1 <= number <= len(choices):
                return choices[number - 1].value
            raise AnswerError(f"There is no choice {number}.", accepted)
        try:
            value = spec.read(text)
        except ValueProblem:
            raise AnswerError(f"{text!r} is not an answer to this question.", accepted) from None
        if value is not None and spec.choices() and value not in {c.value for c in choices}:
            raise AnswerError(f"{text!r} does not fit your answer to the checklist (type b to change that).",
                              accepted)
        return value

    def read_checklist(self, checklist: Checklist, raw: Any) -> dict[str, str | None]:
        """A checklist answer as item id -> "yes", "no" or None (don't know).

        Typed text: ``none``; the numbers that apply (``2 5``), every other item being a no;
        ``?N`` for don't know on item N (``2 ?7``, or ``?7`` alone); ``u`` for don't know on all.
        A mapping (a web form) gives every item's id its own yes / no / unknown."""
        ids = [item.id for item in checklist.items]
        if isinstance(raw, Mapping):
            missing = [i for i in ids if i not in raw]
            if missing:
                raise AnswerError(f"No answer for {', '.join(missing)}.", checklist.accepted)
            out = {}
            for i in ids:
                word = str(raw[i]).strip().lower()
                if word in ("yes", "y", "true"):
                    out[i] = "yes"
                elif word in ("no", "n", "false"):
                    out[i] = "no"
                elif word in UNKNOWN_WORDS:
                    out[i] = None
                else:
                    raise AnswerError(f"{raw[i]!r} is not yes, no or unknown ({i}).", checklist.accepted)
            return out
        text = " ".join(str(raw or "").replace(",", " ").split()).lower()
        if text == "":
            raise AnswerError("Please type an answer.", checklist.accepted)
        if text in UNKNOWN_WORDS:
            return {i: None for i in ids}
        out: dict[str, str | None] = {i: "no" for i in ids}
        said: dict[int, str | None] = {}
        for token in text.split():
            if token in NONE_WORDS:
                continue
            value, digits = ("yes", token) if not token.startswith("?") else (None, token[1:])
            if not digits.isdigit():
                raise AnswerError(f"{token!r} is not an answer to this list.", checklist.accepted)
            number = int(digits)
            if not 1 <= number <= len(ids):
                raise AnswerError(f"There is no item {number}.", checklist.accepted)
            if number in said and said[number] != value:
                raise AnswerError(f"Item {number} is given twice, with and without ?.", checklist.accepted)
            said[number] = value
        if any(v == "yes" for v in said.values()) and any(w in NONE_WORDS for w in text.split()):
            raise AnswerError("'none' and the numbers of items that apply do not go together.", checklist.accepted)
        for number, value in said.items():
            out[ids[number - 1]] = value
        return out

    def answer(self, key: str, raw: Any) -> Any:
        """Record an answer to a step: for a question, raw text as typed, returning the canonical
        value (None = don't know); for a checklist (its key), text or a mapping, returning the
        item ticks (``read_checklist``)."""
        if _is_checklist(key):
            return self._answer_checklist(key, raw)
        name = key
        value = self.read(name, raw)
        self._set(name, value)
        self._close_step(name)
        return value

    def _set(self, name: str, value: Any) -> None:
        """Record one field's answer (None: don't know)."""
        self.answers.pop(name, None)
        self.unknown.discard(name)
        if value is None:
            self.unknown.add(name)
        else:
            self.answers[name] = value

    def _close_step(self, key: str) -> None:
        """After a question or a checklist is answered: into the history, redo done."""
        if key not in self.history:
            self.history.append(key)
        if self._redo == key:
            self._redo, self._previous = None, None
        self._drop_unreachable()

    def _answer_checklist(self, key: str, raw: Any) -> dict[str, str | None]:
        checklist = self._presented.get(key) if self._redo == key else self._offered.get(key)
        if checklist is None:
            raise AnswerError(f"{key!r} is not a checklist of this questionnaire", "a checklist key")
        ticks = self.read_checklist(checklist, raw)
        before = self._previous[1] if self._redo == key else self.ticks.get(key)
        for item in checklist.items:
            if before is not None and before.get(item.id) != ticks[item.id]:
                self._forget_follow_ups(key, item)
        self.ticks[key] = ticks
        self._presented[key] = checklist
        self._offered.pop(key, None)
        direct: dict[str, Any] = {}
        for item in checklist.items:
            direct.update(self._effects(key, item, ticks[item.id]))
        for name, value in direct.items():
            self._set(name, value)
        self._direct[key] = direct
        self._close_step(key)
        return ticks

    def _effects(self, key: str, item: ChecklistItem, tick: str | None) -> dict[str, Any]:
        """The fields one checklist line answers at once: field -> value (None: don't know).

        Don't know: every field unknown. No: a yes/no field "no", a choice field its one value
        that is no warning sign (if several, a follow-up asks which). Yes: a lone yes/no field
        "yes"; two fields, a "which of these" follow-up; a choice field its one warning value (if
        several, a follow-up asks which: moderate or marked swelling)."""
        fields = [f for f in item.fields if self.is_open(f)]
        if tick is None:
            return {f: None for f in fields}
        if key != SCREEN_KEY:      # a list of yes/no fields, one a line
            return {f: tick for f in fields}
        out: dict[str, Any] = {}
        for f in fields:
            if self.kb.catalogue[f].type == "yesno":
                if tick == "no" or len(item.fields) == 1:
                    out[f] = tick
            else:
                values = _values_for(self.kb, item.id, f, tick)
                if len(values) == 1:
                    out[f] = values[0]
        return out

    def _forget_follow_ups(self, key: str, item: ChecklistItem) -> None:
        """A checklist line answered otherwise: what its follow-ups recorded no longer holds."""
        for name in item.fields:
            self.answers.pop(name, None)
            self.unknown.discard(name)
            if name in self.history:
                self.history.remove(name)
        sub = f"{key}:{item.id}"
        for store in (self.ticks, self._presented, self._direct, self._offered):
            store.pop(sub, None)
        if sub in self.history:
            self.history.remove(sub)

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
        """Ask a question again to change its answer (from the summary); the old answer is kept
        as ``previous``. A field the checklist answered is asked on its own, with every choice."""
        self._unrestricted.add(name)
        return self._reopen(name)

    def _reopen(self, key: str) -> str:
        if self._redo is not None and self._redo != key:
            self._restore()
        if self._redo != key:
            if _is_checklist(key):
                direct = self._direct.get(key, {})
                values = {f: (self.answers.pop(f, None), f in self.unknown) for f in direct}
                self.unknown.difference_update(direct)
                self._previous = (values, dict(self.ticks.get(key, {})))
            else:
                self._previous = (self.answers.pop(key, None), key in self.unknown)
                self.unknown.discard(key)
            self._redo = key
        return key

    def back(self) -> str | None:
        """Go back one step: the question (or checklist) before the current one is asked again.

        Returns that step's key, or None at the first step. Backing up past a step that is
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
        return self._reopen(earlier[-1])

    def _restore(self) -> None:
        """Put back the answer of a step that was reopened and not answered again."""
        key, previous = self._redo, self._previous
        if _is_checklist(key):
            for name, (value, was_unknown) in previous[0].items():
                if value is not None:
                    self.answers[name] = value
                elif was_unknown:
                    self.unknown.add(name)
        else:
            value, was_unknown = previous
            if value is not None:
                self.answers[key] = value
            elif was_unknown:
                self.unknown.add(key)
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
        """The step being asked again (after back or a change from the summary), if any."""
        return self._redo

    @property
    def asked(self) -> int:
        """Steps answered in this session; a checklist counts as one."""
        return len(self.history)

    @property
    def checklists(self) -> int:
        """How many of the steps answered were checklists."""
        return sum(1 for key in self.history if _is_checklist(key))

    @property
    def checklist_fields(self) -> int:
        """How many fields the checklists answered at once (their follow-ups aside)."""
        return sum(len(direct) for key, direct in self._direct.items() if key in self.history)

    def estimate_remaining(self, guess: str = "unknown", limit: int = 60) -> int:
        """About how many more steps: the dialogue played on with a guessed answer to each
        ("no": yes/no questions answered no, a checklist "none", a choice its first offer, the
        others "don't know")."""
        probe = Session(self.kb, clinician=self.clinician, prefill=self.form(), unknown=self.unknown,
                        quick=self.quick)
        probe._cache = self._cache
        probe.ticks = {k: dict(v) for k, v in self.ticks.items()}
        probe._presented = dict(self._presented)
        probe._unrestricted = set(self._unrestricted)
        count = 0
        while count < limit and (step := probe.next_question()) is not None:
            if step.kind == "checklist":
                value = "none" if guess == "no" else "u"
            elif guess != "no" or step.type == "yesno":
                value = guess
            else:
                value = step.choices[0].value if step.choices and step.type != "exam" else "unknown"
            probe.answer(step.key, value)
            count += 1
        return count

    def _state(self) -> tuple:
        return (tuple(sorted(self.answers.items())), tuple(sorted(self.unknown)), self.clinician)


def checklist_reply(kb: KnowledgeBase, checklist: Checklist, answers: Mapping[str, Any]) -> dict[str, str]:
    """What a filled-in form says to a checklist: item id -> "yes", "no" or "unknown".

    A screen item is "no" when the form clears it, "yes" when it reports the warning sign, and
    "unknown" when the form leaves it open; a line of one field follows that field. For scripts
    that play a form through the questionnaire (the tests, benchmarks/questionnaire_agreement.py).
    """
    out = {}
    for item in checklist.items:
        if checklist.key == SCREEN_KEY:
            status = kb.screen.item(item.id).status(answers)
            out[item.id] = {CLEARED: "no", REPORTED: "yes"}.get(status, "unknown")
        else:
            value = answers.get(item.fields[0])
            out[item.id] = "unknown" if value is None else str(value)
    return out


# --- helpers -----------------------------------------------------------------------------------

def _is_checklist(key: str | None) -> bool:
    return key is not None and (key in (SCREEN_KEY, MORE_KEY) or key.startswith(SCREEN_KEY + ":"))


def _tick_words(tick: str | None) -> str:
    return "don't know" if tick is None else tick


def _values_for(kb: KnowledgeBase, item_id: str, name: str, tick: str) -> tuple:
    """The values of a choice field that a checklist "no" (no warning sign) or "yes" leaves."""
    clear = kb.screen.item(item_id).clear
    clearing = [v for v in kb.catalogue[name].choices() if clear.truth({name: v}, {}) is TRUE]
    if tick == "no":
        return tuple(clearing)
    return tuple(v for v in kb.catalogue[name].choices() if v not in clearing)

def _choices(spec: Field) -> tuple[Choice, ...]:
    return tuple(Choice(i, value, spec.label(value)) for i, value in enumerate(spec.choices(), start=1))


def accepted_answers(spec: Field, choices: tuple[Choice, ...] | None = None) -> str:
    """What a person may type, in words."""
    choices = _choices(spec) if choices is None else choices
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
