"""What every part of a report shares: the reader's wording and the numbering of sources."""

from __future__ import annotations

import math
from typing import Iterable

from triage.assessment import Assessment, Finding, RuleUse
from triage.knowledge import KnowledgeBase
from triage.management import Point
from triage.plainwords import in_patient_words
from triage.report_context import FindingView, PointView, Reference, RuleView


class Citations:
    """Numbers citation keys in the order the report first cites them. ``addresses`` limits how
    many addresses each source lists (the short report gives one; None gives all)."""

    def __init__(self, references: dict, addresses: int | None = None):
        self._references = references
        self._addresses = addresses
        self._numbers: dict[str, int] = {}

    def __call__(self, keys: Iterable[str]) -> tuple[int, ...]:
        for key in keys:
            self._numbers.setdefault(key, len(self._numbers) + 1)
        return tuple(dict.fromkeys(self._numbers[k] for k in keys))

    def listing(self) -> tuple[Reference, ...]:
        out = []
        for key, number in self._numbers.items():
            ref = self._references.get(key)
            if ref is None:
                out.append(Reference(number, key, "(not in rules/references.yml)", ()))
            else:
                out.append(Reference(number, key, str(ref.get("title", "")), tuple(ref.get("where") or ())[:self._addresses]))
        return tuple(out)


def unique_findings(rules: Iterable[RuleView]) -> tuple[FindingView, ...]:
    return tuple(dict.fromkeys(f for r in rules for f in r.findings))


def mostly_estimated(uses) -> bool:
    """More than half of the evidence's weight (|ln LR|) comes from estimated ratios: the score
    is then shown as its band, since its precise figure would overstate what is known."""
    total = sum(abs(math.log(u.lr)) for u in uses if u.lr)
    estimated = sum(abs(math.log(u.lr)) for u in uses if u.lr and u.basis == "estimated")
    return total > 0 and estimated > total / 2


def lr_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class Wording:
    """One assessment as one reader (clinician or patient) reads it, at one level of detail
    (``short`` or ``full``), with one set of citation numbers."""

    def __init__(self, assessment: Assessment, kb: KnowledgeBase, audience: str, rules_dir: str | None,
                 detail: str = "full"):
        self.a, self.kb, self.audience, self.rules_dir = assessment, kb, audience, rules_dir
        self.patient = audience == "patient"
        self.full = detail == "full"
        self.cite = Citations(kb.references, None if self.full else 1)

    def plain(self, text: str) -> str:
        """For the runner, name conditions, red flags and warning signs by their patient titles in
        text written for clinicians."""
        return in_patient_words(self.kb, text) if self.patient else text

    def words(self, point: Point) -> str:
        return point.patient if self.patient else point.text

    def level_label(self, level: str | None) -> str:
        return self.kb.level(level).label if level else ""

    def urgent(self, level: str) -> bool:
        """More urgent than a routine consultation (within 1-2 weeks)."""
        return self.kb.level(level).rank < self.kb.level("consultation").rank

    def finding(self, finding: Finding) -> FindingView:
        if not self.patient:
            return FindingView(finding.field, finding.text)
        spec = self.kb.catalogue[finding.field]
        return FindingView(finding.field, f"{spec.patient} {spec.label(finding.value)}")

    def rule(self, use: RuleUse) -> RuleView:
        return RuleView(id=use.rule, title=use.title, explanation=use.explanation if self.full else "",
                        findings=tuple(self.finding(f) for f in use.findings), lr=lr_text(use.lr),
                        basis=use.basis or "", strength=use.strength or "", refs=self.cite(use.cite))

    def point(self, point: Point) -> PointView:
        return PointView(text=self.words(point), evidence=point.evidence, refs=self.cite(point.cite),
                         level=point.level or "", level_label=self.level_label(point.level))
