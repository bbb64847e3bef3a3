"""Checks of the knowledge base that a reviewer would otherwise do by hand (``rules lint``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from triage.compiled import CompileError, conclusion_order
from triage.knowledge import KnowledgeBase
from triage.scoring import AGE_BANDS

CONTRACT_CONDITIONS = ("pfps", "itbs", "patellar_tendinopathy", "medial_plica",
                       "fat_pad_impingement", "patellar_stress_fracture")
BASES = ("published", "estimated")


@dataclass(frozen=True)
class LintProblem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _non_monotone_conclusions(kb: KnowledgeBase) -> set[str]:
    """Conclusions that adding a finding could take away (a `none` anywhere beneath them).

    A `none` over a number (how long ago an injury happened, an age) is allowed: a number is
    context, never a warning-sign finding, so no answer to it is one that must raise urgency.
    """
    rules = kb.rules_of("conclusion")
    bad = {r.concludes for r in rules
           if any(i.field is None or kb.catalogue[i.field].type not in ("integer", "number")
                  for i in r.when.none)}
    changed = True
    while changed:
        changed = False
        for rule in rules:
            if rule.concludes not in bad and rule.when.conclusions() & bad:
                bad.add(rule.concludes)
                changed = True
    return bad


def lint(kb: KnowledgeBase) -> list[LintProblem]:
    problems: list[LintProblem] = []

    def problem(where: str, message: str) -> None:
        problems.append(LintProblem(where, message))

    for rule_id, count in Counter(r.id for r in kb.rules).items():
        if count > 1:
            problem(rule_id, f"rule id used {count} times")
    for kind, ids in (("condition", [c.id for c in kb.conditions]), ("flag", [f.id for f in kb.flags])):
        for item_id, count in Counter(ids).items():
            if count > 1:
                problem(item_id, f"{kind} id used {count} times")

    concluded = {r.concludes for r in kb.rules_of("conclusion")}
    used = set().union(*(r.when.conclusions() for r in kb.rules)) if kb.rules else set()
    non_monotone = _non_monotone_conclusions(kb)
    levels = {lv.id for lv in kb.levels}
    conditions = {c.id for c in kb.conditions}

    try:
        conclusion_order(kb)          # the compiled engine needs an order, so no cycle
    except CompileError as error:
        problem("conclusions.yml", str(error))

    for rule in kb.rules:
        where = f"{rule.source_file}: {rule.id}"
        if len(rule.explanation) < 20:
            problem(where, "no explanation (a clinician reads it in every report)")
        if not rule.cite:
            problem(where, "no citation")
        for key in rule.cite:
            if key not in kb.references:
                problem(where, f"citation key {key!r} is not in references.yml")
        for name in rule.when.conclusions() - concluded:
            problem(where, f"uses conclusion {name!r}, which no rule concludes")
        for item in rule.when.any:
            if item.concluded is not None:
                problem(where, "conclusions can be used in `all` or `none`, not in `any`")
        if rule.kind == "evidence":
            if rule.condition not in conditions:
                problem(where, f"unknown condition {rule.condition!r}")
            if rule.lr is None or rule.lr <= 0 or rule.lr == 1:
                problem(where, f"lr must be positive and not 1, got {rule.lr}")
            if rule.basis not in BASES:
                problem(where, f"basis must be one of {', '.join(BASES)}, got {rule.basis!r}")
        if rule.kind == "conclusion" and any(i.concluded for i in rule.when.none):
            problem(where, "a conclusion rule cannot depend on the absence of a conclusion "
                           "(the result would depend on firing order)")
        if rule.kind == "red_flag":
            if rule.level not in levels:
                problem(where, f"unknown triage level {rule.level!r}")
            if rule.when.none:
                problem(where, "a red-flag rule must not use `none`: adding a finding must never lower urgency")
            for name in rule.when.conclusions() & non_monotone:
                problem(where, f"uses conclusion {name!r}, which an added finding can take away "
                               "(adding a finding must never lower urgency)")

    for name in sorted(concluded - used):
        problem(f"conclusions.yml: {name}", "concluded but never used by another rule")
    for condition in kb.conditions:
        where = f"conditions/{condition.id}.yml"
        if not 0 < condition.prior < 1:
            problem(where, f"prior must be between 0 and 1, got {condition.prior}")
        for key in condition.prior_cite:
            if key not in kb.references:
                problem(where, f"prior citation key {key!r} is not in references.yml")
        if not any(r.condition == condition.id and r.lr > 1 for r in kb.rules_of("evidence")):
            problem(where, "unreachable: no rule gives evidence for this condition")
    for missing in sorted(set(CONTRACT_CONDITIONS) - conditions):
        problem("conditions/", f"the contract's condition {missing!r} has no file")
    for flag in kb.flags:
        where = f"red_flags/{flag.id}.yml"
        if not any(r.flag == flag.id for r in kb.rules_of("red_flag")):
            problem(where, "unreachable: no rule raises this flag")
        if not flag.cite or any(k not in kb.references for k in flag.cite):
            problem(where, "the flag needs citation keys that resolve in references.yml")
        if len(flag.advice) < 20:
            problem(where, "no advice (what to do)")
    dimensions = {"activity": "activity", "sex": "sex", "age_band": None}
    for i, factor in enumerate(kb.prior_factors, start=1):
        where = f"priors.yml: factor {i} ({factor.dimension} {factor.value})"
        if factor.dimension not in dimensions:
            problem(where, f"unknown dimension; use one of {', '.join(dimensions)}")
        elif dimensions[factor.dimension] and factor.value not in kb.catalogue[dimensions[factor.dimension]].values:
            problem(where, f"{factor.value!r} is not a value of {dimensions[factor.dimension]}")
        elif factor.dimension == "age_band" and factor.value not in {b[0] for b in AGE_BANDS}:
            problem(where, f"unknown age band; use one of {', '.join(b[0] for b in AGE_BANDS)}")
        for condition, ratio in factor.odds.items():
            if condition not in conditions:
                problem(where, f"unknown condition {condition!r}")
            if ratio <= 0 or ratio == 1:
                problem(where, f"odds ratio for {condition} must be positive and not 1, got {ratio}")
        if not factor.cite or any(k not in kb.references for k in factor.cite):
            problem(where, "needs citation keys that resolve in references.yml")
        if factor.basis not in BASES:
            problem(where, f"basis must be one of {', '.join(BASES)}")
    for condition in kb.conditions:
        for name, (cap, floor) in condition.groups.items():
            if cap < 1 or floor > 1:
                problem(f"conditions/{condition.id}.yml: group {name}", "cap must be 1 or more and floor 1 or less")
    screen = kb.screen
    if not screen.items:
        problems.append(LintProblem("screen.yml", "no warning-sign screen: self-care could never be offered"))
    if not screen.cite or any(k not in kb.references for k in screen.cite):
        problem("screen.yml", "the screen needs citation keys that resolve in references.yml")
    for item_id, count in Counter(i.id for i in screen.items + screen.history).items():
        if count > 1:
            problem("screen.yml", f"item id {item_id!r} used {count} times")
    for item in screen.items + screen.history:
        if item.clear.conclusions():
            problem(f"screen.yml: {item.id}", "a screen item tests answers, not conclusions")
    policy = kb.policy
    for condition in policy.get("refer_conditions", ()):
        if condition not in conditions:
            problem("triage.yml", f"refer_conditions names {condition!r}, which has no condition file")
    if "suspected" in policy:
        if not 0 < policy["suspected"] < policy["likely"]:
            problem("triage.yml", "suspected must lie between 0 and likely")
        cite = policy.get("suspected_cite") or ()
        if not cite or any(k not in kb.references for k in cite):
            problem("triage.yml", "suspected needs suspected_cite keys that resolve in references.yml")
    return problems
