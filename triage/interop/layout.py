"""The order and grouping of the intake instrument, shared by the FHIR Questionnaire and the
REDCap data dictionary.

Warning signs come first, the most urgent first, as ``kneetriage ask`` asks them: every
history question that a red-flag rule reads (directly or through a conclusion). Then the other
history questions in the catalogue's own sections and order, and last the clinician's
examination items in a group of their own. A question that depends on another (``requires`` in
the catalogue) always comes after the question it depends on.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.catalogue import Field
from triage.knowledge import KnowledgeBase
from triage.questionnaire import _rules_using  # the dialogue's own map of field -> rules reading it
from triage.scoring import alarm_findings

WARNING_SIGNS = "warning_signs"
EXAM = "exam"
# Section titles; a section added to the catalogue without one here is titled from its name.
TITLES = {
    WARNING_SIGNS: "Warning signs",
    "context": "About you",
    "history": "History",
    "pain": "The pain",
    "aggravators": "What makes it worse",
    "symptoms": "Other symptoms",
    EXAM: "Examination (for the clinician)",
}


class InteropError(ValueError):
    """The knowledge base holds something an instrument format cannot express (the message says what)."""


def check_types(kb: KnowledgeBase, supported, where: str) -> None:
    """Every answerable field's type must have a mapping in ``supported`` (named in ``where``)."""
    missing = [f for f in kb.catalogue.answerable() if f.type not in supported]
    if missing:
        listed = ", ".join(f"{f.name} ({f.type})" for f in missing)
        raise InteropError(f"no mapping for the field type of {listed}; add the type to {where}")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[Field, ...]


def section_title(key: str) -> str:
    return TITLES.get(key, key.replace("_", " ").capitalize())


def _urgency(kb: KnowledgeBase) -> dict[str, int]:
    """field -> the rank of the most urgent red flag that reads it (0 = most urgent)."""
    urgency: dict[str, int] = {}
    for name, rules in _rules_using(kb).items():
        ranks = [kb.level(r.level).rank for r in rules if r.kind == "red_flag"]
        if ranks:
            urgency[name] = min(ranks)
    consultation = kb.level("consultation").rank if any(lv.id == "consultation" for lv in kb.levels) else len(kb.levels)
    for name, _value in alarm_findings(kb):
        urgency[name] = min(urgency.get(name, consultation), consultation)
    return urgency


def _requirements_first(fields: list[Field], catalogue, pool) -> list[Field]:
    """Put each question a dependent question requires (if it is in ``pool``) just before it,
    unless it is already earlier."""
    ordered: list[Field] = []
    for spec in fields:
        for name in (spec.requires or {}):
            if name in catalogue and catalogue[name] not in ordered and catalogue[name] in pool:
                ordered.append(catalogue[name])
        if spec not in ordered:
            ordered.append(spec)
    return ordered


_SECTIONS: dict[int, tuple] = {}


def sections(kb: KnowledgeBase) -> list[Section]:
    """The instrument's sections in order; every answerable field is in exactly one.

    Worked out once per knowledge base: every Bundle of a batch writes its response in it.
    """
    cached = _SECTIONS.get(id(kb))
    if cached is None or cached[0] is not kb:
        cached = _SECTIONS[id(kb)] = (kb, _sections(kb))
    return list(cached[1])


def _sections(kb: KnowledgeBase) -> list[Section]:
    catalogue = kb.catalogue
    order = catalogue.names
    urgency = _urgency(kb)
    answerable = catalogue.answerable()
    warning = sorted((f for f in answerable if not f.is_exam and f.name in urgency),
                     key=lambda f: (urgency[f.name], order.index(f.name)))
    # A warning sign that depends on another question brings that question with it.
    warning = _requirements_first(warning, catalogue, [f for f in answerable if not f.is_exam])
    placed = {f.name for f in warning}
    result = [Section(WARNING_SIGNS, section_title(WARNING_SIGNS), tuple(warning))] if warning else []
    groups: dict[str, list[Field]] = {}
    for spec in answerable:
        if spec.name not in placed and not spec.is_exam:
            groups.setdefault(spec.group, []).append(spec)
    for key, members in groups.items():
        result.append(Section(key, section_title(key), tuple(_requirements_first(members, catalogue, members))))
    exam = sorted((f for f in answerable if f.is_exam),
                  key=lambda f: (urgency.get(f.name, len(kb.levels)), order.index(f.name)))
    if exam:
        result.append(Section(EXAM, section_title(EXAM), tuple(_requirements_first(exam, catalogue, exam))))
    return result
