"""The terminal's width, for every output that a person reads there (the score table, ask)."""

from __future__ import annotations

import shutil

DEFAULT_WIDTH = 80      # a pipe or a file: what most terminals show
MIN_WIDTH = 40          # narrower than this, nothing reads well; lay out for this instead


def terminal_width() -> int:
    """$COLUMNS if set, else the terminal's own width, else 80."""
    return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, MIN_WIDTH)
