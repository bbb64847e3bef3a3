"""The experta engine: rules/ compiled to a KnowledgeEngine, reused for every form.

Rules only conclude. A conclusion rule declares a ``Conclusion`` fact that other rules match
(this is the forward chaining: findings -> intermediate conclusions -> evidence and red flags).
Evidence and red-flag rules are terminal: nothing matches on them, so they record their id
instead of declaring a fact, which keeps the Rete network small (see docs/performance.md).
Summing the evidence and choosing the triage level is plain Python in triage/scoring.py.
"""

from __future__ import annotations

from itertools import chain

from triage._experta import AS, NOT, TEST, Fact, KnowledgeEngine, L, P, Rule
from experta.agenda import Agenda  # after triage._experta, which makes experta importable
from experta.factlist import FactList
from triage.firing import Firing
from triage.knowledge import KnowledgeBase, RuleSpec
from triage.matching import Item
from triage.rete import DepthStrategy, Matcher


class Intake(Fact):
    """The whole form as one fact: every catalogue field, None where unanswered."""


def _intake(values: dict) -> Intake:
    """Intake(**values), without experta freezing each value: form values are str, int, float
    or None, which experta's freeze() returns unchanged."""
    fact = Intake()
    dict.update(fact, values)
    return fact


class Conclusion(Fact):
    """An intermediate conclusion (``name``) and the rule that reached it."""


class _Predicates:
    """One predicate object per distinct item, so that equal tests share Rete alpha nodes."""

    def __init__(self):
        self._holds: dict[Item, P] = {}
        self._absent: dict[Item, P] = {}

    def holds(self, item: Item):
        if len(item.equals) == 1:
            return L(item.equals[0])
        if item not in self._holds:
            self._holds[item] = P(item.holds)
        return self._holds[item]

    def absent(self, item: Item):
        # "none" semantics: the finding is not present (an unanswered field does not block).
        if item not in self._absent:
            self._absent[item] = P(lambda value, item=item: not item.holds(value))
        return self._absent[item]


def _field_constraints(spec: RuleSpec, predicates: _Predicates) -> dict:
    constraints: dict = {}
    for item in spec.when.all:
        if item.field is not None:
            test = predicates.holds(item)
            constraints[item.field] = constraints[item.field] & test if item.field in constraints else test
    for item in spec.when.none:
        if item.field is not None:
            test = predicates.absent(item)
            constraints[item.field] = constraints[item.field] & test if item.field in constraints else test
    return constraints


def _any_holds(items: tuple[Item, ...]):
    # experta passes a TEST function every bound variable its signature names, so the items
    # are closed over rather than given as a default argument.
    def test(intake):
        return any(item.holds(intake[item.field]) for item in items)
    return test


def _compile(spec: RuleSpec, predicates: _Predicates) -> Rule:
    constraints = _field_constraints(spec, predicates)
    any_fields = tuple(i for i in spec.when.any if i.field is not None)
    if any_fields:
        # One TEST over the whole fact keeps "any" to a single Rete branch; experta would
        # otherwise expand an OR into one branch (and one conflict set) per alternative.
        patterns = [AS.intake << Intake(**constraints), TEST(_any_holds(any_fields))]
    else:
        # Every rule matches the form fact, even one made only of conclusions: a NOT alone
        # would otherwise be evaluated before the form exists.
        patterns = [Intake(**constraints)]
    for item in spec.when.all:
        if item.concluded is not None:
            patterns.append(Conclusion(name=item.concluded))
    for item in spec.when.none:
        if item.concluded is not None:
            patterns.append(NOT(Conclusion(name=item.concluded)))

    if spec.kind == "conclusion":
        def fire(self, _id=spec.id, _name=spec.concludes, **_bound):
            self.declare(Conclusion(name=_name, rule=_id))
    elif spec.kind == "evidence":
        def fire(self, _id=spec.id, **_bound):
            self.fired_evidence.append(_id)
    else:
        def fire(self, _id=spec.id, **_bound):
            self.fired_flags.append(_id)
    fire.__name__ = spec.id
    fire.__doc__ = spec.explanation
    # Conclusions first, so the terminal rules see them; red flags before evidence.
    salience = {"conclusion": 20, "red_flag": 10, "evidence": 0}[spec.kind]
    return Rule(*patterns, salience=salience)(fire)


class _EngineBase(KnowledgeEngine):
    # A corrected agenda strategy and a cheaper matcher (triage/rete.py says what and why).
    __matcher__ = Matcher
    __strategy__ = DepthStrategy
    _deffacts_cache = None

    def get_deffacts(self):
        # experta finds @DefFacts with inspect.getmembers on every reset(); ours never change.
        if self._deffacts_cache is None:
            self._deffacts_cache = super().get_deffacts()
        return self._deffacts_cache

    def reset(self, **kwargs):
        """KnowledgeEngine.reset, without re-reading each @DefFacts' signature on every call
        (experta does, to pass keyword arguments on; with none given there is nothing to pass)."""
        if kwargs:
            return super().reset(**kwargs)
        self.agenda = Agenda()
        self.facts = FactList()
        self.matcher.reset()
        self._KnowledgeEngine__declare(*chain.from_iterable(deffacts() for deffacts in self.get_deffacts()))
        self.running = False

    def run(self, steps=float("inf")):
        """KnowledgeEngine.run without its watcher logging: experta builds the RULES watcher's
        message (a str() of every matched fact) on each firing even when nobody watches."""
        self.running = True
        while steps > 0 and self.running:
            added, removed = self.get_activations()
            self.strategy._update_agenda(self.agenda, added, removed)
            activation = self.agenda.get_next()
            if activation is None:
                break
            steps -= 1
            activation.rule(self, **{k: v for k, v in activation.context.items() if not k.startswith("__")})
        self.running = False


def build_engine_class(kb: KnowledgeBase) -> type:
    predicates = _Predicates()
    members = {f"rule_{spec.id}": _compile(spec, predicates) for spec in kb.rules}
    return type("TriageEngine", (_EngineBase,), members)


class TriageEngine:
    """One compiled engine, reused across forms (building one costs tens of milliseconds)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._fields = kb.catalogue.names
        self._engine = build_engine_class(kb)()

    def run(self, answers: dict) -> Firing:
        engine = self._engine
        engine.reset()
        engine.fired_evidence = []
        engine.fired_flags = []
        engine.declare(_intake({name: answers.get(name) for name in self._fields}))
        engine.run()
        conclusions: dict[str, list[str]] = {}
        for fact in engine.facts.values():
            if isinstance(fact, Conclusion):
                conclusions.setdefault(fact["name"], []).append(fact["rule"])
        return Firing(
            conclusions={k: tuple(sorted(v)) for k, v in sorted(conclusions.items())},
            evidence=tuple(sorted(set(engine.fired_evidence))),
            red_flags=tuple(sorted(set(engine.fired_flags))),
        )
