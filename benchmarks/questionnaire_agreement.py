"""How many questions `kneetriage ask` needs, and whether it reaches the full form's result.

    python benchmarks/questionnaire_agreement.py            # print the tables
    python benchmarks/questionnaire_agreement.py --write    # refresh them in docs/questionnaire.md
    python benchmarks/questionnaire_agreement.py --each     # one line per vignette as well
    python benchmarks/questionnaire_agreement.py --hint     # how good "about N more" is (slow)

Every vignette in tests/vignettes/*.yml is played through the questionnaire by a script that
answers each question from the vignette's form, and "don't know" where the form has no value
(a checklist line: "no" when the form clears it, "yes" when it reports it, "don't know" when
the form leaves it open). A vignette whose form holds an examination finding is played in
clinician mode (the runner is never asked about the examination). The questionnaire's result is
compared with assess() of the whole form, for the default stop rule and for --quick.

Two sets of forms: the vignettes as written, and the same with the warning-sign screen filled
in, each screen field a vignette leaves blank answered "no" (swelling "none"), which is what a
blank meant when the vignettes were written. The second shows what a runner who has no warning
sign goes through.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.assess import assess  # noqa: E402
from triage.forms import parse_form  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402
from triage.questionnaire import BASICS, NARROWING, RED_FLAGS, SCREEN, Session, checklist_reply, question_reply  # noqa: E402

VIGNETTES = ROOT / "tests" / "vignettes"
DOC = ROOT / "docs" / "questionnaire.md"
START, END = "<!-- questionnaire_agreement: start -->", "<!-- questionnaire_agreement: end -->"


@dataclass(frozen=True)
class Run:
    vignette: str
    clinician: bool
    fields: int          # answered fields in the full form (form_id aside)
    asked: int
    by_checklist: int    # fields the checklists answered at once
    lists: int           # checklists among the questions asked
    level: str
    full_level: str
    top: str | None
    full_top: str | None
    stages: tuple[str, ...]   # the stage of each question asked, in order


def load(path: Path, kb, screened: bool = False):
    """A vignette's form; ``screened``: with the blank screen fields answered "no"."""
    raw = dict(yaml.safe_load(path.read_text(encoding="utf-8"))["form"])
    if screened:
        for name in kb.screen.fields():
            spec = kb.catalogue[name]
            if raw.get(name) is None and spec.type == "yesno":
                raw[name] = "no"
        raw.setdefault("swelling", "none")
    return parse_form(raw)


def play_form(name: str, form, kb, quick: bool) -> Run:
    clinician = any(kb.catalogue[field].is_exam for field in form.answers)
    session = Session(kb, clinician=clinician, quick=quick)
    stages = []
    while (step := session.next_question()) is not None:
        stages.append(step.stage)
        if step.kind == "checklist":
            session.answer(step.key, checklist_reply(kb, step, form.answers))
            continue
        session.answer(step.key, question_reply(kb, step, form.answers))
    result, full = session.result(), assess(form, kb=kb)
    return Run(name, clinician, len(form.answers), session.asked, session.checklist_fields, session.checklists,
               result.triage_level, full.triage_level, result.top_condition, full.top_condition,
               tuple(stages))


def play(path: Path, kb, quick: bool, screened: bool = False) -> Run:
    return play_form(path.stem, load(path, kb, screened), kb, quick)


def _row(label: str, runs: list[Run]) -> str:
    asked = [r.asked for r in runs]
    listed = [r.by_checklist for r in runs]
    # The same dialogue with every checklist line asked as a question of its own.
    alone = [r.asked - r.lists + r.by_checklist for r in runs]
    fields = [r.fields for r in runs]
    level = sum(r.level == r.full_level for r in runs)
    top = sum(r.top == r.full_top for r in runs)
    return (f"| {label} | {len(runs)} | {statistics.median(asked):g} | {max(asked)} | "
            f"{statistics.median(listed):g} | {statistics.median(alone):g} | {max(alone)} | "
            f"{statistics.median(fields):g} | {max(fields)} | {level}/{len(runs)} | {top}/{len(runs)} |")


def _stages(runs: list[Run]) -> list[str]:
    """Where the questions go (default rule), by the full form's triage level: the medians."""
    lines = ["**Where the questions go** (default stop rule, medians per vignette)", "",
             "| full form | n | warning-sign checklist and its follow-ups | other warning signs "
             "| where and how it hurts | narrowing it down |",
             "|---|---|---|---|---|---|"]
    groups: dict[str, list[Run]] = {}
    for run in runs:
        label = "self_care" if run.full_level == "self_care" else "referred (any other level)"
        groups.setdefault(label, []).append(run)
    for label, group in sorted(groups.items(), reverse=True):
        counts = [statistics.median([r.stages.count(stage) for r in group])
                  for stage in (SCREEN, RED_FLAGS, BASICS, NARROWING)]
        lines.append(f"| {label} | {len(group)} | " + " | ".join(f"{c:g}" for c in counts) + " |")
    return lines + [""]


def tables(kb) -> str:
    paths = sorted(VIGNETTES.glob("*.yml"))
    lines = []
    stage_table = []
    for title, quick, screened in (("Vignettes as written, default stop rule", False, False),
                                   ("Vignettes as written, `--quick`", True, False),
                                   ("Warning-sign screen filled in (blank = no), default stop rule", False, True)):
        runs = [play(path, kb, quick, screened) for path in paths]
        lines += [f"**{title}**", "",
                  "| vignettes | n | questions asked, median | max | answered by the checklists, median "
                  "| one by one, median | max | fields in the full form, median | max "
                  "| triage level agrees | top condition agrees |",
                  "|---|---|---|---|---|---|---|---|---|---|---|",
                  _row("all", runs),
                  _row("runner (history only)", [r for r in runs if not r.clinician]),
                  _row("clinician (with examination)", [r for r in runs if r.clinician])]
        by_level = {}
        for run in runs:
            by_level.setdefault(run.full_level, []).append(run)
        for level in kb.levels:
            if level.id in by_level:
                lines.append(_row(f"full form: {level.id}", by_level[level.id]))
        if screened:
            stage_table = _stages(runs)
        misses = [r for r in runs if r.top != r.full_top]
        if misses:
            listed = "; ".join(f"`{r.vignette}` ({r.top or 'none named'} instead of {r.full_top or 'none named'})"
                               for r in misses)
            lines += ["", f"Top condition differs: {listed}."]
        lines.append("")
    lines += [line.replace("(default stop rule,", "(screen filled in, default stop rule,")
              for line in stage_table]
    lines.append(f"Knowledge base {kb.version}, {len(paths)} vignettes.")
    return "\n".join(lines)


def each(kb) -> str:
    out = ["| vignette | mode | fields | asked (default) | asked (--quick) | asked (screen filled) "
           "| level | top (default / quick / full) |",
           "|---|---|---|---|---|---|---|---|"]
    for path in sorted(VIGNETTES.glob("*.yml")):
        strict, quick, filled = play(path, kb, False), play(path, kb, True), play(path, kb, False, True)
        out.append(f"| {path.stem} | {'clinician' if strict.clinician else 'runner'} | {strict.fields} | "
                   f"{strict.asked} | {quick.asked} | {filled.asked} ({filled.full_level}) | {strict.full_level} | "
                   f"{strict.top} / {quick.top} / {strict.full_top} |")
    return "\n".join(out)


def hint_error(kb) -> str:
    """Compare the progress hint ("about N more") with the questions really left, at every step."""
    errors: list[int] = []
    last_three: list[int] = []
    for path in sorted(VIGNETTES.glob("*.yml")):
        form = parse_form(yaml.safe_load(path.read_text(encoding="utf-8"))["form"])
        session = Session(kb, clinician=any(kb.catalogue[n].is_exam for n in form.answers))
        hints = []
        while (step := session.next_question()) is not None:
            hints.append(session.estimate_remaining("no"))   # as `kneetriage ask` shows it
            if step.kind == "checklist":
                session.answer(step.key, checklist_reply(kb, step, form.answers))
                continue
            session.answer(step.key, question_reply(kb, step, form.answers))
        for step, hint in enumerate(hints):
            actual = len(hints) - step
            errors.append(hint - actual)
            if actual <= 3:
                last_three.append(hint - actual)
    mean_abs = statistics.mean(abs(e) for e in errors)
    return (f"Progress hint over {len(errors)} questions: mean absolute error {mean_abs:.1f} questions, "
            f"mean signed error {statistics.mean(errors):+.1f} (positive: the hint says more than are left); "
            f"in the last 3 questions of a session, mean absolute error "
            f"{statistics.mean(abs(e) for e in last_three):.1f}.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace the figures in {DOC.relative_to(ROOT)}")
    parser.add_argument("--each", action="store_true", help="also print one line per vignette")
    parser.add_argument("--hint", action="store_true", help="also measure the progress hint (about a minute)")
    args = parser.parse_args(argv)
    kb = load_knowledge()
    text = tables(kb)
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        if START not in doc or END not in doc:
            print(f"{DOC}: the markers {START} and {END} are missing", file=sys.stderr)
            return 1
        before, rest = doc.split(START, 1)
        after = rest.split(END, 1)[1]
        DOC.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
        print(f"updated {DOC.relative_to(ROOT)}")
    else:
        print(text)
    if args.each:
        print()
        print(each(kb))
    if args.hint:
        print()
        print(hint_error(kb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
