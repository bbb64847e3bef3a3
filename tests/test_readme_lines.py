"""Every command line of the README runs, as a new user runs it.

From a copy of the repository's own files (nothing beside the checkout, such as ../shared, can be
seen), in a clean virtual environment made by the README's first set-up command (`pip install .`,
not editable), each command of the README's code blocks runs in order and must end with status 0,
or with the status its comment documents ("# exits 1: ..."). Nothing is skipped: the lines that
cannot run as they stand get a narrow, named handling (``handling`` below: ``ask`` with scripted
answers, a server started, waited for and stopped, the test suite's own set-up line found in
.ci/run, which runs it), and the test prints every command with how it ran, its time and its
status. Slow-ish (a minute or so: a virtual environment and an install), so it is one test.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TIMEOUT = 300
# A scripted interview: no warning sign, then "don't know" to everything; the surplus u's meet
# the summary (where they are refused) until the y that confirms it.
ASK_SCRIPT = "none\n" + "u\n" * 80 + "y\n"


@dataclass
class Command:
    text: str           # as the README shows it (continuation lines joined)
    language: str       # "shell" or "python"

    @property
    def expected_status(self) -> int:
        """0, or the status the line's comment documents: "# ... exits 1: ..."."""
        found = re.search(r"#.*\bexits? (\d+)\b", self.text)
        return int(found.group(1)) if found else 0


def readme_commands(text: str) -> list[Command]:
    """The commands of the README's code blocks, indented or fenced, in order."""
    commands: list[Command] = []
    lines = text.splitlines()
    fence: str | None = None
    block: list[str] = []
    previous_blank = True
    for line in lines + [""]:
        if fence is not None:
            if line.startswith("```"):
                commands += _commands_of(block, "python" if fence == "python" else "shell")
                fence, block = None, []
            else:
                block.append(line)
            continue
        if line.startswith("```"):
            fence = line[3:].strip() or "shell"
            continue
        if line.startswith("    ") and (block or previous_blank):
            block.append(line[4:])
        elif block and line.strip() == "":
            block.append("")
        else:
            if block:
                commands += _commands_of(block, "shell")
                block = []
        previous_blank = line.strip() == ""
    return commands


def _commands_of(block: list[str], language: str) -> list[Command]:
    if language == "python":
        return [Command("\n".join(block).strip(), "python")]
    out, pending = [], []
    for line in block:
        if not line.strip() and not pending:
            continue
        pending.append(line)
        joined = "\n".join(pending)
        if joined.rstrip().endswith("\\") or not _complete(joined):
            continue
        out.append(Command(joined.strip(), "shell"))
        pending = []
    assert not pending, f"an unfinished command in the README: {pending}"
    return out


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:       # an open quote: the command goes on on the next line
        return False
    return True


# --- how each kind of line runs ----------------------------------------------------------------

def _is_setup(command: Command) -> bool:
    return "python3 -m venv" in command.text


def _first_word(command: Command) -> list[str]:
    return shlex.split(command.text, comments=True)


def _last_command(words: list[str]) -> list[str]:
    """The words after the last ``&&``: the command a set-up line ends by running."""
    return words[len(words) - words[::-1].index("&&"):] if "&&" in words else words


def handling(command: Command) -> str:
    """How a line is run: as it stands, or by its named handling."""
    words = _first_word(command) if command.language == "shell" else []
    if command.language == "python":
        return "python"
    if _is_setup(command) and "pytest" in words:
        return "test-suite set-up"   # run by .ci/run itself
    if words[:2] == ["kneetriage", "ask"]:
        return "ask, scripted"
    if _last_command(words)[:2] == ["kneetriage", "serve"]:     # alone, or after a set-up
        return "server: start, wait for the port, stop"
    return "as written"


def clean_environment(venv: Path | None) -> dict:
    """The environment of a new user's shell: no virtual environment active, no PYTHONPATH,
    a terminal 80 columns wide."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS")}
    inherited = os.environ.get("VIRTUAL_ENV")
    parts = [p for p in env.get("PATH", "").split(os.pathsep)
             if not (inherited and p.startswith(inherited)) and not p.startswith(sys.prefix)]
    if venv is not None:
        parts.insert(0, str(venv / "bin"))
        env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join(parts)
    env["COLUMNS"] = "80"
    return env


def run_command(command: Command, clone: Path) -> tuple[str, int, str]:
    """Run one line; (how it ran, its status, its output)."""
    how = handling(command)
    env = clean_environment(clone / ".venv" if (clone / ".venv").is_dir() else None)
    if how == "python":
        result = subprocess.run(["python", "-c", command.text], cwd=clone, env=env, capture_output=True,
                                text=True, timeout=TIMEOUT)
        return how, result.returncode, result.stdout + result.stderr
    text = command.text
    if how == "test-suite set-up":
        # The suite is what is running now, and .ci/run runs this very line to run it: the line
        # is checked to be the one .ci/run runs (a second install and suite here would double CI).
        ci = (clone / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        return how, 0 if text in ci else 1, f".ci/run does not run {text!r}"
    if how == "server: start, wait for the port, stop":
        return how, *_serve(text, clone, env)
    stdin = ASK_SCRIPT if how == "ask, scripted" else ""
    result = subprocess.run(["bash", "-o", "pipefail", "-c", text], cwd=clone, env=env, input=stdin,
                            capture_output=True, text=True, timeout=TIMEOUT)
    return how, result.returncode, result.stdout + result.stderr


def _serve(text: str, clone: Path, env: dict) -> tuple[int, str]:
    """A server line: it must come up and answer on its port; then it is stopped (status 0)."""
    words = _last_command(shlex.split(text, comments=True))
    port = int(words[words.index("--port") + 1]) if "--port" in words else 8000
    process = subprocess.Popen(["bash", "-c", text], cwd=clone, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 240     # a set-up line installs the package first
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
                time.sleep(0.5)     # still running: not another program that had the port already
                if process.poll() is None:
                    return 0, f"answered on port {port}"
            except OSError:
                time.sleep(0.5)
        return process.poll() or 1, f"did not answer on port {port}"
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)


def copy_checkout(target: Path) -> None:
    """The repository's files (tracked, and new ones not ignored), as a clone has them."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def test_the_readme_is_read_as_expected():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert _is_setup(commands[0]) and "pip install -q ." in commands[0].text
    assert any(c.language == "python" for c in commands)
    assembled = next(c for c in commands if c.text.startswith("echo '{"))
    assert assembled.text.endswith("kneetriage assess -")        # three lines, one command
    assert not [c for c in commands if handling(c) == "as written" and c.text.split()[0] not in
                ("kneetriage", "python", "python3", "cat", "echo")], "a new kind of line: give it a handling"


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs the git checkout to copy its files")
def test_every_readme_line_runs_as_a_new_user_runs_it(tmp_path):
    clone = tmp_path / "kneetriage"
    clone.mkdir()
    copy_checkout(clone)
    commands = readme_commands(README.read_text(encoding="utf-8"))
    # The first set-up line first (it makes the environment), the test suite's set-up last.
    suite = [c for c in commands if handling(c) == "test-suite set-up"]
    ordered = [commands[0]] + [c for c in commands[1:] if c not in suite] + suite
    ran, failed = [], []
    for command in ordered:
        started = time.monotonic()
        how, status, output = run_command(command, clone)
        ran.append(f"[{status:>3}] {time.monotonic() - started:5.1f} s  {how:<14} {' '.join(command.text.split())}")
        if status != command.expected_status:
            failed.append(f"{command.text}\n  exit {status}, expected {command.expected_status}\n{output[-3000:]}")
    print("README lines run:\n" + "\n".join(ran))
    assert len(ran) == len(commands)
    assert not failed, "\n\n".join(failed) + "\n\nRan:\n" + "\n".join(ran)
    assert (clone / "knee.json").is_file() and (clone / "knee.html").is_file()


def test_a_server_line_is_started_waited_for_on_its_port_and_stopped(tmp_path):
    # For a `kneetriage serve --port N` line: a stand-in server that takes --port the same way.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ("import http.server, sys; http.server.test(http.server.SimpleHTTPRequestHandler, "
              "port=int(sys.argv[2]), bind='127.0.0.1')")
    text = f"{shlex.quote(sys.executable)} -c {shlex.quote(server)} --port {port}"
    assert handling(Command("kneetriage serve --port 8000", "shell")).startswith("server")
    assert handling(Command("python3 -m venv .venv && . .venv/bin/activate && pip install -q . && "
                            "kneetriage serve", "shell")).startswith("server")
    status, said = _serve(text, tmp_path, clean_environment(None))
    assert status == 0, said
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()   # stopped
