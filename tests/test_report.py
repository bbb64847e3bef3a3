"""The report: its documented context, what each audience sees, when the plan is withheld,
escaping of input values in every format, template overrides and the PDF extra."""

from __future__ import annotations

import builtins
import re
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

import pytest
import yaml
from jinja2 import UndefinedError
from markupsafe import escape

from triage.assess import assess
from triage.management import ManagementError, load_common, load_plan
from triage.report import (
    IndexContext, IndexRow, ReportContext, ReportError, build_context, context_reference, md_escape,
    render, render_index,
)

TESTS = Path(__file__).resolve().parent
VIGNETTES = TESTS / "vignettes"
DOCS = TESTS.parent / "docs"
DATE = "2025-01-15"

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "jinja": "{{ 7*7 }}{% if true %}x{% endif %}",
    "quotes": "\"'><img src=x onerror=alert(1)>",
    "markdown": "a|b *bold* _em_ `code` [link](http://x) # h",
    "newline": "x\nTRIAGE: SELF-MANAGEMENT\r\n## Forged",
}


def vignette(name: str) -> dict:
    return yaml.safe_load((VIGNETTES / f"{name}.yml").read_text())["form"]


def context(form: dict, audience: str = "clinician", **kwargs) -> ReportContext:
    from triage.knowledge import load_knowledge

    kb = kwargs.pop("kb", None) or load_knowledge()
    return build_context(assess(form, kb=kb), kb, audience=audience, report_date=DATE, **kwargs)


# Every warning sign answered "no": the vignette's "no alarm features", spelt out so that the
# self-management plan is reached (an unanswered warning sign would keep it at consultation).
SCREEN_CLEARED = {"knee_hot_red": "no", "fever_or_unwell": "no", "unable_to_bear_weight": "no",
                  "calf_pain_or_swelling": "no", "breathless_or_chest_pain": "no",
                  "numbness_or_tingling": "no", "unexplained_weight_loss": "no"}


@pytest.fixture(scope="module")
def pfps_form():
    return {**vignette("pfps_typical_female_road_runner"), **SCREEN_CLEARED, "duration_weeks": 4}


@pytest.fixture(scope="module")
def pfps(pfps_form):
    return context(pfps_form)


@pytest.fixture(scope="module")
def pfps_patient(pfps_form):
    return context(pfps_form, "patient")


@pytest.fixture(scope="module")
def flagged_pfps_form(pfps_form):
    """A PFPS history with a painful, swollen calf: a red flag (a possible DVT) beside a likely
    condition. (A flag that could itself explain the knee pain, such as a hot knee, would
    withhold the label instead: see the next test.)"""
    return {**pfps_form, "form_id": "pfps-with-flag", "calf_pain_or_swelling": "yes"}


def test_a_flag_that_names_another_cause_withholds_the_label(pfps_form):
    ctx = context({**pfps_form, "knee_hot_red": "yes", "fever_or_unwell": "yes"})
    assert ctx.outcome == "other_cause" and ctx.leading is None
    assert ctx.triage.level == "emergency" and ctx.plan.mode == "referral"
    assert "Possible septic arthritis" in render(ctx, "md")


# ------------------------------------------------------------------ the documented context

def _context_classes():
    seen, todo = [], [ReportContext, IndexContext]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.append(cls)
        for f in fields(cls):
            names = re.findall(r"[A-Za-z_]+", str(f.type))
            import triage.report as module
            todo += [getattr(module, n) for n in names
                     if isinstance(getattr(module, n, None), type) and is_dataclass(getattr(module, n))]
    return seen


def test_every_context_field_has_help():
    classes = _context_classes()
    assert len(classes) >= 10          # the walk reached the nested views
    missing = [f"{c.__name__}.{f.name}" for c in classes for f in fields(c) if not f.metadata.get("help")]
    assert missing == []


def test_the_context_reference_in_the_docs_is_up_to_date():
    doc = (DOCS / "report-context.md").read_text()
    assert context_reference() in doc, "run: python scripts/regen_golden.py (it rewrites docs/report-context.md)"


def test_a_missing_context_field_fails_loudly(tmp_path, pfps):
    (tmp_path / "_answers.html.j2").write_text("{{ answerz }}")
    with pytest.raises(UndefinedError, match="answerz"):
        render(pfps, "html", tmp_path)


# ------------------------------------------------------------------ content

def test_the_triage_banner_comes_first_and_gives_every_reason(pfps):
    html = render(pfps, "html")
    body = html[html.index("<body"):]
    assert body.index('id="triage"') < body.index('id="differential"') < body.index('id="plan"')
    assert pfps.triage.reasons
    for reason in pfps.triage.reasons:
        assert str(reason.text).split(".")[0] in html


def test_header_carries_form_id_date_kb_version_and_disclaimer(pfps):
    for fmt in ("html", "md", "txt"):
        out = render(pfps, fmt)
        flat = " ".join(out.split())
        assert DATE in out and pfps.kb_version in out
        assert pfps.form_id.replace("_", "\\_") in out or pfps.form_id in out
        assert " ".join(pfps.disclaimer.split()) in flat


def _cited(value) -> set[int]:
    """Every reference number used anywhere in a context value."""
    if is_dataclass(value):
        found = set().union(*(getattr(value, f.name) for f in fields(value) if f.name.endswith("refs")))
        return found.union(*(_cited(getattr(value, f.name)) for f in fields(value) if f.name != "references"))
    if isinstance(value, tuple):
        return set().union(set(), *(_cited(v) for v in value))
    return set()


def test_references_are_numbered_in_order_and_only_cited_ones_are_listed(pfps):
    numbers = [r.number for r in pfps.references]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len({r.key for r in pfps.references}) == len(numbers)
    assert _cited(pfps) == set(numbers)
    # Numbered in reading order: the leading condition's first rule cites low numbers.
    assert min(pfps.differential[0].supporting[0].refs) == 1 + len(_cited(pfps.triage))


def test_each_rule_shows_its_findings_lr_and_sources(pfps):
    md = render(pfps, "md")
    rule = pfps.differential[0].supporting[0]
    assert rule.findings and rule.lr and rule.basis in ("published", "estimated")
    assert f"`{rule.id}`" in md and f"LR {rule.lr}" in md
    for finding in rule.findings:
        assert md_escape(finding.text) in md


def test_exam_tests_and_open_questions_are_listed_for_the_clinician(pfps):
    assert pfps.exam_tests and pfps.open_questions
    txt = render(pfps, "txt")
    assert "EXAMINATION TESTS" in txt.upper()
    assert pfps.exam_tests[0].name.split()[0] in txt
    test = next(t for t in pfps.exam_tests if t.lr_positive)
    assert f"LR+ {test.lr_positive}" in txt


def test_self_management_plan_comes_from_the_condition_file(pfps):
    plan = load_plan("pfps")
    assert pfps.plan.mode == "self_management" and pfps.plan.condition == "pfps"
    text = " ".join(render(pfps, "txt").split())
    for section in plan.sections:
        for point in section.points:
            assert " ".join(point.text.split()) in text, section.id
    assert plan.section("exercises").exercises[0].name in text
    assert plan.section("return_to_running").stages[0].run in text


def test_safety_netting_is_ordered_by_urgency(pfps, kb):
    ranks = [kb.level(p.level).rank for p in pfps.safety_netting]
    assert ranks == sorted(ranks) and len(ranks) == len(load_common().safety_netting)


def test_patient_version_is_plain_and_has_no_exam_detail(pfps, pfps_patient, kb):
    html = render(pfps_patient, "html")
    assert pfps_patient.exam_tests == ()
    assert all(not q.exam for q in pfps_patient.open_questions)
    assert "LR " not in html and "PFPS-" not in html
    assert str(escape(kb.condition("pfps").patient_title)) in html
    plan_point = load_plan("pfps").sections[0].points[0]
    flat = " ".join(render(pfps_patient, "txt").split())
    assert " ".join(plan_point.patient.split()) in flat
    assert " ".join(plan_point.text.split()) not in flat
    # Findings are put as the questions the runner answered.
    assert kb.catalogue["pain_location"].patient in html


def test_patient_red_flag_uses_patient_title(flagged_pfps_form, kb):
    ctx = context(flagged_pfps_form, "patient")
    assert ctx.red_flags
    for flag in ctx.red_flags:
        assert flag.title == kb.flag(flag.id).patient_title
        assert flag.findings


# ------------------------------------------------------------------ when the plan is withheld

def test_a_red_flag_replaces_the_plan_by_referral_advice(flagged_pfps_form):
    ctx = context(flagged_pfps_form)
    assert ctx.red_flags and ctx.leading is not None and ctx.leading.id == "pfps"
    assert ctx.plan.mode == "referral" and ctx.plan.sections == ()
    text = " ".join(render(ctx, "txt").split())     # plain text: the wording, unescaped
    common = load_common()
    assert " ".join(common.referral[0].text.split()) in text
    assert " ".join(common.referral_by_level[ctx.triage.level].text.split()) in text
    pfps_plan = load_plan("pfps")
    for section in pfps_plan.sections:
        for point in section.points:
            assert " ".join(point.text.split()) not in text, f"the PFPS plan leaked: {section.id}"
    assert 'id="plan-' not in render(ctx, "html")


def test_a_suspected_stress_fracture_gets_offloading_and_imaging_not_running():
    ctx = context(vignette("patellar_stress_fracture_typical_female_distance_runner"))
    assert ctx.plan.mode == "referral" and ctx.plan.condition == "patellar_stress_fracture"
    assert [s.id for s in ctx.plan.sections] == ["load_modification", "imaging_and_referral", "protect_and_load"]
    assert not any(s.stages for s in ctx.plan.sections)


def test_a_possible_stress_fracture_without_a_flag_leads_with_offloading(pfps_form, kb):
    # The PFPS assessment, with the stress fracture made "possible": the plan must switch.
    a = assess(pfps_form)
    a = replace(a, differential=tuple(replace(c, status="possible") if c.id == "patellar_stress_fracture" else c
                                      for c in a.differential))
    ctx = build_context(a, kb, report_date=DATE)
    assert ctx.plan.mode == "offload_and_image"
    assert ctx.plan.condition == "patellar_stress_fracture"
    assert ctx.plan.replaces == kb.condition("pfps").title
    assert ctx.plan.sections[0].id == "load_modification"
    assert "they replace the running plan for Patellofemoral pain syndrome" in " ".join(render(ctx, "txt").split())


def test_no_likely_condition_means_no_plan():
    ctx = context({"form_id": "thin", "onset": "gradual", "aggr_squatting": "yes"})
    assert ctx.leading is None and ctx.plan.mode == "none" and ctx.plan.sections == ()
    assert "No condition is likely" in render(ctx, "html")


def test_a_condition_without_a_plan_file(mini_kb):
    from tests.conftest import MINI_KB

    form = {"form_id": "m", "pain_location": "anterior_diffuse", "aggr_squatting": "yes", "age": 25,
            "onset": "gradual", "aggr_stairs_down": "yes"}
    ctx = context(form, kb=mini_kb, rules_dir=str(MINI_KB))
    assert ctx.leading is not None and ctx.leading.id == "alpha"
    assert ctx.plan.mode == "none" and ctx.plan.condition == "alpha"
    assert "no management plan for this condition" in render(ctx, "md")


# ------------------------------------------------------------------ escaping

@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_input_values_are_escaped_in_html(name, pfps_form):
    payload = PAYLOADS[name]
    html = render(context({**pfps_form, "form_id": payload}), "html")
    assert "<script" not in html and "<img" not in html and "'>" not in html
    assert str(escape(payload)) in html           # shown as text, not dropped
    if name == "jinja":
        assert "{{ 7*7 }}" in html                # never evaluated


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_input_values_are_escaped_in_markdown(name, pfps_form):
    payload = PAYLOADS[name]
    md = render(context({**pfps_form, "form_id": payload}), "md")
    form_line = next(line for line in md.splitlines() if line.startswith("- Form:"))
    value = form_line[len("- Form: "):]
    for raw in ("<", "|", "*", "`", "["):
        assert raw not in value.replace("\\" + raw, ""), f"unescaped {raw!r} in {value!r}"
    assert "\n## Forged" not in md and "\nTRIAGE: SELF" not in md


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_input_values_cannot_forge_lines_in_text(name, pfps_form):
    txt = render(context({**pfps_form, "form_id": PAYLOADS[name]}), "txt")
    lines = txt.splitlines()
    assert [line for line in lines if line.startswith("TRIAGE:")] == ["TRIAGE: SELF-MANAGEMENT"]
    assert not any(line.startswith("## Forged") for line in lines)
    assert "\r" not in txt


def test_md_escape():
    assert md_escape("a|b") == "a\\|b"
    assert md_escape("<b>") == "\\<b\\>"
    assert md_escape("*x* `y`") == "\\*x\\* \\`y\\`"
    assert md_escape("_x_ snake_case") == "\\_x\\_ snake_case"
    assert md_escape("line\nbreak") == "line break"


# ------------------------------------------------------------------ templates

def test_a_clinic_can_override_one_partial_and_reuse_ours(tmp_path, pfps):
    (tmp_path / "_plan.html.j2").write_text(
        '<p class="clinic">Our clinic: ask for the physio on floor 2.</p>\n{% include "default:_plan.html.j2" %}')
    html = render(pfps, "html", tmp_path)
    assert "Our clinic: ask for the physio on floor 2." in html
    assert html.index('class="clinic"') < html.index('id="plan"')
    assert 'id="differential"' in html          # the other partials are still ours


def test_an_override_may_not_drop_the_safety_content(tmp_path, flagged_pfps_form):
    ctx = context(flagged_pfps_form)
    # Hide the red flags from their section and from the banner that also names them.
    (tmp_path / "_red_flags.html.j2").write_text("")
    (tmp_path / "_triage.html.j2").write_text("<p>{{ triage.label }}</p>")
    with pytest.raises(ReportError, match="red flag"):
        render(ctx, "html", tmp_path)
    (tmp_path / "_red_flags.html.j2").unlink()
    (tmp_path / "_disclaimer.html.j2").write_text("")
    (tmp_path / "_header.html.j2").write_text("")
    with pytest.raises(ReportError, match="disclaimer"):
        render(ctx, "html", tmp_path)


def test_rendering_is_deterministic(pfps_form):
    assert render(context(pfps_form), "md") == render(context(pfps_form), "md")


def test_html_is_self_contained(pfps):
    html = render(pfps, "html")
    assert "<style>" in html and "@page" in html
    assert not re.search(r"<link|<script|<img|@import|url\(|src=", html)


@pytest.mark.parametrize("name", ["pfps_typical_female_road_runner", "none_septic_knee_after_injection"])
@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_every_internal_link_has_its_anchor(name, audience):
    html = render(context(vignette(name), audience), "html")
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets and targets <= set(re.findall(r' id="([^"]+)"', html))


def test_index_lists_error_rows_with_their_message():
    rows = (IndexRow(1, "a<b", True, "0001-a_b.html", "self_care", "Self-management", "Runner's knee", 80, (), ""),
            IndexRow(2, "bad|id", False, "", "", "", "", 0, (), "row 2: age: 'x' is not accepted"))
    ctx = IndexContext("Batch", "clinician", DATE, "abc", "0.1.0", "Disclaimer text.", rows)
    html = render_index(ctx, "html")
    assert 'href="0001-a_b.html"' in html and "a&lt;b" in html and "age: &#39;x&#39; is not accepted" in html
    md = render_index(ctx, "md")
    assert "bad\\|id" in md and "(0001-a_b.html)" in md
    assert "row 2: age" in render_index(ctx, "txt")


def test_index_keeps_a_long_form_name_on_one_line_and_whole_in_its_tooltip():
    long_id = "pfps_typical_female_road_runner_clinic_north_2026-01-15_visit-2"
    rows = (IndexRow(1, long_id, True, "0001-x.html", "self_care", "Self-management", "Runner's knee", 80, (), ""),
            IndexRow(2, long_id + "-b", False, "", "", "", "", 0, (), "row 2: age: 'x' is not accepted"))
    html = render_index(IndexContext("Batch", "clinician", DATE, "abc", "0.1.0", "Disclaimer.", rows), "html")
    assert f'<td class="form"><a href="0001-x.html" title="{long_id} (0001-x.html)">{long_id}</a></td>' in html
    assert f'<td class="form" title="{long_id}-b">' in html
    css = re.search(r"\.index-table td\.form \{([^}]*)\}", html).group(1)
    assert "white-space: nowrap" in css and "text-overflow: ellipsis" in css and "overflow: hidden" in css


# ------------------------------------------------------------------ PDF

def test_pdf_is_made_when_weasyprint_is_installed(weasyprint, pfps):
    pdf = render(pfps, "pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_pdf_without_weasyprint_says_how_to_install_it(monkeypatch, pfps):
    real_import = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise ImportError("No module named 'weasyprint'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(ReportError, match=r"pip install 'kneetriage\[pdf\]'"):
        render(pfps, "pdf")


# ------------------------------------------------------------------ the management loader

def test_every_condition_has_a_plan_whose_sources_resolve(kb):
    for condition in kb.conditions:
        plan = load_plan(condition.id)
        assert plan is not None, condition.id
        keys = [k for s in plan.sections for p in s.points + s.entry_criteria + s.notes for k in p.cite]
        keys += [k for s in plan.sections for e in s.exercises for k in e.cite + e.dose_cite]
        assert keys and all(k in kb.references for k in keys), condition.id
    for point in load_common().safety_netting + load_common().referral:
        assert all(k in kb.references for k in point.cite)


# A dose says how much: a number of sets, repetitions, seconds, minutes or times a week.
DOSE = re.compile(r"\d+\s*(sets?|holds?|repetitions?|reps?|seconds?|minutes?|times?|days?|per|steps?|each|of|-\d)")


@pytest.mark.parametrize("detail", ["short", "full"])
def test_every_exercise_shown_to_runners_has_a_dose_with_its_source(kb, detail):
    # Every plan, in each mode a runner can meet it: as the plan, and as what replaces it.
    shown = 0
    for condition in kb.conditions:
        plan = load_plan(condition.id)
        for section in plan.sections:
            for e in section.exercises:
                assert DOSE.search(e.dose) and "not stated" not in e.dose, f"{condition.id}: {e.name}: {e.dose!r}"
                assert all(k in kb.references for k in e.dose_cite or e.cite), f"{condition.id}: {e.name}"
    for name in ("pfps_typical_female_road_runner", "itbs_typical_trail_runner_long_descents",
                 "patellar_tendinopathy_typical_runner_hill_sprints", "medial_plica_typical_after_training_change",
                 "fat_pad_impingement_typical_prolonged_standing"):
        ctx = context({**vignette(name), **SCREEN_CLEARED}, "patient", detail=detail)
        for section in ctx.plan.sections:
            for e in section.exercises:
                shown += 1
                assert DOSE.search(e.dose) and (e.dose_refs or e.refs), (name, e.name, e.dose)
                md = render(ctx, "md")
                assert f"| {md_escape(e.dose)} " in md, (name, e.name)
    assert shown >= 10


def test_a_broken_plan_names_its_file_and_place(tmp_path):
    folder = tmp_path / "management"
    folder.mkdir()
    (folder / "pfps.yml").write_text(yaml.safe_dump({
        "condition": "pfps", "title": "t", "patient_title": "p",
        "sections": [{"id": "load_modification", "title": "L", "points": [{"text": "only clinician text"}]}]}))
    load_plan.cache_clear()
    with pytest.raises(ManagementError, match=r"management/pfps.yml: section load_modification: points\[0\]: "
                                              r"missing patient, cite, evidence"):
        load_plan("pfps", str(tmp_path))
    assert load_plan("itbs", str(tmp_path)) is None


# ------------------------------------------------------------------ golden reports

def _regen():
    import importlib.util

    spec = importlib.util.spec_from_file_location("regen_golden", TESTS.parent / "scripts" / "regen_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGEN = _regen()


@pytest.mark.parametrize("vignette,audience,detail", [(v, a, "full") for v, a in REGEN.CASES]
                         + [(v, a, "short") for v, a in REGEN.SHORT_CASES], ids=lambda x: x)
def test_golden_report(vignette, audience, detail):
    import difflib

    path = REGEN.golden_path(vignette, audience, detail)
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    actual = REGEN.golden_report(vignette, audience, detail)
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                            f"{path.name} (golden)", f"{path.name} (now)", n=1))
        pytest.fail(f"the report changed; if intended, run python scripts/regen_golden.py and review "
                    f"the diff in git.\n{diff[:6000]}")


def test_printed_pages_carry_the_form_id_and_page_numbers(pfps):
    css = (Path(__file__).resolve().parents[1] / "reports" / "report.css").read_text(encoding="utf-8")
    assert 'counter(page) " of " counter(pages)' in css and "string(form-id)" in css
    html = render(pfps, "html")
    assert 'class="form-id"' in html


def test_a_runner_reads_the_answers_as_they_were_asked_the_positive_way_round(kb):
    from triage import assess
    form = {"pain_location": "anterior_diffuse", "onset": "gradual", "unable_to_bear_weight": "no",
            "cannot_straight_leg_raise": "no", "age": 30}
    ctx = build_context(assess(form, kb=kb), kb, audience="patient", detail="full")
    shown = {a.field: (a.label, a.answer) for a in ctx.answers}
    assert shown["unable_to_bear_weight"] == ("Can you take four steps on the leg?", "yes")
    assert not any("unable" in label.lower() for label, _ in shown.values())
    clinician = build_context(assess(form, kb=kb), kb, audience="clinician", detail="full")
    assert {a.field: a.answer for a in clinician.answers}["unable_to_bear_weight"] == "no"   # as stored
