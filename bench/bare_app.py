"""The baselines of the submission benchmark: bare Flask + SQLAlchemy Core, no login.

    BENCH_BARE_DATABASE_URL=... BENCH_BARE_APPLICANT_ID=... \
        gunicorn --workers 2 --chdir bench bare_app:app

Both take the same form body the applicants' form gets (``/portal/requests/new``):

``POST /submit``
    one INSERT into ``bench_bare_request``, a copy of ``activity_request``'s columns without
    constraints, triggers or indexes, which bench/run.py makes in the same database before it
    starts this server. No CSRF, no validation beyond a missing title, no audit row, no search
    index, no outbox: what any web form costs at the least on this machine and engine.
``POST /submit-same-writes``
    the rows a submission is made of, written the bare way in one transaction: the request
    (``activity_request`` itself, so its constraints, indexes and search-index triggers run),
    its variables, the two audit events (create, submit) and the outbox rows (the applicant
    and each officer of the office, found with one SELECT). What the stack adds on top of the
    domain's own writes — login, CSRF, WTForms, the ORM, the workflow's checks, the calendar,
    the mail templates — is the difference between this and the real form.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets

import sqlalchemy as sa
from flask import Flask, redirect, request

TABLE = "bench_bare_request"

app = Flask(__name__)
engine = sa.create_engine(os.environ["BENCH_BARE_DATABASE_URL"], pool_pre_ping=True)
table = sa.Table(TABLE, sa.MetaData(), autoload_with=engine)
# The form's fields that are columns of the table, as the real form saves them.
FIELDS = [c.name for c in table.columns
          if c.name not in ("id", "tracking_code", "state", "channel", "applicant_id")]
DATES = {c.name for c in table.columns if isinstance(c.type, sa.Date)}
INTS = {c.name for c in table.columns if isinstance(c.type, sa.Integer)}


def _value(name: str, raw: str):
    if raw == "":
        return None
    if name in DATES:
        return dt.date.fromisoformat(raw)
    if name in INTS:
        return int(raw)
    return raw


@app.post("/submit")
def submit():
    form = request.form
    if not form.get("title"):
        return "title missing", 422
    row = {name: _value(name, form[name]) for name in FIELDS if name in form}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row.update(tracking_code="RKS-" + secrets.token_hex(5).upper(), state="submitted",
               channel="online", created_at=now, submitted_at=now)
    with engine.begin() as conn:
        new_id = conn.execute(sa.insert(table).values(**row).returning(table.c.id)).scalar()
    return redirect(f"/submit/{new_id}")


_meta = sa.MetaData()
REQUEST, VARIABLE, AUDIT, OUTBOX = (
    sa.Table(name, _meta, autoload_with=engine)
    for name in ("activity_request", "request_variable", "audit_event", "outbound_email"))
REQUEST_FIELDS = [c.name for c in REQUEST.columns if c.name in FIELDS]
VARIABLE_FIELDS = ("name", "concept", "definition", "reference_period", "questionnaire_item")
OFFICERS = sa.text(
    "SELECT u.email FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
    "JOIN ab_role r ON r.id = ur.role_id WHERE r.name = 'Officer' AND u.active "
    "AND u.office_id = :office AND u.email IS NOT NULL ORDER BY u.id")
APPLICANT_ID = int(os.environ.get("BENCH_BARE_APPLICANT_ID", "0") or 0)
APPLICANT_EMAIL = os.environ.get("BENCH_BARE_APPLICANT_EMAIL", "applicant@example.org")


@app.post("/submit-same-writes")
def submit_same_writes():
    form = request.form
    if not form.get("title") or not form.get("office_id", "").isdigit():
        return "title or office missing", 422
    office_id = int(form["office_id"])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = {name: _value(name, form[name]) for name in REQUEST_FIELDS if name in form}
    row.update(tracking_code="BRE-" + secrets.token_hex(5).upper(), office_id=office_id,
               applicant_id=APPLICANT_ID, channel="online", state="submitted",
               created_at=now, updated_at=now, submitted_at=now, complete_at=now,
               due_date=now.date() + dt.timedelta(days=42))
    variables = []
    for i in range(100):
        name = form.get(f"variables-{i}-name")
        if name:
            variables.append({f: form.get(f"variables-{i}-{f}") or None for f in VARIABLE_FIELDS})
    with engine.begin() as conn:
        new_id = conn.execute(sa.insert(REQUEST).values(**row).returning(REQUEST.c.id)).scalar()
        if variables:
            conn.execute(sa.insert(VARIABLE), [dict(v, request_id=new_id, position=n)
                                               for n, v in enumerate(variables, start=1)])
        conn.execute(sa.insert(AUDIT), [
            dict(at=now, actor_id=APPLICANT_ID, office_id=office_id,
                 object_type="activity_request", object_id=new_id, action=action,
                 from_state=before, to_state=after)
            for action, before, after in (("create", None, "draft"),
                                          ("submit", "draft", "submitted"))])
        recipients = [APPLICANT_EMAIL] + list(conn.execute(OFFICERS, {"office": office_id})
                                              .scalars())
        conn.execute(sa.insert(OUTBOX), [
            dict(office_id=office_id, created_at=now, recipient=to, state="pending",
                 subject=f"Permintaan {row['tracking_code']}", attempts=0,
                 body_text=f"{row['title']}\n{row['tracking_code']}\n{row['due_date']}",
                 body_html=f"<p>{row['title']}</p>", next_attempt_at=now)
            for to in recipients])
    return redirect(f"/submit/{new_id}")


@app.get("/")
def index():
    return "ok"
