"""Exit statuses shared by every command, and the guard that keeps each one distinct.

A script that runs kneetriage must be able to tell "done, some rows are errors" from "crashed"
or "killed": so a bug, a signal and an unwritable output each get their own status, and no
command ends in a traceback. docs/reliability.md lists them with the tests that prove them.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from contextlib import contextmanager
from typing import Iterator

import click

OK = 0                  # done; every row scored, every case passed
ROW_ERRORS = 1          # done and the output is complete, but some rows are errors (or validate failed)
USAGE = 2               # a bad option, or an input that cannot be read at all; nothing was written
NOT_WRITTEN = 3         # the output could not be written (full disk, read-only, closed pipe)
WORKER_DIED = 4         # a worker process was killed (out of memory, a signal); nothing was written
INPUT_ENDED = 5         # ask: the answers ran out before the interview was complete
INTERNAL = 70           # a bug (EX_SOFTWARE); the message asks for a report
SIGNALLED = 128         # plus the signal number: 129 SIGHUP, 130 SIGINT (Ctrl-C), 143 SIGTERM

TABLE = (
    (OK, "done: every row scored (validate: every case passed)"),
    (ROW_ERRORS, "done, the output is complete, but some rows are errors (validate: a case failed the bar)"),
    (USAGE, "usage error: a bad option, an input or template that cannot be read; nothing was written"),
    (NOT_WRITTEN, "the output could not be written; an -o file or folder is left as it was"),
    (WORKER_DIED, "a worker process died (killed, out of memory); nothing was written"),
    (INPUT_ENDED, "ask: the input ended before the interview was complete"),
    (INTERNAL, "internal error (a bug): please report it with the command that caused it"),
    (SIGNALLED + signal.SIGHUP, "hung up (SIGHUP); nothing was written"),
    (SIGNALLED + signal.SIGINT, "interrupted (Ctrl-C, SIGINT); nothing was written"),
    (SIGNALLED + signal.SIGTERM, "terminated (SIGTERM); nothing was written"),
)

# The signals that stop a run as Ctrl-C does: cleanly, removing temporary files.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class SignalExit(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so the clean-up of Ctrl-C runs for it too.

    A KeyboardInterrupt so that every ``except KeyboardInterrupt`` (which removes a temporary
    file, ends the workers) handles it; ``status`` is 128 + the signal number.
    """

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def status(self) -> int:
        return SIGNALLED + self.signum


def interrupt_status(error: BaseException | None) -> int:
    """The status of a KeyboardInterrupt: 130 for Ctrl-C, 128 + N for a SignalExit."""
    return error.status if isinstance(error, SignalExit) else SIGNALLED + signal.SIGINT


def _raise_signal(signum, _frame):
    raise SignalExit(signum)


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise SignalExit in the main thread (then restored)."""
    previous = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, _raise_signal)
    except ValueError:             # not the main thread (a test harness): leave signals alone
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the final flush does not complain."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _cause(error: BaseException) -> BaseException:
    """click wraps Ctrl-C in Abort; the original (which may be a SignalExit) is its cause."""
    return error.__cause__ or error.__context__ or error


@contextmanager
def guarded() -> Iterator[None]:
    """Run one command: signals stop it cleanly; no exception leaves as a traceback."""
    try:
        with stop_signals_raise():
            yield
    except click.ClickException as error:
        # click's own default status is 1, which here means "done, some rows are errors": an
        # error that stopped the command before its work (no such rule, a knowledge base that
        # does not load) is a usage error instead.
        if error.exit_code == 1:
            error.exit_code = USAGE
        raise
    except (click.exceptions.Exit, SystemExit):
        raise
    except (KeyboardInterrupt, click.exceptions.Abort) as error:
        caught = error if isinstance(error, KeyboardInterrupt) else _cause(error)
        status = interrupt_status(caught if isinstance(caught, KeyboardInterrupt) else None)
        click.echo(f"\nStopped ({str(caught) or 'interrupted'}); nothing more was written.", err=True)
        raise click.exceptions.Exit(status) from None
    except BrokenPipeError:
        _quiet_stdout()
        raise click.exceptions.Exit(NOT_WRITTEN) from None
    except OSError as error:
        if error.errno == errno.EPIPE:
            _quiet_stdout()
            raise click.exceptions.Exit(NOT_WRITTEN) from None
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"Error: {where}{error.strerror or error}; the command could not finish.", err=True)
        raise click.exceptions.Exit(NOT_WRITTEN) from None
    except Exception as error:  # noqa: BLE001  the last line of defence: a bug, said plainly
        text = str(error)
        if len(text) > 300:
            text = text[:300] + "..."
        text = text.encode("ascii", "backslashreplace").decode("ascii")
        click.echo(f"Internal error ({type(error).__name__}: {text}). This is a bug in kneetriage: "
                   f"please report it with the command that caused it.", err=True)
        raise click.exceptions.Exit(INTERNAL) from None
