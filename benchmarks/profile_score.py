"""Where the time of one scored form goes: phases timed without a profiler, then cProfile.

    python benchmarks/profile_score.py [--forms 1000] [--top 30]

Phases: parsing the form, the experta run, building the explained Assessment around it,
to_dict() and json.dumps (what a JSON Lines row costs). The cProfile part prints the functions
with the most own time over the whole pipeline (cProfile slows everything about 2-3 times, so
read its shares, not its milliseconds).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate_forms import FormGenerator  # noqa: E402
from triage.assess import assess, get_engine  # noqa: E402
from triage.forms import parse_form  # noqa: E402
from triage.knowledge import load_knowledge  # noqa: E402


def per_form_ms(function, items, rounds=3, clock=time.perf_counter) -> float:
    """The best of ``rounds`` of ``function`` over every item, in ms per item (``clock``:
    time.process_time for CPU time on a shared machine)."""
    best = float("inf")
    for _ in range(rounds):
        start = clock()
        for item in items:
            function(item)
        best = min(best, clock() - start)
    return best / len(items) * 1000


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)

    kb = load_knowledge()
    raw = list(FormGenerator(7, kb).forms(args.forms))
    forms = [parse_form(r) for r in raw]
    engine = get_engine(kb)
    assessments = [assess(f, kb=kb) for f in forms]
    dicts = [a.to_dict() for a in assessments]

    phases = {
        "parse_form": per_form_ms(parse_form, raw),
        "engine.run (experta)": per_form_ms(lambda f: engine.run(dict(f.answers)), forms),
        "assess (engine + explanation)": per_form_ms(lambda f: assess(f, kb=kb), forms),
        "to_dict": per_form_ms(lambda a: a.to_dict(), assessments),
        "json.dumps": per_form_ms(lambda d: json.dumps(d, ensure_ascii=False), dicts),
    }
    print(f"{len(kb.rules)} rules, {args.forms} forms; best of 3, ms per form:")
    for name, ms in phases.items():
        print(f"  {name:<32} {ms:7.3f}")
    total = phases["parse_form"] + phases["assess (engine + explanation)"] + phases["to_dict"] + phases["json.dumps"]
    print(f"  {'one JSON Lines row, in all':<32} {total:7.3f}  ({1000 / total:,.0f} forms/s on one core)")

    profile = cProfile.Profile()
    profile.enable()
    for r in raw:
        json.dumps(assess(parse_form(r), kb=kb).to_dict(), ensure_ascii=False)
    profile.disable()
    print()
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
