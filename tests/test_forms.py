"""Reading forms exactly as the intake-form contract says."""

import pytest

from triage import FormError, parse_form
from triage.catalogue import load_catalogue

CONTRACT_FIELDS = """form_id age sex activity side onset injury_mechanism duration_weeks recent_load_increase
recent_downhill_running new_footwear previous_episode no_better_after_2_weeks_rest
recent_knee_injection_or_surgery kneecap_dislocation_history pain_location pain_pointable pain_worst_nrs
pain_at_rest night_pain run_pain_pattern aggr_stairs_down aggr_stairs_up aggr_squatting
aggr_prolonged_sitting aggr_downhill_running aggr_jumping aggr_kneeling aggr_full_extension aggr_hopping
swelling swelling_within_2h_of_injury locking giving_way catching_or_snapping crepitus fever_or_unwell
knee_hot_red unexplained_weight_loss calf_pain_or_swelling numbness_or_tingling unable_to_bear_weight
hip_or_groin_pain knee_deformity cannot_straight_leg_raise breathless_or_chest_pain exam_clarke
exam_step_down_pain exam_step_down_valgus exam_noble exam_ober exam_tender_lateral_femoral_condyle
exam_tender_inferior_pole exam_decline_squat_pain exam_hoffa exam_tender_medial_plica exam_tender_patella_bone
exam_pain_resisted_extension exam_hop_test_pain exam_effusion exam_flexion_under_90
exam_fibular_head_tenderness exam_ligament_laxity exam_mcmurray exam_hip_rotation_painful
exam_tender_tibial_tubercle exam_foot_pulses_absent
felt_pop swelling_onset pain_getting_worse bone_stress_risk infection_risk clot_risk back_pain_or_sciatica
bony_lump exertional_calf_pain locked_now foot_cold_or_pale aggr_prolonged_standing exam_foot_pulses_reduced
exam_tender_patellar_facet exam_joint_line_tenderness exam_patellar_apprehension exam_genu_recurvatum""".split()
# ^ v1, then the v1.1 additions (the contract's "Changes")


def test_catalogue_has_every_contract_field_and_no_other():
    assert sorted(load_catalogue().names) == sorted(CONTRACT_FIELDS)


@pytest.mark.parametrize("raw, expected", [
    ("yes", "yes"), ("YES", "yes"), ("y", "yes"), ("true", "yes"), ("1", "yes"), (True, "yes"), (1, "yes"),
    ("no", "no"), ("N", "no"), ("false", "no"), ("0", "no"), (False, "no"),
    ("unknown", None), ("", None), (None, None), ("  ", None),
])
def test_yes_no_spellings(raw, expected):
    assert parse_form({"crepitus": raw}).get("crepitus") == expected


@pytest.mark.parametrize("raw, expected", [
    ("positive", "positive"), ("Negative", "negative"), ("not_done", None), ("", None),
])
def test_exam_values(raw, expected):
    assert parse_form({"exam_noble": raw}).get("exam_noble") == expected


def test_enum_case_and_unknown_values():
    form = parse_form({"pain_location": "Lateral", "sex": "unknown", "exam_effusion": "not_done"})
    assert form.get("pain_location") == "lateral"
    assert "sex" not in form and "exam_effusion" not in form


@pytest.mark.parametrize("field, raw", [("age", 4), ("age", 101), ("age", "30.5"), ("pain_worst_nrs", 11),
                                        ("duration_weeks", -1), ("duration_weeks", 521), ("age", "old"),
                                        ("age", True)])
def test_numbers_outside_their_range_are_errors_not_clamps(field, raw):
    with pytest.raises(FormError) as error:
        parse_form({field: raw})
    problem = error.value.problems[0]
    assert problem.field == field and "from" in problem.accepted


def test_numbers_in_range_and_numeric_strings():
    form = parse_form({"age": "42", "duration_weeks": "2.5", "pain_worst_nrs": 0})
    assert form.get("age") == 42 and form.get("duration_weeks") == 2.5 and form.get("pain_worst_nrs") == 0


def test_every_problem_is_reported_at_once_with_field_value_and_accepted_values():
    with pytest.raises(FormError) as error:
        parse_form({"crepitus": "maybe", "onset": "slowly", "agee": 30, "exam_noble": "yes"})
    problems = {p.field: p for p in error.value.problems}
    assert set(problems) == {"crepitus", "onset", "agee", "exam_noble"}
    assert "'maybe'" in problems["crepitus"].message and "yes, no, unknown" in problems["crepitus"].message
    assert "gradual, sudden_no_injury, injury" in problems["onset"].message
    assert "did you mean 'age'" in problems["agee"].message
    assert "positive, negative, not_done" in problems["exam_noble"].message


def test_unknown_fields_can_be_allowed_explicitly():
    assert parse_form({"clinic_note": "x", "age": 30}, allow_unknown_fields=True).answers == {"age": 30}


def test_field_order_does_not_matter():
    a = parse_form({"age": 30, "pain_location": "lateral", "crepitus": "yes"})
    b = parse_form({"crepitus": "yes", "pain_location": "lateral", "age": 30})
    assert a == b and list(a.answers) == list(b.answers)


def test_form_round_trips_through_the_contract():
    form = parse_form({"form_id": "A1", "age": 30, "crepitus": "y"})
    assert form.to_contract() == {"form_id": "A1", "age": 30, "crepitus": "yes"}
    assert parse_form(form.to_contract()) == form


def test_a_form_must_be_a_mapping():
    with pytest.raises(FormError):
        parse_form(["age", 30])
