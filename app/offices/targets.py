"""Intermediate targets (issue 24): an office may promise, inside the 30 working days, that a
submitted request is taken up for review within N working days and that a verified one gets
its draft letter within M. ``missed(session, office_id, today)`` lists the requests now past
either, the longest waiting first, for the officers' home and the dashboard.

The days are counted on the office's calendar from the day the request entered the state (its
submission, or its resubmission after a revision; its last passed review), as the SLA counts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.models import ActivityRequest, OfficeSetting, Review
from app.offices.workdays import WorkCalendar, local_date, office_calendar

# target -> (the state it waits in, its words)
TARGETS = {
    "review_start": ("submitted", _l("Review not started in time")),
    "letter_draft": ("verified", _l("Letter not drafted in time")),
}


@dataclass(frozen=True)
class Missed:
    id: int
    tracking_code: str
    title: str
    state: str
    target: str  # a key of TARGETS
    since: dt.date  # the local day it entered the state
    waited: int  # working days since then
    allowed: int  # the target, in working days

    @property
    def label(self) -> str:
        return str(TARGETS[self.target][1])


def missed(session, office_id: int, today: dt.date, tz: str,
           calendar: WorkCalendar | None = None) -> list[Missed]:
    """The office's requests past an intermediate target today (none when it sets none)."""
    setting = session.scalars(select(OfficeSetting).where(
        OfficeSetting.office_id == office_id)).first()
    if setting is None or not (setting.review_start_days or setting.letter_draft_days):
        return []
    calendar = calendar or office_calendar(session, office_id)
    rows = []
    R = ActivityRequest
    if setting.review_start_days:
        for r in session.execute(select(R.id, R.tracking_code, R.title, R.state,
                                        R.submitted_at.label("since"))
                                 .where(R.office_id == office_id, R.state == "submitted",
                                        R.submitted_at.is_not(None))):
            rows.append((r, "review_start", setting.review_start_days))
    if setting.letter_draft_days:
        verified_at = (select(func.max(Review.finished_at)).where(
            Review.request_id == R.id, Review.outcome == "pass").scalar_subquery())
        for r in session.execute(select(R.id, R.tracking_code, R.title, R.state,
                                        verified_at.label("since"))
                                 .where(R.office_id == office_id, R.state == "verified")):
            if r.since is not None:
                rows.append((r, "letter_draft", setting.letter_draft_days))
    result = []
    for r, target, allowed in rows:
        since = local_date(r.since, tz)
        waited = calendar.working_days_between(since, today)
        if waited > allowed:
            result.append(Missed(r.id, r.tracking_code, r.title, r.state, target, since,
                                 waited, allowed))
    return sorted(result, key=lambda m: (-m.waited, m.id))
