"""REDCap interop: the data dictionary, and exports (raw and label) read back as forms.

The sample exports are written to REDCap's documented export formats: a raw CSV export has the
variable names as headers, the coded values and the instrument's `<form>_complete` column; a
label export (rawOrLabel=label, rawOrLabelHeaders=label; REDCapR's redcap_read documents both)
has the field labels as headers and the choice labels as values.

Documentation: the data dictionary's columns,
https://bdeveer.github.io/REDCap_KB_RAG/RC-FD-08_Data-Dictionary-Column-Reference-and-Advanced-Techniques/
and Vanderbilt's data dictionary guide (the first field is the record identifier; variable
names are lower case letters, digits and underscores); raw and label exports,
https://rdrr.io/cran/REDCapR/man/redcap_report.html (raw_or_label, raw_or_label_headers).
"""

import csv
import io
import json
import re
from pathlib import Path

from triage.assess import assess
from triage.cli import cli
from triage.forms import parse_form
from triage.interop import redcap
from triage.interop.layout import sections

ROOT = Path(__file__).resolve().parent.parent
RAW_EXPORT = ROOT / "examples" / "redcap" / "export.csv"
LABEL_EXPORT = ROOT / "tests" / "fixtures" / "redcap" / "export-labels.csv"


def dictionary(kb):
    return list(csv.DictReader(io.StringIO(redcap.dictionary_csv(kb))))


def test_the_dictionary_has_redcaps_columns_and_every_field_once(kb):
    text = redcap.dictionary_csv(kb)
    header = next(csv.reader(io.StringIO(text)))
    assert header == redcap.COLUMNS and len(header) == 18
    rows = dictionary(kb)
    names = [r["Variable / Field Name"] for r in rows]
    assert names[0] == "record_id"          # REDCap: the first field is the record identifier
    assert sorted(names[2:]) == sorted(f.name for f in kb.catalogue.answerable())
    assert len(set(names)) == len(names)
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and len(name) <= 100
    assert {r["Form Name"] for r in rows} == {redcap.FORM_NAME}
    assert rows[1]["Field Type"] == "descriptive" and "does not replace" in rows[1]["Field Label"]


def test_dictionary_rows_follow_the_catalogue(kb):
    for row in dictionary(kb)[2:]:
        spec = kb.catalogue[row["Variable / Field Name"]]
        assert row["Field Label"] == (spec.clinician if spec.is_exam else spec.patient)
        assert row["Field Note"] == spec.help
        if spec.type == "yesno":
            assert row["Field Type"] == "yesno" and row["Choices, Calculations, OR Slider Labels"] == ""
        elif spec.choices():
            assert row["Field Type"] == "radio"
            choices = [c.split(",", 1) for c in row["Choices, Calculations, OR Slider Labels"].split(" | ")]
            assert [code.strip() for code, _ in choices] == spec.choices()
            assert [label.strip() for _, label in choices] == [" ".join(spec.label(v).split()) for v in spec.choices()]
        elif spec.type in ("integer", "number"):
            assert row["Field Type"] == "text"
            assert row["Text Validation Type OR Show Slider Number"] == spec.type
            assert float(row["Text Validation Min"]) == spec.min and float(row["Text Validation Max"]) == spec.max


def test_branching_logic_for_dependent_questions_and_sections_as_in_the_questionnaire(kb):
    rows = {r["Variable / Field Name"]: r for r in dictionary(kb)}
    dependent = [f for f in kb.catalogue.answerable() if f.requires]
    assert dependent
    for spec in dependent:
        logic = rows[spec.name]["Branching Logic (Show field only if...)"]
        for name, value in spec.requires.items():
            assert f"[{name}] = '{kb.catalogue[name].read(value)}'" in logic
    headers = [r["Section Header"] for r in dictionary(kb) if r["Section Header"]]
    assert headers == [s.title for s in sections(kb)]
    assert [r["Variable / Field Name"] for r in dictionary(kb)[2:]] == [f.name for s in sections(kb) for f in s.fields]


def _score(runner, path):
    result = runner.invoke(cli, ["score", str(path), "--format", "jsonl", "-q"])
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def test_a_raw_export_scores_as_the_contract_forms_it_stands_for(runner, kb):
    result, rows = _score(runner, RAW_EXPORT)
    assert result.exit_code == 0
    with RAW_EXPORT.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert [r["form_id"] for r in rows] == [r["record_id"] for r in records]
    for row, record in zip(rows, records):
        contract = {("form_id" if k == "record_id" else k): v for k, v in record.items() if k != "knee_intake_complete"}
        expected = json.loads(json.dumps(assess(parse_form(contract), kb=kb).to_dict(), default=str))
        assert row["triage"]["level"] == expected["triage"]["level"]
        assert row["differential"] == expected["differential"]


def test_a_label_export_scores_as_the_raw_one(runner):
    _, raw = _score(runner, RAW_EXPORT)
    result, labels = _score(runner, LABEL_EXPORT)
    assert result.exit_code == 0
    assert [(r["form_id"], r["triage"]["level"], r["differential"], r["answers"]) for r in labels] == \
           [(r["form_id"], r["triage"]["level"], r["differential"], r["answers"]) for r in raw]


def test_a_bad_value_in_an_export_is_an_error_row_naming_the_variable(runner, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("record_id,redcap_event_name,pain_location,aggr_downhill_running,knee_intake_complete\n"
                    "A,baseline_arm_1,lateral,1,2\nB,baseline_arm_1,outer,7,2\n", encoding="utf-8")
    result, rows = _score(runner, path)
    assert result.exit_code == 1
    assert [r["form_id"] for r in rows] == ["A", "B"]
    assert "pain_location: 'outer' is not accepted; accepted values: anterior_diffuse" in rows[1]["error"]
    assert "aggr_downhill_running: '7' is not accepted" in rows[1]["error"]


def test_the_dictionary_command_writes_a_file(runner, tmp_path, kb):
    out = tmp_path / "knee_intake.csv"
    result = runner.invoke(cli, ["redcap", "dictionary", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8") == redcap.dictionary_csv(kb)


def test_an_ambiguous_label_is_not_guessed(kb):
    from dataclasses import replace

    from triage.catalogue import Catalogue

    side = kb.catalogue["side"]
    clash = replace(side, value_labels={"left": "one knee", "right": "one knee", "both": "left"})
    catalogue = Catalogue(tuple(clash if f.name == "side" else f for f in kb.catalogue))
    assert redcap.contract_of({"record_id": "1", "side": "one knee"}, catalogue)["side"] == "one knee"
    # "left" is a code of its own, so it keeps its meaning, though it is the label of "both".
    assert redcap.contract_of({"record_id": "1", "side": "left"}, catalogue)["side"] == "left"
