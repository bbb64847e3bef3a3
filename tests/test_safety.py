"""Safety on forms nobody wrote by hand: the warning-sign screen, every red-flag rule, v1 forms.

The properties here hold for any valid form; the examples pin the intake contract v1.1 changes.
"""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings

from tests.strategies import forms
from triage.assess import assess
from triage.batch.writers import FlatCSV, Table
from triage.forms import parse_form
from triage.minimal import minimal_form
from triage.report import build_context, render

from triage.knowledge import load_knowledge

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.function_scoped_fixture])

# A benign lateral-knee story with every warning sign answered "no": self-care is possible.
SCREENED_ITBS = {
    "form_id": "screened-itbs", "age": 34, "sex": "female", "activity": "road_running",
    "onset": "gradual", "duration_weeks": 3, "pain_location": "lateral",
    "run_pain_pattern": "starts_at_predictable_distance", "aggr_downhill_running": "yes",
    "knee_hot_red": "no", "fever_or_unwell": "no", "swelling": "none", "locking": "no",
    "giving_way": "no", "unable_to_bear_weight": "no", "calf_pain_or_swelling": "no",
    "breathless_or_chest_pain": "no", "numbness_or_tingling": "no", "night_pain": "no",
    "pain_at_rest": "no", "unexplained_weight_loss": "no", "hip_or_groin_pain": "no",
}


def rank(kb, level):
    return kb.level(level).rank


def test_a_fully_screened_benign_form_can_self_manage(kb):
    result = assess(SCREENED_ITBS)
    assert result.triage_level == "self_care" and result.top_condition == "itbs"
    assert result.screen.complete and not result.screen.not_asked


@pytest.mark.parametrize("field", sorted(f for f in SCREENED_ITBS
                                          if f not in ("form_id", "age", "sex", "activity", "duration_weeks",
                                                       "run_pain_pattern", "aggr_downhill_running",
                                                       "hip_or_groin_pain")))  # adults: see below
def test_one_unanswered_warning_sign_or_basic_keeps_it_out_of_self_care(kb, field):
    form = {k: v for k, v in SCREENED_ITBS.items() if k != field}
    result = assess(form)
    assert result.triage_level != "self_care", field
    text = " ".join(r.text for r in result.triage.reasons)
    assert "not asked" in text or "does not say" in text, text


def test_hip_pain_is_required_only_under_18(kb):
    adult = {k: v for k, v in SCREENED_ITBS.items() if k != "hip_or_groin_pain"}
    assert assess(adult).triage_level == "self_care"
    assert assess({**adult, "age": 16}).triage_level == "consultation"
    assert assess({**adult, "age": None}).triage_level == "consultation"


def test_a_v1_form_is_not_pushed_out_of_self_care_by_v1_1_fields(kb):
    # SCREENED_ITBS answers only v1 fields; foot colour, locked-now and the rest are unasked.
    assert all(f not in SCREENED_ITBS for f in ("foot_cold_or_pale", "locked_now", "clot_risk", "infection_risk"))
    assert assess(SCREENED_ITBS).triage_level == "self_care"


def test_a_v1_cold_foot_reported_as_numbness_after_injury_keeps_the_ambulance(kb):
    result = assess({"onset": "injury", "numbness_or_tingling": "yes"})
    assert result.triage_level == "emergency_ambulance"
    assert assess({"onset": "injury", "foot_cold_or_pale": "yes"}).triage_level == "emergency_ambulance"


@pytest.mark.parametrize("rule_id", [r.id for r in load_knowledge().rules_of("red_flag")])
def test_every_red_flag_rule_fires_from_its_smallest_form_at_its_level_or_above(kb, rule_id):
    rule = kb.rule(rule_id)
    form = minimal_form(kb, rule)
    assert form is not None, f"{rule_id} cannot be raised by any form"
    result = assess(form)
    fired = {u.rule for f in result.red_flags for u in f.rules}
    assert rule_id in fired, (rule_id, form)
    assert rank(kb, result.triage_level) <= rank(kb, rule.level)
    if rule.level != "self_care":
        assert result.triage_level != "self_care"


@SETTINGS
@given(forms())
def test_self_care_only_with_a_complete_screen_and_no_red_flag(kb, raw):
    result = assess(parse_form(raw))
    if result.triage_level == "self_care":
        check = kb.screen.check(result.answers)
        assert check.allows_self_care, (check, raw)
        assert all(f.level == "self_care" for f in result.red_flags), result.red_flag_ids


def test_two_flags_give_one_instruction_at_the_most_urgent_level(kb):
    # Bony tenderness after an injury: the Ottawa rule (X-ray today) and the stress-fracture
    # flag (imaging within weeks) both fire; the second says the first comes first.
    result = assess({"onset": "injury", "exam_tender_patella_bone": "positive"})
    assert result.triage_level == "emergency"
    by_id = {f.id: f for f in result.red_flags}
    assert by_id["ottawa_fracture"].covered_by is None
    assert by_id["stress_fracture_suspected"].covered_by == "emergency"
    for audience in ("clinician", "patient"):
        text = render(build_context(result, kb, audience=audience, report_date="2026-12-03"), "txt")
        assert "A more urgent instruction comes first" in text


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_reports_never_say_none_found_for_signs_not_asked(kb, fmt, audience):
    result = assess({"pain_location": "lateral", "onset": "gradual", "aggr_downhill_running": "yes"})
    out = render(build_context(result, kb, audience=audience, report_date="2026-12-03"), fmt)
    assert "none found" not in out.lower()
    assert "not asked" in out
    screened = render(build_context(assess(SCREENED_ITBS), kb, audience=audience, report_date="2026-12-03"), fmt)
    assert f"All {len(kb.screen.items)} warning signs were checked" in screened


def test_batch_outputs_say_which_warning_signs_were_not_asked(kb):
    thin = assess({"form_id": "thin", "pain_location": "lateral"})
    layout = FlatCSV([c.id for c in kb.conditions])
    row = dict(zip(layout.columns, next(csv.reader(io.StringIO(layout.entry(thin))))))
    assert row["screen_complete"] == "no"
    assert set(row["warning_signs_not_asked"].split(";")) == set(thin.screen.not_asked)
    full = dict(zip(layout.columns, next(csv.reader(io.StringIO(layout.entry(assess(SCREENED_ITBS)))))))
    assert full["screen_complete"] == "yes" and full["warning_signs_not_asked"] == ""
    assert f"{len(thin.screen.not_asked)} not asked" in Table().entry(thin)
    assert "all checked" in Table().entry(assess(SCREENED_ITBS))
    assert list(thin.to_dict()["warning_sign_screen"]["not_asked"]) == list(thin.screen.not_asked)
