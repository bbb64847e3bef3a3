"""Reports reuse one Jinja environment per format and folder, with the same bytes as a fresh one."""

import shutil

import pytest
import yaml

from triage import envcache
from triage.assess import assess
from triage.knowledge import load_knowledge
from triage.paths import REPORTS_DIR
from triage.report import build_context, environment, render
from tests.conftest import TESTS

FORM = yaml.safe_load((TESTS / "vignettes" / "pfps_atypical_cyclist.yml").read_text())["form"]


@pytest.fixture(scope="module")
def ctx():
    kb = load_knowledge()
    return build_context(assess(FORM, kb=kb), kb, report_date="2026-01-02")


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_a_cached_environment_renders_what_a_fresh_one_does(ctx, fmt, monkeypatch):
    assert environment(fmt) is environment(fmt)
    cached = [render(ctx, fmt), render(ctx, fmt)]
    monkeypatch.setattr(envcache, "_ENVIRONMENTS", {})
    assert cached == [render(ctx, fmt)] * 2


def test_a_template_added_to_a_templates_folder_is_used(ctx, tmp_path):
    before = render(ctx, "md", tmp_path)
    shutil.copy(REPORTS_DIR / "_answers.md.j2", tmp_path / "_answers.md.j2")
    with open(tmp_path / "_answers.md.j2", "a") as out:
        out.write("\nAdded by the clinic.\n")
    after = render(ctx, "md", tmp_path)
    assert "Added by the clinic." in after and "Added by the clinic." not in before
