#!/usr/bin/env python
"""Make the page image in docs/report.md: a page of the printed report of examples/form.json,
rendered to PDF by WeasyPrint (as `kneetriage report -o FILE.pdf` does) and to PNG by pdftoppm.

    python scripts/report_page_image.py                       # docs/img/report-page-1.png
    python scripts/report_page_image.py --page 3 --audience patient -o /tmp/page.png

Needs the PDF extra (pip install -e '.[pdf]') and pdftoppm (Debian: apt-get install
poppler-utils). Run it after a change to the templates or the stylesheet that shows on the page.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage.assess import assess  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402
from triage.report import ReportError, build_context, render  # noqa: E402

FORM = ROOT / "examples" / "form.json"
IMAGE = ROOT / "docs" / "img" / "report-page-1.png"
DATE = "2026-01-15"   # fixed, so the image changes only when the page does


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=int, default=1, help="the page to show (default 1)")
    parser.add_argument("--audience", choices=("clinician", "patient"), default="clinician")
    parser.add_argument("--detail", choices=("short", "full"), default="short")
    parser.add_argument("--dpi", type=int, default=70, help="resolution of the image (default 70)")
    parser.add_argument("-o", "--output", type=Path, default=IMAGE)
    args = parser.parse_args()
    if not shutil.which("pdftoppm"):
        print("pdftoppm is missing: install poppler-utils (Debian: apt-get install poppler-utils)", file=sys.stderr)
        return 2
    kb = load_knowledge()
    form = json.loads(FORM.read_text(encoding="utf-8"))
    ctx = build_context(assess(form, kb=kb), kb, audience=args.audience, report_date=DATE, detail=args.detail)
    try:
        pdf = render(ctx, "pdf")
    except ReportError as error:
        print(error, file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(args.page), "-l", str(args.page),
                        "-singlefile", str(source), str(Path(work) / "page")], check=True)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(Path(work) / "page.png"), args.output)
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
