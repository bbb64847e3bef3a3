"""The report context: what a report template may use, field by field.

Every field says what it holds: docs/report-context.md is generated from the help here
(scripts/regen_golden.py), and tests/test_report.py checks that none lacks it. The views are
built by triage/reportviews/ and rendered by triage/report.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


def _help(text: str, **kwargs) -> Any:
    return field(metadata={"help": text}, **kwargs)


@dataclass(frozen=True)
class Reference:
    number: int = _help("Its number in this report, in order of first citation (1, 2, ...).")
    key: str = _help("The citation key in rules/references.yml (e.g. S4).")
    title: str = _help("Author, title and year of the source, or a note that the key is missing.")
    where: tuple[str, ...] = _help("Where to read it: addresses or stored files.")


@dataclass(frozen=True)
class FindingView:
    field: str = _help("The intake-form field.")
    text: str = _help("The answer in the reader's wording (clinician: 'Onset: gradually, ...'; "
                      "patient: the question and the answer).")


@dataclass(frozen=True)
class RuleView:
    id: str = _help("The rule id (kneetriage rules show ID prints the rule).")
    title: str = _help("The rule's one-line title.")
    explanation: str = _help("Why the rule holds, for a clinician, from the rule file.")
    findings: tuple[FindingView, ...] = _help("The answers the rule rested on.")
    lr: str = _help("The likelihood ratio as text (e.g. '3' or '0.33'), or '' for a red-flag rule.")
    basis: str = _help("published (from a diagnostic-accuracy study) or estimated; '' for red flags.")
    strength: str = _help("weak, moderate or strong (from the size of ln LR); '' for red flags.")
    refs: tuple[int, ...] = _help("Numbers of its sources in `references`.")


@dataclass(frozen=True)
class ReasonView:
    text: str = _help("One reason for the triage level, in the reader's wording.")
    level: str = _help("The triage level this reason calls for.")
    level_label: str = _help("That level in words.")
    rules: tuple[str, ...] = _help("Ids of the rules behind it; empty for a policy reason.")
    refs: tuple[int, ...] = _help("Numbers of its sources in `references`.")


@dataclass(frozen=True)
class TriageView:
    level: str = _help("The triage level id (emergency_ambulance ... self_care).")
    label: str = _help("The level in words (rules/triage.yml).")
    timeframe: str = _help("How soon (rules/triage.yml).")
    action: str = _help("What to do, addressed to the runner (rules/triage.yml).")
    urgent: bool = _help("True when the level is more urgent than a routine consultation.")
    reasons: tuple[ReasonView, ...] = _help("Every reason for the level, most urgent first.")


@dataclass(frozen=True)
class FlagView:
    id: str = _help("The red-flag id.")
    title: str = _help("The flag's title (patient: its patient_title).")
    level: str = _help("The triage level it calls for.")
    level_label: str = _help("That level in words.")
    advice: str = _help("What to do (clinician: the flag's advice; patient: the level's action).")
    rules: tuple[RuleView, ...] = _help("The red-flag rules that fired, with the findings that raised it.")
    findings: tuple[FindingView, ...] = _help("The answers that raised it, once each (all its rules together).")
    refs: tuple[int, ...] = _help("Numbers of the flag's sources in `references`.")
    covered: str = _help("When a more urgent instruction applies: a sentence saying to follow it first; else ''.")


@dataclass(frozen=True)
class ScreenView:
    complete: bool = _help("True when every warning sign was answered and the form says where, how and what provokes it.")
    total: int = _help("How many warning signs the screen has (rules/screen.yml).")
    checked: tuple[str, ...] = _help("Warning signs that were answered (reader's wording).")
    not_asked: tuple[str, ...] = _help("Warning signs that were not answered, which is not a no (reader's wording).")
    history_missing: tuple[str, ...] = _help("Of where it hurts, how it started and what provokes it, what the form does not say.")
    summary: str = _help("One sentence: what was checked and what was not; never 'none found' for what was not asked.")
    flags_line: str = _help("The red flags raised, or, with none, what that 'none' covers (checked or not).")


@dataclass(frozen=True)
class ConditionView:
    id: str = _help("The condition id (pfps, itbs, ...).")
    title: str = _help("Its name (patient: its patient_title).")
    rank: int = _help("1 for the best fit.")
    percent: int = _help("Posterior probability, 0-100.")
    estimated: bool = _help("True when most of the evidence behind the score is estimated, not published.")
    shown: str = _help("The score as the report shows it: '87%', or its band ('likely', 'possible', "
                       "'unlikely') with 'estimate' when most of the evidence is estimated.")
    prior_note: str = _help("Clinician: the prior for this runner and its population factors, and any capped "
                            "evidence group; '' for patients.")
    status: str = _help("likely, suspected, possible or unlikely (thresholds in rules/triage.yml).")
    summary: str = _help("A one-paragraph description from the condition file (clinician only; '' for patients).")
    supporting: tuple[RuleView, ...] = _help("Evidence rules that fired for it.")
    opposing: tuple[RuleView, ...] = _help("Evidence rules that fired against it.")
    findings_for: tuple[FindingView, ...] = _help("The answers behind `supporting`, once each.")
    findings_against: tuple[FindingView, ...] = _help("The answers behind `opposing`, once each.")


@dataclass(frozen=True)
class ExamView:
    name: str = _help("The examination test.")
    condition: str = _help("The condition it would confirm or exclude (title).")
    lr_positive: str = _help("LR+ as text, or '' when no rule gives one.")
    lr_negative: str = _help("LR- as text, or '' when no rule gives one.")
    basis: str = _help("published, estimated or mixed.")
    rules: tuple[str, ...] = _help("Ids of the rules that use the test.")
    refs: tuple[int, ...] = _help("Numbers of its sources in `references`.")


@dataclass(frozen=True)
class QuestionView:
    field: str = _help("The unanswered field.")
    question: str = _help("The question as the runner is asked it.")
    finding: str = _help("The finding as a clinician names it.")
    exam: bool = _help("True for an examination finding (never shown to patients).")
    why: str = _help("The rules (titles) that are waiting on this answer.")
    rules: tuple[str, ...] = _help("Their ids.")


@dataclass(frozen=True)
class PointView:
    text: str = _help("The advice in the reader's wording (from rules/management/).")
    evidence: str = _help("Strength of the best source: guideline, review, trial, case_report, expert_opinion or blog.")
    refs: tuple[int, ...] = _help("Numbers of its sources in `references`.")
    level: str = _help("For safety-netting and referral advice: the triage level it calls for; else ''.")
    level_label: str = _help("That level in words, or ''.")


@dataclass(frozen=True)
class ExerciseView:
    name: str = _help("The exercise.")
    dose: str = _help("Sets, repetitions, hold and frequency: as the source gives them, or a usual starting dose "
                      "from a guideline where it gives none.")
    cue: str = _help("How to do it, in plain words.")
    evidence: str = _help("Strength of the source.")
    refs: tuple[int, ...] = _help("Numbers of its sources in `references`.")
    dose_refs: tuple[int, ...] = _help("Numbers of the dose's sources when they are not the exercise's own; else ().",
                                       default=())


@dataclass(frozen=True)
class StageView:
    week: int = _help("Week of the return-to-running programme.")
    run: str = _help("What to run that week.")
    note: str = _help("A note for that week, or ''.")


@dataclass(frozen=True)
class PlanSection:
    id: str = _help("The section id (load_modification, exercises, return_to_running, ...).")
    title: str = _help("Its heading (patient: its patient_title, or that of common.yml's patient_section_titles).")
    points: tuple[PointView, ...] = _help("The advice points.")
    exercises: tuple[ExerciseView, ...] = _help("Structured exercises (the exercises section).")
    gap: str = _help("What the sources do not cover, or ''.")
    entry_criteria: tuple[PointView, ...] = _help("return_to_running: when running may start.")
    stages: tuple[StageView, ...] = _help("return_to_running: the weekly stages.")
    progress_rule: PointView | None = _help("return_to_running: when to move up a stage.")
    step_back_rule: PointView | None = _help("return_to_running: when to step back.")
    notes: tuple[PointView, ...] = _help("Further notes.")
    provenance: str = _help("Where the staged programme comes from and how far to trust it (clinician, full detail only).")


@dataclass(frozen=True)
class PlanView:
    mode: str = _help("self_management, offload_and_image, referral or none (docs/report.md says when).")
    condition: str = _help("The condition whose plan (or, in referral, whose offloading advice) is shown, or ''.")
    title: str = _help("That condition's name in the reader's wording, or ''.")
    replaces: str = _help("offload_and_image: the leading condition whose running plan it replaces, or ''.")
    caveat: PointView | None = _help("A warning that heads the plan, from its file.")
    referral: tuple[PointView, ...] = _help("referral: the common referral advice and the advice for this level.")
    sections: tuple[PlanSection, ...] = _help("The plan's sections in reading order (referral: only the offloading and "
                                              "imaging sections of a suspected stress fracture, else none).")
    omitted: tuple[str, ...] = _help("detail short: titles of the plan's sections left for the full report; else ().",
                                     default=())


@dataclass(frozen=True)
class AnswerView:
    field: str = _help("The field.")
    label: str = _help("The field in the reader's wording.")
    answer: str = _help("The answer in words.")
    group: str = _help("The catalogue group (context, history, pain, aggravators, symptoms, exam).")


@dataclass(frozen=True)
class ReportContext:
    """Everything a report template may use; nothing else is passed to templates."""

    audience: str = _help("clinician or patient.")
    form_id: str = _help("The form's id as given (escaped by the templates), or '' when the form has none.")
    report_date: str = _help("The date printed on the report (ISO 8601), fixed by --date for reproducible output.")
    kb_version: str = _help("Content hash of the knowledge base that made the assessment.")
    tool_version: str = _help("The kneetriage version.")
    disclaimer: str = _help("The disclaimer every report carries.")
    outcome: str = _help("likely, suspected (a must-not-miss condition leads), no_clear_fit, "
                         "insufficient_information or other_cause (a red flag names another cause).")
    outcome_text: str = _help("The outcome in words (patients: conditions named by their patient titles).")
    triage: TriageView = _help("The triage banner: level, timeframe, action and every reason.")
    red_flags: tuple[FlagView, ...] = _help("Red flags that fired, most urgent first.")
    screen: ScreenView = _help("The warning-sign screen: what was checked and what was not asked.")
    leading: ConditionView | None = _help("The condition named (likely or suspected), or None when none is named.")
    leading_label: str = _help("The leading condition and its score in words, or why none is named, in a few words.")
    differential: tuple[ConditionView, ...] = _help("Every condition, best fit first (patients: those not unlikely).")
    exam_tests: tuple[ExamView, ...] = _help("Examination tests still to do, most useful first (empty for patients).")
    open_questions: tuple[QuestionView, ...] = _help(
        "Unanswered questions that could change the result (patients: no exam findings).")
    plan: PlanView = _help("The management plan or the referral advice that replaces it.")
    safety_netting_title: str = _help("Heading of the safety-netting section.")
    safety_netting: tuple[PointView, ...] = _help("When to seek care sooner, most urgent first.")
    answers: tuple[AnswerView, ...] = _help("The answers on the form, in catalogue order.")
    references: tuple[Reference, ...] = _help("The sources cited in this report, numbered in order of first citation.")
    detail: str = _help("short (what kneetriage report writes by default: the evidence of the conditions still in "
                        "contention without the rules' explanations, the plan's first-line sections, one address "
                        "per source) or full (everything; --detail full).", default="full")

    def as_template_vars(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}



@dataclass(frozen=True)
class IndexRow:
    """One form of a batch on the index page."""

    number: int = _help("The form's number in the input file, from 1.")
    form_id: str = _help("The form's id as given, or '' (escaped by the templates).")
    ok: bool = _help("True when a report was made; False for an error row.")
    file: str = _help("The report's file name in the output folder, or '' for an error row.")
    level: str = _help("The triage level id, or ''.")
    level_label: str = _help("The triage level in words, or ''.")
    leading: str = _help("The condition named (reader's wording), or why none is named, in a few words.")
    percent: int = _help("The named condition's probability, 0-100 (0 when none is named).")
    red_flags: tuple[str, ...] = _help("Titles of the red flags that fired.")
    message: str = _help("For an error row: what is wrong, naming the field and the accepted values.")
    flags_line: str = _help("The red flags, or what their absence covers (see ScreenView.flags_line); '' for an error row.",
                            default="")


@dataclass(frozen=True)
class IndexContext:
    """Everything the index template of a batch may use."""

    title: str = _help("The page title (names the input file).")
    audience: str = _help("clinician or patient.")
    report_date: str = _help("The date printed on the reports.")
    kb_version: str = _help("Content hash of the knowledge base.")
    tool_version: str = _help("The kneetriage version.")
    disclaimer: str = _help("The disclaimer.")
    rows: tuple[IndexRow, ...] = _help("One row per form, in input order, error rows included.")

    def as_template_vars(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def context_reference() -> str:
    """The Markdown reference of ReportContext and its parts (docs/report-context.md)."""
    seen: list[type] = []

    def visit(cls):
        if cls in seen:
            return
        seen.append(cls)
        for f in fields(cls):
            for inner in _dataclasses_in(f.type):
                visit(inner)

    visit(ReportContext)
    visit(IndexContext)
    out = []
    for cls in seen:
        out += [f"### {cls.__name__}", ""]
        if cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("):
            out += [cls.__doc__.strip(), ""]
        out += ["| field | type | what it holds |", "|---|---|---|"]
        for f in fields(cls):
            kind = str(f.type).replace("|", "or")
            out.append(f"| `{f.name}` | `{kind}` | {f.metadata['help']} |")
        out.append("")
    return "\n".join(out)


def _dataclasses_in(annotation: Any) -> list[type]:
    names = re.findall(r"[A-Za-z_]+", str(annotation))
    return [globals()[n] for n in names if n in globals() and isinstance(globals()[n], type)
            and is_dataclass(globals()[n])]
