"""The JSON API (/api/v1) over HTTP: every route, every error, and agreement with the CLI."""

import json

import pytest

from tests.test_questionnaire import ITBS, play
from tests.webclient import make_app
from triage.assess import assess
from triage.assessment import DISCLAIMER
from triage.forms import parse_form
from triage.questionnaire import Session
from triage.web.api import catalogue_entries


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


FORM = {"form_id": "A1", "age": 31, "pain_location": "lateral", "onset": "gradual",
        "run_pain_pattern": "starts_at_predictable_distance", "aggr_downhill_running": "yes"}


def test_assess_returns_what_the_cli_prints(client, runner, tmp_path):
    from triage.cli import cli
    path = tmp_path / "form.json"
    path.write_text(json.dumps(FORM))
    printed = json.loads(runner.invoke(cli, ["assess", str(path), "--format", "json"], catch_exceptions=False).output)
    response = client.post("/api/v1/assess", json=FORM)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == printed
    assert printed["top_condition"] == "itbs" and printed["disclaimer"] == DISCLAIMER


def test_a_bad_form_is_422_naming_the_field_the_value_and_the_accepted_values(client):
    response = client.post("/api/v1/assess", json={"pain_location": "elbow", "age": 300, "colour": "red"})
    assert response.status_code == 422
    body = response.get_json()
    problems = {p["field"]: p for p in body["problems"]}
    assert set(problems) == {"pain_location", "age", "colour"}
    assert problems["pain_location"]["value"] == "elbow" and "lateral" in problems["pain_location"]["accepted"]
    assert "100" in problems["age"]["accepted"] and body["disclaimer"] == DISCLAIMER


@pytest.mark.parametrize("path", ["/api/v1/assess", "/api/v1/score", "/api/v1/questionnaire/next"])
def test_malformed_json_is_400(client, path):
    response = client.post(path, data=b'{"age": 31,', content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.get_json()["error"]
    response = client.post(path, data=b"\xff\xfe", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("path, body", [("/api/v1/assess", []), ("/api/v1/score", {}), ("/api/v1/questionnaire/next", "x")])
def test_the_wrong_kind_of_json_is_422(client, path, body):
    response = client.post(path, json=body)
    assert response.status_code == 422 and response.get_json()["problems"][0]["field"] == "(body)"


def test_a_body_beyond_the_limit_is_413():
    client = make_app(max_body=2048).test_client()
    response = client.post("/api/v1/score", data=json.dumps([FORM] * 100), content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "The request is too large."


def test_score_gives_one_row_per_form_in_order_error_rows_included(client):
    forms = [FORM, {"form_id": "bad", "swelling": "huge"}, 42, {"form_id": "B2", "knee_hot_red": "yes", "fever_or_unwell": "yes"}]
    rows = client.post("/api/v1/score", json=forms).get_json()
    assert [r["status"] for r in rows] == ["ok", "error", "error", "ok"]
    assert [r["form_id"] for r in rows][:2] == ["A1", "bad"] and rows[3]["form_id"] == "B2"
    assert rows[1]["problems"][0]["field"] == "swelling" and "marked" in rows[1]["problems"][0]["accepted"]
    assert rows[2]["row"] == 3 and "JSON object" in rows[2]["error"]
    assert rows[0]["top_condition"] == assess(parse_form(FORM)).top_condition
    assert rows[3]["triage_level"] == "emergency"
    assert all(r["disclaimer"] == DISCLAIMER for r in rows)


def test_score_of_an_empty_array_is_an_empty_array(client):
    assert client.post("/api/v1/score", json=[]).get_json() == []


def _api_reply(kb, step, story):
    """A client's answers to one step, as contract fields: a question's field, or every field of
    a checklist's lines (the story's value, else "no" for a yes/no, else unknown)."""
    names = [step["field"]] if step["kind"] == "question" else [f for item in step["items"] for f in item["fields"]]
    out = {}
    for name in names:
        default = {"yesno": "no", "exam": "negative"}.get(kb.catalogue[name].type, "unknown")
        out[name] = story.get(name, default)
    return out


def test_next_walks_the_dialogue_of_the_session_to_the_clis_result(client, kb):
    answers, asked = {}, []
    for _ in range(60):
        body = client.post("/api/v1/questionnaire/next", json={"answers": answers}).get_json()
        if body["done"]:
            break
        step = body["step"]
        assert step["kind"] in ("question", "checklist") and step["text"] and "accepted" in step
        asked.append(step.get("field") or step["key"])
        answers.update(_api_reply(kb, step, ITBS))
    # The warning signs come first, on one checklist, as in the terminal.
    assert asked[0] == play(Session(kb), ITBS, default="no")[0] == "screen"
    assert body["assessment"]["top_condition"] == "itbs" and body["step"] is None
    assert body["assessment"]["triage_level"] == assess(parse_form(answers), kb=kb).triage_level


def test_next_reports_an_emergency_as_soon_as_it_is_raised(client):
    body = client.post("/api/v1/questionnaire/next",
                       json={"answers": {"knee_hot_red": "yes", "fever_or_unwell": "yes"}}).get_json()
    assert body["triage_level"] == "emergency"
    assert [e["id"] for e in body["emergencies"]] == ["septic_arthritis"] and body["emergencies"][0]["action"]


def test_next_in_clinician_mode_may_ask_examination_findings(client, kb):
    answers = {**ITBS}
    kinds = set()
    for _ in range(60):
        body = client.post("/api/v1/questionnaire/next", json={"answers": answers, "mode": "clinician"}).get_json()
        if body["done"]:
            break
        step = body["step"]
        for name in _api_reply(kb, step, {}):
            kinds.add(kb.catalogue[name].is_exam)
            answers[name] = "unknown"
    assert True in kinds


@pytest.mark.parametrize("body, field", [({"answers": [], "mode": "patient"}, "answers"), ({"mode": "doctor"}, "mode"),
                                          ({"answers": {}, "extra": 1}, "extra"), ({"answers": {"age": "old"}}, "age")])
def test_next_refuses_bad_requests_naming_the_key(client, body, field):
    response = client.post("/api/v1/questionnaire/next", json=body)
    assert response.status_code == 422 and response.get_json()["problems"][0]["field"] == field


def test_fields_is_the_catalogue(client, kb):
    body = client.get("/api/v1/fields").get_json()
    assert [f["name"] for f in body["fields"]] == kb.catalogue.names
    assert body["fields"] == catalogue_entries(kb) and body["disclaimer"] == DISCLAIMER
    swelling = next(f for f in body["fields"] if f["name"] == "swelling")
    assert "marked" in swelling["values"]


def test_the_openapi_document_describes_every_route_of_the_api(client):
    app = make_app()
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    routes = {(rule.rule, method.lower()) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented
    assert set(doc["components"]["schemas"]["Form"]["properties"]) == set(make_app().extensions["kneetriage"]["kb"].catalogue.names)


def test_the_openapi_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate
    validate(make_app().test_client().get("/api/v1/openapi.json").get_json())


def test_api_errors_are_json_never_a_traceback(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404 and response.get_json()["status"] == 404
    response = client.get("/api/v1/assess")
    assert response.status_code == 405 and response.mimetype == "application/json"


def test_the_api_is_rate_limited_with_json():
    client = make_app(rate_limit=2).test_client()
    statuses = [client.get("/api/v1/fields").status_code for _ in range(3)]
    response = client.get("/api/v1/fields")
    assert statuses == [200, 200, 429] and response.get_json()["status"] == 429 and response.headers["Retry-After"]


def test_every_api_response_has_the_security_headers(client):
    for response in (client.get("/api/v1/fields"), client.post("/api/v1/assess", json={"age": "x"})):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer" and response.headers["Cache-Control"] == "no-store"
