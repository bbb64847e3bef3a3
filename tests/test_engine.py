"""The engine's semantics, on a tiny knowledge base that is about mechanism, not medicine."""

import math

import pytest

from triage.assess import assess


def run(mini_kb, **answers):
    return assess(answers, kb=mini_kb)


def supporting(result, condition="alpha"):
    return [u.rule for c in result.differential if c.id == condition for u in c.supporting]


def test_any_fires_on_either_alternative_and_conclusions_chain(mini_kb):
    for finding in ("aggr_squatting", "aggr_stairs_down"):
        result = run(mini_kb, **{finding: "yes", "pain_location": "anterior_diffuse"})
        assert result.conclusions == {"flex_pain": ["C-FLEX"], "anterior_flex_pain": ["C-FLEX-ANTERIOR"]}
        assert "A-FOR" in supporting(result)


def test_a_chained_conclusion_needs_every_link(mini_kb):
    result = run(mini_kb, pain_location="anterior_diffuse")
    assert result.conclusions == {} and supporting(result) == []


@pytest.mark.parametrize("blocker", [{"kneecap_dislocation_history": "yes"}, {"locking": "yes"}])
def test_none_blocks_on_a_present_finding_or_conclusion(mini_kb, blocker):
    result = run(mini_kb, aggr_squatting="yes", pain_location="anterior_diffuse", **blocker)
    assert "A-FOR" not in supporting(result)


def test_none_is_not_blocked_by_an_unanswered_or_negative_field(mini_kb):
    result = run(mini_kb, aggr_squatting="yes", pain_location="anterior_diffuse", locking="no")
    assert "A-FOR" in supporting(result)


def test_not_item_needs_an_answer_outside_the_list(mini_kb):
    against = lambda r: [u.rule for c in r.differential for u in c.opposing]  # noqa: E731
    assert against(run(mini_kb, pain_location="lateral")) == ["A-AGAINST"]
    assert against(run(mini_kb, pain_location="whole_knee")) == []
    assert against(run(mini_kb)) == []


@pytest.mark.parametrize("age, fires", [(19, False), (20, True), (30, True), (31, False)])
def test_numeric_ranges_are_inclusive(mini_kb, age, fires):
    assert ("A-AGE" in supporting(run(mini_kb, age=age))) is fires


def test_scores_are_prior_odds_times_likelihood_ratios(mini_kb):
    result = run(mini_kb, aggr_squatting="yes", pain_location="anterior_diffuse", age=25)
    odds = (0.5 / 0.5) * 4 * 2
    assert result.score("alpha") == pytest.approx(odds / (1 + odds), abs=1e-4)
    result = run(mini_kb, pain_location="lateral")
    assert result.score("alpha") == pytest.approx(0.2, abs=1e-4)
    assert math.isclose(result.differential[0].prior, 0.5)


def test_red_flag_sets_the_level_and_names_its_findings(mini_kb):
    result = run(mini_kb, knee_hot_red="yes", swelling="marked")
    assert result.triage_level == "emergency"
    (flag,) = result.red_flags
    assert flag.id == "hot" and [f.field for f in flag.rules[0].findings] == ["knee_hot_red", "swelling"]


def test_an_alarm_finding_alone_triages_up(mini_kb):
    result = run(mini_kb, knee_hot_red="yes", swelling="none")
    assert result.red_flags == ()
    assert result.triage_level == "consultation"
    assert any("warning sign" in r.text for r in result.triage.reasons)


def test_the_engine_is_reused_and_forgets_the_previous_form(mini_kb):
    first = run(mini_kb, knee_hot_red="yes", swelling="marked")
    second = run(mini_kb, pain_location="anterior_diffuse", aggr_squatting="yes")
    assert first.red_flag_ids == ["hot"] and second.red_flag_ids == []
    assert run(mini_kb, knee_hot_red="yes", swelling="marked") == first


def test_findings_behind_a_chained_rule_are_traced_to_the_answers(mini_kb):
    result = run(mini_kb, aggr_squatting="yes", pain_location="anterior_diffuse")
    use = next(u for c in result.differential for u in c.supporting if u.rule == "A-FOR")
    assert {f.field for f in use.findings} == {"aggr_squatting", "pain_location"}


def test_open_questions_point_at_the_fields_a_pending_rule_waits_on(mini_kb):
    result = run(mini_kb, pain_location="anterior_diffuse")
    fields = [q.field for q in result.open_questions]
    assert {"aggr_squatting", "aggr_stairs_down"} <= set(fields)
    # The red flag waits on two answers and would raise the level: it comes first.
    assert set(fields[:2]) == {"knee_hot_red", "swelling"}
