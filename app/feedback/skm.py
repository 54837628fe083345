"""The public satisfaction survey (SKM) questionnaire of PermenPANRB 14/2017.

Nine elements (*unsur*), each asked as one question answered on a scale of 1–4 (1 not good,
2 less good, 3 good, 4 very good) in the element's own words, after the regulation's sample
questionnaire. Element ``n`` is stored in ``Rating.e<n>``; the order is the regulation's list
of elements (domain.md), which is also the order of the index computation. (The sample
questionnaire happens to ask about facilities before complaint handling; here complaint
handling is element 8 and facilities element 9, as in the list.)

Strings are English; the Indonesian catalogue carries the regulation's own wording.
No Flask request objects in here: views and reports both read this.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models import SKM_ELEMENTS

SCALE = (1, 2, 3, 4)


@dataclass(frozen=True)
class Element:
    number: int  # 1..9, the regulation's order
    name: object  # lazy string: the element (unsur)
    question: object  # lazy string
    answers: tuple  # four lazy strings, for the values 1, 2, 3, 4

    @property
    def field(self) -> str:
        """The Rating column (and form field) of this element: e1 … e9."""
        return f"e{self.number}"

    def answer(self, value: int):
        """The label of answer ``value`` (1–4)."""
        return self.answers[value - 1]


ELEMENTS: tuple[Element, ...] = (
    Element(
        1,
        _l("Requirements"),
        _l("What is your opinion of how well the service requirements fit the kind of "
           "service?"),
        (_l("Not suitable"), _l("Less suitable"), _l("Suitable"), _l("Very suitable")),
    ),
    Element(
        2,
        _l("Systems, mechanisms and procedures"),
        _l("How easy did you find the service procedure at this unit?"),
        (_l("Not easy"), _l("Less easy"), _l("Easy"), _l("Very easy")),
    ),
    Element(
        3,
        _l("Completion time"),
        _l("What is your opinion of the speed with which the service was given?"),
        (_l("Not fast"), _l("Less fast"), _l("Fast"), _l("Very fast")),
    ),
    Element(
        4,
        _l("Cost/tariff"),
        _l("What is your opinion of the fairness of the cost/tariff of the service?"),
        (_l("Very expensive"), _l("Fairly expensive"), _l("Cheap"), _l("Free of charge")),
    ),
    Element(
        5,
        _l("Product specification of the service"),
        _l("What is your opinion of how well the service product stated in the service "
           "standard matches what you received?"),
        (_l("Not suitable"), _l("Less suitable"), _l("Suitable"), _l("Very suitable")),
    ),
    Element(
        6,
        _l("Staff competence"),
        _l("What is your opinion of the competence/ability of the staff in giving the "
           "service?"),
        (_l("Not competent"), _l("Less competent"), _l("Competent"), _l("Very competent")),
    ),
    Element(
        7,
        _l("Staff behaviour"),
        _l("What is your opinion of the behaviour of the staff in giving the service, as to "
           "politeness and friendliness?"),
        (_l("Not polite and friendly"), _l("Less polite and friendly"),
         _l("Polite and friendly"), _l("Very polite and friendly")),
    ),
    Element(
        8,
        _l("Handling of complaints, suggestions and input"),
        _l("What is your opinion of the handling of complaints from service users?"),
        (_l("There is none"), _l("There is, but it does not work"),
         _l("It works, but not fully"), _l("Well managed")),
    ),
    Element(
        9,
        _l("Facilities and infrastructure"),
        _l("What is your opinion of the quality of the facilities and infrastructure?"),
        (_l("Poor"), _l("Adequate"), _l("Good"), _l("Very good")),
    ),
)

assert len(ELEMENTS) == SKM_ELEMENTS
assert all(len(e.answers) == len(SCALE) for e in ELEMENTS)
assert [e.number for e in ELEMENTS] == list(range(1, SKM_ELEMENTS + 1))
