"""``kneetriage validate``: run cases with a known answer and report accuracy and triage safety."""

from __future__ import annotations

import json
from pathlib import Path

import click

from triage import backends, baselines
from triage.assessment import DISCLAIMER
from triage.commands._engine import engine_option
from triage.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from triage.validation import NONE, CaseError, Metrics, Verdict, load_cases, validate

# The vignette suite sits in the source checkout, not in the installed package.
CHECKOUT = Path(__file__).resolve().parents[2]
CHECKOUT_VIGNETTES = CHECKOUT / "tests" / "vignettes"

TRIAGE_WORDS = {"under": "UNDER-TRIAGED", "exact": "triage exact", "over": "over-triaged"}


def _checkout_vignettes(root: Path) -> Path | None:
    folder = root / "tests" / "vignettes"
    return folder if (root / "setup.cfg").is_file() and folder.is_dir() else None


def default_case_paths() -> list[Path]:
    """The vignettes of the source checkout: the one this code runs from (an editable install),
    or the working folder when it is a kneetriage checkout (`pip install .` from a clone)."""
    for root in (CHECKOUT, Path.cwd()):
        folder = _checkout_vignettes(root)
        if folder is not None and (root / "triage" / "__init__.py").is_file():
            return [folder]
    return []


# --------------------------------------------------------------------------- shared wording

def _pct(rate) -> str:
    return "-" if rate.value is None else f"{rate.value:.1%}"


def _rules(refs, sign: str, limit: int) -> list[str]:
    return [f"{sign}{r.rule} (LR {r.lr:g})" if r.lr is not None else f"{sign}{r.rule}" for r in refs[:limit]]


def _differential_line(d, markdown: bool = False) -> str:
    rules = _rules(d.supporting, "+", 3) + _rules(d.opposing, "-", 2)
    head = f"rank {d.rank}, `{d.condition}` {d.score:.0%}" if markdown else f"{d.rank}. {d.condition} {d.score:.0%}"
    return head + (f": {', '.join(rules)}" if rules else ": no rule fired")


def _leading(v: Verdict, markdown: bool = False) -> list[str]:
    """The first three of the differential, and the expected condition if it ranked lower."""
    diff = v.outcome.differential
    expected = v.case.expected_condition
    return [_differential_line(d, markdown) for d in diff if d.rank <= 3 or d.condition == expected]


def _what_went_wrong(v: Verdict) -> list[str]:
    o, case = v.outcome, v.case
    out = []
    if not v.top1:
        named = o.top_condition or f"{NONE} ({o.outcome})"
        rank = o.ranking.index(case.expected_condition) + 1 if case.expected_condition in o.ranking else None
        where = f"; {case.expected_condition} ranked {rank}" if rank else ""
        beyond = not v.top3 and case.expected_condition != NONE
        out.append(f"expected {case.expected_condition}, named {named}{where}"
                   + (" (not in the top three)" if beyond else ""))
    if v.triage != "exact":
        out.append(f"{TRIAGE_WORDS[v.triage]}: {o.triage_level} given, "
                   f"{case.safe_triage} is the least urgent safe level")
    if v.missed_flags:
        out.append(f"red flag(s) not raised: {', '.join(v.missed_flags)}")
    return out


def _verdict_line(metrics: Metrics, min_top1: float | None) -> str:
    failures = metrics.failures(min_top1)
    return "RESULT: PASS" if not failures else "RESULT: FAIL\n" + "\n".join(f"  - {f}" for f in failures)


# --------------------------------------------------------------------------- text

def render_text(metrics: Metrics, kb: KnowledgeBase, min_top1: float | None = None) -> str:
    m = metrics
    lines = [f"Validation of {len(m.verdicts)} cases against knowledge base {kb.version}", ""]
    lines.append(f"Top-1 accuracy   {m.top1}")
    lines.append(f"Top-3 accuracy   {m.top3}")
    lines.append(f"Triage           under {m.under_triage}   exact {m.exact_triage}   over {m.over_triage}")
    lines.append(f"Red flags        {m.expected_flags} expected, {len(m.missed_flags)} missed")
    lines += ["", "AGAINST TWO BASELINES (same cases; the baselines name a condition and give no triage)"]
    widths = (18, 14, 14, 18, 14, 14, 14)
    for row in [baselines.TABLE_HEADER] + baselines.table_rows(baselines.comparison(m, kb)):
        lines.append("  " + "".join(f"{cell:<{w}}" for cell, w in zip(row, widths)).rstrip())
    right, named = baselines.likely_right(m)
    lines += ["", f"CALIBRATION: a condition named as likely was right in {baselines.rate((right, named))} of cases",
              "  top score band   named   right"]
    for band in baselines.reliability(m):
        lines.append(f"  {band.low:.0%}-{band.high:.0%}{'':<9}{band.named:>5}   {band.right:>5}")
    lines += ["", f"{'PER EXPECTED CONDITION':<28}{'cases':>6}  {'top-1':<16}{'top-3':<16}"]
    for name, c in m.per_condition.items():
        lines.append(f"  {name:<26}{c.cases:>6}  {str(c.top1):<16}{str(c.top3):<16}")

    key = {name: str(i) for i, name in enumerate(m.conditions[:-1], start=1)} | {NONE: "-"}
    lines += ["", "CONFUSION MATRIX (rows: expected; columns: condition named; - = none named)"]
    lines.append("  " + "   ".join(f"{key[n]} = {n}" for n in m.conditions[:-1]))
    lines.append(f"  {'':<26}" + "".join(f"{key[p]:>5}" for p in m.conditions))
    for expected, row in m.confusion.items():
        if any(row.values()):
            lines.append(f"  {expected:<26}" + "".join(f"{row[p] or '.':>5}" for p in m.conditions))

    lines += ["", "TRIAGE (rows: least urgent safe level; columns: level given)"]
    lines.append("  " + "   ".join(f"{i} = {lv}" for i, lv in enumerate(m.levels, start=1)))
    lines.append(f"  {'':<26}" + "".join(f"{i:>5}" for i in range(1, len(m.levels) + 1)))
    for safe, row in m.triage_table.items():
        if any(row.values()):
            lines.append(f"  {safe:<26}" + "".join(f"{row[g] or '.':>5}" for g in m.levels))

    misses = m.misses
    lines += ["", f"MISSES ({len(misses)} of {len(m.verdicts)} cases are not fully right)"]
    for v in misses:
        lines += ["", f"  {v.case.id}  ({v.case.origin})"]
        lines += [f"    {w}" for w in _what_went_wrong(v)]
        lines.append("    triage reasons:")
        lines += [f"      [{level}] {text}" for level, text in v.outcome.reasons]
        lines.append("    leading evidence:")
        lines += [f"      {line}" for line in _leading(v)]
    lines += ["", _verdict_line(m, min_top1), "", DISCLAIMER]
    return "\n".join(lines)


# --------------------------------------------------------------------------- markdown

def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"] + [
        "| " + " | ".join(row) + " |" for row in rows]


def render_markdown(metrics: Metrics, kb: KnowledgeBase, min_top1: float | None = None,
                    title: str | None = None, level: int = 1) -> str:
    """The report as Markdown; ``level`` is the heading level of the title (sections go one deeper)."""
    m = metrics
    h, hh = "#" * level, "#" * (level + 1)
    out = [f"{h} {title or f'Validation of {len(m.verdicts)} cases'}", "",
           f"Knowledge base version `{kb.version}`; {len(m.verdicts)} cases.", ""]
    out += _table(["measure", "result", "rate"], [
        ["Top-1 accuracy", f"{m.top1.count}/{m.top1.total}", _pct(m.top1)],
        ["Top-3 accuracy", f"{m.top3.count}/{m.top3.total}", _pct(m.top3)],
        ["Under-triage (must be 0)", f"{m.under_triage.count}/{m.under_triage.total}", _pct(m.under_triage)],
        ["Exact triage", f"{m.exact_triage.count}/{m.exact_triage.total}", _pct(m.exact_triage)],
        ["Over-triage", f"{m.over_triage.count}/{m.over_triage.total}", _pct(m.over_triage)],
        ["Expected red flags missed (must be 0)", f"{len(m.missed_flags)}/{m.expected_flags}",
         f"{len(m.missed_flags) / m.expected_flags:.1%}" if m.expected_flags else "-"],
    ])
    out += ["", f"{hh} Against two baselines", "",
            "The same cases scored by the pain site alone (where it hurts most names its condition) and by "
            "the priors alone (always the commonest condition). Baselines give no triage level.", ""]
    out += _table(baselines.TABLE_HEADER, baselines.table_rows(baselines.comparison(m, kb)))
    right, named = baselines.likely_right(m)
    out += ["", f"{hh} Calibration", "",
            f"A condition named as likely was right in {baselines.rate((right, named))} of the cases where one "
            "was named. By the top condition's score:", ""]
    out += _table(["score band", "named as likely", "right"],
                  [[f"{b.low:.0%} to {b.high:.0%}", str(b.named), baselines.rate((b.right, b.named))]
                   for b in baselines.reliability(m)])
    out += ["", f"{hh} Accuracy by expected condition", ""]
    out += _table(["expected", "cases", "top-1", "top-3"], [
        [f"`{name}`", str(c.cases), f"{c.top1.count}/{c.top1.total} ({_pct(c.top1)})",
         f"{c.top3.count}/{c.top3.total} ({_pct(c.top3)})"] for name, c in m.per_condition.items()])
    out += ["", f"{hh} Confusion matrix", "",
            "Rows: the expected condition. Columns: the condition named as likely (`none`: none named).", ""]
    out += _table(["expected \\ named"] + [f"`{p}`" for p in m.conditions],
                  [[f"`{e}`"] + [str(row[p]) if row[p] else "." for p in m.conditions]
                   for e, row in m.confusion.items() if any(row.values())])
    out += ["", f"{hh} Triage", "",
            "Rows: the least urgent safe level. Columns: the level given. Left of the diagonal is over-triage; "
            "right of it is under-triage.", ""]
    out += _table(["safe \\ given"] + [f"`{g}`" for g in m.levels],
                  [[f"`{s}`"] + [str(row[g]) if row[g] else "." for g in m.levels]
                   for s, row in m.triage_table.items() if any(row.values())])
    misses = m.misses
    out += ["", f"{hh} Misses", "",
            f"{len(misses)} of {len(m.verdicts)} cases are not fully right (wrong or no condition named, "
            "triage not exact, or a red flag not raised). Each shows the triage reasons and the leading "
            "evidence (rank, condition, posterior, and the strongest rules for `+` and against `-`)."]
    for v in misses:
        out += ["", f"{'#' * (level + 2)} `{v.case.id}`", ""]
        out += [f"- {w}" for w in _what_went_wrong(v)]
        out.append("- triage reasons:")
        out += [f"  - `{lv}` {text}" for lv, text in v.outcome.reasons]
        out.append("- leading evidence:")
        out += [f"  - {line}" for line in _leading(v, markdown=True)]
    failures = m.failures(min_top1)
    out += ["", f"{hh} Result: {'FAIL' if failures else 'PASS'}", ""]
    out += [f"- {f}" for f in failures] or ["No case is under-triaged and no expected red flag is missed."]
    out += ["", f"*{DISCLAIMER}*"]
    return "\n".join(out) + "\n"


def render_json(metrics: Metrics, kb: KnowledgeBase, min_top1: float | None = None) -> str:
    data = metrics.to_dict()
    data["kb_version"] = kb.version
    data["failures"] = metrics.failures(min_top1)
    data["passed"] = not data["failures"]
    data["disclaimer"] = DISCLAIMER
    return json.dumps(data, indent=2, sort_keys=True)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


# --------------------------------------------------------------------------- command

@click.command("validate")
@engine_option(default="experta")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--min-top1", type=click.FloatRange(0, 1), default=None,
              help="Fail when top-1 accuracy is below this fraction (e.g. 0.6).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of the terminal.")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the knowledge base in this folder instead of the installed one.")
def command(files, fmt, min_top1, output, rules_dir):
    """Measure accuracy and triage safety on cases whose answer is known.

    FILES are vignette YAML files, folders of them, or batch files (CSV, JSON, JSON Lines) in the
    intake-form contract with extra columns: expected_condition (a condition id or `none`),
    safe_triage (the least urgent safe level), and optionally acceptable_conditions and red_flags
    (several values separated by `;`). Without FILES, the vignettes of the source checkout
    (tests/vignettes) are used.

    Exits 1 when any case is under-triaged, an expected red flag is missed, or top-1 accuracy is
    below --min-top1; exits 2 when the cases cannot be read.
    """
    try:
        kb = load_knowledge(rules_dir)
        backends.get_engine(kb)      # the compiled engine refuses a cycle of conclusions here
    except KnowledgeError as error:
        raise click.ClickException(f"the knowledge base does not load: {error}") from None
    paths = list(files) or default_case_paths()
    if not paths:
        raise click.UsageError("no case files given. Pass vignette YAML files or a batch file with the "
                               "expected columns (the vignette suite is in the source checkout, "
                               "under tests/vignettes).")
    try:
        cases = load_cases(paths, kb)
    except CaseError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing was validated.", err=True)
        raise SystemExit(2)
    metrics = validate(cases, kb)
    report = RENDERERS[fmt](metrics, kb, min_top1)
    if output:
        output.write_text(report if report.endswith("\n") else report + "\n", encoding="utf-8")
        click.echo(_verdict_line(metrics, min_top1), err=True)
    else:
        click.echo(report.rstrip("\n"))
    if metrics.failures(min_top1):
        raise SystemExit(1)
