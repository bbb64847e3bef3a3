"""The warning-sign screen (rules/screen.yml): which warning signs a form has cleared, which it
reports, and which it never answered.

Self-care needs every screen item cleared and the history basics given (where it hurts, how it
started, one provocation). An unanswered item is not a "no": assess() keeps such a form at
consultation or above and names the items, and the questionnaire asks them first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from triage.matching import FALSE, TRUE, When

CLEARED, REPORTED, NOT_ASKED = "cleared", "reported", "not_asked"


@dataclass(frozen=True)
class ScreenItem:
    """One warning sign (or one piece of history) and how a form clears it."""

    id: str
    title: str                     # clinician words
    patient: str                   # plain words
    ask: tuple[str, ...]           # the fields the questionnaire asks for it, in order
    clear: When

    def status(self, answers: Mapping[str, Any]) -> str:
        truth = self.clear.truth(answers, {})
        return CLEARED if truth is TRUE else REPORTED if truth is FALSE else NOT_ASKED


@dataclass(frozen=True)
class Screen:
    items: tuple[ScreenItem, ...]      # the warning signs
    history: tuple[ScreenItem, ...]    # where, how, what provokes it
    cite: tuple[str, ...] = ()

    def fields(self) -> tuple[str, ...]:
        """Every field the screen asks, in order, once each."""
        return tuple(dict.fromkeys(f for item in self.items for f in item.ask))

    def check(self, answers: Mapping[str, Any]) -> "ScreenResult":
        status = {item.id: item.status(answers) for item in self.items}
        history = {item.id: item.status(answers) for item in self.history}
        return ScreenResult(
            cleared=tuple(i for i, s in status.items() if s == CLEARED),
            reported=tuple(i for i, s in status.items() if s == REPORTED),
            not_asked=tuple(i for i, s in status.items() if s == NOT_ASKED),
            history_missing=tuple(i for i, s in history.items() if s != CLEARED),
        )

    def item(self, item_id: str) -> ScreenItem:
        return next(i for i in self.items + self.history if i.id == item_id)


@dataclass(frozen=True)
class ScreenResult:
    """What one form says about the screen; ids refer to rules/screen.yml."""

    cleared: tuple[str, ...]           # answered, with no warning sign
    reported: tuple[str, ...]          # answered with a warning sign
    not_asked: tuple[str, ...]         # not answered: not a "no"
    history_missing: tuple[str, ...]   # where / how / provocation not given

    @property
    def complete(self) -> bool:
        """Every warning sign answered and the history basics given (a reported sign still
        counts as answered: its red-flag rules decide the level)."""
        return not self.not_asked and not self.history_missing

    @property
    def checked(self) -> tuple[str, ...]:
        return self.cleared + self.reported

    @property
    def allows_self_care(self) -> bool:
        return self.complete and not self.reported


def titles(screen: Screen, ids, audience: str = "clinician") -> list[str]:
    """The screen items' titles in the audience's words, in screen order."""
    wanted = set(ids)
    return [(i.patient if audience == "patient" else i.title)
            for i in screen.items + screen.history if i.id in wanted]
