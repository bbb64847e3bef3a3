"""The end of a report: the management plan, or the referral advice that replaces it (the modes
are described in triage/report.py and docs/report.md), and when to seek care sooner."""

from __future__ import annotations

from dataclasses import replace

from triage.management import CommonAdvice, Plan, Section, load_plan
from triage.report_context import ExerciseView, PlanSection, PlanView, PointView, StageView
from triage.reportviews.wording import Wording

# The sections shown first when a suspected stress fracture replaces the running advice (and the
# only ones shown beside referral advice while the runner waits to be seen).
OFFLOAD_FIRST = ("load_modification", "imaging_and_referral", "protect_and_load")
# What the short report keeps of a plan: what to change now, the exercises and the way back to
# running (with offloading and imaging first when a stress fracture is not excluded). The full
# report (--detail full) adds protect-and-load, taping, footwear, gait retraining, prevention and the course.
SHORT_SECTIONS = ("load_modification", "exercises", "return_to_running")


def suspected_referral_condition(w: Wording) -> str | None:
    """A condition the policy never self-manages that leads the differential or is still possible."""
    never_self_managed = w.kb.policy.get("refer_conditions", ())
    return next((c.id for c in w.a.differential if c.id in never_self_managed
                 and (c.rank == 1 or c.status != "unlikely") and load_plan(c.id, w.rules_dir)), None)


def plan_view(w: Wording, common: CommonAdvice) -> PlanView:
    a, kb = w.a, w.kb
    suspected = suspected_referral_condition(w)
    level = kb.level(a.triage.level)
    review_first = level.id == "consultation" and a.outcome == "likely" and not suspected
    if (a.red_flags and not review_first) or w.urgent(level.id):
        return _referral(w, common, level.id, suspected)
    if suspected:
        replaced = a.top_condition if a.top_condition and a.top_condition != suspected else None
        return _sections(w, common, "offload_and_image", load_plan(suspected, w.rules_dir), replaced)
    plan = load_plan(a.top_condition, w.rules_dir) if a.top_condition else None
    if plan is None:
        return PlanView(mode="none", condition=a.top_condition or "", title="", replaces="", caveat=None,
                        referral=(), sections=())
    view = _sections(w, common, "self_management", plan, None)
    if level.id != "self_care":
        # A likely condition whose knee should also be examined: the first-line plan starts
        # now, under a note that says why a clinician should still see it.
        view = replace(view, referral=tuple(w.point(p) for p in common.review))
    return view


def _referral(w: Wording, common: CommonAdvice, level: str, suspected: str | None) -> PlanView:
    # A red flag at self-care level names another cause (an apophysitis): its own advice,
    # shown with the flag, replaces the plan; "be seen first" would contradict it.
    advice = list(common.referral) if level != "self_care" else []
    if level in common.referral_by_level:
        advice.append(common.referral_by_level[level])
    view = PlanView(mode="referral", condition="", title="", replaces="", caveat=None,
                    referral=tuple(w.point(p) for p in advice), sections=())
    if suspected and not w.urgent(level):
        # While waiting to be seen, a suspected stress fracture still needs offloading.
        offload = _sections(w, common, "offload_and_image", load_plan(suspected, w.rules_dir), None,
                            only=OFFLOAD_FIRST)
        view = replace(view, condition=offload.condition, title=offload.title, caveat=offload.caveat,
                       sections=offload.sections, omitted=offload.omitted)
    return view


def _title(w: Wording, common: CommonAdvice, section: Section) -> str:
    if not w.patient:
        return section.title
    return section.patient_title or common.patient_section_titles.get(section.id) or section.title


def _sections(w: Wording, common: CommonAdvice, mode: str, plan: Plan, replaced: str | None,
              only: tuple[str, ...] = ()) -> PlanView:
    sections = [s for s in plan.sections if not only or s.id in only]
    omitted = ()
    if not w.full:
        kept = SHORT_SECTIONS + (OFFLOAD_FIRST if mode == "offload_and_image" else ())
        omitted = tuple(_title(w, common, s) for s in sections if s.id not in kept and not (s.is_empty and not s.gap))
        sections = [s for s in sections if s.id in kept]
    if mode == "offload_and_image":
        sections.sort(key=lambda s: OFFLOAD_FIRST.index(s.id) if s.id in OFFLOAD_FIRST else len(OFFLOAD_FIRST))
    caveat = w.point(plan.caveat) if plan.caveat else None
    views = []
    for s in sections:
        if s.is_empty and not s.gap:
            continue
        views.append(PlanSection(
            id=s.id, title=_title(w, common, s), points=tuple(w.point(p) for p in s.points),
            exercises=tuple(ExerciseView(e.name, e.dose, e.cue, e.evidence, w.cite(e.cite), w.cite(e.dose_cite))
                            for e in s.exercises),
            gap=s.gap, entry_criteria=tuple(w.point(p) for p in s.entry_criteria),
            stages=tuple(StageView(st.week, st.run, st.note) for st in s.stages),
            progress_rule=w.point(s.progress_rule) if s.progress_rule else None,
            step_back_rule=w.point(s.step_back_rule) if s.step_back_rule else None,
            notes=tuple(w.point(p) for p in s.notes),
            provenance=s.provenance if w.full and not w.patient else ""))
    spec = w.kb.condition(plan.condition)
    replaced_title = ""
    if replaced:
        other = w.kb.condition(replaced)
        replaced_title = other.patient_title if w.patient else other.title
    return PlanView(mode=mode, condition=plan.condition, title=spec.patient_title if w.patient else spec.title,
                    replaces=replaced_title, caveat=caveat, referral=(), sections=tuple(views), omitted=omitted)


def safety_netting(w: Wording, common: CommonAdvice) -> tuple[PointView, ...]:
    points = sorted(common.safety_netting, key=lambda p: w.kb.level(p.level).rank)
    return tuple(w.point(p) for p in points)
