"""``kneetriage ask``: the guided questionnaire in the terminal.

The dialogue (which question, when to stop) is triage/questionnaire.py; this module only reads
lines, prints, saves and reports. It works the same on a terminal and on piped input, so it can
be scripted; colour is added only on a terminal (click strips it otherwise).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

import click

from triage import exits
from triage.assessment import Assessment
from triage.commands._engine import engine_option
from triage.commands.assess import render_text
from triage.forms import FormError
from triage.jsonforms import FormFileError, JSONFormError, read_form_file
from triage.knowledge import KnowledgeBase
from triage.plainwords import in_patient_words
from triage.questionnaire import (
    BASICS, NARROWING, RED_FLAGS, SCREEN, AnswerError, Checklist, Question, Session, interpret,
)
from triage.screen import titles
from triage.terminal import terminal_width

# The widest a line gets, even on a wide terminal: long lines are hard to read.
MAX_WIDTH = 100
STAGE_TITLES = {
    SCREEN: ("Warning signs", "First, the signs that would mean you should be seen soon."),
    RED_FLAGS: ("More warning signs", "A few more questions that would mean you should be seen soon."),
    BASICS: ("Where and how it hurts", "Now, where it hurts and how it behaves."),
    NARROWING: ("Narrowing it down", "A few questions that tell the likely causes apart."),
}
# When the warning signs come back after the basics: the answers now point to self-management, and
# the milder warning signs (which alone ask for a clinician) are what could still change that.
RED_FLAGS_AGAIN = ("More warning signs", "Before suggesting you manage this yourself: the signs that mean a "
                   "clinician should see the knee.")
KEYS_HINT = "Type a number or a word.  ? help, why we ask  u don't know  b back  q quit"
CHECKLIST_HINT = ("Type none if none of them apply, or the numbers of those that apply (for example: 2 5). "
                  "Put ? before a number you are not sure about (for example: 2 ?7); u if you do not know "
                  "for any of them.")
# No answer is longer than this; a longer line is cut here, so that a pasted file is not kept
# in memory or echoed back.
MAX_LINE = 1000


class _Quit(Exception):
    """The person typed q."""


class _Stop(Exception):
    """The person chose to stop after an emergency warning."""


def _width() -> int:
    """The terminal's width ($COLUMNS, or the terminal's own; 80 on a pipe), less a margin."""
    return min(terminal_width(), MAX_WIDTH) - 2


# An example answer ("2 5", "2 ?7") is kept on one line: split, it reads as two answers.
_EXAMPLE_GAP = re.compile(r"(?<=\d) (?=\??\d)")


def _wrap(text: str, indent: int = 2, first: str | None = None) -> str:
    """``text`` filled to the terminal's width, broken between words only."""
    prefix = " " * indent
    joined = _EXAMPLE_GAP.sub("\u00a0", " ".join(str(text).split()))
    return textwrap.fill(joined, _width(), initial_indent=first if first is not None else prefix,
                         subsequent_indent=prefix, break_on_hyphens=False,
                         break_long_words=False).replace("\u00a0", " ")


def fit(text: str) -> str:
    """Every line of ``text`` within the terminal's width: a longer one wraps between words,
    under its own indent (past a leading "- " or "+ "). Lines already short pass unchanged."""
    out = []
    for line in text.split("\n"):
        plain = click.unstyle(line)
        if len(plain) <= _width():
            out.append(line)
            continue
        lead = len(plain) - len(plain.lstrip())
        bullet = 2 if plain.lstrip()[:2] in ("- ", "+ ") else 0
        out.append(_wrap(plain.strip(), lead + bullet + (2 if lead else 0), first=plain[:lead]))
    return "\n".join(out)


class Terminal:
    """Reading lines and printing; EOFError at the end of input, on a terminal or a pipe."""

    def say(self, text: str = "", **style) -> None:
        text = fit(text)
        click.echo(click.style(text, **style) if style else text)

    def read(self, prompt: str = "> ") -> str:
        click.echo(click.style(prompt, bold=True), nl=False)
        line = sys.stdin.readline(MAX_LINE)
        if not line:
            click.echo()
            raise EOFError
        if len(line) == MAX_LINE and not line.endswith("\n"):
            while (rest := sys.stdin.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass           # skip the rest of an over-long line
        line = line.rstrip("\r\n")
        if not _is_tty(sys.stdin):
            # piped: show the answer, so that the transcript reads as a dialogue
            click.echo(line if len(line) <= 80 else line[:80] + "...")
        return line


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Dialogue:
    """One run of ``kneetriage ask``: questions, the emergency interrupt, the summary, the end."""

    def __init__(self, session: Session, term: Terminal, *, save_file: str | None, report_file: str | None):
        self.session = session
        self.kb: KnowledgeBase = session.kb
        self.term = term
        self.save_file = save_file
        self.report_file = report_file
        self.stage: str | None = None
        self.stages_seen: set[str] = set()
        self.input_ended = False     # the answers ran out before the end (exit status 5)

    # -- the whole run --

    def run(self) -> None:
        self.intro()
        try:
            self.ask_until_settled()
            self.confirm()
        except _Stop:
            self.finish(complete=False, save=bool(self.save_file))
        except _Quit:
            self.finish(complete=False, save=self.offer_save())
        except KeyboardInterrupt:
            # Ctrl-C (or SIGTERM) ends the run with its own status; the answers given so far
            # are kept first, when there is somewhere to keep them.
            if self.save_file:
                self.term.say()
                self.term.say(save_answers(self.session, self.save_file))
            raise
        except EOFError:
            self.input_ended = True
            self.term.say("End of input: stopping with what is known so far.", fg="yellow")
            self.finish(complete=False, save=bool(self.save_file))
        else:
            self.finish(complete=True, save=bool(self.save_file))

    def intro(self) -> None:
        say = self.term.say
        say("kneetriage ask: a few questions about your knee pain", bold=True)
        say(_wrap("Answer what you can. The questions depend on your answers, and they stop as soon as "
                  "more answers could not change the result.", 2))
        if self.session.clinician:
            say(_wrap("Clinician mode: examination findings are asked too (u = not done).", 2))
        if self.session.prefilled:
            say(_wrap(f"{len(self.session.prefilled)} answers were read from the saved form; they are "
                      f"not asked again (you can change them at the end).", 2))
        say("  " + KEYS_HINT, dim=True)

    def ask_until_settled(self) -> None:
        self.check_emergency()   # a resumed form may already hold one
        while (question := self.session.next_question()) is not None:
            self.ask(question)
            self.check_emergency()

    # -- one question --

    def ask(self, question: Question | Checklist) -> None:
        say = self.term.say
        if question.stage != self.stage and question.previous is None:
            title, line = (RED_FLAGS_AGAIN if question.stage == RED_FLAGS and BASICS in self.stages_seen
                           else STAGE_TITLES[question.stage])
            self.stage = question.stage
            self.stages_seen.add(question.stage)
            say()
            say(title, bold=True, fg="cyan")
            say(_wrap(line, 2), dim=True)
        # The estimate counts this question unless it is one being asked again.
        after = self.session.estimate_remaining("no") - (question.key != self.session.redoing)
        history = self.session.history
        number = history.index(question.key) + 1 if question.key in history else len(history) + 1
        progress = f"question {number}"
        if after > 0:
            progress += f"  ·  about {after} more after this"
        else:
            progress += "  ·  probably the last"
        say()
        say("  " + progress, dim=True)
        self.show_question(question)
        while True:
            command, text = interpret(self.term.read())
            if command == "help":
                self.show_help(question)
            elif command == "back":
                if self.session.back() is None:
                    say("  This is the first question: there is nothing to go back to.", fg="yellow")
                    continue
                return
            elif command == "quit":
                raise _Quit
            else:
                try:
                    self.session.answer(question.key, text)
                    return
                except AnswerError as error:
                    say(_wrap(f"{error} Answer with: {error.accepted}; or ? for help.", 2), fg="yellow")
                    self.show_question(question)

    def show_question(self, question: Question | Checklist) -> None:
        if question.kind == "checklist":
            return self.show_checklist(question)
        say = self.term.say
        spec = self.kb.catalogue[question.field]
        say(_wrap(f"Examination: {question.text}?" if spec.is_exam else question.text, 2), bold=True)
        if question.previous is not None:
            say(f"  (your answer was: {question.previous})", dim=True)
        width = len(str(len(question.choices)))
        for choice in question.choices:
            line = f"    {choice.number:>{width}}  {choice.label}"
            name = f"  [{choice.value}]"
            # The value's name, when it differs, can be typed instead of the number; a name that
            # does not fit on the line goes under its label.
            hang = len(f"    {choice.number:>{width}}  ")
            if len(line) > _width():      # a long label wraps under itself
                wrapped = _wrap(choice.label, hang, first=line[:hang])
                say("\n".join(wrapped.splitlines()[:-1]))
                line = wrapped.splitlines()[-1]
            if choice.label != choice.value:
                if len(line + name) <= _width():
                    line += click.style(name, dim=True)
                else:
                    say(line)
                    line = " " * (hang - 2) + click.style(name, dim=True)
            say(line)
        if not question.choices:
            say(f"    ({self.kb.catalogue[question.field].accepted()})", dim=True)

    def show_checklist(self, checklist: Checklist) -> None:
        say = self.term.say
        say(_wrap(checklist.text, 2), bold=True)
        for item in checklist.items:
            say(_wrap(item.text, 8, first=f"    {item.number:>2}  "))
        if checklist.previous is not None:
            said = dict(checklist.previous)
            numbers = [str(i.number) if said.get(i.id) == "yes" else f"?{i.number}"
                       for i in checklist.items if said.get(i.id) in ("yes", "don't know")]
            say(f"  (your answer was: {' '.join(numbers) if numbers else 'none'})", dim=True)
        say(_wrap(CHECKLIST_HINT, 2), dim=True)

    def show_help(self, question: Question | Checklist) -> None:
        say = self.term.say
        if question.help:
            say(_wrap(question.help, 4, first="  Help: "))
        if question.why and self.session.clinician:
            say("  Why we ask: the answer feeds these rules", bold=True)
            for why in question.why:
                say(_wrap(f"{why.title}: {why.points_to}", 6, first="    - "))
            say(_wrap(f"The first of these: {question.why[0].explanation}", 4), dim=True)
        elif question.why:
            # A runner gets what the answer helps to tell, without the rules' clinical wording.
            say("  Why we ask: the answer helps to tell", bold=True)
            for points_to in dict.fromkeys(why.points_to for why in question.why):
                say(_wrap(points_to, 6, first="    - "))
        say(_wrap(f"Answer with: {question.accepted}. Also: b back, q quit.", 2))

    # -- emergencies --

    def check_emergency(self) -> None:
        flags = self.session.new_emergencies()
        if not flags:
            return
        say = self.term.say
        level = self.kb.level(min((f.level for f in flags), key=lambda lv: self.kb.level(lv).rank))
        say()
        say(f"  !! {level.label.upper()} !!", bold=True, fg="red")
        for flag in flags:
            say(_wrap(f"{self.kb.flag(flag.id).patient_title}: {flag.advice}", 4, first="  - "), fg="red")
        say(_wrap(f"What to do now: {level.action}", 4, first="  "), bold=True)
        say()
        say(_wrap("You can stop here, or answer the remaining questions so that the clinician who sees "
                  "you has the full picture.", 2))
        while True:
            say("  Type c to continue the questions, or s to stop here.")
            try:
                choice = self.term.read().strip().lower()
            except EOFError:
                raise _Stop from None
            if choice in ("s", "stop", "q", "quit", ""):
                raise _Stop
            if choice in ("c", "continue"):
                return

    # -- the summary --

    def confirm(self) -> None:
        say = self.term.say
        while True:
            # A runner reads each question as it was asked, a clinician each finding as stored.
            rows = self.session.findings() if self.session.clinician else self.session.summary()
            say()
            say("Your answers", bold=True, fg="cyan")
            for number, (_name, text, answer) in enumerate(rows, start=1):
                text += " " if text.endswith("?") else ": "
                head = f"  {number:>2}  {text}"
                if len(head + answer) <= _width():
                    say(head + click.style(answer, bold=True))
                else:      # a long line wraps under itself rather than past the edge
                    say(_wrap(text + answer, 6, first=f"  {number:>2}  "))
            say(_wrap("Type y to confirm and see the result, the number of an answer to change it, or q "
                      "to quit.", 2))
            while True:
                line = self.term.read().strip().lower()
                if line in ("y", "yes"):
                    return
                if line in ("q", "quit"):
                    raise _Quit
                if line.isdigit() and 1 <= int(line) <= len(rows):
                    self.session.reopen(rows[int(line) - 1][0])
                    self.ask_until_settled()
                    break
                say(f"  Type y, a number from 1 to {len(rows)}, or q.", fg="yellow")

    # -- the end --

    def offer_save(self) -> bool:
        say = self.term.say
        try:
            if self.save_file:
                say(f"  Save your answers to {self.save_file}? [Y/n]")
                return self.term.read().strip().lower() not in ("n", "no")
            say("  Save your answers? Type a file name, or press Enter to skip.")
            name = self.term.read().strip()
        except EOFError:
            return bool(self.save_file)
        if name:
            self.save_file = name
        return bool(name)

    def finish(self, *, complete: bool, save: bool) -> None:
        result = self.session.result()
        if not complete:
            view = self.session.outlook()
            if view.level_settled:
                note = "the questions left could not change the triage level."
            else:
                worst = self.kb.level(view.most_urgent).label.lower()
                note = f"the questions left could still change the triage level (at worst: {worst})."
            self.term.say(_wrap(f"The result below rests on the answers given so far; {note}", 0), fg="yellow")
        self.term.say()
        self.term.say(render_result(result, self.session, self.kb, self.report_file))
        if save and self.save_file:
            self.term.say(save_answers(self.session, self.save_file))
        if self.report_file:
            try:
                self.term.say(write_report(result, self.kb, self.report_file, self.session.clinician))
            except OSError as error:
                self.term.say(f"The report could not be written to {self.report_file} "
                              f"({error.strerror or error}).", fg="yellow")


def render_result(result: Assessment, session: Session, kb: KnowledgeBase, report_file: str | None = None) -> str:
    """The explained result, in the runner's words (a clinician gets the clinician's summary)."""
    if session.clinician:
        return render_text(result, kb)
    level = result.triage
    screen = result.screen
    lines = [click.style("RESULT", bold=True, fg="cyan"),
             click.style(f"  {level.label}", bold=True, fg="red" if result.red_flags else None),
             _wrap(level.action, 2)]
    if level.level == "self_care":
        # The level's action points to a plan; the terminal summary is too short to hold it.
        where = report_file or "a file, with --report plan.html (or .md, .txt)"
        lines.append(_wrap(f"The plan, with exercises and the signs that mean you should be seen, is in "
                           f"the report: {where}.", 2))
    if result.red_flags:
        lines.append(click.style("  Warning signs", bold=True))
        for flag in result.red_flags:
            lines.append(_wrap(f"{kb.flag(flag.id).patient_title}: {flag.advice}", 4, first="  - "))
    top = next((c for c in result.differential if c.id == result.top_condition), None)
    if top is not None:
        lines.append(click.style(f"  Most likely: {kb.condition(top.id).patient_title} ({top.score:.0%})", bold=True))
        # What pointed to it, as the runner was asked it (the rules' titles are clinical).
        for text in _because(top, kb)[:4]:
            lines.append(_wrap(text, 6, first="    + "))
    else:
        lines.append(_wrap(in_patient_words(kb, result.outcome_text), 2))
    # Too little to name one, or another cause to exclude first: no condition is offered as possible.
    others = [c for c in result.differential if c.id != result.top_condition and c.status != "unlikely"
              and result.names_conditions]
    if others:
        listed = "; ".join(f"{kb.condition(c.id).patient_title} ({c.score:.0%})" for c in others)
        lines.append(_wrap(("Also possible: " if top else "Possible: ") + listed, 4, first="  "))
    # Which warning signs were checked, and which were not: an unanswered sign is not a "no".
    total = len(kb.screen.items)
    lines.append(_wrap(f"Warning signs checked: {len(screen.checked)} of {total}.", 2))
    if screen.not_asked:
        lines.append(_wrap("Not checked (a clinician should ask): " +
                           "; ".join(titles(kb.screen, screen.not_asked, "patient")) + ".", 4, first="  "))
    unknown = len(session.unknown)
    lists, at_once = session.checklists, session.checklist_fields
    which = ("a list" if session.asked == 1 else f"{lists} of them {'lists' if lists > 1 else 'a list'}")
    listed = f" ({which} of warning signs, answering {at_once} questions at once)" if lists and at_once > 1 else ""
    asked = f"{session.asked} question{'s' if session.asked != 1 else ''} asked"
    lines.append(click.style(_wrap(f"{asked}{listed}" +
                                   (f", {unknown} answered \"don't know\"." if unknown else "."), 2), dim=True))
    lines += ["", _wrap(result.disclaimer, 0)]
    return "\n".join(lines)


def _because(condition, kb: KnowledgeBase) -> list[str]:
    """The answers behind a condition, each once, as question and answer in the runner's words."""
    out = []
    for use in condition.supporting:
        for finding in use.findings:
            spec = kb.catalogue[finding.field]
            text = f"{spec.question} {spec.label(spec.to_question(finding.value))}"
            if not spec.is_exam and text not in out:
                out.append(text)
    return out


def write_form(session: Session, path: str) -> None:
    Path(path).write_text(json.dumps(session.to_contract(), indent=2) + "\n", encoding="utf-8")


def save_answers(session: Session, path: str) -> str:
    """Save the answers to ``path``; if that fails, to a new file in the temporary folder, so that
    an interview is never lost at its end. Returns what to tell the person."""
    try:
        write_form(session, path)
        return f"Answers saved to {path} (resume with --answers {path})."
    except OSError as error:
        problem = f"{path} could not be written ({error.strerror or error})"
    try:
        handle, fallback = tempfile.mkstemp(prefix="kneetriage-answers-", suffix=".json")
        os.close(handle)
        write_form(session, fallback)
    except OSError:
        return (f"{problem}, nor could a temporary file. The answers, to keep by hand:\n"
                + json.dumps(session.to_contract(), indent=2))
    return f"{problem}: the answers were saved to {fallback} instead (resume with --answers {fallback})."


def _check_writable(path: str | None, option: str) -> None:
    """A usage error now, not after the last question, if a file could not be written there."""
    if not path:
        return
    target = Path(path)
    folder = target.resolve().parent
    if target.is_dir():
        raise click.BadParameter(f"{path} is a folder; give a file name", param_hint=option)
    if not folder.is_dir():
        raise click.BadParameter(f"the folder {str(folder)!r} does not exist", param_hint=option)
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise click.BadParameter(f"{path} cannot be written (no permission)", param_hint=option)


def _check_pdf(path: str | None) -> None:
    """--report x.pdf needs WeasyPrint: say so before the questions, not after them."""
    if not path or Path(path).suffix.lower() != ".pdf":
        return
    try:
        __import__("weasyprint")
    except (ImportError, OSError) as error:        # OSError: WeasyPrint without Pango
        from triage.report import PDF_MISSING
        raise click.UsageError(f"{PDF_MISSING} ({error})") from None


def write_report(result: Assessment, kb: KnowledgeBase, path: str, clinician: bool) -> str:
    """Write the report (triage/report.py) or, if it cannot be made, the plain-text summary."""
    suffix = Path(path).suffix.lower().lstrip(".")
    try:
        # Imported lazily: asking questions does not need the report templates.
        report = importlib.import_module("triage.report")

        fmt = {"htm": "html", "markdown": "md", "text": "txt"}.get(suffix, suffix)
        if fmt not in report.FORMATS:
            fmt = "txt"
        ctx = report.build_context(result, kb, audience="clinician" if clinician else "patient")
        content = report.render(ctx, fmt)
    except (ImportError, AttributeError) as error:
        Path(path).write_text(render_text(result, kb) + "\n", encoding="utf-8")
        return f"Report written to {path} as the plain-text summary (the report module is unavailable: {error})."
    if isinstance(content, bytes):
        Path(path).write_bytes(content)
    else:
        Path(path).write_text(content, encoding="utf-8")
    return f"Report written to {path} ({fmt})."


def _read_saved(path: str) -> dict:
    try:
        return read_form_file(path, what="a saved form")
    except FormFileError as error:
        raise click.UsageError(str(error)) from None


@click.command("ask")
@engine_option(default="compiled")
@click.option("--clinician", is_flag=True,
              help="Clinician intake: examination findings are asked too, and the result is the "
                   "clinician's summary.")
@click.option("--answers", "answers_file", type=click.Path(exists=True, dir_okay=False),
              help="Start from a saved form (JSON, e.g. from --save); its answers are not asked again.")
@click.option("--save", "save_file", type=click.Path(dir_okay=False),
              help="Write the answers to this file as an intake form (JSON) that `kneetriage score` reads.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False),
              help="Write the report to this file at the end (.html, .md, .txt or .pdf).")
@click.option("--quick", is_flag=True,
              help="Stop sooner: the leading condition need only resist any single further answer. "
                   "The triage level is never relaxed.")
def command(clinician, answers_file, save_file, report_file, quick):
    """Answer questions about a knee and get an explained triage.

    The warning signs come first, on one checklist ("Do any of these apply?"): type none, the
    numbers of those that apply (2 5), ?N for one you are not sure about (2 ?7), or u for don't
    know. Then where and how it hurts, then what best tells the likely conditions apart. It
    stops as soon as no further answer could change the triage level or the leading condition.
    Works on piped input too (one answer per line).
    """
    _check_writable(save_file, "'--save'")
    _check_writable(report_file, "'--report'")
    _check_pdf(report_file)
    try:
        if answers_file:
            session = Session.from_contract(_read_saved(answers_file), clinician=clinician, quick=quick)
        else:
            session = Session(clinician=clinician, quick=quick)
    except (FormError, JSONFormError) as error:
        for problem in error.problems:
            click.echo(f"{answers_file}: {problem}", err=True)
        raise SystemExit(2)
    dialogue = Dialogue(session, Terminal(), save_file=save_file, report_file=report_file)
    dialogue.run()
    if dialogue.input_ended:
        raise SystemExit(exits.INPUT_ENDED)
