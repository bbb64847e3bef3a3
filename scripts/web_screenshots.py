"""Take the screenshots in docs/web.md: the questionnaire in headless Chromium, mobile and desktop.

    python scripts/web_screenshots.py            # writes docs/img/web-*.png

Uses the same live server and system Chromium as tests/test_web_browser.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.browser_support import DESKTOP, MOBILE, LiveServer, browser_or_skip  # noqa: E402
from tests.test_questionnaire import ITBS  # noqa: E402
from tests.test_web_browser import answer_step, click_through, follow, step_of  # noqa: E402
from tests.test_web_pages import HOT_KNEE  # noqa: E402
from tests.webclient import make_app  # noqa: E402

OUT = REPO / "docs" / "img"


def main() -> None:
    _, browser = browser_or_skip()      # stopped when the process ends
    with LiveServer(make_app()) as server:
        for name, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
            context = browser.new_context(viewport=size, base_url=server.url, device_scale_factor=1)
            page = context.new_page()
            page.goto("/")
            follow(page, page.get_by_role("button", name="Start", exact=True))
            # The warning-sign checklist comes first; then a few questions in, with "why we ask"
            # open, as a runner would see it.
            page.screenshot(path=str(OUT / f"web-checklist-{name}.png"), full_page=True)
            for _ in range(3):
                answer_step(page, step_of(page), ITBS)
            page.locator("details.why summary").first.click()
            page.screenshot(path=str(OUT / f"web-question-{name}.png"))
            click_through(page, ITBS)
            follow(page, page.get_by_role("link", name="See the result"))
            page.screenshot(path=str(OUT / f"web-result-{name}.png"))
            context.close()
        context = browser.new_context(viewport=MOBILE, base_url=server.url)
        page = context.new_page()
        page.goto("/")
        follow(page, page.get_by_role("button", name="Start", exact=True))
        click_through(page, HOT_KNEE, stop_at_emergency=True)
        page.screenshot(path=str(OUT / "web-emergency-mobile.png"))
        context.close()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
