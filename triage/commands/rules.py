"""``kneetriage rules``: list, show and check the knowledge base; list the form's fields."""

from __future__ import annotations

import sys

import click

from triage.knowledge import KnowledgeError, load_knowledge
from triage.lint import lint


def _kb(rules_dir):
    try:
        return load_knowledge(rules_dir)
    except KnowledgeError as error:
        raise click.ClickException(f"the knowledge base does not load: {error}") from None


def _consequence(kb, rule) -> str:
    if rule.kind == "conclusion":
        return f"concludes {rule.concludes}"
    if rule.kind == "evidence":
        return f"{rule.direction} {rule.condition}, LR {rule.lr:g} ({rule.strength}, {rule.basis})"
    return f"red flag {rule.flag} at {rule.level}"


rules_dir_option = click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
                                help="Use the knowledge base in this folder instead of the installed one.")


@click.group("rules")
def command():
    """List, show and check the rules of the knowledge base, and the fields of a form."""


@command.command("list")
@rules_dir_option
@click.option("--kind", type=click.Choice(["conclusion", "evidence", "red_flag"]), help="Only rules of this kind.")
def list_rules(rules_dir, kind):
    """One line per rule: id, what it concludes, title."""
    kb = _kb(rules_dir)
    for rule in kb.rules:
        if kind and rule.kind != kind:
            continue
        click.echo(f"{rule.id:<28} {_consequence(kb, rule):<58} {rule.title}")


@command.command("fields")
@rules_dir_option
def list_fields(rules_dir):
    """The fields of an intake form: name, group, accepted values and the question it answers."""
    kb = _kb(rules_dir)
    for spec in kb.catalogue.answerable():
        click.echo(f"{spec.name:<34} {spec.group:<9} {spec.accepted()}")
        click.echo(f"{'':<34} {'':<9} {spec.clinician}: {spec.patient}")


@command.command("show")
@rules_dir_option
@click.argument("rule_id")
def show_rule(rules_dir, rule_id):
    """Everything about one rule, in words a clinician can review."""
    kb = _kb(rules_dir)
    matches = [r for r in kb.rules if r.id.lower() == rule_id.lower()]
    if not matches:
        from difflib import get_close_matches

        near = get_close_matches(rule_id.upper(), [r.id for r in kb.rules], n=3)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise click.ClickException(f"no rule {rule_id!r}.{hint}")
    rule = matches[0]
    cat = kb.catalogue
    click.echo(f"{rule.id}: {rule.title}")
    click.echo(f"  file:       rules/{rule.source_file}")
    click.echo(f"  concludes:  {_consequence(kb, rule)}")
    for label, items in (("all of", rule.when.all), ("any of", rule.when.any), ("none of", rule.when.none)):
        if items:
            click.echo(f"  {label}:")
            for item in items:
                click.echo(f"    - {item.describe(cat)}")
    click.echo("  why:        " + rule.explanation)
    for key in rule.cite:
        ref = kb.references.get(key, {})
        where = "; ".join(ref.get("where", []))
        click.echo(f"  source:     [{key}] {ref.get('title', '(missing)')}" + (f" ({where})" if where else ""))


@command.command("lint")
@rules_dir_option
def lint_rules(rules_dir):
    """Check ids, explanations, citations, reachability and safety; exit 1 on any problem."""
    kb = _kb(rules_dir)
    problems = lint(kb)
    for problem in problems:
        click.echo(str(problem), err=True)
    counts = {k: len(kb.rules_of(k)) for k in ("conclusion", "evidence", "red_flag")}
    summary = (f"{len(kb.rules)} rules ({counts['conclusion']} conclusions, {counts['evidence']} evidence, "
               f"{counts['red_flag']} red flag), {len(kb.conditions)} conditions, {len(kb.flags)} red flags")
    if problems:
        click.echo(f"{len(problems)} problem(s) in {summary}", err=True)
        sys.exit(1)
    click.echo(f"ok: {summary}")
