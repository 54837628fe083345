"""`flask seed-demo --national` (issue 27, app/ops/demo_national/): BPS's office tree and
requests spread over it, on a database of its own (both engines, 2 000 requests)."""
from __future__ import annotations

import re
from collections import Counter

import pytest
import sqlalchemy as sa

from app import create_app
from app import models as m
from app.ops.demo_national import PROVINCES

from conftest import app_config, database_url, is_postgres

N = 2000
SEED = 7
DEMO_PASSWORD = "demo-nasional-123"


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """An app on its own database, migrated, filled by the CLI command."""
    if is_postgres():
        base = sa.engine.make_url(database_url())
        name = f"{base.database}_national"
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('national') / 'national.db'}"
    from app.ops.bootstrap import bootstrap

    app = create_app({**app_config(url), "DEMO_PASSWORD": DEMO_PASSWORD})
    with app.app_context():
        bootstrap()
    result = app.test_cli_runner().invoke(
        args=["seed-demo", "--national", "--requests", str(N), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    assert f"activity_request: {N}" in result.output
    yield app
    with app.app_context():
        app.appbuilder.session.remove()
        app.extensions["sqlalchemy"].engine.dispose()
    if is_postgres():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def session(national):
    with national.app_context():
        yield national.appbuilder.session
        national.appbuilder.session.rollback()


def test_the_office_tree_has_bps_codes_and_parents(session):
    offices = {o.code: o for o in session.scalars(sa.select(m.Office))}
    by_id = {o.id: o for o in offices.values()}
    assert len(offices) == 1 + 38 + 514
    hq = offices["0000"]
    assert hq.parent_id is None
    provinces = [o for o in offices.values() if o.code != "0000" and o.code.endswith("00")]
    assert sorted(o.code for o in provinces) == sorted(f"{c}00" for c, *_ in PROVINCES)
    assert {"1100", "1600", "3100", "9400", "9700"} <= {o.code for o in provinces}
    assert all(by_id[o.parent_id] is hq for o in provinces)
    assert offices["1100"].name == "BPS Provinsi Aceh"
    assert offices["9400"].name == "BPS Provinsi Papua"
    regencies = [o for o in offices.values() if not o.code.endswith("00")]
    assert len(regencies) == 514
    for o in regencies:
        assert re.fullmatch(r"\d{4}", o.code)
        assert by_id[o.parent_id].code == o.code[:2] + "00", o.code
        city = int(o.code[2:]) >= 71
        assert o.name.startswith("BPS Kota " if city else "BPS Kabupaten "), (o.code, o.name)
    assert sum(int(o.code[2:]) >= 71 for o in regencies) == 98
    # The default office is kept as it was, linked into the tree.
    assert offices["1674"].name == "BPS Kota Lubuklinggau"


def test_every_office_is_set_up_and_staffed(session):
    offices = set(session.scalars(sa.select(m.Office.id)))
    assert set(session.scalars(sa.select(m.OfficeSetting.office_id))) == offices
    items = Counter(session.scalars(sa.select(m.ChecklistItem.office_id)))
    assert set(items) == offices and set(items.values()) == {9}
    users = {u.username: u for u in session.scalars(sa.select(m.RekomUser).where(
        m.RekomUser.username.like("petugas%") | m.RekomUser.username.like("kepala%")))}
    for code, office_id in session.execute(sa.select(m.Office.code, m.Office.id)):
        assert users[f"petugas{code}"].office_id == office_id
        assert [r.name for r in users[f"petugas{code}"].roles] == ["Officer"]
        assert [r.name for r in users[f"kepala{code}"].roles] == ["Head"]


def test_requests_are_skewed_over_offices_and_grow_over_the_years(session):
    per_office = sorted(session.scalars(sa.select(sa.func.count()).select_from(
        m.ActivityRequest).group_by(m.ActivityRequest.office_id)), reverse=True)
    assert sum(per_office) == N
    top = sum(per_office[:55])  # a tenth of the offices
    assert top > 0.4 * N, per_office[:20]
    assert per_office[0] < 0.3 * N
    assert len(per_office) > 200  # and a long tail
    years = Counter(c.year for c in session.scalars(sa.select(m.ActivityRequest.created_at)))
    assert set(years) >= set(range(2019, 2026))
    assert years[2025] > 1.5 * years[2019]


def test_letter_numbers_are_unique_and_gapless_per_office_and_year(session):
    rows = session.execute(sa.select(m.Letter.office_id, m.Letter.year, m.Letter.sequence,
                                     m.Letter.number, m.Office.code)
                           .join(m.Office, m.Office.id == m.Letter.office_id)
                           .where(m.Letter.sequence.is_not(None))).all()
    assert len(rows) > N / 2
    seqs: dict = {}
    for office_id, year, seq, number, code in rows:
        seqs.setdefault((office_id, year), []).append(seq)
        assert number == f"B-{seq}/{code}0/VS.300/{year}"
    for key, found in seqs.items():
        assert sorted(found) == list(range(1, len(found) + 1)), key
    counters = {(c.office_id, c.year): c.last_sequence
                for c in session.scalars(sa.select(m.LetterCounter))}
    assert counters == {key: len(found) for key, found in seqs.items()}


def test_states_match_the_trail(session):
    from app.offices.workdays import local_date, office_timezone, office_today

    reqs = session.scalars(sa.select(m.ActivityRequest)).all()
    letters = {le.request_id: le for le in session.scalars(sa.select(m.Letter))}
    # The demo ends yesterday on the office's calendar (WIB), not the machine's: between
    # 17:00 and 24:00 UTC the two disagree on which day it is.
    tz = office_timezone()
    today = office_today()
    recent_states = set()
    for r in reqs:
        letter = letters.get(r.id)
        if r.state in ("issued", "sent", "closed"):
            assert letter is not None and letter.issued_at is not None, r.id
            assert r.recommendation_code
        if r.state in ("sent", "closed"):
            assert r.sent_at and letter.sent_at
        if r.state == "closed":
            assert r.closed_at and r.closed_at >= r.sent_at
        if r.state == "letter_drafted":
            assert letter is not None and letter.issued_at is None
        if r.state == "draft":
            assert r.submitted_at is None and letter is None
        else:
            assert r.submitted_at and r.due_date
        if r.state == "revision_requested":
            assert r.clock_paused_at
        age = (today - local_date(r.created_at, tz)).days
        if age > 120:
            assert r.state in ("closed", "sent", "withdrawn", "draft", "revision_requested")
        elif age < 60:
            recent_states.add(r.state)
        assert local_date(r.updated_at, tz) < today
    assert len(recent_states) >= 6, recent_states
    events = Counter(session.scalars(sa.select(m.AuditEvent.object_id).where(
        m.AuditEvent.object_type == "activity_request")))
    assert set(events) == {r.id for r in reqs}
    assert session.scalar(sa.select(sa.func.count(m.Rating.id))) > 0
    assert session.scalar(sa.select(sa.func.count(m.Complaint.id))) > 0
    assert session.scalar(sa.select(sa.func.count(m.Review.id))) > 0


def test_the_catalogue_finds_a_generated_recommended_activity(session):
    from app.catalogue import search

    req = session.scalars(
        sa.select(m.ActivityRequest).join(m.Letter).where(
            m.ActivityRequest.state == "closed", m.Letter.issued_at.is_not(None))
        .order_by(m.ActivityRequest.id.desc()).limit(1)).one()
    words = " ".join(req.title.split()[:3] + [req.agency_name.split()[-1]])
    hits = search.search(session, words, per_page=100)
    assert req.id in {h.request_id for h in hits.items}, (words, hits.total)
    draft = session.scalars(sa.select(m.ActivityRequest).where(
        m.ActivityRequest.state == "draft").limit(1)).one()
    assert draft.id not in {h.request_id for h in search.search(
        session, draft.title, per_page=100).items}


def test_an_officer_of_a_regency_and_an_applicant_open_their_pages(national):
    with national.app_context():
        session = national.appbuilder.session
        code, office_id = session.execute(
            sa.select(m.Office.code, m.Office.id).join(
                m.ActivityRequest, m.ActivityRequest.office_id == m.Office.id)
            .where(~m.Office.code.endswith("00"))
            .group_by(m.Office.code, m.Office.id)
            .order_by(sa.func.count().desc()).limit(1)).one()
        req = session.scalars(sa.select(m.ActivityRequest).where(
            m.ActivityRequest.office_id == office_id, m.ActivityRequest.state == "closed")
            .limit(1)).one()
        req_id, tracking, applicant = req.id, req.tracking_code, req.applicant.username
        session.remove()
    officer = national.test_client()
    assert officer.post("/login/", data={"username": f"petugas{code}",
                                         "password": DEMO_PASSWORD}).status_code == 302
    page = officer.get("/activityrequestview/list/")
    assert page.status_code == 200
    assert officer.get(f"/activityrequestview/show/{req_id}").status_code == 200
    listed = officer.get("/activityrequestview/list/?_flt_0_tracking_code=" + tracking)
    assert listed.status_code == 200
    person = national.test_client()
    assert person.post("/login/", data={"username": applicant,
                                        "password": DEMO_PASSWORD}).status_code == 302
    assert person.get("/portal/").status_code == 200
    assert person.get(f"/portal/requests/{req_id}").status_code == 200


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's planner statistics")
def test_while_the_tables_fill_a_request_is_found_by_its_key(monkeypatch, scratch_url):
    """The search refresh finds each recommended request by ``id``; with the tables taken for
    empty the planner did it through a full scan of another index, once per request, and a
    million-request seed grew with the square of its size. After every chunk the plan of that
    lookup must use the primary key."""
    import app.ops.demo_national as national
    from app.ops.bootstrap import bootstrap

    app = create_app({**app_config(scratch_url), "DEMO_PASSWORD": DEMO_PASSWORD})
    real_write, plans = national._write, []

    def write_then_plan(ctx, rows, recommended):
        real_write(ctx, rows, recommended)
        plans.append(None)  # this chunk's plan is read after its statistics, below

    real_refresh = national._refresh_statistics

    def refresh_then_plan(ctx, chunks_written):
        real_refresh(ctx, chunks_written)
        plans[-1] = "\n".join(ctx.session.scalars(sa.text(
            "EXPLAIN SELECT r.title FROM activity_request r JOIN letter l ON l.request_id = r.id "
            "WHERE r.id = 1 AND l.issued_at IS NOT NULL")))
        ctx.session.rollback()

    monkeypatch.setattr(national, "_write", write_then_plan)
    monkeypatch.setattr(national, "_refresh_statistics", refresh_then_plan)
    with app.app_context():
        bootstrap()
        national.generate_national(n_requests=600, seed=SEED, chunk=100)
        app.appbuilder.session.remove()
        app.extensions["sqlalchemy"].engine.dispose()
    assert len(plans) == 6
    for n, plan in enumerate(plans, start=1):
        assert "activity_request_pkey" in plan, f"after chunk {n}:\n{plan}"
