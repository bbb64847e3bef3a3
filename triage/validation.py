"""Clinical validation: run cases whose right answer is known, and measure how often we give it.

A case is a form plus what a clinician expects: the condition (or ``none`` when the knee needs
something outside the six conditions), other conditions that are acceptable, the least urgent
triage level that is still safe, and the red flags that must be raised. Cases come from the
vignette suite (tests/vignettes/*.yml) or from a clinic's own batch file (CSV, JSON, JSON Lines)
with the expected columns added.

The module has three layers so that each can be tested on its own:

- loading (``load_cases``) reads and checks files, and raises ``CaseError`` listing every problem;
- ``run_case`` assesses one case (the only call into the engine);
- ``judge`` and ``measure`` are pure: outcomes in, verdicts and metrics out.

How ``none`` is scored (docs/validation.md repeats this for readers):

- top-1 is right when the condition named as likely (``top_condition``) is the expected one or an
  acceptable one; for a ``none`` case it is right when no condition is named. Declining to name a
  condition for a case that has one is a top-1 miss.
- top-3 is right when top-1 is right, or when an expected or acceptable condition is among the
  first three of the ranked differential. The ranking always lists every condition, so a ``none``
  case with no acceptable condition can only be right at top-3 by naming nothing: its top-3
  equals its top-1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from triage.batch.readers import EXTENSIONS as BATCH_EXTENSIONS
from triage.batch.readers import InputError, read_rows
from triage.forms import Form, FormError, parse_form
from triage.knowledge import KnowledgeBase
from triage.yamlfile import YAMLError, parse_yaml

NONE = "none"  # the expected condition of a case that is none of the six

VIGNETTE_REQUIRED = ("id", "description", "source", "expected_condition", "safe_triage", "form")
VIGNETTE_OPTIONAL = ("acceptable_conditions", "red_flags")
# A published case of the blind external set (tests/external/README.md): cited by its address
# rather than by a key of references.yml, with its labels' provenance.
EXTERNAL_REQUIRED = ("id", "description", "source_url", "diagnosis", "expected_condition",
                     "expected_triage", "safe_triage", "form")
EXTERNAL_OPTIONAL = ("source_title", "acceptable_conditions", "confidence", "label_notes", "encoding_notes")
# Columns a batch file adds to the intake-form contract to become validation cases.
EXPECTED_COLUMNS = ("expected_condition", "safe_triage", "acceptable_conditions", "red_flags")
TABLE_REQUIRED = ("expected_condition", "safe_triage")
LIST_SEPARATOR = ";"

VIGNETTE_SUFFIXES = (".yml", ".yaml")
TABLE_SUFFIXES = tuple(BATCH_EXTENSIONS)     # read as `kneetriage score` reads them


# --------------------------------------------------------------------------- cases and errors

@dataclass(frozen=True)
class Case:
    """One validation case: a valid form and what a clinician expects of it."""

    id: str
    origin: str                            # where it came from: a file, and a row for a table
    expected_condition: str                # a condition id, or NONE
    safe_triage: str                       # the least urgent level that is still safe
    form: Form
    acceptable_conditions: tuple[str, ...] = ()
    red_flags: tuple[str, ...] = ()        # flag ids that must be raised
    description: str = ""
    source: tuple[str, ...] = ()
    expected_triage: str | None = None     # external cases: the right level, knowing the diagnosis
    diagnosis: str = ""                    # external cases: the final diagnosis, in words

    @property
    def accepted(self) -> frozenset:
        """Predictions that count as right; None stands for 'no condition named'."""
        names = {self.expected_condition, *self.acceptable_conditions}
        return frozenset(None if name == NONE else name for name in names)


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with a case file: where, which key or field, and what is accepted."""

    origin: str
    key: str
    message: str
    accepted: str = ""

    def __str__(self) -> str:
        text = f"{self.origin}: {self.key}: {self.message}"
        # Form problems already name the accepted values in their message.
        if not self.accepted or self.accepted in self.message:
            return text
        return f"{text} (accepted: {self.accepted})"


class CaseError(ValueError):
    """Cases that cannot be validated. Lists every problem in every file at once."""

    def __init__(self, problems: list[CaseProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- loading

def _listed(value: Any) -> list[str]:
    """A list from YAML/JSON, or a `;`-separated cell from CSV; empty for a missing value."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(part).strip() for part in value]
    raise TypeError(value)


def _build_case(raw: Mapping[str, Any], form_mapping: Any, origin: str, case_id: str, kb: KnowledgeBase,
                problems: list[CaseProblem], form_prefix: str = "") -> Case | None:
    """Check the expectations against the knowledge base and the form against the contract.

    ``form_prefix`` names where the form sits in the file (``form.`` in a vignette, nothing in
    a table row, whose columns are the form's fields)."""
    conditions = [c.id for c in kb.conditions]
    levels = [lv.id for lv in kb.levels]
    flags = sorted(f.id for f in kb.flags)
    count = len(problems)

    def check_one(key: str, value: Any, accepted: list[str]) -> str | None:
        text = "" if value is None else str(value).strip()
        if text in accepted:
            return text
        near = get_close_matches(text, accepted, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        problems.append(CaseProblem(origin, key, f"{value!r} is not accepted{hint}", ", ".join(accepted)))
        return None

    def check_list(key: str, accepted: list[str]) -> tuple[str, ...]:
        try:
            values = _listed(raw.get(key))
        except TypeError:
            problems.append(CaseProblem(origin, key, f"{raw.get(key)!r} is not a list",
                                        f"a list, or values separated by {LIST_SEPARATOR!r}"))
            return ()
        return tuple(v for v in (check_one(key, v, accepted) for v in values) if v is not None)

    expected = check_one("expected_condition", raw.get("expected_condition"), conditions + [NONE])
    safe = check_one("safe_triage", raw.get("safe_triage"), levels)
    right = check_one("expected_triage", raw.get("expected_triage"), levels) if "expected_triage" in raw else None
    acceptable = check_list("acceptable_conditions", conditions + [NONE])
    red_flags = check_list("red_flags", flags)
    try:
        form = parse_form(form_mapping)
    except FormError as error:
        for p in error.problems:
            problems.append(CaseProblem(origin, form_prefix + p.field, p.message, p.accepted))
        form = None
    if len(problems) > count:
        return None
    return Case(id=case_id, origin=origin, expected_condition=expected, safe_triage=safe, form=form,
                acceptable_conditions=acceptable, red_flags=red_flags,
                description=" ".join(str(raw.get("description") or "").split()),
                source=tuple(str(s) for s in (raw.get("source") or [raw.get("source_url")] if raw.get("source_url")
                                              else raw.get("source") or ())),
                expected_triage=right, diagnosis=str(raw.get("diagnosis") or ""))


def load_vignette(path: Path, kb: KnowledgeBase, problems: list[CaseProblem], origin: str | None = None) -> Case | None:
    """One vignette file (tests/vignettes/<id>.yml); problems are appended, not raised."""
    origin = origin or str(path)
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except YAMLError as error:
        problems.append(CaseProblem(origin, "(file)", f"not valid YAML: {error}"))
        return None
    except UnicodeDecodeError as error:
        problems.append(CaseProblem(origin, "(file)", f"is not UTF-8 text (byte {error.start + 1}); save it as UTF-8"))
        return None
    except OSError as error:
        problems.append(CaseProblem(origin, "(file)", f"cannot be read ({error.strerror or error})"))
        return None
    if not isinstance(raw, Mapping):
        problems.append(CaseProblem(origin, "(file)", "a vignette is a YAML mapping",
                                    ", ".join(VIGNETTE_REQUIRED + VIGNETTE_OPTIONAL)))
        return None
    count = len(problems)
    # An external case names its source by address (source_url); a vignette by reference keys.
    required, optional = ((EXTERNAL_REQUIRED, EXTERNAL_OPTIONAL) if "source_url" in raw
                          else (VIGNETTE_REQUIRED, VIGNETTE_OPTIONAL))
    for key in required:
        if raw.get(key) in (None, "", []):
            problems.append(CaseProblem(origin, key, "missing (every case file of this kind needs it)",
                                        ", ".join(required)))
    for key in raw:
        if key not in required + optional:
            near = get_close_matches(str(key), required + optional, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.append(CaseProblem(origin, str(key), f"unknown key{hint}", ", ".join(required + optional)))
    sources = raw.get("source")
    if sources and not isinstance(sources, list):
        problems.append(CaseProblem(origin, "source", f"{sources!r} is not a list",
                                    "a list of keys of rules/references.yml"))
    elif sources:
        for key in sources:
            if str(key) not in kb.references:
                problems.append(CaseProblem(origin, "source", f"{key!r} is not a key of rules/references.yml"))
    if len(problems) > count:
        return None
    return _build_case(raw, raw["form"], origin, str(raw["id"]), kb, problems, form_prefix="form.")


def load_table(path: Path, kb: KnowledgeBase, problems: list[CaseProblem], origin: str | None = None) -> list[Case]:
    """A batch file of contract forms with the expected columns added; one case per row.

    Rows are read by the batch readers (triage/batch/readers.py), so a clinic's file is read
    exactly as ``kneetriage score`` reads it, and a row that cannot be read is reported by number.
    """
    origin = origin or str(path)
    try:
        rows = list(read_rows(str(path)))
    except InputError as error:
        problems.append(CaseProblem(origin, "(file)", str(error)))
        return []
    if not rows:
        problems.append(CaseProblem(origin, "(file)", "no rows"))
        return []
    cases = []
    for row in rows:
        where = f"{origin} row {row.number} (line {row.line})"
        if row.problems:
            problems += [CaseProblem(where, p.field, p.message, p.accepted) for p in row.problems]
            continue
        if not isinstance(row.data, Mapping):
            problems.append(CaseProblem(where, "(row)", "a row is an object of field names and values"))
            continue
        missing = [key for key in TABLE_REQUIRED if row.data.get(key) in (None, "")]
        for key in missing:
            problems.append(CaseProblem(where, key, "missing (every validation row needs it)",
                                        ", ".join(EXPECTED_COLUMNS)))
        if missing:
            continue
        form_mapping = {k: v for k, v in row.data.items() if k not in EXPECTED_COLUMNS}
        form_id = row.data.get("form_id")
        case_id = str(form_id).strip() if form_id not in (None, "") else f"{path.name} row {row.number}"
        case = _build_case(row.data, form_mapping, where, case_id, kb, problems)
        if case is not None:
            cases.append(case)
    return cases


def case_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: files as given, folders expanded to their case files (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in VIGNETTE_SUFFIXES + TABLE_SUFFIXES)
        else:
            files.append(path)
    return files


def _shown(path: Path) -> str:
    """A path as reports show it: relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def load_cases(paths: Iterable[Path | str], kb: KnowledgeBase) -> list[Case]:
    """Every case in these files and folders, or CaseError listing every problem in all of them."""
    problems: list[CaseProblem] = []
    cases: list[Case] = []
    files = case_files(Path(p) for p in paths)
    for path in files:
        origin = _shown(path)
        suffix = path.suffix.lower()
        if not path.exists():
            problems.append(CaseProblem(origin, "(file)", "no such file"))
        elif suffix in VIGNETTE_SUFFIXES:
            case = load_vignette(path, kb, problems, origin)
            if case is not None:
                cases.append(case)
        elif suffix in TABLE_SUFFIXES:
            cases += load_table(path, kb, problems, origin)
        else:
            problems.append(CaseProblem(origin, "(file)", f"unknown file type {suffix or '(none)'!r}",
                                        ", ".join(VIGNETTE_SUFFIXES + TABLE_SUFFIXES)))
    seen: dict[str, str] = {}
    for case in cases:
        if case.id in seen:
            problems.append(CaseProblem(case.origin, "id", f"{case.id!r} is also the id of {seen[case.id]}"))
        seen.setdefault(case.id, case.origin)
    if not files:
        problems.append(CaseProblem("(arguments)", "(files)", "no case files found"))
    if problems:
        raise CaseError(problems)
    return cases


# --------------------------------------------------------------------------- running

@dataclass(frozen=True)
class RuleRef:
    rule: str
    title: str
    lr: float | None


@dataclass(frozen=True)
class Leading:
    """One condition of the differential, with the rules that moved it."""

    condition: str
    rank: int
    score: float
    supporting: tuple[RuleRef, ...]
    opposing: tuple[RuleRef, ...]


@dataclass(frozen=True)
class Outcome:
    """What the system said about a case (only what validation needs)."""

    case: Case
    top_condition: str | None
    ranking: tuple[str, ...]               # condition ids, best first
    triage_level: str
    red_flags: tuple[str, ...] = ()
    outcome: str = ""                      # likely | suspected | no_clear_fit | insufficient_information | other_cause
    reasons: tuple[tuple[str, str], ...] = ()   # (level, text), most urgent first
    differential: tuple[Leading, ...] = ()


def run_case(case: Case, kb: KnowledgeBase) -> Outcome:
    from triage.assess import assess

    result = assess(case.form, kb=kb)

    def refs(uses) -> tuple[RuleRef, ...]:
        return tuple(RuleRef(u.rule, u.title, u.lr) for u in uses)

    return Outcome(
        case=case, top_condition=result.top_condition, ranking=tuple(c.id for c in result.differential),
        triage_level=result.triage_level, red_flags=tuple(result.red_flag_ids), outcome=result.outcome,
        reasons=tuple((r.level, r.text) for r in result.triage.reasons),
        differential=tuple(Leading(c.id, c.rank, c.score, refs(c.supporting), refs(c.opposing))
                           for c in result.differential),
    )


# --------------------------------------------------------------------------- judging (pure)

UNDER, EXACT, OVER = "under", "exact", "over"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    top1: bool
    top3: bool
    triage: str                            # under | exact | over
    missed_flags: tuple[str, ...]

    @property
    def case(self) -> Case:
        return self.outcome.case

    @property
    def is_miss(self) -> bool:
        """Anything short of fully right: listed, with its explanation, in every report."""
        return not self.top1 or self.triage != EXACT or bool(self.missed_flags)


def judge(outcome: Outcome, level_order: Sequence[str]) -> Verdict:
    """Compare one outcome with its case; ``level_order`` lists the triage levels most urgent first."""
    case = outcome.case
    accepted = case.accepted
    top1 = outcome.top_condition in accepted
    top3 = top1 or any(c in accepted for c in outcome.ranking[:3])
    given, safe = level_order.index(outcome.triage_level), level_order.index(case.safe_triage)
    triage = UNDER if given > safe else OVER if given < safe else EXACT
    missed = tuple(f for f in case.red_flags if f not in outcome.red_flags)
    return Verdict(outcome, top1, top3, triage, missed)


@dataclass(frozen=True)
class Rate:
    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    def __str__(self) -> str:
        return f"{self.count}/{self.total} ({self.value:.1%})" if self.total else "0/0 (-)"

    def to_dict(self) -> dict:
        return {"count": self.count, "total": self.total,
                "rate": None if self.value is None else round(self.value, 4)}


@dataclass(frozen=True)
class ConditionMetrics:
    cases: int
    top1: Rate
    top3: Rate


@dataclass(frozen=True)
class Metrics:
    """Everything a validation run reports; ``verdicts`` keeps the input order."""

    verdicts: tuple[Verdict, ...]
    conditions: tuple[str, ...]            # row and column order of the confusion matrix (NONE last)
    levels: tuple[str, ...]                # most urgent first
    top1: Rate
    top3: Rate
    per_condition: dict = field(default_factory=dict)    # expected condition -> ConditionMetrics
    confusion: dict = field(default_factory=dict)        # expected -> predicted -> count
    triage_table: dict = field(default_factory=dict)     # safe level -> level given -> count
    under_triage: Rate = Rate(0, 0)
    exact_triage: Rate = Rate(0, 0)
    over_triage: Rate = Rate(0, 0)
    expected_flags: int = 0
    missed_flags: tuple[tuple[str, str], ...] = ()       # (case id, flag id)

    @property
    def misses(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.is_miss)

    @property
    def under_triaged(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.triage == UNDER)

    def failures(self, min_top1: float | None = None) -> list[str]:
        """Why this run fails: any under-triage, any missed red flag, top-1 below a floor."""
        out = []
        if self.under_triage.count:
            ids = ", ".join(v.case.id for v in self.under_triaged)
            out.append(f"{self.under_triage.count} case(s) under-triaged: {ids}")
        if self.missed_flags:
            out.append(f"{len(self.missed_flags)} expected red flag(s) missed: "
                       + ", ".join(f"{flag} in {case}" for case, flag in self.missed_flags))
        if min_top1 is not None and (self.top1.value or 0.0) < min_top1:
            out.append(f"top-1 accuracy {self.top1} is below the floor of {min_top1:.1%}")
        return out

    def to_dict(self) -> dict:
        """JSON-ready, deterministic (no timestamps; key order is fixed by sort_keys on output)."""
        return {
            "cases": len(self.verdicts),
            "top1": self.top1.to_dict(),
            "top3": self.top3.to_dict(),
            "per_condition": {name: {"cases": m.cases, "top1": m.top1.to_dict(), "top3": m.top3.to_dict()}
                              for name, m in self.per_condition.items()},
            "confusion": self.confusion,
            "triage": {"under": self.under_triage.to_dict(), "exact": self.exact_triage.to_dict(),
                       "over": self.over_triage.to_dict(), "table": self.triage_table},
            "red_flags": {"expected": self.expected_flags,
                          "missed": [{"case": c, "flag": f} for c, f in self.missed_flags]},
            "verdicts": [_verdict_dict(v) for v in self.verdicts],
        }


def _verdict_dict(v: Verdict) -> dict:
    o, case = v.outcome, v.case
    return {
        "id": case.id, "origin": case.origin,
        "expected_condition": case.expected_condition, "acceptable_conditions": list(case.acceptable_conditions),
        "top_condition": o.top_condition or NONE, "outcome": o.outcome, "ranking": list(o.ranking),
        "top1": v.top1, "top3": v.top3,
        "safe_triage": case.safe_triage, "triage_level": o.triage_level, "triage": v.triage,
        "expected_red_flags": list(case.red_flags), "red_flags": list(o.red_flags),
        "missed_red_flags": list(v.missed_flags),
        "reasons": [{"level": level, "text": text} for level, text in o.reasons],
        "differential": [{"condition": d.condition, "rank": d.rank, "score": d.score,
                          "supporting": [r.rule for r in d.supporting], "opposing": [r.rule for r in d.opposing]}
                         for d in o.differential],
    }


def measure(outcomes: Sequence[Outcome], conditions: Sequence[str], levels: Sequence[str]) -> Metrics:
    """Judge every outcome and add them up. ``levels`` most urgent first; pure."""
    verdicts = tuple(judge(o, levels) for o in outcomes)
    rows = tuple(conditions) + (NONE,)
    n = len(verdicts)

    per_condition = {}
    for name in rows:
        mine = [v for v in verdicts if v.case.expected_condition == name]
        if mine:
            per_condition[name] = ConditionMetrics(len(mine), Rate(sum(v.top1 for v in mine), len(mine)),
                                                   Rate(sum(v.top3 for v in mine), len(mine)))
    pairs = Counter((v.case.expected_condition, v.outcome.top_condition or NONE) for v in verdicts)
    confusion = {e: {p: pairs[(e, p)] for p in rows} for e in rows}
    levels_pairs = Counter((v.case.safe_triage, v.outcome.triage_level) for v in verdicts)
    triage_table = {s: {g: levels_pairs[(s, g)] for g in levels} for s in levels}
    triage = Counter(v.triage for v in verdicts)
    return Metrics(
        verdicts=verdicts, conditions=rows, levels=tuple(levels),
        top1=Rate(sum(v.top1 for v in verdicts), n), top3=Rate(sum(v.top3 for v in verdicts), n),
        per_condition=per_condition, confusion=confusion, triage_table=triage_table,
        under_triage=Rate(triage[UNDER], n), exact_triage=Rate(triage[EXACT], n), over_triage=Rate(triage[OVER], n),
        expected_flags=sum(len(v.case.red_flags) for v in verdicts),
        missed_flags=tuple((v.case.id, f) for v in verdicts for f in v.missed_flags),
    )


def validate(cases: Sequence[Case], kb: KnowledgeBase) -> Metrics:
    """Run every case and measure the results."""
    outcomes = [run_case(case, kb) for case in cases]
    return measure(outcomes, [c.id for c in kb.conditions], [lv.id for lv in kb.levels])
