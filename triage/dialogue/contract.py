"""The answers as an intake form (the contract), and a session resumed from one."""

from __future__ import annotations

from typing import Any, Mapping

from typing import TYPE_CHECKING

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
        """(field, question, answer in words) for every question answered or prefilled."""
        out = []
        for spec in self.kb.catalogue.answerable():
            text = spec.clinician if spec.is_exam else spec.patient
            if spec.name in self.answers:
                out.append((spec.name, text, spec.label(self.answers[spec.name])))
            elif spec.name in self.unknown:
                out.append((spec.name, text, "not done" if spec.is_exam else "don't know"))
        return out
