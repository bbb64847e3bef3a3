"""docs/interop.md: its generated samples are current, and every command it shows runs."""

import importlib.util
import re
import shlex
import shutil
from pathlib import Path

import pytest

from triage.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "interop.md"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_interop_docs", ROOT / "scripts" / "gen_interop_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _commands():
    # The one-command examples: indented lines that start with `kneetriage `.
    return [line.strip() for line in DOC.read_text(encoding="utf-8").splitlines()
            if line.startswith("    kneetriage ")]


def test_the_generated_parts_are_current():
    generator = _load_generator()
    current = DOC.read_text(encoding="utf-8")
    assert generator.render(current, generator.samples()) == current, \
        "docs/interop.md is out of date: run `python scripts/gen_interop_docs.py`"


def test_every_generated_part_is_filled():
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- generated: ([\w.:/-]+) -->\n(.*?)<!-- end generated -->", text, re.DOTALL)
    assert len(blocks) >= 8 and all(body.strip() for _, body in blocks)


def test_each_format_has_a_command_and_the_readme_links_the_page():
    commands = _commands()
    for needle in ("fhir questionnaire", "fhir codesystem", "assess examples/fhir", "--format fhir",
                   "redcap dictionary", "score examples/redcap"):
        assert any(needle in c for c in commands), needle
    assert "docs/interop.md" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("line", _commands())
def test_every_command_in_the_page_runs(runner, tmp_path, monkeypatch, line):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(line)[1:]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, f"{line}: {result.output}"
    outputs = [args[i + 1] for i, a in enumerate(args) if a == "-o"]
    for name in outputs:
        assert (tmp_path / name).stat().st_size > 0
    if not outputs:
        assert result.stdout.strip()
