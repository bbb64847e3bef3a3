"""A person at the web questionnaire, over HTTP without a browser (Flask's test client).

It reads each page as a person would: the step's fields from the form, the choices from the
radio buttons. ``story`` answers what it names; the rest get ``default`` ("no": the negative of a
yes/no or examination question, "don't know" for the others), as in tests/test_questionnaire.py.
"""

from __future__ import annotations

import html
import re

from triage.knowledge import load_knowledge
from triage.web import Settings, create_app

SECRET = "test-secret-" + "x" * 32


def as_asked(name: str, value) -> str:
    """A story's stored value as the answer to the question the page asks: a stored
    unable_to_bear_weight "no" is a "yes" to "Can you take four steps on the leg?"."""
    return str(load_knowledge().catalogue[name].to_question(value))


def make_app(**options):
    options.setdefault("rate_limit", 0)
    return create_app(Settings(secret=SECRET, **options))


def csrf_of(page: bytes) -> str:
    return re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()


def h1_of(page: bytes) -> str:
    headings = re.findall(rb"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert len(headings) == 1, f"a page has one h1, this one {len(headings)}"
    return html.unescape(re.sub(r"<[^>]+>", "", headings[0].decode())).strip()


def step_fields(page: bytes) -> list[str]:
    found = re.search(rb'name="step" value="([^"]*)"', page)
    return found.group(1).decode().split(",") if found else []


def radio_values(page: bytes, name: str) -> list[str]:
    return [v.decode() for v in re.findall(rb'type="radio" id="[^"]+" name="%s" value="([^"]+)"' % re.escape(name.encode()), page)]


def tick_for(name: str, story: dict, default: str = "no") -> str:
    """A checklist line (``key::item``): what the story says of it, as the terminal's tests
    answer it (the screen item's status; a follow-up line follows its field)."""
    key, item = name.split("::", 1)
    if key == "screen":
        status = load_knowledge().screen.item(item).status(story)
        tick = {"cleared": "no", "reported": "yes"}.get(status, "unknown")
    else:
        tick = str(story[item]) if item in story else "unknown"
    return "no" if tick == "unknown" and default == "no" else tick


def reply_to(name: str, story: dict, choices: list[str], default: str = "no") -> str:
    """The answer to the field or checklist line ``name`` on a page that offers ``choices``:
    the story's value, as the page asks it; else with default "no" the negative of a yes/no or
    examination question, and "don't know" for the rest."""
    if "::" in name:
        return tick_for(name, story, default)
    if name in story:
        return as_asked(name, story[name])
    if default == "no" and "no" in choices:
        return as_asked(name, "no")
    if default == "no" and "negative" in choices:
        return "negative"
    return "unknown"


class Visitor:
    """One browser: its cookies, and the page it is looking at."""

    def __init__(self, app):
        self.client = app.test_client()
        self.page = b""
        self.status = 0
        self.asked: list[str] = []

    def get(self, path: str):
        response = self.client.get(path, follow_redirects=True)
        self.page, self.status = response.data, response.status_code
        return response

    def post(self, path: str, data: dict, follow: bool = True):
        """Submit a form of the current page: its CSRF token and the state it was made from
        (``at``) go with it, as a browser sends its hidden fields."""
        at = re.search(rb'name="at" value="([^"]+)"', self.page)
        data = {"csrf": csrf_of(self.page), **({"at": at.group(1).decode()} if at else {}), **data}
        response = self.client.post(path, data=data, follow_redirects=follow)
        if follow:
            self.page, self.status = response.data, response.status_code
        return response

    def start(self, mode: str = "patient"):
        self.get("/")
        return self.post("/start", {"mode": mode})

    @property
    def on_question(self) -> bool:
        return bool(step_fields(self.page))

    @property
    def on_emergency(self) -> bool:
        return b"What to do now" in self.page

    @property
    def on_review(self) -> bool:
        return b"See the result" in self.page and not self.on_emergency

    def reply(self, name: str, story: dict, default: str) -> str:
        return reply_to(name, story, radio_values(self.page, name), default)

    def answer_step(self, story: dict, default: str = "no", action: str = "next"):
        fields = step_fields(self.page)
        # The steps as the terminal names them: a field, or a checklist's key for its lines.
        self.asked += list(dict.fromkeys(name.split("::")[0] for name in fields))
        data = {"step": ",".join(fields), "action": action}
        data.update({name: self.reply(name, story, default) for name in fields})
        return self.post("/answer", data)

    def answer_until(self, name: str, story: dict = {}, default: str = "no", limit: int = 80):
        """Answer the questions before ``name`` (from the story, else the default) until it is asked."""
        for _ in range(limit):
            if step_fields(self.page) == [name]:
                return
            if self.on_emergency:
                self.post("/continue", {})
            else:
                assert self.on_question, f"{name} was never asked: {self.asked}"
                self.answer_step(story, default)
        raise AssertionError(f"{name} was never asked: {self.asked}")

    def play(self, story: dict, default: str = "no", on_emergency: str = "continue", limit: int = 80):
        """Answer until the review page (or the emergency page, with on_emergency="stop")."""
        for _ in range(limit):
            if self.on_emergency:
                if on_emergency == "stop":
                    return
                self.post("/continue", {})
            elif self.on_question:
                self.answer_step(story, default)
            else:
                assert self.on_review, self.page[:2000]
                return
        raise AssertionError(f"the questionnaire did not end: {self.asked}")
