"""The baseline of the submission benchmark: bare Flask + SQLAlchemy, one INSERT per POST.

    BENCH_BARE_DATABASE_URL=... gunicorn --workers 2 --chdir bench bare_app:app

POST /submit takes the same form body the applicants' form gets (``/portal/requests/new``) and
writes one row into ``bench_bare_request``, a copy of ``activity_request``'s columns without
constraints, triggers or indexes, which bench/run.py makes in the same database before it
starts this server. No login, no CSRF, no validation beyond a missing title, no audit row, no
search index, no outbox: what any web form costs at the least on this machine and engine.
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


@app.get("/")
def index():
    return "ok"
