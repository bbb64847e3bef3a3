"""What the questionnaire shows (a Question or a Checklist) and the words a person may type."""

from __future__ import annotations

from dataclasses import dataclass

from triage.catalogue import ValueProblem

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


def _is_checklist(key: str | None) -> bool:
    return key is not None and (key in (SCREEN_KEY, MORE_KEY) or key.startswith(SCREEN_KEY + ":"))


def _tick_words(tick: str | None) -> str:
    return "don't know" if tick is None else tick

