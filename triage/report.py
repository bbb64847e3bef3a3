"""The clinician and patient reports: the documented context, how it is built, how it is rendered.

An Assessment says what the engine concluded; a ReportContext says what one reader (a clinician
or the runner) sees, in that reader's wording, with every source numbered in reading order.
Templates in reports/ (overridable per clinic) turn the context into HTML, Markdown or text, and
WeasyPrint turns the HTML into PDF. Advice text comes only from rules/; none is written here.
The context's fields are defined in triage/report_context.py; each part of it is built by a module
of triage/reportviews/ (banner, differential, plan, and the wording they share).

When the self-management plan is shown (``plan.mode``):

- ``referral``: a red flag fired, or the triage level is more urgent than ``consultation``. The
  plan is replaced by the referral advice of rules/management/common.yml for that level: nobody
  is told how to run on a knee that needs to be seen first. (A red flag at self-care level names
  another cause, such as an apophysitis; its own advice then stands alone.) If a stress fracture
  is suspected and the level is not urgent, the offloading and imaging sections of its plan
  follow, for the wait until the knee is seen.
- ``offload_and_image``: no red flag, but a condition the triage policy never self-manages
  (``refer_conditions``: a patellar stress fracture) ranks first or is still possible. Its own
  plan (offloading and imaging first) replaces the running advice of the leading condition.
- ``self_management``: no red flag and a likely condition with a plan in rules/management/.
- ``none``: no condition is likely (no clear fit, or too few answers), or it has no plan file.
"""

from __future__ import annotations

import logging
import re
import textwrap
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

import triage
from triage.assessment import Assessment
from triage.envcache import cached, folder_key
from triage.templatecheck import check_html
from triage.knowledge import KnowledgeBase
from triage.management import load_common
from triage.paths import REPORTS_DIR
# The context and its views are defined in triage/report_context.py and built by
# triage/reportviews/; they are named here too, where callers and templates' docs look for them.
from triage.report_context import (  # noqa: F401
    AnswerView, ConditionView, ExamView, ExerciseView, FindingView, FlagView, IndexContext, IndexRow,
    PlanSection, PlanView, PointView, QuestionView, ReasonView, Reference, ReportContext, RuleView,
    ScreenView, StageView, TriageView, context_reference,
)
from triage.reportviews import banner, differential, plan
from triage.reportviews.plan import OFFLOAD_FIRST  # noqa: F401
from triage.reportviews.wording import Wording

AUDIENCES = ("clinician", "patient")
FORMATS = ("html", "md", "txt", "pdf")
DETAILS = ("short", "full")   # kneetriage report --detail; short is its default


class ReportError(Exception):
    """A report cannot be made; the message says why and what to do."""


# --------------------------------------------------------------------------------------------
# Building the context

# Why no condition is named, in the few words of a banner or an index row.
UNNAMED = {
    "no_clear_fit": "No single condition fits",
    "insufficient_information": "Not enough answers to say",
    "other_cause": "Another cause first: see the red flags",
}
UNNAMED_FOR_PATIENTS = {**UNNAMED, "other_cause": "Another cause first: see the warning signs"}


def leading_words(outcome: str, leading: ConditionView | None, audience: str = "clinician") -> str:
    """The condition named ("..., suspected" when only suspected), or why none is."""
    if leading is None:
        return (UNNAMED_FOR_PATIENTS if audience == "patient" else UNNAMED).get(outcome, "None named")
    return f"{leading.title}, suspected" if outcome == "suspected" else leading.title


def _leading_label(outcome: str, leading: ConditionView | None, audience: str) -> str:
    words = leading_words(outcome, leading, audience)
    return f"{words} ({leading.shown})" if leading else words


def build_context(assessment: Assessment, kb: KnowledgeBase, *, audience: str = "clinician",
                  report_date: date | str | None = None, rules_dir: str | None = None,
                  detail: str = "full") -> ReportContext:
    """The context for one assessment. ``rules_dir`` is the KB folder (for its management plans).
    ``detail`` is ``full`` (everything) or ``short`` (the few pages kneetriage report writes by
    default; ReportContext.detail says what it leaves out)."""
    if audience not in AUDIENCES:
        raise ReportError(f"unknown audience {audience!r}; accepted: {', '.join(AUDIENCES)}")
    if detail not in DETAILS:
        raise ReportError(f"unknown detail {detail!r}; accepted: {', '.join(DETAILS)}")
    w = Wording(assessment, kb, audience, rules_dir, detail)
    common = load_common(rules_dir)
    # In reading order, so that the citation numbers follow the page.
    triage_view = banner.triage_view(w)
    red_flags = banner.red_flags(w)
    screen = banner.screen(w, red_flags)
    conditions = differential.differential(w)
    leading = next((c for c in conditions if c.id == assessment.top_condition), None)
    exam_tests = differential.exam_tests(w)
    open_questions = differential.open_questions(w)
    plan_view = plan.plan_view(w, common)
    safety = plan.safety_netting(w, common)
    when = report_date or date.today()
    return ReportContext(
        audience=audience, form_id=assessment.form_id or "",
        report_date=when.isoformat() if isinstance(when, date) else str(when),
        kb_version=assessment.kb_version, tool_version=triage.__version__, disclaimer=assessment.disclaimer,
        outcome=assessment.outcome, outcome_text=w.plain(assessment.outcome_text), triage=triage_view,
        red_flags=red_flags, screen=screen, leading=leading, leading_label=_leading_label(assessment.outcome, leading, audience),
        differential=conditions, exam_tests=exam_tests,
        open_questions=open_questions, plan=plan_view, safety_netting_title=common.safety_netting_title,
        safety_netting=safety, answers=differential.answers(w), references=w.cite.listing(), detail=detail,
    )


# --------------------------------------------------------------------------------------------
# Rendering

TEXT_WIDTH = 78
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|&#~])")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


class Formatted(str):
    """Text a filter has already made safe for its format (finalize leaves it alone)."""


def one_line(value: Any) -> str:
    """Control characters and line breaks become spaces: a value can never forge a new line."""
    return _CONTROL.sub(" ", str(value))


def md_escape(value: Any) -> str:
    """A value as literal Markdown text: no emphasis, code, links, HTML or table cells."""
    if isinstance(value, Formatted):
        return value
    if value is None:
        return ""
    text = _MD_SPECIAL.sub(r"\\\1", one_line(value))
    return _MD_UNDERSCORE.sub(r"\\_", text)


def txt_finalize(value: Any) -> str:
    if isinstance(value, Formatted):
        return value
    return "" if value is None else one_line(value)


def wrap(value: Any, indent: int = 0, first: str | None = None, width: int = TEXT_WIDTH) -> Formatted:
    """Plain-text filter: wrap a value to the page width, indented (first line may differ).
    Words are never split, so an address longer than a line stays whole and usable."""
    pad = " " * indent
    lines = textwrap.wrap(one_line(value), width=width, initial_indent=pad if first is None else first,
                          subsequent_indent=pad, break_long_words=False, break_on_hyphens=False)
    return Formatted("\n".join(lines))


def refs(numbers: Iterable[int]) -> Formatted:
    """Citation marks such as [1][4] (numbers only, so safe in every format)."""
    return Formatted("".join(f"[{int(n)}]" for n in numbers))


def environment(fmt: str, templates_dir: str | Path | None = None) -> Environment:
    """The Jinja environment for a format. A clinic's folder comes first, so a partial of the
    same name replaces ours; ``default:NAME`` always reaches ours (to extend or include it)."""
    if fmt not in ("html", "md", "txt"):
        raise ReportError(f"no templates for format {fmt!r}")

    def build() -> Environment:
        ours = FileSystemLoader(str(REPORTS_DIR))
        loaders = [FileSystemLoader(str(templates_dir))] if templates_dir else []
        loaders += [PrefixLoader({"default": ours}, delimiter=":"), ours]
        options: dict[str, Any] = {"autoescape": True} if fmt == "html" else {
            "autoescape": False, "finalize": md_escape if fmt == "md" else txt_finalize}
        # Sandboxed: a template from --templates is data, and must not reach Python (os, files).
        env = SandboxedEnvironment(loader=ChoiceLoader(loaders), undefined=StrictUndefined, trim_blocks=True,
                                   lstrip_blocks=True, keep_trailing_newline=True, **options)
        env.filters["wrap"] = wrap
        env.filters["refs"] = refs
        # Macro output is already made of escaped values: `{{ item(x) | formatted }}` keeps it as is.
        # (HTML needs no such filter: its macros return Markup.) Never apply it to a raw value.
        env.filters["formatted"] = Formatted
        env.globals["fmt"] = fmt
        return env

    # Built once per process and folder (triage/envcache.py): compiling the templates was most
    # of the cost of a report.
    return cached((fmt, folder_key(templates_dir)), build)


def _check_safety(output: str, ctx: ReportContext, fmt: str) -> None:
    """An overridden template may restyle anything but must not drop the safety content."""
    flat = " ".join(output.split()).casefold()
    say = {"html": lambda s: str(escape(s)), "md": md_escape, "txt": one_line}[fmt]
    needed = [("the disclaimer", ctx.disclaimer), ("the triage level", ctx.triage.label)]
    needed += [(f"the red flag {f.id}", f.title) for f in ctx.red_flags]
    for what, text in needed:
        if " ".join(say(text).split()).casefold() not in flat:
            raise ReportError(f"the report template dropped {what} ({text!r}); a template may restyle "
                              f"the safety content but not leave it out")


def render(ctx: ReportContext, fmt: str = "html", templates_dir: str | Path | None = None) -> str | bytes:
    """The report as text (html, md, txt) or bytes (pdf)."""
    if fmt == "pdf":
        return html_to_pdf(render(ctx, "html", templates_dir))
    env = environment(fmt, templates_dir)
    output = env.get_template(f"report.{fmt}.j2").render(ctx.as_template_vars())
    if fmt != "html":   # tidy records text: no trailing blanks, at most one empty line in a row
        output = "\n".join(line.rstrip() for line in output.split("\n"))
        output = re.sub(r"\n{3,}", "\n\n", output)
    else:
        check_html(output)
    _check_safety(output, ctx, fmt)
    return output


def index_format(fmt: str) -> str:
    """The format of a batch's index page: PDF reports get an HTML index that links them."""
    return "html" if fmt == "pdf" else fmt


def render_index(ctx: IndexContext, fmt: str, templates_dir: str | Path | None = None) -> str:
    """The index page of a batch: one row per form, linking its report or giving its error."""
    fmt = index_format(fmt)
    output = environment(fmt, templates_dir).get_template(f"index.{fmt}.j2").render(ctx.as_template_vars())
    if fmt == "html":
        check_html(output)
    say = {"html": lambda s: str(escape(s)), "md": md_escape, "txt": one_line}[fmt]
    if " ".join(say(ctx.disclaimer).split()).casefold() not in " ".join(output.split()).casefold():
        raise ReportError("the index template dropped the disclaimer")
    return output


PDF_MISSING = ("PDF output needs WeasyPrint, which is not installed. Install it with "
               "`pip install 'kneetriage[pdf]'` (WeasyPrint also needs the Pango library: see "
               "https://doc.courtbouillon.org/weasyprint/stable/first_steps.html), or use "
               "--format html and print the page to PDF from a browser.")


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"the report may not load {url!r}: reports are self-contained")


def html_to_pdf(html: str) -> bytes:
    return pdf_document(html).write_pdf()


def pdf_document(html: str):
    """The HTML laid out in pages by WeasyPrint (its Document: ``.pages``, ``.write_pdf()``)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:   # OSError: WeasyPrint present but Pango missing
        raise ReportError(f"{PDF_MISSING} ({error})") from None
    # WeasyPrint warns about CSS meant for browsers only (screen media queries); keep errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, url_fetcher=_no_network).render()
