"""``kneetriage fhir``: the FHIR R4 Questionnaire of the intake form, and our CodeSystems."""

from __future__ import annotations

import json

import click

from triage.atomic import AtomicFile
from triage.knowledge import KnowledgeError, load_knowledge

OUTPUT = click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
                      type=click.Path(dir_okay=False, allow_dash=True), help="Where to write it (- is standard output).")
RULES = click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
                     help="Use the knowledge base in this folder instead of the installed one.")


def write_json(document: dict, output: str) -> None:
    write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", output)


def write_text(text: str, output: str) -> None:
    """Write to standard output (-) or atomically to a file, with a clear error if it cannot."""
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        with AtomicFile(output, binary=True) as out:
            out.write(text.encode("utf-8"))
    except OSError as error:
        raise click.ClickException(f"{output}: cannot be written ({error.strerror})") from None
    click.echo(f"wrote {output}", err=True)


def knowledge(rules_dir):
    try:
        return load_knowledge(rules_dir)
    except KnowledgeError as error:
        raise click.UsageError(f"the knowledge base does not load: {error}") from None


def generate(build, kb):
    """``build(kb)``, with a knowledge base the format cannot express reported, not raised."""
    from triage.interop.layout import InteropError

    try:
        return build(kb)
    except InteropError as error:
        raise click.ClickException(str(error)) from None


@click.group("fhir")
def command():
    """FHIR R4 resources generated from the knowledge base (docs/interop.md).

    Assess a QuestionnaireResponse with `kneetriage assess`, `score` or `report`; write
    assessments as FHIR Bundles with `--format fhir`.
    """


@command.command("questionnaire")
@OUTPUT
@RULES
def questionnaire(output, rules_dir):
    """Write the intake form as an R4 Questionnaire (from rules/fields.yml)."""
    from triage.interop.questionnaire import build_questionnaire

    write_json(generate(build_questionnaire, knowledge(rules_dir)), output)


@command.command("codesystem")
@OUTPUT
@RULES
def codesystem(output, rules_dir):
    """Write our CodeSystems (answers, conditions, red flags, triage levels) as a Bundle."""
    from triage.interop.questionnaire import code_system_bundle

    write_json(generate(code_system_bundle, knowledge(rules_dir)), output)
