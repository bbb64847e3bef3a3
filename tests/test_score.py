"""``kneetriage score``: one output row per input row, in order, with honest errors and exit statuses."""

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage import DISCLAIMER, assess
from triage.batch import runner as batch_runner
from triage.cli import cli
from triage.commands import score as score_command

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
COLUMNS = ["form_id", "status", "triage_level", "red_flags", "top_condition", "top_score", "outcome",
           "score_fat_pad_impingement", "score_itbs", "score_medial_plica", "score_patellar_stress_fracture",
           "score_patellar_tendinopathy", "score_pfps", "screen_complete", "warning_signs_not_asked",
           "error", "disclaimer"]


def invoke(*args, input=None):
    try:
        runner = CliRunner(mix_stderr=False)     # click < 8.2 mixes stderr into stdout by default
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["score", *map(str, args)], input=input, catch_exceptions=False)


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def jsonl(text):
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def forms_csv(tmp_path):
    def write(text, name="forms.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return path
    return write


# Formats ---------------------------------------------------------------------------------------

def test_the_csv_output_columns_and_one_row_per_form():
    result = invoke(EXAMPLES / "forms.csv", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].split(",") == COLUMNS
    rows = csv_rows(result.stdout)
    assert len(rows) == 12 and all(r["status"] == "ok" and r["error"] == "" for r in rows)


@pytest.mark.parametrize("name", ["forms.csv", "forms.jsonl"])
def test_every_input_format_gives_the_same_results(name, tmp_path):
    # The JSON array is made from the JSON Lines example.
    forms = [json.loads(line) for line in (EXAMPLES / "forms.jsonl").read_text().splitlines()]
    array = tmp_path / "forms.json"
    array.write_text(json.dumps(forms, indent=2))
    reference = csv_rows(invoke(array, "--format", "csv").stdout)
    assert csv_rows(invoke(EXAMPLES / name, "--format", "csv").stdout) == reference
    assert [r["form_id"] for r in reference] == [f["form_id"] for f in forms]


def test_json_lines_carry_the_full_explained_assessment():
    result = invoke(EXAMPLES / "forms.jsonl", "--format", "jsonl")
    first_form = json.loads((EXAMPLES / "forms.jsonl").read_text().splitlines()[0])
    first = jsonl(result.stdout)[0]
    assert first == json.loads(json.dumps(assess(first_form).to_dict()))
    assert first["disclaimer"] == DISCLAIMER and first["open_questions"] is not None


def test_json_output_is_one_array():
    result = invoke(EXAMPLES / "forms.csv", "--format", "json")
    records = json.loads(result.stdout)
    assert [r["status"] for r in records] == ["ok"] * 12
    assert json.loads(invoke(EXAMPLES / "forms-with-errors.csv", "--format", "json").stdout)[1]["status"] == "error"


def test_the_table_for_reading_has_one_row_per_form_and_says_what_went_wrong(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    lines = invoke(EXAMPLES / "forms.csv", EXAMPLES / "forms-with-errors.csv", "--format", "table").stdout.splitlines()
    assert lines[0].split()[:2] == ["FORM", "TRIAGE"]
    rows = lines[1:lines.index("")]          # then a blank line and the disclaimer
    assert len([line for line in rows if not line.startswith(" ")]) == 15     # one row per form
    calf = next(i for i, line in enumerate(lines) if line.startswith("calf-and-breathless"))
    assert lines[calf].split()[:2] == ["calf-and-breathless", "emergency_ambulance"]
    assert "pulmonary_embolism" in lines[calf]
    typo = next(line for line in lines if line.startswith("typo-row"))
    assert typo.split()[:2] == ["typo-row", "ERROR"] and "age: 'forty'" in " ".join(" ".join(lines).split())


def test_standard_input_and_output():
    text = (EXAMPLES / "forms.jsonl").read_text()
    result = invoke("-", "--format", "csv", input=text)
    assert [r["form_id"] for r in csv_rows(result.stdout)][:2] == ["pfps-road-runner", "itbs-trail-descents"]
    assert "12 forms" in result.stderr and "12 forms" not in result.stdout


def test_the_output_format_follows_the_output_file(tmp_path):
    invoke(EXAMPLES / "forms.csv", "-o", tmp_path / "out.jsonl")
    invoke(EXAMPLES / "forms.csv", "-o", tmp_path / "out.csv")
    assert len(jsonl((tmp_path / "out.jsonl").read_text())) == 12
    assert csv_rows((tmp_path / "out.csv").read_text())[0]["form_id"] == "pfps-road-runner"


# CSV dialects ----------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_are_detected(forms_csv, delimiter):
    path = forms_csv(f"form_id{delimiter}age{delimiter}pain_location\nx{delimiter}30{delimiter}lateral\n")
    row, = csv_rows(invoke(path, "--format", "csv").stdout)
    assert row["status"] == "ok" and row["form_id"] == "x"


def test_the_delimiter_option(forms_csv):
    path = forms_csv("form_id;age\nx;30\n", name="forms.txt")
    assert csv_rows(invoke(path, "--delimiter", "semicolon", "--format", "csv").stdout)[0]["status"] == "ok"
    assert invoke(path, "--delimiter", "pipe").exit_code == 2


def test_a_file_with_a_byte_order_mark(forms_csv):
    path = forms_csv("form_id,age\r\nx,30\r\n", encoding="utf-8-sig")
    row, = csv_rows(invoke(path, "--format", "csv").stdout)
    assert (row["form_id"], row["status"]) == ("x", "ok")


def test_a_quoted_newline_stays_in_its_field(forms_csv):
    path = forms_csv('form_id,age\n"two\nlines",30\nnext,31\n')
    rows = csv_rows(invoke(path, "--format", "csv").stdout)
    assert [r["form_id"] for r in rows] == ["two\nlines", "next"]


# Errors ----------------------------------------------------------------------------------------

def test_error_rows_keep_their_place_and_name_the_field_value_and_accepted_values():
    result = invoke(EXAMPLES / "forms-with-errors.csv", "--format", "csv")
    assert result.exit_code == 1
    rows = csv_rows(result.stdout)
    assert [r["status"] for r in rows] == ["ok", "error", "ok"]
    message = rows[1]["error"]
    assert message.startswith("examples/forms-with-errors.csv row 2 (line 3)") or "row 2 (line 3)" in message
    assert "age: 'forty' is not accepted" in message and "a whole number from 5 to 100" in message
    assert "swelling: 'yes'" in message and "none, mild, moderate, marked" in message
    assert rows[1]["triage_level"] == "" and rows[1]["form_id"] == "typo-row"
    assert "1 with errors" in result.stderr and "row 2 (line 3)" in result.stderr


def test_an_unknown_field_is_an_error_unless_ignored(forms_csv):
    path = forms_csv("form_id,age,pain_locaton\nx,30,lateral\n")
    result = invoke(path, "--format", "jsonl")
    record, = jsonl(result.stdout)
    assert result.exit_code == 1 and record["status"] == "error"
    assert record["problems"][0]["field"] == "pain_locaton" and "did you mean 'pain_location'" in record["error"]
    result = invoke(path, "--format", "jsonl", "--ignore-unknown-fields")
    assert result.exit_code == 0 and jsonl(result.stdout)[0]["status"] == "ok"


def test_a_broken_json_line_is_an_error_row_and_the_rest_still_score(tmp_path):
    path = tmp_path / "forms.jsonl"
    path.write_text('{"form_id": "a", "age": 30}\n{"form_id": "b", "age": \n{"form_id": "c", "age": 31}\n')
    result = invoke(path, "--format", "jsonl")
    records = jsonl(result.stdout)
    assert [r["status"] for r in records] == ["ok", "error", "ok"]
    assert [r["form_id"] for r in records] == ["a", "2", "c"]
    assert "row 2 (line 2)" in records[1]["error"] and "not valid JSON" in records[1]["error"]
    assert result.exit_code == 1


def test_a_ragged_csv_row_is_an_error_row(forms_csv):
    path = forms_csv("form_id,age,sex\na,30,male\nb,31\nc,32,female,x\n")
    rows = csv_rows(invoke(path, "--format", "csv").stdout)
    assert [(r["form_id"], r["status"]) for r in rows] == [("a", "ok"), ("b", "error"), ("c", "error")]
    assert "has 2 cells but the header has 3 columns" in rows[1]["error"]


def test_a_form_without_an_id_gets_its_row_number_and_with_several_files_its_file_too(forms_csv):
    first = forms_csv("age\n30\n31\n", name="first.csv")
    second = forms_csv("age,form_id\n32,named\n33,\n", name="second.csv")
    assert [r["form_id"] for r in csv_rows(invoke(first, "--format", "csv").stdout)] == ["1", "2"]
    rows = csv_rows(invoke(first, second, "--format", "csv").stdout)
    assert [r["form_id"] for r in rows] == [f"{first}:1", f"{first}:2", "named", f"{second}:2"]


# Exit statuses ---------------------------------------------------------------------------------

def test_exit_statuses(tmp_path):
    assert invoke(EXAMPLES / "forms.csv", "-q").exit_code == 0
    assert invoke(EXAMPLES / "forms-with-errors.csv", "-q").exit_code == 1
    assert invoke(tmp_path / "missing.csv").exit_code == 2
    assert invoke(EXAMPLES / "forms.csv", "--format", "xml").exit_code == 2
    assert invoke(EXAMPLES / "forms.csv", "-o", tmp_path / "no" / "such" / "folder.csv").exit_code == 2
    assert invoke("-", "-", input="").exit_code == 2


def test_quiet_prints_no_summary():
    result = invoke(EXAMPLES / "forms.csv", "--format", "csv", "--quiet")
    assert result.stderr == "" and len(csv_rows(result.stdout)) == 12


def test_the_summary_counts_levels_and_leading_conditions():
    stderr = invoke(EXAMPLES / "forms.csv", "--format", "csv").stderr
    counts = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in stderr.splitlines()
              if line.startswith("  ") and len(line.split()) == 2}
    assert counts["emergency_ambulance"] == 1 and counts["self_care"] == 3
    assert counts["itbs"] == 2 and counts["insufficient_information"] >= 1
    assert counts["other_cause"] >= 1            # a red flag that names another cause
    assert "forms/s" in stderr and DISCLAIMER in stderr
    # Both tallies account for every scored row: no kind of outcome is left out.
    levels = ("emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care")
    assert sum(counts[name] for name in levels) == 12
    assert sum(n for name, n in counts.items() if name not in levels) == 12


# Workers, order and atomic output --------------------------------------------------------------

def test_order_is_kept_with_several_workers(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_runner, "CHUNK_SIZE", 7)      # many small chunks, several in flight
    forms = [json.loads(line) for line in (EXAMPLES / "forms.jsonl").read_text().splitlines()]
    path = tmp_path / "many.jsonl"
    with path.open("w") as handle:
        for i in range(60):
            handle.write(json.dumps({**forms[i % len(forms)], "form_id": f"form-{i:03d}"}) + "\n")
    one = invoke(path, "--workers", "1", "--format", "csv", "-q")
    scorers_here = []
    original = batch_runner.Scorer.__init__
    monkeypatch.setattr(batch_runner.Scorer, "__init__",
                        lambda self, settings: (scorers_here.append(os.getpid()), original(self, settings))[1])
    two = invoke(path, "--workers", "2", "--format", "csv", "-q")
    assert scorers_here == []          # every form was scored in a worker process, none here
    assert [r["form_id"] for r in csv_rows(two.stdout)] == [f"form-{i:03d}" for i in range(60)]
    assert two.stdout == one.stdout


def test_a_failure_mid_write_leaves_no_output_file(tmp_path, monkeypatch):
    target = tmp_path / "out.jsonl"

    def fail_half_way(rows, settings, workers, sink, **kwargs):
        scorer = batch_runner.Scorer(settings)
        sink(*scorer.chunk(list(rows)[:3]))
        raise RuntimeError("the machine fell over")

    monkeypatch.setattr(score_command, "score_rows", fail_half_way)
    crashed = invoke(EXAMPLES / "forms.csv", "-o", target)
    assert crashed.exit_code == 70 and "Internal error (RuntimeError: the machine fell over)" in crashed.stderr
    assert os.listdir(tmp_path) == []
    target.write_text("yesterday's results\n")
    assert invoke(EXAMPLES / "forms.csv", "-o", target).exit_code == 70
    assert target.read_text() == "yesterday's results\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_ctrl_c_leaves_the_old_file_and_exits_130(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def interrupted(rows, settings, workers, sink, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(score_command, "score_rows", interrupted)
    result = invoke(EXAMPLES / "forms.csv", "-o", target)
    assert result.exit_code == 130 and "was not written" in result.stderr
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["out.csv"]


# End to end, as a user runs it -----------------------------------------------------------------

def run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "triage", "score", *map(str, args)], input=input,
                          capture_output=True, text=True, cwd=REPO, timeout=120)


def test_end_to_end_to_a_file_with_two_workers(tmp_path):
    target = tmp_path / "scored.jsonl"
    result = run("examples/forms.csv", "examples/forms-with-errors.csv", "-o", target, "--workers", "2")
    assert result.returncode == 1 and result.stdout == ""
    records = jsonl(target.read_text())
    assert len(records) == 15 and [r["status"] for r in records].count("error") == 1
    assert "15 forms" in result.stderr


def test_end_to_end_through_a_pipe():
    result = run("-", "--format", "csv", "--quiet", input=(EXAMPLES / "forms.csv").read_text())
    assert result.returncode == 0 and result.stderr == ""
    assert len(csv_rows(result.stdout)) == 12


def test_scoring_to_dev_null_leaves_it_a_device():
    # The atomic rename must not replace a device with a file (triage/atomic.py).
    result = invoke(EXAMPLES / "forms.csv", "--format", "csv", "-q", "-o", os.devnull)
    assert result.exit_code == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "table"])
def test_every_output_format_carries_the_disclaimer_even_when_quiet(fmt):
    result = invoke(EXAMPLES / "forms.csv", "--format", fmt, "--quiet")
    assert result.exit_code == 0 and result.stderr == ""
    if fmt == "csv":
        assert all(row["disclaimer"] == DISCLAIMER for row in csv_rows(result.stdout))
    elif fmt == "table":
        assert " ".join(DISCLAIMER.split()) in " ".join(result.stdout.split())
    else:
        records = (json.loads(result.stdout) if fmt == "json"
                   else [json.loads(line) for line in result.stdout.splitlines()])
        assert len(records) == 12 and all(r["disclaimer"] == DISCLAIMER for r in records)
