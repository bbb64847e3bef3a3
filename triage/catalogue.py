"""The field catalogue (rules/fields.yml): what a form may say, and how to read each value."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage.paths import RULES_DIR
from triage.safetext import has_surrogates, short_repr
from triage.yamlfile import read_yaml

# Spellings accepted besides the canonical values (the contract welcomes these).
YES = {"yes", "y", "true", "t", "1"}
NO = {"no", "n", "false", "f", "0"}
UNKNOWN = {"unknown", "u", "unk", "dont_know", "don't know", "dont know", "not known", "?"}
EXAM_POSITIVE = {"positive", "pos", "+"}
EXAM_NEGATIVE = {"negative", "neg", "-"}
EXAM_NOT_DONE = {"not_done", "not done", "notdone", "nd"} | UNKNOWN

# A number as text: ASCII digits, an optional fraction and a short exponent. float() alone would
# also take "1_0", Arabic-Indic or full-width digits and "1e0000001".
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")

_OPPOSITE = {"yes": "no", "no": "yes"}

# The canonical values each type accepts, as the error messages list them.
ACCEPTED = {
    "yesno": ["yes", "no", "unknown"],
    "exam": ["positive", "negative", "not_done"],
}


class ValueProblem(ValueError):
    """A value that does not fit its field; the message names the accepted values."""

    def __init__(self, message: str, accepted: str):
        super().__init__(message)
        self.accepted = accepted


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    group: str
    patient: str
    clinician: str
    help: str = ""
    values: tuple[str, ...] = ()
    value_labels: dict = field(default_factory=dict, compare=False, hash=False)
    min: float | None = None
    max: float | None = None
    requires: dict = field(default_factory=dict, compare=False, hash=False)
    # A yes/no field named for what is missing (unable_to_bear_weight) is asked the positive way
    # round ("Can you take four steps?"), so that nobody has to answer "no, I am not unable".
    positive_question: str = ""

    @property
    def is_exam(self) -> bool:
        return self.group == "exam"

    @property
    def question(self) -> str:
        """The question as a questionnaire asks it (``patient``, or its positive form)."""
        return self.positive_question or self.patient

    def from_question(self, answer: Any) -> Any:
        """The stored value of an answer to ``question``: a yes to the positive form is a no."""
        return _OPPOSITE.get(answer, answer) if self.positive_question else answer

    def to_question(self, value: Any) -> Any:
        """The answer to ``question`` that a stored value means (the inverse of from_question)."""
        return self.from_question(value)

    def accepted(self) -> str:
        """The accepted values in words, for error messages and help."""
        if self.type in ACCEPTED:
            return ", ".join(ACCEPTED[self.type])
        if self.type == "enum":
            return ", ".join(self.values)
        if self.type in ("integer", "number"):
            kind = "a whole number" if self.type == "integer" else "a number"
            return f"{kind} from {_num(self.min)} to {_num(self.max)}"
        return "any text"

    def choices(self) -> list[str]:
        """The answers a person picks from (unknown is always allowed besides these)."""
        if self.type == "yesno":
            return ["yes", "no"]
        if self.type == "exam":
            return ["positive", "negative"]
        if self.type == "enum":
            return [v for v in self.values if v not in ("unknown", "not_done")]
        return []

    def label(self, value: Any) -> str:
        return str(self.value_labels.get(value, value))

    def read(self, raw: Any) -> Any:
        """The canonical value of ``raw`` (None for unknown), or ValueProblem."""
        if raw is None:
            return None
        if isinstance(raw, (dict, list, tuple, set)):      # no field holds a nested value
            raise self._problem(raw)
        if isinstance(raw, str):
            text = raw.strip()
            if text == "":
                return None
        else:
            text = raw
        reader = getattr(self, f"_read_{self.type}")
        return reader(text)

    def _problem(self, raw: Any) -> ValueProblem:
        return ValueProblem(f"{short_repr(raw)} is not accepted; accepted values: {self.accepted()}",
                            self.accepted())

    def _read_text(self, raw: Any) -> Any:
        text = str(raw)
        if has_surrogates(text):
            raise ValueProblem(f"{short_repr(text)} holds characters that are not text (bytes that were not "
                               f"UTF-8, or a lone surrogate escape)", "valid UTF-8 text")
        return text

    def _read_yesno(self, raw: Any) -> Any:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        key = str(raw).strip().lower()
        if key in YES:
            return "yes"
        if key in NO:
            return "no"
        if key in UNKNOWN:
            return None
        raise self._problem(raw)

    def _read_exam(self, raw: Any) -> Any:
        key = str(raw).strip().lower()
        if key in EXAM_POSITIVE:
            return "positive"
        if key in EXAM_NEGATIVE:
            return "negative"
        if key in EXAM_NOT_DONE:
            return None
        raise self._problem(raw)

    def _read_enum(self, raw: Any) -> Any:
        key = str(raw).strip().lower().replace(" ", "_").replace("-", "_")
        if key in self.values:
            # "unknown" (sex) and "not_done" (effusion) are listed values that mean unknown.
            return None if key in ("unknown", "not_done") else key
        if key in {u.replace(" ", "_") for u in UNKNOWN}:
            return None
        raise self._problem(raw)

    def _read_integer(self, raw: Any) -> Any:
        number = self._read_number(raw)
        if number is not None and number != int(number):
            raise self._problem(raw)
        return None if number is None else int(number)

    def _read_number(self, raw: Any) -> Any:
        if isinstance(raw, bool):
            raise self._problem(raw)
        if isinstance(raw, str) and raw.strip().lower() in UNKNOWN:
            return None
        if isinstance(raw, str) and not _NUMBER_TEXT.fullmatch(raw.strip()):
            raise self._problem(raw)
        try:
            number = float(raw)
        except (TypeError, ValueError, OverflowError):    # OverflowError: an int of 400 digits
            raise self._problem(raw) from None
        if math.isnan(number) or not (self.min <= number <= self.max):
            raise self._problem(raw)
        return int(number) if number == int(number) else number


def _num(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if x == int(x) else str(x))


@dataclass(frozen=True)
class Catalogue:
    fields: tuple[Field, ...]

    def __post_init__(self):
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "_names", tuple(f.name for f in self.fields))

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.fields)

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def answerable(self) -> list[Field]:
        """Every field but the identifier: the questions a form can answer."""
        return [f for f in self.fields if f.name != "form_id"]


@lru_cache(maxsize=None)
def load_catalogue(path: str | None = None) -> Catalogue:
    source = RULES_DIR / "fields.yml" if path is None else path
    if path is not None and Path(path) == RULES_DIR / "fields.yml":
        return load_catalogue()
    entries = read_yaml(source)
    fields = []
    for entry in entries:
        entry = dict(entry)
        entry["values"] = tuple(entry.get("values", ()))
        fields.append(Field(**entry))
    return Catalogue(tuple(fields))
