"""What an assessment says: plain dataclasses that every interface reads and serialises."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

DISCLAIMER = (
    "kneetriage supports, and does not replace, the judgement of a clinician. It cannot examine "
    "you. If you are worried, or your knee gets worse, seek medical care; in an emergency call "
    "your local emergency number."
)


@dataclass(frozen=True)
class Finding:
    """One answer that a rule used: the field, its value, and how a clinician reads it."""

    field: str
    value: object
    text: str


@dataclass(frozen=True)
class RuleUse:
    """A fired rule, with the findings it rested on and its source keys."""

    rule: str
    title: str
    explanation: str
    findings: tuple[Finding, ...]
    cite: tuple[str, ...]
    lr: float | None = None
    basis: str | None = None
    strength: str | None = None


@dataclass(frozen=True)
class RedFlag:
    id: str
    title: str
    level: str
    advice: str
    rules: tuple[RuleUse, ...]
    cite: tuple[str, ...]
    # The overall triage level when it is more urgent than this flag's own: its advice then
    # comes after that more urgent instruction (None when this flag sets the level).
    covered_by: str | None = None


@dataclass(frozen=True)
class Screening:
    """The warning-sign screen of one form (ids of rules/screen.yml): what was checked, what
    was reported, and what was never asked, which is not a "no"."""

    complete: bool
    checked: tuple[str, ...]
    reported: tuple[str, ...]
    not_asked: tuple[str, ...]
    history_missing: tuple[str, ...]     # where it hurts / how it started / what provokes it
    not_asked_titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionResult:
    id: str
    title: str
    rank: int
    score: float             # posterior probability, 0-1
    prior: float
    status: str              # likely | possible | unlikely
    supporting: tuple[RuleUse, ...]
    opposing: tuple[RuleUse, ...]
    # The population factors behind ``prior`` (rules/priors.yml), e.g. "sex female: odds x1.5",
    # and the evidence groups whose cap held them back (rules/conditions/*.yml, `groups`).
    prior_factors: tuple[str, ...] = ()
    capped_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why the triage level is what it is; ``rules`` is empty for a policy reason."""

    text: str
    level: str
    rules: tuple[str, ...] = ()
    cite: tuple[str, ...] = ()


@dataclass(frozen=True)
class Triage:
    level: str
    label: str
    timeframe: str
    action: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class OpenQuestion:
    """An unanswered field whose answer could change the result, and why."""

    field: str
    question: str
    exam: bool
    weight: float
    why: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class ExamTest:
    """A confirmatory examination test for a leading condition, with its accuracy."""

    field: str
    name: str
    condition: str
    lr_positive: float | None
    lr_negative: float | None
    basis: str
    cite: tuple[str, ...]
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    form_id: str | None
    outcome: str             # likely | suspected | no_clear_fit | insufficient_information | other_cause
    outcome_text: str
    top_condition: str | None
    triage: Triage
    red_flags: tuple[RedFlag, ...]
    differential: tuple[ConditionResult, ...]
    conclusions: dict = field(default_factory=dict)
    open_questions: tuple[OpenQuestion, ...] = ()
    exam_tests: tuple[ExamTest, ...] = ()
    answers: dict = field(default_factory=dict)
    kb_version: str = ""
    screen: Screening | None = None
    disclaimer: str = DISCLAIMER

    @property
    def triage_level(self) -> str:
        return self.triage.level

    @property
    def names_conditions(self) -> bool:
        """Whether any condition may be offered by name, even as "possible": the outcome decides,
        so no output says "too little to name a condition" and then names one. Not when the form
        says too little, nor when a red flag names another cause to rule out first."""
        return self.outcome not in ("insufficient_information", "other_cause")

    @property
    def red_flag_ids(self) -> list[str]:
        return [flag.id for flag in self.red_flags]

    def score(self, condition: str) -> float:
        return next(c.score for c in self.differential if c.id == condition)

    def to_dict(self) -> dict:
        """Everything, JSON-ready (the JSON and JSON Lines outputs)."""
        full = _plain(self)
        top = self.differential[0] if self.differential else None
        # The contract's fields first: red_flags are ids in order of urgency; the details follow.
        return {
            "form_id": self.form_id,
            "status": "ok",
            "triage_level": self.triage.level,
            "red_flags": self.red_flag_ids,
            "top_condition": self.top_condition,
            "top_score": round(top.score, 4) if top and self.top_condition else None,
            "outcome": self.outcome,
            "outcome_text": self.outcome_text,
            "differential": full["differential"],
            "triage": full["triage"],
            "red_flag_details": full["red_flags"],
            "warning_sign_screen": full["screen"],
            "conclusions": full["conclusions"],
            "open_questions": full["open_questions"],
            "exam_tests": full["exam_tests"],
            "answers": full["answers"],
            "kb_version": self.kb_version,
            "disclaimer": self.disclaimer,
        }


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value):
    """dataclasses.asdict() for these dataclasses, with the same result (tuples stay tuples),
    faster: asdict deep-copies every scalar, and batch scoring calls to_dict() for every form.
    Scalars are returned as they are, as deepcopy returns str, int, float, bool and None; they
    are most of the leaves, so they are tested inline rather than in a call each."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        return kind([item if type(item) in _SCALARS else _plain(item) for item in value])
    if kind is dict:
        return {(k if type(k) in _SCALARS else _plain(k)): (v if type(v) in _SCALARS else _plain(v))
                for k, v in value.items()}
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not hasattr(kind, "__dataclass_fields__"):
            return copy.deepcopy(value)
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    out = {}
    for name in names:
        item = getattr(value, name)
        out[name] = item if type(item) in _SCALARS else _plain(item)
    return out
