"""The compiled rules give exactly experta's output: the full assessment, serialized.

Every vignette, every rule case, every external case and 10,000 generated forms are assessed
by both backends; the JSON of ``to_dict()`` (differential, red flags, triage with its reasons,
the explanation of every rule, conclusions, open questions, exam tests) must be the same byte
for byte. A difference names the form, the first field that differs and the rules that only
one backend fired.
"""

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from triage.assess import assess
from triage.backends import get_engine
from triage.compiled import CompileError, CompiledEngine
from triage.forms import parse_form
from triage.knowledge import load_knowledge
from triage.lint import lint
from triage.matching import Item, When
from triage.validation import load_cases
from tests.conftest import MINI_KB
from tests.strategies import compact_forms, forms

TESTS = Path(__file__).resolve().parent


def first_difference(a, b, path="") -> str | None:
    """The path of the first value that differs between two JSON-like values, or None."""
    if type(a) is not type(b):
        return f"{path or '(top)'}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for key in list(dict.fromkeys([*a, *b])):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'experta' if key in a else 'compiled'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, (list, tuple)):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None if len(a) == len(b) else f"{path}: {len(a)} items != {len(b)}"
    return None if a == b else f"{path}: {a!r} != {b!r}"


def assert_same(kb, form, name: str) -> None:
    form = parse_form(form) if isinstance(form, dict) else form
    reference = assess(form, kb=kb, engine="experta").to_dict()
    compiled = assess(form, kb=kb, engine="compiled").to_dict()
    if json.dumps(reference) == json.dumps(compiled):
        return
    answers = dict(form.answers)
    one, other = get_engine(kb, "experta").run(answers), get_engine(kb, "compiled").run(answers)
    fired = {f"{ids}": set(getattr(one, ids)) ^ set(getattr(other, ids)) for ids in ("evidence", "red_flags")}
    fired["conclusions"] = set(one.conclusions.items()) ^ set(other.conclusions.items())
    pytest.fail(f"{name}: the backends differ at {first_difference(reference, compiled)}; rules fired by "
                f"only one of them: {({k: sorted(map(str, v)) for k, v in fired.items() if v}) or 'none'}; "
                f"the form: {dict((k, v) for k, v in answers.items() if v is not None)}")


def _rule_cases():
    for path in sorted((TESTS / "rule_cases").glob("*.yml")):
        for case in yaml.safe_load(path.read_text()) or []:
            yield pytest.param(case["form"], id=f"{path.stem}-{case['name']}")


@pytest.mark.parametrize("form", list(_rule_cases()))
def test_every_rule_case(kb, form, request):
    assert_same(kb, form, request.node.callspec.id)


@pytest.mark.parametrize("folder", ["vignettes", "external/dev", "external/test"])
def test_every_vignette_and_external_case(kb, folder):
    cases = load_cases([TESTS / folder], kb)
    assert cases
    for case in cases:
        assert_same(kb, case.form, f"{case.origin} ({case.id})")


def test_another_knowledge_base_compiles_from_its_own_rules(mini_kb):
    for case in _rule_cases():
        form = {k: v for k, v in case.values[0].items() if k in mini_kb.catalogue}
        assert_same(mini_kb, form, case.id)


# 10,000 compact forms (one draw per field, so they are cheap) and some of the richer forms().
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(compact_forms())
def test_ten_thousand_generated_forms(raw):
    assert_same(load_knowledge(), raw, "a generated form")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(forms())
def test_generated_forms_with_every_spelling(raw):
    assert_same(load_knowledge(), raw, "a generated form")


def test_a_cycle_of_conclusions_cannot_be_compiled(kb):
    loop = [r for r in kb.rules if r.kind == "conclusion"][:2]
    a, b = loop[0].concludes, loop[1].concludes
    rules = (replace(loop[0], when=When(all=(Item(concluded=b),))), replace(loop[1], when=When(all=(Item(concluded=a),))))
    cyclic = replace(kb, rules=rules)
    with pytest.raises(CompileError, match="cycle"):
        CompiledEngine(cyclic)
    assert any("in a cycle" in str(p) for p in lint(cyclic))
