"""The clinician and patient reports: the documented context, how it is built, how it is rendered.

An Assessment says what the engine concluded; a ReportContext says what one reader (a clinician
or the runner) sees, in that reader's wording, with every source numbered in reading order.
Templates in reports/ (overridable per clinic) turn the context into HTML, Markdown or text, and
WeasyPrint turns the HTML into PDF. Advice text comes only from rules/; none is written here.

When the self-management plan is shown (``plan.mode``):

- ``referral``: a red flag fired, or the triage level is more urgent than ``consultation``. The
  plan is replaced by the referral advice of rules/management/common.yml for that level: nobody
  is told how to run on a knee that needs to be seen first. (A red flag at self-care level names
  another cause, such as an apophysitis; its own advice then stands alone.) If a stress fracture
  is suspected and the level is not urgent, the offloading and imaging sections of its plan
  follow, for the wait until the knee is seen.
- ``offload_and_image``: no red flag, but a condition the triage policy never self-manages
  (``refer_conditions``: a patellar stress fracture) ranks first or is still possible. Its own
  plan (offloading and imaging first) replaces the running advice of the leading condition.
- ``self_management``: no red flag and a likely condition with a plan in rules/management/.
- ``none``: no condition is likely (no clear fit, or too few answers), or it has no plan file.
"""

from __future__ import annotations

import logging
import math
import re
import textwrap
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

import triage
from triage.assessment import Assessment, Finding, RuleUse
from triage.envcache import cached, folder_key
from triage.templatecheck import check_html
from triage.knowledge import KnowledgeBase
from triage.management import CommonAdvice, Plan, Point, load_common, load_plan
from triage.paths import REPORTS_DIR
from triage.screen import titles

AUDIENCES = ("clinician", "patient")
FORMATS = ("html", "md", "txt", "pdf")
# The sections shown first when a suspected stress fracture replaces the running advice (and the
# only ones shown beside referral advice while the runner waits to be seen).
OFFLOAD_FIRST = ("load_modification", "imaging_and_referral", "protect_and_load")


class ReportError(Exception):
    """A report cannot be made; the message says why and what to do."""


def _help(text: str, **kwargs) -> Any:
    return field(metadata={"help": text}, **kwargs)


# --------------------------------------------------------------------------------------------
# The context: what a template may use. Every field says what it holds (docs/report-context.md
# is generated from these; tests/test_report.py checks that none lacks help).


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
    dose: str = _help("Sets, repetitions and frequency as the source gives them.")
    cue: str = _help("How to do it, in plain words.")
    evidence: str = _help("Strength of the source.")
    refs: tuple[int, ...] = _help("Numbers of its sources in `references`.")


@dataclass(frozen=True)
class StageView:
    week: int = _help("Week of the return-to-running programme.")
    run: str = _help("What to run that week.")
    note: str = _help("A note for that week, or ''.")


@dataclass(frozen=True)
class PlanSection:
    id: str = _help("The section id (load_modification, exercises, return_to_running, ...).")
    title: str = _help("Its heading.")
    points: tuple[PointView, ...] = _help("The advice points.")
    exercises: tuple[ExerciseView, ...] = _help("Structured exercises (the exercises section).")
    gap: str = _help("What the sources do not cover, or ''.")
    entry_criteria: tuple[PointView, ...] = _help("return_to_running: when running may start.")
    stages: tuple[StageView, ...] = _help("return_to_running: the weekly stages.")
    progress_rule: PointView | None = _help("return_to_running: when to move up a stage.")
    step_back_rule: PointView | None = _help("return_to_running: when to step back.")
    notes: tuple[PointView, ...] = _help("Further notes.")
    provenance: str = _help("Where the staged programme comes from and how far to trust it (clinician only).")


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

    def as_template_vars(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --------------------------------------------------------------------------------------------
# Building the context


class _Citations:
    """Numbers citation keys in the order the report first cites them."""

    def __init__(self, references: dict):
        self._references = references
        self._numbers: dict[str, int] = {}

    def __call__(self, keys: Iterable[str]) -> tuple[int, ...]:
        for key in keys:
            self._numbers.setdefault(key, len(self._numbers) + 1)
        return tuple(dict.fromkeys(self._numbers[k] for k in keys))

    def listing(self) -> tuple[Reference, ...]:
        out = []
        for key, number in self._numbers.items():
            ref = self._references.get(key)
            if ref is None:
                out.append(Reference(number, key, "(not in rules/references.yml)", ()))
            else:
                out.append(Reference(number, key, str(ref.get("title", "")), tuple(ref.get("where") or ())))
        return tuple(out)


def _unique_findings(rules: Iterable[RuleView]) -> tuple[FindingView, ...]:
    return tuple(dict.fromkeys(f for r in rules for f in r.findings))


def _mostly_estimated(uses) -> bool:
    """More than half of the evidence's weight (|ln LR|) comes from estimated ratios: the score
    is then shown as its band, since its precise figure would overstate what is known."""
    total = sum(abs(math.log(u.lr)) for u in uses if u.lr)
    estimated = sum(abs(math.log(u.lr)) for u in uses if u.lr and u.basis == "estimated")
    return total > 0 and estimated > total / 2


def _lr(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class _Builder:
    def __init__(self, assessment: Assessment, kb: KnowledgeBase, audience: str, rules_dir: str | None):
        if audience not in AUDIENCES:
            raise ReportError(f"unknown audience {audience!r}; accepted: {', '.join(AUDIENCES)}")
        self.a, self.kb, self.audience, self.rules_dir = assessment, kb, audience, rules_dir
        self.patient = audience == "patient"
        self.cite = _Citations(kb.references)

    def plain(self, text: str) -> str:
        """For the runner, name conditions, red flags and warning signs by their patient titles in
        text written for clinicians."""
        if not self.patient:
            return text
        pairs = [(s.title, s.patient_title) for s in [*self.kb.conditions, *self.kb.flags]]
        pairs += [(i.title, i.patient) for i in self.kb.screen.items]
        for title, patient in sorted(pairs, key=lambda pair: -len(pair[0])):
            def name(match, patient=patient):
                start = match.start() == 0 or text[:match.start()].rstrip().endswith((".", ":", "("))
                return patient if start else patient[:1].lower() + patient[1:]
            text = re.sub(re.escape(title), name, text)
        return text

    def words(self, point: Point) -> str:
        return point.patient if self.patient else point.text

    def level_label(self, level: str | None) -> str:
        return self.kb.level(level).label if level else ""

    def urgent(self, level: str) -> bool:
        """More urgent than a routine consultation (within 1-2 weeks)."""
        return self.kb.level(level).rank < self.kb.level("consultation").rank

    def finding(self, finding: Finding) -> FindingView:
        if not self.patient:
            return FindingView(finding.field, finding.text)
        spec = self.kb.catalogue[finding.field]
        return FindingView(finding.field, f"{spec.patient} {spec.label(finding.value)}")

    def rule(self, use: RuleUse) -> RuleView:
        return RuleView(id=use.rule, title=use.title, explanation=use.explanation,
                        findings=tuple(self.finding(f) for f in use.findings), lr=_lr(use.lr),
                        basis=use.basis or "", strength=use.strength or "", refs=self.cite(use.cite))

    def point(self, point: Point) -> PointView:
        return PointView(text=self.words(point), evidence=point.evidence, refs=self.cite(point.cite),
                         level=point.level or "", level_label=self.level_label(point.level))

    # -- sections, in reading order (so that the citation numbers follow it) --

    def triage(self) -> TriageView:
        t = self.a.triage
        flag_rules = {u.rule: flag for flag in self.a.red_flags for u in flag.rules}
        reasons = []
        for reason in t.reasons:
            text = reason.text
            fired = [flag_rules[r] for r in reason.rules if r in flag_rules]
            if self.patient and fired:
                text = self.kb.flag(fired[0].id).patient_title
            text = self.plain(text)
            view = ReasonView(text=text, level=reason.level, level_label=self.level_label(reason.level),
                              rules=reason.rules, refs=self.cite(reason.cite))
            same = next((i for i, r in enumerate(reasons) if r.text == view.text), None)
            if same is None:
                reasons.append(view)
            else:   # the runner reads one line per warning sign, not one per rule
                first = reasons[same]
                reasons[same] = replace(first, rules=tuple(dict.fromkeys(first.rules + view.rules)),
                                        refs=tuple(dict.fromkeys(first.refs + view.refs)))
        return TriageView(level=t.level, label=t.label, timeframe=t.timeframe, action=t.action,
                          urgent=self.urgent(t.level), reasons=tuple(reasons))

    def red_flags(self) -> tuple[FlagView, ...]:
        out = []
        for flag in self.a.red_flags:
            spec = self.kb.flag(flag.id)
            refs = self.cite(flag.cite)
            rules = tuple(self.rule(u) for u in flag.rules)
            covered = ""
            if flag.covered_by:
                covered = (f"A more urgent instruction comes first: {self.kb.level(flag.covered_by).label.lower()}. "
                           f"On its own this sign would need: {self.level_label(flag.level).lower()}.")
            out.append(FlagView(
                id=flag.id, title=spec.patient_title if self.patient else flag.title, level=flag.level,
                level_label=self.level_label(flag.level),
                advice=self.kb.level(flag.level).action if self.patient else flag.advice,
                rules=rules, findings=_unique_findings(rules), refs=refs, covered=covered))
        return tuple(out)

    def screen(self, red_flags: tuple[FlagView, ...]) -> ScreenView:
        screen = self.a.screen
        audience = "patient" if self.patient else "clinician"
        spec = self.kb.screen
        total = len(spec.items)
        checked = tuple(titles(spec, screen.checked, audience))
        not_asked = tuple(titles(spec, screen.not_asked, audience))
        missing = tuple(titles(spec, screen.history_missing, "patient"))
        if not not_asked:
            summary = f"All {total} warning signs were checked."
        else:
            summary = (f"{len(checked)} of {total} warning signs were checked. Not asked, so not known to be "
                       f"absent: {'; '.join(not_asked)}.")
        if missing:
            summary += f" The form does not say {', '.join(missing)}."
        if red_flags:
            flags_line = "; ".join(f.title for f in red_flags)
        elif not not_asked:
            flags_line = f"None of the {total} warning signs"
        else:
            flags_line = f"None in the answers given ({len(not_asked)} of {total} warning signs not asked)"
        return ScreenView(complete=screen.complete, total=total, checked=checked, not_asked=not_asked,
                          history_missing=missing, summary=summary, flags_line=flags_line)

    def differential(self) -> tuple[ConditionView, ...]:
        out = []
        for c in self.a.differential:
            if self.patient and c.status == "unlikely" and c.id != self.a.top_condition:
                continue
            spec = self.kb.condition(c.id)
            supporting = tuple(self.rule(u) for u in c.supporting)
            opposing = tuple(self.rule(u) for u in c.opposing)
            estimated = _mostly_estimated(c.supporting + c.opposing)
            percent = round(c.score * 100)
            prior_note = ""
            if not self.patient:
                prior_note = f"Prior for this runner {c.prior:.0%} (base {spec.prior:.0%}"
                prior_note += "; " + "; ".join(c.prior_factors) + ")." if c.prior_factors else ")."
                if c.capped_groups:
                    prior_note += (" Related findings counted once, capped: "
                                   + ", ".join(g.replace("_", " ") for g in c.capped_groups) + ".")
            out.append(ConditionView(
                id=c.id, title=spec.patient_title if self.patient else c.title, rank=c.rank,
                percent=percent, estimated=estimated,
                shown=f"{c.status}, estimate" if estimated else f"{percent}%", prior_note=prior_note,
                status=c.status, summary="" if self.patient else spec.summary,
                supporting=supporting, opposing=opposing,
                findings_for=_unique_findings(supporting), findings_against=_unique_findings(opposing)))
        return tuple(out)

    def exam_tests(self) -> tuple[ExamView, ...]:
        if self.patient:
            return ()
        return tuple(ExamView(name=t.name, condition=self.kb.condition(t.condition).title,
                              lr_positive=_lr(t.lr_positive), lr_negative=_lr(t.lr_negative), basis=t.basis,
                              rules=t.rules, refs=self.cite(t.cite))
                     for t in self.a.exam_tests)

    def open_questions(self) -> tuple[QuestionView, ...]:
        return tuple(QuestionView(field=q.field, question=q.question, finding=self.kb.catalogue[q.field].clinician,
                                  exam=q.exam, why=q.why, rules=q.rules)
                     for q in self.a.open_questions if not (self.patient and q.exam))

    def suspected_referral_condition(self) -> str | None:
        """A condition the policy never self-manages that leads the differential or is still possible."""
        never_self_managed = self.kb.policy.get("refer_conditions", ())
        return next((c.id for c in self.a.differential if c.id in never_self_managed
                     and (c.rank == 1 or c.status != "unlikely") and load_plan(c.id, self.rules_dir)), None)

    def plan(self, common: CommonAdvice) -> PlanView:
        a, kb = self.a, self.kb
        suspected = self.suspected_referral_condition()
        level = kb.level(a.triage.level)
        review_first = level.id == "consultation" and a.outcome == "likely" and not suspected
        if (a.red_flags and not review_first) or self.urgent(level.id):
            # A red flag at self-care level names another cause (an apophysitis): its own advice,
            # shown with the flag, replaces the plan; "be seen first" would contradict it.
            advice = list(common.referral) if level.id != "self_care" else []
            if level.id in common.referral_by_level:
                advice.append(common.referral_by_level[level.id])
            view = PlanView(mode="referral", condition="", title="", replaces="", caveat=None,
                            referral=tuple(self.point(p) for p in advice), sections=())
            if suspected and not self.urgent(level.id):
                # While waiting to be seen, a suspected stress fracture still needs offloading.
                offload = self._plan_view("offload_and_image", load_plan(suspected, self.rules_dir), None,
                                          only=OFFLOAD_FIRST)
                view = replace(view, condition=offload.condition, title=offload.title, caveat=offload.caveat,
                               sections=offload.sections)
            return view
        if suspected:
            replaced = a.top_condition if a.top_condition and a.top_condition != suspected else None
            return self._plan_view("offload_and_image", load_plan(suspected, self.rules_dir), replaced)
        plan = load_plan(a.top_condition, self.rules_dir) if a.top_condition else None
        if plan is None:
            return PlanView(mode="none", condition=a.top_condition or "", title="", replaces="", caveat=None,
                            referral=(), sections=())
        view = self._plan_view("self_management", plan, None)
        if level.id != "self_care":
            # A likely condition whose knee should also be examined: the first-line plan starts
            # now, under a note that says why a clinician should still see it.
            view = replace(view, referral=tuple(self.point(p) for p in common.review))
        return view

    def _plan_view(self, mode: str, plan: Plan, replaced: str | None, only: tuple[str, ...] = ()) -> PlanView:
        sections = [s for s in plan.sections if not only or s.id in only]
        if mode == "offload_and_image":
            sections.sort(key=lambda s: OFFLOAD_FIRST.index(s.id) if s.id in OFFLOAD_FIRST else len(OFFLOAD_FIRST))
        caveat = self.point(plan.caveat) if plan.caveat else None
        views = []
        for s in sections:
            if s.is_empty and not s.gap:
                continue
            views.append(PlanSection(
                id=s.id, title=s.title, points=tuple(self.point(p) for p in s.points),
                exercises=tuple(ExerciseView(e.name, e.dose, e.cue, e.evidence, self.cite(e.cite))
                                for e in s.exercises),
                gap=s.gap, entry_criteria=tuple(self.point(p) for p in s.entry_criteria),
                stages=tuple(StageView(st.week, st.run, st.note) for st in s.stages),
                progress_rule=self.point(s.progress_rule) if s.progress_rule else None,
                step_back_rule=self.point(s.step_back_rule) if s.step_back_rule else None,
                notes=tuple(self.point(p) for p in s.notes),
                provenance="" if self.patient else s.provenance))
        spec = self.kb.condition(plan.condition)
        replaced_title = ""
        if replaced:
            other = self.kb.condition(replaced)
            replaced_title = other.patient_title if self.patient else other.title
        return PlanView(mode=mode, condition=plan.condition, title=spec.patient_title if self.patient else spec.title,
                        replaces=replaced_title, caveat=caveat, referral=(), sections=tuple(views))

    def safety_netting(self, common: CommonAdvice) -> tuple[PointView, ...]:
        points = sorted(common.safety_netting, key=lambda p: self.kb.level(p.level).rank)
        return tuple(self.point(p) for p in points)

    def answers(self) -> tuple[AnswerView, ...]:
        out = []
        for name, value in self.a.answers.items():
            spec = self.kb.catalogue[name]
            out.append(AnswerView(field=name, label=spec.patient if self.patient else spec.clinician,
                                  answer=spec.label(value), group=spec.group))
        return tuple(out)


# Why no condition is named, in the few words of a banner or an index row.
UNNAMED = {
    "no_clear_fit": "No single condition fits",
    "insufficient_information": "Not enough answers to say",
    "other_cause": "Another cause first: see the red flags",
}
UNNAMED_FOR_PATIENTS = {**UNNAMED, "other_cause": "Another cause first: see the warning signs"}


def leading_words(outcome: str, leading: ConditionView | None, audience: str = "clinician") -> str:
    """The condition named ("..., suspected" when only suspected), or why none is."""
    if leading is None:
        return (UNNAMED_FOR_PATIENTS if audience == "patient" else UNNAMED).get(outcome, "None named")
    return f"{leading.title}, suspected" if outcome == "suspected" else leading.title


def _leading_label(outcome: str, leading: ConditionView | None, audience: str) -> str:
    words = leading_words(outcome, leading, audience)
    return f"{words} ({leading.shown})" if leading else words


def build_context(assessment: Assessment, kb: KnowledgeBase, *, audience: str = "clinician",
                  report_date: date | str | None = None, rules_dir: str | None = None) -> ReportContext:
    """The context for one assessment. ``rules_dir`` is the KB folder (for its management plans)."""
    b = _Builder(assessment, kb, audience, rules_dir)
    common = load_common(rules_dir)
    triage_view = b.triage()
    red_flags = b.red_flags()
    screen = b.screen(red_flags)
    differential = b.differential()
    leading = next((c for c in differential if c.id == assessment.top_condition), None)
    exam_tests = b.exam_tests()
    open_questions = b.open_questions()
    plan = b.plan(common)
    safety = b.safety_netting(common)
    when = report_date or date.today()
    return ReportContext(
        audience=audience, form_id=assessment.form_id or "",
        report_date=when.isoformat() if isinstance(when, date) else str(when),
        kb_version=assessment.kb_version, tool_version=triage.__version__, disclaimer=assessment.disclaimer,
        outcome=assessment.outcome, outcome_text=b.plain(assessment.outcome_text), triage=triage_view,
        red_flags=red_flags, screen=screen, leading=leading, leading_label=_leading_label(assessment.outcome, leading, audience),
        differential=differential, exam_tests=exam_tests,
        open_questions=open_questions, plan=plan, safety_netting_title=common.safety_netting_title,
        safety_netting=safety, answers=b.answers(), references=b.cite.listing(),
    )


# --------------------------------------------------------------------------------------------
# Rendering

TEXT_WIDTH = 78
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|&#~])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


class Formatted(str):
    """Text a filter has already made safe for its format (finalize leaves it alone)."""


def one_line(value: Any) -> str:
    """Control characters and line breaks become spaces: a value can never forge a new line."""
    return _CONTROL.sub(" ", str(value))


def md_escape(value: Any) -> str:
    """A value as literal Markdown text: no emphasis, code, links, HTML or table cells."""
    if isinstance(value, Formatted):
        return value
    if value is None:
        return ""
    text = _MD_SPECIAL.sub(r"\\\1", one_line(value))
    return _MD_UNDERSCORE.sub(r"\\_", text)


def txt_finalize(value: Any) -> str:
    if isinstance(value, Formatted):
        return value
    return "" if value is None else one_line(value)


def wrap(value: Any, indent: int = 0, first: str | None = None, width: int = TEXT_WIDTH) -> Formatted:
    """Plain-text filter: wrap a value to the page width, indented (first line may differ).
    Words are never split, so an address longer than a line stays whole and usable."""
    pad = " " * indent
    lines = textwrap.wrap(one_line(value), width=width, initial_indent=pad if first is None else first,
                          subsequent_indent=pad, break_long_words=False, break_on_hyphens=False)
    return Formatted("\n".join(lines))


def refs(numbers: Iterable[int]) -> Formatted:
    """Citation marks such as [1][4] (numbers only, so safe in every format)."""
    return Formatted("".join(f"[{int(n)}]" for n in numbers))


def environment(fmt: str, templates_dir: str | Path | None = None) -> Environment:
    """The Jinja environment for a format. A clinic's folder comes first, so a partial of the
    same name replaces ours; ``default:NAME`` always reaches ours (to extend or include it)."""
    if fmt not in ("html", "md", "txt"):
        raise ReportError(f"no templates for format {fmt!r}")

    def build() -> Environment:
        ours = FileSystemLoader(str(REPORTS_DIR))
        loaders = [FileSystemLoader(str(templates_dir))] if templates_dir else []
        loaders += [PrefixLoader({"default": ours}, delimiter=":"), ours]
        options: dict[str, Any] = {"autoescape": True} if fmt == "html" else {
            "autoescape": False, "finalize": md_escape if fmt == "md" else txt_finalize}
        # Sandboxed: a template from --templates is data, and must not reach Python (os, files).
        env = SandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined, trim_blocks=True,
                                   lstrip_blocks=True, keep_trailing_newline=True, **options)
        env.filters["wrap"] = wrap
        env.filters["refs"] = refs
        # Macro output is already made of escaped values: `{{ item(x) | formatted }}` keeps it as is.
        # (HTML needs no such filter: its macros return Markup.) Never apply it to a raw value.
        env.filters["formatted"] = Formatted
        env.globals["fmt"] = fmt
        return env

    # Built once per process and folder (triage/envcache.py): compiling the templates was most
    # of the cost of a report.
    return cached((fmt, folder_key(templates_dir)), build)


def _check_safety(output: str, ctx: ReportContext, fmt: str) -> None:
    """An overridden template may restyle anything but must not drop the safety content."""
    flat = " ".join(output.split()).casefold()
    say = {"html": lambda s: str(escape(s)), "md": md_escape, "txt": one_line}[fmt]
    needed = [("the disclaimer", ctx.disclaimer), ("the triage level", ctx.triage.label)]
    needed += [(f"the red flag {f.id}", f.title) for f in ctx.red_flags]
    for what, text in needed:
        if " ".join(say(text).split()).casefold() not in flat:
            raise ReportError(f"the report template dropped {what} ({text!r}); a template may restyle "
                              f"the safety content but not leave it out")


def render(ctx: ReportContext, fmt: str = "html", templates_dir: str | Path | None = None) -> str | bytes:
    """The report as text (html, md, txt) or bytes (pdf)."""
    if fmt == "pdf":
        return html_to_pdf(render(ctx, "html", templates_dir))
    env = environment(fmt, templates_dir)
    output = env.get_template(f"report.{fmt}.j2").render(ctx.as_template_vars())
    if fmt != "html":   # tidy records text: no trailing blanks, at most one empty line in a row
        output = "\n".join(line.rstrip() for line in output.split("\n"))
        output = re.sub(r"\n{3,}", "\n\n", output)
    else:
        check_html(output)
    _check_safety(output, ctx, fmt)
    return output


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


def index_format(fmt: str) -> str:
    """The format of a batch's index page: PDF reports get an HTML index that links them."""
    return "html" if fmt == "pdf" else fmt


def render_index(ctx: IndexContext, fmt: str, templates_dir: str | Path | None = None) -> str:
    """The index page of a batch: one row per form, linking its report or giving its error."""
    fmt = index_format(fmt)
    output = environment(fmt, templates_dir).get_template(f"index.{fmt}.j2").render(ctx.as_template_vars())
    if fmt == "html":
        check_html(output)
    say = {"html": lambda s: str(escape(s)), "md": md_escape, "txt": one_line}[fmt]
    if " ".join(say(ctx.disclaimer).split()).casefold() not in " ".join(output.split()).casefold():
        raise ReportError("the index template dropped the disclaimer")
    return output


PDF_MISSING = ("PDF output needs WeasyPrint, which is not installed. Install it with "
               "`pip install 'kneetriage[pdf]'` (WeasyPrint also needs the Pango library: see "
               "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html), or use "
               "--format html and print the page to PDF from a browser.")


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"the report may not load {url!r}: reports are self-contained")


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:   # OSError: WeasyPrint present but Pango missing
        raise ReportError(f"{PDF_MISSING} ({error})") from None
    # WeasyPrint warns about CSS meant for browsers only (screen media queries); keep errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, url_fetcher=_no_network).write_pdf()


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
