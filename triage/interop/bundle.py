"""An assessment as a FHIR Bundle: the QuestionnaireResponse it read, a RiskAssessment and one
DetectedIssue per red flag (docs/interop.md gives the mapping and why these resources).

- RiskAssessment: one prediction per condition (probability, qualitative risk, the rules as the
  rationale), the triage level (an extension, and the action as the mitigation), the
  knowledge-base version as the method, the QuestionnaireResponse as the basis, the outcome in
  words and the disclaimer as notes.
- DetectedIssue per red flag: its advice as the detail, its urgency as the severity, the
  QuestionnaireResponse as the evidence. (Flag would need a subject, which an intake form has
  not got, and has nowhere to put advice.)
- A row that could not be assessed becomes a Bundle with an OperationOutcome naming each problem,
  so that a batch still gives one Bundle per input row.
"""

from __future__ import annotations

from triage.assessment import DISCLAIMER, Assessment
from triage.forms import Form, Problem
from triage.interop import terminology as t
from triage.interop.fhirmodels import validate
from triage.interop.response import response_of, stable_uuid
from triage.knowledge import KnowledgeBase

# Triage level -> DetectedIssue.severity (high | moderate | low).
SEVERITY = {"emergency_ambulance": "high", "emergency": "high", "consultation_24": "moderate"}


def _level_extension(kb: KnowledgeBase, level_id: str) -> list[dict]:
    return [{"url": t.TRIAGE_LEVEL_EXTENSION, "valueCodeableConcept": t.level_concept(kb, level_id)}]


def _screen_words(result: Assessment, kb: KnowledgeBase) -> str:
    """The warning-sign screen in one sentence: what was not asked is never reported as absent."""
    screen, total = result.screen, len(kb.screen.items)
    if not screen.not_asked:
        return f"Warning-sign screen: all {total} warning signs were checked."
    return (f"Warning-sign screen: {len(screen.checked)} of {total} checked; not asked, so not known to be "
            f"absent: {'; '.join(screen.not_asked_titles)}.")


def _subject(form_id: str | None) -> dict:
    # An intake form names no patient; RiskAssessment.subject is required, so the reference
    # says whose form it is in words (a clinic's system replaces it with its own Patient).
    return {"type": "Patient", "display": f"The person who filled in intake form {form_id or '(no id)'}"}


def _rationale(condition) -> str:
    parts = []
    if condition.supporting:
        parts.append("for: " + ", ".join(u.rule for u in condition.supporting))
    if condition.opposing:
        parts.append("against: " + ", ".join(u.rule for u in condition.opposing))
    return "Rules " + "; ".join(parts) if parts else "No rule fired; the prior alone."


def risk_assessment(result: Assessment, kb: KnowledgeBase, basis_url: str, form_id: str | None) -> dict:
    reasons = " ".join(f"[{r.level}] {r.text}" for r in result.triage.reasons)
    return {
        "resourceType": "RiskAssessment",
        "extension": _level_extension(kb, result.triage_level),
        "identifier": [{"system": t.FORM_ID_SYSTEM, "value": str(form_id)}] if form_id is not None else [],
        "status": "final",
        "code": t.concept(t.ASSESSMENT_SYSTEM, "knee-triage", "Knee pain triage of a runner"),
        "subject": _subject(form_id),
        "method": {"coding": [{"system": t.ASSESSMENT_SYSTEM, "code": "knowledge-base", "version": result.kb_version,
                               "display": f"kneetriage knowledge base {result.kb_version}"}],
                   "text": f"kneetriage knowledge base {result.kb_version}"},
        "basis": [{"reference": basis_url, "type": "QuestionnaireResponse",
                   **({"identifier": {"system": t.FORM_ID_SYSTEM, "value": str(form_id)}} if form_id is not None else {})}],
        "prediction": [{
            "outcome": t.concept(t.CONDITION_SYSTEM, c.id, c.title),
            "probabilityDecimal": c.score,
            "qualitativeRisk": {"coding": [{"system": t.RISK_PROBABILITY, "code": t.QUALITATIVE_RISK[c.status]}],
                                "text": c.status},
            "rationale": _rationale(c),
        } for c in result.differential],
        "mitigation": f"{result.triage.label} ({result.triage_level}): {result.triage.action} Why: {reasons}",
        "note": [{"text": result.outcome_text}, {"text": _screen_words(result, kb)}, {"text": result.disclaimer}],
    }


def detected_issue(flag, kb: KnowledgeBase, basis_url: str) -> dict:
    return {
        "resourceType": "DetectedIssue",
        "extension": _level_extension(kb, flag.level),
        "status": "final",
        "code": t.concept(t.RED_FLAG_SYSTEM, flag.id, flag.title),
        "severity": SEVERITY.get(flag.level, "low"),
        "evidence": [{"detail": [{"reference": basis_url, "type": "QuestionnaireResponse"}]}],
        "detail": f"{flag.advice} Rules: {', '.join(u.rule for u in flag.rules)}. {DISCLAIMER}",
    }


def _bundle(form_id: str | None, entries: list[tuple[str, dict]]) -> dict:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    if form_id is not None:
        bundle["identifier"] = {"system": t.FORM_ID_SYSTEM, "value": str(form_id)}
    return validate(bundle)


def assessment_bundle(result: Assessment, kb: KnowledgeBase) -> dict:
    """The Bundle of one assessed form (validated by fhir.resources, every entry with it)."""
    form_id = result.form_id
    key = (str(form_id), result.kb_version)
    response_url = stable_uuid("QuestionnaireResponse", *key)
    response = response_of(Form(form_id, result.answers), kb)
    entries = [(response_url, response),
               (stable_uuid("RiskAssessment", *key), risk_assessment(result, kb, response_url, form_id))]
    for flag in result.red_flags:
        entries.append((stable_uuid("DetectedIssue", flag.id, *key), detected_issue(flag, kb, response_url)))
    return _bundle(form_id, entries)


def error_bundle(form_id: str | None, where: str, problems: list[Problem], describe) -> dict:
    """The Bundle of a row that could not be assessed: one OperationOutcome issue per problem."""
    issues = []
    for problem in problems:
        issue = {"severity": "error", "code": "invalid", "diagnostics": f"{where}: {describe(problem)}"}
        if not problem.field.startswith("("):
            issue["expression"] = [problem.field]
        issues.append(issue)
    outcome = {"resourceType": "OperationOutcome", "issue": issues,
               "text": {"status": "generated",
                        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{_escape(where)}: this form could '
                               f'not be assessed.</p><p>{_escape(DISCLAIMER)}</p></div>'}}
    return _bundle(form_id, [(stable_uuid("OperationOutcome", str(form_id), where), outcome)])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
