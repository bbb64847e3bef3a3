"""Two naive baselines for the validation suite, and the table that sets the project beside them.

A differential earns its keep only if it beats what a lookup gets: the pain site alone (where it
hurts most names the structure: the brief's "location is the strongest discriminator"), and the
priors alone (always the commonest condition). Both name a condition for every case, so they
are judged on the condition only; they give no triage level. The project's figures come from
the same cases in the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from triage.knowledge import KnowledgeBase
from triage.validation import Case, Metrics, Outcome, judge

# Where it hurts most -> the condition of the six that lives there. Sites that belong to none of
# the six (the joint line, the tibial tubercle, the back of the knee) name nothing.
SITE_TO_CONDITION = {
    "anterior_diffuse": "pfps",
    "whole_knee": "pfps",
    "lateral": "itbs",
    "inferior_pole": "patellar_tendinopathy",
    "medial": "medial_plica",
    "infrapatellar": "fat_pad_impingement",
    "patella_point": "patellar_stress_fracture",
}

# A form with this many answered fields or more counts as "rich" in the comparison table.
RICH_FORM = 6


def _by_prior(kb: KnowledgeBase) -> list[str]:
    return [c.id for c in sorted(kb.conditions, key=lambda c: -c.prior)]


def priors_only(case: Case, kb: KnowledgeBase) -> Outcome:
    ranking = _by_prior(kb)
    return Outcome(case=case, top_condition=ranking[0], ranking=tuple(ranking), triage_level=case.safe_triage)


def site_only(case: Case, kb: KnowledgeBase) -> Outcome:
    ranking = _by_prior(kb)
    named = SITE_TO_CONDITION.get(case.form.get("pain_location"), None if case.form.get("pain_location")
                                  else ranking[0])
    if named:
        ranking = [named] + [c for c in ranking if c != named]
    return Outcome(case=case, top_condition=named, ranking=tuple(ranking), triage_level=case.safe_triage)


@dataclass(frozen=True)
class Row:
    """One system's figures on one set of cases (triage is None for a baseline)."""

    system: str
    cases: int
    top1: tuple[int, int]
    top3: tuple[int, int]
    top1_rich: tuple[int, int]          # top-1 on forms with RICH_FORM or more answered fields
    exact: tuple[int, int] | None = None
    under: tuple[int, int] | None = None
    over: tuple[int, int] | None = None


def _rich(case: Case) -> bool:
    return len(case.form.answers) >= RICH_FORM


def comparison(metrics: Metrics, kb: KnowledgeBase) -> list[Row]:
    """The project (from ``metrics``) and both baselines on the same cases."""
    cases = [v.case for v in metrics.verdicts]
    levels = [lv.id for lv in kb.levels]
    rows = []
    for name, verdicts in (("kneetriage", list(metrics.verdicts)),
                           ("pain site alone", [judge(site_only(c, kb), levels) for c in cases]),
                           ("priors alone", [judge(priors_only(c, kb), levels) for c in cases])):
        rich = [v for v in verdicts if _rich(v.case)]
        row = Row(system=name, cases=len(verdicts), top1=(sum(v.top1 for v in verdicts), len(verdicts)),
                  top3=(sum(v.top3 for v in verdicts), len(verdicts)),
                  top1_rich=(sum(v.top1 for v in rich), len(rich)))
        if name == "kneetriage":
            n = len(verdicts)
            row = Row(**{**row.__dict__, "exact": (metrics.exact_triage.count, n),
                         "under": (metrics.under_triage.count, n), "over": (metrics.over_triage.count, n)})
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Band:
    """Reliability of the named condition: forms whose top score fell in [low, high)."""

    low: float
    high: float
    named: int
    right: int


BANDS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def reliability(metrics: Metrics) -> list[Band]:
    """How often the condition named as likely was right, by its score band (calibration)."""
    out = []
    for low, high in BANDS:
        named = [v for v in metrics.verdicts if v.outcome.outcome == "likely" and v.outcome.differential
                 and low <= v.outcome.differential[0].score < high]
        out.append(Band(low, min(high, 1.0), len(named), sum(v.top1 for v in named)))
    return out


def likely_right(metrics: Metrics) -> tuple[int, int]:
    """Of the cases where a condition was named as likely, how many named the right one."""
    named = [v for v in metrics.verdicts if v.outcome.outcome == "likely"]
    return sum(v.top1 for v in named), len(named)


def rate(pair: tuple[int, int] | None) -> str:
    if pair is None:
        return "-"
    count, total = pair
    return f"{count}/{total} ({count / total:.0%})" if total else "0/0"


def table_rows(rows: Sequence[Row]) -> list[list[str]]:
    return [[r.system, rate(r.top1), rate(r.top3), rate(r.top1_rich), rate(r.exact), rate(r.under), rate(r.over)]
            for r in rows]


TABLE_HEADER = ["system", "top-1", "top-3", f"top-1, {RICH_FORM}+ fields", "exact triage", "under-triage",
                "over-triage"]
