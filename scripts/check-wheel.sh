#!/usr/bin/env bash
# Proves that `pip install .` (a real wheel, not an editable install) gives a working
# `kneetriage` from any directory, with the knowledge base and templates inside the wheel.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip
"$work/venv/bin/pip" wheel -q --no-deps -w "$work/dist" "$repo"
"$work/venv/bin/pip" install -q "$work"/dist/kneetriage-*.whl
cd "$work"   # outside the checkout: nothing may be found beside the package
"$work/venv/bin/kneetriage" --version
"$work/venv/bin/kneetriage" rules lint
# Whole output to a file: `| head` would end the command early and fail under pipefail.
"$work/venv/bin/python" -m triage rules list --kind red_flag > rules.txt
echo "rules list: $(wc -l < rules.txt) red-flag rules"
printf '{"form_id": "wheel-check", "pain_location": "lateral", "onset": "gradual", "run_pain_pattern": "starts_at_predictable_distance", "aggr_downhill_running": "yes"}' > form.json
"$work/venv/bin/kneetriage" assess form.json
# The templates ship in the wheel too.
"$work/venv/bin/kneetriage" report form.json -o report.html --date 2026-01-01
grep -q "does not replace" report.html
"$work/venv/bin/kneetriage" score form.json --input-format json -o scored.csv --quiet
echo "score: $(wc -l < scored.csv) lines"
# FHIR and REDCap (triage/interop) from the installed wheel.
"$work/venv/bin/kneetriage" fhir questionnaire -o questionnaire.json
"$work/venv/bin/kneetriage" assess form.json --format fhir > bundle.json
grep -q '"RiskAssessment"' bundle.json
"$work/venv/bin/kneetriage" redcap dictionary -o dictionary.csv
echo "redcap dictionary: $(wc -l < dictionary.csv) lines"
# The web pages' templates and static files ship too.
"$work/venv/bin/python" -c "
from triage.web import Settings, create_app
client = create_app(Settings(secret='wheel-check')).test_client()
assert client.get('/').status_code == 200 and client.get('/static/web.css').status_code == 200
print('serve: pages and static files found')"
echo "wheel check: ok"
