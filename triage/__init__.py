"""kneetriage: explainable triage of knee pain in runners.

    >>> import triage
    >>> form = triage.parse_form({"pain_location": "lateral", "onset": "gradual"})
    >>> result = triage.assess(form)
    >>> result.triage_level, result.top_condition

It supports, and does not replace, the judgement of a clinician.
"""

import importlib
import sys
import types

__version__ = "0.1.0"

# Each name is imported when first used, so that `kneetriage --help` (which needs only the
# version) does not load the knowledge base, the rule engine and the templates.
_EXPORTS = {
    "assess": "triage.assess", "parse_form": "triage.forms", "Form": "triage.forms",
    "FormError": "triage.forms", "Assessment": "triage.assessment", "DISCLAIMER": "triage.assessment",
    "load_knowledge": "triage.knowledge",
}

__all__ = list(_EXPORTS)


class _Package(types.ModuleType):
    def __getattr__(self, name):
        if name not in _EXPORTS:
            raise AttributeError(f"module 'triage' has no attribute {name!r}")
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        setattr(self, name, value)
        return value

    def __setattr__(self, name, value):
        # Importing the submodule triage.assess binds its name on the package; the name is
        # the function's, as it was when this file imported everything up front.
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(__all__))


sys.modules[__name__].__class__ = _Package
