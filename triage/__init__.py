"""kneetriage: explainable triage of knee pain in runners.

    >>> import triage
    >>> form = triage.parse_form({"pain_location": "lateral", "onset": "gradual"})
    >>> result = triage.assess(form)
    >>> result.triage_level, result.top_condition

It supports, and does not replace, the judgement of a clinician.
"""

__version__ = "0.1.0"

from triage.assess import assess  # noqa: E402
from triage.assessment import DISCLAIMER, Assessment  # noqa: E402
from triage.forms import Form, FormError, parse_form  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402

__all__ = ["assess", "parse_form", "Form", "FormError", "Assessment", "DISCLAIMER", "load_knowledge"]
