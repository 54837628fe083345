"""Where a request stands, as the applicant's page draws it (issue 26): the steps from
submission to the letter sent, each done, current or still to come, with the day it was
reached, and the one thing the applicant can do next.

Read from the request's state and its audit trail (the day each step was first reached):
nothing is stored for it, so it cannot drift from the workflow.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _l

# (key, label, the states in which this step is the current one)
STEPS = (
    ("submitted", _l("Submitted"), ("submitted",)),
    ("in_review", _l("In review"), ("in_review",)),
    ("revision", _l("Revision"), ("revision_requested",)),
    ("verified", _l("Verified"), ("verified",)),
    ("letter", _l("Letter"), ("letter_drafted", "letter_initialled", "issued")),
    ("sent", _l("Sent"), ("sent", "closed")),
)
ORDER = {key: n for n, (key, _label, _states) in enumerate(STEPS)}
STEP_OF_STATE = {state: key for key, _label, states in STEPS for state in states}
# The audit trail's states that mark a step reached.
STEP_OF_EVENT_STATE = dict(STEP_OF_STATE, resubmitted="submitted")


@dataclass
class Step:
    key: str
    label: str
    status: str  # "done", "current", "todo" or "skipped" (a revision never asked)
    at: Optional[dt.datetime] = None


def steps(state: str, events) -> list[Step]:
    """The steps of a request in ``state`` whose trail is ``events`` ((at, to_state) pairs,
    oldest first). A draft has every step to come; a withdrawn request shows how far it got.
    A revision is a step only some requests take: "optional" until asked, "skipped" once the
    request went past it without one, "done" once asked (also while a resubmitted request is
    checked again)."""
    reached: dict[str, dt.datetime] = {}
    for at, to_state in events:
        key = STEP_OF_EVENT_STATE.get(to_state or "")
        if key is not None:
            reached.setdefault(key, at)
    current = STEP_OF_STATE.get(state)
    if current is not None:
        position = ORDER[current]
    else:  # a draft, or withdrawn: after the furthest step reached
        position = max((ORDER[k] for k in reached), default=-1) + 1
    result = []
    for n, (key, label, _states) in enumerate(STEPS):
        if key == current:
            status = "current"
        elif key == "revision":
            status = ("done" if key in reached else
                      "skipped" if n < position else "optional")
        else:
            status = "done" if n < position else "todo"
        result.append(Step(key, str(label), status, reached.get(key)))
    return result


# The next thing the applicant can do: (key, label). The page makes that one button primary.
NEXT = {
    "complete": _l("Complete the form"),
    "submit": _l("Submit the request"),
    "revise": _l("Revise the form"),
    "resubmit": _l("Send the revised request"),
    "results": _l("Hand in the results"),
    "rate": _l("Rate the service"),
    "letter": _l("Download the letter"),
}


def next_action(state: str, *, missing: bool, actions, results_open: bool, can_rate: bool,
                has_letter: bool) -> Optional[str]:
    """The key (in NEXT) of the one obvious next step, or None: the office is at work."""
    if state == "draft":
        return "submit" if "submit" in actions and not missing else "complete"
    if state == "revision_requested":
        return "resubmit" if "resubmit" in actions and not missing else "revise"
    if results_open:
        return "results"
    if can_rate:
        return "rate"
    if has_letter:
        return "letter"
    return None
