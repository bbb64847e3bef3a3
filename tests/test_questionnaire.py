"""The questionnaire's dialogue logic (triage/questionnaire.py), without a terminal."""

from pathlib import Path

import pytest
import yaml

from triage.assess import assess
from triage.forms import parse_form
from triage.questionnaire import (
    BASICS, RED_FLAGS, AnswerError, Session, interpret, outlook, rule_truths,
)

VIGNETTES = sorted((Path(__file__).resolve().parent / "vignettes").glob("*.yml"))


def vignette_form(path):
    return parse_form(yaml.safe_load(path.read_text())["form"])


def _reply(question, answers, default):
    """The answer from ``answers``; else ``default`` ("no": the negative of a yes/no or exam
    question, unknown for the rest)."""
    value = answers.get(question.field)
    if value is not None:
        return str(value)
    if default == "no":
        return {"yesno": "no", "exam": "negative"}.get(question.type, "unknown")
    return default


def stages(session, answers, *, default="unknown", limit=80):
    """Play the questionnaire to its end; the (field, stage) of every question asked."""
    out = []
    while (question := session.next_question()) is not None:
        assert len(out) < limit, f"the questionnaire does not stop: {out}"
        out.append((question.field, question.stage))
        session.answer(question.field, _reply(question, answers, default))
    return out


def play(session, answers, *, default="unknown"):
    return [name for name, _ in stages(session, answers, default=default)]


ITBS = {"onset": "gradual", "age": 31, "sex": "female", "pain_location": "lateral",
        "run_pain_pattern": "starts_at_predictable_distance", "swelling": "none", "locking": "no",
        "giving_way": "no", "pain_at_rest": "no", "night_pain": "no", "recent_load_increase": "yes",
        "aggr_downhill_running": "yes", "aggr_squatting": "no"}


# --- reading answers ---------------------------------------------------------------------------

def test_a_choice_is_accepted_by_number_by_name_and_by_the_forms_spellings(kb):
    session = Session(kb)
    assert session.read("onset", "3") == "injury"
    assert session.read("onset", "Sudden No Injury") == "sudden_no_injury"
    assert session.read("locking", "1") == "yes" and session.read("locking", "2") == "no"
    assert session.read("locking", "Y") == "yes" and session.read("locking", "false") == "no"
    assert session.read("age", "42") == 42


@pytest.mark.parametrize("raw", ["u", "unknown", "don't know", "dont know", "U"])
def test_dont_know_reads_as_unknown(kb, raw):
    assert Session(kb).read("locking", raw) is None
    assert Session(kb).read("pain_location", raw) is None


@pytest.mark.parametrize("field, raw, hint", [
    ("locking", "maybe", "1 or yes, 2 or no"),
    ("onset", "7", "There is no choice 7"),
    ("age", "140", "a whole number from 5 to 100"),
    ("age", "forty", "a whole number from 5 to 100"),
    ("pain_location", "", "Please type an answer"),
])
def test_an_invalid_answer_names_what_is_accepted_and_changes_nothing(kb, field, raw, hint):
    session = Session(kb)
    with pytest.raises(AnswerError) as error:
        session.answer(field, raw)
    assert hint in str(error.value) + error.value.accepted
    assert "u (don't know)" in error.value.accepted
    assert session.answers == {} and session.unknown == set() and session.history == []


@pytest.mark.parametrize("raw, command", [("?", "help"), (" help ", "help"), ("b", "back"), ("BACK", "back"),
                                          ("q", "quit"), ("quit", "quit"), ("2", "answer"), ("yes", "answer")])
def test_interpret_tells_commands_from_answers(raw, command):
    assert interpret(raw)[0] == command


# --- order -------------------------------------------------------------------------------------

def test_red_flags_come_first_the_most_urgent_first_then_the_basics(kb):
    asked = stages(Session(kb), ITBS)
    stage_order = [stage for _, stage in asked]
    first_basics = stage_order.index(BASICS)
    assert stage_order[0] == RED_FLAGS and first_basics > 0
    assert asked[first_basics][0] == "pain_location"
    # The ambulance-level questions are asked before any consultation-level one.
    rank = {lv.id: lv.rank for lv in kb.levels}
    fields = [name for name, _ in asked]
    ambulance = {i.field for r in kb.rules_of("red_flag") if r.level == "emergency_ambulance"
                 for i in r.when.items() if i.field}
    consultation_only = {"giving_way", "no_better_after_2_weeks_rest"}
    assert max(fields.index(f) for f in ambulance if f in fields) < min(fields.index(f) for f in consultation_only)
    assert rank  # levels loaded


def test_examination_findings_are_asked_only_of_a_clinician_and_after_the_history(kb):
    patient = play(Session(kb), ITBS)
    assert not any(kb.catalogue[f].is_exam for f in patient)
    answers = {**ITBS, "exam_noble": "positive"}
    clinician = stages(Session(kb, clinician=True), answers, default="no")
    first_exam = next(i for i, (f, _) in enumerate(clinician) if kb.catalogue[f].is_exam)
    # Up to the first examination finding, the clinician is asked what the runner is asked:
    # an examination question comes only once no history question of its stage is left.
    patient = stages(Session(kb), answers, default="no")
    assert clinician[:first_exam] == patient[:first_exam]
    assert first_exam == len(patient) or patient[first_exam][1] != clinician[first_exam][1]


def test_why_we_ask_comes_from_the_rules_that_use_the_answer(kb):
    question = Session(kb).next_question()
    assert question.why, question
    users = {r.id for r in kb.rules if r.kind != "conclusion" and question.field in _fields_of(kb, r)}
    assert {w.rule for w in question.why} <= users
    assert all(w.title and w.explanation and w.points_to for w in question.why)


def _fields_of(kb, rule, seen=()):
    fields = set(rule.when.fields())
    for name in rule.when.conclusions():
        for source in kb.rules_of("conclusion"):
            if source.concludes == name and name not in seen:
                fields |= _fields_of(kb, source, seen + (name,))
    return fields


# --- skip logic --------------------------------------------------------------------------------

def test_the_injury_mechanism_is_asked_only_after_an_injury(kb):
    assert "injury_mechanism" not in play(Session(kb), ITBS)
    injured = play(Session(kb), {**ITBS, "onset": "injury", "giving_way": "yes"}, default="no")
    assert "injury_mechanism" in injured


def test_changing_the_onset_drops_the_mechanism_it_no_longer_requires(kb):
    session = Session(kb)
    session.answer("onset", "injury")
    session.answer("injury_mechanism", "twisting")
    session.reopen("onset")
    session.answer("onset", "gradual")
    assert "injury_mechanism" not in session.answers and "injury_mechanism" not in session.history


def test_a_child_is_screened_for_the_hip_early_and_an_adult_bound_for_a_clinician_is_not(kb):
    child = stages(Session(kb), {**ITBS, "age": 12, "hip_or_groin_pain": "no", "unable_to_bear_weight": "no"},
                   default="no")
    names = [f for f, _ in child]
    assert "hip_or_groin_pain" in names and dict(child)["hip_or_groin_pain"] == RED_FLAGS
    assert names.index("hip_or_groin_pain") < names.index("pain_location")
    # An adult whose answers already need a clinician (a kneecap that slips out) and can only
    # be triaged more urgently by flags that do not involve the hip: no hip screen.
    adult = play(Session(kb), {**ITBS, "age": 35, "kneecap_dislocation_history": "yes"}, default="no")
    assert "hip_or_groin_pain" not in adult
    assert "age" in adult
    # Before self-care is suggested, though, hip pain or a limp is a warning sign that alone asks
    # for a clinician (triage/scoring.py, alarm_findings), so an adult heading there is asked.
    heading_for_self_care = stages(Session(kb), {**ITBS, "age": 35}, default="no")
    assert dict(heading_for_self_care).get("hip_or_groin_pain") == RED_FLAGS


def test_dont_know_closes_a_question_and_the_rules_waiting_on_it(kb):
    session = Session(kb)
    session.answer("calf_pain_or_swelling", "don't know")
    assert "calf_pain_or_swelling" in session.unknown
    truths = rule_truths(kb, session.answers, session.open_fields())
    assert truths["RF-DVT-CALF"] is False and truths["RF-PE-CALF-AND-CHEST"] is False
    assert "calf_pain_or_swelling" not in play(session, ITBS)


# --- back and change ---------------------------------------------------------------------------

def test_back_asks_the_previous_question_again_and_a_second_back_goes_further(kb):
    session = Session(kb)
    first = session.next_question().field
    session.answer(first, "1")
    second = session.next_question().field
    session.answer(second, "no")
    assert session.back() == second
    again = session.next_question()
    assert again.field == second and again.previous == "no"
    assert second not in session.answers
    assert session.back() == first               # further back: the second answer is kept
    assert session.answers[second] == "no"
    assert session.next_question().field == first
    session.answer(first, "gradual")
    assert session.answers[first] == "gradual" and session.history[:2] == [first, second]


def test_back_at_the_first_question_does_nothing(kb):
    session = Session(kb)
    assert session.back() is None
    assert session.next_question().field == Session(kb).next_question().field


def test_back_restores_a_dont_know(kb):
    session = Session(kb)
    session.answer("onset", "u")
    session.answer("locking", "no")
    session.back()
    session.back()
    assert session._redo == "onset" and session.answers == {"locking": "no"}
    assert session.next_question().previous == "don't know"


# --- the stop rule -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["itbs_typical_female_marathon_build", "pfps_typical_male_novice_theatre_sign",
                                  "none_locked_knee_after_twist", "none_septic_knee_without_fever"])
def test_it_stops_early_and_no_single_further_answer_changes_the_result(kb, name):
    form = vignette_form(next(p for p in VIGNETTES if p.stem == name))
    session = Session(kb)
    asked = play(session, form.answers)
    result = session.result()
    remaining = session.open_fields()
    assert remaining, "stopped before running out of questions"
    assert len(asked) < len([f for f in kb.catalogue.answerable() if not f.is_exam])
    # Brute force the claim: every single further answer leaves the level and top unchanged.
    for name in sorted(remaining):
        for value in _every_kind_of_value(kb, name):
            other = assess({**session.answers, name: value}, kb=kb)
            changed = (other.triage_level, other.top_condition) != (result.triage_level, result.top_condition)
            assert not changed, (name, value)


def _every_kind_of_value(kb, name):
    """Each choice of a field, or for a number the range ends and each side of every threshold."""
    spec = kb.catalogue[name]
    if spec.choices():
        return spec.choices()
    cuts = {spec.min, spec.max}
    for rule in kb.rules:
        for item in rule.when.items():
            if item.field == name:
                cuts |= {x + d for x in (item.min, item.max) if x is not None for d in (-1, 0, 1)}
    return sorted(x for x in cuts if spec.min <= x <= spec.max)


def test_the_outlook_brackets_every_level_a_combination_could_reach(kb):
    # Calf pain with chest symptoms calls an ambulance; calf pain alone asks for 24 hours.
    answers = {"onset": "gradual"}
    both_open = outlook(kb, answers, {"calf_pain_or_swelling", "breathless_or_chest_pain"})
    assert both_open.most_urgent == "emergency_ambulance" and not both_open.level_settled
    closed = outlook(kb, {**answers, "breathless_or_chest_pain": "no"}, {"calf_pain_or_swelling"})
    assert closed.most_urgent == "consultation_24"


def test_an_emergency_is_told_once_as_soon_as_it_is_raised(kb):
    session = Session(kb)
    session.answer("onset", "gradual")
    assert session.new_emergencies() == ()
    session.answer("locking", "yes")
    flags = session.new_emergencies()
    assert [f.id for f in flags] == ["locked_knee"] and flags[0].level == "emergency"
    assert session.new_emergencies() == ()


def test_estimate_of_remaining_questions_leaves_the_session_unchanged(kb):
    session = Session(kb)
    session.answer("onset", "gradual")
    before = (dict(session.answers), set(session.unknown), list(session.history))
    estimate = session.estimate_remaining("no")
    assert 0 < estimate < len(kb.catalogue.answerable())
    assert (session.answers, session.unknown, session.history) == before


# --- saving and resuming -----------------------------------------------------------------------

def test_saved_answers_resume_without_asking_them_again(kb):
    session = Session(kb)
    session.answer("onset", "gradual")
    session.answer("breathless_or_chest_pain", "u")
    session.answer("age", "31")
    saved = session.to_contract()
    assert saved == {"age": 31, "onset": "gradual", "breathless_or_chest_pain": "unknown"}
    assert parse_form(saved).answers == {"age": 31, "onset": "gradual"}   # a valid contract form
    resumed = Session.from_contract(saved, kb)
    assert resumed.answers == session.answers and resumed.unknown == {"breathless_or_chest_pain"}
    assert resumed.next_question().field not in saved
    assert resumed.next_question().field == session.next_question().field


# --- agreement with the full form (the figures of docs/questionnaire.md) -----------------------

def _run(path, quick):
    form = vignette_form(path)
    clinician = any(name.startswith("exam_") for name in form.answers)
    session = Session(clinician=clinician, quick=quick)
    asked = play(session, form.answers)
    return session.result(), assess(form), asked


@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_the_questionnaire_reaches_the_full_forms_triage_level(path):
    result, full, asked = _run(path, quick=False)
    assert result.triage_level == full.triage_level, asked
    # The default stop rule bounds every combination, so the top condition agrees as well.
    assert result.top_condition == full.top_condition, asked


@pytest.mark.parametrize("path", VIGNETTES[::4], ids=lambda p: p.stem)
def test_the_quick_stop_rule_never_relaxes_the_triage_level(path):
    result, full, _ = _run(path, quick=True)
    assert result.triage_level == full.triage_level


@pytest.mark.parametrize("path", VIGNETTES[::5], ids=lambda p: p.stem)
def test_the_closed_world_evaluation_matches_the_engine_on_a_full_form(kb, path):
    form = vignette_form(path)
    truths = rule_truths(kb, form.answers, open_fields=())
    result = assess(form, kb=kb)
    fired = {u.rule for c in result.differential for u in c.supporting + c.opposing}
    fired |= {u.rule for f in result.red_flags for u in f.rules}
    expected = {r.id for r in kb.rules if r.kind != "conclusion" and truths[r.id] is True}
    assert fired == expected
