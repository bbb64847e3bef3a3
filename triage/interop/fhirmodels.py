"""The FHIR models we validate against, in one place: fhir.resources' R4B package (FHIR 4.3.0).

The resources we use (Questionnaire, QuestionnaireResponse, RiskAssessment, DetectedIssue,
OperationOutcome, CodeSystem, Bundle) have the same elements in R4 (4.0.1) and R4B (4.3.0).
fhir.resources checks structure and data types; it does not check required codes' values
(status, item type), so those are checked where we read them.
"""

from __future__ import annotations

import importlib

from pydantic import ValidationError

FHIR_VERSION = "4.3.0"
_MODULES = {
    "Bundle": "bundle", "CodeSystem": "codesystem", "DetectedIssue": "detectedissue",
    "OperationOutcome": "operationoutcome", "Questionnaire": "questionnaire",
    "QuestionnaireResponse": "questionnaireresponse", "RiskAssessment": "riskassessment",
}

__all__ = ["ValidationError", "validate", "model"]


def model(resource_type: str):
    module = importlib.import_module(f"fhir.resources.R4B.{_MODULES[resource_type]}")
    return getattr(module, resource_type)


def validate(resource: dict) -> dict:
    """The resource itself, once its fhir.resources model accepts it (else ValidationError).

    A Bundle's model validates every entry's resource by its own type, so a Bundle is checked
    once, whole. The resource is returned as built rather than re-serialised from the model,
    which would double the time and only reorder the keys.
    """
    model(resource["resourceType"]).model_validate(resource)
    return resource
