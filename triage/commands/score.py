"""``kneetriage score``: score a batch of intake forms, one output row per input row, in order."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from triage.batch.readers import FORMATS, STDIN, InputError, Inputs
from triage.batch.runner import Settings, WorkerDied, default_cpu_count, score_rows
from triage import backends, exits
from triage.batch.summary import Progress, Tally
from triage.atomic import AtomicFile, _is_special
from triage.commands._engine import engine_option
from triage.outputlock import OutputBusy, OutputLock
from triage.batch.writers import OUTPUT_FORMATS, UnwritableFormat, make_format, output_format
from triage.knowledge import KnowledgeError, load_knowledge
from triage.terminal import terminal_width

# Exit statuses (also in the --help epilog and the README).
EXIT_OK = 0               # every row scored
EXIT_ROW_ERRORS = 1       # the output is complete, but some rows are errors
EXIT_USAGE = 2            # a bad option or an input that cannot be opened (click's own status)
EXIT_NOT_FINISHED = 3     # the output could not be written; an -o file is left untouched
EXIT_WORKER_DIED = exits.WORKER_DIED   # a worker was killed; an -o file is left untouched
EXIT_INTERRUPTED = 130    # Ctrl-C (129 SIGHUP, 143 SIGTERM); an -o file is left untouched

DELIMITER_NAMES = {"comma": ",", ",": ",", "semicolon": ";", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}


class Delimiter(click.ParamType):
    name = "delimiter"

    def convert(self, value, param, ctx):
        if value in DELIMITER_NAMES:
            return DELIMITER_NAMES[value]
        self.fail(f"{value!r} is not a delimiter; use comma, semicolon or tab (or , ; \\t)", param, ctx)


class _Stdout:
    """Standard output as a text sink, in UTF-8 whatever the locale."""

    def __init__(self):
        self.stream = sys.stdout.buffer

    def write(self, text: str) -> None:
        self.stream.write(text.encode("utf-8"))

    def commit(self) -> None:
        self.stream.flush()

    def discard(self) -> None:
        self.commit()


def _check_paths(inputs: tuple[str, ...], output: str) -> None:
    if list(inputs).count(STDIN) > 1:
        raise click.UsageError("standard input (-) can be read only once")
    if output != STDIN:
        for given in inputs:
            if given != STDIN and Path(given).resolve() == Path(output).resolve():
                raise click.BadParameter(f"{output} is also an input; write the results to another file",
                                         param_hint="'-o' / '--output'")
        folder = Path(output).resolve().parent
        if not folder.is_dir():
            raise click.BadParameter(f"the folder {str(folder)!r} does not exist", param_hint="'-o' / '--output'")
        if not os.access(folder, os.W_OK):
            raise click.BadParameter(f"the folder {str(folder)!r} is not writable", param_hint="'-o' / '--output'")


EPILOG = """\b
Exit status: 0 every row scored; 1 some rows are errors (the output is
still complete, one row per form); 2 usage error (bad option, an input
that cannot be read); 3 the output could not be written; 4 a worker
process died; 70 internal error; 130 interrupted (129 SIGHUP, 143 SIGTERM).
An -o file is written whole or not at all.
"""


@click.command("score", epilog=EPILOG)
@engine_option(default="compiled")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...",
                type=click.Path(exists=True, dir_okay=False, readable=True, allow_dash=True))
@click.option("-o", "--output", default=STDIN, show_default=True, metavar="FILE",
              type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the results (- is standard output).")
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS),
              help="Output format: csv (one line per form, a score column per condition), jsonl or json "
                   "(the full explained assessment), table (for reading). Default: from the -o extension "
                   "(.csv, .jsonl, .json); on a terminal, table; otherwise jsonl. fhir: one FHIR R4 Bundle per line "
                   "(docs/interop.md).")
@click.option("--input-format", type=click.Choice(FORMATS),
              help="Read every input in this format. Default: from each file's extension, else from its "
                   "first line.")
@click.option("--delimiter", type=Delimiter(), metavar="comma|semicolon|tab",
              help="CSV delimiter. Default: detected from the header line.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help=f"Worker processes. Default: one per core ({default_cpu_count()} here).")
@click.option("--ignore-unknown-fields", is_flag=True,
              help="Skip columns or keys that are not fields of the intake form (by default they are "
                   "errors, as they are usually typos).")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              help="Use the knowledge base in this folder instead of the installed one.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def command(inputs, output, fmt, input_format, delimiter, workers, ignore_unknown_fields, rules_dir, quiet):
    """Score intake forms in bulk: every input row gives one output row, in input order.

    INPUT is a CSV file with a header row (comma, semicolon or tab), a JSON array or a JSON
    Lines file; give several to score them one after the other, and - for standard input.
    FHIR QuestionnaireResponses (one, a Bundle, NDJSON) and REDCap exports are read too
    (docs/interop.md).
    A row that does not follow the intake-form contract becomes a row with status "error"
    and a message naming the row, the field, the value and the accepted values; the other
    rows still score. A form without a form_id gets its row number (FILE:ROW with several
    inputs).

    CSV output has one line per form with the triage level, red flags and the score of each
    condition; JSON Lines and JSON carry the full explained assessment; a table is for reading.
    """
    _check_paths(inputs, output)
    try:
        kb = load_knowledge(rules_dir)
        backends.get_engine(kb)      # the compiled engine refuses a cycle of conclusions here
    except KnowledgeError as error:
        raise click.UsageError(f"the knowledge base does not load: {error}") from None
    err = sys.stderr
    if output == STDIN and sys.stdout is None:
        click.echo("Error: standard output is closed; give -o FILE.", err=True)
        sys.exit(EXIT_NOT_FINISHED)
    try:
        fmt = output_format(output, fmt, sys.stdout is not None and sys.stdout.isatty())
    except UnwritableFormat as error:
        raise click.UsageError(str(error)) from None
    width = terminal_width() if fmt == "table" else None
    settings = Settings(output_format=fmt, rules_dir=rules_dir, allow_unknown_fields=ignore_unknown_fields,
                        qualified_ids=len(inputs) > 1, table_width=width, engine=backends.chosen())
    source = Inputs(list(inputs), input_format=input_format, delimiter=delimiter)
    tally = Tally()
    progress = Progress(err, source.fraction) if err.isatty() and not quiet else None

    if output != STDIN and not _is_special(Path(output)):
        try:       # one writer per file: a second run on the same -o is refused, not lost
            click.get_current_context().call_on_close(OutputLock(output).acquire().release)
        except OutputBusy as error:
            click.echo(f"Error: {error}; nothing was written.", err=True)
            sys.exit(EXIT_NOT_FINISHED)
    try:
        sink = AtomicFile(output) if output != STDIN else _Stdout()
    except OSError as error:
        raise click.BadParameter(f"cannot be written ({error.strerror})", param_hint="'-o' / '--output'") from None
    layout = make_format(fmt, [c.id for c in kb.conditions], width=width)
    written = 0

    def write(text: str, outcomes) -> None:
        nonlocal written
        if text:
            sink.write((layout.separator if written else "") + text)
        written += len(outcomes)
        tally.add(outcomes)
        if progress:
            progress.update(tally.rows)

    try:
        sink.write(layout.header)
        score_rows(source.rows(), settings, workers or default_cpu_count(), write)
        sink.write(layout.footer)
        sink.commit()
    except KeyboardInterrupt as error:      # Ctrl-C, or SIGTERM / SIGHUP (exits.SignalExit)
        sink.discard()
        if progress:
            progress.finish()       # clear the bar before the message
        how = "Interrupted" if not isinstance(error, exits.SignalExit) else f"Stopped by {error}"
        click.echo(f"{how} after {tally.rows:,} forms; "
                   + (f"{output} was not written." if output != STDIN else "the output is incomplete."), err=True)
        sys.exit(exits.interrupt_status(error))
    except WorkerDied as error:
        sink.discard()
        if progress:
            progress.finish()
        click.echo(f"Error: {error}, after {tally.rows:,} forms; "
                   + (f"{output} was not written." if output != STDIN else "the output is incomplete.")
                   + " Try again with fewer --workers.", err=True)
        sys.exit(EXIT_WORKER_DIED)
    except BrokenPipeError:
        # The reader of standard output went away (as `| head` does): stop quietly, and point
        # stdout at /dev/null so that the interpreter's final flush does not complain.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        sys.exit(EXIT_NOT_FINISHED)
    except InputError as error:
        sink.discard()
        raise click.UsageError(str(error)) from None
    except OSError as error:      # a full disk, a file that vanished while being read...
        sink.discard()
        where = error.filename or output
        click.echo(f"Error: {where}: {error.strerror or error}; the run could not finish and "
                   + (f"{output} was left as it was." if output != STDIN else "the output is incomplete."), err=True)
        sys.exit(EXIT_NOT_FINISHED)
    except BaseException:
        sink.discard()          # whatever went wrong, no half-written file is left behind
        raise
    finally:
        if progress:
            progress.finish()
    if not quiet:
        # A table on the terminal ends with the disclaimer already: it is said once.
        table_shown = fmt == "table" and output == STDIN
        click.echo(tally.report(kb, "standard output" if output == STDIN else output, disclaimer=not table_shown),
                   err=True)
    sys.exit(EXIT_ROW_ERRORS if tally.error_count else EXIT_OK)
