"""Split the blind external cases of tests/external/pool/ into dev/ (60 %) and test/ (40 %).

The split depends on nothing but the case id (its SHA-256), so it is fixed before any rule is
tuned and cannot be steered by how a case scores. Run once, when new cases arrive; a case that
is already in dev/ or test/ never moves.

    python scripts/split_external.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent / "tests" / "external"
DEV_SHARE = 0.6


def split_of(case_id: str) -> str:
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()
    return "dev" if int(digest[:8], 16) / 0x1_0000_0000 < DEV_SHARE else "test"


def main() -> int:
    pool = ROOT / "pool"
    moved = {"dev": 0, "test": 0}
    for path in sorted(pool.glob("*.yml")):
        case_id = yaml.safe_load(path.read_text(encoding="utf-8"))["id"]
        target = ROOT / split_of(case_id) / path.name
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            print(f"{path.name}: already split, left in pool/", file=sys.stderr)
            continue
        path.rename(target)
        moved[target.parent.name] += 1
    print(f"moved {moved['dev']} to dev/ and {moved['test']} to test/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
