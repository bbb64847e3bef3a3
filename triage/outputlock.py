"""One writer per output file: a second `kneetriage score -o same.csv` is refused while the
first runs, instead of both exiting 0 with one result silently lost.

The lock is flock(2) on a hidden ``.NAME.lock`` beside the output, removed when the writer
ends. A lock taken on a file that the previous holder had already removed is retried, so two
writers can never both believe they hold it.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:                 # not POSIX: no lock, as before
    fcntl = None


class OutputBusy(Exception):
    """Another process is writing the same output file."""


class OutputLock:
    def __init__(self, target: str | Path):
        target = Path(target)
        self.path = target.with_name(f".{target.name}.lock")
        self.fd: int | None = None

    def acquire(self) -> "OutputLock":
        if fcntl is None:
            return self
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise OutputBusy(f"another kneetriage is writing {self.path.name[1:-5]} (lock {self.path}); "
                                 f"wait for it, or write to another file") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return self
            os.close(fd)            # the holder removed it as we took it: take the new one
        raise OutputBusy(f"could not lock {self.path}")

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.path)    # while still holding it, so no one else holds this inode
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None
