"""Loading the knowledge base in rules/ into typed specs, and checking it (``rules lint``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from triage.catalogue import Catalogue, ValueProblem, load_catalogue
from triage.matching import Item, When, parse_when
from triage.paths import RULES_DIR
from triage.screen import Screen, ScreenItem
from triage.yamlfile import read_yaml

KINDS = ("conclusion", "evidence", "red_flag")


@dataclass(frozen=True)
class RuleSpec:
    """One rule: what it looks for, what it concludes, why, and from which source."""

    id: str
    kind: str                      # conclusion | evidence | red_flag
    title: str
    when: When
    explanation: str
    cite: tuple[str, ...]
    source_file: str
    concludes: str | None = None   # conclusion rules
    condition: str | None = None   # evidence rules
    lr: float | None = None
    basis: str | None = None       # published | estimated
    flag: str | None = None        # red-flag rules
    level: str | None = None
    group: str | None = None       # evidence rules: findings that measure the same thing
    other_cause: bool = False      # red-flag rules: it points to a cause outside the six (FlagSpec)

    @property
    def direction(self) -> str | None:
        if self.lr is None:
            return None
        return "for" if self.lr > 1 else "against"

    @property
    def strength(self) -> str | None:
        """Weak / moderate / strong, from the size of ln(LR) (the ladder in authoring-rules.md)."""
        if self.lr is None:
            return None
        size = abs(math.log(self.lr))
        return "strong" if size >= math.log(5) else "moderate" if size >= math.log(2.5) else "weak"


@dataclass(frozen=True)
class ConditionSpec:
    id: str
    title: str
    patient_title: str
    prior: float
    prior_basis: str
    prior_cite: tuple[str, ...]
    summary: str
    # Evidence groups: name -> (cap, floor) as likelihood ratios. The rules of one group measure
    # the same thing, so together they move the odds no more than ``cap`` for, nor more than
    # ``floor`` against (by default the group's strongest rule each way): triage/scoring.py.
    groups: dict = field(default_factory=dict, hash=False, compare=False)
    group_notes: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class PriorFactor:
    """rules/priors.yml: the prior odds of conditions for a runner's sport, age band or sex."""

    dimension: str                 # activity | age_band | sex
    value: str
    odds: dict = field(hash=False, compare=False)      # condition -> odds ratio
    basis: str = ""
    explanation: str = ""
    cite: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlagSpec:
    id: str
    title: str
    patient_title: str
    advice: str
    cite: tuple[str, ...]
    # The flag names a cause outside the six conditions that could itself explain the knee
    # pain (a slipped epiphysis, a fracture, an infection): while it stands, no overuse
    # condition is named, so that a label does not hide it. The default of its rules; a rule
    # may say otherwise.
    other_cause: bool = False


@dataclass(frozen=True)
class Level:
    id: str
    label: str
    timeframe: str
    action: str
    rank: int                      # 0 = most urgent


@dataclass(frozen=True)
class KnowledgeBase:
    rules: tuple[RuleSpec, ...]
    conditions: tuple[ConditionSpec, ...]
    flags: tuple[FlagSpec, ...]
    levels: tuple[Level, ...]
    policy: dict = field(hash=False, compare=False)
    references: dict = field(hash=False, compare=False)
    catalogue: Catalogue = field(hash=False, compare=False)
    version: str = ""
    screen: Screen = field(default=Screen((), ()), hash=False, compare=False)
    prior_factors: tuple[PriorFactor, ...] = field(default=(), hash=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_rule", {r.id: r for r in self.rules})
        object.__setattr__(self, "_condition", {c.id: c for c in self.conditions})
        object.__setattr__(self, "_flag", {f.id: f for f in self.flags})
        object.__setattr__(self, "_level", {lv.id: lv for lv in self.levels})
        object.__setattr__(self, "_of_kind", {k: tuple(r for r in self.rules if r.kind == k) for k in KINDS})

    def rule(self, rule_id: str) -> RuleSpec:
        return self._rule[rule_id]

    def condition(self, condition_id: str) -> ConditionSpec:
        return self._condition[condition_id]

    def flag(self, flag_id: str) -> FlagSpec:
        return self._flag[flag_id]

    def level(self, level_id: str) -> Level:
        return self._level[level_id]

    def has_rule(self, rule_id: str) -> bool:
        return rule_id in self._rule

    def rules_of(self, kind: str) -> list[RuleSpec]:
        return list(self._of_kind.get(kind, ()))   # precomputed: the what-if analysis asks per rule

    def reference(self, key: str) -> dict:
        return self.references[key]


class KnowledgeError(ValueError):
    """The knowledge base cannot be loaded; the message names the file and the rule."""


def _canonical_item(item: Item, catalogue: Catalogue, where: str) -> Item:
    """Read item values as a form would be read, so YAML's `yes` (a boolean) means 'yes'."""
    if item.field is None:
        return item
    if item.field not in catalogue:
        raise KnowledgeError(f"{where}: unknown field {item.field!r}")
    spec = catalogue[item.field]

    def read_all(values):
        out = []
        for v in values:
            try:
                canonical = spec.read(v)
            except ValueProblem as problem:
                raise KnowledgeError(f"{where}: {item.field}: {problem}") from None
            if canonical is None:
                raise KnowledgeError(f"{where}: {item.field}: a rule cannot test for an unknown answer ({v!r})")
            out.append(canonical)
        return tuple(out)

    return replace(item, equals=read_all(item.equals), excludes=read_all(item.excludes))


def _when(raw, catalogue: Catalogue, where: str) -> When:
    when = parse_when(raw)
    return When(*(tuple(_canonical_item(i, catalogue, where) for i in part)
                  for part in (when.all, when.any, when.none)))


def _screen(doc: dict, catalogue: Catalogue) -> Screen:
    """The warning-sign screen of rules/screen.yml (see triage/screen.py)."""
    def items(key: str) -> tuple[ScreenItem, ...]:
        out = []
        for raw in doc.get(key) or ():
            where = f"screen.yml: {key} item {raw.get('id', '?')}"
            try:
                ask = tuple(str(f) for f in raw["ask"])
                for name in ask:
                    if name not in catalogue:
                        raise KnowledgeError(f"{where}: asks unknown field {name!r}")
                out.append(ScreenItem(id=str(raw["id"]), title=str(raw["title"]), patient=str(raw["patient"]),
                                      ask=ask, clear=_when(raw["clear"], catalogue, where)))
            except KnowledgeError:
                raise
            except (KeyError, TypeError, ValueError) as error:
                raise KnowledgeError(f"{where}: {error}") from None
        return tuple(out)

    return Screen(items=items("items"), history=items("history"), cite=tuple(doc.get("cite") or ()))


def _rule(raw: dict, kind: str, source: str, catalogue: Catalogue, defaults: dict) -> RuleSpec:
    where = f"{source}: rule {raw.get('id', '?')}"
    try:
        when = _when(raw["when"], catalogue, where)
        spec = dict(
            id=str(raw["id"]), kind=kind, title=str(raw["title"]), when=when,
            explanation=" ".join(str(raw.get("explanation", "")).split()),
            cite=tuple(raw.get("cite") or ()), source_file=source, **defaults,
        )
        if kind == "conclusion":
            spec["concludes"] = str(raw["concludes"])
        elif kind == "evidence":
            evidence = raw["evidence"]
            spec.update(condition=str(evidence["condition"]), lr=float(evidence["lr"]),
                        basis=str(evidence.get("basis", "")), group=raw.get("group"))
        else:
            spec["level"] = str(raw["level"])
            spec["other_cause"] = bool(raw.get("other_cause", defaults.get("other_cause", False)))
    except KnowledgeError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise KnowledgeError(f"{where}: {error}") from None
    return RuleSpec(**spec)


@lru_cache(maxsize=None)
def load_knowledge(rules_dir: str | None = None) -> KnowledgeBase:
    """Load and compile-check everything under rules/ (cached: the files do not change in a run)."""
    root = Path(rules_dir) if rules_dir else RULES_DIR

    def shared(name: str) -> Path:
        # A partial knowledge base (a test fixture, a clinic's draft) may reuse our catalogue,
        # triage levels and references.
        return root / name if (root / name).exists() else RULES_DIR / name

    catalogue = load_catalogue(str(shared("fields.yml")))
    rules: list[RuleSpec] = []
    conclusions_file = root / "conclusions.yml"
    for raw in ((read_yaml(conclusions_file) or {}) if conclusions_file.exists() else {}).get("rules", []):
        rules.append(_rule(raw, "conclusion", "conclusions.yml", catalogue, {}))
    conditions = []
    for path in sorted((root / "conditions").glob("*.yml")):
        doc = read_yaml(path)
        source = f"conditions/{path.name}"
        mine = []
        for raw in doc.get("rules", []):
            rule = _rule(raw, "evidence", source, catalogue, {})
            if rule.condition != doc["condition"]:
                raise KnowledgeError(f"{source}: rule {rule.id} gives evidence for {rule.condition!r}, "
                                     f"but the file is about {doc['condition']!r}")
            mine.append(rule)
        rules += mine
        conditions.append(ConditionSpec(
            id=doc["condition"], title=doc["title"], patient_title=doc.get("patient_title", doc["title"]),
            prior=float(doc["prior"]), prior_basis=" ".join(str(doc.get("prior_basis", "")).split()),
            prior_cite=tuple(doc.get("prior_cite") or ()), summary=" ".join(str(doc.get("summary", "")).split()),
            **_groups(doc.get("groups") or {}, mine, source),
        ))
    flags = []
    for path in sorted((root / "red_flags").glob("*.yml")):
        doc = read_yaml(path)
        source = f"red_flags/{path.name}"
        other_cause = bool(doc.get("other_cause", False))
        flags.append(FlagSpec(id=doc["flag"], title=doc["title"], patient_title=doc.get("patient_title", doc["title"]),
                              advice=" ".join(str(doc.get("advice", "")).split()), cite=tuple(doc.get("cite") or ()),
                              other_cause=other_cause))
        for raw in doc.get("rules", []):
            rules.append(_rule(raw, "red_flag", source, catalogue, {"flag": doc["flag"], "other_cause": other_cause}))
    triage = read_yaml(shared("triage.yml"))
    levels = tuple(Level(rank=i, **lv) for i, lv in enumerate(triage["levels"]))
    references = read_yaml(shared("references.yml"))
    return KnowledgeBase(
        rules=tuple(rules), conditions=tuple(conditions), flags=tuple(flags), levels=levels,
        policy=triage["policy"], references=references, catalogue=catalogue,
        version=_version(root), screen=_screen(read_yaml(shared("screen.yml")) or {}, catalogue),
        prior_factors=_prior_factors(read_yaml(root / "priors.yml") if (root / "priors.yml").exists() else {}),
    )


def _groups(declared: dict, rules: list[RuleSpec], source: str) -> dict:
    """Each evidence group's (cap, floor): declared in the condition file, or by default its
    strongest rule for and its strongest rule against."""
    caps, notes = {}, {}
    for name in dict.fromkeys(r.group for r in rules if r.group):
        members = [r.lr for r in rules if r.group == name]
        spec = declared.get(name) or {}
        cap = float(spec.get("cap", max([lr for lr in members if lr > 1], default=1.0)))
        floor = float(spec.get("floor", min([lr for lr in members if lr < 1], default=1.0)))
        caps[name] = (cap, floor)
        notes[name] = " ".join(str(spec.get("why", "")).split())
    for name in declared:
        if name not in caps:
            raise KnowledgeError(f"{source}: group {name!r} is declared but no rule is in it")
    return {"groups": caps, "group_notes": notes}


def _prior_factors(doc: dict) -> tuple[PriorFactor, ...]:
    out = []
    for i, raw in enumerate(doc.get("factors") or ()):
        try:
            out.append(PriorFactor(dimension=str(raw["dimension"]), value=str(raw["value"]),
                                   odds={str(k): float(v) for k, v in raw["odds"].items()},
                                   basis=str(raw.get("basis", "")),
                                   explanation=" ".join(str(raw.get("explanation", "")).split()),
                                   cite=tuple(raw.get("cite") or ())))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise KnowledgeError(f"priors.yml: factor {i + 1}: {error}") from None
    return tuple(out)


def _version(root: Path) -> str:
    """A short content hash of the knowledge base, printed on every report."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yml")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
