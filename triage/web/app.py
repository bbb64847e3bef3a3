"""The Flask application: the questionnaire pages, the JSON API, and what guards them both.

``create_app`` is what ``kneetriage serve`` runs under waitress and what the tests call.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, g, jsonify, make_response, render_template, request
from jinja2 import StrictUndefined
from werkzeug.exceptions import HTTPException

from triage.assessment import DISCLAIMER
from triage.knowledge import KnowledgeBase, load_knowledge
from triage.web.security import Csrf, RateLimit, add_headers
from triage.web.tokens import Signer, load_secret

HERE = Path(__file__).resolve().parent
LOG = logging.getLogger("kneetriage.web")
MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """What a deployment may change (the `kneetriage serve` options)."""

    secret: str | None = None          # None: KNEETRIAGE_SECRET_KEY, else the secret file
    secret_file: str | None = None
    rate_limit: int = 600              # requests per client per minute; 0 turns it off
    max_body: int = 2 * MiB            # bytes; a larger request gets 413
    rules_dir: str | None = None


# Short messages for the errors a page or the API can meet; never a traceback.
MESSAGES = {
    400: "The request could not be read.",
    403: "This form has expired or did not come from this site. Please go back, reload the page and try again.",
    404: "There is no such page.",
    405: "This address does not accept that kind of request.",
    413: "The request is too large.",
    429: "Too many requests from this address. Please wait a minute and try again.",
    500: "Something went wrong on the server. Nothing you entered was stored.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, **extra):
    """The error as JSON for the API, as a page for a person."""
    text = message or MESSAGES.get(status, "The request could not be handled.")
    if wants_json():
        response = jsonify({"status": status, "error": text, **extra, "disclaimer": DISCLAIMER})
    else:
        response = app_page("error.html.j2", status=status, message=text)
    response.status_code = status
    return response


def app_page(template: str, **context):
    return make_response(render_template(template, disclaimer=DISCLAIMER, **context))


def create_app(settings: Settings | None = None, kb: KnowledgeBase | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask("triage.web", root_path=str(HERE), template_folder="templates", static_folder="static")
    secret = settings.secret or load_secret(settings.secret_file)
    app.config.update(
        SECRET_KEY=secret, MAX_CONTENT_LENGTH=settings.max_body,
        MAX_FORM_MEMORY_SIZE=min(settings.max_body, 64 * 1024), MAX_FORM_PARTS=200,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    # Flask escapes only *.html templates by default; ours end in .j2, so escape everything.
    app.jinja_env.autoescape = True
    app.jinja_env.undefined = StrictUndefined
    app.extensions["kneetriage"] = {
        "kb": kb or load_knowledge(settings.rules_dir),
        "rules_dir": settings.rules_dir,
        "signer": Signer(secret),
        "csrf": Csrf(secret),
        "limit": RateLimit(settings.rate_limit),
    }

    from triage.web.api import api
    from triage.web.pages import pages
    app.register_blueprint(pages)
    app.register_blueprint(api)

    @app.before_request
    def _limit():
        g.started = time.perf_counter()
        allowed, wait = app.extensions["kneetriage"]["limit"].allow(request.remote_addr or "-")
        if not allowed:
            response = error_response(429)
            response.headers["Retry-After"] = str(wait)
            return response
        return None

    @app.after_request
    def _headers(response):
        add_headers(response)
        # The path only: no query string, no form data (answers never travel in a URL anyway).
        LOG.info("%s %s %s %.1fms", request.method, request.path, response.status_code,
                 (time.perf_counter() - g.get("started", time.perf_counter())) * 1000)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return error_response(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        LOG.exception("internal error on %s %s", request.method, request.path)
        return error_response(500)

    return app
