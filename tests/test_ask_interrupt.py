"""Ctrl-C in ``kneetriage ask --save FILE`` keeps the answers given so far, says so, and exits 130."""

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read_until(process, text, timeout=60):
    """The output up to and including ``text`` (the process is waiting for an answer then)."""
    seen, deadline = b"", time.monotonic() + timeout
    while text.encode() not in seen:
        assert time.monotonic() < deadline, seen.decode()
        ready, _, _ = select.select([process.stdout], [], [], 1)
        if ready:
            chunk = os.read(process.stdout.fileno(), 4096)
            assert chunk, seen.decode()
            seen += chunk
    return seen.decode()


def test_ctrl_c_saves_the_answers_given_so_far_and_exits_130(tmp_path):
    saved = tmp_path / "knee.json"
    process = subprocess.Popen([sys.executable, "-m", "triage", "ask", "--save", str(saved)], cwd=tmp_path,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "80"})
    try:
        read_until(process, "Do any of these apply?")
        process.stdin.write(b"none\n1\n")          # the checklist, then how it started
        process.stdin.flush()
        read_until(process, "Is the knee swollen?")
        process.send_signal(signal.SIGINT)          # Ctrl-C at the next question
        out, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    words = " ".join(out.decode().split())        # the message wraps to the terminal's width
    assert f"Answers saved to {saved}" in words and "Traceback" not in words
    data = json.loads(saved.read_text())
    assert data["onset"] == "gradual" and data["knee_hot_red"] == "no" and "swelling" not in data
