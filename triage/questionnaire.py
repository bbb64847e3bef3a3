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

from typing import Any, Mapping

from triage.assess import assess
from triage.assessment import Assessment, RedFlag
from triage.dialogue.bound import Outlook, outlook, possible_truths, rule_truths
from triage.dialogue.checklists import Checklists, checklist_reply
from triage.dialogue.contract import Contract
from triage.dialogue.history import History
from triage.dialogue.questions import Questions, question_reply
from triage.dialogue.reading import Reading, accepted_answers
from triage.dialogue.selection import Selection
from triage.dialogue.steps import (
    BACK_WORDS, BASICS, CHECKLIST_ACCEPTED, EMERGENCY_LEVELS, HELP_WORDS, MORE_KEY, NARROWING, NONE_WORDS,
    QUIT_WORDS, RED_FLAGS, SCREEN, SCREEN_KEY, UNKNOWN_WORDS, AnswerError, Checklist, ChecklistItem, Choice,
    Question, Why, interpret, _is_checklist,
)
from triage.dialogue.why import _rules_using
from triage.forms import Form, parse_form
from triage.knowledge import KnowledgeBase, load_knowledge

__all__ = [
    "BACK_WORDS", "CHECKLIST_ACCEPTED", "HELP_WORDS", "NONE_WORDS", "QUIT_WORDS", "UNKNOWN_WORDS",
    "BASICS", "MORE_KEY", "NARROWING", "RED_FLAGS", "SCREEN", "SCREEN_KEY", "AnswerError", "Checklist",
    "ChecklistItem", "Choice", "Outlook", "Question", "Session", "Why", "accepted_answers", "checklist_reply",
    "interpret", "outlook", "possible_truths", "question_reply", "rule_truths",
]


class Session(Selection, Checklists, Questions, Reading, History, Contract):
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

    def estimate_remaining(self, guess: str = "unknown", limit: int = 60) -> int:
        """About how many more steps: the dialogue played on with a guessed answer to each
        ("no": every yes/no field stored "no", a checklist "none", a choice its first offer, the
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
                value = self.kb.catalogue[step.field].to_question(guess)   # "no" as stored
            else:
                value = step.choices[0].value if step.choices and step.type != "exam" else "unknown"
            probe.answer(step.key, value)
            count += 1
        return count

    def _state(self) -> tuple:
        return (tuple(sorted(self.answers.items())), tuple(sorted(self.unknown)), self.clinician)

