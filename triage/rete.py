"""experta's matcher and agenda strategy as this engine uses them: one correction, three costs removed.

The engine (triage/engine.py) sets these on its KnowledgeEngine class. experta still does all
of the matching and firing; nothing here decides what a rule concludes. They are subclasses
and per-network rewiring, not patches of experta's classes, so no other engine is affected.

1. Correction. experta 1.9.4's DepthStrategy withdraws an activation by bisecting to the first
   activation with an equal key (salience, fact ids) and looking only at that slot and its two
   neighbours. Every evidence rule that matches only the form fact has the same key, so when a
   conclusion blocks one of them (``none: concluded``) its activation was often not found and
   the rule fired anyway; which one depended on hash order, so a form could score differently
   from one run to the next (see nilp0inter/experta#10). ``DepthStrategy`` below searches the
   whole run of equal keys.
2. Polling. After every change, experta asks every conflict-set node (at least one per rule)
   for new activations. ``Matcher`` records which nodes received a token and asks only those,
   in experta's order.
3. reset(). experta resets the network recursively, visiting shared nodes many times with a
   debug-log call at each; ``Matcher.reset`` resets each node that has a memory once.
4. Token copies. Every node copies each token it receives (re-validating every fact in it)
   and logs it; each alpha test also parses its field path. The lean alpha activation tests
   first, reads the field directly and makes a new token only for what it passes on, with the
   same context checks as experta's FeatureTesterNode; the other nodes, which never change a
   token they receive, take it without a copy. (So experta's MATCH and MATCHER watchers no
   longer log this network, and TriageEngine.run does not log RULES; FACTS still logs.)

tests/test_engine_speedups.py checks that the engine fires exactly the rules whose ``when``
holds, on hundreds of generated forms; docs/performance.md measures each step.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping

from triage import _experta  # noqa: F401  (the frozendict shim must run before experta loads)
from experta.matchers import ReteMatcher
from experta.matchers.rete.check import FeatureCheck
from experta.matchers.rete.mixins import ChildNode, NoMemory
from experta.matchers.rete.nodes import FeatureTesterNode
from experta.matchers.rete.token import Token
from experta.strategies import DepthStrategy as _ExpertaDepthStrategy


class DepthStrategy(_ExpertaDepthStrategy):
    """experta's depth strategy, withdrawing activations correctly when keys are equal."""

    def get_key(self, activation):
        # The same key as experta's, computed directly: experta memoises it with lru_cache,
        # which hashes the whole activation (rule, facts and context) to look it up.
        return (activation.rule.salience, sorted((f["__factid__"] for f in activation.facts), reverse=True))

    def _update_agenda(self, agenda, added, removed):
        activations = agenda.activations
        for act in removed:
            act.key = self.get_key(act)
            # Activations compare by key, so [low, high) holds every activation with this key.
            low = bisect.bisect_left(activations, act)
            high = bisect.bisect_right(activations, act, low)
            for index in range(low, high):
                if activations[index] == act:
                    del activations[index]
                    break
        for act in added:
            act.key = self.get_key(act)
            bisect.insort(activations, act)


def _nodes(root) -> list:
    """Every node of the network once, parents before children."""
    seen: dict[int, object] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(child.node for child in reversed(node.children))
    return list(seen.values())


def _lean_test(check):
    """FeatureCheck.__call__ for a plain field name, without its per-call path parsing and
    match logging; any other check is used as it is."""
    what = getattr(check, "what", None)
    if type(check) is not FeatureCheck or not isinstance(what, str) or "__" in what or what.isnumeric():
        return check
    test, expected = check.check, check.expected

    def lean(fact):
        try:
            value = fact[what]
        except (IndexError, KeyError, TypeError):
            return False
        return test(value, expected)
    return lean


def _lean_alpha_activation(node: FeatureTesterNode):
    """FeatureTesterNode.activate, testing before copying (experta copies first)."""
    matcher, children = _lean_test(node.matcher), node.children

    def activate(token):
        (fact,) = token.data                  # experta raises ValueError too if there are more
        match = matcher(fact)
        if not match:
            return
        context = token.context
        if isinstance(match, Mapping):
            for key, value in match.items():  # the binding checks of FeatureTesterNode._activate
                if isinstance(key, tuple):
                    if key[1] in context and context[key[1]] == value:
                        return
                else:
                    if context.get(key, value) != value:
                        return
                    if (False, key) in context and context[(False, key)] == value:
                        return
            context = {**context, **match}
        else:
            context = context.copy()
        passed = _token(token.tag, token.data.copy(), context)
        for child in children:
            child.callback(passed)

    return activate


def _token(tag, data, context):
    # Token.__new__ re-validates every fact of a token each time a node copies it; the copies
    # made here come from tokens experta has already validated.
    return tuple.__new__(Token, (tag, data, context))


def _lean_callback(child: ChildNode):
    """The callback through which a parent activates ``child``, without experta's copy.

    experta's activate* methods copy every token on entry (re-validating it) and log it. Only
    an alpha node changes a token it receives (it adds bindings to the context); the lean alpha
    activation above makes a new token instead. Join, not, test and conflict-set nodes only
    read theirs and keep frozen TokenInfo copies, so they can take it as it is.
    """
    node, callback = child
    if type(node) is FeatureTesterNode:
        return _lean_alpha_activation(node)
    name = getattr(callback, "__name__", "")
    if getattr(callback, "__self__", None) is node and name in ("activate", "activate_left", "activate_right"):
        return getattr(node, "_" + name)      # what experta's activate* calls after copying
    return callback


class Matcher(ReteMatcher):
    """experta's Rete matcher that polls only the conflict sets a change reached."""

    def __init__(self, engine):
        super().__init__(engine)
        nodes = _nodes(self.root_node)
        self._conflict_sets = self._get_conflict_set_nodes()
        self._touched: set[int] = set()
        for index, node in enumerate(self._conflict_sets):
            node._activate = self._tracking(node._activate, index)
        self._memories = [node for node in nodes if not isinstance(node, NoMemory)]
        for node in nodes:
            node.children[:] = [ChildNode(child.node, _lean_callback(child)) for child in node.children]

    def _tracking(self, activate, index):
        touched = self._touched

        def tracked(token):
            touched.add(index)
            activate(token)
        return tracked

    def changes(self, adding=None, deleting=None):
        root = self.root_node
        for fact in deleting or ():
            root.remove(fact)
        for fact in adding or ():
            root.add(fact)
        added, removed = [], []
        if self._touched:
            # A conflict set that no token reached since it was last asked has nothing new.
            for index in sorted(self._touched):
                node_added, node_removed = self._conflict_sets[index].get_activations()
                added.extend(node_added)
                removed.extend(node_removed)
            self._touched.clear()
        return added, removed

    def reset(self):
        for node in self._memories:
            node._reset()


__all__ = ["DepthStrategy", "Matcher"]
