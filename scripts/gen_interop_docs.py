"""Regenerate the generated parts of docs/interop.md (samples and type tables) from the code.

    python scripts/gen_interop_docs.py           # rewrite docs/interop.md
    python scripts/gen_interop_docs.py --check   # exit 1 if it is out of date (tests run this)

A generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``;
everything else in the file is written by hand.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "interop.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w.:/-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.DOTALL)
SAMPLE_FIELD = "injury_mechanism"       # a dependent choice question: enableWhen, answers, help
SAMPLE_VARIABLES = ("record_id", "kneetriage_disclaimer", "onset", "injury_mechanism", "age", "exam_ober")


def _fence(text: str, lang: str) -> str:
    return f"```{lang}\n{text.rstrip()}\n```\n"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def _run(args: list[str]) -> str:
    from triage.cli import cli

    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.stdout if hasattr(result, "stdout") else result.output


def samples() -> dict[str, str]:
    from triage.interop import questionnaire as q
    from triage.interop import redcap, response
    from triage.interop.questionnaire import question_item
    from triage.knowledge import load_knowledge

    kb = load_knowledge()
    catalogue = kb.catalogue
    types = sorted({f.type for f in catalogue.answerable()} | set(q.ITEM_TYPES))
    out = {}
    out["questionnaire-types"] = _table(
        ["catalogue type", "item type", "answers", "range"],
        [[f"`{t}`", f"`{q.ITEM_TYPES[t]}`",
          {"yesno": "`true` / `false`", "exam": "`answerOption` codings (positive, negative)",
           "enum": "`answerOption` codings (the catalogue's values)"}.get(t, "free"),
          "`minValue` / `maxValue` extensions" if t in ("integer", "number") else ""] for t in types])
    out["questionnaire-item"] = _fence(json.dumps(question_item(catalogue[SAMPLE_FIELD], catalogue), indent=2), "json")
    out["response-types"] = _table(["catalogue type", "answer[x] accepted"],
                                   [[f"`{t}`", ", ".join(f"`{a}`" for a in response.ANSWER_TYPES[t])] for t in types])
    bundle = json.loads(_run(["assess", str(ROOT / "examples" / "fhir" / "response.json"), "--format", "fhir"]))
    risk = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "RiskAssessment")
    risk = {**risk, "prediction": risk["prediction"][:1]}
    # The version changes with every edit of rules/; the sample shows where it goes, not its value.
    out["bundle-risk-assessment"] = _fence(json.dumps(risk, indent=2).replace(kb.version, "KB-VERSION"), "json")
    out["redcap-types"] = _table(["catalogue type", "Field Type", "Text Validation", "Choices"],
                                 [[f"`{t}`", f"`{redcap.FIELD_TYPES[t][0]}`",
                                   f"`{redcap.FIELD_TYPES[t][1]}` with min and max" if redcap.FIELD_TYPES[t][1] else "",
                                   "`value, label \\| ...`" if redcap.FIELD_TYPES[t][0] == "radio" else
                                   ("REDCap's own `1, Yes \\| 0, No`" if t == "yesno" else "")] for t in types])
    # The header, the two fields every dictionary starts with, and a few telling rows (named, so
    # that fields added to the catalogue do not change the sample).
    lines = redcap.dictionary_csv(kb).splitlines()
    shown = [line for line in lines[1:] if line.split(",", 1)[0] in SAMPLE_VARIABLES]
    out["redcap-dictionary-head"] = _fence("\n".join([lines[0]] + shown), "csv")
    scored = _run(["score", str(ROOT / "examples" / "redcap" / "export.csv"), "--format", "csv", "--quiet"])
    out["redcap-scored"] = _fence("\n".join(",".join(line.split(",")[:7]) for line in scored.splitlines()), "csv")
    for name in ("examples/fhir/response.json", "examples/redcap/export.csv"):
        out[f"file:{name}"] = _fence((ROOT / name).read_text(encoding="utf-8"), "json" if name.endswith(".json") else "csv")
    return out


def render(text: str, generated: dict[str, str]) -> str:
    def replace(match):
        name = match.group("name")
        if name not in generated:
            raise KeyError(f"docs/interop.md names an unknown generated part {name!r}")
        return match.group(1) + generated[name] + match.group(4)

    return BLOCK.sub(replace, text)


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current, samples())
    if "--check" in argv:
        if fresh != current:
            print("docs/interop.md is out of date: run python scripts/gen_interop_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
