"""The differential's model: population priors, grouped evidence, and the lint that guards them."""

import math

from triage.assess import assess
from triage.knowledge import load_knowledge
from triage.lint import lint
from triage.scoring import age_band, group_step, log_odds_bounds, score_conditions


def by_id(result):
    return {c.id: c for c in result.differential}


def test_the_prior_depends_on_sport_sex_and_age(kb):
    base = {c.id: c.prior for c in kb.conditions}
    jumper = by_id(assess({"activity": "jumping_sport"}))
    assert jumper["patellar_tendinopathy"].prior > base["patellar_tendinopathy"]
    assert jumper["patellar_tendinopathy"].prior_factors == ("activity jumping sport: odds x3",)
    woman = by_id(assess({"sex": "female"}))
    assert woman["pfps"].prior > base["pfps"] and woman["patellar_tendinopathy"].prior < base["patellar_tendinopathy"]
    older = by_id(assess({"age": 50}))
    assert older["pfps"].prior < base["pfps"]
    unknown = by_id(assess({}))
    assert all(unknown[c].prior == round(base[c], 4) for c in base)


def test_age_bands():
    assert [age_band(a) for a in (None, 8, 10, 17, 18, 44, 45, 90)] == [
        None, None, "adolescent", "adolescent", "adult", "adult", "from_45", "from_45"]


def test_findings_of_one_group_count_once(kb):
    # Site and "cannot point to it" measure the same thing for PFPS: the group is capped at
    # its strongest rule, so adding the second finding does not raise the score.
    site = by_id(assess({"pain_location": "anterior_diffuse", "aggr_squatting": "yes"}))["pfps"]
    both = by_id(assess({"pain_location": "anterior_diffuse", "aggr_squatting": "yes", "pain_pointable": "no"}))["pfps"]
    assert both.score == site.score and "site" in both.capped_groups
    # A finding of another group still counts.
    crepitus = by_id(assess({"pain_location": "anterior_diffuse", "aggr_squatting": "yes", "crepitus": "yes"}))["pfps"]
    assert crepitus.score > site.score


def test_group_step_caps_each_direction(kb):
    cap, floor = kb.condition("pfps").groups["loading_tests"]
    assert cap == 4.0
    up, held = group_step(kb, "pfps", "loading_tests", [math.log(2.34), math.log(2.2)])
    assert held and math.isclose(up, math.log(4.0))
    mixed, _ = group_step(kb, "pfps", "loading_tests", [math.log(2.34), math.log(0.91)])
    assert math.isclose(mixed, math.log(2.34) + math.log(0.91))


def test_bounds_contain_the_score_of_every_completion(kb):
    # With sex open, the bounds must cover both the female and the male prior.
    answers = {"pain_location": "anterior_diffuse"}
    truths = {r.id: None for r in kb.rules_of("evidence")}
    low, high = log_odds_bounds(kb, answers, truths, open_fields={"sex"})
    for sex in ("female", "male"):
        score = next(s for s in score_conditions(kb, [], {**answers, "sex": sex}) if s.condition == "pfps")
        assert low["pfps"] <= score.log_odds <= high["pfps"]


def test_bony_point_pain_with_hop_pain_puts_the_stress_fracture_first(kb):
    result = assess({"pain_location": "anterior_diffuse", "aggr_squatting": "yes",
                     "exam_tender_patella_bone": "positive", "exam_hop_test_pain": "positive"})
    assert result.differential[0].id == "patellar_stress_fracture"
    # Facet tenderness is a PFP finding, not bony tenderness.
    facet = assess({"pain_location": "anterior_diffuse", "aggr_squatting": "yes",
                    "exam_tender_patellar_facet": "positive", "exam_hop_test_pain": "positive"})
    assert facet.differential[0].id == "pfps"


def test_fat_pad_site_is_as_strong_as_the_tendon_site(kb):
    fat_pad = next(r for r in kb.rules_of("evidence") if r.id == "FATPAD-SITE")
    tendon = next(r for r in kb.rules_of("evidence") if r.id == "PT-SITE")
    assert fat_pad.lr >= tendon.lr


def test_lint_checks_priors_and_groups(tmp_path):
    import shutil

    from triage.paths import RULES_DIR
    shutil.copytree(RULES_DIR, tmp_path / "rules")
    priors = tmp_path / "rules" / "priors.yml"
    priors.write_text(priors.read_text().replace("value: jumping_sport", "value: skydiving")
                      .replace("odds: {itbs: 1.5}", "odds: {itbs: 1.5, gout: 2.0}"))
    problems = [str(p) for p in lint(load_knowledge(str(tmp_path / "rules")))]
    assert any("'skydiving' is not a value of activity" in p for p in problems)
    assert any("unknown condition 'gout'" in p for p in problems)
