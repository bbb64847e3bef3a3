"""Realistic random intake forms for benchmarks, seeded so that every run scores the same forms.

Each form tells one story, drawn from the knowledge base itself so the generator follows the
rules as they change:

* 75 %: a runner with one of the six conditions. The form satisfies some of that condition's
  supporting rules (choosing among their alternatives), so the differential has something to find.
* 12 %: a red flag. The form satisfies one red-flag rule (a hot swollen knee, a fall and
  cannot bear weight, calf swelling...) on top of a condition story or on its own.
* 13 %: a thin or vague form (a few answers, pain "everywhere").

Every story then gets the background a real form has: age, sex, sport, side, how long it has
hurt, a scatter of other questions answered (mostly "no"), and, on one form in three, the
examination findings of a clinician. Values are written in the spellings people use
("Yes", "n", " lateral ") as well as the canonical ones, so parsing does real work.

    python benchmarks/generate_forms.py 1000 --format csv > forms.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from typing import Any

from triage.knowledge import KnowledgeBase, RuleSpec, load_knowledge
from triage.matching import Item
from triage.scoring import alarm_findings

SPELLINGS = {"yes": ["yes", "yes", "yes", "Yes", "y", "TRUE"], "no": ["no", "no", "no", "No", "n", "false"]}


class FormGenerator:
    def __init__(self, seed: int = 0, kb: KnowledgeBase | None = None):
        self.rnd = random.Random(seed)
        self.kb = kb or load_knowledge()
        self.catalogue = self.kb.catalogue
        self.supporting = {c.id: [r for r in self.kb.rules_of("evidence") if r.condition == c.id and r.lr > 1]
                           for c in self.kb.conditions}
        self.flags = [r for r in self.kb.rules_of("red_flag")]
        # Background answers never report an alarm finding: red flags come from the stories.
        self.alarms = {name for name, _ in alarm_findings(self.kb)}
        self.concluding: dict[str, list[RuleSpec]] = {}
        for rule in self.kb.rules_of("conclusion"):
            self.concluding.setdefault(rule.concludes, []).append(rule)

    # Satisfying rules ----------------------------------------------------------------------

    def _value_for(self, item: Item) -> Any:
        spec = self.catalogue[item.field]
        if item.equals:
            return self.rnd.choice(item.equals)
        if item.excludes:
            choices = [v for v in (spec.choices() or list(spec.values)) if v not in item.excludes]
            return self.rnd.choice(choices) if choices else None
        low = item.min if item.min is not None else spec.min
        high = item.max if item.max is not None else min(spec.max, low + 60)
        return self.rnd.randint(int(low), int(high))

    def _satisfy(self, rule: RuleSpec, answers: dict, depth: int = 0) -> None:
        items = list(rule.when.all)
        if rule.when.any:
            items.append(self.rnd.choice(rule.when.any))
        for item in items:
            if item.concluded is not None:
                sources = self.concluding.get(item.concluded, [])
                if sources and depth < 4:
                    self._satisfy(self.rnd.choice(sources), answers, depth + 1)
            elif item.field not in answers:
                value = self._value_for(item)
                if value is not None:
                    answers[item.field] = value

    # Stories ---------------------------------------------------------------------------------

    def _background(self, answers: dict) -> None:
        rnd = self.rnd
        answers.setdefault("age", rnd.choice([rnd.randint(16, 30), rnd.randint(25, 50), rnd.randint(40, 70)]))
        answers.setdefault("sex", rnd.choice(["female", "female", "male", "male", "other"]))
        answers.setdefault("activity", rnd.choice(["road_running"] * 5 + ["trail_running"] * 2
                                                  + ["track", "cycling", "jumping_sport", "field_sport"]))
        answers.setdefault("side", rnd.choice(["left", "right", "right", "both"]))
        answers.setdefault("duration_weeks", rnd.choice([1, 2, 3, 4, 6, 8, 12, 26]))
        answers.setdefault("pain_worst_nrs", rnd.randint(2, 8))
        # Nearly everyone answers the key questions: where, how it started, how a run goes.
        typical = {"pain_location": ["anterior_diffuse", "lateral", "inferior_pole", "medial", "infrapatellar"],
                   "onset": ["gradual"] * 6 + ["sudden_no_injury"],
                   "run_pain_pattern": self.catalogue["run_pain_pattern"].choices()}
        for name, choices in typical.items():
            if name not in answers and rnd.random() < 0.9:
                answers[name] = rnd.choice(choices)
        clinician = rnd.random() < 0.33
        for spec in self.catalogue.answerable():
            if spec.name in answers:
                continue
            alarm = spec.name in self.alarms
            if spec.type == "yesno" and rnd.random() < 0.45:
                answers[spec.name] = "yes" if not alarm and rnd.random() < 0.15 else "no"
            elif spec.type == "exam" and clinician and rnd.random() < 0.5:
                answers[spec.name] = "positive" if not alarm and rnd.random() < 0.15 else "negative"

    def form(self, number: int) -> dict:
        rnd = self.rnd
        answers: dict = {}
        story = rnd.random()
        if story < 0.87:
            if story < 0.75 or rnd.random() < 0.5:
                condition = rnd.choice([c.id for c in self.kb.conditions])
                rules = self.supporting[condition]
                for rule in rnd.sample(rules, k=min(len(rules), rnd.randint(1, 4))):
                    self._satisfy(rule, answers)
            if story >= 0.75:
                self._satisfy(rnd.choice(self.flags), answers)
            self._background(answers)
        else:
            answers["pain_location"] = rnd.choice(["whole_knee", "anterior_diffuse", "medial"])
            if rnd.random() < 0.5:
                answers["age"] = rnd.randint(15, 70)
        form = {"form_id": f"F{number:07d}"}
        for name in self.catalogue.names:
            if name in answers:
                value = answers[name]
                form[name] = rnd.choice(SPELLINGS[value]) if value in SPELLINGS else value
        return form

    def forms(self, count: int):
        for number in range(1, count + 1):
            yield self.form(number)


def write_forms(forms, handle, fmt: str, fields: list[str]) -> None:
    """Write forms as CSV (one column per catalogue field) or JSON Lines."""
    if fmt == "csv":
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for form in forms:
            writer.writerow(form)
    else:
        for form in forms:
            handle.write(json.dumps(form) + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    generator = FormGenerator(args.seed)
    write_forms(generator.forms(args.count), sys.stdout, args.format, generator.catalogue.names)


if __name__ == "__main__":
    main()
