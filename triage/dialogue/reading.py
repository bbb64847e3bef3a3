"""Reading a typed answer: a choice number, a value or any spelling a form accepts."""

from __future__ import annotations

from typing import Any, Mapping

from triage.catalogue import Field, ValueProblem
from triage.dialogue.steps import NONE_WORDS, UNKNOWN_WORDS, AnswerError, Checklist, Choice
from triage.safetext import short_repr


class Reading:
    """Part of ``Session``: a typed answer as the field's value, or AnswerError saying what fits."""

    def read(self, name: str, raw: Any) -> Any:
        """The canonical value of a typed answer: a choice number, a value or a spelling the
        catalogue accepts (the same as in forms); None for "don't know". The answer is to the
        question as asked (``Field.question``), the value is the contract's: a "yes" to "Can you
        take four steps on the leg?" is unable_to_bear_weight = "no"."""
        if name not in self.kb.catalogue or name == "form_id":
            raise AnswerError(f"{name!r} is not a question of this questionnaire", "a catalogue field")
        spec = self.kb.catalogue[name]
        text = str(raw).strip() if raw is not None else ""
        choices = self._choices_of(name)
        accepted = accepted_answers(spec, choices)
        if text == "":
            raise AnswerError("Please type an answer.", accepted)
        if choices and text.isdigit():
            number = int(text)
            if 1 <= number <= len(choices):
                return spec.from_question(choices[number - 1].value)
            raise AnswerError(f"There is no choice {number}.", accepted)
        try:
            value = spec.read(text)
        except ValueProblem:
            raise AnswerError(f"{short_repr(text)} is not an answer to this question.", accepted) from None
        if value is not None and spec.choices() and value not in {c.value for c in choices}:
            raise AnswerError(f"{short_repr(text)} does not fit your answer to the checklist (type b to change that).",
                              accepted)
        return spec.from_question(value)

    def read_checklist(self, checklist: Checklist, raw: Any) -> dict[str, str | None]:
        """A checklist answer as item id -> "yes", "no" or None (don't know).

        Typed text: ``none``; the numbers that apply (``2 5``), every other item being a no;
        ``?N`` for don't know on item N (``2 ?7``, or ``?7`` alone); ``u`` for don't know on all.
        A mapping (a web form) gives every item's id its own yes / no / unknown."""
        ids = [item.id for item in checklist.items]
        if isinstance(raw, Mapping):
            missing = [i for i in ids if i not in raw]
            if missing:
                raise AnswerError(f"No answer for {', '.join(missing)}.", checklist.accepted)
            out = {}
            for i in ids:
                word = str(raw[i]).strip().lower()
                if word in ("yes", "y", "true"):
                    out[i] = "yes"
                elif word in ("no", "n", "false"):
                    out[i] = "no"
                elif word in UNKNOWN_WORDS:
                    out[i] = None
                else:
                    raise AnswerError(f"{short_repr(raw[i])} is not yes, no or unknown ({i}).", checklist.accepted)
            return out
        text = " ".join(str(raw or "").replace(",", " ").split()).lower()
        if text == "":
            raise AnswerError("Please type an answer.", checklist.accepted)
        if text in UNKNOWN_WORDS:
            return {i: None for i in ids}
        out: dict[str, str | None] = {i: "no" for i in ids}
        said: dict[int, str | None] = {}
        for token in text.split():
            if token in NONE_WORDS:
                continue
            value, digits = ("yes", token) if not token.startswith("?") else (None, token[1:])
            if not digits.isdigit():
                raise AnswerError(f"{short_repr(token)} is not an answer to this list.", checklist.accepted)
            number = int(digits)
            if not 1 <= number <= len(ids):
                raise AnswerError(f"There is no item {number}.", checklist.accepted)
            if number in said and said[number] != value:
                raise AnswerError(f"Item {number} is given twice, with and without ?.", checklist.accepted)
            said[number] = value
        if any(v == "yes" for v in said.values()) and any(w in NONE_WORDS for w in text.split()):
            raise AnswerError("'none' and the numbers of items that apply do not go together.", checklist.accepted)
        for number, value in said.items():
            out[ids[number - 1]] = value
        return out


def _choices(spec: Field) -> tuple[Choice, ...]:
    return tuple(Choice(i, value, spec.label(value)) for i, value in enumerate(spec.choices(), start=1))


def accepted_answers(spec: Field, choices: tuple[Choice, ...] | None = None) -> str:
    """What a person may type, in words."""
    choices = _choices(spec) if choices is None else choices
    unknown = "u (don't know)" if spec.type != "exam" else "u (not done)"
    if choices:
        listed = ", ".join(f"{c.number} or {c.value}" for c in choices)
        return f"{listed}; {unknown}"
    return f"{spec.accepted()}; {unknown}"

