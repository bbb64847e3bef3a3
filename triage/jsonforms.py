"""Decoding JSON forms strictly: a repeated key, a huge number or deep nesting is a problem
with the form, never a silent choice or a crash.

``json.loads`` keeps the last of two equal keys, so {"night_pain": "yes", "night_pain": "no"}
would lose a warning sign; it raises ValueError past 4,300 digits and RecursionError past
about 1,000 levels. Every JSON reader (batch, assess, report, ask --answers) decodes here.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from triage.forms import Problem
from triage.safetext import short_repr

# A whole number longer than this is kept as its text: the field then rejects it by name.
_MAX_INT_DIGITS = 40


class _Repeated(dict):
    """A decoded JSON object that was given some key more than once (``repeated``: key -> values)."""

    __slots__ = ("repeated",)


def _object(pairs: list) -> dict:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value                 # the usual case: a plain dict, nothing more to do
    value = _Repeated(value)
    seen: dict = {}
    for key, item in pairs:
        seen.setdefault(key, []).append(item)
    value.repeated = {k: v for k, v in seen.items() if len(v) > 1}
    return value


def _int(text: str):
    return int(text) if len(text) <= _MAX_INT_DIGITS else text


class _Decoder(json.JSONDecoder):
    """json.JSONDecoder that notes repeated keys; a number too long for int() (over 4,300
    digits) is decoded again with long numbers kept as text."""

    def __init__(self):
        super().__init__(object_pairs_hook=_object)
        self._patient = json.JSONDecoder(object_pairs_hook=_object, parse_int=_int)

    def raw_decode(self, s, idx=0):
        try:
            return super().raw_decode(s, idx)
        except json.JSONDecodeError:
            raise
        except ValueError:           # "Exceeds the limit (4300 digits) for integer string conversion"
            return self._patient.raw_decode(s, idx)


DECODER = _Decoder()


class JSONFormError(ValueError):
    """JSON that cannot be read as a form; ``problems`` say why, by field where there is one."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def decode_problem(error: Exception) -> Problem:
    """The problem for an exception raised while decoding JSON."""
    if isinstance(error, RecursionError):
        return Problem("(form)", None, "is nested too deeply to read (a form is one flat object of "
                       "field names and values)", accepted="a flat JSON object")
    if isinstance(error, json.JSONDecodeError):
        return Problem("(form)", None, f"not valid JSON ({error.msg}, line {error.lineno} column {error.colno})",
                       accepted="a JSON object")
    return Problem("(form)", None, f"not valid JSON ({error})", accepted="a JSON object")


def repeated_keys(value) -> list[Problem]:
    """A problem for each key given more than once in a form (the top-level object)."""
    repeated = getattr(value, "repeated", None)
    if not repeated:
        return []
    return [Problem(str(key), None, f"the form gives this field {len(items)} times ("
                    + ", ".join(short_repr(i) for i in items) + "), so its value is ambiguous",
                    accepted="each field once") for key, items in repeated.items()]


def loads(text: str):
    """Decode JSON as ``json.loads`` does, or raise JSONFormError (decoding or repeated keys)."""
    try:
        value = DECODER.decode(text)
    except (ValueError, RecursionError) as error:
        raise JSONFormError([decode_problem(error)]) from None
    problems = repeated_keys(value)
    if problems:
        raise JSONFormError(problems)
    return value


# Where an object or array ends, found without decoding it, so that one element that does not
# decode (nested too deeply, broken inside) can be reported and the next one read.
_STRUCTURE = re.compile(r'[][{}"]')
_IN_STRING = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


class ElementEnd:
    """Counts brackets outside strings, fed the text as it arrives; ``pos`` is where it got to."""

    def __init__(self, pos: int):
        self.pos = pos
        self.depth = 0
        self.in_string = False

    def scan(self, text: str) -> bool:
        """Scan on from ``pos``; True once the element has closed (``pos`` is just after it)."""
        pos = self.pos
        while True:
            if self.in_string:
                end = _IN_STRING.match(text, pos).end()
                if end >= len(text) or text[end] != '"':      # the string goes on past what was read
                    self.pos = end
                    return False
                pos, self.in_string = end + 1, False
            found = _STRUCTURE.search(text, pos)
            if not found:
                self.pos = len(text)
                return False
            char, pos = found.group(), found.end()
            if char == '"':
                self.in_string = True
            elif char in "[{":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth <= 0:
                    self.pos = pos
                    return True

    def shift(self, by: int) -> None:
        self.pos -= by


class FormFileError(ValueError):
    """A file that does not hold one readable JSON form; the message names the file."""


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(raw: bytes, path: str) -> str:
    """The bytes of a form file as text: UTF-8 (a byte-order mark dropped), else FormFileError."""
    if raw.startswith(_UTF16_BOMS):
        raise FormFileError(f"{path}: is UTF-16 text; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormFileError(f"{path}: is not UTF-8 text (byte {error.start + 1} is "
                            f"{raw[error.start:error.start + 1]!r}); save it as UTF-8") from None


def read_form_file(path: str, stdin=None, what: str = "a form") -> dict:
    """One JSON form from a file (- for standard input), checked as the batch reader checks it.

    Raises FormFileError for a file that cannot be read, is not UTF-8, or is not one JSON
    object; JSONFormError (with problems by field) for a repeated key or nesting too deep.
    """
    if path == "-" and stdin is None and sys.stdin is None:
        raise FormFileError("standard input (-) is closed; give a file, or pipe the form in")
    try:
        raw = (stdin or sys.stdin.buffer).read() if path == "-" else Path(path).read_bytes()
    except IsADirectoryError:
        raise FormFileError(f"{path}: is a folder; give the form's file") from None
    except OSError as error:
        raise FormFileError(f"{path}: cannot be read ({error.strerror or error})") from None
    text = decode_text(raw, path)
    try:
        value = DECODER.decode(text)
    except RecursionError as error:
        raise JSONFormError([decode_problem(error)]) from None
    except ValueError as error:
        where = f", line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        raise FormFileError(f"{path}: not JSON ({getattr(error, 'msg', error)}{where})") from None
    if not isinstance(value, dict):
        raise FormFileError(f"{path}: {what} is one JSON object; for many forms use `kneetriage score`")
    problems = repeated_keys(value)
    if problems:
        raise JSONFormError(problems)
    return value
