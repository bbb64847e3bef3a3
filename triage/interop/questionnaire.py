"""The FHIR R4 Questionnaire of the intake form, generated from the field catalogue (SDC style).

linkId is the field name; the patient wording is the item text (the clinician's for examination
items); the catalogue's help is a child ``display`` item with the SDC ``help`` item control;
choice questions carry their answers as codings of our answer CodeSystem; numbers carry their
range as the core minValue/maxValue extensions; a dependent question has ``enableWhen``.
"""

from __future__ import annotations

from triage.assessment import DISCLAIMER
from triage.catalogue import Field
from triage.interop import terminology as t
from triage.interop.fhirmodels import validate
from triage.interop.layout import check_types, sections
from triage.knowledge import KnowledgeBase

# Catalogue type -> Questionnaire item type. Unknown answers are simply left unanswered.
ITEM_TYPES = {"yesno": "boolean", "exam": "choice", "enum": "choice", "integer": "integer",
              "number": "decimal", "text": "string"}
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def group_link_id(key: str) -> str:
    return f"section.{key}"


def help_link_id(name: str) -> str:
    return f"{name}.help"


def _help_item(spec: Field) -> dict:
    return {
        "linkId": help_link_id(spec.name),
        "type": "display",
        "text": spec.help,
        "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
                       "valueCodeableConcept": {"coding": [{"system": t.ITEM_CONTROL, "code": "help",
                                                            "display": "Help-Button"}]}}],
    }


def enable_when(spec: Field, catalogue) -> list[dict]:
    conditions = []
    for name, value in (spec.requires or {}).items():
        other = catalogue[name]
        canonical = other.read(value)
        answer = ({"answerBoolean": canonical == "yes"} if other.type == "yesno"
                  else {"answerCoding": t.answer_coding(other, canonical)} if other.choices()
                  else {"answerDecimal": canonical} if other.type == "number"
                  else {"answerInteger": canonical} if other.type == "integer"
                  else {"answerString": str(canonical)})
        conditions.append({"question": name, "operator": "=", **answer})
    return conditions


def question_item(spec: Field, catalogue) -> dict:
    item = {
        "linkId": spec.name,
        "text": spec.clinician if spec.is_exam else spec.patient,
        "type": ITEM_TYPES[spec.type],
        "required": False,      # every question may stay unanswered ("don't know")
        "repeats": False,
    }
    if spec.type in ("integer", "number"):
        kind = "valueInteger" if spec.type == "integer" else "valueDecimal"
        cast = int if spec.type == "integer" else float
        item["extension"] = [{"url": MIN_VALUE, kind: cast(spec.min)}, {"url": MAX_VALUE, kind: cast(spec.max)}]
    if spec.choices():
        item["answerOption"] = [{"valueCoding": t.answer_coding(spec, v)} for v in spec.choices()]
    conditions = enable_when(spec, catalogue)
    if conditions:
        item["enableWhen"] = conditions
        if len(conditions) > 1:
            item["enableBehavior"] = "all"
    if spec.help:
        item["item"] = [_help_item(spec)]
    return item


def build_questionnaire(kb: KnowledgeBase) -> dict:
    """The Questionnaire, validated by fhir.resources."""
    check_types(kb, ITEM_TYPES, "ITEM_TYPES in triage/interop/questionnaire.py")
    catalogue = kb.catalogue
    items = [{"linkId": "disclaimer", "type": "display", "text": DISCLAIMER}]
    for section in sections(kb):
        items.append({"linkId": group_link_id(section.key), "type": "group", "text": section.title,
                      "item": [question_item(spec, catalogue) for spec in section.fields]})
    questionnaire = {
        "resourceType": "Questionnaire",
        "id": "knee-intake",
        "url": t.QUESTIONNAIRE_URL,
        "version": kb.version,
        "name": "KneeTriageIntake",
        "title": "Knee pain in runners: intake form",
        "status": "active",
        "experimental": True,
        "subjectType": ["Patient"],
        "publisher": "kneetriage",
        "description": (f"The kneetriage intake form, generated from its field catalogue (knowledge base "
                        f"{kb.version}). Warning signs come first. {DISCLAIMER}"),
        "item": items,
    }
    return validate(questionnaire)


def code_system_bundle(kb: KnowledgeBase) -> dict:
    """Every CodeSystem the Questionnaire and the assessments use, in one collection Bundle."""
    return validate({
        "resourceType": "Bundle",
        "id": "kneetriage-code-systems",
        "type": "collection",
        "entry": [{"fullUrl": cs["url"], "resource": cs} for cs in t.code_systems(kb)],
    })
