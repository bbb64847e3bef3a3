"""The blind external cases against two baselines, in one run: the issue-10 benchmark.

    python benchmarks/external_validation.py            # dev and test splits, and the vignettes

Prints, for each set of cases, top-1, top-3, top-1 on forms with 6 or more answered fields,
exact triage, under-triage and over-triage for kneetriage, and top-1 / top-3 for the pain site
alone and the priors alone; then the calibration of "likely" on each split. The figures are the
same ones `kneetriage validate tests/external/test` prints, side by side. The test split is
reported, never tuned on (tests/external/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage import baselines  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402
from triage.validation import load_cases, validate  # noqa: E402

SETS = (("vignettes (written with the rules)", ROOT / "tests" / "vignettes"),
        ("external dev (tuned on)", ROOT / "tests" / "external" / "dev"),
        ("external test (never tuned on)", ROOT / "tests" / "external" / "test"))
WIDTHS = (36, 18, 14, 14, 18, 14, 14, 14)


def main() -> int:
    kb = load_knowledge()
    print(f"knowledge base {kb.version}")
    print("".join(f"{h:<{w}}" for h, w in zip(["cases", *baselines.TABLE_HEADER], WIDTHS)))
    calibration = []
    for name, folder in SETS:
        metrics = validate(load_cases([folder], kb), kb)
        for row in baselines.table_rows(baselines.comparison(metrics, kb)):
            print("".join(f"{c:<{w}}" for c, w in zip([name, *row], WIDTHS)))
        calibration.append((name, metrics))
    print()
    for name, metrics in calibration[1:]:
        right, named = baselines.likely_right(metrics)
        bands = "; ".join(f"{b.low:.0%}-{b.high:.0%}: {b.right}/{b.named}" for b in baselines.reliability(metrics))
        print(f"{name}: named as likely and right {baselines.rate((right, named))}  ({bands})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
