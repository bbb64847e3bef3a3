"""Property-based API tests from the OpenAPI document (schemathesis): no 500s, and every
response is one the document describes (status, content type, schema)."""

from hypothesis import HealthCheck, settings

import schemathesis
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from tests.webclient import make_app

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", make_app())

# negative_data_rejection is left out on purpose: the contract accepts more spellings than the
# document lists (y, TRUE, " yes " for yes), so some "invalid" data is rightly accepted.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_never_fails_and_keeps_to_its_document(case):
    case.call_and_validate(checks=CHECKS)
