"""``kneetriage report`` on the command line: one form, standard input and output, batches into
a folder with an index, formats, audiences, template overrides and clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from triage.cli import cli
from triage.commands.report import EXTENSIONS

TESTS = Path(__file__).resolve().parent
DATE = ["--date", "2025-01-15"]


def vignette(name: str) -> dict:
    return yaml.safe_load((TESTS / "vignettes" / f"{name}.yml").read_text())["form"]


@pytest.fixture
def form_file(tmp_path):
    path = tmp_path / "form.json"
    path.write_text(json.dumps(vignette("pfps_typical_female_road_runner")))
    return path


@pytest.fixture
def batch_forms():
    return [vignette("pfps_typical_female_road_runner"), vignette("none_septic_knee_after_injection"),
            {"form_id": "bad<1>", "pain_location": "elbow", "age": 30},
            {"pain_location": "lateral", "onset": "gradual", "aggr_downhill_running": "yes",
             "run_pain_pattern": "starts_at_predictable_distance"}]


def invoke(runner, *args, input=None):
    return runner.invoke(cli, ["report", *args], input=input, catch_exceptions=False)


def test_one_form_to_standard_output_as_html(runner, form_file):
    result = invoke(runner, str(form_file), *DATE)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!DOCTYPE html>") and "Self-management" in result.output


@pytest.mark.parametrize("fmt", ["html", "md", "txt", "pdf"])
def test_format_follows_the_output_extension(runner, form_file, tmp_path, fmt, request):
    if fmt == "pdf":
        request.getfixturevalue("weasyprint")   # skips when PDF rendering is not available
    out = tmp_path / f"report{EXTENSIONS[fmt]}"
    result = invoke(runner, str(form_file), "-o", str(out), *DATE)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    expected = {"html": b"<!DOCTYPE html>", "md": b"# Knee pain triage", "txt": b"KNEE PAIN TRIAGE", "pdf": b"%PDF"}
    assert data.startswith(expected[fmt])
    assert not list(tmp_path.glob(".*.tmp"))        # written atomically, nothing left behind


def test_standard_input_to_standard_output(runner, form_file):
    result = invoke(runner, "-", "--format", "txt", "--audience", "patient", *DATE, input=form_file.read_text())
    assert result.exit_code == 0, result.output
    assert result.output.startswith("YOUR KNEE PAIN REPORT")
    assert "LR+" not in result.output


def test_pdf_cannot_go_to_standard_output(runner, form_file):
    result = runner.invoke(cli, ["report", str(form_file), "--format", "pdf"])
    assert result.exit_code == 2 and "give -o FILE.pdf" in result.output


def test_pdf_without_weasyprint_is_a_clear_error(runner, form_file, tmp_path, without_weasyprint):
    result = runner.invoke(cli, ["report", str(form_file), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2                       # a usage problem: 1 means "some forms are errors"
    assert "pip install 'kneetriage[pdf]'" in result.output and "--format html" in result.output
    assert not (tmp_path / "r.pdf").exists()


def test_a_bad_form_names_the_field_and_the_accepted_values(runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"form_id": "x", "pain_location": "elbow"}))
    result = runner.invoke(cli, ["report", str(path)])
    assert result.exit_code == 2
    assert "pain_location" in result.output and "anterior_diffuse" in result.output


def _check_batch_folder(folder: Path, forms: list[dict], ext: str):
    index = (folder / f"index{ext}").read_text()
    reports = sorted(p.name for p in folder.glob(f"0*{ext}"))
    assert len(reports) == len(forms) - 1              # one error row, no report for it
    for name in reports:
        assert name in index                           # linked from the index
    assert "pain_location" in index and "elbow" in index and "not accepted" in index.lower()
    return index, reports


def test_a_json_batch_makes_a_folder_of_reports_and_an_index(runner, tmp_path, batch_forms):
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(batch_forms))
    out = tmp_path / "reports"
    result = runner.invoke(cli, ["report", str(source), "-o", str(out), *DATE])
    assert result.exit_code == 1                       # a form could not be assessed
    assert "1 form(s) could not be assessed" in result.output
    index, reports = _check_batch_folder(out, batch_forms, ".html")
    assert reports[0].startswith("0001-pfps_typical_female_road_runner")
    assert "Patellofemoral pain syndrome" in index and "Go to an emergency department today" in index
    assert "bad&lt;1&gt;" in index and "<1>" not in index
    assert "0004-4.html" in reports                    # no form_id: the row number stands in


def test_a_csv_batch_in_markdown(runner, tmp_path, batch_forms):
    names = sorted({k for f in batch_forms for k in f})
    source = tmp_path / "batch.csv"
    with open(source, "w", newline="") as handle:
        writer = csv.DictWriter(handle, names)
        writer.writeheader()
        writer.writerows(batch_forms)
    out = tmp_path / "md"
    result = runner.invoke(cli, ["report", str(source), "-o", str(out), "--format", "md", *DATE])
    assert result.exit_code == 1
    index, _ = _check_batch_folder(out, batch_forms, ".md")
    assert "batch.csv row 3 (line 4)" in index
    assert "bad\\<1\\>" in index


def test_a_json_lines_batch_from_standard_input(runner, tmp_path, batch_forms):
    lines = "\n".join(json.dumps(f) for f in batch_forms[:2] + batch_forms[3:])
    out = tmp_path / "txt"
    result = runner.invoke(cli, ["report", "-", "-o", str(out), "--format", "txt", "--audience", "patient", *DATE],
                           input=lines)
    assert result.exit_code == 0, result.output
    index = (out / "index.txt").read_text()
    assert "standard input" in index.lower() and len(list(out.glob("0*.txt"))) == 3
    assert "Runner's knee" in index                      # the patient's wording in the index too


def test_a_batch_needs_an_output_folder(runner, tmp_path, batch_forms):
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(batch_forms))
    result = runner.invoke(cli, ["report", str(source)])
    assert result.exit_code == 2 and "-o FOLDER" in result.output


def test_a_clinic_template_folder_overrides_one_partial(runner, form_file, tmp_path):
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    (clinic / "_references.md.j2").write_text(
        "## Sources\n\n{% for r in references %}{{ r.number }}. {{ r.key }}\n{% endfor %}\nClinic footer\n")
    result = invoke(runner, str(form_file), "--format", "md", "--templates", str(clinic), *DATE)
    assert result.exit_code == 0, result.output
    assert "Clinic footer" in result.output and "## Differential diagnosis" in result.output


def test_an_undefined_name_in_a_template_is_an_error_naming_it(runner, form_file, tmp_path):
    (tmp_path / "_answers.md.j2").write_text("{{ patient_nmae }}")
    result = runner.invoke(cli, ["report", str(form_file), "--format", "md", "--templates", str(tmp_path)])
    assert result.exit_code == 2
    assert "patient_nmae" in result.output and "report-context.md" in result.output


def test_a_bad_date_is_refused(runner, form_file):
    result = runner.invoke(cli, ["report", str(form_file), "--date", "15/01/2025"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_another_knowledge_base(runner, tmp_path):
    from tests.conftest import MINI_KB

    path = tmp_path / "form.json"
    path.write_text(json.dumps({"form_id": "m", "pain_location": "anterior_diffuse", "aggr_squatting": "yes",
                                "onset": "gradual", "aggr_stairs_down": "yes", "age": 25}))
    result = invoke(runner, str(path), "--rules", str(MINI_KB), "--format", "md", *DATE)
    assert result.exit_code == 0, result.output
    assert "Alpha" in result.output and "no management plan for this condition" in result.output


def test_the_report_is_short_by_default_and_whole_with_detail_full(runner, form_file):
    short = invoke(runner, str(form_file), "--format", "md", *DATE)
    full = invoke(runner, str(form_file), "--format", "md", "--detail", "full", *DATE)
    assert short.exit_code == 0 and full.exit_code == 0
    assert "--detail full" in short.output and "## Answers on the form" not in short.output
    assert "## Answers on the form" in full.output and "_Why:_" in full.output and "_Why:_" not in short.output
    assert len(full.output) > 1.5 * len(short.output)


def test_an_unknown_detail_is_a_usage_error(runner, form_file):
    result = invoke(runner, str(form_file), "--detail", "medium")
    assert result.exit_code == 2 and "'medium' is not one of 'short', 'full'" in result.output
