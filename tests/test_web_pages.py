"""The web questionnaire over HTTP: every page, every action, every error (no browser needed)."""

import json
import logging

import pytest

from tests.test_questionnaire import ITBS, play
from tests.webclient import Visitor, csrf_of, h1_of, make_app, radio_values, step_fields
from triage.assess import assess
from triage.assessment import DISCLAIMER
from triage.forms import parse_form
from triage.questionnaire import Session
from triage.web.pages import STATE_COOKIE

HOT_KNEE = {"knee_hot_red": "yes", "fever_or_unwell": "yes", "swelling": "marked", "onset": "gradual", "age": 70}


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture
def visitor(app):
    return Visitor(app)


def test_the_start_page_has_one_heading_the_disclaimer_and_a_protected_form(visitor):
    visitor.get("/")
    assert visitor.status == 200
    assert h1_of(visitor.page) == "Questions about your knee pain"
    assert DISCLAIMER.encode() in visitor.page
    assert b'name="csrf"' in visitor.page and b"<script" not in visitor.page


def test_the_web_asks_the_same_questions_in_the_same_order_as_the_terminal(visitor, kb):
    visitor.start()
    visitor.play(ITBS, default="no")
    assert visitor.asked == play(Session(kb), ITBS, default="no")


def test_a_runner_with_itbs_reaches_the_review_then_the_report(visitor, kb):
    visitor.start()
    visitor.play(ITBS, default="no")
    assert h1_of(visitor.page) == "Your answers"
    visitor.get("/result")
    assert visitor.status == 200
    assert h1_of(visitor.page) == "Your knee pain report"
    assert b"Iliotibial band" in visitor.page and DISCLAIMER.encode() in visitor.page
    saved = json.loads(visitor.client.get("/download/answers.json").data)
    assert assess(parse_form(saved), kb=kb).top_condition == "itbs"


def test_the_downloads_are_the_contract_form_and_the_cli_assessment(visitor, kb):
    visitor.start()
    visitor.play(ITBS, default="no")
    answers = visitor.client.get("/download/answers.json")
    assert answers.headers["Content-Disposition"].startswith("attachment")
    saved = json.loads(answers.data)
    assert {k: v for k, v in saved.items() if k in ITBS} == {k: (int(v) if k == "age" else v)
                                                             for k, v in ITBS.items() if k in saved}
    assessment = json.loads(visitor.client.get("/download/assessment.json").data)
    expected = json.loads(json.dumps(assess(parse_form(saved), kb=kb).to_dict(), default=str))
    assert assessment == expected and assessment["disclaimer"] == DISCLAIMER


def test_the_pdf_download_is_a_pdf_where_weasyprint_is_installed(visitor, weasyprint):
    visitor.start()
    visitor.play(ITBS, default="no")
    response = visitor.client.get("/download/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_back_asks_the_previous_question_again_with_its_answer(visitor):
    visitor.start()
    visitor.answer_step({})            # the warning-sign checklist: none of them
    first = step_fields(visitor.page)
    visitor.answer_step({"onset": "gradual"})
    second = step_fields(visitor.page)
    assert second != first
    visitor.answer_step({}, action="back")
    assert step_fields(visitor.page) == first
    assert b"Your answer was: gradually" in visitor.page
    visitor.answer_step({"onset": "gradual"})
    assert step_fields(visitor.page) == second


def test_back_survives_the_round_trip_through_the_cookie_twice(visitor):
    visitor.start()
    visitor.answer_step({})            # the warning-sign checklist: none of them
    visitor.answer_step({"onset": "gradual"})
    visitor.answer_step({})
    third = step_fields(visitor.page)
    visitor.answer_step({}, action="back")
    visitor.answer_step({}, action="back")
    assert step_fields(visitor.page) == ["onset"]
    # Answering the first again goes on after the second, whose answer was kept.
    visitor.answer_step({"onset": "gradual"})
    assert step_fields(visitor.page) == third


def test_dont_know_is_a_choice_and_a_button(visitor):
    visitor.start()
    assert "unknown" in radio_values(visitor.page, "screen::fever")     # on the checklist too
    visitor.answer_step({})
    assert "unknown" in radio_values(visitor.page, "onset")
    visitor.answer_step({"onset": "unknown"})
    assert visitor.status == 200 and step_fields(visitor.page) != ["onset"]
    # A number question has a don't-know button instead of a radio button.
    name = "age"
    visitor.answer_until(name)
    assert radio_values(visitor.page, name) == [] and b'type="number"' in visitor.page
    visitor.post("/answer", {"step": name, name: "", "action": "unknown"})
    assert visitor.status == 200 and step_fields(visitor.page) != [name]
    saved = json.loads(visitor.client.get("/download/answers.json").data)
    assert saved[name] == "unknown"


def test_a_hot_swollen_feverish_knee_stops_at_the_emergency_page(visitor):
    visitor.start()
    visitor.play(HOT_KNEE, default="no", on_emergency="stop")
    assert visitor.on_emergency and visitor.status == 200
    assert "emergency" in h1_of(visitor.page).lower()
    assert b"Septic" in visitor.page or b"infect" in visitor.page
    visitor.get("/result")
    assert b"level-emergency" in visitor.page


def test_after_the_emergency_page_the_questions_go_on_and_it_is_not_shown_again(visitor):
    visitor.start()
    visitor.play(HOT_KNEE, default="no", on_emergency="stop")
    visitor.post("/continue", {})
    assert visitor.on_question or visitor.on_review
    visitor.play(HOT_KNEE, default="no", on_emergency="stop")
    assert visitor.on_review


@pytest.mark.parametrize("value, words", [("banana", b"is not an answer"), ("", b"Please choose an answer")])
def test_a_bad_answer_is_refused_with_the_accepted_answers_and_nothing_changes(visitor, value, words):
    visitor.start()
    visitor.answer_step({})
    response = visitor.post("/answer", {"step": "onset", "onset": value, "action": "next"})
    assert response.status_code == 422 and words in visitor.page
    assert b"gradual" in visitor.page and b'role="alert"' in visitor.page
    visitor.get("/questions")
    assert step_fields(visitor.page) == ["onset"]


def test_an_answer_is_escaped_when_it_is_shown_back(visitor):
    visitor.start()
    visitor.answer_until("age")
    visitor.post("/answer", {"step": "age", "age": "<script>alert(1)</script>", "action": "next"})
    assert visitor.status == 422
    assert b"<script>alert" not in visitor.page and b"&lt;script&gt;" in visitor.page


def test_an_answer_from_an_older_page_is_not_taken_for_the_current_question(visitor):
    visitor.start()
    visitor.answer_step({})
    first_page = visitor.page
    visitor.answer_step({"onset": "gradual"})
    current = step_fields(visitor.page)
    visitor.page = first_page             # the browser's back button shows the first page again
    visitor.post("/answer", {"step": "onset", "onset": "injury", "action": "next"})
    assert step_fields(visitor.page) == current
    assert json.loads(visitor.client.get("/download/answers.json").data)["onset"] == "gradual"


def test_an_answer_can_be_changed_from_the_review(visitor):
    visitor.start()
    visitor.play(ITBS, default="no")
    visitor.post("/change", {"field": "pain_location"})
    assert step_fields(visitor.page) == ["pain_location"]
    assert b"Your answer was:" in visitor.page


def test_a_clinician_is_asked_examination_findings(app):
    visitor = Visitor(app)
    visitor.start("clinician")
    visitor.play(ITBS, default="no")
    catalogue = app.extensions["kneetriage"]["kb"].catalogue
    assert any(f in catalogue and catalogue[f].is_exam for f in visitor.asked)
    visitor.get("/result")
    assert h1_of(visitor.page) == "Knee pain triage: clinician report"


def test_a_patient_is_not_asked_examination_findings(app):
    visitor = Visitor(app)
    visitor.start("patient")
    visitor.play(ITBS, default="no")
    catalogue = app.extensions["kneetriage"]["kb"].catalogue
    assert not any(f in catalogue and catalogue[f].is_exam for f in visitor.asked)


def test_an_unknown_mode_is_refused(visitor):
    visitor.get("/")
    response = visitor.post("/start", {"mode": "admin"})
    assert response.status_code == 422 and b"patient or clinician" in visitor.page


@pytest.mark.parametrize("path", ["/questions", "/result", "/download/answers.json",
                                  "/download/assessment.json", "/download/report.pdf"])
def test_without_a_questionnaire_the_pages_lead_to_the_start(visitor, path):
    response = visitor.client.get(path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/")


def test_a_tampered_token_is_rejected_with_a_clear_page_and_cleared(visitor):
    visitor.start()
    token = visitor.client.get_cookie(STATE_COOKIE).value
    visitor.client.set_cookie(STATE_COOKIE, token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
    response = visitor.client.get("/questions")
    assert response.status_code == 400
    assert b"could not be read" in response.data and b"start again" in response.data
    assert visitor.client.get_cookie(STATE_COOKIE) is None


def test_a_token_signed_with_another_secret_is_rejected(visitor):
    from triage.web.tokens import Signer
    forged = Signer("another-secret").dump({"v": 1, "mode": "patient", "answers": {}, "history": [],
                                            "announced": [], "interrupt": []})
    visitor.client.set_cookie(STATE_COOKIE, forged)
    assert visitor.client.get("/questions").status_code == 400


def test_a_restart_of_the_server_loses_nothing(visitor):
    visitor.start()
    visitor.answer_step({"onset": "gradual"})
    second = step_fields(visitor.page)
    cookie = visitor.client.get_cookie(STATE_COOKIE).value
    again = Visitor(make_app())          # a new process would build exactly this app
    again.client.set_cookie(STATE_COOKIE, cookie)
    again.get("/questions")
    assert step_fields(again.page) == second


def test_restart_clears_the_questionnaire(visitor):
    visitor.start()
    visitor.post("/restart", {})
    assert visitor.client.get_cookie(STATE_COOKIE) is None
    assert h1_of(visitor.page) == "Questions about your knee pain"


def test_the_state_cookie_is_httponly_strict_and_small_for_a_whole_clinician_form(app):
    visitor = Visitor(app)
    visitor.start("clinician")
    visitor.play(ITBS, default="no")
    response = visitor.client.post("/change", data={"csrf": csrf_of(visitor.page), "field": "age"})
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header
    assert len(visitor.client.get_cookie(STATE_COOKIE).value) < 3000


@pytest.mark.parametrize("path, data", [("/start", {"mode": "patient"}), ("/answer", {"action": "next"}),
                                        ("/continue", {}), ("/change", {"field": "age"}), ("/restart", {})])
def test_every_form_needs_its_csrf_token(visitor, path, data):
    visitor.start()
    response = visitor.client.post(path, data=data)
    assert response.status_code == 403 and b"did not come from this site" in response.data
    forged = visitor.client.post(path, data={**data, "csrf": "0" * 64})
    assert forged.status_code == 403


def test_a_csrf_token_is_bound_to_its_browser(app):
    one, two = Visitor(app), Visitor(app)
    one.start()
    two.get("/")
    stolen = csrf_of(one.page)
    assert two.client.post("/start", data={"csrf": stolen, "mode": "patient"}).status_code == 403


def test_errors_are_pages_without_a_traceback(visitor, monkeypatch):
    assert visitor.client.get("/nowhere").status_code == 404
    assert visitor.client.get("/answer").status_code == 405
    visitor.start()
    from triage.web.dialogue import Conversation

    def broken(self):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(Conversation, "next_step", broken)
    response = visitor.client.get("/questions")
    assert response.status_code == 500
    assert b"Traceback" not in response.data and b"secret internals" not in response.data
    assert b"Nothing you entered was stored" in response.data


def test_a_form_larger_than_the_limit_gets_413():
    visitor = Visitor(make_app(max_body=4096))
    visitor.start()
    response = visitor.post("/answer", {"step": "onset", "onset": "x" * 10000}, follow=False)
    assert response.status_code == 413 and b"too large" in response.data


def test_the_rate_limit_answers_429_with_retry_after():
    visitor = Visitor(make_app(rate_limit=3))
    statuses = [visitor.client.get("/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = visitor.client.get("/")
    assert int(response.headers["Retry-After"]) >= 1 and b"Too many requests" in response.data


def test_no_answer_reaches_the_log_or_a_url(caplog):
    visitor = Visitor(make_app())
    with caplog.at_level(logging.INFO, logger="kneetriage.web"):
        visitor.start()
        response = visitor.client.get("/")
        visitor.page = response.data
        visitor.get("/questions")
        visitor.play({**ITBS, "age": 87}, default="no")
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("POST /answer 303 ") for line in lines)
    routes = {"/", "/start", "/questions", "/answer", "/continue", "/result"}
    for line in lines:
        method, path, status, took = line.split(" ")      # nothing else is logged
        assert path in routes and took.endswith("ms"), line


def _why_of(page: bytes) -> str:
    text = page.decode()
    return text[text.index('<details class="why">'):text.index("</details>")]


def test_why_we_ask_tells_a_runner_what_the_answer_helps_to_tell_and_a_clinician_the_rules(app):
    runner, clinician = Visitor(app), Visitor(app)
    runner.start("patient")
    clinician.start("clinician")
    for visitor in (runner, clinician):
        visitor.answer_until("cannot_straight_leg_raise", {"onset": "gradual"})
    for_runner, for_clinician = _why_of(runner.page), _why_of(clinician.page)
    assert "helps to tell" in for_runner and "rules" not in for_runner
    assert "Unable to straight-leg raise" not in for_runner        # the rule's clinical title
    assert "feeds these rules" in for_clinician and "Unable to straight-leg raise" in for_clinician


def test_the_result_is_the_short_report_with_a_link_to_every_detail(visitor):
    visitor.start()
    visitor.play(ITBS)
    short = visitor.get("/result").data
    assert b"short version of your report" in short and b'href="/result?detail=full"' in short
    assert b"--detail full" not in short and b"Show every detail, above" in short   # its link, not the command
    assert b'href="/download/report.pdf?detail=short"' in short
    full = visitor.get("/result?detail=full").data
    assert b"short version" not in full and b'href="/result"' in full
    assert len(full) > len(short)


def test_a_detail_that_is_neither_short_nor_full_is_a_clear_400_page(visitor):
    visitor.start()
    visitor.play(ITBS)
    response = visitor.get("/result?detail=<b>everything</b>")
    assert response.status_code == 400
    assert b"short, full" in response.data and b"<b>everything" not in response.data
