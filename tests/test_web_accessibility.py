"""axe-core (from the npm registry, see package.json) in headless Chromium: no serious or critical
violation on any kind of page. color-contrast is among axe's rules, so this checks WCAG AA too."""

import pytest

from tests.browser_support import AXE, DESKTOP, MOBILE, LiveServer, browser_or_skip
from tests.test_questionnaire import ITBS
from tests.test_web_browser import choose, click_through, reply, step_of
from tests.test_web_pages import HOT_KNEE
from tests.webclient import make_app


@pytest.fixture(scope="module")
def browser():
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE} (run `npm install` in the repository; .ci/run does)")
    playwright, browser = browser_or_skip()
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="module")
def server():
    with LiveServer(make_app()) as live:
        yield live


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def to_start(page):
    page.goto("/")


def to_question(page):
    page.goto("/")
    page.get_by_role("button", name="Start", exact=True).click()


def to_refused_answer(page):
    to_question(page)
    page.click('button[value="next"]')     # nothing chosen: the page says what is accepted


def to_number_question(page):
    to_question(page)
    while step_of(page) and step_of(page)[0] != "age":
        field = step_of(page)[0]
        choose(page, field, reply(page, field, ITBS))


def to_emergency(page):
    to_question(page)
    click_through(page, HOT_KNEE, stop_at_emergency=True)


def to_review(page):
    to_question(page)
    click_through(page, ITBS)


def to_result(page):
    to_review(page)
    page.get_by_role("link", name="See the result").click()


def to_clinician_result(page):
    page.goto("/")
    page.click('label[for="mode-clinician"]')
    page.get_by_role("button", name="Start", exact=True).click()
    click_through(page, ITBS)
    page.get_by_role("link", name="See the result").click()


def to_error(page):
    page.goto("/no-such-page")


PAGES = [to_start, to_question, to_refused_answer, to_number_question, to_emergency, to_review, to_result,
         to_clinician_result, to_error]


@pytest.mark.parametrize("size", [MOBILE, DESKTOP], ids=["mobile", "desktop"])
@pytest.mark.parametrize("reach", PAGES, ids=lambda f: f.__name__[3:])
def test_no_serious_or_critical_accessibility_violation(browser, server, reach, size):
    # The pages allow no script (CSP), so the test lets axe in by bypassing the policy.
    context = browser.new_context(viewport=size, base_url=server.url, bypass_csp=True)
    page = context.new_page()
    reach(page)
    page.wait_for_load_state("load")
    assert page.locator("h1").count() == 1
    found = violations(page)
    context.close()
    assert found == []
