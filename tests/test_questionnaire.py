"""The questionnaire's dialogue logic (triage/questionnaire.py), without a terminal."""

from pathlib import Path

import pytest
import yaml

from triage.assess import assess
from triage.forms import parse_form
from triage.questionnaire import (
    BASICS, MORE_KEY, RED_FLAGS, SCREEN, SCREEN_KEY, AnswerError, Session, checklist_reply, interpret, question_reply,
    outlook, rule_truths,
)

VIGNETTES = sorted((Path(__file__).resolve().parent / "vignettes").glob("*.yml"))


def vignette_form(path):
    return parse_form(yaml.safe_load(path.read_text())["form"])


def _reply(session, step, answers, default):
    """The answer from ``answers``; else ``default`` ("no": the negative of a yes/no or exam
    question, unknown for the rest). A checklist line the answers leave open gets "no" too."""
    if step.kind == "checklist":
        reply = checklist_reply(session.kb, step, answers)
        if default == "no":
            reply = {item: "no" if value == "unknown" else value for item, value in reply.items()}
        return reply
    if answers.get(step.field) is not None:
        return question_reply(session.kb, step, answers)
    if default == "no":
        return {"yesno": question_reply(session.kb, step, {step.field: "no"}),
                "exam": "negative"}.get(step.type, "unknown")
    return default


def stages(session, answers, *, default="unknown", limit=80):
    """Play the questionnaire to its end; the (key, stage) of every step: a field, or the key
    of a checklist."""
    out = []
    while (step := session.next_question()) is not None:
        assert len(out) < limit, f"the questionnaire does not stop: {out}"
        out.append((step.key, step.stage))
        session.answer(step.key, _reply(session, step, answers, default))
    return out


def play(session, answers, *, default="unknown"):
    return [name for name, _ in stages(session, answers, default=default)]


def numbers(session):
    """The warning-sign checklist's item numbers, by screen item id (the checklist is shown)."""
    step = session.next_question()
    assert step.key == SCREEN_KEY
    return {item.id: item.number for item in step.items}


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
                                          ("q", "quit"), ("quit", "quit"), ("2", "answer"), ("yes", "answer"),
                                          ("?3", "answer"), ("none", "answer")])
def test_interpret_tells_commands_from_answers(raw, command):
    assert interpret(raw)[0] == command


# --- the warning-sign checklist comes first ----------------------------------------------------

def test_the_warning_sign_checklist_comes_first_with_every_screen_item(kb):
    step = Session(kb).next_question()
    assert step.kind == "checklist" and step.key == SCREEN_KEY and step.stage == SCREEN
    assert step.text == "Do any of these apply?"
    assert [i.id for i in step.items] == [i.id for i in kb.screen.items]
    assert [i.text for i in step.items] == [i.patient for i in kb.screen.items]   # plain words
    assert [i.number for i in step.items] == list(range(1, len(kb.screen.items) + 1))
    assert [i.fields for i in step.items] == [i.ask for i in kb.screen.items]
    # The hip item is asked of everyone, adults too (rules/screen.yml).
    assert "hip_young" in {i.id for i in step.items}
    clinician = Session(kb, clinician=True).next_question()
    assert [i.text for i in clinician.items] == [i.title for i in kb.screen.items]


def test_after_the_checklist_the_other_red_flags_then_the_basics(kb):
    asked = stages(Session(kb), ITBS, default="no")
    keys = [key for key, _ in asked]
    stage_order = [stage for _, stage in asked]
    assert asked[0] == (SCREEN_KEY, SCREEN)
    first_basics = stage_order.index(BASICS)
    assert asked[first_basics][0] == "pain_location"
    assert set(stage_order[1:first_basics]) <= {SCREEN, RED_FLAGS}
    # No screen field is asked on its own (how it started and how swollen are the follow-ups of
    # "no"), and the other yes/no warning signs come on one more list before self-care.
    assert not set(keys) & (set(kb.screen.fields()) - {"onset", "swelling"})
    assert MORE_KEY in keys and keys.index(MORE_KEY) > first_basics
    assert dict(asked)[MORE_KEY] == RED_FLAGS
    assert len(asked) <= 12


def test_none_clears_every_item_and_leaves_how_it_started_and_how_swollen(kb):
    session = Session(kb)
    session.next_question()
    ticks = session.answer(SCREEN_KEY, "none")
    assert set(ticks.values()) == {"no"} and session.history == [SCREEN_KEY]
    yes_no = [f for f in kb.screen.fields() if kb.catalogue[f].type == "yesno"]
    assert {f: session.answers[f] for f in yes_no} == {f: "no" for f in yes_no}
    assert session.checklist_fields == len(yes_no)
    # A "no" to injury leaves gradual or sudden; a "no" to swelling leaves none or mild: the
    # follow-ups ask which, offering only those.
    onset = session.next_question()
    assert onset.field == "onset" and onset.stage == SCREEN
    assert [c.value for c in onset.choices] == ["gradual", "sudden_no_injury"]
    with pytest.raises(AnswerError, match="does not fit your answer to the checklist"):
        session.answer("onset", "injury")
    session.answer("onset", "1")
    swelling = session.next_question()
    assert swelling.field == "swelling" and [c.value for c in swelling.choices] == ["none", "mild"]
    session.answer("swelling", "none")
    assert kb.screen.check(session.answers).cleared == tuple(i.id for i in kb.screen.items)


def test_a_yes_leads_to_its_follow_ups_and_the_red_flags_decide(kb):
    session = Session(kb)
    n = numbers(session)
    session.answer(SCREEN_KEY, f"{n['locking']}, {n['swelling']} {n['injury']}")
    assert session.answers["onset"] == "injury"                # the one value a yes leaves
    assert session.answers["giving_way"] == "no"               # the items not listed are a no
    # The follow-ups in the checklist's order: how swollen, then which kind of locking.
    swelling = session.next_question()
    assert swelling.field == "swelling" and [c.value for c in swelling.choices] == ["moderate", "marked"]
    session.answer("swelling", "marked")
    which = session.next_question()
    assert which.kind == "checklist" and which.key == f"{SCREEN_KEY}:locking"
    assert which.text == "Which of these apply?"
    assert [i.fields for i in which.items] == [("locking",), ("locked_now",)]
    session.answer(which.key, "2")                             # locked now, not at times
    assert session.answers["locked_now"] == "yes" and session.answers["locking"] == "no"
    # A knee locked now after an injury: the emergency is said at once.
    assert "emergency" in [f.level for f in session.new_emergencies()]


def test_the_two_signs_of_one_line_are_told_apart_and_a_cold_foot_calls_an_ambulance(kb):
    session = Session(kb)
    session.answer(SCREEN_KEY, str(numbers(session)["nerves_circulation"]))
    while (which := session.next_question()).kind != "checklist":
        session.answer(which.key, "1")            # how it started, how swollen
    assert which.key == f"{SCREEN_KEY}:nerves_circulation"
    assert [i.id for i in which.items] == ["numbness_or_tingling", "foot_cold_or_pale"]
    session.answer(which.key, "2")
    assert session.answers["numbness_or_tingling"] == "no" and session.answers["foot_cold_or_pale"] == "yes"
    assert session.result().triage_level == "emergency_ambulance"


def test_dont_know_on_a_checklist_item_keeps_the_form_out_of_self_care_and_is_named(kb):
    benign = vignette_form(next(p for p in VIGNETTES if p.stem == "itbs_benign_full_red_flag_screen_negative"))
    assert assess(benign, kb=kb).triage_level == "self_care"
    session = Session(kb)
    session.answer(SCREEN_KEY, f"?{numbers(session)['hot_red_knee']}")
    assert "knee_hot_red" in session.unknown and session.answers["fever_or_unwell"] == "no"
    play(session, benign.answers)
    result = session.result()
    assert result.triage_level == "consultation"
    assert result.screen.not_asked == ("hot_red_knee",)
    assert any("Hot, red knee" in reason.text for reason in result.triage.reasons)
    # u answers every item "don't know".
    everything = Session(kb)
    everything.next_question()
    assert set(everything.answer(SCREEN_KEY, "u").values()) == {None}


@pytest.mark.parametrize("raw, message", [("maybe", "not an answer to this list"), ("99", "There is no item 99"),
                                          ("2 ?2", "given twice"), ("none 3", "do not go together"),
                                          ("", "Please type an answer")])
def test_a_checklist_answer_that_does_not_fit_changes_nothing(kb, raw, message):
    session = Session(kb)
    session.next_question()
    with pytest.raises(AnswerError) as error:
        session.answer(SCREEN_KEY, raw)
    assert message in str(error.value) and "none" in error.value.accepted
    assert session.answers == {} and session.history == []


def test_a_web_form_answers_the_checklist_item_by_item(kb):
    session = Session(kb)
    step = session.next_question()
    session.answer(step.key, {item.id: "no" for item in step.items} | {"fever": "yes", "calf": "unknown"})
    assert session.answers["fever_or_unwell"] == "yes" and "calf_pain_or_swelling" in session.unknown
    partial = Session(kb)
    partial.next_question()
    with pytest.raises(AnswerError, match="No answer for injury"):
        partial.answer(SCREEN_KEY, {"fever": "no"})


def test_a_resumed_form_lists_only_the_items_still_open(kb):
    session = Session(kb, prefill={"knee_hot_red": "no", "locking": "no", "locked_now": "no"})
    step = session.next_question()
    assert "hot_red_knee" not in {i.id for i in step.items} and "locking" not in {i.id for i in step.items}
    assert [i.number for i in step.items] == list(range(1, len(step.items) + 1))


def test_examination_findings_are_asked_only_of_a_clinician_and_after_the_history(kb):
    patient = play(Session(kb), ITBS)
    assert not any(kb.catalogue[f].is_exam for f in patient if f in kb.catalogue)
    answers = {**ITBS, "exam_noble": "positive"}
    clinician = stages(Session(kb, clinician=True), answers, default="no")
    first_exam = next(i for i, (f, _) in enumerate(clinician) if f in kb.catalogue and kb.catalogue[f].is_exam)
    # The history comes first: the checklist and every warning-sign question the runner is asked
    # before where it hurts, the clinician is asked before any examination finding.
    patient = stages(Session(kb), answers, default="no")
    warning = [key for key, stage in patient[:[s for _, s in patient].index(BASICS)]]
    assert set(warning) <= {key for key, _ in clinician[:first_exam]}
    assert clinician[0] == (SCREEN_KEY, SCREEN)


def test_a_clinician_is_asked_the_examination_tests_to_do_next_before_it_stops(kb):
    # The history settles iliotibial band syndrome; the tests that bear on it are still asked,
    # so the result does not stop and then list Noble, Ober and condyle tenderness as to do.
    for default in ("unknown", "no"):
        session = Session(kb, clinician=True)
        asked = play(session, ITBS, default=default)
        assert {"exam_noble", "exam_ober", "exam_tender_lateral_femoral_condyle"} <= set(asked)
        result = session.result()
        assert result.exam_tests is not None
        assert not [t.field for t in result.exam_tests if session.is_open(t.field)]
        assert not [q.field for q in result.open_questions[:5]
                    if kb.catalogue[q.field].is_exam and session.is_open(q.field)]
        assert session.is_settled()
    runner = Session(kb)
    assert not any(kb.catalogue[f].is_exam for f in play(runner, ITBS) if f in kb.catalogue)


def test_why_we_ask_comes_from_the_rules_that_use_the_answer(kb):
    checklist = Session(kb).next_question()
    fields = {f for item in checklist.items for f in item.fields}
    question = Session(kb, prefill={f: "no" for f in fields if kb.catalogue[f].type == "yesno"}
                       | {"onset": "gradual", "swelling": "none"}).next_question()
    for step, fields in ((checklist, fields), (question, {question.field})):
        assert step.why, step
        users = {r.id for r in kb.rules if r.kind != "conclusion" and fields & _fields_of(kb, r)}
        assert {w.rule for w in step.why} <= users
        assert all(w.title and w.explanation and w.points_to for w in step.why)


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


def test_dont_know_closes_a_question_and_the_rules_waiting_on_it(kb):
    session = Session(kb)
    session.answer("calf_pain_or_swelling", "don't know")
    assert "calf_pain_or_swelling" in session.unknown
    truths = rule_truths(kb, session.answers, session.open_fields())
    assert truths["RF-DVT-CALF"] is False and truths["RF-PE-CALF-AND-CHEST"] is False
    assert "calf" not in {i.id for i in session.next_question().items}
    assert "calf_pain_or_swelling" not in play(session, ITBS)


# --- back and change ---------------------------------------------------------------------------

def test_back_asks_the_previous_question_again_and_a_second_back_goes_further(kb):
    session = Session(kb, prefill={"onset": "gradual"})
    session.answer("pain_location", "2")
    session.answer("locking", "no")
    assert session.back() == "locking"
    again = session.next_question()
    assert again.field == "locking" and again.previous == "no"
    assert "locking" not in session.answers
    assert session.back() == "pain_location"      # further back: the second answer is kept
    assert session.answers["locking"] == "no"
    assert session.next_question().field == "pain_location"
    session.answer("pain_location", "medial")
    assert session.answers["pain_location"] == "medial" and session.history == ["pain_location", "locking"]


def test_back_at_the_first_step_does_nothing(kb):
    session = Session(kb)
    assert session.back() is None
    assert session.next_question().key == SCREEN_KEY


def test_back_across_the_checklist_shows_the_answer_and_a_change_redoes_the_follow_ups(kb):
    session = Session(kb)
    n = numbers(session)
    session.answer(SCREEN_KEY, f"?{n['fever']}")
    assert session.next_question().field == "onset"          # the follow-up of "no injury"
    session.answer("onset", "gradual")
    assert session.next_question().field == "swelling"
    assert session.back() == "onset"
    assert session.back() == SCREEN_KEY
    again = session.next_question()
    assert again.kind == "checklist" and dict(again.previous)["fever"] == "don't know"
    assert dict(again.previous)["injury"] == "no"
    assert "fever_or_unwell" not in session.unknown and "knee_hot_red" not in session.answers
    # It did start with an injury after all: the follow-up on how it started is void.
    session.answer(SCREEN_KEY, str(n["injury"]))
    assert session.answers["onset"] == "injury" and session.answers["fever_or_unwell"] == "no"
    assert "fever_or_unwell" not in session.unknown
    assert session.history == [SCREEN_KEY]
    assert session.next_question().field == "swelling"
    # Backing up past the checklist being asked again leaves its answers as they were.
    assert session.back() == SCREEN_KEY and session.back() is None
    assert session.redoing == SCREEN_KEY
    session.answer(SCREEN_KEY, str(n["injury"]))
    assert session.answers["onset"] == "injury" and session.answers["knee_hot_red"] == "no"


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


def _benign(kb):
    """A complete self-care form: every screen item answered "no", the history given."""
    form = vignette_form(next(p for p in VIGNETTES if p.stem == "itbs_benign_full_red_flag_screen_negative"))
    answers = dict(form.answers) | {"locked_now": "no", "foot_cold_or_pale": "no"}
    assert assess(answers, kb=kb).triage_level == "self_care"
    return answers


def test_the_stop_rule_never_stops_in_self_care_with_a_screen_item_or_a_basic_open(kb):
    benign = _benign(kb)
    provocations = [f for f in kb.screen.item("provocation").ask]
    cases = [(f,) for f in kb.screen.fields()] + [("pain_location",), ("onset",),
                                                  tuple(f for f in benign if f.startswith("aggr_") or f == "run_pain_pattern")]
    for left_open in cases:
        answers = {k: v for k, v in benign.items() if k not in left_open}
        view = outlook(kb, answers, left_open)
        assert not view.level_settled and view.most_urgent != "self_care", left_open
        assert set(left_open) & view.live_fields, left_open
        # Played to the end, the questionnaire asks for it (on a checklist, or on its own).
        session, asked = Session(kb, prefill=answers), set()
        while (step := session.next_question()) is not None:
            asked |= {f for i in step.items for f in i.fields} if step.kind == "checklist" else {step.field}
            session.answer(step.key, _reply(session, step, benign, "no"))
        assert asked & (set(left_open) | set(provocations)), left_open
        assert session.result().triage_level == "self_care"
        # Answered "don't know", the item is closed: no self-care, unless the screen does not
        # need the field (locked now and a cold foot: rules/screen.yml).
        unsure = Session(kb, prefill=answers, unknown=left_open)
        play(unsure, {})
        needed = not kb.screen.check(answers).complete
        assert (unsure.result().triage_level != "self_care") == needed, left_open


def test_the_stop_rule_stops_at_a_consultation_with_screen_items_open_when_nothing_can_raise_it(kb):
    # Where it hurts unknown, and nothing else that could make a condition likely: a consultation
    # whatever else is said, and the screen items could only ask for one; what could raise the
    # level further is still asked.
    silent = ("run_pain_pattern", "aggr_downhill_running", "recent_downhill_running")
    answers = {k: v for k, v in _benign(kb).items() if k not in ("pain_location", "giving_way", "night_pain") + silent}
    session = Session(kb, prefill=answers, unknown=["pain_location", "night_pain", *silent])
    asked = play(session, {})
    assert "giving_way" in session.open_fields() and "giving_way" not in asked
    assert SCREEN_KEY not in asked
    assert session.result().triage_level == "consultation"
    assert set(session.result().screen.not_asked) == {"night_pain", "giving_way"}


def test_the_outlook_brackets_every_level_a_combination_could_reach(kb):
    # Calf pain with chest symptoms calls an ambulance; calf pain alone asks for 24 hours.
    answers = {"onset": "gradual"}
    both_open = outlook(kb, answers, {"calf_pain_or_swelling", "breathless_or_chest_pain"})
    assert both_open.most_urgent == "emergency_ambulance" and not both_open.level_settled
    closed = outlook(kb, {**answers, "breathless_or_chest_pain": "no"}, {"calf_pain_or_swelling"})
    assert closed.most_urgent == "consultation_24"


def test_an_emergency_is_told_once_as_soon_as_it_is_raised(kb):
    session = Session(kb)
    session.answer(SCREEN_KEY, str(numbers(session)["hot_red_knee"]))
    assert session.new_emergencies() == ()
    session.reopen("fever_or_unwell")
    session.answer("fever_or_unwell", "yes")
    flags = session.new_emergencies()
    assert [f.id for f in flags] == ["septic_arthritis"] and flags[0].level == "emergency"
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
    first = resumed.next_question()
    assert first.key == SCREEN_KEY and {f for i in first.items for f in i.fields}.isdisjoint(saved)
    assert first.items == session.next_question().items


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


def test_the_api_a_front_end_uses_stays_importable_from_triage_questionnaire(kb):
    # A web adapter imports these names and calls these methods (the Session's parts live in
    # triage/dialogue/, one job each; triage.questionnaire keeps the names where they were).
    from triage import questionnaire

    for name in ("AnswerError", "Session", "BASICS", "NARROWING", "RED_FLAGS", "Checklist", "ChecklistItem",
                 "Question", "SCREEN", "SCREEN_KEY", "MORE_KEY", "checklist_reply", "interpret", "outlook",
                 "rule_truths", "possible_truths", "accepted_answers", "_rules_using"):
        assert hasattr(questionnaire, name), name
    session = Session.from_contract({"pain_location": "lateral"}, kb)
    for method in ("answer", "back", "new_emergencies", "next_question", "read", "reopen", "result", "summary",
                   "to_contract"):
        assert callable(getattr(session, method)), method
    assert session.kb is kb and session.history == [] and session.to_contract()["pain_location"] == "lateral"
