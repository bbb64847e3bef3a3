"""Properties that must hold for every valid form, not just the vignettes."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage import assess, parse_form
from triage.scoring import alarm_findings
from tests.strategies import forms

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(forms())
def test_any_valid_form_assesses_and_serialises(raw):
    result = assess(parse_form(raw))
    assert result.triage_level in {"emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care"}
    assert all(0 <= c.score <= 1 for c in result.differential)
    assert [c.rank for c in result.differential] == list(range(1, 7))
    json.dumps(result.to_dict())
    assert result.disclaimer


@SETTINGS
@given(forms(), st.randoms())
def test_result_does_not_depend_on_field_order(raw, rnd):
    items = list(raw.items())
    rnd.shuffle(items)
    assert assess(parse_form(dict(items))) == assess(parse_form(raw))


@SETTINGS
@given(forms())
def test_same_form_same_result(raw):
    form = parse_form(raw)
    first = assess(form)
    assess(parse_form({"knee_hot_red": "yes", "swelling": "marked", "fever_or_unwell": "yes"}))  # engine reuse
    assert assess(form) == first


@SETTINGS
@given(forms(), st.data())
def test_adding_a_red_flag_finding_never_lowers_urgency(kb, raw, data):
    field, value = data.draw(st.sampled_from(sorted(alarm_findings(kb))))
    form = parse_form({k: v for k, v in raw.items() if k != field})
    before = assess(form)
    after = assess(form.with_answers(**{field: value}))
    rank = {lv.id: lv.rank for lv in kb.levels}
    assert rank[after.triage_level] <= rank[before.triage_level], (field, value)
    assert set(before.red_flag_ids) <= set(after.red_flag_ids), (field, value)
