"""The two inference backends, and which one a process runs.

``experta`` is the reference: the rule engine of the design, triage/engine.py. ``compiled`` is
the same rules generated as plain Python (triage/compiled.py), tens of times faster; CI proves
the two give the same full output (tests/test_backends.py). Each is imported only when used, so
a process on the compiled rules never loads experta.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from triage.firing import Firing
from triage.knowledge import KnowledgeBase, load_knowledge

ENGINES = ("experta", "compiled")
REFERENCE = "experta"

_chosen = REFERENCE


def use(name: str) -> None:
    """Make ``name`` the engine of this process (the ``--engine`` option of every command)."""
    global _chosen
    if name not in ENGINES:
        raise ValueError(f"no engine {name!r}; choose from {', '.join(ENGINES)}")
    _chosen = name


def chosen() -> str:
    return _chosen


@dataclass(frozen=True)
class Backend:
    """What assess() needs of an engine: the firing of a form, and the what-if analysis's
    pending rules (``(kb, answers) -> (conclusion truths, rules)``, as whatif.pending_rules)."""

    name: str
    run: Callable[[dict], Firing]
    pending: Callable[[KnowledgeBase, Any], tuple]


def _build(kb: KnowledgeBase, name: str) -> Backend:
    if name == "compiled":
        from triage.compiled import CompiledEngine

        engine = CompiledEngine(kb)
        return Backend(name, engine.run, engine.pending)
    from triage.engine import TriageEngine
    from triage.whatif import pending_rules

    return Backend(name, TriageEngine(kb).run, pending_rules)


_ENGINES: dict = {}


def get_engine(kb: KnowledgeBase | None = None, name: str | None = None) -> Backend:
    """The engine of this process for a knowledge base, built once (experta binds an engine to
    its rules, and building either costs milliseconds)."""
    kb = kb or load_knowledge()
    name = name or _chosen
    key = (id(kb), name)
    if key not in _ENGINES:
        if name not in ENGINES:
            raise ValueError(f"no engine {name!r}; choose from {', '.join(ENGINES)}")
        _ENGINES[key] = (kb, _build(kb, name))     # kb kept so that its id is not reused
    return _ENGINES[key][1]


if hasattr(os, "register_at_fork"):
    # A forked child (a batch worker) builds its own engine rather than share its parent's.
    os.register_at_fork(after_in_child=_ENGINES.clear)
