"""Which unanswered questions and examination tests could still change the result.

Each rule is evaluated in three-valued logic over the answers (triage/matching.py): a rule that
is neither true nor false is waiting on unanswered fields, and those fields inherit its weight.
Evidence weighs |ln LR|, more for conditions still in contention; a red flag weighs by how far
it would raise the triage level. The questionnaire asks in this order; the report lists them.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from triage.assessment import ExamTest, OpenQuestion
from triage.knowledge import KnowledgeBase, RuleSpec
from triage.matching import FALSE, UNKNOWN, any3

# Conditions ranked below this are "out of contention" and their evidence counts less.
CONTENTION_RANKS = 3
OUT_OF_CONTENTION = 0.25


def conclusion_truth(kb: KnowledgeBase, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Three-valued truth of every conclusion (a fixpoint, since conclusions chain)."""
    rules = kb.rules_of("conclusion")
    truth: dict[str, Any] = {}
    for _ in range(len(rules) + 1):
        new: dict[str, Any] = {}
        for rule in rules:
            t = rule.when.truth(answers, truth)
            new[rule.concludes] = any3((new.get(rule.concludes, FALSE), t))
        if new == truth:
            break
        truth = new
    return truth


class _Shape:
    """What _waiting_on needs of each rule, worked out once per knowledge base (it is asked
    for every pending rule of every form)."""

    def __init__(self, kb: KnowledgeBase):
        self.fields = {r.id: tuple(i.field for i in r.when.items() if i.field is not None) for r in kb.rules}
        self.conclusions = {r.id: tuple(r.when.conclusions()) for r in kb.rules}
        self.sources: dict[str, list[RuleSpec]] = {}
        for rule in kb.rules_of("conclusion"):
            self.sources.setdefault(rule.concludes, []).append(rule)
        # What open_questions weighs each evidence or red-flag rule by.
        self.askers = [r for r in kb.rules if r.kind != "conclusion"]
        self.size = {r.id: abs(math.log(r.lr)) for r in kb.rules if r.lr is not None}
        self.level_rank = {r.id: kb.level(r.level).rank for r in kb.rules if r.kind == "red_flag"}
        self.position = {name: i for i, name in enumerate(kb.catalogue.names)}
        self.requires = {name: tuple((kb.catalogue[name].requires or {}).items()) for name in kb.catalogue.names}


_SHAPES: dict[int, tuple[KnowledgeBase, _Shape]] = {}


def _shape(kb: KnowledgeBase) -> _Shape:
    if id(kb) not in _SHAPES:
        _SHAPES[id(kb)] = (kb, _Shape(kb))     # kb kept so that its id is not reused
    return _SHAPES[id(kb)][1]


def _waiting_on(kb: KnowledgeBase, rule: RuleSpec, answers, truth, seen=(), memo=None, shape=None) -> set[str]:
    """The unanswered fields a rule (through its conclusions too) is waiting on.

    ``memo`` keeps, for one form, what each unknown conclusion waits on (by conclusion and
    path): many pending rules share a conclusion, and it is worked out once.
    """
    shape = shape or _shape(kb)
    memo = {} if memo is None else memo
    fields = {name for name in shape.fields[rule.id] if answers.get(name) is None}
    for name in shape.conclusions[rule.id]:
        if truth.get(name) is UNKNOWN and name not in seen:
            key = (name, seen)
            if key not in memo:
                memo[key] = set().union(*(_waiting_on(kb, source, answers, truth, seen + (name,), memo, shape)
                                          for source in shape.sources.get(name, ())))
            fields |= memo[key]
    return fields


def pending_rules(kb: KnowledgeBase, answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[RuleSpec]]:
    """The truth of every conclusion, and the evidence and red-flag rules that are neither true
    nor false (in knowledge-base order). triage/compiled.py generates the same from the rules."""
    truth = conclusion_truth(kb, answers)
    return truth, [rule for rule in _shape(kb).askers if rule.when.truth(answers, truth) is UNKNOWN]


def open_questions(kb: KnowledgeBase, answers: Mapping[str, Any], ranking: list[str], level: str,
                   limit: int | None = 10, pending=pending_rules) -> tuple[OpenQuestion, ...]:
    """The unanswered questions that could still change the result, most weighty first.
    ``pending`` is pending_rules, or a backend's compiled equivalent of it."""
    truth, waiting = pending(kb, answers)
    rank = {condition: i for i, condition in enumerate(ranking)}
    current = kb.level(level).rank
    weights: dict[str, float] = {}
    reasons: dict[str, list[tuple[float, RuleSpec]]] = {}
    askable: dict[str, bool] = {}
    memo: dict = {}
    shape = _shape(kb)
    for rule in waiting:
        if rule.kind == "red_flag":
            gain = current - shape.level_rank[rule.id]   # how many levels it would raise triage
            if gain <= 0:
                continue
            weight = 4.0 + 2.0 * gain
        else:
            relevance = 1.0 if rank.get(rule.condition, 99) < CONTENTION_RANKS else OUT_OF_CONTENTION
            weight = shape.size[rule.id] * relevance
        for name in _waiting_on(kb, rule, answers, truth, memo=memo, shape=shape):
            if name not in askable:
                # Listed once its requirement is answered: until then the question it
                # depends on stands for it.
                askable[name] = all(answers.get(k) == v for k, v in shape.requires[name])
            if not askable[name]:
                continue
            weights[name] = weights.get(name, 0.0) + weight
            reasons.setdefault(name, []).append((weight, rule))
    ordered = sorted(weights, key=lambda n: (-weights[n], shape.position[n]))
    out = []
    for name in ordered[:limit]:
        spec = kb.catalogue[name]
        top_rules = [r for _, r in sorted(reasons[name], key=lambda wr: (-wr[0], wr[1].id))]
        why = "; ".join(dict.fromkeys(r.title for r in top_rules[:3]))
        out.append(OpenQuestion(field=name, question=spec.patient, exam=spec.is_exam,
                                weight=round(weights[name], 3), why=why,
                                rules=tuple(r.id for r in top_rules)))
    return tuple(out)


def exam_tests(kb: KnowledgeBase, answers: Mapping[str, Any], conditions: list[str]) -> tuple[ExamTest, ...]:
    """Unperformed examination tests that bear on the given conditions, most informative first."""
    found: dict[tuple[str, str], dict] = {}
    for rule in kb.rules_of("evidence"):
        if rule.condition not in conditions:
            continue
        for item in rule.when.all:
            if item.field is None or not kb.catalogue[item.field].is_exam or answers.get(item.field) is not None:
                continue
            entry = found.setdefault((item.field, rule.condition), {"pos": None, "neg": None, "basis": set(),
                                                                    "cite": [], "rules": []})
            if "positive" in item.equals and rule.lr > 1:
                entry["pos"] = max(entry["pos"] or 1.0, rule.lr)
            elif "negative" in item.equals and rule.lr < 1:
                entry["neg"] = min(entry["neg"] or 1.0, rule.lr)
            entry["basis"].add(rule.basis)
            entry["cite"] += [c for c in rule.cite if c not in entry["cite"]]
            entry["rules"].append(rule.id)
    tests = []
    for (name, condition), e in found.items():
        basis = "published" if e["basis"] == {"published"} else ("mixed" if "published" in e["basis"] else "estimated")
        tests.append(ExamTest(field=name, name=kb.catalogue[name].clinician, condition=condition,
                              lr_positive=e["pos"], lr_negative=e["neg"], basis=basis,
                              cite=tuple(e["cite"]), rules=tuple(e["rules"])))

    def information(test: ExamTest) -> float:
        return max(abs(math.log(test.lr_positive or 1.0)), abs(math.log(test.lr_negative or 1.0)))

    order = {c: i for i, c in enumerate(conditions)}
    tests.sort(key=lambda t: (order[t.condition], t.basis != "published", -information(t), t.field))
    return tuple(tests)
