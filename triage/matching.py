"""What a rule's ``when`` means: items over form fields and conclusions.

The semantics live here once. The experta compiler turns each item into a field constraint
whose predicate is ``Item.holds``, and the what-if analysis (triage/whatif.py) evaluates the same
items in three-valued logic to find the questions that could still change the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# Three-valued truth for the what-if analysis: an item over an unanswered field is UNKNOWN.
TRUE, FALSE, UNKNOWN = True, False, None


@dataclass(frozen=True)
class Item:
    """One test in a rule's ``when``: a field against values, or a named conclusion."""

    field: str | None = None            # a form field, or None for a conclusion
    equals: tuple = ()                  # the field has one of these values
    excludes: tuple = ()                # the field is answered and has none of these values
    min: float | None = None
    max: float | None = None
    concluded: str | None = None        # an intermediate conclusion

    def holds(self, value: Any) -> bool:
        """Does a field value satisfy the item? An unanswered field (None) never does."""
        if value is None:
            return False
        if self.equals:
            return value in self.equals
        if self.excludes:
            return value not in self.excludes
        if not isinstance(value, (int, float)):
            return False
        if self.min is not None and value < self.min:
            return False
        if self.max is not None and value > self.max:
            return False
        return True

    def truth(self, answers: Mapping[str, Any], conclusions: Mapping[str, Any]) -> Any:
        """TRUE, FALSE or UNKNOWN, given the answers and a map of conclusion -> truth."""
        if self.concluded is not None:
            return conclusions.get(self.concluded, FALSE)
        value = answers.get(self.field)
        if value is None:
            return UNKNOWN
        return self.holds(value)

    def describe(self, catalogue) -> str:
        """The item in plain words, for rule listings and docs."""
        if self.concluded is not None:
            return f"conclusion {self.concluded!r} holds"
        spec = catalogue[self.field]
        name = spec.clinician
        if self.equals:
            values = " or ".join(spec.label(v) for v in self.equals)
            return f"{name}: {values}"
        if self.excludes:
            values = ", ".join(spec.label(v) for v in self.excludes)
            return f"{name}: answered, and not {values}"
        if self.min is not None and self.max is not None:
            return f"{name} from {_n(self.min)} to {_n(self.max)}"
        if self.min is not None:
            return f"{name} at least {_n(self.min)}"
        return f"{name} at most {_n(self.max)}"


def _n(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


@dataclass(frozen=True)
class When:
    all: tuple[Item, ...] = ()
    any: tuple[Item, ...] = ()
    none: tuple[Item, ...] = ()

    def items(self):
        return self.all + self.any + self.none

    def fields(self) -> set[str]:
        return {i.field for i in self.items() if i.field is not None}

    def conclusions(self) -> set[str]:
        return {i.concluded for i in self.items() if i.concluded is not None}

    def truth(self, answers: Mapping[str, Any], conclusions: Mapping[str, Any]) -> Any:
        """Three-valued truth of the whole ``when`` (Kleene logic).

        It stops at the first false part: the what-if analysis asks this of every rule for
        every form, and most rules fail on their first item.
        """
        result = TRUE
        for item in self.all:
            t = item.truth(answers, conclusions)
            if t is FALSE:
                return FALSE
            if t is UNKNOWN:
                result = UNKNOWN
        if self.any:
            t = any3(i.truth(answers, conclusions) for i in self.any)
            if t is FALSE:
                return FALSE
            if t is UNKNOWN:
                result = UNKNOWN
        # An unanswered field never blocks through none: it reads as "not present".
        for item in self.none:
            t = item.truth(answers, conclusions)
            if t is TRUE:
                return FALSE
            if t is UNKNOWN and item.concluded:
                result = UNKNOWN
        return result


def all3(values) -> Any:
    """Kleene AND of three-valued truths (TRUE, FALSE, UNKNOWN)."""
    result = TRUE
    for v in values:
        if v is FALSE:
            return FALSE
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def any3(values) -> Any:
    """Kleene OR of three-valued truths."""
    result = FALSE
    for v in values:
        if v is TRUE:
            return TRUE
        if v is UNKNOWN:
            result = UNKNOWN
    return result


def parse_item(raw: Mapping[str, Any]) -> Item:
    """Read one YAML item (see docs/authoring-rules.md); raise ValueError if malformed."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ValueError(f"an item is a mapping with exactly one key, got {raw!r}")
    (key, spec), = raw.items()
    if key == "concluded":
        return Item(concluded=str(spec))
    if isinstance(spec, list):
        return Item(field=key, equals=tuple(spec))
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"not", "min", "max"}
        if unknown or not spec:
            raise ValueError(f"{key}: unknown test {sorted(unknown) or spec!r}; use a value, a list, or not/min/max")
        if "not" in spec:
            return Item(field=key, excludes=tuple(spec["not"]))
        return Item(field=key, min=spec.get("min"), max=spec.get("max"))
    return Item(field=key, equals=(spec,))


def parse_when(raw: Mapping[str, Any]) -> When:
    if not isinstance(raw, Mapping) or not raw or set(raw) - {"all", "any", "none"}:
        raise ValueError(f"when needs all/any/none lists, got {raw!r}")
    return When(**{k: tuple(parse_item(i) for i in raw.get(k) or ()) for k in ("all", "any", "none")})
