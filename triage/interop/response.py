"""QuestionnaireResponse <-> intake form.

Reading: a QuestionnaireResponse answering our Questionnaire becomes a contract mapping (the
same mapping a JSON form would be), so the contract's own checks and messages apply to it. What
only FHIR can get wrong (a resource that is not a QuestionnaireResponse, an unknown linkId, an
answer of the wrong type, a structure fhir.resources rejects) is reported here as a Problem that
names the linkId, the value and what is accepted, as the contract's problems do.

Writing: a Form becomes the QuestionnaireResponse that would have given it.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterator

from triage.catalogue import Catalogue, Field
from triage.forms import FormError, Problem, nearest_field
from triage.interop import terminology as t
from triage.interop.fhirmodels import ValidationError, model, validate
from triage.interop.layout import sections
from triage.interop.questionnaire import group_link_id
from triage.knowledge import KnowledgeBase

ACCEPTED_RESOURCES = "a QuestionnaireResponse (or a Bundle of them)"
STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
# Catalogue type -> the answer[x] elements that can answer it.
ANSWER_TYPES = {
    "yesno": ("valueBoolean", "valueCoding"),
    "exam": ("valueCoding", "valueString"),
    "enum": ("valueCoding", "valueString"),
    "integer": ("valueInteger",),
    "number": ("valueDecimal", "valueInteger"),
    "text": ("valueString",),
}


def is_resource(data: Any) -> bool:
    return isinstance(data, dict) and "resourceType" in data


def form_id_of(resource: dict) -> str | None:
    """The form id: the response's identifier value, else its id."""
    identifier = resource.get("identifier")
    if isinstance(identifier, list):          # tolerate R5's list while reading
        identifier = identifier[0] if identifier else None
    if isinstance(identifier, dict) and identifier.get("value") not in (None, ""):
        return str(identifier["value"])
    return str(resource["id"]) if resource.get("id") not in (None, "") else None


def _leaves(items, path="item") -> Iterator[tuple[dict, str]]:
    """Every item that is not a group, through nested groups and answers' child items."""
    for index, item in enumerate(items or ()):
        if not isinstance(item, dict):
            continue
        where = f"{path}[{index}]"
        if item.get("answer"):
            yield item, where
            for answer in item["answer"]:
                if isinstance(answer, dict):
                    yield from _leaves(answer.get("item"), f"{where}.answer.item")
        yield from _leaves(item.get("item"), f"{where}.item")


def _structure_problems(resource: dict, error: ValidationError) -> list[Problem]:
    """fhir.resources' findings, each under the linkId of the item it is in (if any)."""
    problems = []
    for found in error.errors():
        loc = list(found.get("loc", ()))
        link_id, node = None, resource
        for step in loc:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
            if isinstance(node, dict) and "linkId" in node:
                link_id = node["linkId"]
        where = ".".join(str(s) for s in loc)
        problems.append(Problem(str(link_id) if link_id else "(resource)", found.get("input"),
                                f"{where}: {found.get('msg')}", accepted="a valid FHIR R4 QuestionnaireResponse"))
    return problems


def _coded_value(spec: Field, coding: dict) -> Any:
    """The catalogue value a coding stands for (the field-qualified code, or the bare value)."""
    system = coding.get("system")
    code = str(coding.get("code", ""))
    if spec.type == "yesno" and system in (None, t.ANSWER_SYSTEM, "http://terminology.hl7.org/CodeSystem/v2-0136"):
        return {"Y": "yes", "N": "no"}.get(code, code)
    if system not in (None, t.ANSWER_SYSTEM):
        raise ValueError(f"a coding from {system!r}; codes come from {t.ANSWER_SYSTEM}")
    prefix = f"{spec.name}."
    return code[len(prefix):] if code.startswith(prefix) else code


def _accepted_codes(spec: Field) -> str:
    return ", ".join(t.answer_code(spec, v) for v in spec.choices()) if spec.choices() else spec.accepted()


def contract_of(resource: dict, catalogue: Catalogue) -> tuple[dict, list[Problem], str | None]:
    """The contract mapping a QuestionnaireResponse stands for, the problems found, and its form id.

    The mapping holds raw values for ``parse_form`` to check; it is meaningful only when there
    are no problems.
    """
    form_id = form_id_of(resource) if isinstance(resource, dict) else None
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind != "QuestionnaireResponse":
        return {}, [Problem("resourceType", kind, f"{kind!r} is not accepted; accepted values: {ACCEPTED_RESOURCES}",
                            ACCEPTED_RESOURCES)], form_id
    try:
        model("QuestionnaireResponse").model_validate(resource)
    except ValidationError as error:
        return {}, _structure_problems(resource, error), form_id
    problems: list[Problem] = []
    answered = str(resource.get("questionnaire") or "").split("|", 1)[0]
    if answered and answered != t.QUESTIONNAIRE_URL:
        # Another form's linkIds may look like ours and mean something else.
        problems.append(Problem("questionnaire", resource["questionnaire"], f"a response to {answered!r}, not to "
                                f"the kneetriage intake form", accepted=t.QUESTIONNAIRE_URL))
    if resource.get("status") not in STATUSES:
        problems.append(Problem("status", resource.get("status"), f"{resource.get('status')!r} is not accepted; "
                                f"accepted values: {', '.join(STATUSES)}", ", ".join(STATUSES)))
    mapping: dict[str, Any] = {"form_id": form_id} if form_id is not None else {}
    for item, _where in _leaves(resource.get("item")):
        link_id = str(item.get("linkId", "")).strip()
        if link_id not in catalogue or link_id == "form_id":
            suggestion = nearest_field(link_id, catalogue)
            hint = f"; did you mean {suggestion!r}?" if suggestion and suggestion != "form_id" else ""
            problems.append(Problem(link_id or "(linkId)", _first_value(item), f"unknown linkId{hint}",
                                    accepted="a linkId of the kneetriage Questionnaire (its field names)"))
            continue
        spec = catalogue[link_id]
        answers = [a for a in item["answer"] if isinstance(a, dict)]
        if len(answers) > 1:
            problems.append(Problem(link_id, [_value(a)[1] for a in answers], "has several answers; this question "
                                    "takes one", accepted=_accepted_codes(spec)))
            continue
        key, value = _value(answers[0]) if answers else (None, None)
        if key is None:
            continue
        allowed = ANSWER_TYPES.get(spec.type, ("valueString",))
        if key not in allowed:
            problems.append(Problem(link_id, value, f"is answered with {key}, but this question takes "
                                    f"{' or '.join(allowed)}", accepted=" or ".join(allowed)))
            continue
        if key == "valueCoding":
            try:
                value = _coded_value(spec, value)
            except ValueError as error:
                problems.append(Problem(link_id, value, str(error), accepted=_accepted_codes(spec)))
                continue
            if spec.type != "yesno" and value not in spec.choices():
                problems.append(Problem(link_id, value, f"{t.answer_code(spec, value)!r} is not accepted; "
                                        f"accepted values: {_accepted_codes(spec)}", _accepted_codes(spec)))
                continue
        mapping[link_id] = value
    return mapping, problems, form_id


def _value(answer: dict) -> tuple[str | None, Any]:
    for key, value in answer.items():
        if key.startswith("value"):
            return key, value
    return None, None


def _first_value(item: dict) -> Any:
    answers = item.get("answer") or [{}]
    return _value(answers[0])[1] if isinstance(answers[0], dict) else None


def parse_response(resource: dict, kb: KnowledgeBase):
    """A QuestionnaireResponse as a Form (FormError lists every problem, as a contract form's)."""
    from triage.forms import parse_form

    mapping, problems, form_id = contract_of(resource, kb.catalogue)
    if problems:
        raise FormError(problems, form_id=form_id)
    return parse_form(mapping)


def resources_of(data: Any) -> list[Any]:
    """The resources a document holds: a Bundle's entries, or the resource itself."""
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        return [entry.get("resource") if isinstance(entry, dict) else entry for entry in data.get("entry") or ()]
    return [data]


# Writing ----------------------------------------------------------------------------------------

def stable_uuid(*parts: str) -> str:
    """The same urn:uuid for the same form and knowledge base, so outputs are reproducible."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, t.BASE + "/" + "/".join(parts)))


def _answer(spec: Field, value: Any) -> dict:
    if spec.type == "yesno":
        return {"valueBoolean": value == "yes"}
    if spec.choices():
        return {"valueCoding": t.answer_coding(spec, value)}
    if spec.type == "integer":
        return {"valueInteger": int(value)}
    if spec.type == "number":
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def build_response(form, kb: KnowledgeBase) -> dict:
    """The QuestionnaireResponse that answers our Questionnaire as ``form`` does (validated)."""
    return validate(response_of(form, kb))


def response_of(form, kb: KnowledgeBase) -> dict:
    """The same, not yet validated (a Bundle that holds it validates it with the rest)."""
    groups = []
    for section in sections(kb):
        items = [{"linkId": spec.name, "text": spec.clinician if spec.is_exam else spec.patient,
                  "answer": [_answer(spec, form.answers[spec.name])]}
                 for spec in section.fields if spec.name in form.answers]
        if items:
            groups.append({"linkId": group_link_id(section.key), "text": section.title, "item": items})
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{t.QUESTIONNAIRE_URL}|{kb.version}",
        "status": "completed",
        "item": groups,
    }
    if form.form_id is not None:
        response["identifier"] = {"system": t.FORM_ID_SYSTEM, "value": str(form.form_id)}
    return response
