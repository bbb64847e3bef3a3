"""Output files that appear whole, or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import IO


def _is_special(path: Path) -> bool:
    """A device, pipe or socket (/dev/null, a FIFO): there is no file to rename over."""
    try:
        return not stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return False


class AtomicFile:
    """A file that appears at ``path`` whole, or not at all.

    Writes go to a temporary file in the same folder (so the final rename stays on one file
    system and is atomic); ``commit()`` flushes it to disk and renames it over ``path``.
    ``discard()`` (or leaving a ``with`` block by an exception, Ctrl-C included) removes it and
    leaves any earlier file at ``path`` as it was. A device or a pipe is written in place:
    renaming over /dev/null would replace the device with a file.
    """

    def __init__(self, path: str | Path, binary: bool = False):
        self.path = Path(path)
        mode, options = ("wb", {}) if binary else ("w", {"encoding": "utf-8", "newline": ""})
        self.temporary: str | None = None
        if _is_special(self.path):
            self.handle: IO = open(self.path, mode, **options)
        else:
            handle, self.temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part",
                                                      dir=self.path.parent)
            self.handle = os.fdopen(handle, mode, **options)
        self._done = False

    def write(self, data) -> None:
        self.handle.write(data)

    def commit(self) -> None:
        self.handle.flush()
        if self.temporary is None:
            self.handle.close()
            self._done = True
            return
        os.fsync(self.handle.fileno())
        self.handle.close()
        # mkstemp makes the file private (0600): keep the mode of the file it replaces, or
        # give it the mode a new file would have.
        try:
            mode = self.path.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(self.temporary, mode)
        os.replace(self.temporary, self.path)
        self._done = True

    def discard(self) -> None:
        if not self._done:
            self.handle.close()
            if self.temporary is not None:
                try:
                    os.unlink(self.temporary)
                except FileNotFoundError:
                    pass
            self._done = True

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None:
            self.commit()
        else:
            self.discard()
        return False
