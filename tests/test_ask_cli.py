"""``kneetriage ask`` driven through piped input (one answer per line), as a script would."""

import json
from pathlib import Path

import pytest
import yaml

from triage.cli import cli

FULL = yaml.safe_load((Path(__file__).resolve().parent / "vignettes" /
                       "pfps_benign_full_red_flag_screen_negative.yml").read_text())["form"]
# Three warning-sign questions left open: everything else is known, so the dialogue is short.
OPEN = ("knee_hot_red", "fever_or_unwell", "locking")


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
    result = ask(runner, ["2", "2", "2", "y"], "--answers", saved)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Your answers" in out and "Hot, red knee: no" in out
    assert "RESULT" in out and "Self-management" in out and "Most likely:" in out
    assert "3 questions asked" in out
    assert "supports, and does not replace" in out            # the disclaimer
    assert out.index("Your answers") < out.index("RESULT")
    assert "\x1b[" not in out                                  # no colour codes on a pipe


def test_invalid_input_names_the_accepted_answers_and_asks_again(runner, saved):
    result = ask(runner, ["maybe", "7", "2", "2", "2", "y"], "--answers", saved)
    assert result.exit_code == 0 and "Traceback" not in result.output
    out = result.output
    words = " ".join(out.split())
    assert "'maybe' is not an answer to this question." in words
    assert "There is no choice 7." in words
    assert "Answer with: 1 or yes, 2 or no; u (don't know)" in words
    first_question = out.split("question 1")[1].splitlines()[1].strip()
    assert out.count(first_question) >= 3                    # asked again after each error


def test_question_mark_explains_the_question_and_why_it_is_asked(runner, saved):
    out = ask(runner, ["?", "2", "2", "2", "y"], "--answers", saved).output
    assert "Help:" in out and "Why we ask" in out
    assert "emergency department" in out                     # these open questions feed emergency flags


def test_back_returns_to_the_previous_answer_and_says_what_it_was(runner, saved):
    out = ask(runner, ["b", "2", "b", "u", "2", "2", "y"], "--answers", saved).output
    assert "nothing to go back to" in out
    assert "(your answer was: no)" in out
    assert "1 answered \"don't know\"" in out


def test_end_of_input_stops_cleanly_with_what_is_known_and_saves(runner, saved, tmp_path):
    out_file = tmp_path / "partial.json"
    result = ask(runner, ["2"], "--answers", saved, "--save", out_file)
    assert result.exit_code == 5 and "Traceback" not in result.output   # 5: the input ended midway
    assert "End of input" in result.output and "RESULT" in result.output
    words = " ".join(result.output.split())
    assert "the questions left could still change the triage level (at worst: go to an emergency" in words
    data = json.loads(out_file.read_text())
    assert len(set(OPEN) & set(data)) == 1                   # the one answer given, and the prefill
    assert data["pain_location"] == "anterior_diffuse"


def test_an_emergency_is_said_at_once_with_what_to_do_before_anything_else(runner, tmp_path):
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps({k: v for k, v in FULL.items() if k not in ("locking", "fever_or_unwell")}))
    stopped = ask(runner, ["1", "s"], "--answers", saved)
    out = stopped.output
    assert stopped.exit_code == 0
    assert "!! GO TO AN EMERGENCY DEPARTMENT TODAY !!" in out
    assert "What to do now: Go to an emergency department now." in out
    assert out.index("!!") < out.index("RESULT")
    assert "question 2" not in out                           # nothing else was asked
    # Continuing asks the remaining questions after the warning.
    continued = ask(runner, ["1", "c", "2", "y"], "--answers", saved).output
    assert continued.index("!!") < continued.index("question 2") < continued.index("RESULT")


def test_quit_offers_to_save_and_the_saved_form_resumes(runner, saved, tmp_path):
    out_file = tmp_path / "resume.json"
    quitted = ask(runner, ["u", "q", out_file], "--answers", saved)
    assert quitted.exit_code == 0 and "Save your answers?" in quitted.output
    data = json.loads(out_file.read_text())
    assert list(data.values()).count("unknown") == 1          # "don't know" is kept as unknown
    # Resuming asks only the two questions still open.
    resumed = ask(runner, ["2", "2", "y"], "--answers", out_file)
    assert "2 questions asked" in resumed.output
    assert "question 3" not in resumed.output


def test_the_saved_form_is_a_contract_form_that_assess_and_score_read(runner, saved, tmp_path):
    out_file = tmp_path / "done.json"
    ask(runner, ["u", "2", "2", "y"], "--answers", saved, "--save", out_file)
    assessed = runner.invoke(cli, ["assess", str(out_file), "--format", "json"])
    assert assessed.exit_code == 0, assessed.output
    assert json.loads(assessed.output)["triage_level"] == "self_care"
    scored = runner.invoke(cli, ["score", str(out_file), "--format", "jsonl", "-o", str(tmp_path / "out.jsonl")])
    assert scored.exit_code == 0, scored.output
    row = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert row["status"] == "ok" and row["triage_level"] == "self_care"


def test_an_answer_can_be_changed_from_the_summary(runner, saved, tmp_path):
    out_file = tmp_path / "changed.json"
    summary_rows = ask(runner, ["2", "2", "2", "q", ""], "--answers", saved).output
    row = next(line.split()[0] for line in summary_rows.splitlines() if "Locking (block to extension)" in line)
    out = ask(runner, ["2", "2", "2", row, "1", "s"], "--answers", saved, "--save", out_file).output
    assert "(your answer was: no)" in out and "!! GO TO AN EMERGENCY DEPARTMENT TODAY !!" in out
    assert json.loads(out_file.read_text())["locking"] == "yes"


def test_report_is_written_or_falls_back_to_the_plain_summary(runner, saved, tmp_path, monkeypatch):
    report = tmp_path / "report.md"
    out = ask(runner, ["2", "2", "2", "y"], "--answers", saved, "--report", report).output
    assert report.exists() and "Report written to" in out
    assert "supports, and does not replace" in report.read_text()
    # Without the report module, the plain-text summary is written and the fallback is said.
    monkeypatch.setitem(__import__("sys").modules, "triage.report", None)
    plain = tmp_path / "plain.txt"
    out = ask(runner, ["2", "2", "2", "y"], "--answers", saved, "--report", plain).output
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
