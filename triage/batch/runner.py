"""Scoring rows: in this process for a small batch, else in worker processes, always in order.

Each worker builds its knowledge base and experta engine once (in the pool initializer) and
scores whole chunks of rows into output text, so the main process only reads, hands out
chunks and writes. At most ``IN_FLIGHT_PER_WORKER`` chunks per worker are out at once, so
memory stays flat however long the input is; chunks come back in the order they were sent.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator, NamedTuple

from triage.assess import assess
from triage.backends import get_engine
from triage.assessment import Assessment
from triage.batch.deferred import DeferredSignals
from triage.batch.readers import Row
from triage.batch.writers import ErrorRow, make_format
from triage.forms import FormError, Problem, parse_form
from triage.knowledge import load_knowledge

CHUNK_SIZE = 50
IN_FLIGHT_PER_WORKER = 4


class WorkerDied(Exception):
    """A worker process ended without finishing its rows (killed by a signal or out of memory)."""


@dataclass(frozen=True)
class Settings:
    """What every worker needs to know to score a row and write it."""

    output_format: str
    rules_dir: str | None = None
    allow_unknown_fields: bool = False
    qualified_ids: bool = False      # several inputs: a default form_id names the file too
    table_width: int | None = None   # the table's width: the main process's terminal, for every worker
    engine: str | None = None        # experta or compiled (triage/backends.py); None: the process's choice


class Outcome(NamedTuple):
    """What the summary needs of one scored row."""

    status: str                      # ok | error
    triage_level: str | None = None
    leading: str | None = None       # the top condition, or the outcome when none is likely
    error: str | None = None


def default_cpu_count() -> int:
    """The cores this process may run on (a container or taskset may allow fewer than exist)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not on Linux
        return os.cpu_count() or 1


class Scorer:
    """Scores rows into output text. One per process: its engine is built once and reused."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.kb = load_knowledge(settings.rules_dir)
        self.format = make_format(settings.output_format, [c.id for c in self.kb.conditions], kb=self.kb,
                                  width=settings.table_width)
        get_engine(self.kb, settings.engine)     # build the engine now rather than on the first form

    def default_id(self, row: Row) -> str:
        return f"{row.source}:{row.number}" if self.settings.qualified_ids else str(row.number)

    def score(self, row: Row) -> Assessment | ErrorRow:
        if row.problems:
            given = str(row.form_id).strip() if isinstance(row.form_id, (str, int, float)) else None
            return ErrorRow.of(row, given or self.default_id(row), row.problems)
        try:
            form = parse_form(row.data, allow_unknown_fields=self.settings.allow_unknown_fields)
        except FormError as error:
            return ErrorRow.of(row, error.form_id or self.default_id(row), error.problems)
        if form.form_id is None:
            form = replace(form, form_id=self.default_id(row))
        try:
            # The CSV and the table show no questions or tests to do next: they are not worked out.
            return assess(form, kb=self.kb, what_next=self.settings.output_format in ("jsonl", "json"),
                          engine=self.settings.engine)
        except Exception as error:  # noqa: BLE001  a bug must not take the rest of the batch down
            return ErrorRow.of(row, form.form_id, [Problem(
                "(internal)", None, f"could not be scored because of an internal error "
                f"({type(error).__name__}: {error}); please report it", accepted="")])

    def chunk(self, rows: list[Row]) -> tuple[str, list[Outcome]]:
        """The output text of some rows (entries joined by the format's separator) and their outcomes."""
        texts, outcomes = [], []
        for row in rows:
            result = self.score(row)
            texts.append(self.format.entry(result))
            if isinstance(result, ErrorRow):
                outcomes.append(Outcome("error", error=result.message))
            else:
                outcomes.append(Outcome("ok", result.triage_level, result.top_condition or result.outcome))
        return self.format.separator.join(texts), outcomes


# Worker processes --------------------------------------------------------------------------

_scorer: Scorer | None = None


def _start_worker(settings: Settings, parent: int) -> None:
    global _scorer
    # Ctrl-C goes to the whole process group; the main process handles it and stops the pool.
    # SIGTERM and SIGHUP end a worker at once (the main process's handlers are inherited by
    # fork, and would otherwise raise inside the worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    _die_with_parent(parent)
    _scorer = Scorer(settings)


def _die_with_parent(parent: int) -> None:
    """On Linux, ask for SIGTERM when the main process dies, even by SIGKILL: no orphan workers."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:    # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """End every worker before returning: after a failure or a stop signal no process may linger.

    The chunks not yet started are cancelled and the workers finish the one in hand (a chunk is
    a fraction of a second), then exit. They are not terminated: a worker ended while it sends
    its result leaves half a message in the pool's pipe, and the pool's manager thread then
    waits for the rest for ever (score hung that way under load, after a SIGHUP). A worker that
    died already broke the pool, and the pool ended the others itself."""
    pool.shutdown(wait=True, cancel_futures=True)


def _score_in_worker(rows: list[Row]) -> tuple[str, list[Outcome]]:
    return _scorer.chunk(rows)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


Sink = Callable[[str, list[Outcome]], None]


def score_rows(rows: Iterable[Row], settings: Settings, workers: int, sink: Sink,
               chunk_size: int | None = None) -> None:
    """Score every row and pass each chunk's text and outcomes to ``sink``, in input order."""
    chunks = _chunks(rows, chunk_size or CHUNK_SIZE)
    # A batch of one or two chunks is over before a pool would have started.
    head = list(itertools.islice(chunks, 2))
    if workers <= 1 or len(head) < 2:
        scorer = Scorer(settings)
        for chunk in itertools.chain(head, chunks):
            sink(*scorer.chunk(chunk))
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    load_knowledge(settings.rules_dir)   # loaded once here, inherited by forked workers
    # concurrent.futures rather than multiprocessing.Pool: when a worker is killed, Pool starts
    # another and waits for the lost chunk for ever; this pool fails every pending chunk at once.
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(settings, os.getpid()))
    try:
        with DeferredSignals() as signals:     # a stop signal is raised between pool calls only
            pending: deque = deque()
            for chunk in itertools.chain(head, chunks):
                pending.append(pool.submit(_score_in_worker, chunk))
                signals.check()
                if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    sink(*signals.result(pending.popleft()))
            while pending:
                sink(*signals.result(pending.popleft()))
    except BrokenProcessPool:
        _stop_pool(pool)
        raise WorkerDied("a worker process stopped before finishing its forms (it was killed, perhaps "
                         "for lack of memory)") from None
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
