"""National demo data (issue 27): BPS's office tree and up to millions of requests over it.

``generate_national(n, seed)`` builds what a national installation holds:

* the office tree: BPS RI (code ``0000``), the 38 provinces with their BPS codes (``pp00``) and
  names, and 514 regencies/cities under them with BPS-pattern codes (regencies ``pp01``…,
  cities from ``pp71``) and generated names; ``parent_id`` regency → province → headquarters.
  An office that exists already (the default one, ``1674``, and its parent ``1600``) is kept
  as it is and only linked into the tree. Each office gets its settings row and the default
  review checklist (as offices.directory.set_up_office gives them), in a few batched inserts;
* one officer (``petugas<code>``) and one head (``kepala<code>``) per office, all with one
  password hash computed once (DEMO_PASSWORD);
* a pool of applicants (one in 50 requests, at least one per office), each at an office;
* ``n`` requests spread over the offices by a Zipf-like weight (a few large offices, a long
  tail) and over the working days of 2019 to yesterday with ~25 % growth a year; their state
  follows their age (old ones closed, sent or withdrawn, recent ones in every state), with
  their variables, review rounds, letters (numbered per office and year in the order they were
  signed, gapless, continuing the counters), ratings, complaints and audit trail.

Rows are written in chunks of CHUNK requests, one transaction each: ``COPY`` on PostgreSQL
(psycopg's ``cursor.copy``), executemany Core inserts on SQLite. Ids are assigned here (from the
tables' current maxima; the sequences are moved past them at the end), so nothing is read back:
**run it on a database nobody else writes to meanwhile**. Memory: one chunk's rows, the
applicant pool, and three numbers per request (the sorted creation times and the letter
sequences: ~30 MB at a million).

The catalogue: on both engines the search index is kept by database triggers (migrations
0003/0005/0012). SQLite's fire on these inserts as on any. PostgreSQL's fire on ``COPY`` too
(row triggers do), but a request's document would then be rebuilt once per request, once per
variable and once per letter; when the role may (a superuser), each chunk runs with
``SET LOCAL session_replication_role = replica`` (triggers, foreign-key checks included, off
for this transaction only) and then calls the triggers' own ``rekomstat_search_refresh`` once
per recommended request of the chunk. Otherwise the triggers do it, slower, with the same
result. PostgreSQL's statistics of the tables are gathered as they fill (after the 1st, 2nd,
4th… chunk), so that the planner does not take them for empty.

Repeatable for a seed and a day, except what must stay unguessable (tracking codes' key,
verification tokens). E-mail addresses use reserved example domains.

The package, by responsibility (its modules import one another's ``_`` names: private to it):

* ``tree``: BPS's office tree, the offices' rows, settings and checklists, their agencies and
  weights;
* ``accounts``: the officers, heads and the applicant pool;
* ``generate``: each request's skeleton (office, state, timeline), the letters' numbering and
  the replay into rows: the form, variables, reviews, letter, rating, complaint and trail;
* ``writers``: the tables' columns, one chunk's ``COPY`` / Core inserts with the search index,
  and the counters and sequences at the end.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from array import array
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.models import ActivityRequest, Complaint
from app.offices import workdays
from app.ops.demo_national.accounts import _applicants, _password_hash, _staff
from app.ops.demo_national.generate import (
    _TRACKING_SPACE,
    _build,
    _creation_times,
    _Ctx,
    _number_letters,
    _weekdays,
)
from app.ops.demo_national.tree import (
    HQ_CODE,
    HQ_NAME,
    PROVINCES,
    _agencies,
    _cumulative,
    _offices,
    office_tree,
    office_weights,
)
from app.ops.demo_national.writers import (
    TABLES,
    _finish,
    _max_ids,
    _may_skip_triggers,
    _refresh_statistics,
    _write,
)

__all__ = ["CHUNK", "HQ_CODE", "HQ_NAME", "PROVINCES", "generate_national", "office_tree",
           "office_weights"]

CHUNK = 2000  # requests per transaction
APPLICANTS_PER = 50  # one applicant account per this many requests

_COUNTED = ("office", "office_setting", "checklist_item", "ab_user", "activity_request",
            "request_variable", "review", "letter", "letter_counter", "rating", "complaint",
            "audit_event")


def generate_national(n_requests: int = 5000, seed: int = 1674, *,
                      today: dt.date | None = None, chunk: int = CHUNK,
                      progress=None) -> dict:
    """Fill the national demo; returns rows made per table, the seconds it took and the
    largest offices (code, requests)."""
    started = time.perf_counter()
    session = current_app.appbuilder.session
    session.commit()
    cfg = current_app.config
    tz = ZoneInfo(cfg.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta")
    today = today or dt.datetime.now(tz).date()
    last_day = today - dt.timedelta(days=1)
    counts = dict.fromkeys(_COUNTED, 0)

    offices = _offices(session, counts)
    hashed = _password_hash()
    _staff(session, offices, hashed, counts)
    weights = office_weights(offices, seed)
    cum = list(_cumulative(weights))
    pool = _applicants(session, offices, weights, max(len(offices), n_requests // APPLICANTS_PER),
                       seed, hashed, counts)
    for o in offices:
        if not o.agencies:
            o.agencies = _agencies(random.Random(f"{seed}-{o.code}"), o)

    r = random.Random(seed)
    days = _weekdays(last_day)
    created = _creation_times(r, n_requests, last_day)
    last_end = dt.datetime.combine(last_day, dt.time(23, 59))
    dialect = session.get_bind().dialect.name
    ctx = _Ctx(
        session=session, pg=dialect == "postgresql", trigger_free=False, offices=offices,
        cum=cum, pool=pool, seed=seed,
        tz_offset=tz.utcoffset(dt.datetime.combine(today, dt.time(12))), last_end=last_end,
        calendar=workdays.office_calendar(session, None), ids=_max_ids(session),
        seqs=array("l", bytes(8 * n_requests)) if n_requests else array("l"),
        code_key=(secrets.randbelow(_TRACKING_SPACE // 31) * 31 + 1,
                  secrets.randbelow(_TRACKING_SPACE)),
        used_codes=set(session.scalars(select(ActivityRequest.tracking_code)))
        | set(session.scalars(select(Complaint.tracking_code))))
    ctx.trigger_free = ctx.pg and _may_skip_triggers(session)
    finals = _number_letters(ctx, days, created, counts)
    per_office = [0] * len(offices)
    for start in range(0, n_requests, chunk):
        rows = {t.name: [] for t, _, _ in TABLES}
        recommended = []
        for idx in range(start, min(start + chunk, n_requests)):
            office = _build(ctx, idx, days, created[idx], rows, recommended)
            per_office[office] += 1
        _write(ctx, rows, recommended)
        _refresh_statistics(ctx, start // chunk + 1)
        for t, _, _ in TABLES:
            counts[t.name] += len(rows[t.name])
        if progress:
            progress(min(start + chunk, n_requests), n_requests, time.perf_counter() - started)
    _finish(ctx, finals, counts)
    largest = sorted(range(len(offices)), key=lambda i: -per_office[i])[:5]
    return {"counts": counts, "seconds": round(time.perf_counter() - started, 1),
            "largest": [(offices[i].code, per_office[i]) for i in largest],
            "search_triggers": "refreshed per chunk" if ctx.trigger_free else "fired per row"}

