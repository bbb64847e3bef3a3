"""What one run of an inference backend concluded: the shared result of experta and the compiled rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Firing:
    """What one run of the engine concluded, as rule ids, sorted."""

    conclusions: dict          # conclusion name -> tuple of rule ids that reached it
    evidence: tuple[str, ...]
    red_flags: tuple[str, ...]
