"""The JSON API (/api/v1): assess, score, the next question, the field catalogue, its OpenAPI.

Every answer is JSON, errors too: 400 for JSON that does not parse, 413 beyond the size limit,
422 for a form that breaks the contract (each problem names the field, the value given and
the accepted values), never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from triage.assess import assess
from triage.assessment import DISCLAIMER
from triage.batch.readers import Row
from triage.batch.runner import Scorer, Settings as ScoreSettings
from triage.batch.writers import _jsonable
from triage.forms import FormError, Problem, parse_form
from triage.web.app import error_response
from triage.web.dialogue import ENGINE_LOCK, MODES, describe, next_for
from triage.web.openapi import openapi_document

api = Blueprint("api", __name__, url_prefix="/api/v1")
EMERGENCY_LEVELS = ("emergency_ambulance", "emergency")
SOURCE = "request"


class ApiError(Exception):
    def __init__(self, status: int, message: str, problems: list[Problem] = ()):
        super().__init__(message)
        self.status, self.message, self.problems = status, message, list(problems)


@api.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error.status, error.message, problems=[_problem(p) for p in error.problems])


def _problem(p: Problem) -> dict:
    return {"field": p.field, "value": _jsonable(p.value), "message": p.message, "accepted": p.accepted}


def _ext():
    return current_app.extensions["kneetriage"]


def read_json(expect: type) -> Any:
    """The request body as JSON of the expected kind, or an ApiError saying what is wrong."""
    body = request.get_data(cache=True)     # beyond the size limit: 413, as JSON
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ApiError(400, "The request body is not UTF-8 text.") from None
    except ValueError as error:
        raise ApiError(400, f"The request body is not valid JSON ({getattr(error, 'msg', error)}).") from None
    if not isinstance(data, expect):
        kind = {dict: "a JSON object", list: "a JSON array"}[expect]
        raise ApiError(422, f"The request body must be {kind}.",
                       [Problem("(body)", type(data).__name__, f"expected {kind}", accepted=kind)])
    return data


def _form(data: dict):
    try:
        return parse_form(data)
    except FormError as error:
        raise ApiError(422, "The form does not follow the intake-form contract.", error.problems) from None


@api.post("/assess")
def assess_one():
    """One contract form in; the same JSON as `kneetriage assess --format json` out."""
    form = _form(read_json(dict))
    with ENGINE_LOCK:
        result = assess(form, kb=_ext()["kb"])
    return current_app.response_class(json.dumps(result.to_dict(), default=str), mimetype="application/json")


@api.post("/score")
def score_many():
    """A JSON array of forms in; one row per form, in order, error rows included."""
    forms = read_json(list)
    rows = []
    with ENGINE_LOCK:
        scorer = Scorer(ScoreSettings("jsonl", rules_dir=_ext()["rules_dir"]))
        for number, data in enumerate(forms, start=1):
            if isinstance(data, dict):
                row = Row(SOURCE, number, number, data)
            else:
                row = Row(SOURCE, number, number, None, (Problem(
                    "(form)", _jsonable(data), "a form must be a JSON object", accepted="a JSON object"),))
            # Every row carries the disclaimer, an error row too (as every CSV row does).
            rows.append({"disclaimer": DISCLAIMER, **scorer.score(row).to_dict()})
    return current_app.response_class(json.dumps(rows, default=str), mimetype="application/json")


@api.post("/questionnaire/next")
def questionnaire_next():
    """The answers so far in; the next step, or the result, out."""
    body = read_json(dict)
    unknown_keys = sorted(set(body) - {"answers", "mode"})
    if unknown_keys:
        raise ApiError(422, "Unknown keys in the request.", [Problem(k, None, "not a key of this request",
                                                                    accepted="answers, mode") for k in unknown_keys])
    answers = body.get("answers", {})
    mode = body.get("mode", "patient")
    if not isinstance(answers, dict):
        raise ApiError(422, "answers must be a JSON object (a contract form).",
                       [Problem("answers", _jsonable(answers), "expected a JSON object", accepted="a JSON object")])
    if mode not in MODES:
        raise ApiError(422, "Unknown mode.", [Problem("mode", _jsonable(mode), "not a mode", accepted=", ".join(MODES))])
    try:
        step, result = next_for(answers, clinician=mode == "clinician", kb=_ext()["kb"])
    except FormError as error:
        raise ApiError(422, "The answers do not follow the intake-form contract.", error.problems) from None
    kb = _ext()["kb"]
    emergencies = [{"id": f.id, "title": kb.flag(f.id).patient_title, "level": f.level, "advice": f.advice,
                    "action": kb.level(f.level).action}
                   for f in result.red_flags if f.level in EMERGENCY_LEVELS]
    out = {"done": step is None, "step": describe(step) if step is not None else None,
           "triage_level": result.triage_level, "emergencies": emergencies,
           "assessment": result.to_dict() if step is None else None, "disclaimer": DISCLAIMER}
    return current_app.response_class(json.dumps(out, default=str), mimetype="application/json")


def catalogue_entries(kb) -> list[dict]:
    out = []
    for spec in kb.catalogue:
        entry = {"name": spec.name, "type": spec.type, "group": spec.group, "patient": spec.patient,
                 "clinician": spec.clinician, "help": spec.help, "accepted": spec.accepted()}
        if spec.values:
            entry["values"] = list(spec.values)
            entry["value_labels"] = {v: spec.label(v) for v in spec.values}
        if spec.min is not None:
            entry["min"], entry["max"] = spec.min, spec.max
        if spec.requires:
            entry["requires"] = dict(spec.requires)
        out.append(entry)
    return out


@api.get("/fields")
def fields():
    """The field catalogue: every field of the contract, its type, wording and accepted values."""
    return jsonify({"fields": catalogue_entries(_ext()["kb"]), "disclaimer": DISCLAIMER})


@api.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(_ext()["kb"]))
