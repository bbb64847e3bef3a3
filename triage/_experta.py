"""The one place that imports experta.

experta 1.9.4 (the last release on PyPI) pins frozendict 1.2, whose ``frozendict`` class
subclasses ``collections.Mapping``. That alias was removed in Python 3.10, so a plain
``import experta`` fails with ``AttributeError: module 'collections' has no attribute
'Mapping'``. Restoring the alias before the import is enough: frozendict 1.2 uses nothing
else that moved. Every other module imports experta names from here, never directly.
"""

import collections
import collections.abc

if not hasattr(collections, "Mapping"):  # Python >= 3.10
    collections.Mapping = collections.abc.Mapping

from experta import AS, NOT, TEST, Fact, KnowledgeEngine, L, P, Rule  # noqa: E402

__all__ = ["AS", "NOT", "TEST", "Fact", "KnowledgeEngine", "L", "P", "Rule"]
