"""The real knowledge base: it loads, lints clean, and every rule has cases that fire and not."""

import shutil
from pathlib import Path

import pytest
import yaml

from triage.assess import assess
from triage.knowledge import load_knowledge
from triage.lint import lint
from triage.paths import RULES_DIR

CASES_DIR = Path(__file__).resolve().parent / "rule_cases"


def test_knowledge_base_lints_clean(kb):
    assert [str(p) for p in lint(kb)] == []


def test_every_condition_and_red_flag_of_the_brief_is_present(kb):
    assert {c.id for c in kb.conditions} == {"pfps", "itbs", "patellar_tendinopathy", "medial_plica",
                                             "fat_pad_impingement", "patellar_stress_fracture"}
    brief_flags = {"knee_dislocation_neurovascular", "pulmonary_embolism", "deep_vein_thrombosis",
                   "septic_arthritis", "ottawa_fracture", "extensor_mechanism_rupture", "locked_knee",
                   "scfe_hip_screen", "bone_tumour_or_infection", "stress_fracture_suspected", "haemarthrosis",
                   "no_improvement_2_weeks", "adolescent_apophysitis"}
    assert brief_flags <= {f.id for f in kb.flags}


def _cases():
    for path in sorted(CASES_DIR.glob("*.yml")):
        for case in yaml.safe_load(path.read_text()) or []:
            # The rule ids are in the test id, so `pytest -k PFPS-SITE` runs that rule's cases.
            rules = "+".join(case.get("fires", []) + case.get("silent", []))
            yield pytest.param(case, id=f"{path.stem}-{case['name']}-{rules}")


def _fired(result) -> set[str]:
    fired = {r for rules in result.conclusions.values() for r in rules}
    fired |= {u.rule for flag in result.red_flags for u in flag.rules}
    fired |= {u.rule for c in result.differential for u in c.supporting + c.opposing}
    return fired


@pytest.mark.parametrize("case", list(_cases()))
def test_rule_case(case):
    fired = _fired(assess(case["form"]))
    for rule_id in case.get("fires", []):
        assert rule_id in fired, f"{rule_id} should fire on {case['form']}"
    for rule_id in case.get("silent", []):
        assert rule_id not in fired, f"{rule_id} should stay silent on {case['form']}"


def test_every_rule_has_a_case_that_fires_and_one_that_does_not(kb):
    fires, silent = set(), set()
    for path in CASES_DIR.glob("*.yml"):
        for case in yaml.safe_load(path.read_text()) or []:
            fires |= set(case.get("fires", []))
            silent |= set(case.get("silent", []))
    ids = {r.id for r in kb.rules}
    assert sorted(ids - fires) == [], "rules with no case that fires"
    assert sorted(ids - silent) == [], "rules with no case that stays silent"
    assert sorted((fires | silent) - ids) == [], "cases name rules that do not exist"


def test_lint_catches_what_it_claims_to(tmp_path):
    (tmp_path / "conditions").mkdir()
    (tmp_path / "red_flags").mkdir()
    (tmp_path / "conditions" / "pfps.yml").write_text(yaml.safe_dump({
        "condition": "pfps", "title": "P", "prior": 0.4, "prior_cite": ["NOPE"],
        "rules": [{"id": "X-1", "title": "t", "when": {"all": [{"concluded": "ghost"}]},
                   "evidence": {"condition": "pfps", "lr": 1, "basis": "guess"}, "explanation": "", "cite": []}]}))
    (tmp_path / "red_flags" / "f.yml").write_text(yaml.safe_dump({
        "flag": "f", "title": "F", "advice": "", "cite": ["S57"],
        "rules": [{"id": "X-1", "title": "t", "when": {"all": [{"locking": "yes"}], "none": [{"fever_or_unwell": "yes"}]},
                   "level": "soon", "explanation": "long enough explanation here", "cite": ["S57"]}]}))
    messages = "\n".join(str(p) for p in lint(load_knowledge(str(tmp_path))))
    for expected in ("rule id used 2 times", "no explanation", "no citation", "which no rule concludes",
                     "lr must be positive and not 1", "basis must be one of", "unknown triage level",
                     "must not use `none`", "prior citation key 'NOPE'", "has no file", "no advice"):
        assert expected in messages


def test_lint_checks_the_triage_policy(tmp_path):
    shutil.copytree(RULES_DIR, tmp_path / "rules")
    triage_file = tmp_path / "rules" / "triage.yml"
    doc = yaml.safe_load(triage_file.read_text(encoding="utf-8"))
    doc["policy"].update(refer_conditions=["ghost"], suspected=0.9, suspected_cite=["NOPE"])
    triage_file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    messages = "\n".join(str(p) for p in lint(load_knowledge(str(tmp_path / "rules"))))
    for expected in ("refer_conditions names 'ghost'", "suspected must lie between 0 and likely",
                     "suspected needs suspected_cite keys"):
        assert expected in messages
