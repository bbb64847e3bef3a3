"""The middle of a report: the ranked conditions with their evidence, the examination tests still
to do and the unanswered questions that could change the result."""

from __future__ import annotations

from triage.report_context import AnswerView, ConditionView, ExamView, QuestionView
from triage.reportviews.wording import Wording, lr_text, mostly_estimated, unique_findings


def differential(w: Wording) -> tuple[ConditionView, ...]:
    out = []
    for c in w.a.differential:
        if w.patient and c.status == "unlikely" and c.id != w.a.top_condition:
            continue
        spec = w.kb.condition(c.id)
        # The short report details only the conditions still in contention; the table ranks all.
        detailed = w.full or c.status != "unlikely" or c.id == w.a.top_condition
        supporting = tuple(w.rule(u) for u in c.supporting) if detailed else ()
        opposing = tuple(w.rule(u) for u in c.opposing) if detailed else ()
        estimated = mostly_estimated(c.supporting + c.opposing)
        percent = round(c.score * 100)
        prior_note = ""
        if not w.patient:
            prior_note = f"Prior for this runner {c.prior:.0%} (base {spec.prior:.0%}"
            prior_note += "; " + "; ".join(c.prior_factors) + ")." if c.prior_factors else ")."
            if c.capped_groups:
                prior_note += (" Related findings counted once, capped: "
                               + ", ".join(g.replace("_", " ") for g in c.capped_groups) + ".")
        out.append(ConditionView(
            id=c.id, title=spec.patient_title if w.patient else c.title, rank=c.rank,
            percent=percent, estimated=estimated,
            shown=f"{c.status}, estimate" if estimated else f"{percent}%", prior_note=prior_note,
            status=c.status, summary="" if w.patient else spec.summary,
            supporting=supporting, opposing=opposing,
            findings_for=unique_findings(supporting), findings_against=unique_findings(opposing)))
    return tuple(out)


def exam_tests(w: Wording) -> tuple[ExamView, ...]:
    if w.patient:
        return ()
    return tuple(ExamView(name=t.name, condition=w.kb.condition(t.condition).title,
                          lr_positive=lr_text(t.lr_positive), lr_negative=lr_text(t.lr_negative), basis=t.basis,
                          rules=t.rules, refs=w.cite(t.cite))
                 for t in w.a.exam_tests)


def open_questions(w: Wording) -> tuple[QuestionView, ...]:
    # A runner reads each question as the questionnaire asks it: the positive way round.
    return tuple(QuestionView(field=q.field, question=w.kb.catalogue[q.field].question if w.patient else q.question,
                              finding=w.kb.catalogue[q.field].clinician,
                              exam=q.exam, why=q.why, rules=q.rules)
                 for q in w.a.open_questions if not (w.patient and q.exam))


def answers(w: Wording) -> tuple[AnswerView, ...]:
    out = []
    for name, value in w.a.answers.items():
        spec = w.kb.catalogue[name]
        if w.patient:   # as asked: "Can you take four steps on the leg? yes", not "unable…? no"
            label, answer = spec.question, spec.label(spec.to_question(value))
        else:
            label, answer = spec.clinician, spec.label(value)
        out.append(AnswerView(field=name, label=label, answer=answer, group=spec.group))
    return tuple(out)
