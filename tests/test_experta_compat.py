"""experta 1.9.4 must import on this Python, through our shim and only through it."""

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_experta_imports_in_a_clean_interpreter_through_the_shim():
    result = _run("import triage._experta as e; import experta; "
                  "assert e.KnowledgeEngine is experta.KnowledgeEngine; print('ok')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_pinned_frozendict_is_the_reason_for_the_shim():
    # If this starts passing, frozendict or experta changed and the shim can go.
    if sys.version_info < (3, 10):
        return
    result = _run("import experta")
    assert result.returncode != 0
    assert "Mapping" in result.stderr


def test_a_working_engine_runs_in_a_clean_interpreter():
    code = (
        "from triage._experta import KnowledgeEngine, Fact, Rule\n"
        "class E(KnowledgeEngine):\n"
        "    @Rule(Fact(x=1))\n"
        "    def hit(self):\n"
        "        self.hits = 1\n"
        "e = E(); e.reset(); e.declare(Fact(x=1)); e.run(); print(e.hits)"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
