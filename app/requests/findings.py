"""The officers' findings on a request, by the part of the form they concern (issue 26).

When officers ask for a revision, each checklist item they did not pass, with their note on it,
goes back to the applicant (domain.md, "Checking (review)"). An item names the part of the form
it concerns (``ChecklistItem.form_part``, one of models.FORM_PARTS: the form's steps); the
applicant reads the note beside that part, and the items without one as general findings with
the review's own notes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.models import FORM_PARTS, ActivityRequest, ChecklistItem, Review
from app.requests.form import SECTIONS

# Each part's name as the form's steps show it (portal/form_steps.STEPS, the same words).
PART_TITLES = {
    **{s.key: s.title for s in SECTIONS},
    "rows": _l("Variables and indicators"),
    "documents": _l("Documents"),
}
assert tuple(PART_TITLES) == FORM_PARTS, "the form's parts and models.FORM_PARTS differ"


@dataclass(frozen=True)
class Finding:
    item: str  # the checklist item's text
    note: str  # the officer's note on it
    form_part: Optional[str]  # None: the request as a whole


@dataclass(frozen=True)
class Findings:
    """One revision round's findings: the review's general notes, and the failed items with
    a note, grouped by the part of the form they concern (None first, then the form's order)."""

    round: int
    notes: Optional[str]
    by_part: dict[Optional[str], list[Finding]] = field(default_factory=dict)

    @property
    def general(self) -> list[Finding]:
        return self.by_part.get(None, [])

    @property
    def parts(self) -> list[str]:
        """The parts of the form that have findings, in the form's order."""
        return [part for part in self.by_part if part is not None]

    def for_part(self, part: Optional[str]) -> list[Finding]:
        return self.by_part.get(part, [])

    def __bool__(self) -> bool:
        return bool(self.notes or self.by_part)


def last_revision_review(req: ActivityRequest) -> Optional[Review]:
    """The last review round that asked for a revision, or None."""
    return max((r for r in req.reviews if r.outcome == "revision"), key=lambda r: r.round,
               default=None)


def of_review(session, review: Review) -> Findings:
    """The findings of ``review``: every item it did not pass that has a note."""
    failed = {key: (value.get("note") or "").strip()
              for key, value in (review.checklist or {}).items()
              if isinstance(value, dict) and not value.get("ok")}
    failed = {key: note for key, note in failed.items() if note}
    ids = [int(key) for key in failed if key.isdigit()]
    # The items as they are now, active or not: a note stays readable when its item has
    # been switched off since.
    items = {str(item.id): item for item in session.scalars(
        select(ChecklistItem).where(ChecklistItem.id.in_(ids))
        .order_by(ChecklistItem.position, ChecklistItem.id))} if ids else {}
    # An item deleted since: its note still goes back, as a general one.
    gone = [Finding("", note, None) for key, note in failed.items() if key not in items]
    order = {part: n for n, part in enumerate((None, *FORM_PARTS))}
    found = sorted(
        [*(Finding(item.text, failed[key], item.form_part) for key, item in items.items()),
         *gone],
        key=lambda f: order.get(f.form_part, 0))  # stable: the checklist's order within a part
    by_part: dict[Optional[str], list[Finding]] = {}
    for finding in found:
        by_part.setdefault(finding.form_part, []).append(finding)
    notes = (review.notes or "").strip() or None
    return Findings(round=review.round, notes=notes, by_part=by_part)


def last_revision(session, req: ActivityRequest) -> Optional[Findings]:
    """The findings of the last round that asked for a revision, or None when none did."""
    review = last_revision_review(req)
    return of_review(session, review) if review is not None else None
