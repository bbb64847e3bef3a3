"""Hostile inputs for every command, each with the outcome it must have.

One list serves the regression tests (tests/test_hostile_inputs.py) and the table in
docs/reliability.md (`python tests/hostile_cases.py` prints it). A case is the files to make,
the command line (``{name}`` is replaced by the path of that file), the standard input, the
exit status expected, and text that the output must (or must not) hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

OK_FORM = {"form_id": "ok", "pain_location": "lateral", "onset": "gradual", "age": 30}
OK_LINE = json.dumps(OK_FORM)
DEEP = "[" * 990 + "]" * 990


def jsonl(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Case:
    name: str                           # what is tried, in a few words
    args: tuple[str, ...]               # the command line after `kneetriage`
    status: int                         # the exit status it must give
    files: dict = field(default_factory=dict)   # file name -> bytes
    stdin: bytes = b""
    contains: tuple[str, ...] = ()      # in the standard output or error
    absent: tuple[str, ...] = ()        # never in them (beyond "Traceback", always checked)
    outcome: str = ""                   # the outcome in words, for the table


CSV_HEAD = b"form_id,pain_location,onset\n"

CASES = [
    # ---- score: bytes that are not UTF-8 spoil only their own row
    Case("CSV row with bytes \\xff\\xfe", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.csv": b"form_id,age\na1,30\na2\xff\xfe,30\na3,30\n"},
         contains=("a1,ok", "a2\ufffd\ufffd,error", "not UTF-8", "a3,ok"),
         outcome="that row is an error naming the bytes; the other rows score"),
    Case("CSV saved as Latin-1", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.csv": CSV_HEAD + b"caf\xe9,lateral,gradual\nb,lateral,gradual\n"},
         contains=("not UTF-8", "b,ok"), outcome="error row for the Latin-1 row; the rest score"),
    Case("CSV saved as UTF-16", ("score", "{in}", "-q"), 2,
         {"in.csv": "form_id,age\na,30\n".encode("utf-16")}, contains=("is UTF-16 text",),
         outcome="one clear error for the file"),
    Case("JSON Lines saved as UTF-16", ("score", "{in}", "-q"), 2,
         {"in.jsonl": jsonl(OK_LINE, OK_LINE).decode().encode("utf-16")}, contains=("is UTF-16 text",),
         outcome="one clear error, not one per half-decoded line"),
    Case("JSON lone surrogate form_id (\"\\ud800\")", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.jsonl": jsonl('{"form_id": "x\\ud800", "age": 30}', OK_LINE)},
         contains=("holds characters that are not text", "ok,ok"),
         outcome="error row; output is valid UTF-8"),
    Case("escape sequence in form_id, table output", ("score", "{in}", "--format", "table", "-q"), 1,
         {"in.json": b'[{"form_id": "x\\u001b[31m", "pain_location": "bogus"}]'},
         contains=("<U+001B>",), absent=("\x1b[31m",), outcome="escape shown as <U+001B>; terminal untouched"),
    Case("lone surrogate id, JSON Lines output", ("score", "{in}", "--format", "jsonl", "-q"), 1,
         {"in.jsonl": jsonl('{"form_id": "\\udcff", "age": "old"}')}, contains=('"value": "\\ufffd"',),
         outcome="error row; no lone surrogate escapes in the JSON"),
    # ---- score: a repeated key is never resolved silently
    Case("duplicate JSON key (night_pain yes, then no)", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.jsonl": jsonl('{"form_id": "d", "night_pain": "yes", "night_pain": "no"}')},
         contains=("night_pain: the form gives this field 2 times ('yes', 'no')",),
         outcome="error row naming the key and both values"),
    Case("duplicate key inside a JSON array", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b'[{"form_id": "d", "fever_or_unwell": "yes", "fever_or_unwell": "no"}, ' + OK_LINE.encode() + b"]"},
         contains=("fever_or_unwell: the form gives this field 2 times", "ok,ok"),
         outcome="error row; the next form scores"),
    Case("duplicate CSV header", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.csv": b"form_id,night_pain,night_pain\nd,yes,no\n"}, contains=("names this column 2 times",),
         outcome="error row (as before)"),
    # ---- score: big, broken and deep JSON array elements
    Case("JSON array element of 5 MiB, then a form", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b'[{"form_id": "big", "x": "' + b"y" * (5 << 20) + b'"}, ' + OK_LINE.encode() + b"]"},
         contains=("larger than 4 MiB", "ok,ok"), outcome="one error row; the rest of the file scores"),
    Case("JSON array element of 2 MiB (a long unknown field)", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b'[{"form_id": "long", "notes": "' + b"y" * (2 << 20) + b'"}, ' + OK_LINE.encode() + b"]"},
         contains=("notes: unknown field", "ok,ok"), outcome="read whole: an ordinary row error"),
    Case("JSON array element broken inside ({\"age\": 30,,})", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b'[{"form_id": "b", "age": 30,, "x": "]"}, ' + OK_LINE.encode() + b"]"},
         contains=("not valid JSON", "ok,ok"), outcome="error row for it; the next form scores"),
    Case("JSON array never closed", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b"[" + OK_LINE.encode() + b","}, contains=("the rest of this file was not read",),
         outcome="last row says the file ends early"),
    Case("nesting 990 deep (JSON Lines)", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.jsonl": jsonl('{"form_id": "deep", "age": ' + DEEP + "}", OK_LINE)},
         contains=("nested too deeply", "ok,ok"), outcome="error row, no RecursionError"),
    Case("nesting 990 deep (JSON array)", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b'[{"age": ' + DEEP.encode() + b"}, " + OK_LINE.encode() + b"]"},
         contains=("nested too deeply", "ok,ok"), outcome="error row; the next form scores"),
    # ---- score: numbers
    Case("age with 400 digits", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.jsonl": jsonl('{"form_id": "n", "age": ' + "9" * 400 + "}")},
         contains=("age: ", "is not accepted; accepted values: a whole number from 5 to 100"),
         outcome="error row naming age and its range (no OverflowError)"),
    Case("age with 5,000 digits (JSON array)", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.json": b'[{"form_id": "n", "age": ' + b"9" * 5000 + b"}]"}, contains=("age: ",),
         outcome="error row (no AttributeError)"),
    Case("age 1e400", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"in.jsonl": jsonl('{"form_id": "n", "age": 1e400}')}, contains=("age: ",), outcome="error row"),
    *[Case(f"age {text!r}", ("score", "{in}", "--format", "csv", "-q"), 1,
           {"in.jsonl": jsonl(json.dumps({"form_id": "n", "age": text}))}, contains=("is not accepted",),
           outcome="error row: numbers are read strictly")
      for text in ("1_0", "\u0663\u0660", "\uff13\uff10", "3e0001")],
    # ---- score: spreadsheet formulas
    *[Case(f"form_id {text!r} to CSV", ("score", "{in}", "--format", "csv", "-q"), 0,
           {"in.jsonl": jsonl(json.dumps({**OK_FORM, "form_id": text}))}, contains=("'" + text.strip()[:4],),
           outcome="cell starts with ' (text, not a formula)")
      for text in ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "-2+3")],
    Case("input file named =X.csv with an error row", ("score", "{in}", "--format", "csv", "-q"), 1,
         {"=X.csv": b"form_id,age\na,old\n"}, contains=(",'=X.csv row 1",),
         outcome="the error cell starts with '"),
    # ---- score: paths
    Case("-o is the input file", ("score", "{in}", "-o", "{in}"), 2, {"in.csv": CSV_HEAD + b"a,lateral,gradual\n"},
         contains=("is also an input",), outcome="refused; the input is untouched"),
    Case("-o /dev/full", ("score", "{in}", "-o", "/dev/full", "--format", "csv", "-q"), 3,
         {"in.csv": CSV_HEAD + b"a,lateral,gradual\n"}, contains=("No space left",), outcome="exit 3, clear error"),
    Case("input is a folder", ("score", "{dir}"), 2, {"dir/": b""}, contains=("is a directory",),
         outcome="usage error"),
    # ---- assess
    Case("assess: missing file", ("assess", "{dir}/none.json"), 2, {"dir/": b""}, contains=("cannot be read",),
         outcome="usage error, no traceback"),
    Case("assess: a folder", ("assess", "{dir}"), 2, {"dir/": b""}, contains=("is a folder",),
         outcome="usage error"),
    Case("assess: invalid UTF-8", ("assess", "{in}"), 2, {"in.json": b'{"form_id": "a\xff"}'},
         contains=("is not UTF-8 text",), outcome="usage error naming the byte"),
    Case("assess: UTF-16 file", ("assess", "{in}"), 2, {"in.json": OK_LINE.encode("utf-16")},
         contains=("is UTF-16 text",), outcome="usage error"),
    Case("assess: lone surrogate form_id", ("assess", "{in}"), 2, {"in.json": b'{"form_id": "\\ud800"}'},
         contains=("form_id", "not text"), outcome="error naming form_id"),
    Case("assess: duplicate key", ("assess", "{in}"), 2,
         {"in.json": b'{"night_pain": "yes", "night_pain": "no"}'}, contains=("night_pain", "2 times"),
         outcome="error naming the key"),
    Case("assess: nesting 990 deep", ("assess", "{in}"), 2, {"in.json": b'{"age": ' + DEEP.encode() + b"}"},
         contains=("nested too deeply",), outcome="error, no RecursionError"),
    Case("assess: 400-digit age", ("assess", "{in}"), 2, {"in.json": b'{"age": ' + b"9" * 400 + b"}"},
         contains=("age: ",), outcome="error naming age"),
    # ---- report
    Case("report: duplicate key", ("report", "{in}"), 2, {"in.json": b'{"night_pain": "yes", "night_pain": "no"}'},
         contains=("night_pain", "2 times"), outcome="error naming the key"),
    Case("report: nesting 990 deep", ("report", "{in}"), 2, {"in.json": b'{"age": ' + DEEP.encode() + b"}"},
         contains=("nested too deeply",), outcome="error, no RecursionError"),
    Case("report -o /dev/full", ("report", "{in}", "-o", "/dev/full", "--format", "txt"), 3,
         {"in.json": OK_LINE.encode()}, contains=("No space left",), outcome="exit 3, clear error"),
    Case("report -o newdir/ (one form)", ("report", "{in}", "-o", "{dir}/newdir/"), 0,
         {"in.json": OK_LINE.encode(), "dir/": b""}, contains=("newdir/0001-ok.html",),
         outcome="a folder is made, the report inside"),
    Case("report batch into a folder of other files", ("report", "{in}", "-o", "{dir}"), 2,
         {"in.jsonl": jsonl(OK_LINE, OK_LINE), "dir/keep.txt": b"mine"}, contains=("did not write (keep.txt)",),
         outcome="refused; nothing replaced"),
    Case("report: template runs os.popen", ("report", "{in}", "--templates", "{tpl}"), 2,
         {"in.json": OK_LINE.encode(),
          "tpl/_answers.html.j2": b'{{ cycler.__init__.__globals__.os.popen("echo PWNED").read() }}'},
         contains=("is unsafe",), absent=("PWNED",), outcome="sandbox refuses; nothing runs"),
    Case("report: template {{ 1/0 }}", ("report", "{in}", "--templates", "{tpl}"), 2,
         {"in.json": OK_LINE.encode(), "tpl/_answers.html.j2": b"{{ 1/0 }}"},
         contains=("_answers.html.j2, line 1: ZeroDivisionError",), outcome="error naming the template"),
    Case("report: template not UTF-8", ("report", "{in}", "--templates", "{tpl}"), 2,
         {"in.json": OK_LINE.encode(), "tpl/_answers.html.j2": b"\xff\xfe{{ x }}"},
         contains=("_answers.html.j2: is not UTF-8",), outcome="error naming the template"),
    Case("report: CSS override with remote url()", ("report", "{in}", "--templates", "{tpl}"), 2,
         {"in.json": OK_LINE.encode(), "tpl/report.css": b'body { background: url("https://x.example/a.png") }'},
         contains=("would load 'https://x.example/a.png'",), outcome="refused: reports fetch nothing"),
    Case("report: right-to-left override in form_id", ("report", "{in}", "--format", "txt"), 0,
         {"in.json": json.dumps({**OK_FORM, "form_id": "abc\u202etxt.exe"}).encode()},
         contains=("abc<U+202E>txt.exe",), outcome="shown as <U+202E>, not applied"),
    Case("report batch: surrogate and control ids", ("report", "{in}", "-o", "{dir}/r", "--format", "md"), 1,
         {"in.jsonl": jsonl('{"form_id": "\\udcff\\u0007", "age": "x"}', OK_LINE), "dir/": b""},
         contains=("1 form(s) could not be assessed",), outcome="index lists the error row; one report"),
    # ---- ask
    Case("ask --save into a missing folder", ("ask", "--save", "{dir}/nope/s.json"), 2, {"dir/": b""},
         stdin=b"1\n", contains=("does not exist",), absent=("question 1",),
         outcome="refused before the first question"),
    Case("ask --answers with a duplicate key", ("ask", "--answers", "{in}"), 2,
         {"in.json": b'{"locking": "yes", "locking": "no"}'}, contains=("locking", "2 times"),
         outcome="error naming the key"),
    Case("ask --answers nested 990 deep", ("ask", "--answers", "{in}"), 2,
         {"in.json": b'{"age": ' + DEEP.encode() + b"}"}, contains=("nested too deeply",),
         outcome="error, no RecursionError"),
    Case("ask: input ends midway", ("ask",), 5, stdin=b"2\n", contains=("End of input",),
         outcome="result so far, exit 5"),
    Case("ask: a 1 MB answer line", ("ask",), 5, stdin=b"x" * (1 << 20) + b"\n",
         absent=("x" * 100,), outcome="line cut; not echoed back"),
    # ---- validate
    Case("validate: CSV with a bad byte and a deep JSON", ("validate", "{in}", "{in2}"), 2,
         {"in.csv": b"form_id,age,expected_condition,safe_triage\na\xff,30,pfps,self_care\n",
          "in2.jsonl": jsonl('{"age": ' + DEEP + "}")}, outcome="cases cannot be read: exit 2, clear error"),
    Case("rules show: an id with a bad byte", ("rules", "show", "X\udcff=1"), 2, contains=("no rule",),
         outcome="usage error (click's default of 1 would mean 'rows are errors')"),
    Case("validate: a vignette that is not UTF-8", ("validate", "{in}"), 2,
         {"in.yml": b"id: x\nform:\n  age: 30\n\xff: x\n"}, contains=("is not UTF-8 text",),
         outcome="clear error naming the file"),
    Case("validate: a vignette nested 2,000 deep", ("validate", "{in}"), 2,
         {"in.yml": b"a: " + b"[" * 2000 + b"]" * 2000 + b"\n"}, contains=("nothing was validated",),
         outcome="clear error, no RecursionError"),
]


def materialise(case: Case, folder: Path) -> list[str]:
    """Write the case's files under ``folder`` (run the command there) and return its command line."""
    paths = {}
    for name, content in case.files.items():
        path = folder / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        key = name.split("/")[0].split(".")[0] if not name.startswith("=") else "in"
        # relative to the folder, which is the working directory: "=X.csv" must reach messages as given
        paths.setdefault(key, name.split("/")[0] if "/" in name else name)
    return [arg.format(**paths) if "{" in arg else arg for arg in case.args]


if __name__ == "__main__":            # the table for docs/reliability.md
    print("| input tried | command | exit | outcome |")
    print("|---|---|---:|---|")
    for case in CASES:
        name = case.name.replace("|", "\\|")
        print(f"| {name} | `{case.args[0]}` | {case.status} | {case.outcome} |")
