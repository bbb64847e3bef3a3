"""Loading the management plans in rules/management/ into typed, checked records.

The plans are knowledge: every sentence a runner or a clinician reads comes from the YAML, with
its citation keys and the strength of its evidence. This module only reads and checks them; the
reports decide when a plan is shown (triage/report.py) and how it looks (reports/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


from triage.paths import RULES_DIR
from triage.yamlfile import read_yaml

# The sections of a condition plan, in the order the reports show them.
SECTION_IDS = (
    "load_modification", "protect_and_load", "taping_bracing", "footwear", "exercises",
    "gait_retraining", "return_to_running", "prevention", "imaging_and_referral", "expected_course",
)


class ManagementError(ValueError):
    """A management file does not follow the schema; the message names the file and the place."""


@dataclass(frozen=True)
class Point:
    """One piece of advice, in clinician and runner wording, with its sources."""

    text: str
    patient: str
    cite: tuple[str, ...]
    evidence: str
    level: str | None = None       # safety-netting and referral points: the triage level it calls for


@dataclass(frozen=True)
class Exercise:
    name: str
    dose: str
    cue: str
    cite: tuple[str, ...]
    evidence: str
    # The source of the dose when it is not the exercise's own (a usual starting dose from a
    # guideline, where the exercise's source gives none).
    dose_cite: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    week: int
    run: str
    note: str = ""


@dataclass(frozen=True)
class Section:
    """One section of a plan. Only return_to_running uses the stage fields."""

    id: str
    title: str
    points: tuple[Point, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    gap: str = ""                  # what the sources do not cover, said plainly
    entry_criteria: tuple[Point, ...] = ()
    stages: tuple[Stage, ...] = ()
    progress_rule: Point | None = None
    step_back_rule: Point | None = None
    notes: tuple[Point, ...] = ()
    provenance: str = ""
    patient_title: str = ""        # the heading for the runner, when the file gives one

    @property
    def is_empty(self) -> bool:
        return not (self.points or self.exercises or self.entry_criteria or self.stages or self.notes)


@dataclass(frozen=True)
class Plan:
    condition: str
    title: str
    patient_title: str
    sections: tuple[Section, ...]
    caveat: Point | None = None

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True)
class CommonAdvice:
    """rules/management/common.yml: safety-netting for every plan, and the referral advice."""

    safety_netting_title: str
    safety_netting: tuple[Point, ...]
    referral_title: str
    referral: tuple[Point, ...]
    referral_by_level: dict        # triage level -> Point
    # Shown above a self-management plan when the knee should also be examined within 1-2 weeks
    # (a consultation-level flag that names no other cause, or an incomplete warning-sign screen).
    review: tuple[Point, ...] = ()
    # Section id -> the heading a runner reads (a section's own patient_title comes first).
    patient_section_titles: dict = field(default_factory=dict)


def _clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def _point(raw: Any, where: str) -> Point:
    if not isinstance(raw, dict):
        raise ManagementError(f"{where}: a point must be a mapping with text, patient, cite and evidence")
    missing = [k for k in ("text", "patient", "cite", "evidence") if not raw.get(k)]
    if missing:
        raise ManagementError(f"{where}: missing {', '.join(missing)}")
    return Point(text=_clean(raw["text"]), patient=_clean(raw["patient"]), cite=tuple(raw["cite"]),
                 evidence=str(raw["evidence"]), level=raw.get("level"))


def _points(raw: Any, where: str) -> tuple[Point, ...]:
    return tuple(_point(p, f"{where}[{i}]") for i, p in enumerate(raw or ()))


def _exercise(raw: dict, where: str) -> Exercise:
    missing = [k for k in ("name", "dose", "cue", "cite", "evidence") if not raw.get(k)]
    if missing:
        raise ManagementError(f"{where}: missing {', '.join(missing)}")
    return Exercise(name=_clean(raw["name"]), dose=_clean(raw["dose"]), cue=_clean(raw["cue"]),
                    cite=tuple(raw["cite"]), evidence=str(raw["evidence"]), dose_cite=tuple(raw.get("dose_cite") or ()))


def _section(raw: dict, where: str) -> Section:
    where = f"{where}: section {raw.get('id', '?')}"
    rule = {k: _point(raw[k], f"{where}: {k}") for k in ("progress_rule", "step_back_rule") if raw.get(k)}
    return Section(
        id=str(raw["id"]), title=_clean(raw.get("title", raw["id"])),
        points=_points(raw.get("points"), f"{where}: points"),
        exercises=tuple(_exercise(e, f"{where}: exercises[{i}]") for i, e in enumerate(raw.get("exercises") or ())),
        gap=_clean(raw.get("gap")),
        entry_criteria=_points(raw.get("entry_criteria"), f"{where}: entry_criteria"),
        stages=tuple(Stage(week=int(s["week"]), run=_clean(s["run"]), note=_clean(s.get("note")))
                     for s in raw.get("stages") or ()),
        notes=_points(raw.get("notes"), f"{where}: notes"),
        provenance=_clean(raw.get("provenance")),
        patient_title=_clean(raw.get("patient_title")),
        **rule,
    )


def _read(path: Path) -> dict:
    doc = read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("sections"), list):
        raise ManagementError(f"{path.name}: expected a mapping with a list of sections")
    return doc


def management_dir(rules_dir: str | None = None) -> Path:
    """The management folder of a knowledge base; a partial KB (a fixture) uses ours."""
    root = Path(rules_dir) if rules_dir else RULES_DIR
    return root / "management" if (root / "management").is_dir() else RULES_DIR / "management"


@lru_cache(maxsize=None)
def load_plan(condition: str, rules_dir: str | None = None) -> Plan | None:
    """The plan for a condition, or None when the knowledge base has none for it."""
    path = management_dir(rules_dir) / f"{condition}.yml"
    if not path.exists():
        return None
    doc = _read(path)
    where = f"management/{path.name}"
    if doc.get("condition") != condition:
        raise ManagementError(f"{where}: says condition {doc.get('condition')!r}, expected {condition!r}")
    try:
        sections = {s["id"]: _section(s, where) for s in doc["sections"]}
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ManagementError):
            raise
        raise ManagementError(f"{where}: {error!r}") from None
    unknown = set(sections) - set(SECTION_IDS)
    if unknown:
        raise ManagementError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}; "
                              f"accepted: {', '.join(SECTION_IDS)}")
    return Plan(
        condition=condition, title=_clean(doc.get("title")), patient_title=_clean(doc.get("patient_title")),
        sections=tuple(sections[s] for s in SECTION_IDS if s in sections),
        caveat=_point(doc["caveat"], f"{where}: caveat") if doc.get("caveat") else None,
    )


@lru_cache(maxsize=None)
def load_common(rules_dir: str | None = None) -> CommonAdvice:
    path = management_dir(rules_dir) / "common.yml"
    doc = _read(path)
    where = "management/common.yml"
    sections = {s.get("id"): s for s in doc["sections"]}
    for needed in ("safety_netting", "referral"):
        if needed not in sections:
            raise ManagementError(f"{where}: missing section {needed}")
    safety = _points(sections["safety_netting"].get("points"), f"{where}: safety_netting")
    if any(p.level is None for p in safety):
        raise ManagementError(f"{where}: every safety_netting point needs a level")
    referral = sections["referral"]
    by_level = {}
    for i, raw in enumerate(referral.get("by_level") or ()):
        point = _point(raw, f"{where}: referral.by_level[{i}]")
        by_level[point.level] = point
    return CommonAdvice(
        safety_netting_title=_clean(sections["safety_netting"].get("title")),
        safety_netting=safety,
        referral_title=_clean(referral.get("title")),
        referral=_points(referral.get("points"), f"{where}: referral"),
        referral_by_level=by_level,
        review=_points((sections.get("review") or {}).get("points"), f"{where}: review"),
        patient_section_titles={str(k): _clean(v) for k, v in (doc.get("patient_section_titles") or {}).items()},
    )
