"""The answers as an intake form (the contract), and a session resumed from one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from triage.forms import Form, parse_form

if TYPE_CHECKING:
    from triage.knowledge import KnowledgeBase
    from triage.questionnaire import Session


class Contract:
    """Part of ``Session``: to and from the intake-form contract, and the summary of the answers."""

    @classmethod
    def from_contract(cls, mapping: Mapping[str, Any], kb: KnowledgeBase | None = None, **options) -> "Session":
        """Resume from a saved form; fields saved as unknown count as asked ("don't know")."""
        form = parse_form(mapping)   # raises FormError naming every bad field
        unknown = [str(k).strip() for k, v in mapping.items()
                   if str(k).strip() != "form_id" and str(k).strip() not in form.answers]
        return cls(kb, prefill=form, unknown=unknown, **options)

    def form(self) -> Form:
        return parse_form({**({"form_id": self.form_id} if self.form_id else {}), **self.answers})

    def to_contract(self) -> dict:
        """The answers as a contract form; questions answered "don't know" are saved as unknown,
        so a resumed session does not ask them again."""
        out = self.form().to_contract()
        for name in self.kb.catalogue.names:
            if name in self.unknown:
                out[name] = "unknown"
        return out

    def summary(self) -> list[tuple[str, str, str]]:
        """(field, question, answer in words) for every question answered or prefilled: the
        question as it is asked, and the answer to it (yes to "Can you take four steps?")."""
        return [(spec.name, spec.clinician if spec.is_exam else spec.question, words)
                for spec, words in self._answered(as_asked=True)]

    def findings(self) -> list[tuple[str, str, str]]:
        """(field, finding in the clinician's words, value in words): the summary as a clinician
        reads it, each answer as the form stores it ("Unable to bear weight: no")."""
        return [(spec.name, spec.clinician, words) for spec, words in self._answered(as_asked=False)]

    def _answered(self, as_asked: bool):
        for spec in self.kb.catalogue.answerable():
            if spec.name in self.answers:
                value = self.answers[spec.name]
                yield spec, spec.label(spec.to_question(value) if as_asked else value)
            elif spec.name in self.unknown:
                yield spec, "not done" if spec.is_exam else "don't know"
