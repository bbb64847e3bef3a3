"""Writing scored rows: CSV (flat), JSON Lines or JSON (the full explained assessment).

A ``Format`` turns one result (an Assessment, or an ``ErrorRow``) into text. The workers call
it, so the main process only joins and writes strings. The output file itself is written by
``triage.atomic.AtomicFile``: whole, or not at all.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.assessment import DISCLAIMER, Assessment
from triage.batch.readers import Row
from triage.batch.table import Layout
from triage.forms import Problem
from triage.safetext import csv_cell, short_repr, valid_unicode
from triage.terminal import terminal_width

OUTPUT_FORMATS = ("csv", "jsonl", "json", "table", "fhir")
OUTPUT_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
# Extensions that name no format of their own: written as JSON Lines, as documented.
PLAIN_EXTENSIONS = ("", ".txt", ".log", ".out")


class UnwritableFormat(ValueError):
    """-o names a file type that score cannot write (a spreadsheet, a document)."""


@dataclass(frozen=True)
class ErrorRow:
    """A row that could not be scored: where it is, and every problem with it."""

    form_id: str
    source: str
    row: int
    line: int
    problems: tuple[Problem, ...] = field(default=())

    @classmethod
    def of(cls, row: Row, form_id: str, problems) -> "ErrorRow":
        # The id and the file name may hold bytes that were not UTF-8: this row reports them,
        # and must still be writable, so they become U+FFFD here.
        return cls(valid_unicode(str(form_id)), valid_unicode(row.source), row.number, row.line, tuple(problems))

    @property
    def message(self) -> str:
        """One line naming the place, each field, its value and the accepted values."""
        where = f"{self.source} row {self.row} (line {self.line})"
        return valid_unicode(f"{where}: " + "; ".join(describe(p) for p in self.problems))

    def to_dict(self) -> dict:
        return {
            "form_id": self.form_id,
            "status": "error",
            "error": self.message,
            "source": self.source,
            "row": self.row,
            "line": self.line,
            "problems": [{"field": valid_unicode(str(p.field)), "value": _jsonable(p.value),
                          "message": valid_unicode(p.message), "accepted": p.accepted} for p in self.problems],
        }


def describe(problem: Problem) -> str:
    text = f"{problem.field}: {problem.message}"
    if problem.value is not None and short_repr(problem.value) not in problem.message:
        text += f" (value {short_repr(problem.value)})"
    if problem.accepted and problem.accepted not in problem.message:
        text += f"; accepted: {problem.accepted}"
    return text


def _jsonable(value: Any) -> Any:
    if isinstance(value, str):
        return valid_unicode(value)
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError, RecursionError):
        return valid_unicode(short_repr(value))


class Format:
    """How results become text: a header, one entry per result, separators, a footer."""

    name = ""
    header = ""
    separator = ""          # between entries (JSON needs commas)
    footer = ""

    def entry(self, result: Assessment | ErrorRow) -> str:
        raise NotImplementedError


class JSONLines(Format):
    name = "jsonl"

    def entry(self, result):
        return json.dumps(result.to_dict()) + "\n"


class JSONArray(Format):
    """One JSON array, written as it goes: one entry per line, so it streams and diffs well."""

    name = "json"
    header = "[\n"
    separator = ",\n"
    footer = "\n]\n"

    def entry(self, result):
        return json.dumps(result.to_dict())


class FlatCSV(Format):
    """One line per form: the outcome, each condition's score and any error; no explanation."""

    name = "csv"

    def __init__(self, condition_ids: list[str]):
        self.conditions = list(condition_ids)
        # The disclaimer rides on every row: a CSV is often cut, filtered or pasted elsewhere.
        self.columns = (["form_id", "status", "triage_level", "red_flags", "top_condition", "top_score",
                         "outcome"] + [f"score_{c}" for c in self.conditions]
                        + ["screen_complete", "warning_signs_not_asked", "error", "disclaimer"])
        self.header = self._line(self.columns)

    @staticmethod
    def _line(cells) -> str:
        buffer = io.StringIO()
        # csv_cell: an id such as =HYPERLINK(...) must reach a spreadsheet as text, not a formula.
        csv.writer(buffer, lineterminator="\n").writerow([csv_cell(c) for c in cells])
        return buffer.getvalue()

    def entry(self, result):
        if isinstance(result, ErrorRow):
            cells = [result.form_id, "error"] + [""] * (7 + len(self.conditions)) + [result.message, DISCLAIMER]
        else:
            scores = {c.id: c.score for c in result.differential}
            top = result.score(result.top_condition) if result.top_condition else ""
            cells = ([result.form_id, "ok", result.triage_level, ";".join(result.red_flag_ids),
                      result.top_condition or "", top, result.outcome]
                     + [scores.get(c, "") for c in self.conditions]
                     + ["yes" if result.screen.complete else "no", ";".join(result.screen.not_asked),
                        "", result.disclaimer])
        return self._line(cells)


class Table(Format):
    """Aligned columns for a person at a terminal: the outcome of each form, fitted to its width
    (triage/batch/table.py)."""

    name = "table"

    def __init__(self, width: int | None = None):
        self.layout = Layout(width or terminal_width())
        self.header = self.layout.header()
        self.footer = self.layout.footer()

    def entry(self, result):
        if isinstance(result, ErrorRow):
            return self.layout.error_row(result.form_id, result.message)
        if result.top_condition:
            leading = f"{result.top_condition} {result.score(result.top_condition):.0%}"
        else:
            leading = f"({result.outcome.replace('_', ' ')})"
        # Never a bare "no flags" when warning signs went unasked: the column says how many.
        missing = len(result.screen.not_asked)
        screen = "all checked" if not missing else f"{missing} not asked"
        flags = ", ".join(result.red_flag_ids)
        return self.layout.row(result.form_id, [result.triage_level, leading, screen], "red flags",
                               flags or ("-" if self.layout.last_fits else ""))


def make_format(name: str, condition_ids: list[str], kb=None, width: int | None = None) -> Format:
    if name == "fhir":          # one FHIR Bundle per line (triage/interop)
        from triage.interop.writer import FHIRBundles
        return FHIRBundles(kb)
    if name == "csv":
        return FlatCSV(condition_ids)
    if name == "table":
        return Table(width)
    return JSONLines() if name == "jsonl" else JSONArray()


def output_format(path: str | None, given: str | None, stdout_is_terminal: bool) -> str:
    """--format if given; else the output file's extension; else a table for a person at a
    terminal and JSON Lines for a pipe or a file with another extension."""
    if given:
        return given
    if path and path != "-":
        suffix = Path(path).suffix.lower()
        if suffix in OUTPUT_EXTENSIONS:
            return OUTPUT_EXTENSIONS[suffix]
        if suffix not in PLAIN_EXTENSIONS:
            raise UnwritableFormat(f"-o {path}: score cannot write {suffix} files; use .csv, .json, .jsonl "
                                   f"or .ndjson, or give --format")
        return "jsonl"
    return "table" if stdout_is_terminal else "jsonl"
