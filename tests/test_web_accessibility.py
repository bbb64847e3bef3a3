"""axe-core (from the npm registry, see package.json) in headless Chromium: no serious or critical
violation on any kind of page. color-contrast is among axe's rules, so this checks WCAG AA too."""

import pytest

from tests.browser_support import AXE, DESKTOP, MOBILE, LiveServer, browser_or_skip, skip_or_fail
from tests.test_questionnaire import ITBS
from tests.test_web_browser import answer_checklist, answer_step, follow, step_of
from tests.test_web_pages import HOT_KNEE
from tests.webclient import Visitor, make_app
from triage.web.pages import STATE_COOKIE
from triage.web.security import CSRF_COOKIE


@pytest.fixture(scope="module")
def browser():
    if not AXE.exists():
        skip_or_fail(f"axe-core is not installed at {AXE} (run `npm install` in the repository; .ci/run does)")
    _, browser = browser_or_skip()      # shared by the process: not stopped here
    yield browser


SERVER_APP = make_app()
SERVER_URL = []


@pytest.fixture(scope="module")
def server():
    with LiveServer(SERVER_APP) as live:
        SERVER_URL[:] = [live.url]
        yield live


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def to_start(page):
    page.goto("/")


def to_checklist(page):
    page.goto("/")
    follow(page, page.get_by_role("button", name="Start", exact=True))


def to_question(page):
    to_checklist(page)
    answer_checklist(page, ITBS)


def to_refused_answer(page):
    to_question(page)
    with page.expect_navigation():
        page.click('button[value="next"]')     # nothing chosen: the page says what is accepted


def to_number_question(page, limit: int = 40):
    """On to the first question answered with a number box (for the ITBS story, how long)."""
    to_question(page)
    asked = []
    while step_of(page) and not page.locator('input[type="number"]').count():
        asked += step_of(page)
        assert len(asked) < limit, f"no question with a number box was asked: {asked}"
        answer_step(page, step_of(page), ITBS)


def played(page, story, path, mode="patient", **options):
    """Play the story over HTTP (fast), then open ``path`` in the browser with its cookies.
    Clicking through is tested in tests/test_web_browser.py; here only the pages are judged."""
    visitor = Visitor(SERVER_APP)
    visitor.start(mode)
    visitor.play(story, default="no", **options)
    base = SERVER_URL[0]
    cookies = [visitor.client.get_cookie(name) for name in (STATE_COOKIE, CSRF_COOKIE)]
    page.context.add_cookies([{"name": c.key, "value": c.value, "url": base} for c in cookies])
    page.goto(path)


def to_emergency(page):
    played(page, HOT_KNEE, "/questions", on_emergency="stop")


def to_review(page):
    played(page, ITBS, "/questions")


def to_result(page):
    played(page, ITBS, "/result")


def to_clinician_result(page):
    played(page, ITBS, "/result", mode="clinician")


def to_error(page):
    page.goto("/no-such-page")


# Each way to a page, and a word of the heading that shows it got there.
PAGES = {to_start: "Questions about", to_checklist: "Do any of these apply", to_question: "How did the pain start", to_refused_answer: "How did the pain start",
         to_number_question: "How many weeks", to_emergency: "emergency", to_review: "Your answers",
         to_result: "Your knee pain report", to_clinician_result: "clinician report", to_error: "could not be shown"}


@pytest.mark.parametrize("size", [MOBILE, DESKTOP], ids=["mobile", "desktop"])
@pytest.mark.parametrize("reach", PAGES, ids=lambda f: f.__name__[3:])
def test_no_serious_or_critical_accessibility_violation(browser, server, reach, size):
    # The pages allow no script (CSP), so the test lets axe in by bypassing the policy.
    context = browser.new_context(viewport=size, base_url=server.url, bypass_csp=True)
    page = context.new_page()
    reach(page)
    page.wait_for_load_state("load")
    assert page.locator("h1").count() == 1
    assert PAGES[reach].lower() in page.locator("h1").inner_text().lower()
    found = violations(page)
    context.close()
    assert found == []
