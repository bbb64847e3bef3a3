"""The pages render whatever step the Session hands out, by its kind: a step with `items` (a
checklist of questions) is shown on one screen and each item is recorded through Session.answer."""

from dataclasses import dataclass

import pytest

from tests.webclient import Visitor, h1_of, make_app, radio_values, step_fields
from triage.questionnaire import Question, Session
from triage.web.dialogue import describe, fields_of, kind_of

WARNING_SIGNS = ("knee_hot_red", "fever_or_unwell", "locking")


@dataclass(frozen=True)
class Checklist:
    """A stand-in for a checklist step: a heading and several questions."""

    text: str
    stage: str
    items: tuple[Question, ...]


@pytest.fixture
def checklist_first(monkeypatch, kb):
    """Sessions whose first step is a checklist of three warning signs, then the usual questions."""
    original = Session.next_question

    def next_question(self):
        pending = [name for name in WARNING_SIGNS if name not in self.answers and name not in self.unknown]
        if len(pending) == len(WARNING_SIGNS):
            return Checklist("Do any of these apply?", "red_flags",
                             tuple(self._question(name, "red_flags") for name in pending))
        return original(self)
    monkeypatch.setattr(Session, "next_question", next_question)


def test_a_step_is_known_by_its_class_and_answers_its_items(kb):
    question = Session(kb).next_question()
    assert kind_of(question) == "question" and fields_of(question) == [question.field]
    box = Checklist("Any?", "red_flags", (question,))
    assert kind_of(box) == "checklist" and fields_of(box) == [question.field]
    assert describe(box)["kind"] == "checklist" and describe(box)["items"][0]["field"] == question.field


def test_a_checklist_is_one_screen_and_each_item_is_recorded(checklist_first):
    visitor = Visitor(make_app())
    visitor.start()
    assert step_fields(visitor.page) == list(WARNING_SIGNS)
    assert h1_of(visitor.page) == "Do any of these apply?"
    for name in WARNING_SIGNS:
        assert radio_values(visitor.page, name) == ["yes", "no", "unknown"]
    visitor.answer_step({"knee_hot_red": "no", "fever_or_unwell": "unknown", "locking": "no"})
    assert visitor.status == 200 and step_fields(visitor.page) != list(WARNING_SIGNS)
    saved = visitor.client.get("/download/answers.json").get_json()
    assert saved["knee_hot_red"] == "no" and saved["fever_or_unwell"] == "unknown" and saved["locking"] == "no"


def test_a_checklist_with_an_item_left_out_records_nothing(checklist_first):
    visitor = Visitor(make_app())
    visitor.start()
    response = visitor.post("/answer", {"step": ",".join(WARNING_SIGNS), "knee_hot_red": "no", "locking": "no"})
    assert response.status_code == 422 and b"Please choose an answer" in visitor.page
    assert visitor.client.get("/download/answers.json").get_json() == {}


def test_a_checklist_yes_raises_the_emergency_page(checklist_first):
    visitor = Visitor(make_app())
    visitor.start()
    visitor.answer_step({"knee_hot_red": "no", "fever_or_unwell": "no", "locking": "yes"})
    assert visitor.on_emergency
