"""The top of a report: the triage banner, the red flags and what the warning-sign screen covered."""

from __future__ import annotations

from dataclasses import replace

from triage.report_context import FlagView, ReasonView, ScreenView, TriageView
from triage.reportviews.wording import Wording, unique_findings
from triage.screen import titles


def triage_view(w: Wording) -> TriageView:
    t = w.a.triage
    flag_rules = {u.rule: flag for flag in w.a.red_flags for u in flag.rules}
    reasons = []
    for reason in t.reasons:
        text = reason.text
        fired = [flag_rules[r] for r in reason.rules if r in flag_rules]
        if w.patient and fired:
            text = w.kb.flag(fired[0].id).patient_title
        text = w.plain(text)
        view = ReasonView(text=text, level=reason.level, level_label=w.level_label(reason.level),
                          rules=reason.rules, refs=w.cite(reason.cite))
        same = next((i for i, r in enumerate(reasons) if r.text == view.text), None)
        if same is None:
            reasons.append(view)
        else:   # the runner reads one line per warning sign, not one per rule
            first = reasons[same]
            reasons[same] = replace(first, rules=tuple(dict.fromkeys(first.rules + view.rules)),
                                    refs=tuple(dict.fromkeys(first.refs + view.refs)))
    return TriageView(level=t.level, label=t.label, timeframe=t.timeframe, action=t.action,
                      urgent=w.urgent(t.level), reasons=tuple(reasons))


def red_flags(w: Wording) -> tuple[FlagView, ...]:
    out = []
    for flag in w.a.red_flags:
        spec = w.kb.flag(flag.id)
        refs = w.cite(flag.cite)
        rules = tuple(w.rule(u) for u in flag.rules)
        covered = ""
        if flag.covered_by:
            covered = (f"A more urgent instruction comes first: {w.kb.level(flag.covered_by).label.lower()}. "
                       f"On its own this sign would need: {w.level_label(flag.level).lower()}.")
        out.append(FlagView(
            id=flag.id, title=spec.patient_title if w.patient else flag.title, level=flag.level,
            level_label=w.level_label(flag.level),
            advice=w.kb.level(flag.level).action if w.patient else flag.advice,
            rules=rules, findings=unique_findings(rules), refs=refs, covered=covered))
    return tuple(out)


def screen(w: Wording, flags: tuple[FlagView, ...]) -> ScreenView:
    done = w.a.screen
    spec = w.kb.screen
    total = len(spec.items)
    checked = tuple(titles(spec, done.checked, w.audience))
    not_asked = tuple(titles(spec, done.not_asked, w.audience))
    missing = tuple(titles(spec, done.history_missing, "patient"))
    if not not_asked:
        summary = f"All {total} warning signs were checked."
    else:
        summary = (f"{len(checked)} of {total} warning signs were checked. Not asked, so not known to be "
                   f"absent: {'; '.join(not_asked)}.")
    if missing:
        summary += f" The form does not say {', '.join(missing)}."
    if flags:
        flags_line = "; ".join(f.title for f in flags)
    elif not not_asked:
        flags_line = f"None of the {total} warning signs"
    else:
        flags_line = f"None in the answers given ({len(not_asked)} of {total} warning signs not asked)"
    return ScreenView(complete=done.complete, total=total, checked=checked, not_asked=not_asked,
                      history_missing=missing, summary=summary, flags_line=flags_line)
