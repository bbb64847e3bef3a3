"""One Jinja environment per report format and templates folder, kept for the whole process.

Building an environment and compiling every template took 86 % of the time of an HTML report;
the environment caches compiled templates, so keeping it makes the next report cost only its
rendering, with the same bytes. Jinja still checks each template file's modification time
before reusing it, and the key holds the folder's own, so a template added to or removed from
a ``--templates`` folder (a long-running process, such as a web server) is seen.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

_ENVIRONMENTS: dict = {}


def folder_key(folder: str | Path | None) -> tuple | None:
    """The folder as a cache key: where it is, and when its list of files last changed."""
    if folder is None:
        return None
    path = os.path.realpath(folder)
    try:
        return path, os.stat(path).st_mtime_ns
    except OSError:
        return path, None


def cached(key: tuple, build: Callable):
    """The environment built for ``key`` in this process, built by ``build()`` the first time."""
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = build()
    return _ENVIRONMENTS[key]
