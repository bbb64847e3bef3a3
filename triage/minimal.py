"""The smallest form that raises each red-flag rule: for the safety table of docs/validation.md
and for a test that every red-flag rule can fire from a form alone.

A rule's `when` is satisfied with as few answers as possible: each `all` item by its first
accepted value, an `any` by its cheapest item, a conclusion by the cheapest rule that reaches it.
`none` items are left unanswered (an unanswered field never blocks a rule).
"""

from __future__ import annotations

from typing import Any

from triage.knowledge import KnowledgeBase, RuleSpec
from triage.matching import Item


def _value(kb: KnowledgeBase, item: Item) -> Any:
    spec = kb.catalogue[item.field]
    if item.equals:
        return item.equals[0]
    if item.excludes:
        return next(v for v in spec.choices() if v not in item.excludes)
    low = item.min if item.min is not None else spec.min
    return int(low) if spec.type == "integer" else low


def _conclusion(kb: KnowledgeBase, name: str, seen: frozenset) -> dict | None:
    options = [_rule_form(kb, r, seen | {name}) for r in kb.rules_of("conclusion") if r.concludes == name]
    options = [o for o in options if o is not None]
    return min(options, key=lambda form: (len(form), sorted(form)), default=None)


def _item_form(kb: KnowledgeBase, item: Item, seen: frozenset) -> dict | None:
    if item.concluded is not None:
        return None if item.concluded in seen else _conclusion(kb, item.concluded, seen)
    return {item.field: _value(kb, item)}


def _merge(forms) -> dict | None:
    out: dict = {}
    for form in forms:
        if form is None:
            return None
        for name, value in form.items():
            if out.get(name, value) != value:
                return None          # two items want different answers: not this way
            out[name] = value
    return out


def _rule_form(kb: KnowledgeBase, rule: RuleSpec, seen: frozenset = frozenset()) -> dict | None:
    base = _merge(_item_form(kb, item, seen) for item in rule.when.all)
    if base is None or not rule.when.any:
        return base
    options = [_merge([base, _item_form(kb, item, seen)]) for item in rule.when.any]
    options = [o for o in options if o is not None]
    return min(options, key=lambda form: (len(form), sorted(form)), default=None)


def minimal_form(kb: KnowledgeBase, rule: RuleSpec) -> dict | None:
    """The fewest answers that make ``rule`` fire (a contract mapping), or None if it cannot."""
    return _rule_form(kb, rule)
