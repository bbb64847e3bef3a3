"""Benchmark ``kneetriage score`` as a user runs it: forms per second, latency and peak memory.

    python benchmarks/bench_score.py                      # 20,000 forms, 1 worker and all cores
    python benchmarks/bench_score.py --forms 1000000 --workers all --repeats 1 --format csv

It writes seeded, realistic random forms (benchmarks/generate_forms.py) to a CSV file, runs the
real command (``python -m triage score FILE -o - --workers N --quiet``, output to /dev/null, so
the disk is not measured) a few times per worker count, and prints a Markdown table for
docs/performance.md: wall time, forms per second, and the peak resident memory of the largest
process (the main process or one worker, from getrusage of the children). The time includes
starting Python, loading the knowledge base and building each worker's engine.

It also times one form at a time in this process (parse, assess with the full explanation,
to_dict, json.dumps), the latency a caller of triage.assess() sees.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.generate_forms import FormGenerator, write_forms  # noqa: E402
from triage.assess import assess  # noqa: E402
from triage.forms import parse_form  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version
        experta = version("experta")
    except Exception:  # noqa: BLE001
        experta = "?"
    kb = load_knowledge()
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, experta {experta}, "
            f"{len(kb.rules)} rules, knowledge base {kb.version}")


class Run(NamedTuple):
    wall: float        # seconds
    rss: int           # KiB, the largest process
    cpu: float         # seconds of CPU, user and system, of the command and its workers


def measure(path: Path, workers: int, fmt: str, engine: str | None = None) -> Run:
    """One run of the command, in a fresh helper process, so that getrusage(RUSAGE_CHILDREN)
    there sees only this run (its maximum RSS is over every process it waited for: the command
    and its workers; its CPU time is their sum)."""
    helper = ("import resource, subprocess, sys, time\n"
              "start = time.perf_counter()\n"
              "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
              "wall = time.perf_counter() - start\n"
              "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
              "print(wall, use.ru_maxrss, use.ru_utime + use.ru_stime, code)\n")
    command = [sys.executable, "-m", "triage", "score", str(path), "-o", "-", "--format", fmt,
               "--workers", str(workers), "--quiet"] + (["--engine", engine] if engine else [])
    out = subprocess.run([sys.executable, "-c", helper, *command], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.split()
    if int(out[3]) not in (0, 1):
        raise SystemExit(f"kneetriage score failed with status {out[3]}")
    return Run(float(out[0]), int(out[1]), float(out[2]))


def latency(count: int = 500, engine: str | None = None) -> dict:
    kb = load_knowledge()
    raw = list(FormGenerator(99, kb).forms(count))
    for form in raw[:20]:
        assess(parse_form(form), kb=kb, engine=engine)            # warm up the engine
    times = []
    for form in raw:
        start = time.perf_counter()
        json.dumps(assess(parse_form(form), kb=kb, engine=engine).to_dict())
        times.append(time.perf_counter() - start)
    times.sort()
    return {"median": statistics.median(times) * 1000, "p95": times[int(0.95 * len(times))] * 1000,
            "max": times[-1] * 1000}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs per worker count; the median is kept")
    parser.add_argument("--workers", default="1,all", help="comma-separated worker counts; all = every core")
    parser.add_argument("--format", default="jsonl", choices=["jsonl", "json", "csv"], help="output format")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--engine", choices=["experta", "compiled"], help="default: the command's own (compiled)")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args(argv)

    cores = os.cpu_count() or 1
    counts = [cores if w == "all" else int(w) for w in args.workers.split(",")]
    print(f"Machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "forms.csv"
        generator = FormGenerator(args.seed)
        start = time.perf_counter()
        with path.open("w", newline="") as handle:
            write_forms(generator.forms(args.forms), handle, "csv", generator.catalogue.names)
        print(f"Wrote {args.forms:,} forms ({path.stat().st_size / 1e6:,.1f} MB CSV) in "
              f"{time.perf_counter() - start:.1f} s; output: {args.format} to /dev/null\n")
        print("| workers | runs | wall (median) | forms/s | peak RSS, largest process |")
        print("|---:|---:|---:|---:|---:|")
        for workers in counts:
            runs = [measure(path, workers, args.format, args.engine) for _ in range(args.repeats)]
            wall = statistics.median(r.wall for r in runs)
            rss = max(r.rss for r in runs)
            print(f"| {workers} | {len(runs)} | {wall:.2f} s | {args.forms / wall:,.0f} | {rss / 1024:,.1f} MiB |",
                  flush=True)
    if not args.no_latency:
        lat = latency(engine=args.engine or "compiled")
        print(f"\nOne form at a time in one process (parse, assess with explanation, to_dict, json.dumps): "
              f"median {lat['median']:.2f} ms, p95 {lat['p95']:.2f} ms, max {lat['max']:.2f} ms")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"(this benchmark process itself peaked at {usage.ru_maxrss / 1024:,.1f} MiB)")


if __name__ == "__main__":
    main()
