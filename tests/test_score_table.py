"""The ``score`` table fits the terminal: no line wider than it, no id cut in two, one disclaimer."""

import re

import pytest
from click.testing import CliRunner

from tests.test_score import EXAMPLES
from triage import DISCLAIMER, load_knowledge
from triage.batch.table import Layout
from triage.cli import cli

INPUTS = [EXAMPLES / "forms.csv", EXAMPLES / "forms-with-errors.csv"]


def table(monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, ["score", *map(str, INPUTS), "--format", "table"], catch_exceptions=False)


def ids():
    kb = load_knowledge()
    rows = [line.split(",")[0] for p in INPUTS for line in p.read_text().splitlines()[1:] if line]
    return ({rule.flag for rule in kb.rules_of("red_flag")} | {c.id for c in kb.conditions}
            | {r for r in rows if r})


@pytest.mark.parametrize("columns", [80, 120])
def test_no_line_is_wider_than_the_terminal_and_no_id_is_split(monkeypatch, columns):
    result = table(monkeypatch, columns)
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= columns
    glued = re.sub(r"\n\s*", "", result.stdout)
    for name in ids():
        if name in glued:           # an id that appears at all appears whole, on one line
            assert any(name in line for line in lines), name
    flagged = ["osteoarthritis_or_degenerative_meniscus", "stress_fracture_suspected", "pfps-road-runner"]
    assert all(any(name in line for line in lines) for name in flagged)


@pytest.mark.parametrize("columns", [50, 80, 120, 200])
def test_the_disclaimer_is_printed_once(monkeypatch, columns):
    result = table(monkeypatch, columns)
    flat = " ".join((result.stdout + result.stderr).split())
    assert flat.count(" ".join(DISCLAIMER.split())) == 1
    assert max(map(len, result.stdout.splitlines())) <= columns


def test_every_width_keeps_ids_whole():
    for width in range(40, 160, 7):
        layout = Layout(width)
        text = layout.row("patella-stress-fracture", ["consultation_24", "patellar_stress_fracture 92%", "9 not asked"],
                          "red flags", "bone_tumour_or_infection, osteoarthritis_or_degenerative_meniscus")
        assert max(map(len, text.splitlines())) <= width, width
        for name in ("patella-stress-fracture", "patellar_stress_fracture", "bone_tumour_or_infection",
                     "osteoarthritis_or_degenerative_meniscus"):
            assert name in text, (width, text)
