"""``kneetriage redcap``: the intake instrument as a REDCap data dictionary."""

from __future__ import annotations

import click

from triage.commands.fhir import OUTPUT, RULES, generate, knowledge, write_text


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

    write_text(generate(dictionary_csv, knowledge(rules_dir)), output)
