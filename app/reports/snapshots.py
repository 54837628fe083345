"""Wide dashboards' period figures, kept (issue 27).

An area's dashboard (a province and the offices under it) or the nation's counts its period
figures — requests by state, received and issued per month, letters sent with their working
days, the IKM sums — over tens or hundreds of thousands of rows: at a million requests over 550
offices that took seconds a page (bench/README.md, "National scale"). They are counted once per
coverage and period and kept in ``figure_snapshot``, shared by every worker, until older than
``DASHBOARD_FIGURES_MAX_AGE`` seconds (default 600); the page says when they were counted. The
outbox sender service counts the usual ones again every ``DASHBOARD_FIGURES_EVERY`` seconds
(``refresh``), so a reader rarely waits for them. One office's dashboard is still counted for
each page (its figures are small), and every dashboard counts its overdue list and complaints
now: those are what someone acts on.

Kept figures are aggregates only: nothing personal, nothing a coverage's reader may not see.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import replace
from typing import Optional

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.models import FigureSnapshot, Office
from app.offices import workdays
from app.offices.directory import office_scope
from app.reports.figures import PeriodFigures, period_figures

log = logging.getLogger(__name__)

VERSION = 1  # of the payload: a kept payload of another version is counted again
DEFAULT_MAX_AGE = 600


def max_age() -> dt.timedelta:
    return dt.timedelta(seconds=int(current_app.config.get("DASHBOARD_FIGURES_MAX_AGE",
                                                           DEFAULT_MAX_AGE)))


def key(offices, start: dt.date, end: dt.date, tz: str) -> str:
    """The snapshot's key: the coverage (every office, or a set of them by a hash of their
    ids: a province's area changes with the tree), the period and the zone."""
    if offices is None:
        scope = "all"
    else:
        ids = ",".join(str(i) for i in sorted(offices))
        scope = "area-" + hashlib.sha256(ids.encode()).hexdigest()[:24]
    return f"dash{VERSION}:{scope}:{start.isoformat()}:{end.isoformat()}:{tz}"


def encode(period: PeriodFigures) -> str:
    return json.dumps({
        "v": VERSION, "by_state": period.by_state, "received": list(period.received),
        "issued": list(period.issued), "sent": period.sent, "on_time": period.on_time,
        "late": period.late, "days": [[d, n] for d, n in sorted(period.days.items())],
        "ratings": period.ratings, "rating_sums": list(period.rating_sums),
    }, separators=(",", ":"))


def decode(payload: str, computed_at: dt.datetime) -> Optional[PeriodFigures]:
    """The kept figures, or None when the payload is not one this version wrote."""
    try:
        data = json.loads(payload)
        if data.get("v") != VERSION:
            return None
        return PeriodFigures(
            by_state={str(k): int(v) for k, v in data["by_state"].items()},
            received=tuple(int(x) for x in data["received"]),
            issued=tuple(int(x) for x in data["issued"]),
            sent=int(data["sent"]), on_time=int(data["on_time"]), late=int(data["late"]),
            days={int(d): int(n) for d, n in data["days"]},
            ratings=int(data["ratings"]),
            rating_sums=tuple(int(x) for x in data["rating_sums"]),
            computed_at=computed_at)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def figures(session, offices, start: dt.date, end: dt.date, tz: str, *,
            now: Optional[dt.datetime] = None) -> Optional[PeriodFigures]:
    """A wide coverage's period figures: kept ones younger than ``max_age``, else counted now
    and kept. None for one office (``dashboard`` counts them for the page)."""
    if isinstance(offices, int):
        return None
    now = now or workdays.utcnow()
    snapshot_key = key(offices, start, end, tz)
    row = session.execute(select(FigureSnapshot.computed_at, FigureSnapshot.payload)
                          .where(FigureSnapshot.key == snapshot_key)).one_or_none()
    if row is not None and now - row.computed_at < max_age():
        kept = decode(row.payload, row.computed_at)
        if kept is not None:
            return kept
    return store(session, snapshot_key, period_figures(session, offices, start, end, tz), now)


def store(session, snapshot_key: str, period: PeriodFigures, now: dt.datetime) -> PeriodFigures:
    """Keep ``period`` under ``snapshot_key`` (insert or replace), in a transaction of its own:
    the page's own transaction only reads and is left as it is. Two workers counting the same
    figures at once both write; the later one stays. A failure to keep is logged, not shown:
    the page has its figures."""
    engine = session.get_bind()
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)
    values = {"key": snapshot_key, "computed_at": now, "payload": encode(period)}
    statement = insert(FigureSnapshot.__table__).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"computed_at": statement.excluded.computed_at,
              "payload": statement.excluded.payload})
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except Exception:  # the figures are shown all the same; the next page tries again
        log.exception("dashboard figures could not be kept (%s)", snapshot_key)
    return replace(period, computed_at=now)


def usual_periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The periods the dashboard opens on (its default: this calendar year)."""
    return [(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))]


def refresh(session, *, today: Optional[dt.date] = None, now: Optional[dt.datetime] = None,
            tz: Optional[str] = None) -> int:
    """Count and keep the usual wide figures again: every office's, and each area's (every
    office with offices under it), for the periods the dashboard opens on. Returns how many
    were kept. Run by the outbox sender service; ``flask figures refresh`` runs it once."""
    today = today or workdays.office_today()
    now = now or workdays.utcnow()
    tz = tz or workdays.office_timezone()
    parents = set(session.scalars(select(Office.parent_id).where(Office.parent_id.isnot(None))
                                  .distinct()))
    coverages: list = [None]
    for parent in sorted(parents):
        scope = office_scope(session, parent)
        if not scope.everything:
            coverages.append(frozenset(scope.offices))
    done = 0
    for start, end in usual_periods(today):
        for offices in coverages:
            store(session, key(offices, start, end, tz),
                  period_figures(session, offices, start, end, tz), now)
            done += 1
    session.rollback()  # what it read: nothing to keep open
    return done
