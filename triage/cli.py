"""The ``kneetriage`` command. Each subcommand lives in triage/commands/<name>.py and is
imported only when used, so ``kneetriage score`` does not pay for the report templates."""

from __future__ import annotations

import importlib
import pkgutil

import click

import triage
from triage import commands
from triage.exits import guarded


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))

    def get_command(self, ctx, name):
        if name not in self.list_commands(ctx):
            return None
        return importlib.import_module(f"triage.commands.{name}").command

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
