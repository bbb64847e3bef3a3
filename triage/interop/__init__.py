"""Clinic interoperability: FHIR R4 (Questionnaire, QuestionnaireResponse, RiskAssessment) and
REDCap (data dictionary, record exports).

Everything is generated from the knowledge base (the field catalogue in rules/fields.yml, the
conditions, red flags and triage levels), never from a field list written here, so a field added
to the catalogue appears in every instrument without a change to this package.

The FHIR models and their validation come from ``fhir.resources`` (its R4B package, FHIR 4.3.0,
whose Questionnaire, QuestionnaireResponse, RiskAssessment, DetectedIssue, CodeSystem and Bundle
are those of R4). docs/interop.md maps every element and says why each resource was chosen.
"""
