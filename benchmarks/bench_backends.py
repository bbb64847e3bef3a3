"""Both inference backends measured in one run: experta (the reference) against the compiled rules.

    python benchmarks/bench_backends.py                       # 20,000 forms, 1 and 2 workers
    python benchmarks/bench_backends.py --forms 5000 --repeats 1
    python benchmarks/bench_backends.py --parts reports,startup

Four parts, each printed as a Markdown table for docs/performance.md:

1. ``kneetriage score`` as a user runs it (benchmarks/bench_score.py's measure), JSON Lines
   and CSV, 1 and 2 workers, each engine; the two engines of one row run back to back, so that
   their ratio is fair on a shared machine. CPU is the time of the command and its workers.
2. The CPU cost of each phase of one form, per engine (process time, best of 3).
3. 100 HTML reports: in this process with a new Jinja environment for each report (as before
   the cache) and with the cached one; and ``kneetriage report`` on 100 forms, each engine.
4. Start-up: ``kneetriage --help`` and a one-form ``kneetriage assess``, each engine.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.bench_score import machine, measure  # noqa: E402
from benchmarks.generate_forms import FormGenerator, write_forms  # noqa: E402
from benchmarks.profile_score import per_form_ms  # noqa: E402
from triage import envcache  # noqa: E402
from triage.assess import assess  # noqa: E402
from triage.backends import ENGINES, get_engine  # noqa: E402
from triage.batch.writers import make_format  # noqa: E402
from triage.forms import parse_form  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402
from triage.report import build_context, render  # noqa: E402

KNEETRIAGE = [sys.executable, "-m", "triage"]


def write_csv(path: Path, count: int, seed: int) -> None:
    generator = FormGenerator(seed)
    with path.open("w", newline="") as handle:
        write_forms(generator.forms(count), handle, "csv", generator.catalogue.names)


def throughput(path: Path, forms: int, repeats: int, workers: list[int]) -> None:
    print("| output | workers | engine | wall (median) | forms/s | CPU, all processes | forms per CPU-second "
          "| peak RSS | compiled / experta (forms/s) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for fmt in ("jsonl", "csv"):
        for count in workers:
            rates = {}
            for engine in ENGINES:
                runs = [measure(path, count, fmt, engine) for _ in range(repeats)]
                wall = statistics.median(r.wall for r in runs)
                cpu = statistics.median(r.cpu for r in runs)
                rates[engine] = forms / wall
                ratio = f"**{rates['compiled'] / rates['experta']:.1f}x**" if engine == "compiled" else ""
                print(f"| {fmt} | {count} | {engine} | {wall:.2f} s | {forms / wall:,.0f} | {cpu:.2f} s "
                      f"| {forms / cpu:,.0f} | {max(r.rss for r in runs) / 1024:.1f} MiB | {ratio} |", flush=True)


def cpu_ms(function, items) -> float:
    return per_form_ms(function, items, clock=time.process_time)


def phases(count: int) -> None:
    kb = load_knowledge()
    raw = list(FormGenerator(7, kb).forms(count))
    forms = [parse_form(r) for r in raw]
    jsonl, csv = make_format("jsonl", [c.id for c in kb.conditions], kb=kb), make_format(
        "csv", [c.id for c in kb.conditions], kb=kb)
    rows: dict[str, dict[str, float]] = {}
    for engine in ENGINES:
        backend = get_engine(kb, engine)
        full = [assess(f, kb=kb, engine=engine) for f in forms]
        lite = [assess(f, kb=kb, engine=engine, what_next=False) for f in forms]
        measured = {
            "parse_form": cpu_ms(parse_form, raw),
            "the engine's run (conclusions, evidence, red flags)": cpu_ms(lambda f: backend.run(dict(f.answers)), forms),
            "what-if: pending rules (three-valued)": cpu_ms(lambda f: backend.pending(kb, dict(f.answers)), forms),
            "assess, without open questions and tests (CSV)": cpu_ms(
                lambda f: assess(f, kb=kb, engine=engine, what_next=False), forms),
            "assess, full explanation (JSON Lines)": cpu_ms(lambda f: assess(f, kb=kb, engine=engine), forms),
            "JSON Lines entry (to_dict, json.dumps)": cpu_ms(jsonl.entry, full),
            "CSV entry": cpu_ms(csv.entry, lite),
        }
        measured["one JSON Lines row, in all"] = (measured["parse_form"] + measured["assess, full explanation (JSON Lines)"]
                                                  + measured["JSON Lines entry (to_dict, json.dumps)"])
        measured["one CSV row, in all"] = (measured["parse_form"] + measured["assess, without open questions and tests (CSV)"]
                                           + measured["CSV entry"])
        rows[engine] = measured
    print(f"| phase, CPU ms per form ({count} forms, best of 3) | experta | compiled | experta / compiled |")
    print("|---|---:|---:|---:|")
    for name in rows["experta"]:
        a, b = rows["experta"][name], rows["compiled"][name]
        print(f"| {name} | {a:.3f} | {b:.3f} | {a / b:.1f}x |")


def reports(count: int, folder: Path) -> None:
    kb = load_knowledge()
    contexts = [build_context(assess(f, kb=kb), kb, report_date="2026-01-01")
                for f in FormGenerator(11, kb).forms(count)]
    timings = {}
    for label, fresh in (("a new Jinja environment for each report", True), ("the cached environment", False)):
        start, cpu = time.perf_counter(), time.process_time()
        outputs = []
        for ctx in contexts:
            if fresh:
                envcache._ENVIRONMENTS.clear()
            outputs.append(render(ctx, "html"))
        timings[label] = (time.perf_counter() - start, time.process_time() - cpu, outputs)
    (*_, old_out), (*_, new_out) = timings.values()
    print(f"| {count} HTML reports | wall, seconds | CPU, seconds | CPU ms per report |")
    print("|---|---:|---:|---:|")
    for label, (seconds, cpu, _) in timings.items():
        print(f"| render in one process, {label} | {seconds:.3f} | {cpu:.3f} | {cpu / count * 1000:.1f} |")
    print(f"| (the same bytes either way: {old_out == new_out}) | | | |")
    path = folder / "reports.csv"
    write_csv(path, count, 11)
    for engine in ENGINES:
        out = folder / f"reports-{engine}"
        walls = []
        for _ in range(3):
            shutil.rmtree(out, ignore_errors=True)
            start = time.perf_counter()
            subprocess.run([*KNEETRIAGE, "report", str(path), "-o", str(out), "--format", "html", "--engine", engine],
                           check=True, capture_output=True, cwd=REPO)
            walls.append(time.perf_counter() - start)
        print(f"| `kneetriage report` of {count} forms to a folder (+ index), --engine {engine}, median of 3 "
              f"| {statistics.median(walls):.3f} | | |", flush=True)


def startup(folder: Path, times: int = 10) -> None:
    form = folder / "form.json"
    form.write_text(json.dumps(next(iter(FormGenerator(5).forms(1)))))
    commands = {"`python -c pass` (the interpreter alone)": [sys.executable, "-c", "pass"],
                "`kneetriage --help`": [*KNEETRIAGE, "--help"]}
    for engine in ENGINES:
        commands[f"`kneetriage assess FORM --engine {engine}`"] = [*KNEETRIAGE, "assess", str(form), "--engine", engine]
    print(f"| command | wall, median of {times} | wall, min | CPU, median |")
    print("|---|---:|---:|---:|")
    for label, command in commands.items():
        walls, cpus = [], []
        for _ in range(times):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, cwd=REPO)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        print(f"| {label} | {statistics.median(walls):.3f} s | {min(walls):.3f} s | {statistics.median(cpus):.3f} s |",
              flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=20_000, help="forms per `score` run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per `score` row; the median is kept")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--phase-forms", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--parts", default="score,phases,reports,startup", help="which parts to run")
    args = parser.parse_args(argv)
    parts = args.parts.split(",")
    print(f"Machine: {machine()}\n")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if "score" in parts:
            path = folder / "forms.csv"
            write_csv(path, args.forms, args.seed)
            print(f"`kneetriage score`, {args.forms:,} forms, output to /dev/null:\n")
            throughput(path, args.forms, args.repeats, [int(w) for w in args.workers.split(",")])
            print()
        if "phases" in parts:
            phases(args.phase_forms)
            print()
        if "reports" in parts:
            reports(args.reports, folder)
            print()
        if "startup" in parts:
            startup(folder)


if __name__ == "__main__":
    main()
