"""Codes: the project's own CodeSystems, and the few SNOMED CT concepts we could verify.

The project's CodeSystems are generated from the knowledge base (answers from the field
catalogue, conditions, red flags, triage levels), so they can never disagree with it. A SNOMED
CT code is added beside a project code only where a public source gives the concept id; each one
names that source. We never guess a code: a concept without a verified id keeps only its
project code.
"""

from __future__ import annotations

from triage.assessment import DISCLAIMER
from triage.catalogue import Field
from triage.knowledge import KnowledgeBase

# The canonical base of our FHIR artefacts. ".example" is reserved (RFC 2606): a clinic that
# publishes these resources puts its own base here, in this one place.
BASE = "https://kneetriage.example/fhir"

ANSWER_SYSTEM = f"{BASE}/CodeSystem/answer"
CONDITION_SYSTEM = f"{BASE}/CodeSystem/condition"
RED_FLAG_SYSTEM = f"{BASE}/CodeSystem/red-flag"
TRIAGE_LEVEL_SYSTEM = f"{BASE}/CodeSystem/triage-level"
ASSESSMENT_SYSTEM = f"{BASE}/CodeSystem/assessment"
TRIAGE_LEVEL_EXTENSION = f"{BASE}/StructureDefinition/triage-level"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/knee-intake"
FORM_ID_SYSTEM = f"{BASE}/form-id"

SNOMED = "http://snomed.info/sct"
# HL7's own code system for RiskAssessment.prediction.qualitativeRisk (FHIR R4, valueset
# risk-probability: negligible | low | moderate | high | certain).
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"

# SNOMED CT concepts with the public page that gives each id. Keys are knowledge-base ids
# (conditions or red flags); a test checks that each still exists.
SNOMED_CODES = {
    "pfps": ("430725003", "Patellofemoral stress syndrome",
             "https://www.visualdx.com/visualdx/diagnosis/patellofemoral+pain+syndrome?diagnosisId=56074&moduleId=101"),
    "patellar_tendinopathy": ("37785001", "Patellar tendonitis",
                              "https://www.visualdx.com/visualdx/diagnosis/patellar+tendinopathy?moduleId=101&diagnosisId=56532"),
}

# How the assessment's status of a condition reads as HL7's qualitative risk.
QUALITATIVE_RISK = {"likely": "high", "suspected": "moderate", "possible": "low", "unlikely": "negligible"}


def answer_code(field: Field, value: str) -> str:
    """The code of one answer: field-qualified, as values such as "other" recur across fields."""
    return f"{field.name}.{value}"


def answer_coding(field: Field, value: str) -> dict:
    return {"system": ANSWER_SYSTEM, "code": answer_code(field, value), "display": field.label(value)}


def concept(system: str, code: str, display: str) -> dict:
    """A CodeableConcept: the SNOMED CT coding first where one is verified, then ours."""
    codings = []
    if code in SNOMED_CODES and system in (CONDITION_SYSTEM, RED_FLAG_SYSTEM):
        sct, sct_display, _source = SNOMED_CODES[code]
        codings.append({"system": SNOMED, "code": sct, "display": sct_display})
    codings.append({"system": system, "code": code, "display": display})
    return {"coding": codings, "text": display}


def level_concept(kb: KnowledgeBase, level_id: str) -> dict:
    return concept(TRIAGE_LEVEL_SYSTEM, level_id, kb.level(level_id).label)


def _code_system(kb: KnowledgeBase, system: str, name: str, title: str, description: str, concepts: list) -> dict:
    return {
        "resourceType": "CodeSystem",
        "id": system.rsplit("/", 1)[1],
        "url": system,
        "version": kb.version,
        "name": name,
        "title": title,
        "status": "draft",
        "experimental": True,
        "publisher": "kneetriage",
        "description": f"{description} Generated from the kneetriage knowledge base {kb.version}. {DISCLAIMER}",
        "caseSensitive": True,
        "content": "complete",
        "count": sum(1 + len(c.get("concept", ())) for c in concepts),
        "concept": concepts,
    }


def code_systems(kb: KnowledgeBase) -> list[dict]:
    """Every CodeSystem the generated resources use, from the knowledge base."""
    answers = []
    for spec in kb.catalogue.answerable():
        if spec.choices():
            answers.append({"code": spec.name, "display": spec.clinician, "concept": [
                {"code": answer_code(spec, v), "display": spec.label(v)} for v in spec.choices()]})
    conditions = [{"code": c.id, "display": c.title, "definition": c.summary or c.title} for c in kb.conditions]
    flags = [{"code": f.id, "display": f.title, "definition": f.advice or f.title} for f in kb.flags]
    levels = [{"code": lv.id, "display": lv.label, "definition": f"{lv.action} ({lv.timeframe})"} for lv in kb.levels]
    assessment = [
        {"code": "knee-triage", "display": "Knee pain triage of a runner",
         "definition": "The kneetriage assessment: a ranked differential, red flags and a triage level."},
        {"code": "knowledge-base", "display": "kneetriage knowledge base",
         "definition": "The rule base that produced the assessment; its version is the knowledge-base version."},
    ]
    return [
        _code_system(kb, ANSWER_SYSTEM, "KneeTriageAnswer", "kneetriage intake answers",
                     "The answers of each choice question of the intake form (code = field.value).", answers),
        _code_system(kb, CONDITION_SYSTEM, "KneeTriageCondition", "kneetriage conditions",
                     "The conditions of the differential.", conditions),
        _code_system(kb, RED_FLAG_SYSTEM, "KneeTriageRedFlag", "kneetriage red flags",
                     "The red flags that need a clinician.", flags),
        _code_system(kb, TRIAGE_LEVEL_SYSTEM, "KneeTriageLevel", "kneetriage triage levels",
                     "The triage levels, the most urgent first.", levels),
        _code_system(kb, ASSESSMENT_SYSTEM, "KneeTriageAssessment", "kneetriage assessment",
                     "What the assessment is and how it was made.", assessment),
    ]
