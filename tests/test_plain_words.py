"""What the runner reads is in plain words: the patient report and the runner's wording of every
plan, with no clinical shorthand (the clinician's wording keeps the terms). The questions and
answers come from rules/fields.yml and are checked with the questionnaire, not here."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
import yaml

from tests.test_report import SCREEN_CLEARED, context, vignette
from triage.report import md_escape, render
from triage.report_context import AnswerView, FindingView, QuestionView, Reference

ROOT = Path(__file__).resolve().parents[1]
# Terms a runner should not meet unexplained. Case matters for the abbreviations.
JARGON = re.compile("|".join([
    r"haemoptysis", r"hemoptysis", r"rigors", r"extensor lag", r"JOSPT", r"\bLR[+-]?(?![A-Za-z])", r"apophysitis",
    r"Ottawa", r"aspirat", r"P\.O\.L\.I\.C\.E", r"NSAID", r"orthos[ie]s", r"effusion", r"haemarthrosis",
    r"valgus", r"\bPFPS\b", r"\bITBS\b", r"\bTFL\b", r"\bCPG\b", r"proximal", r"distal", r"bilateral",
    r"palpat", r"prosthe", r"immunosupp", r"neurovascular", r"epiphys", r"radiograph", r"pleuritic",
    r"intra-articular", r"pathology", r"contralateral",
]), re.IGNORECASE)
ABBREVIATIONS = {"lr", "pfps", "itbs", "tfl", "cpg", "lr+", "lr-"}
# Written from fields.yml (the questionnaire's wording) or bibliographic: not report prose.
NOT_PROSE = (FindingView, AnswerView, QuestionView, Reference)


def jargon(text: str) -> list[str]:
    found = []
    for match in JARGON.finditer(text):
        word = match.group(0)
        if word.lower() in ABBREVIATIONS and word != word.upper():
            continue   # "lr" inside a word is not the abbreviation; abbreviations are capitals
        found.append(word)
    return found


def quoted(value):
    """Strings of a context that quote the questionnaire (fields.yml) or a source's title."""
    if isinstance(value, NOT_PROSE):
        yield from (getattr(value, f.name) for f in fields(value) if isinstance(getattr(value, f.name), str))
    elif is_dataclass(value):
        for f in fields(value):
            yield from quoted(getattr(value, f.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from quoted(item)


def written_by_the_report(ctx) -> str:
    """The patient report as the runner reads it (Markdown), less what it quotes."""
    text = render(ctx, "md")
    for quote in sorted(set(quoted(ctx)) | {ctx.form_id}, key=len, reverse=True):
        if quote:
            text = text.replace(md_escape(quote), " ")
    return text.split("\n## Sources")[0]


def runner_strings():
    """The runner's wording of every plan and of the shared advice, as written in rules/management/."""
    for path in sorted((ROOT / "rules" / "management").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, title in (doc.get("patient_section_titles") or {}).items():
            yield f"{path.name}: patient_section_titles.{key}", title
        if doc.get("patient_title"):
            yield f"{path.name}: patient_title", doc["patient_title"]

        def walk(node, where):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("patient", "patient_title", "name", "dose", "cue", "run", "note") and isinstance(value, str):
                        yield f"{where}.{key}", value
                    else:
                        yield from walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for i, item in enumerate(node):
                    yield from walk(item, f"{where}[{i}]")

        yield from walk(doc.get("sections"), path.name)
        yield from walk(doc.get("caveat"), f"{path.name}: caveat")


def test_the_runners_wording_of_every_plan_is_plain():
    strings = list(runner_strings())
    assert len(strings) > 200
    found = [(where, jargon(text)) for where, text in strings if jargon(text)]
    assert found == []


def test_the_clinicians_wording_keeps_the_terms():
    ctx = context({**SCREEN_CLEARED, **vignette("pfps_typical_female_road_runner")}, "clinician", detail="full")
    titles = [s.title for s in ctx.plan.sections]
    assert "Protect and load (P.O.L.I.C.E. / relative rest)" in titles and "Footwear and orthoses" in titles


VIGNETTES = sorted(p.stem for p in (ROOT / "tests" / "vignettes").glob("*.yml"))


@pytest.mark.parametrize("name", VIGNETTES)
def test_the_patient_report_is_in_plain_words(name):
    form = yaml.safe_load((ROOT / "tests" / "vignettes" / f"{name}.yml").read_text(encoding="utf-8"))["form"]
    found = []
    for variant in (form, {**SCREEN_CLEARED, **form}):   # as given, and with the screen answered
        text = written_by_the_report(context(variant, "patient", detail="full"))
        found += [(term, text[max(0, m.start() - 60):m.end() + 40]) for m in JARGON.finditer(text)
                  for term in jargon(m.group(0))]
    assert found == []
