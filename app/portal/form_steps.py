"""The request form in steps (issue 26): the same form (requests/form.py), one block per page.

Each step's page posts its own fields only, and the portal saves them through the same door as
the whole form (request_commands.create / update, "only the fields given"), so a step never
clears what another step holds. Every "Next", "Back" or jump saves the step first: the draft
on the server is at most one step behind the applicant, and the page keeps a copy of what is
being typed in the browser tab (static/form-draft.js) for the step a lost session interrupts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _l

from app.requests.form import SECTIONS, section_columns

_SECTION = {s.key: s for s in SECTIONS}


@dataclass(frozen=True)
class FormStep:
    key: str
    title: object
    section: Optional[str] = None  # the form's block (requests/form.SECTIONS) it shows
    tables: bool = False  # the variables and indicators
    documents: bool = False
    review: bool = False  # what is missing, and the submission

    @property
    def columns(self) -> list[str]:
        """The request's columns this step writes."""
        return section_columns(_SECTION[self.section]) if self.section else []


STEPS = (
    *(FormStep(s.key, s.title, section=s.key) for s in SECTIONS),
    FormStep("rows", _l("Variables and indicators"), tables=True),
    FormStep("documents", _l("Documents"), documents=True),
    FormStep("review", _l("Check and submit"), review=True),
)
BY_KEY = {s.key: s for s in STEPS}
FIRST = STEPS[0].key
# Where each field is filled in; "office" is the new form's choice of office, on the first step.
STEP_OF_FIELD = {name: s.key for s in STEPS for name in s.columns} | {"office": FIRST}


def get(key: Optional[str]) -> Optional[FormStep]:
    return BY_KEY.get(key or "")


def number(key: str) -> int:
    """The step's place, from 1."""
    return [s.key for s in STEPS].index(key) + 1


def step_of(name: str) -> tuple[str, int]:
    """The step a field is filled in (the first step for one no step names): its key and its
    place, from 1."""
    key = STEP_OF_FIELD.get(name, FIRST)
    return key, number(key)


def neighbour(key: str, offset: int) -> str:
    """The step ``offset`` places after ``key`` (before, when negative), kept within the form."""
    keys = [s.key for s in STEPS]
    return keys[min(max(keys.index(key) + offset, 0), len(keys) - 1)]


def target(current: str, action: Optional[str]) -> str:
    """The step a button leads to: "next", "back", "goto:<step>"; anything else stays."""
    if action == "next":
        return neighbour(current, 1)
    if action == "back":
        return neighbour(current, -1)
    if action and action.startswith("goto:") and action[5:] in BY_KEY:
        return action[5:]
    return current


def missing_by_step(missing: list[tuple[str, str]]) -> dict[str, int]:
    """How many needed answers each step still lacks (``missing``: workflow.missing_fields)."""
    counts: dict[str, int] = {}
    for name, _label in missing:
        key, _number = step_of(name)
        counts[key] = counts.get(key, 0) + 1
    return counts


def first_to_fill(missing: list[tuple[str, str]]) -> str:
    """The step to open for a draft: the first that still lacks a needed answer, else the
    first step."""
    counts = missing_by_step(missing)
    return next((s.key for s in STEPS if counts.get(s.key)), FIRST)
