"""The printed report stays short: a plain PFPS case fits on a few A4 pages, the full detail is
one option away, and no page holds only the closing disclaimer. Counts of pages, not timings;
skipped without WeasyPrint, like the other PDF tests."""

from __future__ import annotations

import pytest

from tests.test_report import SCREEN_CLEARED, context, vignette
from triage.report import pdf_document, render

# A plain case: the textbook PFPS history, every warning sign answered "no" (self-management).
PLAIN_PFPS = {**vignette("pfps_typical_female_road_runner"), **SCREEN_CLEARED, "duration_weeks": 4}
# Issue 12: about four A4 pages for the clinician and three for the runner.
MOST_PAGES = {"clinician": 4, "patient": 3}


def page_texts(html: str) -> list[str]:
    pages = pdf_document(html).pages
    return [" ".join(box.text for box in page._page_box.descendants() if isinstance(getattr(box, "text", None), str))
            for page in pages]


@pytest.fixture(scope="module", params=["clinician", "patient"])
def printed(request):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:   # OSError: installed, but Pango is missing
        pytest.skip(f"PDF rendering is not available here: {error}")
    audience = request.param
    texts = {detail: page_texts(render(context(PLAIN_PFPS, audience, detail=detail), "html"))
             for detail in ("short", "full")}
    return audience, texts


def test_a_plain_pfps_case_fits_on_a_few_pages(printed):
    audience, texts = printed
    assert len(texts["short"]) <= MOST_PAGES[audience], f"{audience}: {len(texts['short'])} pages"


def test_full_detail_keeps_the_complete_report(printed):
    audience, texts = printed
    assert len(texts["full"]) > len(texts["short"])
    full, short = " ".join(texts["full"]), " ".join(texts["short"])
    assert "--detail full" in short and "--detail full" not in full
    assert ("Your answers" if audience == "patient" else "Answers on the form") in full
    if audience == "clinician":   # the rules' explanations and the plan's provenance
        assert "Provenance" in full and "Provenance" not in short


@pytest.mark.parametrize("detail", ["short", "full"])
def test_no_page_holds_only_the_disclaimer(printed, detail):
    audience, texts = printed
    ctx = context(PLAIN_PFPS, audience, detail=detail)
    for number, text in enumerate(texts[detail], 1):
        rest = text.replace(ctx.disclaimer, "")
        for furniture in (f"kneetriage {ctx.tool_version}", ctx.kb_version, ctx.report_date, ctx.form_id,
                          f"Page {number} of {len(texts[detail])}", "Form", "·", "knowledge base", "form"):
            rest = rest.replace(furniture, "")
        assert len(rest.split()) > 20, f"{audience}, {detail}: page {number} holds little but the disclaimer"
