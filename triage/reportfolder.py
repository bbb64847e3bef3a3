"""A folder of batch reports that appears whole, or not at all.

The reports and the index are written into a hidden temporary folder beside the target, then
renamed into place. A full disk, Ctrl-C or a crash removes the temporary folder and leaves the
target as it was. A folder from an earlier batch is replaced whole, so no stale report stays
beside the new ones; a folder holding anything else is refused rather than emptied.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

# Lists what a batch wrote, so that a later batch knows the folder is its own to replace.
MANIFEST = ".kneetriage-reports.json"


class FolderError(Exception):
    """A target that a batch of reports may not replace; the message says why."""


def _foreign_files(folder: Path) -> list[str]:
    """What in an existing folder was not written by an earlier batch (everything, without a manifest)."""
    present = sorted(p.name for p in folder.iterdir())
    if not present:
        return []
    try:
        ours = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]) | {MANIFEST}
    except (OSError, ValueError, KeyError, TypeError):
        return present
    return [name for name in present if name not in ours]


def check_target(folder: Path) -> None:
    """FolderError unless ``folder`` is new, empty, or an earlier batch's report folder."""
    here = Path.cwd()
    if folder.resolve() == here or folder.resolve() in here.parents:
        raise FolderError(f"{folder} holds the current folder; give a new folder for the reports")
    if folder.exists() and not folder.is_dir():
        raise FolderError(f"{folder} is a file; a batch needs a folder for its reports")
    if folder.is_dir():
        foreign = _foreign_files(folder)
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise FolderError(f"{folder} already holds files that kneetriage report did not write ({shown}); "
                              f"give a new or empty folder, so that nothing of yours is replaced")


class ReportFolder:
    """Write files with ``write``; ``commit`` puts them all at the target at once."""

    def __init__(self, target: str | Path):
        self.target = Path(target).resolve()     # "-o reports/" and "-o ./reports" alike
        check_target(Path(target))
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".part",
                                               dir=self.target.parent))
        self.files: list[str] = []

    def write(self, name: str, content: str | bytes) -> None:
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        with open(self.temporary / name, "wb") as out:
            out.write(data)
        self.files.append(name)

    def commit(self) -> None:
        (self.temporary / MANIFEST).write_text(json.dumps({"files": self.files}, indent=1) + "\n",
                                               encoding="utf-8")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.temporary, 0o777 & ~umask)     # mkdtemp makes it private
        check_target(self.target)                   # nothing of the user's appeared meanwhile
        old = None
        if self.target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.", suffix=".old", dir=self.target.parent))
            os.replace(self.target, old / "reports")
        os.replace(self.temporary, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.temporary, ignore_errors=True)
