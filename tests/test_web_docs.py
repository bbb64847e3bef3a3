"""docs/web.md stays true: its screenshots exist, and it names every API route and serve option."""

import re
from pathlib import Path

from tests.webclient import make_app

DOC = Path(__file__).resolve().parent.parent / "docs" / "web.md"


def test_every_screenshot_in_the_doc_exists():
    images = re.findall(r"\]\((img/[^)]+\.png)\)", DOC.read_text())
    assert {"img/web-question-mobile.png", "img/web-question-desktop.png"} <= set(images)
    for image in images:
        assert (DOC.parent / image).stat().st_size > 10_000, f"{image} is missing or blank"


def test_every_api_route_is_in_the_doc():
    text = DOC.read_text()
    routes = {rule.rule for rule in make_app().url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes and all(f"`{method} {route}`" in text or f" {route}`" in text for route in routes
                          for method in ("GET", "POST"))


def test_every_serve_option_is_in_the_doc():
    from triage.commands.serve import command
    text = DOC.read_text()
    for param in command.params:
        assert any(opt in text for opt in param.opts), f"{param.opts} is not in docs/web.md"
