"""The questionnaire speaks to runners in plain words, and asks yes/no questions the positive way.

Clinical terms belong to the clinician's wording (``clinician`` in rules/fields.yml, ``title`` in
rules/screen.yml); what a runner reads (the questions, their help, the checklist lines, why we
ask, the questionnaire's own words) says the same thing plainly.
"""

import ast
import json
import re
from pathlib import Path

import pytest

from triage.cli import cli
from triage.dialogue.why import _describe
from triage.questionnaire import Session

ROOT = Path(__file__).resolve().parents[1]
# Clinical words a runner should not meet unexplained. Acronyms are matched as written.
JARGON = ["haemoptysis", "hemoptysis", "rigors", "extensor lag", "apophysitis", "Ottawa", "aspirat",
          "P.O.L.I.C.E", "haemarthrosis", "effusion", "paraesthesia", "cyanos", "immunosuppress",
          "thromboembolism", "claudication", "patellofemoral", "tibiofemoral", "femoral", "condyle",
          "meniscal", "proximal", "distal", "palpat", "valgus", "varus", "plica", "patellar",
          "hyperextension", "flexion", "eccentric", "isometric", "quadriceps", "prosthetic", "post-partum",
          "epiphysis", "Osgood", "Hoffa", "systemic", "neurovascular", "ischaemi", "sciatica"]
ACRONYMS = ["JOSPT", "LR", "NRS", "VTE", "DVT", "PE", "ACL", "MCL", "SCFE", "MPP", "ITB", "PFPS", "NICE"]
NEGATIONS = re.compile(r"\b(unable|cannot|can't|not|no|never|nor|n't)\b", re.I)


def jargon_in(text):
    found = [term for term in JARGON if term.lower() in text.lower()]
    return found + [a for a in ACRONYMS if re.search(rf"(?<![\w.]){re.escape(a)}(?![\w])", text)]


def _strings_of(path):
    """The string constants of a module that are not docstrings: the words it shows."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def patient_strings(kb):
    """Every string the questionnaire may show a runner, with where it comes from."""
    out = []
    for spec in kb.catalogue.answerable():
        if spec.is_exam:                     # examination findings are asked only of a clinician
            continue
        out += [(f"fields.yml {spec.name}.{key}", getattr(spec, key))
                for key in ("patient", "positive_question", "help") if getattr(spec, key)]
        out += [(f"fields.yml {spec.name}.value_labels", label) for label in spec.value_labels.values()]
    for item in kb.screen.items + kb.screen.history:
        out.append((f"screen.yml {item.id}.patient", item.patient))
    for rule in kb.rules:
        if rule.kind != "conclusion":
            out.append((f"why we ask {rule.id}", _describe(kb, rule).points_to))
    for module in ("triage/commands/ask.py", "triage/dialogue/checklists.py", "triage/dialogue/steps.py"):
        out += [(module, text) for text in _strings_of(ROOT / module)]
    return out


def test_no_patient_facing_questionnaire_text_uses_clinical_jargon(kb):
    found = [(where, text, jargon_in(text)) for where, text in patient_strings(kb) if jargon_in(text)]
    assert not found, "\n".join(f"{w}: {terms}: {t}" for w, t, terms in found)


def test_the_clinician_keeps_the_clinical_terms(kb):
    assert "extensor lag" in kb.catalogue["cannot_straight_leg_raise"].clinician
    assert "haemoptysis" in kb.catalogue["breathless_or_chest_pain"].clinician
    assert "rigors" in kb.screen.item("fever").title.lower()


def test_yes_no_questions_have_no_double_negative(kb):
    asked = [(spec.name, spec.question) for spec in kb.catalogue.answerable()
             if spec.type == "yesno" and not spec.is_exam]
    negative = [(name, text) for name, text in asked if NEGATIONS.search(text)]
    assert not negative
    for name in ("unable_to_bear_weight", "cannot_straight_leg_raise"):
        assert kb.catalogue[name].question.startswith(("Can you", "Lying on your back, can you"))


@pytest.mark.parametrize("name", ["unable_to_bear_weight", "cannot_straight_leg_raise"])
@pytest.mark.parametrize("typed, stored", [("yes", "no"), ("1", "no"), ("y", "no"), ("no", "yes"), ("2", "yes"),
                                           ("u", None), ("don't know", None)])
def test_a_yes_to_the_positive_question_stores_the_contracts_no(kb, name, typed, stored):
    session = Session(kb)
    assert session.answer(name, typed) == stored
    assert session.answers.get(name) == stored and (stored is not None or name in session.unknown)
    question = session._question(name, "red_flags")
    assert question.text == kb.catalogue[name].positive_question
    assert [c.value for c in question.choices] == ["yes", "no"]


def test_the_summary_and_a_change_show_the_answer_to_the_question_asked(kb):
    session = Session(kb)
    session.answer("unable_to_bear_weight", "yes")              # yes, I can take four steps
    rows = {name: (text, answer) for name, text, answer in session.summary()}
    assert rows["unable_to_bear_weight"] == ("Can you take four steps on the leg?", "yes")
    findings = {name: (text, answer) for name, text, answer in session.findings()}
    assert findings["unable_to_bear_weight"] == ("Unable to bear weight (4 steps)", "no")
    session.reopen("unable_to_bear_weight")
    assert session.next_question().previous == "yes"


def test_the_positive_question_round_trips_through_save(runner, tmp_path):
    saved = tmp_path / "knee.json"
    # The checklist first ("u": don't know for every line), then q and save.
    session = Session()
    step = session.next_question()
    assert step.kind == "checklist"
    session.answer(step.key, "none")
    session.reopen("unable_to_bear_weight")
    assert session.next_question().text == "Can you take four steps on the leg?"
    session.answer("unable_to_bear_weight", "no")              # no, I cannot
    saved.write_text(json.dumps(session.to_contract()))
    assert json.loads(saved.read_text())["unable_to_bear_weight"] == "yes"
    resumed = Session.from_contract(json.loads(saved.read_text()))
    assert resumed.answers["unable_to_bear_weight"] == "yes"
    assert dict((n, a) for n, _t, a in resumed.summary())["unable_to_bear_weight"] == "no"
    # And through the terminal: the saved form is read back, and assess sees the emergency.
    assessed = json.loads(runner.invoke(cli, ["assess", str(saved), "--format", "json"]).output)
    assert "unable_to_bear_weight" in assessed["red_flags"] and assessed["triage_level"] == "emergency"


def test_a_field_asked_the_positive_way_is_never_a_line_of_a_checklist(kb):
    # "Do any of these apply? ... Are you unable to ...": a "no" there is the double negative.
    from tests.test_questionnaire import ITBS, VIGNETTES, _reply, vignette_form

    forms = [ITBS] + [vignette_form(path).answers for path in VIGNETTES[::6]]
    for answers in forms:
        for clinician in (False, True):
            session = Session(kb, clinician=clinician)
            while (step := session.next_question()) is not None:
                if step.kind == "checklist" and step.key != "screen":
                    assert not [i.id for i in step.items if kb.catalogue[i.fields[0]].positive_question]
                session.answer(step.key, _reply(session, step, answers, "no"))
