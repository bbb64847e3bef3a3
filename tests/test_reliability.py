"""Guarantees under faults that need more than one input: batch reports appear whole or not
at all, an interview is never lost, and each way a command can end has its own exit status."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

import triage.reportfolder as reportfolder
from triage.cli import cli
from triage.commands import ask as ask_command
from triage.commands import report as report_command
from triage.exits import TABLE

FORM = {"form_id": "a", "pain_location": "lateral", "onset": "gradual", "age": 30}


@pytest.fixture
def batch(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps({**FORM, "form_id": f"f{n}"}) + "\n" for n in range(6)))
    return path


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_full_disk_mid_batch_leaves_no_reports_and_no_temporary_folder(runner, batch, tmp_path, monkeypatch):
    written = []
    real_write = reportfolder.ReportFolder.write

    def fill_up(self, name, content):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", name)
        written.append(name)
        real_write(self, name, content)

    monkeypatch.setattr(reportfolder.ReportFolder, "write", fill_up)
    result = runner.invoke(cli, ["report", str(batch), "-o", str(tmp_path / "out"), "--format", "txt"])
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.output and "nothing was written" in result.output
    assert _listing(tmp_path) == ["batch.jsonl"]           # no out/, no .out.*.part


def test_ctrl_c_mid_batch_exits_130_and_leaves_the_old_folder_as_it_was(runner, batch, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["report", str(batch), "-o", str(out), "--format", "txt"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []
    real_report = report_command._Reporter.report

    def interrupted(self, form):
        calls.append(form)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_report(self, form)

    monkeypatch.setattr(report_command._Reporter, "report", interrupted)
    result = runner.invoke(cli, ["report", str(batch), "-o", str(out), "--format", "md"])
    assert result.exit_code == 130, result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _listing(tmp_path) == ["batch.jsonl", "out"]


def test_reusing_a_report_folder_leaves_no_stale_report(runner, batch, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["report", str(batch), "-o", str(out), "--format", "txt"]).exit_code == 0
    assert len([n for n in _listing(out) if n.endswith(".txt")]) == 7          # 6 reports and the index
    batch.write_text(json.dumps(FORM) + "\n" + json.dumps({**FORM, "form_id": "b"}) + "\n")
    assert runner.invoke(cli, ["report", str(batch), "-o", str(out), "--format", "txt"]).exit_code == 0
    assert [n for n in _listing(out) if not n.startswith(".")] == ["0001-a.txt", "0002-b.txt", "index.txt"]
    assert _listing(tmp_path) == ["batch.jsonl", "out"]


def test_a_report_folder_keeps_the_permissions_of_a_new_folder(runner, batch, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["report", str(batch), "-o", str(out)]).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def _answers(lines):
    return "".join(f"{line}\n" for line in lines)


def test_ask_saves_the_interview_elsewhere_when_the_save_file_fails(runner, tmp_path, monkeypatch):
    target = tmp_path / "s.json"
    real_write = ask_command.write_form

    def fails_for_target(session, path):
        if str(path) == str(target):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        real_write(session, path)

    monkeypatch.setattr(ask_command, "write_form", fails_for_target)
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    result = runner.invoke(cli, ["ask", "--save", str(target)], input=_answers(["2"]))
    assert result.exit_code == 5 and "Traceback" not in result.output
    words = " ".join(result.output.split())      # the message wraps to the terminal's width
    assert "could not be written (Read-only file system): the answers were saved to" in words
    saved = list((tmp_path / "tmp").glob("kneetriage-answers-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())


def test_ask_report_pdf_without_weasyprint_fails_before_the_first_question(runner, tmp_path, without_weasyprint):
    result = runner.invoke(cli, ["ask", "--report", str(tmp_path / "x.pdf")], input="1\n")
    assert result.exit_code == 2 and "WeasyPrint" in result.output
    assert "question 1" not in result.output


def test_a_crash_in_any_command_is_exit_70_with_one_line_and_no_traceback(runner, tmp_path, monkeypatch):
    form = tmp_path / "f.json"
    form.write_text(json.dumps(FORM))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("triage.commands.assess.assess", broken)
    result = runner.invoke(cli, ["assess", str(form)])
    assert result.exit_code == 70 and "Internal error (RuntimeError: a bug)" in result.output
    assert "Traceback" not in result.output


def test_every_exit_status_is_documented():
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "reliability.md"), encoding="utf-8").read()
    for status, meaning in TABLE:
        assert f"| {status} | {meaning} |" in doc


def test_the_table_of_inputs_tried_matches_the_cases(capsys):
    import runpy
    runpy.run_path(os.path.join(os.path.dirname(__file__), "hostile_cases.py"), run_name="__main__")
    table = capsys.readouterr().out
    doc = open(os.path.join(os.path.dirname(__file__), "..", "docs", "reliability.md"), encoding="utf-8").read()
    assert table.strip() in doc, "docs/reliability.md is stale: paste in `python tests/hostile_cases.py`"


def test_a_second_scorer_on_the_same_output_is_refused_while_the_first_runs(runner, tmp_path):
    from triage.outputlock import OutputLock
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(FORM) + "\n")
    out = tmp_path / "out.csv"
    first = OutputLock(out).acquire()              # as a running scorer holds it
    try:
        result = runner.invoke(cli, ["score", str(source), "-o", str(out), "-q"])
        assert result.exit_code == 3 and "another kneetriage is writing out.csv" in result.output
        assert not out.exists()
    finally:
        first.release()
    assert runner.invoke(cli, ["score", str(source), "-o", str(out), "-q"]).exit_code == 0
    assert _listing(tmp_path) == ["in.jsonl", "out.csv"]          # no lock file left behind


def test_ctrl_c_in_ask_keeps_the_answers_given_so_far_and_exits_130(runner, tmp_path, monkeypatch):
    target = tmp_path / "s.json"
    lines = iter(["2", "2"])

    def read(self, prompt="> "):
        try:
            return next(lines)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(ask_command.Terminal, "read", read)
    result = runner.invoke(cli, ["ask", "--save", str(target)])
    assert result.exit_code == 130 and "Traceback" not in result.output
    assert f"Answers saved to {target}" in " ".join(result.output.split())
    assert len(json.loads(target.read_text())) >= 2


@pytest.mark.parametrize("command, status", [("score - <&-", 2), ("assess - <&-", 2),
                                             ("score {form} --input-format json -q >&-", 3)])
def test_closed_standard_streams_are_clear_errors(tmp_path, command, status):
    import shlex
    import subprocess
    import sys
    form = tmp_path / "f.json"
    form.write_text(json.dumps(FORM))
    line = f"{shlex.quote(sys.executable)} -m triage " + command.format(form=shlex.quote(str(form)))
    done = subprocess.run(["sh", "-c", line], stderr=subprocess.PIPE, timeout=60)
    err = done.stderr.decode()
    assert done.returncode == status, err
    assert "is closed" in err and "Traceback" not in err


@pytest.mark.parametrize("batch_run", [False, True])
def test_a_read_only_target_folder_exits_3_with_a_message(runner, batch, tmp_path, monkeypatch, batch_run):
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    # As root a chmod-ed folder is still writable, so the refusal is simulated where files are made.
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    single = tmp_path / "one.json"
    single.write_text(json.dumps(FORM))
    args = [str(batch), "-o", str(tmp_path / "out")] if batch_run else [str(single), "-o", str(tmp_path / "r.html")]
    result = runner.invoke(cli, ["report", *args])
    assert result.exit_code == 3, result.output
    assert "Permission denied" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.jsonl", "one.json"]
