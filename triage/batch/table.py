"""The ``score`` table for a person at a terminal: one form per row, fitted to the terminal width.

Cells wrap on whole words and never inside an id (a form id, a condition or a red-flag id): a
line that a terminal folds in the middle of ``osteoarthritis_or_degenerative_meniscus`` reads
as two ids. When the red flags (or an error message) would get too narrow a column, they go on
lines of their own under the row, which every width can hold.
"""

from __future__ import annotations

import textwrap

from triage.assessment import DISCLAIMER
from triage.safetext import for_display

# Each fixed column holds its longest usual entry whole: "emergency_ambulance", the longest
# condition id ("patellar_stress_fracture"; its score wraps under it when needed), "12 not asked".
LEVEL, LEADING, SIGNS = 19, 25, 12
FORM_MAX, FORM_MIN = 24, 12
# Below this the last column (red flags, an error) is too narrow to be worth it.
LAST_MIN = 30


def cell(text: str, width: int) -> list[str]:
    """``text`` on lines of at most ``width``, broken between words only (a word longer than the
    width keeps its own line whole)."""
    clean = for_display(" ".join(str(text).split()))   # a form_id may hold a newline, an escape...
    return textwrap.wrap(clean, width, break_long_words=False, break_on_hyphens=False) or [""]


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Whole words on lines of ``width``; a word that no line could hold is broken (only then)."""
    clean = for_display(" ".join(str(text).split()))
    # Less indent before breaking a word: a long id is worth more than the hanging indent.
    for indent, breaking in ((rest, False), ("", False), (rest, True)):
        lines = textwrap.wrap(clean, width, initial_indent=first, subsequent_indent=indent,
                              break_long_words=breaking, break_on_hyphens=False)
        if all(len(line) <= width for line in lines):
            break
    return lines or [first.rstrip()]


class Layout:
    """The column widths for one terminal width.

    Wide: FORM, TRIAGE LEVEL, LEADING CONDITION, WARNING SIGNS and RED FLAGS side by side.
    Middle: the red flags on lines under the row. Narrow (under ~70 columns): each form's id on a
    line, its outcome under it.
    """

    def __init__(self, width: int):
        self.width = width
        fixed = LEVEL + LEADING + SIGNS + 3          # the three columns and the spaces between them
        self.last_fits = width - fixed - FORM_MAX - 2 >= LAST_MIN
        self.stacked = width - fixed - 1 < FORM_MIN
        self.form = min(FORM_MAX, width - fixed - 1)
        self.last = width - fixed - self.form - 2 if self.last_fits else 0

    def header(self) -> str:
        if self.stacked:
            return "FORM\n    TRIAGE LEVEL, LEADING CONDITION, WARNING SIGNS\n"
        heads = [("FORM", self.form), ("TRIAGE LEVEL", LEVEL), ("LEADING CONDITION", LEADING),
                 ("WARNING SIGNS", SIGNS)]
        line = " ".join(f"{name:<{w}}" for name, w in heads)
        return (line + " RED FLAGS" if self.last_fits else line.rstrip()) + "\n"

    def row(self, form_id: str, cells: list[str], last_label: str, last: str) -> str:
        """One form: its id, the fixed cells, and the last column (or the lines under the row)."""
        ident = _wrap(form_id, self.width)
        beside = False
        if self.stacked:
            lines = ident + _wrap(", ".join(c for c in cells if c), self.width, "    ", "    ")
        else:
            lines = []
            if len(ident) > 1 or len(ident[0]) > self.form:
                lines += ident            # a long id on a line of its own, whole
                ident = [""]
            columns = [(ident, self.form)] + [(cell(text, w), w) for text, w in zip(cells, (LEVEL, LEADING, SIGNS))]
            # An id longer than the last column would be cut by the terminal: then under the row.
            beside = self.last_fits and all(len(word) <= self.last for word in last.split())
            if beside:
                columns.append((cell(last, self.last), self.last))
            for depth in range(max(len(c) for c, _ in columns)):
                parts = [f"{(c[depth] if depth < len(c) else ''):<{w}}" for c, w in columns]
                lines.append(" ".join(parts).rstrip())
        if not (self.last_fits and beside) and last:
            lines += _wrap(last, self.width, f"    {last_label}: ", "      ")
        return "\n".join(lines) + "\n"

    def error_row(self, form_id: str, message: str) -> str:
        """A row that could not be scored: ERROR, and the message across the rest of the line
        (or under it, when that is too narrow)."""
        if self.stacked or self.width - self.form - LEVEL - 2 < LAST_MIN:
            return self.row(form_id, ["ERROR", "", ""], "error", message)
        start = self.form + LEVEL + 2
        lines = _wrap(message, self.width, " " * start, " " * start)
        head = self.row(form_id, ["ERROR", "", ""], "", "").rstrip("\n").split("\n")
        head[-1] = f"{head[-1]:<{start}}" + lines[0][start:]
        return "\n".join(head + lines[1:]) + "\n"

    def footer(self) -> str:
        # The disclaimer once, at the end of the table (the summary on stderr leaves it out).
        return "\n" + textwrap.fill(DISCLAIMER, self.width) + "\n"
