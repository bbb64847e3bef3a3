"""``--format fhir`` for batch scoring: NDJSON, one FHIR Bundle per input row, in order."""

from __future__ import annotations

import json

from triage.batch.writers import ErrorRow, Format, describe
from triage.interop.bundle import assessment_bundle, error_bundle
from triage.knowledge import load_knowledge


class FHIRBundles(Format):
    name = "fhir"

    def __init__(self, kb=None):
        self._kb = kb            # the scorer's knowledge base; the installed one if none is given

    @property
    def kb(self):
        if self._kb is None:
            self._kb = load_knowledge()
        return self._kb

    def entry(self, result):
        if isinstance(result, ErrorRow):
            where = f"{result.source} row {result.row} (line {result.line})"
            bundle = error_bundle(result.form_id, where, list(result.problems), describe)
        else:
            bundle = assessment_bundle(result, self.kb)
        return json.dumps(bundle) + "\n"
