"""Faults during a run: a killed worker, SIGTERM and SIGHUP to the scorer.

Each test starts `kneetriage score` in a real process, waits for its workers, delivers the
fault and then waits a bounded time: a hang fails the test instead of stalling CI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists() or not hasattr(os, "fork"),
                                reason="needs Linux /proc and fork to find and kill worker processes")

FORMS = 20_000             # long enough (several seconds) that the fault arrives mid-run
WAIT = 60                  # seconds: far beyond a clean exit, far short of a CI timeout


@pytest.fixture(scope="module")
def many_forms(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "many.jsonl"
    form = {"pain_location": "lateral", "onset": "gradual", "age": 30, "night_pain": "no"}
    with open(path, "w") as out:
        for number in range(FORMS):
            out.write(json.dumps({"form_id": f"f{number}", **form}) + "\n")
    return path


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # the command name (in brackets) may hold spaces: the fields after it are fixed
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"        # a zombie has ended


def _default_signals() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt: give the scorer the dispositions a user's terminal would.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _start(forms: Path, out: Path) -> tuple[subprocess.Popen, list[int]]:
    process = subprocess.Popen([sys.executable, "-m", "triage", "score", str(forms), "-o", str(out),
                                "--workers", "2", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_default_signals)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        workers = _children(process.pid)
        if len(workers) >= 2:
            time.sleep(0.5)                            # let them take some chunks
            return process, workers
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    pytest.fail("the workers did not start")


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"score hung for {WAIT}s after the fault")
    return process.returncode, err.decode("utf-8", "replace")


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_worker_ends_the_run_with_its_own_status_and_no_file(many_forms, tmp_path, signum):
    out = tmp_path / "out.csv"
    process, workers = _start(many_forms, out)
    started = time.monotonic()
    os.kill(workers[0], signum)
    status, err = _finish(process)
    assert status == 4, err
    assert time.monotonic() - started < 20
    assert "a worker process stopped before finishing its forms" in err and "Traceback" not in err
    assert os.listdir(tmp_path) == []                  # no out.csv, no .part file
    time.sleep(0.2)
    assert not [w for w in workers if _alive(w)]       # the other worker was ended too


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_to_the_scorer_stops_it_cleanly(many_forms, tmp_path, signum, status):
    out = tmp_path / "out.csv"
    process, workers = _start(many_forms, out)
    process.send_signal(signum)
    code, err = _finish(process)
    assert code == status, err
    assert "was not written" in err and "Traceback" not in err and "BrokenPipeError" not in err
    assert os.listdir(tmp_path) == []
    time.sleep(0.2)
    assert not [w for w in workers if _alive(w)]
