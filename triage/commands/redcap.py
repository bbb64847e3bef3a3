"""``kneetriage redcap``: the intake instrument as a REDCap data dictionary."""

from __future__ import annotations

import click

from triage.atomic import AtomicFile
from triage.commands.fhir import OUTPUT, RULES, generate, knowledge


@click.group("redcap")
def command():
    """REDCap instruments generated from the knowledge base (docs/interop.md).

    Score a REDCap export of the instrument (raw codes or labels) with `kneetriage score`.
    """


@command.command("dictionary")
@OUTPUT
@RULES
def dictionary(output, rules_dir):
    """Write the intake instrument as a REDCap data dictionary (CSV, REDCap's 18 columns)."""
    from triage.interop.redcap import dictionary_csv

    text = generate(dictionary_csv, knowledge(rules_dir))
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        with AtomicFile(output, binary=True) as out:
            out.write(text.encode("utf-8"))
    except OSError as error:
        raise click.ClickException(f"{output}: cannot be written ({error.strerror})") from None
    click.echo(f"wrote {output}", err=True)
