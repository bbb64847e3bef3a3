"""What a batch run tells the person running it, on standard error: progress, then a summary."""

from __future__ import annotations

import time
from collections import Counter
from typing import Callable, TextIO

from triage.assessment import DISCLAIMER
from triage.batch.runner import Outcome
from triage.knowledge import KnowledgeBase

# Error messages quoted in the summary; the rest are in the output's error rows.
SHOWN_ERRORS = 5
# The outcomes that name no condition (triage/assess.py), in the order the summary lists them.
UNNAMED_OUTCOMES = ("no_clear_fit", "insufficient_information", "other_cause")


class Tally:
    """Counts of what the rows came to."""

    def __init__(self):
        self.rows = 0
        self.errors: list[str] = []
        self.error_count = 0
        self.levels: Counter = Counter()
        self.leading: Counter = Counter()
        self.started = time.perf_counter()

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.rows += 1
            if outcome.status == "error":
                self.error_count += 1
                if len(self.errors) < SHOWN_ERRORS:
                    self.errors.append(outcome.error)
            else:
                self.levels[outcome.triage_level] += 1
                self.leading[outcome.leading] += 1

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def report(self, kb: KnowledgeBase, output_name: str, disclaimer: bool = True) -> str:
        elapsed = self.elapsed
        rate = self.rows / elapsed if elapsed > 0 else 0.0
        scored = self.rows - self.error_count
        lines = [f"{self.rows:,} forms in {elapsed:.2f} s ({rate:,.0f} forms/s): "
                 f"{scored:,} scored, {self.error_count:,} with errors. Output: {output_name}"]
        if scored:
            width = max(len(level.id) for level in kb.levels)
            lines.append("Triage level:")
            for level in kb.levels:
                lines.append(f"  {level.id:<{width}}  {self.levels.get(level.id, 0):>8,}")
            lines.append("Leading condition:")
            # Every condition, then why none was named (the outcome), whatever outcomes occurred:
            # a summary that dropped a kind of row would not add up to the rows scored.
            names = [c.id for c in kb.conditions] + list(UNNAMED_OUTCOMES)
            names += sorted(set(self.leading) - set(names))
            width = max(map(len, names))
            for name in names:
                lines.append(f"  {name:<{width}}  {self.leading.get(name, 0):>8,}")
        if self.error_count:
            lines.append(f"Errors ({self.error_count:,}; each is a row with status 'error' in the output):")
            lines += [f"  {message}" for message in self.errors]
            if self.error_count > len(self.errors):
                lines.append(f"  ... and {self.error_count - len(self.errors):,} more")
        if disclaimer:
            lines.append(DISCLAIMER)
        return "\n".join(lines)


class Progress:
    """A one-line progress bar on a terminal, shown only once a run has lasted a second.

    ``fraction`` says how much of the input has been read (None when it cannot be known, as
    for standard input: then only the count and the rate are shown).
    """

    DELAY = 1.0          # seconds before anything is shown: a short run shows nothing
    INTERVAL = 0.2       # seconds between redraws
    WIDTH = 28

    def __init__(self, stream: TextIO, fraction: Callable[[], float | None]):
        self.stream = stream
        self.fraction = fraction
        self.started = time.perf_counter()
        self.next_draw = self.started + self.DELAY
        self.shown = False

    def update(self, rows: int) -> None:
        now = time.perf_counter()
        if now < self.next_draw:
            return
        self.next_draw = now + self.INTERVAL
        rate = rows / (now - self.started)
        done = self.fraction()
        if done is None:
            line = f"{rows:,} forms  {rate:,.0f}/s"
        else:
            done = min(max(done, 0.0), 1.0)
            filled = int(done * self.WIDTH)
            left = (now - self.started) * (1 - done) / done if done > 0 else 0
            line = (f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done:4.0%}  {rows:,} forms  "
                    f"{rate:,.0f}/s  about {left:,.0f} s left")
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
