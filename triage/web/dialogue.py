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

STATE_VERSION = 3
MODES = ("patient", "clinician")

# experta binds one engine per process to its rules (triage/assess.py), so two threads must not
# run it at once: every call that may run the engine holds this lock.
ENGINE_LOCK = threading.RLock()


class StateError(ValueError):
    """A state that is signed but does not describe a questionnaire (an old version, say)."""


def kind_of(step: Any) -> str:
    """The step's kind: its class name in lower case (the template and the API's ``kind``)."""
    return type(step).__name__.lower()


ITEM_SEPARATOR = "::"


def fields_of(step: Any) -> list[str]:
    """The names a step's page posts: the question's field, or one per checklist line
    (``<checklist key>::<item id>``, answered yes, no or unknown)."""
    if getattr(step, "field", None):
        return [step.field]
    key = getattr(step, "key", "")
    return [f"{key}{ITEM_SEPARATOR}{item.id}" for item in getattr(step, "items", ())]


def describe(step: Any) -> dict:
    """A step as JSON: every field of its dataclass, and its kind."""
    data = dataclasses.asdict(step) if dataclasses.is_dataclass(step) else dict(vars(step))
    return {"kind": kind_of(step), **data}


class Conversation:
    """One questionnaire between two requests: the Session and what the web adds to it.

    The saved state is the list of what the person did (answered a step, went back, changed an
    answer), and the Session is rebuilt by doing it again: the dialogue's own state (which
    checklist lines were ticked, what their follow-ups are) then lives in one place, the Session,
    and is never copied. The web adds only ``mode`` and ``interrupt`` (emergency red flags told
    on a page of their own that the person has not yet left).
    """

    def __init__(self, session: Session, mode: str, interrupt: Iterable[str] = (), actions=()):
        self.session = session
        self.mode = mode
        self.interrupt = list(interrupt)
        self.actions: list[list] = [list(a) for a in actions]

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
            actions = [list(a) for a in state["actions"]]
            with ENGINE_LOCK:
                session = Session(kb or load_knowledge(), clinician=state["mode"] == "clinician")
                for action in actions:
                    _do(session, action)
            # The emergencies already told are saved, not found again by assessing after every
            # saved answer: that was two thirds of the time of a page.
            session.announced = {str(flag) for flag in state["told"]}
        except (KeyError, TypeError, ValueError, IndexError) as error:   # AnswerError is a ValueError
            raise StateError(f"the saved questionnaire could not be read ({error})") from None
        return cls(session, state["mode"], state.get("interrupt", ()), actions)

    def state(self) -> dict:
        return {"v": STATE_VERSION, "mode": self.mode, "actions": self.actions,
                "told": sorted(self.session.announced), "interrupt": list(self.interrupt)}

    # -- what to show --

    def next_step(self) -> Any | None:
        """The step to ask now, or None when the questionnaire is done."""
        with ENGINE_LOCK:
            return self.session.next_question()

    def progress(self, step: Any) -> int:
        """This step's number in the questionnaire (a step asked again keeps its number).

        The terminal also says about how many questions are left, by playing the dialogue on to
        its end; a page shows the stage instead, since that replay would be most of its time."""
        history = self.session.history
        first = getattr(step, "field", None) or getattr(step, "key", None)
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
        """Record the answers to a step's names from ``posted`` (name -> raw text): question
        fields, or checklist lines (``key::item``). Returns the problems, name -> message with
        the accepted answers; nothing is recorded unless all fit."""
        session = self.session
        problems: dict[str, str] = {}
        steps: list[tuple[str, Any]] = []
        checklists: dict[str, dict[str, Any]] = {}
        for name in fields:
            raw = posted.get(name)
            missing = raw is None or str(raw).strip() == ""
            if ITEM_SEPARATOR in name:
                key, item = name.split(ITEM_SEPARATOR, 1)
                if missing:
                    problems[name] = "Please choose an answer. Accepted: yes, no, unknown."
                checklists.setdefault(key, {})[item] = raw
                continue
            try:
                session.read(name, raw)
                steps.append((name, raw))
            except AnswerError as error:
                message = "Please choose an answer." if missing else str(error)
                problems[name] = f"{message} Accepted: {error.accepted}."
        if problems:
            return problems
        steps += list(checklists.items())
        with ENGINE_LOCK:
            for key, raw in steps:
                try:
                    _do(session, ["a", key, raw])
                except AnswerError as error:     # a checklist answer that does not fit
                    return {f"{key}{ITEM_SEPARATOR}{item}": f"{error} Accepted: {error.accepted}."
                            for item in (raw if isinstance(raw, dict) else {})} or {key: str(error)}
                self.actions.append(["a", key, raw])
            flags = session.new_emergencies()
        if flags:
            self.interrupt = [f.id for f in flags]
        return {}

    def back(self) -> bool:
        """Go back one step; False at the first one."""
        with ENGINE_LOCK:
            name = self.session.back()
        if name is None:
            return False
        self.actions.append(["b"])
        return True

    def change(self, name: str) -> bool:
        """Ask an answered question again (from the summary); False if it was not answered."""
        if name not in self.session.to_contract() or name == "form_id":
            return False
        with ENGINE_LOCK:
            self.session.reopen(name)
        self.actions.append(["c", name])
        return True

    def go_on(self) -> None:
        """Leave the emergency page and carry on with the questions."""
        self.interrupt = []


def _do(session: Session, action: list) -> None:
    """One action: ["a", key, answer], ["b"] (back) or ["c", field] (change)."""
    kind = action[0]
    if kind == "a":
        if action[1] not in session.kb.catalogue:
            session.next_question()      # a checklist is answered as the session offered it
        session.answer(action[1], action[2])
    elif kind == "b":
        session.back()
    elif kind == "c":
        session.reopen(action[1])
    else:
        raise ValueError(f"unknown action {kind!r}")


def next_for(answers: Mapping[str, Any], clinician: bool = False,
             kb: KnowledgeBase | None = None) -> tuple[Any | None, Assessment]:
    """For the API: the next step after a saved form (unknown = asked, don't know), and the
    assessment so far. Raises FormError naming every bad field."""
    with ENGINE_LOCK:
        session = Session.from_contract(answers, kb or load_knowledge(), clinician=clinician)
        return session.next_question(), session.result()
