"""Which step comes next, and when the questionnaire stops (the stop rule)."""

from __future__ import annotations

from triage.dialogue.bound import Outlook, _waiting_on, outlook, rule_truths
from triage.dialogue.steps import BASICS, NARROWING, RED_FLAGS, SCREEN, Checklist, Question
from triage.matching import UNKNOWN
from triage.scoring import alarm_findings
from triage.screen import CLEARED
from triage.whatif import open_questions

# How many of the questions that could change the result a clinician's summary lists
# (triage/commands/assess.py): an examination test among them is asked before stopping.
SHOWN = 5


class Selection:
    """Part of ``Session``: what can still be asked, the stop rule and the next step."""

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

    def next_question(self) -> Question | Checklist | None:
        """The step to take now (a Question or a Checklist), or None when the result is settled
        (or nothing is left). A clinician is asked the examination tests to do next before that."""
        if self._redo is not None:
            return self._again(self._redo)
        # The follow-ups of the checklist come at once: they finish the answer given to it.
        follow = self._follow_up()
        if follow is not None:
            return follow
        view = self.outlook()
        if not view.live_fields or self.is_settled():
            exam = self.exam_to_do()
            return self._question(exam[0], NARROWING) if exam else None
        checklist = self._screen_checklist(view)
        if checklist is not None:
            return checklist
        name, stage = self._choose(view)
        if stage == RED_FLAGS:
            more = self._more_checklist(view)
            if more is not None:
                return more
        return self._question(name, stage)

    def exam_to_do(self) -> list[str]:
        """With a clinician, the open examination tests that the result would list as "to do
        next" (they bear on the conditions in contention), most informative first, or among the
        questions that could change the result.

        The bound may settle the level and the leading condition without them, but a clinician
        who is there to examine should not be told, once the questions stop, which tests could
        still change the picture: so they are asked first ("u" = not done closes each)."""
        result = self.current()
        if not self.clinician or not result.names_conditions:
            return []
        listed = [t.field for t in result.exam_tests] + [q.field for q in result.open_questions[:SHOWN]]
        return [f for f in dict.fromkeys(listed) if self.kb.catalogue[f].is_exam and self.is_open(f)]

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

    def _stage_of(self, name: str) -> str:
        if any(name in item.fields for c in self._presented.values() for item in c.items):
            return SCREEN
        uses = self._uses.get(name, ())
        return RED_FLAGS if any(r.kind == "red_flag" for r in uses) else NARROWING
