"""The ``--engine`` option every assessing command shares: experta or the compiled rules."""

from __future__ import annotations

import click

from triage import backends

WHY = {
    "compiled": "the default here, for speed: CI proves it gives experta's output on every run",
    "experta": "the default here: the reference engine, as the knowledge base is checked against it",
}


def engine_option(default: str):
    """``--engine experta|compiled``, chosen for the whole command (and its worker processes)."""

    def choose(ctx: click.Context, _param, name: str) -> str:
        previous = backends.chosen()
        backends.use(name)
        ctx.call_on_close(lambda: backends.use(previous))   # a test's next command starts afresh
        return name

    return click.option(
        "--engine", type=click.Choice(backends.ENGINES), default=default, show_default=True,
        expose_value=False, callback=choose,
        help=f"Inference engine: compiled (the rules as plain Python) or experta (the rule engine); "
             f"the same output. {default} is {WHY[default]}.")
