"""The pages render whatever step the Session hands out, by its kind: the warning-sign checklist
("Do any of these apply?") is one screen with a yes / no / don't know answer per line, recorded
at once by Session.answer, as in the terminal."""

import re

from tests.webclient import Visitor, h1_of, make_app, radio_values, step_fields
from triage.questionnaire import SCREEN_KEY, Session
from triage.web.dialogue import describe, fields_of, kind_of


def test_a_step_is_known_by_its_class_and_posts_its_lines(kb):
    checklist = Session(kb).next_question()
    assert kind_of(checklist) == "checklist" and checklist.key == SCREEN_KEY
    assert fields_of(checklist) == [f"{SCREEN_KEY}::{item.id}" for item in checklist.items]
    session = Session(kb)
    session.next_question()
    session.answer(SCREEN_KEY, "none")
    question = session.next_question()
    assert kind_of(question) == "question" and fields_of(question) == [question.field]
    data = describe(checklist)
    assert data["kind"] == "checklist" and tuple(data["items"][0]["fields"]) == checklist.items[0].fields


def test_the_checklist_is_the_first_screen_and_each_line_is_yes_no_or_dont_know(kb):
    visitor = Visitor(make_app())
    visitor.start()
    names = step_fields(visitor.page)
    assert h1_of(visitor.page) == "Do any of these apply?"
    assert len(names) == len(kb.screen.items)
    for name in names:
        assert radio_values(visitor.page, name) == ["yes", "no", "unknown"]
    visitor.answer_step({}, default="no")
    assert visitor.status == 200 and step_fields(visitor.page) == ["onset"]
    saved = visitor.client.get("/download/answers.json").get_json()
    assert saved["knee_hot_red"] == "no" and saved["calf_pain_or_swelling"] == "no"


def test_dont_know_on_a_line_keeps_the_form_out_of_self_care_and_is_named(kb):
    visitor = Visitor(make_app())
    visitor.start()
    names = step_fields(visitor.page)
    answers = {name: "no" for name in names}
    answers[f"{SCREEN_KEY}::fever"] = "unknown"
    visitor.post("/answer", {"step": ",".join(names), "action": "next", **answers})
    saved = visitor.client.get("/download/answers.json").get_json()
    assert saved["fever_or_unwell"] == "unknown"


def test_a_checklist_with_a_line_left_out_records_nothing(kb):
    visitor = Visitor(make_app())
    visitor.start()
    names = step_fields(visitor.page)
    response = visitor.post("/answer", {"step": ",".join(names), "action": "next",
                                        **{name: "no" for name in names[1:]}})
    assert response.status_code == 422 and b"Please choose an answer" in visitor.page
    assert visitor.client.get("/download/answers.json").get_json() == {}


def test_a_checklist_yes_raises_the_emergency_page(kb):
    visitor = Visitor(make_app())
    visitor.start()
    names = step_fields(visitor.page)
    answers = {name: "no" for name in names}
    answers[f"{SCREEN_KEY}::hot_red_knee"] = answers[f"{SCREEN_KEY}::fever"] = "yes"
    visitor.post("/answer", {"step": ",".join(names), "action": "next", **answers})
    assert visitor.on_emergency


def test_back_from_the_first_question_shows_the_checklist_with_its_answers(kb):
    visitor = Visitor(make_app())
    visitor.start()
    visitor.answer_step({}, default="no")
    assert step_fields(visitor.page) == ["onset"]
    visitor.answer_step({}, action="back")
    assert h1_of(visitor.page) == "Do any of these apply?"
    assert re.search(rb'name="screen::fever" value="no"\s+checked', visitor.page)
