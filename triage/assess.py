"""assess(form): run the engine, score the differential, decide the triage level, explain."""

from __future__ import annotations

from typing import Any, Mapping

from triage.assessment import (
    Assessment, ConditionResult, Finding, Reason, RedFlag, RuleUse, Screening, Triage,
)
from triage.backends import get_engine
from triage.firing import Firing
from triage.forms import Form, parse_form
from triage.knowledge import KnowledgeBase, RuleSpec, load_knowledge
from triage.scoring import alarm_findings, most_urgent, score_conditions
from triage.screen import ScreenResult, titles
from triage.whatif import exam_tests, open_questions

__all__ = ["assess", "get_engine"]


def _findings(kb: KnowledgeBase, rule: RuleSpec, answers, firing: Firing, seen=()) -> list[Finding]:
    """The answers a fired rule rested on, through the conclusions it used."""
    out: list[Finding] = []
    for item in rule.when.all + rule.when.any:
        if item.field is not None:
            value = answers.get(item.field)
            if item.holds(value):
                spec = kb.catalogue[item.field]
                out.append(Finding(item.field, value, f"{spec.clinician}: {spec.label(value)}"))
        elif item.concluded not in seen:
            for source in firing.conclusions.get(item.concluded, ()):
                out += _findings(kb, kb.rule(source), answers, firing, seen + (item.concluded,))
    return list(dict.fromkeys(out))


def _use(kb: KnowledgeBase, rule_id: str, answers, firing: Firing) -> RuleUse:
    rule = kb.rule(rule_id)
    return RuleUse(rule=rule.id, title=rule.title, explanation=rule.explanation,
                   findings=tuple(_findings(kb, rule, answers, firing)), cite=rule.cite,
                   lr=rule.lr, basis=rule.basis, strength=rule.strength)


def _red_flags(kb: KnowledgeBase, firing: Firing, answers, overall: str) -> tuple[RedFlag, ...]:
    by_flag: dict[str, list[str]] = {}
    for rule_id in firing.red_flags:
        by_flag.setdefault(kb.rule(rule_id).flag, []).append(rule_id)
    flags = []
    for flag_id, rule_ids in by_flag.items():
        spec = kb.flag(flag_id)
        level = most_urgent(kb, [kb.rule(r).level for r in rule_ids])
        # Two flags can advise different things (an X-ray today, imaging within weeks): a flag
        # less urgent than the overall level says that the more urgent instruction comes first,
        # so every output gives one consistent instruction.
        flags.append(RedFlag(id=flag_id, title=spec.title, level=level, advice=spec.advice,
                             rules=tuple(_use(kb, r, answers, firing) for r in rule_ids), cite=spec.cite,
                             covered_by=overall if kb.level(level).rank > kb.level(overall).rank else None))
    flags.sort(key=lambda f: (kb.level(f.level).rank, f.id))
    return tuple(flags)


def _differential_outcome(kb: KnowledgeBase, screen: ScreenResult, firing: Firing,
                          scores) -> tuple[str, str | None, str, Reason]:
    """What the differential alone says: the outcome, the condition it names, the outcome in
    words and the reason for its triage level."""
    policy = kb.policy
    refer = policy.get("refer_conditions", ())
    top = scores[0]
    title = kb.condition(top.condition).title
    if "where" in screen.history_missing and top.probability < policy["likely"]:
        # Where it hurts is the best single clue; without it, and with nothing else that makes a
        # condition likely, the form says too little.
        text = ("The form does not say where it hurts: too little to name a condition. "
                "A clinician should take the history.")
        return "insufficient_information", None, text, Reason(text, "consultation", (), kb.screen.cite)
    if top.condition in refer and "suspected" in policy and policy["suspected"] <= top.probability < policy["likely"]:
        text = (f"{title} is suspected: it leads the differential at {top.probability:.0%}. That is below "
                f"the {policy['likely']:.0%} needed to call it likely, but it is rare and must not be "
                f"missed, so a clinician should confirm or exclude it, with imaging.")
        return "suspected", top.condition, text, Reason(text, "consultation", (), tuple(policy.get("suspected_cite", ())))
    if top.probability < policy["likely"]:
        text = (f"No condition fits well: the best, {title}, reaches {top.probability:.0%}, below the "
                f"{policy['likely']:.0%} needed to call it likely. Rather than force a label, this form "
                f"is referred for examination.")
        return "no_clear_fit", None, text, Reason(text, "consultation")
    text = f"{title} is likely ({top.probability:.0%})."
    if top.condition in refer:
        return "likely", top.condition, text, Reason(f"{text} It needs a clinician and imaging, not "
                                                     f"self-management.", "consultation")
    when = "Once the red flags are dealt with, it" if firing.red_flags else "With the warning signs cleared it"
    return "likely", top.condition, text, Reason(f"{text} {when} is usually managed by the runner, with "
                                                 f"a self-management plan and a review in 2 weeks.", "self_care")


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _screen_reasons(kb: KnowledgeBase, screen: ScreenResult) -> list[Reason]:
    """Self-care only after a complete warning-sign screen and the history basics: an
    unanswered warning sign is not a "no"."""
    reasons = []
    missing = list(screen.history_missing)
    if missing:
        text = (f"The form does not say {_join(titles(kb.screen, missing, 'patient'))}, which a plan for "
                f"self-management needs, so a clinician should take the history.")
        reasons.append(Reason(text, "consultation", (), kb.screen.cite))
    if not screen.not_asked:
        return reasons
    names = titles(kb.screen, screen.not_asked)
    count = len(names)
    text = (f"The warning-sign screen is incomplete: {count} of {len(kb.screen.items)} warning "
            f"sign{'s were' if count > 1 else ' was'} not asked ({'; '.join(names)}). An unanswered "
            f"warning sign is not a \"no\", so a clinician should check {'them' if count > 1 else 'it'} "
            f"before self-management.")
    return reasons + [Reason(text, "consultation", (), kb.screen.cite)]


def _triage(kb: KnowledgeBase, answers, firing: Firing, scores,
            screen: ScreenResult) -> tuple[str, str, str | None, list[Reason]]:
    """The outcome, its wording, the top condition and every reason for the triage level."""
    reasons: list[Reason] = []
    for rule_id in firing.red_flags:
        rule = kb.rule(rule_id)
        reasons.append(Reason(f"{kb.flag(rule.flag).title}: {rule.title}.", rule.level, (rule.id,), rule.cite))

    outcome, top_condition, outcome_text, reason = _differential_outcome(kb, screen, firing, scores)
    other = [r for r in firing.red_flags if kb.rule(r).other_cause]
    if other:
        # A flag that could itself explain the pain withholds the label, so that "runner's knee"
        # does not hide a slipped epiphysis or a fracture. Its level never falls below the
        # differential's own, unless that was self-care: adding a finding never lowers urgency.
        titles = list(dict.fromkeys(kb.flag(kb.rule(r).flag).title for r in other))
        floor = [reason.level] if reason.level != "self_care" else []
        level = most_urgent(kb, [kb.rule(r).level for r in other] + floor)
        text = (f"{'; '.join(titles)}: this could itself be the cause of the knee pain, so no running "
                f"injury is named in its place.")
        outcome, top_condition, outcome_text = "other_cause", None, text
        reason = Reason(text, level, tuple(other))
    reasons.append(reason)

    fired = set(firing.red_flags)
    for (name, value), rule_ids in alarm_findings(kb).items():
        if answers.get(name) == value and not fired.intersection(rule_ids):
            spec = kb.catalogue[name]
            reasons.append(Reason(
                f"{spec.clinician} was reported. On its own it does not complete a red flag, but it is a "
                f"warning sign, so a clinician should see this knee (when in doubt, triage up).",
                "consultation", tuple(rule_ids)))
    reasons += _screen_reasons(kb, screen)
    return outcome, outcome_text, top_condition, reasons


def _factor_words(factor, condition: str) -> str:
    return f"{factor.dimension.replace('_', ' ')} {factor.value.replace('_', ' ')}: odds x{factor.odds[condition]:g}"


def _screen_summary(kb: KnowledgeBase, screen: ScreenResult) -> Screening:
    return Screening(complete=screen.complete, checked=screen.checked, reported=screen.reported,
                     not_asked=screen.not_asked, history_missing=screen.history_missing,
                     not_asked_titles=tuple(titles(kb.screen, screen.not_asked)))


def assess(form: Form | Mapping[str, Any], *, kb: KnowledgeBase | None = None,
           what_next: bool = True, engine: str | None = None) -> Assessment:
    """Assess one intake form (a Form, or a contract mapping that is validated first).

    ``what_next=False`` leaves out the open questions and examination tests (about a quarter
    of the time per form); the triage level, red flags and differential are the same. Batch
    scoring uses it for its CSV and table outputs, which show neither. ``engine`` is
    ``experta`` or ``compiled`` (the same result; triage/backends.py), by default the
    process's choice, experta unless a command chose otherwise.
    """
    kb = kb or load_knowledge()
    if not isinstance(form, Form):
        form = parse_form(form)
    answers = dict(form.answers)
    backend = get_engine(kb, engine)
    firing = backend.run(answers)
    scores = score_conditions(kb, firing.evidence, answers)
    screen = kb.screen.check(answers)
    outcome, outcome_text, top_condition, reasons = _triage(kb, answers, firing, scores, screen)
    level_id = most_urgent(kb, [r.level for r in reasons])
    reasons.sort(key=lambda r: kb.level(r.level).rank)
    level = kb.level(level_id)

    policy = kb.policy
    differential = []
    for rank, score in enumerate(scores, start=1):
        # With another cause to exclude first, nothing is "likely"; the scores still rank the fit.
        status = ("likely" if score.probability >= policy["likely"] and outcome != "other_cause"
                  else "suspected" if score.condition == top_condition
                  else "possible" if score.probability >= policy["possible"] else "unlikely")
        spec = kb.condition(score.condition)
        differential.append(ConditionResult(
            id=score.condition, title=spec.title, rank=rank, score=round(score.probability, 4),
            prior=score.prior, status=status,
            supporting=tuple(_use(kb, r, answers, firing) for r in score.supporting),
            opposing=tuple(_use(kb, r, answers, firing) for r in score.opposing),
            prior_factors=tuple(_factor_words(kb.prior_factors[i], score.condition) for i in score.prior_factors),
            capped_groups=score.capped,
        ))
    ranking = [s.condition for s in scores]
    contenders = [c.id for c in differential if c.status != "unlikely"][:3] or ranking[:2]
    return Assessment(
        form_id=form.form_id,
        outcome=outcome,
        outcome_text=outcome_text,
        top_condition=top_condition,
        triage=Triage(level=level.id, label=level.label, timeframe=level.timeframe, action=level.action,
                      reasons=tuple(reasons)),
        red_flags=_red_flags(kb, firing, answers, level.id),
        screen=_screen_summary(kb, screen),
        differential=tuple(differential),
        conclusions={name: list(rules) for name, rules in firing.conclusions.items()},
        open_questions=open_questions(kb, answers, ranking, level.id, pending=backend.pending) if what_next else (),
        exam_tests=exam_tests(kb, answers, contenders) if what_next else (),
        answers=answers,
        kb_version=kb.version,
    )
