"""One form from whatever a command was given: a contract mapping, a QuestionnaireResponse, or
a Bundle holding one."""

from __future__ import annotations

from typing import Any, Mapping

from triage.forms import Form, FormError, Problem, parse_form


def parse_any(data: Mapping[str, Any], kb=None) -> Form:
    """A Form, or FormError naming every problem (linkIds for FHIR, fields for the contract)."""
    if not (isinstance(data, dict) and "resourceType" in data):
        return parse_form(data)
    from triage.interop.response import parse_response, resources_of
    from triage.knowledge import load_knowledge

    kb = kb or load_knowledge()
    resources = resources_of(data)
    if len(resources) != 1:
        raise FormError([Problem("entry", len(resources), f"the Bundle holds {len(resources)} resources; one form "
                                 f"is one QuestionnaireResponse (score or report a batch instead)",
                                 accepted="a Bundle of one QuestionnaireResponse")])
    return parse_response(resources[0], kb)
