"""Whole-form vignettes written from named sources (tests/vignettes/*.yml).

Every vignette must be triaged at least as urgently as its safe level and raise the red flags
it names. Top-condition accuracy is measured and published by `kneetriage validate`; here the
typical presentations must come out on top.
"""

from pathlib import Path

import pytest
import yaml

from triage.assess import assess

VIGNETTES = sorted((Path(__file__).resolve().parent / "vignettes").glob("*.yml"))


def load(path):
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def ranks(kb):
    return {lv.id: lv.rank for lv in kb.levels}


def test_there_are_enough_vignettes_with_sources(kb):
    assert len(VIGNETTES) >= 60
    for path in VIGNETTES:
        vignette = load(path)
        assert vignette["source"], path.name
        assert all(key in kb.references for key in vignette["source"]), path.name


@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.stem)
def test_vignette_is_never_under_triaged(path, ranks):
    vignette = load(path)
    result = assess(vignette["form"])
    assert ranks[result.triage_level] <= ranks[vignette["safe_triage"]], (
        f"under-triage: {result.triage_level} for a case that needs {vignette['safe_triage']}; "
        f"reasons: {[r.text for r in result.triage.reasons]}")
    for flag in vignette.get("red_flags") or []:
        assert flag in result.red_flag_ids


@pytest.mark.parametrize("path", [p for p in VIGNETTES if "_typical_" in p.stem], ids=lambda p: p.stem)
def test_typical_presentation_ranks_its_condition_first(path):
    vignette = load(path)
    result = assess(vignette["form"])
    expected = vignette["expected_condition"]
    acceptable = {expected, *(vignette.get("acceptable_conditions") or [])}
    assert result.differential[0].id in acceptable, [(c.id, c.score) for c in result.differential]


def test_every_condition_and_red_flag_has_vignettes_of_its_own(kb):
    conditions, flags = set(), set()
    for path in VIGNETTES:
        vignette = load(path)
        conditions.add(vignette["expected_condition"])
        flags.update(vignette.get("red_flags") or [])
    assert sorted({c.id for c in kb.conditions} - conditions) == [], "conditions without a vignette"
    assert sorted({f.id for f in kb.flags} - flags) == [], "red flags without a vignette"
