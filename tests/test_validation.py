"""Validation metrics on small case sets whose right answer is known, and the validate command."""

import json
from pathlib import Path

import pytest

from tests.conftest import MINI_KB
from triage.assessment import DISCLAIMER
from triage.cli import cli
from triage.commands.validate import CHECKOUT_VIGNETTES, default_case_paths, render_markdown, render_text
from triage.forms import Form
from triage.validation import (
    NONE, Case, CaseError, Outcome, judge, load_cases, measure, run_case, validate,
)

LEVELS = ("emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care")
CONDITIONS = ("a", "b", "c", "d")


def case(expected, safe="self_care", acceptable=(), flags=(), id=None):
    return Case(id=id or f"{expected}-{safe}", origin="test", expected_condition=expected, safe_triage=safe,
                form=Form(None, {}), acceptable_conditions=tuple(acceptable), red_flags=tuple(flags))


def outcome(c, named, ranking=CONDITIONS, level="self_care", flags=()):
    return Outcome(case=c, top_condition=named, ranking=tuple(ranking), triage_level=level, red_flags=tuple(flags))


# --------------------------------------------------------------------------- judging one case

def test_top1_needs_the_expected_condition_named():
    assert judge(outcome(case("a"), "a"), LEVELS).top1
    assert not judge(outcome(case("a"), "b", ranking=("b", "a", "c", "d")), LEVELS).top1


def test_declining_to_name_a_condition_is_a_top1_miss_but_can_be_a_top3_hit():
    verdict = judge(outcome(case("b"), None, ranking=("a", "b", "c", "d")), LEVELS)
    assert (verdict.top1, verdict.top3) == (False, True)


def test_top3_looks_only_at_the_first_three_of_the_ranking():
    verdict = judge(outcome(case("d"), "a", ranking=("a", "b", "c", "d")), LEVELS)
    assert (verdict.top1, verdict.top3) == (False, False)


def test_a_none_case_is_right_only_when_nothing_is_named_and_top3_equals_top1():
    right = judge(outcome(case(NONE), None), LEVELS)
    wrong = judge(outcome(case(NONE), "a"), LEVELS)
    assert (right.top1, right.top3) == (True, True)
    assert (wrong.top1, wrong.top3) == (False, False)


def test_acceptable_conditions_count_including_none():
    assert judge(outcome(case("a", acceptable=["b"]), "b", ranking=("b", "a")), LEVELS).top1
    assert judge(outcome(case("a", acceptable=[NONE]), None, ranking=("d", "c", "b", "a")), LEVELS).top1
    # an acceptable condition of a none case also counts at top-3
    assert judge(outcome(case(NONE, acceptable=["c"]), "a", ranking=("a", "c")), LEVELS).top3


@pytest.mark.parametrize("safe, given, expected", [
    ("consultation", "self_care", "under"),
    ("emergency", "consultation_24", "under"),
    ("consultation", "consultation", "exact"),
    ("consultation", "emergency", "over"),
    ("self_care", "consultation", "over"),
])
def test_triage_is_under_exact_or_over_against_the_least_urgent_safe_level(safe, given, expected):
    assert judge(outcome(case(NONE, safe=safe), None, level=given), LEVELS).triage == expected


def test_a_red_flag_that_is_not_raised_is_missed():
    verdict = judge(outcome(case(NONE, safe="emergency", flags=["septic", "ottawa"]), None, level="emergency",
                            flags=["ottawa", "other"]), LEVELS)
    assert verdict.missed_flags == ("septic",)
    assert verdict.is_miss


# --------------------------------------------------------------------------- measuring a set

@pytest.fixture
def metrics():
    outcomes = [
        outcome(case("a", id="1"), "a"),                                          # right, exact
        outcome(case("a", id="2"), "b", ranking=("b", "a", "c", "d")),            # top-3 only
        outcome(case("b", id="3", safe="consultation"), "b", level="emergency"),  # right, over
        # right (nothing named), but under-triaged and its red flag missed
        outcome(case(NONE, id="4", safe="emergency", flags=["hot"]), None, level="consultation"),
        outcome(case(NONE, id="5", safe="consultation"), "c", level="consultation"),  # wrong
    ]
    return measure(outcomes, CONDITIONS, LEVELS)


def test_accuracy_overall_and_per_condition(metrics):
    assert (metrics.top1.count, metrics.top1.total) == (3, 5)
    assert (metrics.top3.count, metrics.top3.total) == (4, 5)
    assert metrics.top1.value == pytest.approx(0.6)
    assert (metrics.per_condition["a"].top1.count, metrics.per_condition["a"].top3.count) == (1, 2)
    assert metrics.per_condition[NONE].cases == 2
    assert metrics.per_condition[NONE].top1.count == 1
    assert "c" not in metrics.per_condition          # no case expects c


def test_confusion_matrix_counts_expected_against_named(metrics):
    assert metrics.conditions == CONDITIONS + (NONE,)
    assert metrics.confusion["a"] == {"a": 1, "b": 1, "c": 0, "d": 0, NONE: 0}
    assert metrics.confusion[NONE] == {"a": 0, "b": 0, "c": 1, "d": 0, NONE: 1}
    assert sum(sum(row.values()) for row in metrics.confusion.values()) == 5


def test_triage_rates_and_table(metrics):
    assert (metrics.under_triage.count, metrics.exact_triage.count, metrics.over_triage.count) == (1, 3, 1)
    assert metrics.triage_table["emergency"]["consultation"] == 1
    assert metrics.triage_table["consultation"]["emergency"] == 1
    assert [v.case.id for v in metrics.under_triaged] == ["4"]


def test_misses_and_failures(metrics):
    assert [v.case.id for v in metrics.misses] == ["2", "3", "4", "5"]
    assert metrics.expected_flags == 1
    assert metrics.missed_flags == (("4", "hot"),)
    failures = metrics.failures()
    assert len(failures) == 2 and "under-triaged: 4" in failures[0] and "hot in 4" in failures[1]
    assert len(metrics.failures(min_top1=0.7)) == 3
    assert len(metrics.failures(min_top1=0.6)) == 2


def test_a_clean_set_has_no_failures():
    m = measure([outcome(case("a"), "a"), outcome(case(NONE, safe="consultation"), None, level="emergency")],
                CONDITIONS, LEVELS)
    assert m.failures() == [] and m.over_triage.count == 1


def test_json_form_of_the_metrics_is_plain_data(metrics):
    data = json.loads(json.dumps(metrics.to_dict()))
    assert data["top1"] == {"count": 3, "total": 5, "rate": 0.6}
    assert data["triage"]["under"]["count"] == 1
    assert data["verdicts"][3]["missed_red_flags"] == ["hot"]
    assert data["verdicts"][3]["top_condition"] == NONE


# --------------------------------------------------------------------------- loading files

VIGNETTE = """\
id: {id}
description: A test vignette.
source: [S4]
expected_condition: {expected}
safe_triage: self_care
form:
  pain_location: anterior_diffuse
  onset: gradual
  aggr_squatting: "yes"
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_vignette_loads_with_its_expectations(tmp_path, mini_kb):
    path = write(tmp_path, "v1.yml", VIGNETTE.format(id="v1", expected="alpha") + "red_flags: [hot]\n")
    (loaded,) = load_cases([path], mini_kb)
    assert (loaded.id, loaded.expected_condition, loaded.red_flags) == ("v1", "alpha", ("hot",))
    assert loaded.form.answers["aggr_squatting"] == "yes"


def test_a_vignette_missing_a_key_gets_a_clear_error(tmp_path, mini_kb):
    text = VIGNETTE.format(id="v1", expected="alpha").replace("safe_triage: self_care\n", "")
    path = write(tmp_path, "v1.yml", text)
    with pytest.raises(CaseError) as error:
        load_cases([path], mini_kb)
    (problem,) = error.value.problems
    assert problem.key == "safe_triage"
    assert "v1.yml" in str(problem) and "missing" in str(problem)


def test_every_problem_in_every_file_is_reported_with_its_place(tmp_path, mini_kb):
    bad_values = (VIGNETTE.format(id="v1", expected="alpah").replace("source: [S4]", "source: [S999]")
                  .replace('aggr_squatting: "yes"', "aggr_squatting: often") + "red_flag: [hot]\n")
    write(tmp_path, "v1.yml", bad_values)
    write(tmp_path, "v2.yml", VIGNETTE.format(id="v2", expected="alpha"))
    write(tmp_path, "v3.yml", VIGNETTE.format(id="v2", expected="alpha"))   # duplicate id
    with pytest.raises(CaseError) as error:
        load_cases([tmp_path], mini_kb)
    text = str(error.value)
    assert "red_flag: unknown key; did you mean 'red_flags'?" in text
    assert "'S999' is not a key of rules/references.yml" in text
    problems = {(Path(p.origin).name, p.key): p for p in error.value.problems}
    # a vignette whose keys are wrong is not read further; the others are checked in full
    assert ("v3.yml", "id") in problems and "also the id of" in problems[("v3.yml", "id")].message
    fixed = bad_values.replace("red_flag:", "red_flags:").replace("S999", "S4")
    write(tmp_path, "v1.yml", fixed)
    with pytest.raises(CaseError) as error:
        load_cases([tmp_path / "v1.yml"], mini_kb)
    problems = {p.key: p for p in error.value.problems}
    assert "did you mean 'alpha'?" in problems["expected_condition"].message
    assert "often" in problems["form.aggr_squatting"].message and "yes, no" in str(problems["form.aggr_squatting"])


def test_unknown_file_types_and_missing_files_are_errors(tmp_path, mini_kb):
    with pytest.raises(CaseError) as error:
        load_cases([write(tmp_path, "cases.txt", "x"), tmp_path / "absent.yml"], mini_kb)
    assert [p.message for p in error.value.problems] == ["unknown file type '.txt'", "no such file"]


def test_the_checkout_vignettes_are_the_default():
    assert default_case_paths() == [CHECKOUT_VIGNETTES]
    assert any(CHECKOUT_VIGNETTES.glob("*.yml"))


def test_outside_a_checkout_the_files_must_be_given(runner, tmp_path, monkeypatch):
    import triage.commands.validate as validate_command

    monkeypatch.setattr(validate_command, "CHECKOUT", tmp_path)
    monkeypatch.chdir(tmp_path)                 # and not run from a checkout either
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 2
    assert "no case files given" in result.output and "tests/vignettes" in result.output


# --------------------------------------------------------------------------- running on the mini knowledge base
# The mini KB has one condition, alpha (prior 0.5): A-FOR (anterior pain on flexed loading, LR 4)
# makes it likely (0.8), A-AGAINST (pain elsewhere, LR 0.25) makes it unlikely (0.2, no clear fit,
# consultation); a hot knee with swelling raises the red flag `hot` at emergency.

ALPHA = "anterior_diffuse,gradual,yes,no,"
ELSEWHERE = "lateral,gradual,no,no,"
HOT = "lateral,gradual,no,yes,marked"
CSV_HEADER = ("form_id,pain_location,onset,aggr_squatting,knee_hot_red,swelling,"
              "expected_condition,safe_triage,acceptable_conditions,red_flags\n")


def csv_file(tmp_path, *rows):
    return write(tmp_path, "cases.csv", CSV_HEADER + "".join(row + "\n" for row in rows))


def invoke(runner, *args):
    return runner.invoke(cli, ["validate", "--rules", str(MINI_KB), *map(str, args)])


def test_run_case_reports_what_the_system_said(tmp_path, mini_kb):
    (c,) = load_cases([csv_file(tmp_path, f"r1,{ALPHA},alpha,self_care,,")], mini_kb)
    result = run_case(c, mini_kb)
    assert (result.top_condition, result.triage_level, result.outcome) == ("alpha", "self_care", "likely")
    assert result.differential[0].supporting[0].rule == "A-FOR"
    assert result.reasons and result.reasons[0][0] == "self_care"


def test_a_csv_with_expected_columns_is_validated(runner, tmp_path):
    path = csv_file(tmp_path,
                    f"r1,{ALPHA},alpha,self_care,,",           # right, exact
                    f"r2,{ELSEWHERE},none,consultation,,",     # right (nothing named), exact
                    f"r3,{HOT},none,emergency,,hot",           # right, exact, flag raised
                    f"r4,{ELSEWHERE},alpha,self_care,,",       # declined: top-1 miss, top-3 hit, over
                    f"r5,{ELSEWHERE},alpha,self_care,none;alpha,")  # none acceptable: right, over
    result = invoke(runner, path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["top1"]["count"], data["top3"]["count"], data["cases"]) == (4, 5, 5)
    assert data["confusion"]["alpha"] == {"alpha": 1, "none": 2}
    assert (data["triage"]["exact"]["count"], data["triage"]["over"]["count"]) == (3, 2)
    assert data["red_flags"] == {"expected": 1, "missed": []}
    assert data["passed"] is True
    assert [v["id"] for v in data["verdicts"] if not v["top1"]] == ["r4"]


def test_under_triage_fails_the_run(runner, tmp_path):
    result = invoke(runner, csv_file(tmp_path, f"r1,{ELSEWHERE},none,emergency,,"))
    assert result.exit_code == 1
    assert "UNDER-TRIAGED: consultation given, emergency is the least urgent safe level" in result.output
    assert "1 case(s) under-triaged: r1" in result.output


def test_a_missed_red_flag_fails_the_run(runner, tmp_path):
    result = invoke(runner, csv_file(tmp_path, f"r1,{ELSEWHERE},none,consultation,,hot"))
    assert result.exit_code == 1
    assert "red flag(s) not raised: hot" in result.output


def test_min_top1_sets_a_floor(runner, tmp_path):
    path = csv_file(tmp_path, f"r1,{ALPHA},alpha,self_care,,", f"r2,{ELSEWHERE},alpha,consultation,,")
    assert invoke(runner, path, "--min-top1", "0.5").exit_code == 0
    failed = invoke(runner, path, "--min-top1", "0.6")
    assert failed.exit_code == 1 and "below the floor of 60.0%" in failed.output


def test_bad_rows_are_reported_and_nothing_is_validated(runner, tmp_path):
    path = csv_file(tmp_path, f"r1,{ALPHA},alpah,soon,,", "r2,lateral,gradual,maybe,no,,none,self_care,,")
    result = invoke(runner, path)
    assert result.exit_code == 2
    assert ("cases.csv row 1 (line 2): expected_condition: 'alpah' is not accepted; did you mean 'alpha'?"
            in result.output)
    assert "cases.csv row 1 (line 2): safe_triage: 'soon' is not accepted" in result.output
    assert "row 2 (line 3): aggr_squatting: 'maybe' is not accepted" in result.output
    assert "nothing was validated" in result.output


def test_json_lines_take_lists_or_separated_values(runner, tmp_path):
    rows = [
        {"form_id": "j1", "pain_location": "lateral", "onset": "gradual", "aggr_squatting": "no",
         "expected_condition": "alpha", "safe_triage": "consultation", "acceptable_conditions": ["none"]},
        {"form_id": "j2", "pain_location": "lateral", "onset": "gradual", "aggr_squatting": "no", "knee_hot_red": "yes",
         "swelling": "mild", "expected_condition": "none", "safe_triage": "emergency", "red_flags": "hot"},
    ]
    path = write(tmp_path, "cases.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    result = invoke(runner, path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["top1"]["count"] == 2


def test_text_and_markdown_reports(runner, tmp_path, mini_kb):
    path = csv_file(tmp_path, f"r1,{ALPHA},alpha,self_care,,", f"r2,{ELSEWHERE},alpha,self_care,,")
    metrics = validate(load_cases([path], mini_kb), mini_kb)
    text = render_text(metrics, mini_kb)
    assert "Top-1 accuracy   1/2 (50.0%)" in text
    assert "expected alpha, named none (no_clear_fit); alpha ranked 1" in text
    assert "1. alpha 20%: -A-AGAINST (LR 0.25)" in text
    assert text.rstrip().endswith("RESULT: PASS\n\n" + DISCLAIMER)
    markdown = render_markdown(metrics, mini_kb)
    assert markdown.rstrip().endswith(f"*{DISCLAIMER}*")
    assert "| Top-1 accuracy | 1/2 | 50.0% |" in markdown
    assert "### `r2`" in markdown and "`r1`" not in markdown.split("## Misses")[1]
    assert render_markdown(validate(load_cases([path], mini_kb), mini_kb), mini_kb) == markdown


def test_output_option_writes_the_report_to_a_file(runner, tmp_path):
    out = tmp_path / "report.md"
    result = invoke(runner, csv_file(tmp_path, f"r1,{ALPHA},alpha,self_care,,"), "--format", "markdown",
                    "--output", out)
    assert result.exit_code == 0
    assert out.read_text().startswith("# Validation of 1 cases")
    assert "RESULT: PASS" in result.output
