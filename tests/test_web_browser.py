"""End to end in headless Chromium: a person clicks, or uses the keyboard alone, through the pages."""

import pytest

from tests.browser_support import DESKTOP, MOBILE, LiveServer, browser_or_skip
from tests.test_questionnaire import ITBS
from tests.test_web_pages import HOT_KNEE
from tests.webclient import make_app, reply_to, tick_for


@pytest.fixture(scope="module")
def server():
    with LiveServer(make_app()) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    _, browser = browser_or_skip()      # shared by the process: not stopped here
    yield browser


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport=DESKTOP, base_url=server.url)
    page = context.new_page()
    yield page
    context.close()


def follow(page, target) -> None:
    """Click a link or button and wait until the page it leads to has loaded."""
    with page.expect_navigation():
        target.click()


def step_of(page) -> list[str]:
    box = page.locator('input[name="step"]')
    return box.get_attribute("value").split(",") if box.count() else []


def choose(page, field: str, value: str) -> None:
    """Answer one field as a person would: click the radio's label, or type the number."""
    radio = page.locator(f'input[name="{field}"][value="{value}"]')
    button = 'button[value="next"]'
    if radio.count():
        page.click(f'label[for="{radio.get_attribute("id")}"]')
    elif value == "unknown":
        button = 'button[value="unknown"]'
    else:
        page.fill(f"#{field}-1", value)
    with page.expect_navigation():      # the next page, loaded, before anything reads it
        page.click(button)


def answer_checklist(page, story: dict) -> None:
    """A "Do any of these apply?" page: click each line's answer, then Next."""
    for name in step_of(page):
        radio = page.locator(f'input[name="{name}"][value="{tick_for(name, story)}"]')
        page.click(f'label[for="{radio.get_attribute("id")}"]')
    with page.expect_navigation():
        page.click('button[value="next"]')


def reply(page, field: str, story: dict, default: str = "no") -> str:
    values = [] if "::" in field else page.locator(f'input[name="{field}"]').evaluate_all(
        "els => els.map(e => e.value)")
    return reply_to(field, story, values, default)


def answer_step(page, fields: list[str], story: dict) -> None:
    """Answer the step on the page, a checklist (its names are ``key::item``) or one question."""
    if "::" in fields[0]:
        answer_checklist(page, story)
    else:
        choose(page, fields[0], reply(page, fields[0], story))


def click_through(page, story: dict, *, stop_at_emergency: bool = False, limit: int = 80) -> list[str]:
    asked = []
    for _ in range(limit):
        if page.locator("text=What to do now").count():
            if stop_at_emergency:
                return asked
            follow(page, page.get_by_role("button", name="Continue the questions"))
            continue
        fields = step_of(page)
        if not fields:
            return asked
        asked += fields
        answer_step(page, fields, story)
    raise AssertionError(f"the questionnaire did not end: {asked}")


def test_a_runner_completes_an_itbs_story_by_clicking_with_back_and_dont_know(page):
    page.goto("/")
    follow(page, page.get_by_role("button", name="Start", exact=True))
    assert page.locator("h1").inner_text() == "Do any of these apply?"
    answer_checklist(page, ITBS)             # the warning signs first: none of them
    assert step_of(page) == ["onset"]
    choose(page, "onset", "sudden_no_injury")  # a slip of the finger...
    with page.expect_navigation():
        page.click('button[value="back"]')    # ...put right with Back
    assert step_of(page) == ["onset"] and "Your answer was" in page.inner_text("main")
    choose(page, "onset", "gradual")
    while step_of(page) and step_of(page)[0] in ITBS:
        field = step_of(page)[0]
        choose(page, field, reply(page, field, ITBS))
    unsure = step_of(page)[0]
    choose(page, unsure, "unknown")           # don't know
    click_through(page, ITBS)
    assert page.locator("h1").inner_text() == "Your answers"
    assert "don't know" in page.inner_text("table")
    follow(page, page.get_by_role("link", name="See the result"))
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Your knee pain report"
    assert "Iliotibial band" in page.inner_text("body")
    assert "does not replace" in page.inner_text("body")


def test_a_hot_swollen_feverish_knee_reaches_the_emergency_page(page):
    page.goto("/")
    follow(page, page.get_by_role("button", name="Start", exact=True))
    click_through(page, HOT_KNEE, stop_at_emergency=True)
    assert "What to do now" in page.inner_text("main")
    assert "emergency" in page.locator("h1").inner_text().lower()
    follow(page, page.get_by_role("link", name="Stop and see the result"))
    assert "level-emergency" in page.locator("body").get_attribute("class")


def tab_to(page, test: str, limit: int = 60) -> None:
    """Press Tab until the focused element passes the JavaScript test `test(el)`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({test})); }})()"):
            return
    raise AssertionError(f"Tab never reached an element with {test}")


def focus_is_visible(page) -> bool:
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()")
    return style[0] != "none" and style[1] != "0px" or style[2] != "none"


def submit(page) -> None:
    """Enter on the focused button, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_questionnaire_can_be_completed_with_the_keyboard_alone(page):
    page.goto("/")
    tab_to(page, "el.type === 'submit'")
    submit(page)
    asked = 0
    while True:
        fields = step_of(page)
        if not fields:
            break
        for field in fields:                  # a checklist has a radio group per line
            value = reply(page, field, ITBS)
            radios = page.locator(f'input[name="{field}"]')
            if radios.first.get_attribute("type") == "radio":
                tab_to(page, f"el.name === '{field}'")
                assert focus_is_visible(page), "the focused radio button shows no focus"
                for _ in range(radios.count() + 1):
                    if page.evaluate("document.activeElement.value") == value:
                        break
                    page.keyboard.press("ArrowDown")    # moves and checks, as in every radio group
                page.keyboard.press("Space")
            else:
                tab_to(page, f"el.name === '{field}'")
                if value != "unknown":
                    page.keyboard.type(value)
                else:
                    tab_to(page, "el.value === 'unknown'")
        field = fields[-1]
        radios = page.locator(f'input[name="{field}"]')
        if value == "unknown" and radios.first.get_attribute("type") != "radio":
            submit(page)
        else:
            tab_to(page, "el.value === 'next'")
            assert focus_is_visible(page), "the focused Next button shows no focus"
            submit(page)
        asked += 1
        assert asked < 60
    assert page.locator("h1").inner_text() == "Your answers"
    tab_to(page, "el.textContent.trim() === 'See the result'")
    submit(page)
    assert "Iliotibial band" in page.inner_text("body")


@pytest.mark.parametrize("size", [MOBILE, DESKTOP], ids=["mobile", "desktop"])
def test_a_question_fits_the_screen_without_sideways_scrolling(browser, server, size):
    context = browser.new_context(viewport=size, base_url=server.url)
    page = context.new_page()
    page.goto("/")
    follow(page, page.get_by_role("button", name="Start", exact=True))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"the page is {width}px wide on a {size['width']}px screen"
    # The Next button is in view without zooming, and large enough to tap.
    box = page.locator('button[value="next"]').bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= size["width"]
    context.close()


def test_the_pages_run_no_script_and_the_policy_says_so(page):
    response = page.goto("/")
    assert "script-src 'none'" in response.headers["content-security-policy"]
    assert page.evaluate("document.scripts.length") == 0
