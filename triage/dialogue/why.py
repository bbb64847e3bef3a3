"""Why a question is asked: the rules its answer feeds, and what each points to."""

from __future__ import annotations

import math

from triage.dialogue.steps import Why
from triage.knowledge import KnowledgeBase, RuleSpec


def _rules_using(kb: KnowledgeBase) -> dict[str, list[RuleSpec]]:
    """field -> the red-flag and evidence rules that read it, directly or through a conclusion."""
    concluded_from: dict[str, set[str]] = {}
    for rule in kb.rules_of("conclusion"):
        concluded_from.setdefault(rule.concludes, set()).update(rule.when.fields())

    def fields_of(rule: RuleSpec, seen=()) -> set[str]:
        fields = set(rule.when.fields())
        for name in rule.when.conclusions():
            if name not in seen:
                fields |= concluded_from.get(name, set())
                for source in kb.rules_of("conclusion"):
                    if source.concludes == name:
                        fields |= fields_of(source, seen + (name,))
        return fields

    uses: dict[str, list[RuleSpec]] = {}
    for rule in kb.rules:
        if rule.kind != "conclusion":
            for name in fields_of(rule):
                uses.setdefault(name, []).append(rule)
    return uses


def _importance(kb: KnowledgeBase):
    """Sort key: red flags first (the most urgent first), then evidence by its weight, |ln LR|."""
    def key(rule: RuleSpec) -> tuple:
        if rule.kind == "red_flag":
            return (0, kb.level(rule.level).rank, rule.id)
        return (1, -abs(math.log(rule.lr)), rule.id)
    return key


def _describe(kb: KnowledgeBase, rule: RuleSpec) -> Why:
    if rule.kind == "red_flag":
        level = kb.level(rule.level)
        points_to = f"{kb.flag(rule.flag).patient_title} ({level.label.lower()})"
    else:
        direction = "for" if rule.lr > 1 else "against"
        points_to = f"{direction} {kb.condition(rule.condition).patient_title}"
    return Why(rule=rule.id, kind=rule.kind, title=rule.title, explanation=rule.explanation, points_to=points_to)

