"""Reading batch input: CSV, a JSON array or JSON Lines, streamed one row at a time.

Every form comes out as a ``Row``, numbered within its file and with the line it starts on, so
that an error names the place to fix. A row that cannot be read (a ragged CSV row, a broken JSON
line, bytes that are not UTF-8) is still a Row: it carries its reading problems instead of data
and becomes an error row in the output. Only blank lines are skipped; nothing else is.

Text is decoded as UTF-8 (a byte-order mark is dropped) with ``surrogateescape``, so one bad
byte spoils only the row it is in: that row is reported, and the rest of the file still scores.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from pathlib import Path
from typing import Any, BinaryIO, Iterator, NamedTuple

from triage.forms import Problem
from triage.jsonforms import DECODER, ElementEnd, decode_problem, repeated_keys

FORMATS = ("csv", "json", "jsonl")
EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
STDIN = "-"
STDIN_NAME = "<stdin>"

_CHUNK = 1 << 16
# A JSON array element (one form) larger than this is not kept in memory: it becomes one error
# row, and the reading goes on after it.
_MAX_ELEMENT = 1 << 22
# How many lines may come before the first one with content (the header, or the first form).
_MAX_LEADING_BLANK_LINES = 10_000


class Row(NamedTuple):
    """One form as read: where it came from, and its fields or what stopped it being read."""

    source: str              # the file as given on the command line, "<stdin>" for -
    number: int              # the form's number within its file, from 1
    line: int                # the line of the file on which the form starts
    data: Any = None         # the form as a mapping of field name -> raw value (None if unreadable)
    problems: tuple = ()     # reading problems (Problem), if the row could not be read
    form_id: Any = None      # the form's own form_id when only the reader could see it

    @property
    def where(self) -> str:
        return f"{self.source} row {self.number} (line {self.line})"


class InputError(Exception):
    """A file that cannot be opened or decoded at all (a usage error, not a row error)."""


def display_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


def open_text(path: str, stdin: BinaryIO | None = None) -> io.TextIOWrapper:
    """The file (or standard input, for -) as text: UTF-8, BOM dropped, newlines untranslated."""
    if path == STDIN and stdin is None and sys.stdin is None:
        raise InputError("standard input (-) is closed; give a file, or pipe the forms in")
    try:
        binary = (stdin or sys.stdin.buffer) if path == STDIN else open(path, "rb")
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None
    _refuse_utf16(path, binary)
    # newline="" because the csv module handles line endings itself (and quoted newlines).
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _refuse_utf16(path: str, binary) -> None:
    """UTF-16 (as Excel and Notepad save "Unicode text") decodes as UTF-8 into one broken row per
    line: say it once, for the file, instead."""
    peek = getattr(binary, "peek", None)
    head = peek(4)[:4] if peek else b""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) == 4 and (head[1::2] == b"\0\0" or head[0::2] == b"\0\0")):
        if path != STDIN:
            binary.close()
        raise InputError(f"{display_name(path)}: is UTF-16 text, not UTF-8; save it as UTF-8 "
                         f"(in Excel: CSV UTF-8)")


class Peeked:
    """A text stream whose first content line can be looked at before it is read for real."""

    def __init__(self, text: io.TextIOBase):
        self.text = text
        self._head: list[str] = []
        self._first: str | None = None

    def first_content_line(self) -> str:
        """The first line that is not blank ("" for an empty input)."""
        if self._first is None:
            self._first = ""
            for _ in range(_MAX_LEADING_BLANK_LINES):
                line = self.text.readline()
                if not line:
                    break
                self._head.append(line)
                if line.strip():
                    self._first = line
                    break
        return self._first

    def lines(self) -> Iterator[str]:
        return itertools.chain(self._head, self.text)

    def chunks(self) -> Iterator[str]:
        if self._head:
            yield "".join(self._head)
        while chunk := self.text.read(_CHUNK):
            yield chunk


def detect_format(path: str, peeked: Peeked, given: str | None = None) -> str:
    """The format named by --input-format, else by the extension, else by the first line."""
    if given:
        return given
    by_extension = EXTENSIONS.get(Path(path).suffix.lower()) if path != STDIN else None
    if by_extension:
        return by_extension
    first = peeked.first_content_line().strip()
    if first.startswith("["):
        return "json"
    if first.startswith("{"):
        # One complete object on the first line is JSON Lines; an object spread over lines is
        # a pretty-printed JSON document.
        try:
            return "jsonl" if isinstance(json.loads(first), dict) else "json"
        except ValueError:
            return "json"
    return "csv"


def _not_utf8(text: str) -> Problem | None:
    """A problem if the text holds bytes that were not UTF-8 (kept as lone surrogates)."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = text[error.start:error.end].encode("utf-8", "surrogateescape")
        return Problem("(encoding)", bad, f"holds bytes that are not UTF-8 text ({bad!r}); "
                       f"save the file as UTF-8", accepted="UTF-8 text")
    return None


def _snippet(text: str, size: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= size else text[:size] + "..."


# CSV ------------------------------------------------------------------------------------------

def detect_delimiter(header_line: str) -> str:
    """The delimiter of a header line: whichever of comma, semicolon and tab occurs most
    outside quotes (field names hold none of them); a one-column header reads as comma."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _header_problems(names: list[str]) -> list[Problem]:
    problems = []
    seen: dict[str, list[int]] = {}
    for column, name in enumerate(names, start=1):
        if name:
            seen.setdefault(name, []).append(column)
    for name, columns in seen.items():
        if len(columns) > 1:
            where = ", ".join(map(str, columns))
            problems.append(Problem(name, None, f"the header names this column {len(columns)} times "
                                    f"(columns {where}), so its value is ambiguous",
                                    accepted="each field in one column only"))
    return problems


def read_csv(source: str, peeked: Peeked, delimiter: str | None = None) -> Iterator[Row]:
    """Rows of a CSV file whose first line is the header (the field names)."""
    header_line = peeked.first_content_line()
    if not header_line.strip():
        return
    delimiter = delimiter or detect_delimiter(header_line)
    reader = csv.reader(peeked.lines(), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        while not header:                      # blank lines before the header
            header = next(reader)
        names = [name.strip() for name in header]
    except csv.Error as error:
        yield Row(source, 1, reader.line_num, problems=(
            Problem("(header)", None, f"the header line is not valid CSV ({error})",
                    accepted="a header row of field names"),))
        return
    width = len(names)
    header_problems = tuple(_header_problems(names))
    form_id_column = names.index("form_id") if "form_id" in names else None
    accepted = f"{width} cells separated by {DELIMITERS.get(delimiter, repr(delimiter))}s, as in the header"
    number, last_line = 0, reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            yield Row(source, number, last_line + 1, problems=(
                Problem("(row)", None, f"not valid CSV ({error})", accepted=accepted),))
            last_line = reader.line_num
            continue
        line, last_line = last_line + 1, reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue                                  # a blank line is not a form
        number += 1
        form_id = cells[form_id_column] if form_id_column is not None and form_id_column < len(cells) else None
        problems = list(header_problems)
        if len(cells) != width:
            problems.append(Problem("(row)", None, f"has {len(cells)} cells but the header has {width} "
                                    f"columns", accepted=accepted))
        encoding = _not_utf8("".join(cells))
        if encoding:
            problems.append(encoding)
        if problems:
            yield Row(source, number, line, problems=tuple(problems), form_id=form_id)
            continue
        data: dict[str, str] = {}
        for name, cell in zip(names, cells, strict=True):
            if name:
                data[name] = cell
            elif cell.strip():
                # A trailing delimiter gives an unnamed, empty column; a value there is data
                # that no field would receive, so it is an error rather than dropped.
                problems.append(Problem("(unnamed column)", cell, "a value in a column with no name in the "
                                        "header", accepted="a field name above every column with values"))
        if problems:
            yield Row(source, number, line, problems=tuple(problems), form_id=form_id)
        else:
            yield Row(source, number, line, data)


# JSON Lines -----------------------------------------------------------------------------------

def read_jsonl(source: str, peeked: Peeked) -> Iterator[Row]:
    """One form per line, each a JSON object; a line that is not JSON is an error row."""
    number = 0
    for line_number, line in enumerate(peeked.lines(), start=1):
        if not line.strip():
            continue
        number += 1
        encoding = _not_utf8(line)
        if encoding:
            yield Row(source, number, line_number, problems=(encoding,))
            continue
        try:
            data = DECODER.decode(line)
        except RecursionError as error:
            yield Row(source, number, line_number, problems=(decode_problem(error),))
            continue
        except ValueError as error:
            message = f"not valid JSON ({getattr(error, 'msg', error)}, column {getattr(error, 'colno', '?')})"
            yield Row(source, number, line_number, problems=(
                Problem("(line)", _snippet(line), message, accepted="one JSON object per line"),))
            continue
        repeated = repeated_keys(data)
        if repeated:
            yield Row(source, number, line_number, problems=tuple(repeated), form_id=data.get("form_id"))
            continue
        yield Row(source, number, line_number, data)


# JSON -----------------------------------------------------------------------------------------

class _JSONText:
    """A sliding window over a stream of text, with the line number of its start."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line_at_start = 1            # line number of buf[0]
        self.dropped = 0                   # characters forgotten before buf[0]

    def more(self) -> bool:
        """Read another chunk; False at the end of the input."""
        if self.eof:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self.eof = True
            return False
        if self.pos > _CHUNK:              # forget what has been consumed, now and then
            self._line_at_start += self.buf.count("\n", 0, self.pos)
            self.dropped += self.pos
            self.buf, self.pos = self.buf[self.pos:], 0
        self.buf += chunk
        return True

    def skip_space(self) -> str:
        """Skip whitespace and return the next character ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def line(self, pos: int | None = None) -> int:
        return self._line_at_start + self.buf.count("\n", 0, self.pos if pos is None else pos)


def read_json(source: str, peeked: Peeked) -> Iterator[Row]:
    """The forms of a JSON array, decoded one element at a time so memory stays flat.

    A file holding a single object is read as one form. A form that is broken inside (or too
    deep, or too large) is an error row of its own and reading goes on after it; only JSON
    whose next element has no findable end stops the file, and its error row says that the
    rest was not read.
    """
    text = _JSONText(peeked.chunks())
    first = text.skip_space()
    if first == "":
        return
    number = 0

    def broken(message: str, line: int) -> Row:
        return Row(source, number + 1, line, problems=(Problem(
            "(file)", None, f"{message}; the rest of this file was not read",
            accepted="a JSON array of form objects"),))

    if first == "[":
        text.pos += 1
    elif first != "{":
        yield broken(f"not a JSON array of forms (it starts with {first!r})", text.line())
        return
    while True:
        char = text.skip_space()
        if first == "[" and char == "]":
            text.pos += 1
            break
        if char == "":
            yield broken("the JSON array is not closed (the file ends before its ']')", text.line())
            return
        line = text.line()
        try:
            value, problems = _next_element(text, number + 1)
        except _Unreadable as error:
            yield broken(str(error), line)
            return
        number += 1
        form_id = value.get("form_id") if isinstance(value, dict) else None
        yield Row(source, number, line, None if problems else value, problems,
                  form_id=form_id if problems else None)
        if first == "{":
            break
        char = text.skip_space()
        if char == ",":
            text.pos += 1
        elif char == "":
            yield broken(f"the JSON array is not closed (the file ends after form {number})", text.line())
            return
        elif char != "]":
            yield broken(f"expected ',' or ']' after form {number} but found {char!r}", text.line())
            return
    if text.skip_space() != "":
        yield broken(f"unexpected text after the end of the JSON {'array' if first == '[' else 'object'}",
                     text.line())


class _Unreadable(Exception):
    """JSON whose next element has no end that can be found: nothing after it can be read."""


# A bare value (not a form object) is read whole or taken to be broken within this many characters.
_MAX_SCALAR = 1 << 17


def _next_element(text: _JSONText, number: int) -> tuple[object, tuple]:
    """The array element at ``text.pos`` and its problems; ``text.pos`` moves past it.

    An object or array is first delimited by counting brackets (strings respected), so one
    that does not decode (nested too deeply, broken inside, too large) is an error row of its
    own and the next element is still read.
    """
    start = text.pos
    if text.buf[start] not in "[{":
        while True:
            start = text.pos            # reading more may slide the window, so take it afresh
            try:
                value, end = DECODER.raw_decode(text.buf, start)
            except ValueError as error:
                if len(text.buf) - start < _MAX_SCALAR and text.more():
                    continue
                raise _Unreadable(f"not valid JSON ({getattr(error, 'msg', error)}) at line "
                                  f"{text.line(getattr(error, 'pos', start))}") from None
            # A number (or true, null...) that reaches the end of what was read may go on.
            if end == len(text.buf) and text.more():
                continue
            text.pos = end
            return value, ()
    try:                                 # the usual case: the whole form is in the buffer
        value, end = DECODER.raw_decode(text.buf, start)
    except (ValueError, RecursionError):
        pass
    else:
        text.pos = end
        return value, _element_problems(text.buf[start:end], value)
    scan = ElementEnd(start)
    too_large = False
    while not scan.scan(text.buf):
        if scan.pos - start > _MAX_ELEMENT:
            too_large = True             # forget what has been scanned; keep only counting brackets
            text.pos = start = scan.pos
        before = text.dropped
        if not text.more():
            raise _Unreadable(f"the JSON array is not closed (form {number} does not end before the file does)")
        scan.shift(text.dropped - before)
        start -= text.dropped - before
    end = scan.pos
    text.pos = end
    if too_large:
        return None, (Problem("(form)", None, f"is larger than {_MAX_ELEMENT >> 20} MiB, so it was not read",
                              accepted=f"a form object under {_MAX_ELEMENT >> 20} MiB"),)
    try:
        value, stop = DECODER.raw_decode(text.buf, start)
        if stop != end:
            raise json.JSONDecodeError("unexpected text inside the form", text.buf, stop)
    except RecursionError as error:
        return None, (decode_problem(error),)
    except ValueError as error:
        where = f" at line {text.line(error.pos)}" if hasattr(error, "pos") else ""
        return None, (Problem("(form)", _snippet(text.buf[start:end]), f"not valid JSON "
                              f"({getattr(error, 'msg', error)}){where}", accepted="a JSON object"),)
    return value, _element_problems(text.buf[start:end], value)


def _element_problems(raw: str, value) -> tuple:
    encoding = _not_utf8(raw)
    return (encoding,) if encoding else tuple(repeated_keys(value))


READERS = {"csv": read_csv, "jsonl": read_jsonl, "json": read_json}


def rows_of(path: str, text: io.TextIOBase, *, input_format: str | None = None,
            delimiter: str | None = None) -> Iterator[Row]:
    """Every form in one input, already open as text, in order."""
    source = display_name(path)
    peeked = Peeked(text)
    fmt = detect_format(path, peeked, input_format)
    rows = read_csv(source, peeked, delimiter) if fmt == "csv" else READERS[fmt](source, peeked)
    # FHIR QuestionnaireResponses (one, a Bundle, NDJSON) and REDCap exports become contract forms.
    from triage.interop.rows import adapt_rows
    return adapt_rows(rows)


def _close(path: str, text: io.TextIOWrapper) -> None:
    if path == STDIN:
        text.detach()           # leave standard input open for whoever owns it
    else:
        text.close()


def read_rows(path: str, *, input_format: str | None = None, delimiter: str | None = None,
              stdin: BinaryIO | None = None) -> Iterator[Row]:
    """Every form in one input file (or standard input, for -), in order."""
    text = open_text(path, stdin)
    try:
        yield from rows_of(path, text, input_format=input_format, delimiter=delimiter)
    finally:
        _close(path, text)


class Inputs:
    """Several input files read one after the other, with how far the reading has got."""

    def __init__(self, paths: list[str], *, input_format: str | None = None, delimiter: str | None = None,
                 stdin: BinaryIO | None = None):
        self.paths = list(paths)
        self.input_format, self.delimiter, self.stdin = input_format, delimiter, stdin
        self._sizes = [self._size(p) for p in self.paths]
        self._done = 0
        self._current: BinaryIO | None = None

    @staticmethod
    def _size(path: str) -> int | None:
        if path == STDIN:
            return None
        try:
            return Path(path).stat().st_size
        except OSError:
            return None

    def rows(self) -> Iterator[Row]:
        for path, size in zip(self.paths, self._sizes, strict=True):
            text = open_text(path, self.stdin)
            self._current = text.buffer
            try:
                yield from rows_of(path, text, input_format=self.input_format, delimiter=self.delimiter)
            finally:
                self._current = None
                self._done += size or 0
                _close(path, text)

    def fraction(self) -> float | None:
        """How much of the input has been read, 0-1 (None if a size is unknown, as for stdin)."""
        if any(size is None for size in self._sizes):
            return None
        total = sum(self._sizes)
        if not total:
            return None
        position = self._current.tell() if self._current is not None else 0
        return (self._done + position) / total
