"""``kneetriage ask`` driven through piped input (one answer per line), as a script would."""

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from tests.strategies import forms

from triage.cli import cli

FULL = yaml.safe_load((Path(__file__).resolve().parent / "vignettes" /
                       "pfps_benign_full_red_flag_screen_negative.yml").read_text())["form"]
# Four warning signs left open: everything else is known, so the dialogue is short. It goes: the
# warning-sign checklist (hot red knee, fever, swelling, locking, and the cold foot this v1 form
# never asked), how swollen (the follow-up of "no swelling"), then one more list of the newer
# warning signs before self-care.
OPEN = ("knee_hot_red", "fever_or_unwell", "locking", "swelling")
BENIGN = ["none", "1", "none"]


@pytest.fixture
def saved(tmp_path):
    """A saved form with the OPEN questions unanswered."""
    path = tmp_path / "saved.json"
    path.write_text(json.dumps({k: v for k, v in FULL.items() if k not in OPEN}))
    return path


def ask(runner, lines, *args):
    return runner.invoke(cli, ["ask", *map(str, args)], input="".join(f"{line}\n" for line in lines),
                         catch_exceptions=False)


def test_a_short_dialogue_ends_with_the_confirmed_explained_result(runner, saved):
    result = ask(runner, [*BENIGN, "y"], "--answers", saved)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Do any of these apply?" in out and out.index("Do any of these apply?") < out.index("Is the knee swollen?")
    assert "Your answers" in out and "Is the knee hot and red? no" in out   # as it was asked
    assert "RESULT" in out and "Self-management" in out and "Most likely:" in out
    words = " ".join(out.split())
    assert "Warning signs checked: 14 of 14." in words and "Not checked" not in words
    assert "3 questions asked (2 of them lists of warning signs" in words
    assert "supports, and does not replace" in out            # the disclaimer
    assert out.index("Your answers") < out.index("RESULT")
    assert "\x1b[" not in out                                  # no colour codes on a pipe


def test_the_checklist_lists_the_open_warning_signs_in_plain_words_and_says_how_to_answer(runner, saved):
    out = ask(runner, [*BENIGN, "y"], "--answers", saved).output
    checklist = out.split("Do any of these apply?")[1].split("> ")[0]
    assert "1  The knee is hot and red" in checklist and "Fever, chills" in checklist
    assert "Type none if none of them apply" in " ".join(checklist.split())
    assert "Put ? before a number you are not sure about" in " ".join(checklist.split())
    clinician = ask(runner, ["u"] * 3, "--answers", saved, "--clinician").output
    assert "Hot, red knee" in clinician.split("Do any of these apply?")[1]


def test_invalid_input_names_the_accepted_answers_and_asks_again(runner, saved):
    result = ask(runner, ["maybe", "99", "none", "7", "1", "none", "y"], "--answers", saved)
    assert result.exit_code == 0 and "Traceback" not in result.output
    out = result.output
    words = " ".join(out.split())
    assert "'maybe' is not an answer to this list." in words
    assert "There is no item 99." in words
    assert out.count("Do any of these apply?") >= 3           # asked again after each error
    assert "There is no choice 7." in words
    assert "Answer with: 1 or none, 2 or mild; u (don't know)" in words   # only what "no" leaves
    assert out.count("Is the knee swollen?") >= 2


def test_question_mark_explains_the_checklist_and_why_it_is_asked(runner, saved):
    out = ask(runner, ["?", *BENIGN, "y"], "--answers", saved).output
    assert "Help:" in out and "Why we ask" in out
    assert "emergency department" in out                     # these open questions feed emergency flags
    assert "none (none of them apply)" in " ".join(out.split())


def test_back_returns_across_the_checklist_and_says_what_the_answer_was(runner, saved):
    out = ask(runner, ["b", "none", "b", "?2", "1", "2", "y"], "--answers", saved).output
    assert "nothing to go back to" in out
    assert "(your answer was: none)" in out
    assert "1 answered \"don't know\"" in out
    # Fever was not checked: no self-management, and the result says which sign is missing.
    words = " ".join(out.split("RESULT")[1].split())
    assert "Self-management" not in words and "Book a clinician within 1-2 weeks" in words
    assert "Warning signs checked: 13 of 14. Not checked (a clinician should ask): Fever, chills" in words


def test_end_of_input_stops_cleanly_with_what_is_known_and_saves(runner, saved, tmp_path):
    out_file = tmp_path / "partial.json"
    result = ask(runner, ["none"], "--answers", saved, "--save", out_file)
    assert result.exit_code == 5 and "Traceback" not in result.output   # 5: the input ended midway
    assert "End of input" in result.output and "RESULT" in result.output
    words = " ".join(result.output.split())
    assert "the questions left could still change the triage level (at worst:" in words
    assert "Not checked (a clinician should ask): The knee is more than a little swollen" in words
    data = json.loads(out_file.read_text())
    assert set(OPEN) - set(data) == {"swelling"}              # the checklist's answers, and the prefill
    assert data["pain_location"] == "anterior_diffuse"


def test_an_emergency_is_said_at_once_with_what_to_do_before_anything_else(runner, tmp_path):
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps({k: v for k, v in FULL.items()
                                 if k not in ("knee_hot_red", "fever_or_unwell", "swelling")}))
    stopped = ask(runner, ["1 2", "s"], "--answers", saved)
    out = stopped.output
    assert stopped.exit_code == 0
    assert "!! GO TO AN EMERGENCY DEPARTMENT TODAY !!" in out
    assert "What to do now: Go to an emergency department today, as soon as you can." in out
    assert out.index("!!") < out.index("RESULT")
    assert "question 2" not in out                           # nothing else was asked
    # Continuing asks the remaining questions after the warning.
    # Continuing asks the remaining questions after the warning: here how swollen the knee is.
    continued = ask(runner, ["1 2", "c", "1", "y"], "--answers", saved).output
    assert continued.index("!!") < continued.index("question 2") < continued.index("RESULT")
    assert "Is the knee swollen?" in continued.split("!!")[2]


def test_quit_offers_to_save_and_the_saved_form_resumes(runner, saved, tmp_path):
    out_file = tmp_path / "resume.json"
    quitted = ask(runner, ["?1", "q", out_file], "--answers", saved)
    assert quitted.exit_code == 0 and "Save your answers?" in quitted.output
    data = json.loads(out_file.read_text())
    assert list(data.values()).count("unknown") == 1          # "don't know" is kept as unknown
    assert data["knee_hot_red"] == "unknown" and data["fever_or_unwell"] == "no"
    # Resuming asks only what is still open: how swollen, on a list of its own.
    # Resuming asks only what is still open: how swollen, on a list of its own; then, as the
    # form cannot reach self-management, only the signs that could make it more urgent.
    resumed = ask(runner, ["none", "1", "2", "y"], "--answers", out_file).output
    asked = resumed.split("Your answers")[0]
    assert "Do any of these apply?" in asked and "The knee is more than a little swollen" in asked
    assert "The knee is hot and red" not in asked and "Fever" not in asked
    assert "3 questions asked" in resumed and "question 4" not in resumed


def test_the_saved_form_is_a_contract_form_that_assess_and_score_read(runner, saved, tmp_path):
    out_file = tmp_path / "done.json"
    ask(runner, [*BENIGN, "y"], "--answers", saved, "--save", out_file)
    assessed = runner.invoke(cli, ["assess", str(out_file), "--format", "json"])
    assert assessed.exit_code == 0, assessed.output
    assert json.loads(assessed.output)["triage_level"] == "self_care"
    scored = runner.invoke(cli, ["score", str(out_file), "--format", "jsonl", "-o", str(tmp_path / "out.jsonl")])
    assert scored.exit_code == 0, scored.output
    row = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert row["status"] == "ok" and row["triage_level"] == "self_care"


def test_an_answer_can_be_changed_from_the_summary(runner, saved, tmp_path):
    out_file = tmp_path / "changed.json"
    summary_rows = ask(runner, [*BENIGN, "q", ""], "--answers", saved).output
    row = next(line.split()[0] for line in summary_rows.splitlines()
               if "Does the knee sometimes get stuck in a bent position?" in line)
    out = ask(runner, [*BENIGN, row, "1"] + ["2"] * 10 + ["y"], "--answers", saved, "--save", out_file).output
    assert "(your answer was: no)" in out
    assert "Book a clinician within 1-2 weeks" in out.split("RESULT")[1]   # locking at times: no self-care
    assert json.loads(out_file.read_text())["locking"] == "yes"


def test_report_is_written_or_falls_back_to_the_plain_summary(runner, saved, tmp_path, monkeypatch):
    report = tmp_path / "report.md"
    out = ask(runner, [*BENIGN, "y"], "--answers", saved, "--report", report).output
    assert report.exists() and "Report written to" in out
    assert "supports, and does not replace" in report.read_text()
    # Without the report module, the plain-text summary is written and the fallback is said.
    monkeypatch.setitem(__import__("sys").modules, "triage.report", None)
    plain = tmp_path / "plain.txt"
    out = ask(runner, [*BENIGN, "y"], "--answers", saved, "--report", plain).output
    assert "plain-text summary" in out
    assert plain.read_text().startswith("Form ") and "DIFFERENTIAL" in plain.read_text()


def test_a_clinician_is_asked_the_examination(runner, saved):
    lines = ["u"] * 40 + ["y"]
    out = ask(runner, lines, "--answers", saved, "--clinician").output
    assert "Clinician mode" in out
    assert "TRIAGE:" in out                                   # the clinician's summary
    exam_questions = [spec.clinician for spec in __import__("triage").load_knowledge().catalogue if spec.is_exam]
    assert any(text in out.split("Your answers")[0] for text in exam_questions)


def test_a_bad_saved_form_is_refused_naming_the_field(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"locking": "maybe"}))
    result = runner.invoke(cli, ["ask", "--answers", str(bad)], input="")
    assert result.exit_code == 2
    assert "locking" in result.output and "yes, no, unknown" in result.output


def test_quitting_early_gives_one_answer_about_naming_a_condition(runner):
    # The checklist and how it started, then q: where it hurts is not known.
    out = ask(runner, ["none", "1", "q", ""]).output
    words = " ".join(out.split("RESULT")[1].split())
    assert "too little to name a condition" in words
    assert "Possible:" not in words and "Most likely" not in words


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(forms())
def test_the_terminal_result_never_names_a_condition_the_outcome_does_not(kb, form):
    from triage.assess import assess
    from triage.commands.ask import render_result
    from triage.forms import parse_form
    from triage.questionnaire import Session

    result = assess(parse_form(form), kb=kb)
    text = " ".join(render_result(result, Session(kb), kb).split())
    if not result.names_conditions:
        assert "Possible:" not in text and "Most likely" not in text and "Also possible" not in text


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_every_line_of_ask_fits_the_terminal_and_breaks_between_words(runner, saved, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    dialogues = [(["--answers", saved], ["?", *BENIGN, "y"]),
                 (["--answers", saved, "--clinician"], ["?"] + ["u"] * 40 + ["y"]),
                 ([], ["?", "none", "1", "q", ""])]
    for args, lines in dialogues:
        out = ask(runner, lines, *args).output
        assert max(len(line) for line in out.splitlines()) <= columns, out
        words = " ".join(out.split())
        assert "(for example: 2 ?7)" in out.replace("\n  ", " ") and "example: 2\n" not in out
        assert "supports, and does not replace" in words


def test_a_positive_question_changed_from_the_summary_saves_the_contracts_value(runner, saved, tmp_path):
    out_file = tmp_path / "steps.json"
    rows = ask(runner, [*BENIGN, "q", ""], "--answers", saved).output
    row = next(line.split()[0] for line in rows.splitlines() if "Can you take four steps on the leg? yes" in line)
    # Asked again the positive way round; "no, I cannot" is stored as unable_to_bear_weight = yes.
    out = ask(runner, [*BENIGN, row, "2", "s"], "--answers", saved, "--save", out_file).output
    asked_again = out.split("Your answers")[1]
    assert "Can you take four steps on the leg?" in asked_again and "(your answer was: yes)" in asked_again
    assert json.loads(out_file.read_text())["unable_to_bear_weight"] == "yes"
    assert "!!" in asked_again                                 # and it is the emergency it should be
    from triage.questionnaire import Session
    resumed = Session.from_contract(json.loads(out_file.read_text()))
    assert ("unable_to_bear_weight", "Can you take four steps on the leg?", "no") in resumed.summary()


def test_a_runner_is_told_another_cause_in_plain_words(kb):
    from triage import assess
    from triage.commands.ask import render_result
    from triage.questionnaire import Session
    form = {**FULL, "knee_hot_red": "yes", "swelling": "moderate", "fever_or_unwell": "yes"}
    result = assess(form, kb=kb)
    assert result.outcome == "other_cause" and "septic arthritis" in result.outcome_text  # for clinicians
    session = Session.from_contract(form, kb)
    words = " ".join(render_result(result, session, kb).split())
    assert "septic arthritis" not in words.lower()
    assert kb.flag("septic_arthritis").patient_title in words
