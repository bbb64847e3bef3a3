"""The checklists: the warning signs on one list, their follow-ups, and what a tick answers."""

from __future__ import annotations

from typing import Any, Mapping

from triage.dialogue.bound import Outlook
from triage.dialogue.steps import (
    CHECKLIST_ACCEPTED, MORE_KEY, RED_FLAGS, SCREEN, SCREEN_KEY, AnswerError, Checklist, ChecklistItem, Question,
)
from triage.knowledge import KnowledgeBase
from triage.matching import TRUE
from triage.screen import CLEARED, REPORTED


class Checklists:
    """Part of ``Session``: building the checklists and applying their answers to the fields."""

    def _more_checklist(self, view: Outlook) -> Checklist | None:
        """Once the answers point to self-management, the other yes/no warning signs that could
        still change that, together on one list (once); a number (weeks, pain score) is asked alone."""
        if MORE_KEY in self._presented or self.current().triage_level != "self_care":
            return None
        catalogue = self.kb.catalogue
        fields = [f for f in sorted(self._urgency, key=lambda f: (self._urgency[f], catalogue.names.index(f)))
                  if f in view.live_fields and catalogue[f].type == "yesno" and not catalogue[f].is_exam
                  # A field asked the positive way round is asked on its own: as a line that
                  # "applies", its wording would be the double negative its question avoids.
                  and not catalogue[f].positive_question]
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


def _values_for(kb: KnowledgeBase, item_id: str, name: str, tick: str) -> tuple:
    """The values of a choice field that a checklist "no" (no warning sign) or "yes" leaves."""
    clear = kb.screen.item(item_id).clear
    clearing = [v for v in kb.catalogue[name].choices() if clear.truth({name: v}, {}) is TRUE]
    if tick == "no":
        return tuple(clearing)
    return tuple(v for v in kb.catalogue[name].choices() if v not in clearing)


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

