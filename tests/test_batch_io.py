"""Reading and writing batch files: formats, delimiters, encodings, broken rows, atomic output."""

import csv
import io
import json
import os
import stat
import threading

import pytest

from triage.assessment import DISCLAIMER
from triage.atomic import AtomicFile
from triage.batch import readers
from triage.batch.readers import Inputs, Peeked, detect_delimiter, detect_format, read_rows
from triage.batch.writers import ErrorRow, FlatCSV, output_format
from triage.forms import Problem


def rows_from(data, fmt=None, **options):
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(read_rows("-", input_format=fmt, stdin=io.BytesIO(raw), **options))


def problem_text(row):
    return " ".join(f"{p.field} {p.message} {p.accepted}" for p in row.problems)


# Format and delimiter detection ------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    ("form_id,age,sex\n", ","),
    ("form_id;age;sex\n", ";"),
    ("form_id\tage\tsex\n", "\t"),
    ('"form_id";"age,years";sex\n', ";"),      # a comma inside quotes does not count
    ("age\n", ","),                            # one column: nothing to detect
])
def test_the_delimiter_is_read_from_the_header(header, expected):
    assert detect_delimiter(header) == expected


@pytest.mark.parametrize("path, first_line, expected", [
    ("forms.csv", '{"age": 3}', "csv"),           # the extension wins
    ("forms.TSV", "age\tsex", "csv"),
    ("forms.json", "age,sex", "json"),
    ("forms.ndjson", "[", "jsonl"),
    ("-", '[{"age": 3},', "json"),
    ("-", '{"age": 3}', "jsonl"),
    ("-", '{', "json"),                          # an object spread over lines
    ("forms.txt", "age,sex", "csv"),
])
def test_the_input_format_comes_from_the_extension_else_the_first_line(path, first_line, expected):
    assert detect_format(path, Peeked(io.StringIO(first_line + "\n")), None) == expected


# CSV -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_rows_with_any_delimiter(delimiter):
    text = delimiter.join(["form_id", "age", "sex"]) + "\n" + delimiter.join(["a", "30", "male"]) + "\n"
    (row,) = rows_from(text)
    assert row.data == {"form_id": "a", "age": "30", "sex": "male"}
    assert (row.number, row.line, row.problems) == (1, 2, ())


def test_a_byte_order_mark_is_not_part_of_the_first_field_name():
    (row,) = rows_from(b"\xef\xbb\xbfage,sex\r\n30,male\r\n")
    assert row.data == {"age": "30", "sex": "male"}


def test_quoted_newlines_stay_in_their_cell_and_lines_are_counted():
    rows = rows_from('form_id,age\n"first\nform",30\nsecond,31\n')
    assert [r.data["form_id"] for r in rows] == ["first\nform", "second"]
    assert [(r.number, r.line) for r in rows] == [(1, 2), (2, 4)]


def test_blank_lines_are_skipped_and_do_not_count_as_rows():
    rows = rows_from("\nage\n30\n\n31\n")
    assert [(r.number, r.line, r.data) for r in rows] == [(1, 3, {"age": "30"}), (2, 5, {"age": "31"})]


def test_a_ragged_row_is_an_error_row_and_the_next_rows_still_read():
    rows = rows_from("form_id,age,sex\na,30\nb,31,male,extra\nc,32,female\n")
    assert [r.number for r in rows] == [1, 2, 3]
    assert rows[0].data is None and "has 2 cells but the header has 3 columns" in problem_text(rows[0])
    assert rows[0].form_id == "a"
    assert "has 4 cells" in problem_text(rows[1])
    assert rows[2].data == {"form_id": "c", "age": "32", "sex": "female"}


def test_bytes_that_are_not_utf8_spoil_only_their_row():
    rows = rows_from(b"age,sex\n30,m\xe4le\n31,male\n")
    assert rows[0].data is None and "not UTF-8" in problem_text(rows[0])
    assert rows[1].data == {"age": "31", "sex": "male"}


def test_a_column_named_twice_is_an_error_not_a_silent_choice():
    (row,) = rows_from("age,sex,age\n30,male,31\n")
    assert row.data is None and "names this column 2 times (columns 1, 3)" in problem_text(row)


def test_an_unnamed_column_may_be_empty_but_may_not_hold_a_value():
    empty, filled = rows_from("age,sex,\n30,male,\n31,male,oops\n")
    assert empty.data == {"age": "30", "sex": "male"}
    assert filled.data is None and "column with no name" in problem_text(filled)


def test_an_unclosed_quote_is_an_error_row():
    rows = rows_from('age,sex\n30,"male\n')
    assert len(rows) == 1 and "not valid CSV" in problem_text(rows[0])


def test_the_delimiter_can_be_given():
    (row,) = rows_from("age;sex,x\n30;male,y\n", delimiter=";")
    assert row.data == {"age": "30", "sex,x": "male,y"}


# JSON Lines ----------------------------------------------------------------------------------

def test_json_lines_with_a_broken_line_in_the_middle():
    rows = rows_from('{"age": 30}\n\n{"age": 31,}\n{"age": 32}\n[1, 2]\n', "jsonl")
    assert [(r.number, r.line) for r in rows] == [(1, 1), (2, 3), (3, 4), (4, 5)]
    assert rows[1].data is None and "not valid JSON" in problem_text(rows[1])
    assert rows[2].data == {"age": 32}
    assert rows[3].data == [1, 2]        # read as it is; validation says it is not a form


# JSON ----------------------------------------------------------------------------------------

def test_a_json_array_is_read_one_element_at_a_time(monkeypatch):
    monkeypatch.setattr(readers, "_CHUNK", 5)     # elements and numbers split across chunks
    text = '[\n {"age": 30, "sex": "male"},\n {"age": 31},\n 12345,\n {"form_id": "x\\ny"}\n]\n'
    rows = rows_from(text, "json")
    assert [r.data for r in rows] == [{"age": 30, "sex": "male"}, {"age": 31}, 12345, {"form_id": "x\ny"}]
    assert [r.line for r in rows] == [2, 3, 4, 5]


def test_a_single_json_object_is_one_form():
    (row,) = rows_from('{\n  "age": 30\n}\n', "json")
    assert row.data == {"age": 30}


@pytest.mark.parametrize("text, message", [
    ('[{"age": 30}, {"age": 31}, nonsense]', "not valid JSON"),
    ('[{"age": 30} {"age": 31}]', "expected ',' or ']' after form 1"),
    ('[{"age": 30},', "the JSON array is not closed"),
    ('[{"age": 30}] trailing', "unexpected text after the end of the JSON array"),
    ('"just a string"', "not a JSON array of forms"),
])
def test_a_broken_json_file_ends_with_an_error_row_saying_the_rest_was_not_read(text, message):
    rows = rows_from(text, "json")
    assert rows[0].data == {"age": 30} or rows[0].problems
    last = rows[-1]
    assert last.data is None and message in problem_text(last)
    assert "the rest of this file was not read" in problem_text(last)


def test_inputs_report_how_much_has_been_read(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("age\n30\n31\n")
    second.write_text("age\n32\n")
    inputs = Inputs([str(first), str(second)])
    assert inputs.fraction() == 0
    rows = list(inputs.rows())
    assert [r.source for r in rows] == [str(first), str(first), str(second)]
    assert inputs.fraction() == 1
    assert Inputs(["-"]).fraction() is None


# Writing -------------------------------------------------------------------------------------

def test_the_csv_columns():
    layout = FlatCSV(["pfps", "itbs"])
    assert layout.columns == ["form_id", "status", "triage_level", "red_flags", "top_condition", "top_score",
                              "outcome", "score_pfps", "score_itbs", "screen_complete",
                              "warning_signs_not_asked", "error", "disclaimer"]


def test_an_error_row_names_the_place_the_field_the_value_and_the_accepted_values():
    error = ErrorRow("7", "forms.csv", 7, 8, (Problem("swelling", "yes", "'yes' is not accepted", "none, mild, marked"),
                                              Problem("agee", "30", "unknown field; did you mean 'age'?")))
    assert error.message == ("forms.csv row 7 (line 8): swelling: 'yes' is not accepted; accepted: none, mild, marked; "
                             "agee: unknown field; did you mean 'age'? (value '30')")
    record = json.loads(json.dumps(error.to_dict()))
    assert record["status"] == "error" and record["problems"][0]["accepted"] == "none, mild, marked"
    (cells,) = csv.reader(io.StringIO(FlatCSV(["pfps"]).entry(error)))
    assert cells == ["7", "error"] + [""] * 8 + [error.message, DISCLAIMER]


@pytest.mark.parametrize("path, given, terminal, expected", [
    ("out.csv", None, False, "csv"), ("out.JSON", None, True, "json"), ("out.ndjson", None, False, "jsonl"),
    ("out.txt", None, True, "jsonl"), ("-", None, True, "table"), ("-", None, False, "jsonl"),
    ("out.csv", "json", False, "json"),
])
def test_the_output_format(path, given, terminal, expected):
    assert output_format(path, given, terminal) == expected


def test_an_atomic_file_appears_only_when_committed(tmp_path):
    target = tmp_path / "out.jsonl"
    output = AtomicFile(str(target))
    output.write("half")
    assert not target.exists()
    output.commit()
    assert target.read_text() == "half"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old results\n")
    with pytest.raises(RuntimeError):
        with AtomicFile(str(target)) as output:
            output.write("new, but not finished")
            raise RuntimeError("the disk is full")
    assert target.read_text() == "old results\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o640)
    with AtomicFile(str(target)) as output:
        output.write("new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o640


def test_a_device_or_pipe_is_written_in_place_not_replaced(tmp_path):
    # Renaming over /dev/null would turn the device into a file: a special file is written to.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    with AtomicFile(str(fifo)) as output:
        output.write("through the pipe")
    reader.join(timeout=10)
    assert received == ["through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert os.listdir(tmp_path) == ["pipe"]

