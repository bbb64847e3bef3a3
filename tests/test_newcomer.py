"""What a new user meets first: the bare command, the README's examples, and outputs the
program cannot write."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from triage.cli import cli
from triage.commands import validate as validate_command

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_bare_command_prints_help_and_succeeds():
    result = run()
    assert result.exit_code == 0 and "Commands:" in result.output and "assess" in result.output


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_score_refuses_an_output_type_it_cannot_write(tmp_path, suffix):
    target = tmp_path / f"out{suffix}"
    result = run("score", ROOT / "examples" / "forms.csv", "-o", target)
    assert result.exit_code == 2 and f"cannot write {suffix}" in result.output and not target.exists()


def test_report_refuses_an_output_type_it_cannot_write(tmp_path):
    target = tmp_path / "out.docx"
    result = run("report", ROOT / "examples" / "form.json", "-o", target)
    assert result.exit_code == 2 and "cannot be written as .docx" in result.output and not target.exists()


def test_a_folder_with_a_dot_in_its_name_is_still_a_folder(tmp_path):
    result = run("report", ROOT / "examples" / "forms.csv", "-o", f"{tmp_path / 'reports.v2'}/")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports.v2" / "index.html").is_file()


@pytest.mark.parametrize("folder", ["reports", "rules"])
def test_reports_are_never_written_into_the_programs_own_folders(folder):
    from triage.paths import REPORTS_DIR, RULES_DIR

    before = sorted(p.name for p in (REPORTS_DIR if folder == "reports" else RULES_DIR).iterdir())
    target = (REPORTS_DIR if folder == "reports" else RULES_DIR) / "batch"
    result = run("report", ROOT / "examples" / "forms.csv", "-o", f"{target}/")
    assert result.exit_code == 2 and "own" in result.output
    assert sorted(p.name for p in (REPORTS_DIR if folder == "reports" else RULES_DIR).iterdir()) == before


def test_validate_without_files_finds_the_vignettes_of_the_working_checkout(monkeypatch, tmp_path):
    # As after `pip install .` from a clone: the code lives elsewhere, the clone is the cwd.
    monkeypatch.setattr(validate_command, "CHECKOUT", tmp_path)
    monkeypatch.chdir(ROOT)
    assert validate_command.default_case_paths() == [ROOT / "tests" / "vignettes"]
    monkeypatch.chdir(tmp_path)
    assert validate_command.default_case_paths() == []


def test_the_readme_example_form_assesses_to_self_care():
    result = run("assess", ROOT / "examples" / "form.json")
    assert result.exit_code == 0 and "SELF-MANAGEMENT" in result.output
    assert "All 14 warning signs were checked" in result.output


def test_the_terminal_result_shows_the_plans_first_steps_when_it_speaks_of_a_plan():
    result = run("assess", ROOT / "examples" / "form.json")
    assert "the plan below" in result.output
    assert "PLAN: FIRST STEPS" in result.output and "kneetriage report FORM -o plan.html" in result.output
    urgent = run("assess", ROOT / "examples" / "form.json", "--format", "text")
    assert urgent.exit_code == 0


def test_the_emergency_level_says_today_in_its_label_timeframe_and_action(kb):
    level = kb.level("emergency")
    assert "today" in level.label and "today" in level.timeframe and "today" in level.action
    assert " now." not in level.action
