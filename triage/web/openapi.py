"""The OpenAPI 3.1 document of /api/v1, built from the field catalogue so it cannot drift from it."""

from __future__ import annotations

import triage
from triage.knowledge import KnowledgeBase

TYPES = {"yesno": ["yes", "no", "unknown"], "exam": ["positive", "negative", "not_done"]}


def field_schema(spec) -> dict:
    """One contract field. Readers accept more spellings than listed here (y, true, 1 for yes,
    any case), as the contract welcomes; the lists give the canonical values."""
    out: dict = {"description": f"{spec.clinician}. {spec.help}".strip()}
    if spec.type in TYPES:
        out["anyOf"] = [{"type": "string", "enum": TYPES[spec.type]}, {"type": "boolean"}] \
            if spec.type == "yesno" else [{"type": "string", "enum": TYPES[spec.type]}]
    elif spec.type == "enum":
        out["anyOf"] = [{"type": "string", "enum": list(spec.values) + (["unknown"] if "unknown" not in spec.values else [])}]
    elif spec.type in ("integer", "number"):
        out["anyOf"] = [{"type": spec.type, "minimum": spec.min, "maximum": spec.max},
                        {"type": "string", "enum": ["unknown"]}]
    else:
        out["anyOf"] = [{"type": "string", "maxLength": 200}, {"type": "integer"}]
    out["anyOf"].append({"type": "null"})
    return out


def _error() -> dict:
    return {"description": "An error, as JSON.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(ref: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _errors(*codes: int) -> dict:
    words = {400: "The body is not valid JSON.", 413: "The body is larger than the server's limit.",
             422: "The body does not follow the contract; each problem names the field, the value and the accepted values.",
             429: "Too many requests from this client; see Retry-After."}
    return {str(c): {**_error(), "description": words[c]} for c in codes}


def openapi_document(kb: KnowledgeBase) -> dict:
    form = {"type": "object", "additionalProperties": False,
            "description": "An intake form in the intake-form contract: every field optional, unanswered means not known.",
            "properties": {spec.name: field_schema(spec) for spec in kb.catalogue}}
    assessment = {
        "type": "object", "description": "The explained assessment, as `kneetriage assess --format json` prints it.",
        "required": ["form_id", "status", "triage_level", "red_flags", "top_condition", "outcome",
                     "differential", "triage", "disclaimer"],
        "properties": {
            "form_id": {"type": ["string", "null"]}, "status": {"const": "ok"},
            "triage_level": {"type": "string", "enum": [lv.id for lv in kb.levels]},
            "red_flags": {"type": "array", "items": {"type": "string"}},
            "top_condition": {"type": ["string", "null"]}, "top_score": {"type": ["number", "null"]},
            "outcome": {"type": "string"}, "outcome_text": {"type": "string"},
            "differential": {"type": "array", "items": {"type": "object"}},
            "triage": {"type": "object"}, "disclaimer": {"type": "string"},
        },
    }
    problem = {"type": "object", "required": ["field", "message", "accepted"],
               "properties": {"field": {"type": "string"}, "value": {}, "message": {"type": "string"},
                              "accepted": {"type": "string"}}}
    error_row = {"type": "object", "required": ["form_id", "status", "error", "problems"],
                 "properties": {"form_id": {"type": ["string", "null"]}, "status": {"const": "error"},
                                "error": {"type": "string"}, "row": {"type": "integer"},
                                "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}}}
    step = {"type": "object", "required": ["kind"], "description": (
        "A step of the questionnaire. `kind` says which: `question` has `field`, `text`, `type`, `stage`, "
        "`choices` (number, value, label), `accepted`, `help` and `why` (the rules the answer feeds). "
        "Other kinds (a checklist) carry `items`, each a question."),
        "properties": {"kind": {"type": "string"}, "field": {"type": "string"}, "text": {"type": "string"},
                       "choices": {"type": "array", "items": {"type": "object"}},
                       "items": {"type": "array", "items": {"type": "object"}}},
        "additionalProperties": True}
    return {
        "openapi": "3.1.0",
        "info": {"title": "kneetriage API", "version": triage.__version__, "description": (
            "Explainable triage of knee pain in runners. It supports, and does not replace, the judgement "
            "of a clinician. Every response carries the disclaimer.")},
        "paths": {
            "/api/v1/assess": {"post": {
                "summary": "Assess one intake form", "operationId": "assess",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Form"}}}},
                "responses": {"200": _json("Assessment", "The explained assessment."), **_errors(400, 413, 422, 429)}}},
            "/api/v1/score": {"post": {
                "summary": "Score many forms: one row per form, in order, error rows included", "operationId": "score",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "array", "items": {}}}}},
                "responses": {"200": {"description": "One row per form, in order.", "content": {"application/json": {
                    "schema": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/Assessment"},
                                                                    {"$ref": "#/components/schemas/ErrorRow"}]}}}}},
                              **_errors(400, 413, 422, 429)}}},
            "/api/v1/questionnaire/next": {"post": {
                "summary": "The next question after the answers so far, or the result", "operationId": "questionnaireNext",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False, "properties": {
                        "answers": {"$ref": "#/components/schemas/Form"},
                        "mode": {"type": "string", "enum": ["patient", "clinician"], "default": "patient"}}}}}},
                "responses": {"200": _json("Next", "The next step, or the result when no answer could change it."),
                              **_errors(400, 413, 422, 429)}}},
            "/api/v1/fields": {"get": {
                "summary": "The field catalogue", "operationId": "fields",
                "responses": {"200": {"description": "Every field of the contract.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["fields", "disclaimer"], "properties": {
                        "fields": {"type": "array", "items": {"type": "object", "required": ["name", "type", "accepted"]}},
                        "disclaimer": {"type": "string"}}}}}}, **_errors(429)}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document", "operationId": "openapi",
                "responses": {"200": {"description": "The OpenAPI 3.1 document.", "content": {"application/json": {"schema": {"type": "object"}}}},
                              **_errors(429)}}},
        },
        "components": {"schemas": {
            "Form": form, "Assessment": assessment, "Problem": problem, "ErrorRow": error_row, "Step": step,
            "Next": {"type": "object", "required": ["done", "step", "triage_level", "emergencies", "assessment", "disclaimer"],
                     "properties": {"done": {"type": "boolean"},
                                    "step": {"oneOf": [{"$ref": "#/components/schemas/Step"}, {"type": "null"}]},
                                    "triage_level": {"type": "string"},
                                    "emergencies": {"type": "array", "items": {"type": "object", "required": ["id", "level", "advice", "action"]}},
                                    "assessment": {"oneOf": [{"$ref": "#/components/schemas/Assessment"}, {"type": "null"}]},
                                    "disclaimer": {"type": "string"}}},
            "Error": {"type": "object", "required": ["status", "error", "disclaimer"],
                      "properties": {"status": {"type": "integer"}, "error": {"type": "string"},
                                     "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                                     "disclaimer": {"type": "string"}}},
        }},
    }
