"""Turning fired rules into a ranked differential and a triage level (plain Python).

The differential is a naive-Bayes combination of likelihood ratios: for each condition,
posterior odds = prior odds x the product of the LRs of its fired evidence rules, read as a
probability. Each condition is scored against "not this condition", so the scores do not sum
to one and all of them can be low (no condition fits). docs/scoring.md gives the reasoning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from triage.knowledge import KnowledgeBase


@dataclass(frozen=True)
class ConditionScore:
    condition: str
    prior: float
    log_odds: float
    probability: float
    supporting: tuple[str, ...]     # rule ids with LR > 1, strongest first
    opposing: tuple[str, ...]       # rule ids with LR < 1, strongest first


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


def score_conditions(kb: KnowledgeBase, evidence_ids) -> list[ConditionScore]:
    """Rank the conditions by posterior probability (ties broken by condition order in rules/)."""
    by_condition: dict[str, list] = {c.id: [] for c in kb.conditions}
    for rule_id in evidence_ids:
        rule = kb.rule(rule_id)
        by_condition[rule.condition].append(rule)
    scores = []
    for order, condition in enumerate(kb.conditions):
        rules = by_condition[condition.id]
        log_odds = logit(condition.prior) + sum(math.log(r.lr) for r in rules)
        strongest = sorted(rules, key=lambda r: (-abs(math.log(r.lr)), r.id))
        scores.append((order, ConditionScore(
            condition=condition.id, prior=condition.prior, log_odds=log_odds,
            probability=sigmoid(log_odds),
            supporting=tuple(r.id for r in strongest if r.lr > 1),
            opposing=tuple(r.id for r in strongest if r.lr < 1),
        )))
    scores.sort(key=lambda pair: (-pair[1].log_odds, pair[0]))
    return [score for _, score in scores]


def most_urgent(kb: KnowledgeBase, level_ids) -> str:
    return min(level_ids, key=lambda lv: kb.level(lv).rank)


# alarm_findings per knowledge base: assess() asks for every form, the questionnaire for every
# outlook. The kb is kept with its result so that its id cannot be reused by another.
_ALARMS: dict[int, tuple[KnowledgeBase, dict]] = {}


def alarm_findings(kb: KnowledgeBase) -> dict[tuple[str, object], list[str]]:
    """(field, value) pairs that red-flag rules look for -> those rules' ids (computed once per
    knowledge base; do not change the result).

    Used to triage up a form that reports an alarm finding without completing a red flag:
    when in doubt, a clinician looks. Only reported symptoms, signs and history count (a yes/no
    field answered yes, a positive examination test, an enum value such as marked swelling), and
    only from red flags that need a clinician: age and sport are context, not alarms, and a
    self-care flag (such as apophysitis) has nothing to escalate to. A rule that needs an age or a
    sport adds no alarm of its own: its other findings are alarms only through other rules.
    """
    if id(kb) in _ALARMS:
        return _ALARMS[id(kb)][1]
    found: dict[tuple[str, object], list[str]] = {}
    for rule in kb.rules_of("red_flag"):
        if rule.level == "self_care":
            continue
        if any(i.field is not None and kb.catalogue[i.field].group == "context" for i in rule.when.all):
            # The alarm is the combination with the age or sport (front-of-knee pain from 45):
            # the other finding alone, such as where it hurts, is no warning sign.
            continue
        for item in rule.when.all + rule.when.any:
            if item.field is None:
                continue
            spec = kb.catalogue[item.field]
            if spec.group == "context" or spec.type not in ("yesno", "exam", "enum"):
                continue
            if spec.group == "history" and spec.type == "enum":
                continue        # how an injury happened: the injury's own flag already counts it
            for value in item.equals:
                if value not in ("no", "negative", "none"):
                    found.setdefault((item.field, value), []).append(rule.id)
    _ALARMS[id(kb)] = (kb, found)
    return found
