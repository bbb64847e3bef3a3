"""``kneetriage assess``: assess one form and print the explained result."""

from __future__ import annotations

import json

import click

from triage.assess import assess
from triage.commands._engine import engine_option
from triage.forms import FormError
from triage.interop.intake import parse_any
from triage.jsonforms import FormFileError, JSONFormError, read_form_file
from triage.knowledge import load_knowledge


def _read_form(path: str) -> dict:
    try:
        return read_form_file(path)
    except FormFileError as error:
        raise click.UsageError(str(error)) from None


def _plan_lines(result) -> list[str]:
    """The plan's headings and first steps, since the level's action speaks of "the plan below";
    the whole plan, with its sources, is in the report."""
    from triage.management import load_plan

    urgent = result.triage.level not in ("self_care", "consultation")
    plan = load_plan(result.top_condition) if result.top_condition and not urgent else None
    if plan is None:
        return []
    lines = ["", f"PLAN: FIRST STEPS (the full plan: kneetriage report FORM -o plan.html)"]
    for section in plan.sections:
        first = section.points[0].patient if section.points else (
            f"{section.exercises[0].name}: {section.exercises[0].dose}" if section.exercises else "")
        if first:
            lines.append(f"  {section.title}: {first}")
    return lines


def render_text(result, kb) -> str:
    """A short plain-text summary for the terminal (the full report is `kneetriage report`)."""
    lines = [f"Form {result.form_id or '(no id)'}  -  knowledge base {result.kb_version}", ""]
    lines.append(f"TRIAGE: {result.triage.label.upper()} ({result.triage.level})")
    lines.append(f"  {result.triage.action}")
    for reason in result.triage.reasons:
        lines.append(f"  - [{reason.level}] {reason.text}")
    lines += ["", "WARNING-SIGN SCREEN"]
    screen = result.screen
    total = len(kb.screen.items)
    if not screen.not_asked:
        lines.append(f"  All {total} warning signs were checked.")
    else:
        lines.append(f"  {len(screen.checked)} of {total} checked. Not asked, so not known to be absent:")
        lines.append(f"    {'; '.join(screen.not_asked_titles)}")
    if result.red_flags:
        lines += ["", "RED FLAGS"]
        for flag in result.red_flags:
            first = (f" A more urgent instruction comes first ({flag.covered_by})."
                     if flag.covered_by else "")
            lines.append(f"  {flag.title} [{flag.level}]:{first} {flag.advice}")
            for use in flag.rules:
                lines.append(f"    {use.rule}: " + "; ".join(f.text for f in use.findings))
    elif screen.not_asked:
        lines.append("  No red flag in the answers given; the signs not asked are unknown.")
    lines += ["", f"DIFFERENTIAL ({result.outcome_text})"]
    for c in result.differential:
        # The outcome says whether any condition may be named: when not, none is called possible.
        status = c.status if result.names_conditions or c.status == "unlikely" else "not named"
        lines.append(f"  {c.rank}. {c.title:<42} {c.score:6.1%}  {status}")
        for use in c.supporting[:4]:
            lines.append(f"       + {use.title} (LR {use.lr:g}, {use.rule})")
        for use in c.opposing[:3]:
            lines.append(f"       - {use.title} (LR {use.lr:g}, {use.rule})")
    if result.exam_tests:
        lines += ["", "EXAMINATION TESTS TO DO NEXT"]
        for test in result.exam_tests[:5]:
            acc = ", ".join(x for x in (f"LR+ {test.lr_positive:g}" if test.lr_positive else "",
                                        f"LR- {test.lr_negative:g}" if test.lr_negative else "") if x)
            lines.append(f"  {test.name} ({test.condition}; {acc or 'accuracy not published'}, {test.basis})")
    lines += _plan_lines(result)
    if result.open_questions:
        lines += ["", "QUESTIONS THAT COULD CHANGE THE RESULT"]
        for q in result.open_questions[:5]:
            lines.append(f"  {q.question}  ({q.why})")
    lines += ["", result.disclaimer]
    return "\n".join(lines)


@click.command("assess")
@engine_option(default="compiled")
@click.argument("form_file", type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "fhir"]), default="text", show_default=True,
              help="fhir: a FHIR R4 Bundle (RiskAssessment, DetectedIssues; docs/interop.md).")
def command(form_file, fmt):
    """Assess one intake form (a JSON object in the intake-form contract, or a FHIR
    QuestionnaireResponse; - for stdin)."""
    try:
        form = parse_any(_read_form(form_file))
    except (FormError, JSONFormError) as error:
        for problem in error.problems:
            click.echo(f"{form_file}: {problem}", err=True)
        raise SystemExit(2)
    result = assess(form)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, default=str))
    elif fmt == "fhir":
        from triage.interop.bundle import assessment_bundle
        click.echo(json.dumps(assessment_bundle(result, load_knowledge()), indent=2))
    else:
        click.echo(render_text(result, load_knowledge()))
