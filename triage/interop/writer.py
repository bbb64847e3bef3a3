"""``--format fhir`` for batch scoring: NDJSON, one FHIR Bundle per input row, in order."""

from __future__ import annotations

import json

from triage.batch.writers import ErrorRow, Format, describe
from triage.interop.bundle import assessment_bundle, error_bundle
from triage.knowledge import load_knowledge


class FHIRBundles(Format):
    name = "fhir"

    def __init__(self, kb=None):
        self.kb = kb or load_knowledge()

    def entry(self, result):
        if isinstance(result, ErrorRow):
            where = f"{result.source} row {result.row} (line {result.line})"
            bundle = error_bundle(result.form_id, where, list(result.problems), describe)
        else:
            bundle = assessment_bundle(result, self.kb)
        return json.dumps(bundle) + "\n"
