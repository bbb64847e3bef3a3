"""A field as a Question: its wording, its choices and why it is asked."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from triage.dialogue.bound import rule_truths
from triage.dialogue.checklists import _values_for
from triage.dialogue.reading import accepted_answers
from triage.dialogue.steps import SCREEN_KEY, Checklist, Choice, Question, Why, _is_checklist, _tick_words
from triage.dialogue.why import _describe, _importance
from triage.matching import UNKNOWN


class Questions:
    """Part of ``Session``: the Question for a field, asked for the first time or again."""

    def _again(self, key: str) -> Question | Checklist:
        if _is_checklist(key):
            ticks = self._previous[1]
            words = tuple((item_id, _tick_words(t)) for item_id, t in ticks.items())
            return replace(self._presented[key], previous=words)
        return self._question(key, self._stage_of(key), previous=self._previous_words())

    def _previous_words(self) -> str | None:
        value, was_unknown = self._previous
        spec = self.kb.catalogue[self._redo]
        if value is not None:
            return spec.label(spec.to_question(value))
        if was_unknown:
            return "not done" if spec.is_exam else "don't know"
        return None

    def _question(self, name: str, stage: str, previous: Any = None) -> Question:
        spec = self.kb.catalogue[name]
        text = spec.clinician if spec.is_exam else spec.question
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


def question_reply(kb, question: Question, answers) -> str:
    """What a filled-in form says to a question, as a person would type it ("unknown" when the
    form has no value): a stored unable_to_bear_weight "no" answers "Can you take four steps?"
    with "yes". For scripts that play a form through the questionnaire (``checklist_reply`` for
    a checklist)."""
    value = answers.get(question.field)
    return "unknown" if value is None else str(kb.catalogue[question.field].to_question(value))
