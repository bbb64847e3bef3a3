"""The questionnaire in the browser: plain HTML forms, POST then redirect then GET.

The state travels in a signed cookie (triage/web/tokens.py); the pages hold no answer in a URL.
What to ask, back, don't know and the emergency interrupt all come from the Conversation
(triage/web/dialogue.py), the web's one door into the same Session as ``kneetriage ask``.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, redirect, request, url_for
from jinja2 import TemplateNotFound

from triage.commands.ask import STAGE_TITLES
from triage.questionnaire import BASICS, NARROWING, RED_FLAGS
from triage.report import DETAILS, ReportError, build_context, render
from triage.web.app import HERE, app_page, error_response
from triage.web.dialogue import MODES, Conversation, StateError, fields_of, kind_of
from triage.web.security import CSRF_COOKIE, CSRF_FIELD
from triage.web.tokens import TokenError

pages = Blueprint("pages", __name__)
STATE_COOKIE = "kt_state"
REPORT_TEMPLATES = HERE / "report_templates"
STAGES = (RED_FLAGS, BASICS, NARROWING)     # the order the questionnaire takes them


def _ext():
    return current_app.extensions["kneetriage"]


# -- state and CSRF ---------------------------------------------------------------------------

class NoState(Exception):
    """No questionnaire is under way in this browser."""


def load_conversation() -> Conversation:
    token = request.cookies.get(STATE_COOKIE)
    if not token:
        raise NoState
    return Conversation.restore(_ext()["signer"].load(token), _ext()["kb"])


def save(response, conversation: Conversation | None):
    """Put the state in the cookie (or clear it) on the way out."""
    if conversation is None:
        response.delete_cookie(STATE_COOKIE, path="/")
    else:
        response.set_cookie(STATE_COOKIE, _ext()["signer"].dump(conversation.state()), path="/",
                            httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def see_other(endpoint: str, conversation: Conversation | None = None, **values):
    return save(redirect(url_for(endpoint, **values), code=303), conversation)


def page(template: str, status: int = 200, **context):
    """A page with a CSRF field for its forms (the cookie is set the first time)."""
    cookie = request.cookies.get(CSRF_COOKIE) or _ext()["csrf"].new_cookie()
    response = app_page(template, status=status, csrf_field=CSRF_FIELD,
                        csrf_token=_ext()["csrf"].field_for(cookie), **context)
    response.status_code = status
    if request.cookies.get(CSRF_COOKIE) != cookie:
        response.set_cookie(CSRF_COOKIE, cookie, path="/", httponly=True, samesite="Strict",
                            secure=request.is_secure)
    return response


@pages.before_request
def _check_csrf():
    if request.method == "POST" and not _ext()["csrf"].valid(request.cookies.get(CSRF_COOKIE),
                                                             request.form.get(CSRF_FIELD)):
        return error_response(403)
    return None


@pages.errorhandler(NoState)
def _no_state(_error):
    return redirect(url_for("pages.start"), code=303)


@pages.errorhandler(TokenError)
@pages.errorhandler(StateError)
def _bad_state(_error):
    response = page("error.html.j2", status=400, message=(
        "This questionnaire could not be read: it was changed, damaged or is more than a day old, "
        "so none of it can be trusted. Please start again."))
    return save(response, None)


# -- the pages ----------------------------------------------------------------------------------

@pages.get("/")
def start():
    return page("start.html.j2", modes=MODES, under_way=bool(request.cookies.get(STATE_COOKIE)))


@pages.post("/start")
def begin():
    mode = request.form.get("mode", "patient")
    if mode not in MODES:
        return page("start.html.j2", status=422, modes=MODES, under_way=False,
                    error=f"Choose who is answering: {' or '.join(MODES)}.")
    return see_other("pages.questions", Conversation.start(mode, _ext()["kb"]))


@pages.get("/questions")
def questions():
    conversation = load_conversation()
    if conversation.interrupt:
        return emergency_page(conversation)
    step = conversation.next_step()
    if step is None:
        return page("review.html.j2", rows=conversation.summary(), catalogue=_ext()["kb"].catalogue)
    return step_page(conversation, step)


def step_page(conversation: Conversation, step, status: int = 200, problems=None, posted=None):
    number = conversation.progress(step)
    # The stage heading, as the terminal shows it (a step without a stage has none).
    stage = getattr(step, "stage", None)
    heading = STAGE_TITLES.get(stage, (None, None))
    template = f"steps/{kind_of(step)}.html.j2"
    try:
        current_app.jinja_env.get_template(template)
    except TemplateNotFound:
        raise RuntimeError(f"no template for a step of kind {kind_of(step)!r}: add {template}") from None
    return page("step.html.j2", status=status, step=step, step_template=template, number=number,
                stages=[STAGE_TITLES[name][0] for name in STAGES],
                stage=STAGES.index(stage) if stage in STAGES else None, heading=heading,
                step_fields=fields_of(step), problems=problems or {}, posted=posted or {},
                mode=conversation.mode, catalogue=_ext()["kb"].catalogue,
                can_go_back=conversation.can_go_back, at=fingerprint(request.cookies.get(STATE_COOKIE)))


@pages.post("/answer")
def answer():
    conversation = load_conversation()
    if request.form.get("action", "next") == "back":
        conversation.back()
        return see_other("pages.questions", conversation)
    # The page says which state it was made from. An older page (the browser's back button)
    # is not taken for the question due now: that one is shown instead. For the current page
    # its step is known without working it out again, which is most of a step's time.
    if conversation.interrupt or request.form.get("at") != fingerprint(request.cookies.get(STATE_COOKIE)):
        return see_other("pages.questions", conversation)
    asked = [name for name in request.form.get("step", "").split(",") if name]
    unknown = request.form.get("action") == "unknown"
    posted = {name: ("unknown" if unknown else request.form.get(name)) for name in asked}
    problems = conversation.answer(asked, posted) if asked else {"step": "This page asks nothing."}
    if problems:
        step = conversation.next_step()
        if step is None:
            return see_other("pages.questions", conversation)
        return step_page(conversation, step, status=422, problems=problems, posted=posted)
    return see_other("pages.questions", conversation)


def fingerprint(token: str | None) -> str:
    """A short digest of the state a page was made from (not a secret: it only tells pages apart)."""
    return hashlib.sha256((token or "").encode()).hexdigest()[:20]


def emergency_page(conversation: Conversation):
    kb = _ext()["kb"]
    flags = conversation.interrupted_by()
    level = kb.level(min((f.level for f in flags), key=lambda lv: kb.level(lv).rank)) if flags else None
    titles = {f.id: kb.flag(f.id).patient_title for f in flags}
    return page("emergency.html.j2", flags=flags, titles=titles, level=level)


@pages.post("/continue")
def go_on():
    conversation = load_conversation()
    conversation.go_on()
    return see_other("pages.questions", conversation)


@pages.post("/change")
def change():
    conversation = load_conversation()
    conversation.change(request.form.get("field", ""))
    return see_other("pages.questions", conversation)


@pages.post("/restart")
def restart():
    return see_other("pages.start", None)


class BadDetail(ValueError):
    """A ?detail= that is neither short nor full."""


def _detail() -> str:
    """?detail=short (the default, as `kneetriage report`) or full; anything else is a 400 page."""
    detail = request.args.get("detail", "short")
    if detail not in DETAILS:
        raise BadDetail(detail)
    return detail


@pages.errorhandler(BadDetail)
def bad_detail(error):
    return page("error.html.j2", status=400,
                message=f"detail must be one of {', '.join(DETAILS)} (it was {str(error)[:40]!r}).")


def _report_context(conversation: Conversation):
    """The report of the answers so far, for the person's mode, at the ?detail= asked for."""
    return build_context(conversation.result(), _ext()["kb"], audience=conversation.mode,
                         rules_dir=_ext()["rules_dir"], detail=_detail())


@pages.get("/result")
def result():
    conversation = load_conversation()
    conversation.go_on()     # the emergency page's "stop here" leads here; the interrupt is over
    html = render(_report_context(conversation), "html", templates_dir=REPORT_TEMPLATES)
    return save(current_app.response_class(html, mimetype="text/html"), conversation)


@pages.get("/download/answers.json")
def download_answers():
    conversation = load_conversation()
    return _attachment(json.dumps(conversation.contract(), indent=2) + "\n", "knee-answers.json", "application/json")


@pages.get("/download/assessment.json")
def download_assessment():
    conversation = load_conversation()
    text = json.dumps(conversation.result().to_dict(), indent=2, default=str) + "\n"
    return _attachment(text, "knee-assessment.json", "application/json")


@pages.get("/download/report.pdf")
def download_pdf():
    conversation = load_conversation()
    try:
        pdf = render(_report_context(conversation), "pdf")
    except ReportError as error:      # WeasyPrint (or Pango) is not installed here
        return page("error.html.j2", status=501, message=str(error))
    return _attachment(pdf, "knee-report.pdf", "application/pdf")


def _attachment(body, filename: str, mimetype: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

