"""`kneetriage rules`: the knowledge base printed for a clinician to review, and checked."""

import shutil

import yaml

from triage.cli import cli
from triage.paths import RULES_DIR


def invoke(runner, *args):
    return runner.invoke(cli, ["rules", *args])


def test_list_gives_one_line_per_rule_with_what_it_concludes(runner, kb):
    result = invoke(runner, "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(kb.rules)
    line = next(x for x in lines if x.startswith("RF-PE-CALF-AND-CHEST "))
    assert "red flag pulmonary_embolism at emergency_ambulance" in line


def test_list_by_kind(runner, kb):
    result = invoke(runner, "list", "--kind", "evidence")
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == len(kb.rules_of("evidence"))
    assert all(" for " in x or " against " in x for x in result.output.splitlines())


def test_show_puts_a_rule_in_words_with_its_resolved_sources(runner, kb):
    result = invoke(runner, "show", "pfps-jospt-criteria")      # ids are matched without case
    assert result.exit_code == 0, result.output
    rule = kb.rule("PFPS-JOSPT-CRITERIA")
    assert result.output.startswith(f"{rule.id}: {rule.title}")
    assert f"file:       rules/{rule.source_file}" in result.output
    for key in rule.cite:
        assert f"[{key}] {kb.references[key]['title']}" in result.output


def test_show_an_unknown_id_suggests_the_nearest(runner):
    result = invoke(runner, "show", "PFPS-JOSPT-CRITERA")
    assert result.exit_code != 0
    assert "no rule 'PFPS-JOSPT-CRITERA'" in result.output and "PFPS-JOSPT-CRITERIA" in result.output


def test_fields_lists_every_field_with_its_accepted_values(runner, kb):
    result = invoke(runner, "fields")
    assert result.exit_code == 0
    for spec in kb.catalogue.answerable():
        assert any(line.startswith(f"{spec.name} ") and spec.accepted() in line
                   for line in result.output.splitlines()), spec.name


def test_lint_passes_on_ours_and_fails_on_a_broken_copy(runner, tmp_path):
    ok = invoke(runner, "lint")
    assert ok.exit_code == 0 and ok.output.startswith("ok: ")
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "red_flags" / "locked_knee.yml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["rules"][0]["cite"] = ["NO-SUCH-SOURCE"]
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    broken = invoke(runner, "lint", "--rules", str(rules))
    assert broken.exit_code == 1
    assert "NO-SUCH-SOURCE" in broken.output and "problem(s)" in broken.output
