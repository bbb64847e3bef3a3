"""``kneetriage report``: the clinician (or patient) report of one form, or of every form in a batch."""

from __future__ import annotations

import io
import re
import sys
import traceback
from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError

import triage
from triage import exits
from triage.assess import assess
from triage.assessment import DISCLAIMER
from triage.atomic import AtomicFile
from triage.batch.readers import STDIN, InputError, read_rows
from triage.commands._engine import engine_option
from triage.forms import FormError, parse_form
from triage.interop.intake import parse_any
from triage.jsonforms import DECODER, FormFileError, decode_problem, decode_text, repeated_keys
from triage.knowledge import KnowledgeBase, KnowledgeError, load_knowledge
from triage.paths import REPORTS_DIR, RULES_DIR
from triage.management import ManagementError
from triage.reportfolder import FolderError, ReportFolder
from triage.safetext import for_display
from triage.templatecheck import TemplateFolderError, check_folder
from triage.report import (
    AUDIENCES, DETAILS, FORMATS, IndexContext, IndexRow, ReportError, build_context, index_format, render,
    leading_words, render_index,
)

EXTENSIONS = {"html": ".html", "md": ".md", "txt": ".txt", "pdf": ".pdf"}
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _refuse_package_folders(output: str | None) -> None:
    """Never write reports into the templates or the knowledge base the program runs from: a
    stray `-o reports/` in a checkout would mix reports with the templates."""
    if not output or output == "-":
        return
    target = Path(output).resolve()
    for name, folder in (("report templates", REPORTS_DIR), ("knowledge base", RULES_DIR)):
        if target == folder.resolve() or folder.resolve() in target.parents:
            raise click.UsageError(f"-o {output} is the program's own {name} folder ({folder}); "
                                   f"choose another folder, for example my-reports/")


def _format_for(fmt: str | None, output: str | None) -> str:
    """--format, else the extension of -o, else HTML."""
    if fmt:
        return fmt
    folder = bool(output) and (output.endswith("/") or Path(output).is_dir())
    suffix = Path(output).suffix.lower() if output and output != "-" and not folder else ""
    if suffix and suffix not in EXTENSIONS.values():
        raise click.UsageError(f"-o {output}: a report cannot be written as {suffix}; use "
                               + ", ".join(sorted(EXTENSIONS.values())) + ", or a folder (ending in /) for a batch")
    return next((f for f, ext in EXTENSIONS.items() if ext == suffix), "html")


def _read_input(path: str) -> bytes:
    if path == STDIN:
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise click.ClickException(f"{path}: cannot be read ({error.strerror})") from None


class _Usage(click.ClickException):
    """A problem with the command's input or templates: exit status 2, as for a usage error."""

    exit_code = exits.USAGE


def _single_form(data: bytes, source: str) -> dict | None:
    """The form, when the input is one JSON object (not an array, not JSON Lines)."""
    text = data.decode("utf-8-sig", errors="replace").strip()
    if not text.startswith("{"):
        return None
    try:
        value = DECODER.decode(text)
    except RecursionError as error:
        raise _Usage(f"{source}: {decode_problem(error)}") from None
    except ValueError:
        return None        # JSON Lines, or broken JSON: the batch reader reports it by line
    if not isinstance(value, dict):
        return None
    if value.get("resourceType") == "Bundle":
        return None        # a FHIR Bundle holds many forms: a batch
    repeated = repeated_keys(value)
    if repeated:           # a silent "last one wins" could drop a warning sign
        raise _Usage("; ".join(f"{source}: {problem}" for problem in repeated))
    try:
        decode_text(data, source)
    except FormFileError as error:
        raise _Usage(str(error)) from None
    return value


def _write(path: Path, content: str | bytes) -> None:
    """Write atomically, so a failed run never leaves half a report behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with AtomicFile(path, binary=True) as out:
        out.write(content if isinstance(content, bytes) else content.encode("utf-8"))


def _problems(error: FormError) -> str:
    return "; ".join(f"{p.field}: {p.message}" for p in error.problems)


class _Reporter:
    """Turns forms into rendered reports with one knowledge base and one set of options."""

    def __init__(self, kb: KnowledgeBase, rules_dir, fmt, audience, templates, when, detail="short"):
        self.kb, self.rules_dir, self.fmt = kb, rules_dir, fmt
        self.audience, self.templates, self.when, self.detail = audience, templates, when, detail

    def report(self, form):
        if form.form_id is not None:    # a right-to-left override or an escape must not disguise the id
            form = replace(form, form_id=for_display(form.form_id))
        result = assess(form, kb=self.kb)
        ctx = build_context(result, self.kb, audience=self.audience, report_date=self.when,
                            rules_dir=self.rules_dir, detail=self.detail)
        return result, ctx, render(ctx, self.fmt, self.templates)


def _one(reporter: _Reporter, mapping: dict, source: str, output: str | None) -> None:
    try:
        form = parse_any(mapping, reporter.kb)    # a contract form or a QuestionnaireResponse
    except FormError as error:
        for problem in error.problems:
            click.echo(f"{source}: {problem}", err=True)
        raise SystemExit(2)
    if output in (None, "-") and reporter.fmt == "pdf":
        raise click.UsageError("a PDF cannot go to standard output: give -o FILE.pdf")
    _, _, content = reporter.report(form)
    if output in (None, "-"):
        click.echo(content, nl=False)
        return
    target = Path(output)
    if output.endswith(("/", "\\")) and not target.exists():
        target.mkdir(parents=True)              # -o newdir/ names a folder, not a file called newdir
    if target.is_dir():
        target = target / (_file_stem(1, form.form_id) + EXTENSIONS[reporter.fmt])
    _write(target, content)
    click.echo(f"wrote {target}", err=True)


def _file_stem(number: int, form_id) -> str:
    """A safe, unique file name for a form: its row number, then its id without odd characters."""
    safe = _UNSAFE_NAME.sub("_", str(form_id or "")).strip("._")[:60]
    return f"{number:04d}-{safe}" if safe else f"{number:04d}"


def _batch(reporter: _Reporter, data: bytes, source: str, output: str | None) -> int:
    """One report per form into the output folder, plus an index; returns the error-row count."""
    if output in (None, "-"):
        raise click.UsageError("a batch makes one report per form: give -o FOLDER for them and the index")
    try:
        folder = ReportFolder(output)
    except FolderError as error:
        raise click.UsageError(str(error)) from None
    try:
        rows, index_name = _batch_into(reporter, data, source, folder)
        folder.commit()
    except BaseException:
        folder.discard()          # a full disk, Ctrl-C, a bug: the target is left as it was
        raise
    errors = sum(1 for r in rows if not r.ok)
    click.echo(f"wrote {len(rows) - errors} report(s) and {Path(output) / index_name}"
               + (f"; {errors} form(s) could not be assessed (listed in the index)" if errors else ""), err=True)
    return errors


def _batch_into(reporter: _Reporter, data: bytes, source: str, folder: ReportFolder) -> tuple[list, str]:
    ext = EXTENSIONS[reporter.fmt]
    rows: list[IndexRow] = []
    for row in read_rows(STDIN, stdin=io.BytesIO(data)) if source == STDIN else read_rows(source):
        form_id = (row.data or {}).get("form_id") if isinstance(row.data, dict) else row.form_id
        form_id = "" if form_id is None else for_display(str(form_id))
        failed = None
        if row.problems:
            failed = "; ".join(f"{p.field}: {p.message}" for p in row.problems)
        elif not isinstance(row.data, dict):
            failed = "(form): a form must be a JSON object of field names and values"
        else:
            mapping = dict(row.data)
            if mapping.get("form_id") in (None, ""):
                mapping["form_id"] = str(row.number)   # the contract: the row number when absent
            try:
                form = parse_form(mapping)
            except FormError as error:
                failed = _problems(error)
        if failed:
            rows.append(IndexRow(number=row.number, form_id=form_id, ok=False, file="", level="",
                                 level_label="", leading="", percent=0, red_flags=(),
                                 flags_line="", message=for_display(f"{row.where}: {failed}")))
            continue
        result, ctx, content = reporter.report(form)
        name = _file_stem(row.number, form.form_id) + ext
        folder.write(name, content)
        rows.append(IndexRow(
            number=row.number, form_id=form.form_id or "", ok=True, file=name, level=ctx.triage.level,
            level_label=ctx.triage.label, leading=leading_words(ctx.outcome, ctx.leading, ctx.audience),
            percent=ctx.leading.percent if ctx.leading else 0, red_flags=tuple(f.title for f in ctx.red_flags),
            flags_line=ctx.screen.flags_line, message=""))
    index = IndexContext(
        title=f"Knee triage reports: {Path(source).name if source != STDIN else 'standard input'}",
        audience=reporter.audience, report_date=str(reporter.when), kb_version=reporter.kb.version,
        tool_version=triage.__version__, disclaimer=DISCLAIMER, rows=tuple(rows))
    index_name = f"index.{index_format(reporter.fmt)}"
    folder.write(index_name, render_index(index, reporter.fmt, reporter.templates))
    return rows, index_name


def _template_frame(error: BaseException) -> str | None:
    """'template NAME, line N' for an error raised while a template ran, if one did."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith((".j2", ".css"))]
    return f"template {frames[-1].filename}, line {frames[-1].lineno}" if frames else None


def _date(value: str | None) -> str:
    if value is None:
        return date.today().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD", param_hint="--date") from None


@click.command("report")
@engine_option(default="compiled")
@click.argument("input_file", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option("-o", "--output", help="File to write (a folder for a batch); - or nothing for standard output.")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format. Default: from the extension of -o, else html.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="clinician", show_default=True,
              help="clinician: the evidence trail and what to examine; patient: the same in plain words, no exam detail.")
@click.option("--detail", type=click.Choice(DETAILS), default="short", show_default=True,
              help="short: a few pages (the evidence of the conditions in contention, the plan's first-line "
                   "sections); full: every rule's explanation, every section and every source address.")
@click.option("--templates", type=click.Path(exists=True, file_okay=False),
              help="A folder of templates that replace ours by name (e.g. _plan.html.j2).")
@click.option("--date", "report_date", metavar="YYYY-MM-DD", help="Date printed on the report (default: today).")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the knowledge base in this folder instead of the installed one.")
def command(input_file, output, fmt, audience, detail, templates, report_date, rules_dir):
    """Write the report of one intake form, or of every form in a batch.

    INPUT is one form (a JSON object, or a FHIR QuestionnaireResponse) or a batch (CSV, JSON
    array, JSON Lines, a FHIR Bundle or NDJSON, a REDCap export); - reads standard input.
    One form goes to -o FILE or standard output. A batch needs -o FOLDER: one report per
    form and an index page that links them and lists the forms with errors (the exit status
    is then 1).
    """
    _refuse_package_folders(output)
    fmt = _format_for(fmt, output)
    when = _date(report_date)
    try:
        if templates:
            check_folder(templates)
        kb = load_knowledge(rules_dir)
        reporter = _Reporter(kb, rules_dir, fmt, audience, templates, when, detail)
        data = _read_input(input_file)
        mapping = _single_form(data, input_file if input_file != STDIN else "<stdin>")
        if mapping is not None:
            _one(reporter, mapping, input_file if input_file != STDIN else "<stdin>", output)
            return
        errors = _batch(reporter, data, input_file, output)
    except (KnowledgeError, ManagementError) as error:
        raise click.ClickException(f"the knowledge base does not load: {error}") from None
    except TemplateNotFound as error:
        raise _Usage(f"template not found: {error.name}") from None
    except TemplateSyntaxError as error:
        where = error.filename or error.name
        raise _Usage(f"template {where}, line {error.lineno}: {error.message}") from None
    except TemplateError as error:   # StrictUndefined, or the sandbox refused something unsafe
        where = _template_frame(error)
        raise _Usage(f"{where or 'a template'}: {error.message} (see "
                     f"docs/report-context.md for what a template may use)") from None
    except (ReportError, InputError, TemplateFolderError) as error:
        raise _Usage(str(error)) from None
    except OSError as error:         # a full disk, a read-only folder, /dev/full
        click.echo(f"Error: {error.filename or output}: {error.strerror or error}; nothing was written "
                   f"(an earlier file or folder there is left as it was).", err=True)
        raise SystemExit(exits.NOT_WRITTEN) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as error:
        where = _template_frame(error)
        if where is None:
            raise                    # not a template's doing: the guard reports the bug
        raise _Usage(f"{where}: {type(error).__name__}: {error}") from None
    if errors:
        raise SystemExit(1)
