"""Reading an intake form: every field checked against the catalogue, every problem reported."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

from triage.catalogue import Catalogue, ValueProblem, load_catalogue
from triage.safetext import valid_unicode


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form: the field, the value given and what would be accepted."""

    field: str
    value: Any
    message: str
    accepted: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class FormError(ValueError):
    """A form that does not follow the intake-form contract. Lists every problem at once."""

    def __init__(self, problems: list[Problem], form_id: str | None = None):
        self.problems = problems
        self.form_id = form_id
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Form:
    """A valid intake form. ``answers`` holds only the answered fields, in catalogue order."""

    form_id: str | None
    answers: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.answers.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.answers

    def with_answers(self, **changes: Any) -> "Form":
        """A copy with some answers changed (None removes an answer); values must be canonical."""
        merged = {**self.answers, **changes}
        return _ordered(self.form_id, {k: v for k, v in merged.items() if v is not None})

    def to_contract(self) -> dict:
        """The form as a contract mapping (what ``kneetriage score`` reads back)."""
        out = {"form_id": self.form_id} if self.form_id is not None else {}
        out.update(self.answers)
        return out


def _ordered(form_id: str | None, answers: Mapping[str, Any]) -> Form:
    catalogue = load_catalogue()
    return Form(form_id, {name: answers[name] for name in catalogue.names if name in answers})


def nearest_field(name: str, catalogue: Catalogue | None = None) -> str | None:
    catalogue = catalogue or load_catalogue()
    close = difflib.get_close_matches(str(name).strip().lower(), catalogue.names, n=1, cutoff=0.6)
    return close[0] if close else None


def parse_form(mapping: Mapping[str, Any], *, allow_unknown_fields: bool = False) -> Form:
    """Validate a contract mapping and return a Form, or raise FormError listing every problem.

    Field names are matched exactly (after trimming spaces). An unknown field name is an error
    with the nearest known name as a suggestion, unless ``allow_unknown_fields``.
    """
    if not isinstance(mapping, Mapping):
        raise FormError([Problem("(form)", mapping, "a form must be a mapping of field names to values")])
    catalogue = load_catalogue()
    problems: list[Problem] = []
    answers: dict[str, Any] = {}
    for raw_name, raw_value in mapping.items():
        name = str(raw_name).strip()
        if name not in catalogue:
            if allow_unknown_fields:
                continue
            suggestion = nearest_field(name, catalogue)
            hint = f"; did you mean {suggestion!r}?" if suggestion else ""
            # valid_unicode: a key may be a JSON lone surrogate; the message must still print.
            problems.append(Problem(valid_unicode(name) or "(blank field name)", raw_value, f"unknown field{hint}",
                                    accepted="a field of the intake-form contract"))
            continue
        spec = catalogue[name]
        try:
            value = spec.read(raw_value)
        except ValueProblem as problem:
            problems.append(Problem(name, raw_value, str(problem), problem.accepted))
            continue
        if value is not None:
            answers[name] = value
    form_id = answers.pop("form_id", None)
    if problems:
        raise FormError(problems, form_id=form_id)
    return _ordered(form_id, answers)
