"""The web's only door into the questionnaire: triage.questionnaire.Session, kept between requests.

The server keeps nothing between requests. A Conversation is rebuilt from the signed state that
travels with the browser (triage/web/tokens.py), driven by one action, and written back. Every
call into Session is in this module, so a change to the dialogue is met here and nowhere else.

A step is whatever ``Session.next_question()`` hands out. Its kind is its class name in lower
case (``Question`` -> ``question``); the page renders it with ``steps/<kind>.html.j2`` and the API
returns it as a JSON object with that ``kind``. The answers a step takes are its ``field``, or the
``field`` of each of its ``items`` (a checklist): each is read and recorded by ``Session.answer``.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Iterable, Mapping

from triage.assessment import Assessment
from triage.knowledge import KnowledgeBase, load_knowledge
from triage.questionnaire import AnswerError, Session

STATE_VERSION = 1
MODES = ("patient", "clinician")

# experta binds one engine per process to its rules (triage/assess.py), so two threads must not
# run it at once: every call that may run the engine holds this lock.
ENGINE_LOCK = threading.RLock()


class StateError(ValueError):
    """A state that is signed but does not describe a questionnaire (an old version, say)."""


def kind_of(step: Any) -> str:
    """The step's kind: its class name in lower case (the template and the API's ``kind``)."""
    return type(step).__name__.lower()


def fields_of(step: Any) -> list[str]:
    """The fields a step asks: its own, or those of its items (a checklist)."""
    if getattr(step, "field", None):
        return [step.field]
    return [item.field for item in getattr(step, "items", ())]


def describe(step: Any) -> dict:
    """A step as JSON: every field of its dataclass, and its kind."""
    data = dataclasses.asdict(step) if dataclasses.is_dataclass(step) else dict(vars(step))
    return {"kind": kind_of(step), **data}


class Conversation:
    """One questionnaire between two requests: the Session and what the web adds to it.

    The web adds only ``mode`` and ``interrupt`` (emergency red flags told on a page of their own
    that the person has not yet left). ``redo_value`` is the answer of a question reopened by
    back, so that a reopened question can be rebuilt from the saved state exactly as it was.
    """

    def __init__(self, session: Session, mode: str, interrupt: Iterable[str] = (), redo_value: Any = None):
        self.session = session
        self.mode = mode
        self.interrupt = list(interrupt)
        self.redo_value = redo_value

    # -- to and from the saved state --

    @classmethod
    def start(cls, mode: str = "patient", kb: KnowledgeBase | None = None) -> "Conversation":
        if mode not in MODES:
            raise StateError(f"mode must be one of {', '.join(MODES)}")
        return cls(Session(kb or load_knowledge(), clinician=mode == "clinician"), mode)

    @classmethod
    def restore(cls, state: Mapping[str, Any], kb: KnowledgeBase | None = None) -> "Conversation":
        try:
            if state.get("v") != STATE_VERSION or state.get("mode") not in MODES:
                raise StateError("the saved questionnaire is of another version")
            answers = dict(state["answers"])
            redo = state.get("redo")
            if redo:
                answers[redo] = state.get("redo_value", "unknown")
            with ENGINE_LOCK:
                session = Session.from_contract(answers, kb or load_knowledge(),
                                                clinician=state["mode"] == "clinician")
                session.history = [f for f in state["history"] if f in session.kb.catalogue]
                session.announced = set(state["announced"])
                if redo:
                    session.reopen(redo)
        except (KeyError, TypeError, ValueError) as error:   # FormError is a ValueError
            raise StateError(f"the saved questionnaire could not be read ({error})") from None
        return cls(session, state["mode"], state.get("interrupt", ()), state.get("redo_value"))

    def state(self) -> dict:
        session = self.session
        out = {"v": STATE_VERSION, "mode": self.mode, "answers": session.to_contract(),
               "history": list(session.history), "announced": sorted(session.announced),
               "interrupt": list(self.interrupt)}
        if session.redoing:
            out["redo"] = session.redoing
            out["redo_value"] = self.redo_value
        return out

    # -- what to show --

    def next_step(self) -> Any | None:
        """The step to ask now, or None when the questionnaire is done."""
        with ENGINE_LOCK:
            return self.session.next_question()

    def progress(self, step: Any) -> int:
        """This step's number in the questionnaire (a question asked again keeps its number).

        The terminal also says about how many questions are left, by playing the dialogue on to
        its end; it keeps its cache from question to question, but a page rebuilds the Session,
        and that replay would be most of each page's time (0.1 to 0.4 s). The page shows the stage
        instead."""
        history = self.session.history
        first = fields_of(step)[0] if fields_of(step) else None
        return history.index(first) + 1 if first in history else len(history) + 1

    @property
    def can_go_back(self) -> bool:
        return bool(self.session.history)

    def summary(self) -> list[tuple[str, str, str]]:
        return self.session.summary()

    def result(self) -> Assessment:
        with ENGINE_LOCK:
            return self.session.result()

    def contract(self) -> dict:
        return self.session.to_contract()

    def interrupted_by(self) -> list:
        """The red flags of the emergency page being shown, as in the current assessment."""
        return [f for f in self.result().red_flags if f.id in self.interrupt]

    # -- what the person does --

    def answer(self, fields: Iterable[str], posted: Mapping[str, Any]) -> dict[str, str]:
        """Record the answers to a step's fields from ``posted`` (field -> raw text). Returns the
        problems, field -> message with the accepted answers; nothing is recorded unless all fit."""
        session = self.session
        problems: dict[str, str] = {}
        values: list[tuple[str, Any]] = []
        for name in fields:
            raw = posted.get(name)
            try:
                session.read(name, raw)
                values.append((name, raw))
            except AnswerError as error:
                missing = raw is None or str(raw).strip() == ""
                message = "Please choose an answer." if missing else str(error)
                problems[name] = f"{message} Accepted: {error.accepted}."
        if problems:
            return problems
        with ENGINE_LOCK:
            for name, raw in values:
                session.answer(name, raw)
            if session.redoing is None:
                self.redo_value = None
            flags = session.new_emergencies()
        if flags:
            self.interrupt = [f.id for f in flags]
        return {}

    def back(self) -> bool:
        """Go back one question; False at the first one."""
        session = self.session
        before = session.to_contract()
        with ENGINE_LOCK:
            name = session.back()
        if name is None:
            return False
        self.redo_value = before.get(name, "unknown")
        return True

    def change(self, name: str) -> bool:
        """Ask an answered question again (from the summary); False if it was not answered."""
        session = self.session
        before = session.to_contract()
        if name not in before or name == "form_id":
            return False
        with ENGINE_LOCK:
            session.reopen(name)
        self.redo_value = before[name]
        return True

    def go_on(self) -> None:
        """Leave the emergency page and carry on with the questions."""
        self.interrupt = []


def next_for(answers: Mapping[str, Any], clinician: bool = False,
             kb: KnowledgeBase | None = None) -> tuple[Any | None, Assessment]:
    """For the API: the next step after a saved form (unknown = asked, don't know), and the
    assessment so far. Raises FormError naming every bad field."""
    with ENGINE_LOCK:
        session = Session.from_contract(answers, kb or load_knowledge(), clinician=clinician)
        return session.next_question(), session.result()
