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
    prior: float                    # for this runner: the base prior with its population factors
    log_odds: float
    probability: float
    supporting: tuple[str, ...]     # rule ids with LR > 1, strongest first
    opposing: tuple[str, ...]       # rule ids with LR < 1, strongest first
    prior_factors: tuple[int, ...] = ()   # indexes into kb.prior_factors that applied
    capped: tuple[str, ...] = ()          # evidence groups whose cap or floor held them back


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


AGE_BANDS = (("adolescent", 10, 17), ("adult", 18, 44), ("from_45", 45, 200))


def age_band(age) -> str | None:
    if age is None:
        return None
    return next((name for name, low, high in AGE_BANDS if low <= age <= high), None)


def _context(answers) -> dict[str, str | None]:
    return {"activity": answers.get("activity"), "sex": answers.get("sex"), "age_band": age_band(answers.get("age"))}


def prior_factors(kb: KnowledgeBase, answers) -> list[int]:
    """The population factors of rules/priors.yml that apply to this runner (indexes)."""
    context = _context(answers)
    return [i for i, f in enumerate(kb.prior_factors) if context.get(f.dimension) == f.value]


def prior_log_odds(kb: KnowledgeBase, condition, factors) -> float:
    return logit(condition.prior) + sum(math.log(kb.prior_factors[i].odds.get(condition.id, 1.0)) for i in factors)


def group_step(kb: KnowledgeBase, condition_id: str, group: str | None, steps) -> tuple[float, bool]:
    """The log-odds that a group's fired rules add together, and whether a cap held it back.

    Rules in one group measure the same thing (the site and "can point to it"; an examined and
    a reported squat), so their ratios are not multiplied as if independent: the sum for is
    capped at the group's cap, the sum against at its floor (rules/conditions/*.yml, `groups`).
    """
    steps = list(steps)
    if group is None:
        return sum(steps), False
    cap, floor = kb.condition(condition_id).groups[group]
    up = sum(x for x in steps if x > 0)
    down = sum(x for x in steps if x < 0)
    capped_up, capped_down = min(up, math.log(cap)), max(down, math.log(floor))
    return capped_up + capped_down, (capped_up != up or capped_down != down)


def score_conditions(kb: KnowledgeBase, evidence_ids, answers=None) -> list[ConditionScore]:
    """Rank the conditions by posterior probability (ties broken by condition order in rules/)."""
    answers = answers or {}
    by_condition: dict[str, list] = {c.id: [] for c in kb.conditions}
    for rule_id in evidence_ids:
        rule = kb.rule(rule_id)
        by_condition[rule.condition].append(rule)
    factors = prior_factors(kb, answers)
    scores = []
    for order, condition in enumerate(kb.conditions):
        rules = by_condition[condition.id]
        prior_odds = prior_log_odds(kb, condition, factors)
        log_odds, capped = prior_odds, []
        groups: dict = {}
        for r in rules:
            groups.setdefault(r.group, []).append(r)
        for group, members in groups.items():
            if group is None:
                log_odds += sum(math.log(r.lr) for r in members)
                continue
            step, held = group_step(kb, condition.id, group, (math.log(r.lr) for r in members))
            log_odds += step
            if held:
                capped.append(group)
        strongest = sorted(rules, key=lambda r: (-abs(math.log(r.lr)), r.id))
        used = tuple(i for i in factors if condition.id in kb.prior_factors[i].odds)
        scores.append((order, ConditionScore(
            condition=condition.id, prior=round(sigmoid(prior_odds), 4), log_odds=log_odds,
            probability=sigmoid(log_odds),
            supporting=tuple(r.id for r in strongest if r.lr > 1),
            opposing=tuple(r.id for r in strongest if r.lr < 1),
            prior_factors=used, capped=tuple(sorted(capped)),
        )))
    scores.sort(key=lambda pair: (-pair[1].log_odds, pair[0]))
    return [score for _, score in scores]


def log_odds_bounds(kb: KnowledgeBase, answers, truths, open_fields=()) -> tuple[dict, dict]:
    """Lower and upper bounds of each condition's log-odds while some answers are still open.

    ``truths`` maps rule id -> TRUE / FALSE / None (undecided). Used by the questionnaire's stop
    rule, with the same priors and group caps as score_conditions.
    """
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    context = _context(answers)
    open_dims = {d for d, name in (("activity", "activity"), ("sex", "sex"), ("age_band", "age"))
                 if context[d] is None and name in open_fields}
    for condition in kb.conditions:
        base = logit(condition.prior)
        lo = hi = base
        for dim in ("activity", "sex", "age_band"):
            options = [math.log(f.odds.get(condition.id, 1.0)) for f in kb.prior_factors if f.dimension == dim
                       and (f.value == context[dim] if context[dim] is not None else dim in open_dims)]
            if dim in open_dims:
                options.append(0.0)
            if options:
                lo += min(options)
                hi += max(options)
        low[condition.id], high[condition.id] = lo, hi
    grouped: dict = {}
    for rule in kb.rules_of("evidence"):
        t = truths.get(rule.id)
        if t is False:
            continue
        grouped.setdefault((rule.condition, rule.group), []).append((math.log(rule.lr), t is True))
    for (condition_id, group), items in grouped.items():
        sure = [x for x, certain in items if certain]
        every = [x for x, _ in items]
        if group is None:
            low[condition_id] += sum(sure) + sum(x for x, c in items if not c and x < 0)
            high[condition_id] += sum(sure) + sum(x for x, c in items if not c and x > 0)
            continue
        cap, floor = (math.log(v) for v in kb.condition(condition_id).groups[group])
        sure_up, sure_down = sum(x for x in sure if x > 0), sum(x for x in sure if x < 0)
        all_up, all_down = sum(x for x in every if x > 0), sum(x for x in every if x < 0)
        low[condition_id] += min(sure_up, cap) + max(all_down, floor)
        high[condition_id] += min(all_up, cap) + max(sure_down, floor)
    return low, high


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
        # An alternative of `any` beside an `all` (hop pain, with medial joint-line pain) is an
        # alarm only in that combination, or through a rule of its own.
        for item in rule.when.all + (() if rule.when.all else rule.when.any):
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
