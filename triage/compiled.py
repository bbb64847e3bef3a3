"""The rule base compiled to plain Python: the fast backend, proven identical to experta in CI.

``compile_source(kb)`` writes two functions from whatever ``rules/`` holds, and
``CompiledEngine`` runs them. Nothing here knows a rule, a field or a conclusion by name:
every line of the generated code comes from a ``RuleSpec``'s ``when`` (triage/matching.py says
what an item means; the expressions below mean the same). The code is generated when a
knowledge base is first used in a process and kept in memory only, so it can never be stale or
edited by hand. ``python -m triage.compiled`` prints it.

- ``fire(answers)`` is the forward chaining experta does (triage/engine.py): conclusions in
  dependency order, then every evidence and red-flag rule, giving the same ``Firing``.
- ``pending(answers)`` is the three-valued evaluation of triage/whatif.py: the truth of every
  conclusion and the evidence and red-flag rules still waiting on an unanswered field.

tests/test_backends.py compares the two backends' full output on every vignette, rule case,
external case and 10,000 generated forms.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass

from triage.firing import Firing
from triage.knowledge import KnowledgeBase, KnowledgeError, RuleSpec
from triage.matching import Item, When

LITERAL_TYPES = (str, int, float, bool)


class CompileError(KnowledgeError):
    """The rule base cannot be compiled to plain Python (experta can still run it)."""


class _Names:
    """Python names for fields and conclusions, and the source lines that read the fields."""

    def __init__(self):
        self.fields: dict[str, str] = {}
        self.conclusions: dict[str, str] = {}

    def field(self, name: str) -> str:
        return self.fields.setdefault(name, f"f{len(self.fields)}")

    def conclusion(self, name: str) -> str:
        return self.conclusions.setdefault(name, f"c{len(self.conclusions)}")

    def reads(self) -> list[str]:
        return [f"    {var} = get({name!r})" for name, var in self.fields.items()]


def _value(value, where: str) -> str:
    if type(value) not in LITERAL_TYPES:
        raise CompileError(f"{where}: cannot compile the value {value!r}")
    return repr(value)


def _literal(values: tuple, where: str) -> str:
    for value in values:
        _value(value, where)
    return repr(tuple(values))


def _holds(item: Item, var: str, where: str) -> str:
    """``Item.holds(var)`` as an expression (False for None, as there)."""
    if item.equals:
        return f"{var} in {_literal(item.equals, where)}"
    if item.excludes:
        return f"({var} is not None and {var} not in {_literal(item.excludes, where)})"
    parts = [f"isinstance({var}, (int, float))"]
    # `not v < min` rather than `v >= min`: the same comparison Item.holds makes.
    if item.min is not None:
        parts.append(f"not {var} < {_value(item.min, where)}")
    if item.max is not None:
        parts.append(f"not {var} > {_value(item.max, where)}")
    return "(" + " and ".join(parts) + ")"


def _disjunction(parts: list[str]) -> str:
    return " or ".join(parts) if parts else "False"


# Two-valued: experta's firing -----------------------------------------------------------

def _fires(when: When, names: _Names, concluded: set[str], where: str) -> str:
    """When the rule fires, given the conclusions reached so far (a list each: empty = not reached)."""

    def holds(item: Item) -> str:
        if item.concluded is not None:
            return names.conclusion(item.concluded) if item.concluded in concluded else "False"
        return _holds(item, names.field(item.field), where)

    parts = [holds(i) for i in when.all]
    if when.any:
        parts.append("(" + " or ".join(holds(i) for i in when.any) + ")")
    parts += [f"not {holds(i)}" for i in when.none]
    return " and ".join(parts) if parts else "True"


def conclusion_order(kb: KnowledgeBase) -> list[str]:
    """Conclusion names, each after the conclusions its rules need (they chain)."""
    needs: dict[str, set[str]] = {}
    for rule in kb.rules_of("conclusion"):
        needs.setdefault(rule.concludes, set()).update(rule.when.conclusions())
    order: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in order or name not in needs:
            return
        if name in visiting:
            cycle = " -> ".join(visiting[visiting.index(name):] + [name])
            raise CompileError(f"conclusions depend on each other in a cycle ({cycle}), which the compiled "
                               f"engine cannot order (--engine experta runs them)")
        visiting.append(name)
        for other in sorted(needs[name]):
            visit(other)
        visiting.pop()
        order.append(name)

    for name in needs:
        visit(name)
    return order


def _fire_source(kb: KnowledgeBase, names: _Names) -> list[str]:
    body: list[str] = []
    by_name: dict[str, list[RuleSpec]] = {}
    for rule in kb.rules_of("conclusion"):
        by_name.setdefault(rule.concludes, []).append(rule)
    order = conclusion_order(kb)
    for name in order:
        var = names.conclusion(name)
        body.append(f"    {var} = []  # {name!r}")
        # Sorted ids, as TriageEngine.run reports them.
        for rule in sorted(by_name[name], key=lambda r: r.id):
            body.append(f"    if {_fires(rule.when, names, set(order), rule.id)}:")
            body.append(f"        {var}.append({rule.id!r})")
    for kind, out in (("evidence", "evidence"), ("red_flag", "flags")):
        body.append(f"    {out} = []")
        for rule in sorted(kb.rules_of(kind), key=lambda r: r.id):
            body.append(f"    if {_fires(rule.when, names, set(order), rule.id)}:")
            body.append(f"        {out}.append({rule.id!r})")
    body.append("    conclusions = {}")
    for name in sorted(order):
        var = names.conclusion(name)
        body.append(f"    if {var}:")
        body.append(f"        conclusions[{name!r}] = tuple({var})")
    body.append("    return Firing(conclusions, tuple(evidence), tuple(flags))")
    return body


# Three-valued: the what-if analysis --------------------------------------------------------

def _truth(when: When, names: _Names, concluded: set[str], where: str, indent: str, target: str) -> list[str]:
    """Lines that set ``target`` to When.truth (True, False or None for unknown).

    Kleene logic is order-free: FALSE if any part is false, else UNKNOWN if any part is
    unknown, else TRUE. A conclusion variable holds its three-valued truth here.
    """

    def var(item: Item) -> str:
        if item.concluded is not None:
            return names.conclusion(item.concluded) if item.concluded in concluded else "False"
        return names.field(item.field)

    def is_true(item: Item) -> str:
        if item.concluded is not None:
            return f"{var(item)} is True"
        return _holds(item, var(item), where)

    def is_false(item: Item) -> str:
        if item.concluded is not None:
            return f"{var(item)} is False"
        return f"({var(item)} is not None and not {_holds(item, var(item), where)})"

    def is_unknown(item: Item) -> str:
        return f"{var(item)} is None"

    false = [is_false(i) for i in when.all]
    unknown = [is_unknown(i) for i in when.all]
    if when.any:
        false.append("(" + " and ".join(is_false(i) for i in when.any) + ")")
        # Past the false test, "any" is true or unknown: unknown when no item is true.
        unknown.append("not (" + " or ".join(is_true(i) for i in when.any) + ")")
    false += [is_true(i) for i in when.none]
    # An unanswered field never blocks through none; an unknown conclusion leaves it open.
    unknown += [is_unknown(i) for i in when.none if i.concluded is not None]
    return [f"{indent}if {_disjunction(false)}:", f"{indent}    {target} = False",
            f"{indent}elif {_disjunction(unknown)}:", f"{indent}    {target} = None",
            f"{indent}else:", f"{indent}    {target} = True"]


def _pending_source(kb: KnowledgeBase, names: _Names, askers: list[RuleSpec]) -> list[str]:
    body: list[str] = []
    order = conclusion_order(kb)
    by_name: dict[str, list[RuleSpec]] = {}
    for rule in kb.rules_of("conclusion"):
        by_name.setdefault(rule.concludes, []).append(rule)
    for name in order:
        var = names.conclusion(name)
        body.append(f"    {var} = False  # {name!r}: any of its rules, in Kleene logic")
        for rule in by_name[name]:
            body += _truth(rule.when, names, set(order), rule.id, "    ", "r")
            body.append(f"    if r is True or (r is None and {var} is False):")
            body.append(f"        {var} = r")
    truth = ", ".join(f"{name!r}: {names.conclusion(name)}" for name in by_name)
    body.append(f"    truth = {{{truth}}}")
    body.append("    waiting = []")
    for index, rule in enumerate(askers):
        body += _truth(rule.when, names, set(order), rule.id, "    ", "r")
        body.append("    if r is None:")
        body.append(f"        waiting.append(ASKERS[{index}])")
    body.append("    return truth, waiting")
    return body


def compile_source(kb: KnowledgeBase, askers: list[RuleSpec]) -> str:
    """The Python source of ``fire`` and ``pending`` for this knowledge base."""
    header = [f'"""Generated from the knowledge base {kb.version} by triage/compiled.py. Do not edit."""', ""]
    functions = []
    # pending takes the knowledge base it was compiled from, as triage.whatif.pending_rules does.
    for signature, make in (("fire(answers)", lambda n: _fire_source(kb, n)),
                            ("pending(_kb, answers)", lambda n: _pending_source(kb, n, askers))):
        names = _Names()
        body = make(names)
        functions += [f"def {signature}:", "    get = answers.get", *names.reads(), *body, "", ""]
    return "\n".join(header + functions)


@dataclass
class CompiledEngine:
    """The compiled rules of one knowledge base: ``run`` as TriageEngine.run, ``pending`` as
    triage.whatif.pending_rules."""

    kb: KnowledgeBase

    def __post_init__(self):
        # The what-if order: every evidence and red-flag rule, in knowledge-base order.
        askers = [r for r in self.kb.rules if r.kind != "conclusion"]
        self.source = compile_source(self.kb, askers)
        filename = f"<kneetriage rules {self.kb.version}>"
        # A traceback through the generated code shows its lines.
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        namespace = {"Firing": Firing, "ASKERS": tuple(askers)}
        exec(compile(self.source, filename, "exec"), namespace)
        self.run = namespace["fire"]
        self.pending = namespace["pending"]


if __name__ == "__main__":
    from triage.knowledge import load_knowledge

    print(CompiledEngine(load_knowledge()).source)
