"""The ``kneetriage`` command. Each subcommand lives in triage/commands/<name>.py and is
imported only when it runs, so ``kneetriage --help`` and ``kneetriage score`` do not pay for
the other commands, the rule engine or the report templates."""

from __future__ import annotations

import importlib

import click

import triage
from triage.exits import guarded

# One line per subcommand: its name and the summary `kneetriage --help` lists (the first
# paragraph of its docstring, which tests/test_cli.py checks). Listing them here is what
# spares `--help` from importing every command to read its docstring.
COMMANDS = {
    "ask": "Answer questions about a knee and get an explained triage.",
    "assess": "Assess one intake form (a JSON object in the intake-form contract, or a FHIR QuestionnaireResponse; - for stdin).",
    "fhir": "FHIR R4 resources generated from the knowledge base (docs/interop.md).",
    "redcap": "REDCap instruments generated from the knowledge base (docs/interop.md).",
    "report": "Write the report of one intake form, or of every form in a batch.",
    "rules": "List, show and check the rules of the knowledge base, and the fields of a form.",
    "score": "Score intake forms in bulk: every input row gives one output row, in input order.",
    "serve": "Serve the web questionnaire and the JSON API (/api/v1).",
    "validate": "Measure accuracy and triage safety on cases whose answer is known.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"triage.commands.{name}").command

    def format_commands(self, ctx, formatter):
        # click.Group.format_commands, with each summary from COMMANDS instead of the module.
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.Command(name, help=COMMANDS[name]).get_short_help_str(limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        # Every subcommand runs guarded: a distinct exit status for each way it can end, never
        # a traceback (triage/exits.py).
        with guarded():
            return super().invoke(ctx)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(triage.__version__, prog_name="kneetriage")
@click.pass_context
def cli(ctx):
    """Explainable triage of knee pain in runners.

    It supports, and does not replace, the judgement of a clinician.
    """
    if ctx.invoked_subcommand is None:      # plain `kneetriage`: the help, and success
        click.echo(ctx.get_help())


def main():  # the console script
    cli(prog_name="kneetriage")
