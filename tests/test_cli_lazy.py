"""The command line loads only what a command uses, and both engines run behind every command."""

import json
import pkgutil
import shutil
import subprocess
import sys

import click
import pytest
import yaml

from triage import commands
from triage.cli import COMMANDS, cli
from tests.conftest import MINI_KB

FORM = '{"form_id": "L1", "pain_location": "lateral", "onset": "gradual", "aggr_downhill_running": "yes"}'


def test_every_command_module_is_listed_and_every_listed_command_exists():
    modules = {m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_")}
    assert set(COMMANDS) == modules


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_first_paragraph_of_the_command_s_help(name):
    command = cli.get_command(click.Context(cli), name)
    assert COMMANDS[name] == " ".join(command.help.split("\n\n")[0].split())


def _modules_after(args: list[str], stdin: str = "") -> set[str]:
    """The modules a `kneetriage ARGS` run had imported by its end."""
    probe = ("import atexit, sys\n"
             "atexit.register(lambda: sys.__stderr__.write('MODULES ' + ' '.join(sys.modules)))\n"
             f"sys.argv = ['kneetriage', *{args!r}]\n"
             "from triage.cli import main\nmain()\n")
    done = subprocess.run([sys.executable, "-c", probe], input=stdin, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(done.stderr.rsplit("MODULES ", 1)[1].split())


def test_help_imports_no_command_engine_or_template():
    loaded = _modules_after(["--help"])
    assert not {m for m in loaded if m.startswith(("triage.commands.", "experta", "jinja2", "yaml"))}


def test_a_one_form_assess_on_the_compiled_rules_imports_neither_experta_nor_jinja():
    loaded = _modules_after(["assess", "-"], FORM)
    assert "triage.compiled" in loaded
    assert not {m for m in loaded if m.startswith(("experta", "jinja2"))}


@pytest.mark.parametrize("args", [["assess", "-", "--format", "json"], ["score", "-", "--format", "jsonl", "-q"]])
def test_both_engines_give_the_same_output_from_the_command_line(runner, args):
    outputs = {}
    for engine in ("experta", "compiled"):
        result = runner.invoke(cli, [*args, "--engine", engine], input=FORM)
        assert result.exit_code == 0, result.output
        outputs[engine] = json.loads(result.stdout)
    assert outputs["experta"] == outputs["compiled"]
    assert outputs["compiled"]["differential"][0]["supporting"]


def test_an_unknown_engine_is_a_usage_error(runner):
    result = runner.invoke(cli, ["assess", "-", "--engine", "clips"], input=FORM)
    assert result.exit_code == 2 and "clips" in result.output


def test_a_cycle_of_conclusions_is_a_clear_error_on_the_compiled_engine(runner, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(MINI_KB, rules)
    conclusions = yaml.safe_load((rules / "conclusions.yml").read_text())
    first, second = conclusions["rules"][:2]
    first["when"] = {"all": [{"concluded": second["concludes"]}]}
    (rules / "conclusions.yml").write_text(yaml.safe_dump(conclusions))
    form = tmp_path / "form.json"
    form.write_text(FORM)
    result = runner.invoke(cli, ["score", str(form), "--rules", str(rules), "-q", "--format", "csv"])
    assert result.exit_code == 2 and "in a cycle" in result.output
    assert runner.invoke(cli, ["score", str(form), "--rules", str(rules), "-q", "--format", "csv",
                               "--engine", "experta"]).exit_code == 0


def test_triage_assess_is_the_function_whichever_is_imported_first():
    probe = "import triage.assess, triage; assert callable(triage.assess), triage.assess"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0
