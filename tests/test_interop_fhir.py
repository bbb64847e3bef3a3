"""FHIR interop: the generated Questionnaire and CodeSystems, QuestionnaireResponses in, Bundles out.

Every generated resource is validated with fhir.resources (R4B models); a response built from
each vignette gives the same assessment as its contract form; malformed FHIR gives error rows
and loses none.
"""

import copy
import json
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from tests.strategies import forms
from triage.assess import assess
from triage.cli import cli
from triage.forms import FormError, parse_form
from triage.interop import redcap
from triage.interop import terminology as t
from triage.interop.bundle import assessment_bundle
from triage.interop.fhirmodels import model
from triage.interop.layout import EXAM, WARNING_SIGNS
from triage.interop.questionnaire import build_questionnaire, code_system_bundle
from triage.interop.response import build_response, contract_of, parse_response
from triage.knowledge import load_knowledge
from triage.paths import RULES_DIR

TESTS = Path(__file__).resolve().parent
VIGNETTES = sorted((TESTS / "vignettes").glob("*.yml"))


def revalidated(resource):
    """The resource parsed again by its own fhir.resources model (raises if it is not valid)."""
    return model(resource["resourceType"]).model_validate(json.loads(json.dumps(resource)))


def items(node):
    for item in node.get("item", ()):
        yield item
        yield from items(item)


def questions(questionnaire):
    return [i for i in items(questionnaire) if i["type"] not in ("group", "display")]


@pytest.fixture(scope="module")
def questionnaire(kb):
    return build_questionnaire(kb)


# -- the Questionnaire -------------------------------------------------------------------------

def test_questionnaire_validates_and_asks_every_field_once(kb, questionnaire):
    revalidated(questionnaire)
    link_ids = [i["linkId"] for i in questions(questionnaire)]
    assert sorted(link_ids) == sorted(f.name for f in kb.catalogue.answerable())
    assert len(set(i["linkId"] for i in items(questionnaire))) == len(list(items(questionnaire)))


def test_questionnaire_items_follow_the_catalogue(kb, questionnaire):
    for item in questions(questionnaire):
        spec = kb.catalogue[item["linkId"]]
        assert item["text"] == (spec.clinician if spec.is_exam else spec.patient)
        if spec.choices():
            assert [o["valueCoding"]["code"] for o in item["answerOption"]] == [f"{spec.name}.{v}" for v in spec.choices()]
            assert {o["valueCoding"]["system"] for o in item["answerOption"]} == {t.ANSWER_SYSTEM}
        else:
            assert "answerOption" not in item
        if spec.type in ("integer", "number"):
            bounds = {e["url"].rsplit("/", 1)[1]: e.get("valueInteger", e.get("valueDecimal")) for e in item["extension"]}
            assert bounds == {"minValue": spec.min, "maxValue": spec.max}
        helps = [c for c in item.get("item", ()) if c["type"] == "display"]
        assert [h["text"] for h in helps] == ([spec.help] if spec.help else [])
        for h in helps:
            control = h["extension"][0]["valueCodeableConcept"]["coding"][0]
            assert (control["system"], control["code"]) == (t.ITEM_CONTROL, "help")


def test_dependent_questions_have_enable_when_on_an_earlier_question(kb, questionnaire):
    order = [i["linkId"] for i in questions(questionnaire)]
    dependent = [f for f in kb.catalogue.answerable() if f.requires]
    assert dependent, "the catalogue has dependent questions (the injury mechanism)"
    by_id = {i["linkId"]: i for i in questions(questionnaire)}
    for spec in dependent:
        conditions = by_id[spec.name]["enableWhen"]
        assert [c["question"] for c in conditions] == list(spec.requires)
        for c in conditions:
            assert order.index(c["question"]) < order.index(spec.name)
            other = kb.catalogue[c["question"]]
            expected = other.read(spec.requires[c["question"]])
            if "answerCoding" in c:
                assert c["answerCoding"]["code"] == f"{other.name}.{expected}"
            else:
                assert c["answerBoolean"] == (expected == "yes")


def test_warning_signs_come_first_and_the_examination_in_its_own_group(kb, questionnaire):
    groups = [i for i in questionnaire["item"] if i["type"] == "group"]
    assert groups[0]["linkId"] == f"section.{WARNING_SIGNS}" and groups[-1]["linkId"] == f"section.{EXAM}"
    exam_ids = {i["linkId"] for i in groups[-1]["item"]}
    assert exam_ids == {f.name for f in kb.catalogue.answerable() if f.is_exam}
    red_flag_fields = set()
    for rule in kb.rules_of("red_flag"):
        red_flag_fields |= {f for f in rule.when.fields() if not kb.catalogue[f].is_exam}
    warning_ids = {i["linkId"] for i in groups[0]["item"]}
    assert red_flag_fields <= warning_ids
    # The most urgent first: ranks of the red flags each warning sign feeds never go down.
    from triage.questionnaire import _rules_using

    uses = _rules_using(kb)
    ranks = [min([kb.level(r.level).rank for r in uses.get(i["linkId"], ()) if r.kind == "red_flag"] or [99])
             for i in groups[0]["item"] if not kb.catalogue[i["linkId"]].requires]
    assert ranks[0] == 0 and ranks == sorted(ranks)


def test_the_questionnaire_carries_the_disclaimer(questionnaire):
    assert "does not replace" in questionnaire["item"][0]["text"]
    assert "does not replace" in questionnaire["description"]


def test_code_systems_validate_and_hold_every_code_the_resources_use(kb, questionnaire):
    bundle = code_system_bundle(kb)
    revalidated(bundle)
    codes = {}
    for entry in bundle["entry"]:
        system = entry["resource"]
        assert system["version"] == kb.version
        found = set()
        stack = list(system["concept"])
        while stack:
            c = stack.pop()
            found.add(c["code"])
            stack += c.get("concept", [])
        codes[system["url"]] = found
    for item in questions(questionnaire):
        for option in item.get("answerOption", ()):
            assert option["valueCoding"]["code"] in codes[t.ANSWER_SYSTEM]
    assert codes[t.CONDITION_SYSTEM] == {c.id for c in kb.conditions}
    assert codes[t.RED_FLAG_SYSTEM] == {f.id for f in kb.flags}
    assert codes[t.TRIAGE_LEVEL_SYSTEM] == {lv.id for lv in kb.levels}


def _verhoeff_ok(number: str) -> bool:
    d = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
         [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
         [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
         [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
    p = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
         [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
         [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
    check = 0
    for i, digit in enumerate(reversed(number)):
        check = d[check][p[i % 8][int(digit)]]
    return check == 0


def test_every_snomed_code_is_cited_well_formed_and_names_a_known_concept(kb):
    known = {c.id for c in kb.conditions} | {f.id for f in kb.flags}
    for key, (code, display, source) in t.SNOMED_CODES.items():
        assert key in known, f"{key} is not a condition or red flag of the knowledge base"
        # An SCTID: 6-18 digits, partition 00 (a concept) and a valid Verhoeff check digit.
        assert code.isdigit() and 6 <= len(code) <= 18 and code[-3:-1] == "00" and _verhoeff_ok(code), code
        assert display and source.startswith("https://")
    assert not _verhoeff_ok("430725004")     # the check itself catches a typo


def test_the_generators_pick_up_fields_added_to_the_catalogue(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    added = [
        {"name": "sleep_disturbed", "type": "yesno", "group": "sleep", "patient": "Does the pain wake you?",
         "clinician": "Pain wakes at night", "help": "Night pain matters."},
        {"name": "sleep_hours", "type": "integer", "min": 0, "max": 24, "group": "sleep",
         "patient": "How many hours do you sleep?", "clinician": "Sleep (hours)"},
        {"name": "sleep_position", "type": "enum", "values": ["side", "back", "front"], "group": "sleep",
         "requires": {"sleep_disturbed": "yes"}, "patient": "How do you sleep?", "clinician": "Sleep position"},
        {"name": "exam_new_sign", "type": "exam", "group": "exam", "patient": "A new sign",
         "clinician": "A new sign present"},
    ]
    with (rules / "fields.yml").open("a", encoding="utf-8") as out:
        out.write("\n" + yaml.safe_dump(added, sort_keys=False))
    kb = load_knowledge(str(rules))
    questionnaire = build_questionnaire(kb)
    by_id = {i["linkId"]: i for i in questions(questionnaire)}
    assert by_id["sleep_disturbed"]["type"] == "boolean"
    assert by_id["sleep_hours"]["type"] == "integer"
    assert [o["valueCoding"]["code"] for o in by_id["sleep_position"]["answerOption"]] == [
        "sleep_position.side", "sleep_position.back", "sleep_position.front"]
    assert by_id["sleep_position"]["enableWhen"] == [{"question": "sleep_disturbed", "operator": "=", "answerBoolean": True}]
    assert "exam_new_sign" in {i["linkId"] for i in questionnaire["item"][-1]["item"]}
    assert any(i.get("text") == "Sleep" for i in questionnaire["item"] if i["type"] == "group")
    codes = [c["code"] for e in code_system_bundle(kb)["entry"] if e["resource"]["url"] == t.ANSWER_SYSTEM
             for parent in e["resource"]["concept"] for c in parent.get("concept", ())]
    assert "sleep_position.front" in codes
    response = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "sleep_disturbed", "answer": [{"valueBoolean": True}]},
        {"linkId": "sleep_position", "answer": [{"valueCoding": {"code": "sleep_position.side"}}]}]}
    mapping, problems, _ = contract_of(response, kb.catalogue)
    assert problems == [] and mapping == {"sleep_disturbed": True, "sleep_position": "side"}


# -- QuestionnaireResponse in: the round trip ---------------------------------------------------

@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_a_response_from_each_vignette_gives_the_same_assessment(kb, path):
    form = parse_form(yaml.safe_load(path.read_text(encoding="utf-8"))["form"])
    response = build_response(form, kb)
    revalidated(response)
    again = parse_response(json.loads(json.dumps(response)), kb)
    assert again == form
    assert assess(again, kb=kb).to_dict() == assess(form, kb=kb).to_dict()


def test_a_flat_response_with_bare_codes_and_strings_reads_too(kb):
    response = {"resourceType": "QuestionnaireResponse", "id": "flat-1", "status": "completed", "item": [
        {"linkId": "pain_location", "answer": [{"valueCoding": {"code": "lateral"}}]},
        {"linkId": "onset", "answer": [{"valueString": "gradual"}]},
        {"linkId": "age", "answer": [{"valueInteger": 40}]},
        {"linkId": "aggr_downhill_running", "answer": [{"valueBoolean": False}]}]}
    form = parse_response(response, kb)
    assert form.form_id == "flat-1"
    assert dict(form.answers) == {"age": 40, "onset": "gradual", "pain_location": "lateral",
                                  "aggr_downhill_running": "no"}


def problems_of(kb, response):
    return contract_of(response, kb.catalogue)[1]


def test_malformed_responses_name_the_link_id_the_value_and_what_is_accepted(kb):
    good = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": [
        {"linkId": "onset", "answer": [{"valueCoding": {"code": "onset.gradual"}}]}]}
    [p] = problems_of(kb, {**good, "resourceType": "Observation"})
    assert (p.field, p.value) == ("resourceType", "Observation") and "QuestionnaireResponse" in p.accepted
    unknown = copy.deepcopy(good)
    unknown["item"][0]["linkId"] = "onsett"
    [p] = problems_of(kb, unknown)
    assert p.field == "onsett" and "did you mean 'onset'" in p.message
    wrong_type = copy.deepcopy(good)
    wrong_type["item"][0]["answer"] = [{"valueBoolean": True}]
    [p] = problems_of(kb, wrong_type)
    assert p.field == "onset" and p.value is True and "valueCoding or valueString" in p.message
    wrong_code = copy.deepcopy(good)
    wrong_code["item"][0]["answer"] = [{"valueCoding": {"code": "onset.slowly"}}]
    [p] = problems_of(kb, wrong_code)
    assert p.field == "onset" and "onset.gradual" in p.accepted
    foreign = copy.deepcopy(good)
    foreign["item"][0]["answer"] = [{"valueCoding": {"system": t.SNOMED, "code": "1234"}}]
    [p] = problems_of(kb, foreign)
    assert p.field == "onset" and t.ANSWER_SYSTEM in p.message
    broken = copy.deepcopy(good)
    broken["item"][0]["answer"] = [{"valueInteger": "many"}]
    [p] = problems_of(kb, broken)
    assert p.field == "onset" and p.value == "many"
    two = copy.deepcopy(good)
    two["item"][0]["answer"] *= 2
    [p] = problems_of(kb, two)
    assert p.field == "onset" and "several answers" in p.message
    [p] = problems_of(kb, {**good, "status": "done"})
    assert p.field == "status" and "completed" in p.accepted
    [p] = problems_of(kb, {**good, "questionnaire": "http://example.org/Questionnaire/phq-9|1"})
    assert p.field == "questionnaire" and p.accepted == t.QUESTIONNAIRE_URL
    assert problems_of(kb, {**good, "questionnaire": f"{t.QUESTIONNAIRE_URL}|any-version"}) == []


def test_a_contract_error_in_a_response_reads_as_the_contract_says_it(kb):
    response = {"resourceType": "QuestionnaireResponse", "status": "completed",
                "item": [{"linkId": "age", "answer": [{"valueInteger": 150}]}]}
    with pytest.raises(FormError) as error:
        parse_response(response, kb)
    with pytest.raises(FormError) as contract:
        parse_form({"age": 150})
    assert str(error.value) == str(contract.value)


# -- Bundles out ----------------------------------------------------------------------------------

def _resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("path", VIGNETTES[::7], ids=lambda p: p.stem)
def test_every_bundle_validates_and_maps_the_assessment(kb, path):
    result = assess(parse_form(yaml.safe_load(path.read_text(encoding="utf-8"))["form"]), kb=kb)
    bundle = assessment_bundle(result, kb)
    revalidated(bundle)
    for entry in bundle["entry"]:
        revalidated(entry["resource"])
    [response] = _resources(bundle, "QuestionnaireResponse")
    [risk] = _resources(bundle, "RiskAssessment")
    response_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is response)
    assert risk["basis"][0]["reference"] == response_url
    assert risk["method"]["coding"][0]["version"] == kb.version
    assert [p["outcome"]["coding"][-1]["code"] for p in risk["prediction"]] == [c.id for c in result.differential]
    assert [p["probabilityDecimal"] for p in risk["prediction"]] == [c.score for c in result.differential]
    assert risk["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == result.triage_level
    assert any("does not replace" in n["text"] for n in risk["note"])
    for prediction, condition in zip(risk["prediction"], result.differential):
        for use in condition.supporting + condition.opposing:
            assert use.rule in prediction["rationale"]
    issues = _resources(bundle, "DetectedIssue")
    assert [i["code"]["coding"][-1]["code"] for i in issues] == [f.id for f in result.red_flags]
    for issue, flag in zip(issues, result.red_flags):
        assert flag.advice in issue["detail"] and issue["evidence"][0]["detail"][0]["reference"] == response_url
    assert parse_response(response, kb).answers == result.answers


def test_a_verified_snomed_code_rides_beside_ours(kb):
    result = assess(parse_form({"pain_location": "anterior_diffuse", "onset": "gradual"}), kb=kb)
    [risk] = _resources(assessment_bundle(result, kb), "RiskAssessment")
    pfps = next(p for p in risk["prediction"] if p["outcome"]["coding"][-1]["code"] == "pfps")
    assert pfps["outcome"]["coding"][0] == {"system": t.SNOMED, "code": "430725003",
                                            "display": "Patellofemoral stress syndrome"}
    itbs = next(p for p in risk["prediction"] if p["outcome"]["coding"][-1]["code"] == "itbs")
    assert [c["system"] for c in itbs["outcome"]["coding"]] == [t.CONDITION_SYSTEM]


# -- the commands -------------------------------------------------------------------------------

def test_fhir_commands_write_valid_resources(runner, tmp_path):
    out = tmp_path / "q.json"
    result = runner.invoke(cli, ["fhir", "questionnaire", "-o", str(out)])
    assert result.exit_code == 0, result.output
    revalidated(json.loads(out.read_text(encoding="utf-8")))
    result = runner.invoke(cli, ["fhir", "codesystem"])
    assert result.exit_code == 0
    revalidated(json.loads(result.stdout))


def _ndjson(path, resources):
    path.write_text("".join(json.dumps(r) + "\n" for r in resources), encoding="utf-8")
    return path


def test_score_reads_ndjson_and_bundles_and_loses_no_row(runner, tmp_path):
    good = json.loads((TESTS.parent / "examples" / "fhir" / "response.json").read_text(encoding="utf-8"))
    unknown = copy.deepcopy(good)
    unknown["identifier"]["value"] = "bad-link"
    unknown["item"][0]["linkId"] = "agee"
    wrong = copy.deepcopy(good)
    wrong["identifier"]["value"] = "bad-type"
    wrong["item"][0]["answer"] = [{"valueString": "34"}]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {**copy.deepcopy(good), "identifier": {"value": "in-bundle-1"}}},
        {"resource": {"resourceType": "Patient", "id": "in-bundle-2"}}]}
    path = _ndjson(tmp_path / "responses.ndjson",
                   [good, {"resourceType": "Patient", "id": "p1"}, unknown, wrong, bundle, {"resourceType": "Bundle", "type": "collection"}])
    result = runner.invoke(cli, ["score", str(path), "--format", "jsonl", "-q"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["form_id"] for r in rows] == ["QR-7", "p1", "bad-link", "bad-type", "in-bundle-1", "in-bundle-2", "7"]
    assert [r.get("status", "ok") for r in rows] == ["ok", "error", "error", "error", "ok", "error", "error"]
    assert "resourceType: 'Patient' is not accepted" in rows[1]["error"]
    assert "agee: unknown linkId; did you mean 'age'?" in rows[2]["error"]
    assert "age: is answered with valueString, but this question takes valueInteger" in rows[3]["error"]
    assert rows[1]["row"] == 2 and rows[5]["row"] == 6 and rows[6]["row"] == 7


def test_score_writes_one_bundle_per_row_with_outcomes_for_errors(runner, tmp_path):
    good = json.loads((TESTS.parent / "examples" / "fhir" / "response.json").read_text(encoding="utf-8"))
    wrong = copy.deepcopy(good)
    wrong["identifier"]["value"] = "bad-type"
    wrong["item"][0]["answer"] = [{"valueString": "34"}]
    path = _ndjson(tmp_path / "in.ndjson", [good, wrong])
    result = runner.invoke(cli, ["score", str(path), "--format", "fhir", "-q"])
    assert result.exit_code == 1
    bundles = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(bundles) == 2
    for bundle in bundles:
        revalidated(bundle)
    assert {e["resource"]["resourceType"] for e in bundles[0]["entry"]} == {"QuestionnaireResponse", "RiskAssessment"}
    [outcome] = [e["resource"] for e in bundles[1]["entry"]]
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["age"] and "valueInteger" in outcome["issue"][0]["diagnostics"]
    assert bundles[1]["identifier"]["value"] == "bad-type"


def test_assess_and_report_take_a_response(runner, tmp_path):
    example = str(TESTS.parent / "examples" / "fhir" / "response.json")
    result = runner.invoke(cli, ["assess", example, "--format", "fhir"])
    assert result.exit_code == 0
    bundle = json.loads(result.stdout)
    revalidated(bundle)
    assert bundle["identifier"]["value"] == "QR-7"
    text = runner.invoke(cli, ["assess", example])
    assert text.exit_code == 0 and "Form QR-7" in text.stdout
    report = tmp_path / "r.md"
    result = runner.invoke(cli, ["report", example, "-o", str(report), "--date", "2026-01-01"])
    assert result.exit_code == 0 and "QR-7" in report.read_text(encoding="utf-8")


def test_assess_names_the_link_id_of_a_bad_answer(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"resourceType": "QuestionnaireResponse", "status": "completed",
                               "item": [{"linkId": "age", "answer": [{"valueString": "old"}]}]}), encoding="utf-8")
    result = runner.invoke(cli, ["assess", str(bad)])
    assert result.exit_code == 2
    assert "age: is answered with valueString, but this question takes valueInteger" in result.stderr


# -- properties ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_any_form_survives_the_trip_through_a_response_and_a_redcap_record(kb, mapping):
    form = parse_form(mapping)
    assert parse_response(build_response(form, kb), kb) == form
    # A raw REDCap record of the same answers: yes/no as 1/0, choices as their codes.
    record = {"record_id": "R", **{name: ({"yes": "1", "no": "0"}[value] if kb.catalogue[name].type == "yesno" else str(value))
                                   for name, value in form.answers.items()}}
    assert parse_form(redcap.contract_of(record, kb.catalogue)).answers == form.answers


def test_a_field_type_without_a_mapping_is_a_clear_error_not_a_traceback(runner, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    with (rules / "fields.yml").open("a", encoding="utf-8") as out:
        out.write("\n" + yaml.safe_dump([{"name": "when_seen", "type": "date", "group": "history",
                                          "patient": "When?", "clinician": "Date"}], sort_keys=False))
    for args in (["fhir", "questionnaire"], ["redcap", "dictionary"]):
        result = runner.invoke(cli, args + ["--rules", str(rules)])
        assert result.exit_code == 2 and "when_seen (date)" in result.output and "Traceback" not in result.output


def test_the_risk_assessment_says_which_warning_signs_were_not_asked():
    from triage.assess import assess
    from triage.interop.bundle import risk_assessment
    from triage.knowledge import load_knowledge

    kb = load_knowledge()
    result = assess({"form_id": "thin", "pain_location": "lateral"})
    notes = [n["text"] for n in risk_assessment(result, kb, "urn:uuid:x", "thin")["note"]]
    assert any("not asked, so not known to be absent" in n and "Hot, red knee" in n for n in notes)
