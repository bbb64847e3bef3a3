"""How the differential becomes an outcome: likely, suspected, no clear fit, too thin, or another
cause first (rules/triage.yml policy, red flags marked `other_cause`)."""

from pathlib import Path

import pytest
import yaml

from triage.assess import assess

VIGNETTES = Path(__file__).resolve().parent / "vignettes"


def form_of(name: str) -> dict:
    return yaml.safe_load((VIGNETTES / f"{name}.yml").read_text(encoding="utf-8"))["form"]


@pytest.fixture
def pfps():
    result = assess(form_of("pfps_typical_female_road_runner"))
    assert result.outcome == "likely" and result.top_condition == "pfps"    # the starting point
    return form_of("pfps_typical_female_road_runner")


def test_a_leading_stress_fracture_below_likely_is_named_as_suspected(kb):
    # Point pain on the patella that wakes at night: the fracture leads, but below "likely".
    result = assess({"pain_location": "patella_point", "night_pain": "yes", "onset": "gradual"})
    leader = result.differential[0]
    assert leader.id == "patellar_stress_fracture"
    assert kb.policy["suspected"] <= leader.score < kb.policy["likely"]
    assert result.outcome == "suspected" and result.top_condition == "patellar_stress_fracture"
    assert leader.status == "suspected"
    assert result.triage_level == "consultation"      # never self-care, imaging needed


def test_suspected_is_only_for_a_refer_condition_that_leads(kb):
    # The same bar does not name an ordinary condition: a plica at about 30 % is no clear fit.
    form = {"pain_location": "medial", "onset": "gradual", "run_pain_pattern": "unknown", "aggr_squatting": "no"}
    result = assess(form)
    assert result.differential[0].id not in kb.policy["refer_conditions"]
    assert kb.policy["suspected"] <= result.differential[0].score < kb.policy["likely"]
    assert result.outcome == "no_clear_fit" and result.top_condition is None


@pytest.mark.parametrize("finding, flag", [
    ({"giving_way": "yes"}, "mechanical_symptoms"),
    ({"kneecap_dislocation_history": "yes"}, "mechanical_symptoms"),
    ({"knee_hot_red": "yes", "fever_or_unwell": "yes"}, "septic_arthritis"),
    ({"age": 13, "hip_or_groin_pain": "yes"}, "scfe_hip_screen"),
])
def test_a_flag_that_names_another_cause_withholds_the_label(pfps, finding, flag):
    result = assess({**pfps, **finding})
    assert flag in result.red_flag_ids
    assert result.outcome == "other_cause" and result.top_condition is None
    assert not any(c.status == "likely" for c in result.differential)
    assert result.differential[0].id == "pfps"      # the scores still rank the fit
    assert result.triage_level != "self_care"


def test_a_flag_that_accompanies_the_six_keeps_the_label(pfps):
    result = assess({**pfps, "no_better_after_2_weeks_rest": "yes"})
    assert "no_improvement_2_weeks" in result.red_flag_ids
    assert result.outcome == "likely" and result.top_condition == "pfps"
    assert result.triage_level == "consultation"
    assert "Once the red flags are dealt with" in result.triage.reasons[-1].text


def test_a_rule_may_override_its_flags_other_cause(kb):
    rules = {r.id: r for r in kb.rules_of("red_flag") if r.flag == "mechanical_symptoms"}
    assert not kb.flag("mechanical_symptoms").other_cause
    assert rules["RF-GIVING-WAY"].other_cause and not rules["RF-CATCHING-AFTER-INJURY"].other_cause
    assert kb.flag("scfe_hip_screen").other_cause
    assert all(r.other_cause for r in kb.rules_of("red_flag") if r.flag == "scfe_hip_screen")


def test_another_cause_at_self_care_keeps_the_differentials_referral():
    # An apophysitis (a self-care flag) on a form that fits no condition: the "no clear fit"
    # referral stays, because adding a red-flag finding must never lower the level.
    form = form_of("none_osgood_schlatter_bilateral_girl_history")
    result = assess(form)
    assert result.outcome == "other_cause" and result.triage_level == "consultation"


def test_without_a_site_no_condition_is_named_and_missing_basics_are_named():
    nowhere = assess({"age": 30, "onset": "gradual"})
    assert nowhere.outcome == "insufficient_information" and nowhere.top_condition is None
    assert "does not say where it hurts" in nowhere.outcome_text
    # With a site, a condition can be named, but the missing basics keep it out of self-care.
    site_only = assess({"pain_location": "lateral"})
    assert site_only.outcome != "insufficient_information"
    reasons = " ".join(r.text for r in site_only.triage.reasons)
    assert "does not say how it started or what makes it worse" in reasons
    assert site_only.triage_level == "consultation"