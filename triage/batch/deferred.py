"""Stop signals held back while the main process is inside the worker pool's own code.

SIGINT, SIGTERM and SIGHUP stop a run by raising in the main thread (triage/exits.py). Raised
in the middle of concurrent.futures (a lock taken, a wake-up pipe half-written), such an
exception can leave the pool unable to shut down, and the command hangs instead of stopping.
Inside ``DeferredSignals`` a signal is only noted, and raised at the next ``check()``: between
two calls into the pool, or while waiting for a chunk, which ``result()`` does in short steps.
"""

from __future__ import annotations

import signal
import threading

from triage.exits import SignalExit

STOP = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.05


class DeferredSignals:
    def __init__(self):
        self.pending: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> "DeferredSignals":
        if threading.current_thread() is threading.main_thread():
            for signum in STOP:
                handler = signal.getsignal(signum)
                # Only a signal that would raise is held back; an ignored one stays ignored.
                if callable(handler):
                    self._previous[signum] = signal.signal(signum, self._note)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _note(self, signum, _frame) -> None:
        if self.pending is None:
            self.pending = signum

    def check(self) -> None:
        """Raise what a noted signal would have raised: KeyboardInterrupt, or SignalExit."""
        if self.pending is not None:
            raise KeyboardInterrupt() if self.pending == signal.SIGINT else SignalExit(self.pending)

    def result(self, future):
        """``future.result()``, checking for a noted signal every POLL_SECONDS while it waits."""
        while True:
            self.check()
            try:
                return future.result(timeout=POLL_SECONDS)
            except TimeoutError:
                continue
