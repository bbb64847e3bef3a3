"""Back, change and what an answer makes moot: the order of the steps taken."""

from __future__ import annotations

from typing import Any

from triage.dialogue.steps import _is_checklist


class History:
    """Part of ``Session``: the steps taken, going back, asking again, and putting answers back."""

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
