"""Text from a form, made safe to write: valid UTF-8, no live spreadsheet formulas, and no
characters that rewrite a terminal or reverse how an id reads.

Form ids and file names are the only free text that reaches an output. They can hold bytes
that were not UTF-8 (kept as lone surrogates), a JSON lone surrogate such as "\\ud800",
control characters, or right-to-left overrides; each writer passes them through here.
"""

from __future__ import annotations

import re
import reprlib

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls (tab, newline and carriage return included: an id is one line), and
# the bidirectional controls that make "evil\u202eexe.txt" read as "eviltxt.exe".
_UNSAFE_FOR_DISPLAY = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def has_surrogates(text: str) -> bool:
    """True if the text holds lone surrogates, that is, bytes or escapes that are not text."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def valid_unicode(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD, so it can be encoded as UTF-8."""
    return _SURROGATE.sub("\ufffd", text) if not text.isascii() else text


def for_display(text: str) -> str:
    """Valid Unicode with control and bidirectional characters shown as <U+XXXX>."""
    text = valid_unicode(text)
    if text.isprintable() and (text.isascii() or not _UNSAFE_FOR_DISPLAY.search(text)):
        return text
    return _UNSAFE_FOR_DISPLAY.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def csv_cell(value):
    """A CSV cell that a spreadsheet shows as text: a leading ' before =, +, -, @, tab or CR
    (OWASP's advice for CSV injection); non-text values and safe text pass unchanged."""
    if not isinstance(value, str):
        return value
    # A lone CR is not quoted by the csv module (its line end is \n), and a reader would split
    # the row there: as \n it is quoted, and the row stays one row.
    value = valid_unicode(value).replace("\r\n", "\n").replace("\r", "\n")
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 80, 80, 40
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4


def short_repr(value) -> str:
    """repr() for messages: cut short, safe for values nested 1,000 deep or 5,000 digits long."""
    try:
        return _SHORT.repr(value)
    except (ValueError, RecursionError):       # int too long to convert, or nesting too deep
        return f"<a {type(value).__name__} too large to show>"
