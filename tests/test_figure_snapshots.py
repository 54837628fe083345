"""Wide dashboards' period figures, kept (issue 27, reports/snapshots.py): the nation's and an
area's figures are counted once and read from figure_snapshot until older than the maximum age;
the overdue list and complaints are counted now on every page; one office's dashboard is never
kept; the kept figures are the counted ones; a payload of another version, or a failure to
keep, costs a count and nothing else; the page says when the figures were counted; the sender
service's refresh (and `flask figures refresh`) counts the nation and every area again."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from app import models as m
from app.reports import figures, snapshots

from conftest import OFFICE_X, seed

TZ = "Asia/Jakarta"
START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
NOW = dt.datetime(2026, 12, 7, 3, 0)


@pytest.fixture
def session(app):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.FigureSnapshot))
        session.commit()
        yield session
        session.execute(sa.delete(m.FigureSnapshot))
        session.commit()
        session.remove()


def _kept(session):
    return session.execute(sa.select(m.FigureSnapshot.key, m.FigureSnapshot.computed_at)
                           ).all()


def test_the_nations_figures_are_kept_until_they_age(app, world, wf, session):
    first = snapshots.figures(session, None, START, END, TZ, now=NOW)
    assert first.computed_at == NOW
    assert first == replace(figures.period_figures(session, None, START, END, TZ),
                            computed_at=NOW)
    assert [k for k, _ in _kept(session)] == [snapshots.key(None, START, END, TZ)]
    total = sum(first.by_state.values())
    seed(session, world, wf, "submitted", due=dt.date(2026, 11, 3))  # overdue now
    # Five minutes on: the kept figures, though a request came in.
    later = snapshots.figures(session, None, START, END, TZ,
                              now=NOW + dt.timedelta(minutes=5))
    assert later.computed_at == NOW and sum(later.by_state.values()) == total
    # The overdue list is counted now all the same.
    page = figures.dashboard(session, None, START, END, today=dt.date(2026, 12, 7), tz=TZ,
                             period=later)
    assert page.figures_at == NOW and page.requests == total
    assert page.overdue_total == figures.overdue_count(session, None, dt.date(2026, 12, 7))
    # Past the maximum age (600 s): counted again and kept again.
    aged = NOW + dt.timedelta(seconds=601)
    again = snapshots.figures(session, None, START, END, TZ, now=aged)
    assert again.computed_at == aged and sum(again.by_state.values()) == total + 1
    assert _kept(session) == [(snapshots.key(None, START, END, TZ), aged)]


def test_one_office_is_counted_for_each_page(app, world, session):
    office = world.offices[OFFICE_X]
    assert snapshots.figures(session, office, START, END, TZ, now=NOW) is None
    page = figures.dashboard(session, office, START, END, tz=TZ)
    assert page.figures_at is None and _kept(session) == []


def test_an_area_is_kept_under_its_offices(app, world, session):
    area = frozenset(world.offices.values())
    kept = snapshots.figures(session, area, START, END, TZ, now=NOW)
    assert kept == snapshots.decode(snapshots.encode(kept), NOW)
    assert kept.by_state == figures.requests_by_state(session, area, START, END, TZ)
    # Another set of offices (the tree changed), another period: other keys.
    assert snapshots.key(area, START, END, TZ) != snapshots.key(
        area - {min(area)}, START, END, TZ)
    assert snapshots.key(area, START, END, TZ) != snapshots.key(
        area, START, dt.date(2026, 6, 30), TZ)


def test_a_foreign_payload_is_counted_again(app, world, session):
    key = snapshots.key(None, START, END, TZ)
    for payload in ('{"v": 0}', "not json", '{"v": 1, "sent": "x"}'):
        session.execute(sa.delete(m.FigureSnapshot))
        session.add(m.FigureSnapshot(key=key, computed_at=NOW, payload=payload))
        session.commit()
        got = snapshots.figures(session, None, START, END, TZ,
                                now=NOW + dt.timedelta(seconds=1))
        assert got.computed_at == NOW + dt.timedelta(seconds=1)
        assert got.by_state == figures.requests_by_state(session, None, START, END, TZ)


def test_a_failure_to_keep_loses_nothing(app, world, session, monkeypatch, caplog):
    def away():
        raise sa.exc.OperationalError("INSERT", {}, Exception("database away"))

    # The snapshot's own transaction fails (the page's, which only reads, goes on).
    monkeypatch.setattr(session.get_bind(), "begin", away)
    got = snapshots.figures(session, None, START, END, TZ, now=NOW)
    monkeypatch.undo()
    assert got.by_state == figures.requests_by_state(session, None, START, END, TZ)
    assert "could not be kept" in caplog.text
    assert _kept(session) == []


def test_the_page_says_when_the_figures_were_counted(app, world, clients):
    """(Pages outside the test's app context: a request inside one would share its ``g``.)"""
    from app.offices.directory import office_scope

    def kept():
        with app.app_context():
            rows = _kept(app.appbuilder.session)
            app.appbuilder.session.remove()
        return rows

    with app.app_context():
        app.appbuilder.session.execute(sa.delete(m.FigureSnapshot))
        app.appbuilder.session.commit()
        office = world.offices[OFFICE_X]
        area = len(office_scope(app.appbuilder.session, office).offices) > 1
        app.appbuilder.session.remove()
    page = clients["admin"].get("/dashboard/").get_data(as_text=True)
    assert 'id="figures-at"' in page
    assert "dihitung ulang paling lama setiap 10 menit" in page
    assert len(kept()) == 1
    # One office chosen: counted for the page, no such line.
    page = clients["admin"].get(f"/dashboard/?office={office}").get_data(as_text=True)
    assert 'id="figures-at"' not in page
    # An officer sees their office's figures counted now, or their area's kept.
    page = clients["officer_x"].get("/dashboard/").get_data(as_text=True)
    assert ('id="figures-at"' in page) == area
    # Kept for less than a minute (0: counted for every page): no "every 0 minutes".
    for seconds in (0, 59):
        app.config["DASHBOARD_FIGURES_MAX_AGE"] = seconds
        try:
            page = clients["admin"].get("/dashboard/").get_data(as_text=True)
        finally:
            app.config["DASHBOARD_FIGURES_MAX_AGE"] = 600
        assert 'id="figures-at"' in page and "Angka periode ini dihitung pada" in page
        assert "setiap 0 menit" not in page and "paling lama" not in page, seconds


def test_refresh_counts_the_nation_and_every_area(app, world, session):
    """A province 1703 with a regency 1704 under it: its area and the nation are kept."""
    from app.core.process_cache import forget_all
    from app.ops.bootstrap import ensure_office

    province = ensure_office("1703", "BPS Provinsi Uji Angka")
    regency = ensure_office("1704", "BPS Kabupaten Uji Angka", parent_id=province.id)
    session.commit()
    forget_all()
    try:
        done = snapshots.refresh(session, today=dt.date(2026, 12, 7), now=NOW, tz=TZ)
        keys = {k for k, _ in _kept(session)}
        area = frozenset({province.id, regency.id})
        assert snapshots.key(None, START, END, TZ) in keys
        assert snapshots.key(area, START, END, TZ) in keys
        assert len(keys) == done
        kept = snapshots.figures(session, area, START, END, TZ,
                                 now=NOW + dt.timedelta(seconds=5))
        assert kept.computed_at == NOW  # the page reads what the refresh counted
    finally:
        session.execute(sa.update(m.Office).where(m.Office.id == regency.id)
                        .values(parent_id=None))
        session.commit()
        forget_all()


def test_the_command_refreshes(app, world, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["figures", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Dashboard figures counted" in result.output or "Angka dasbor" in result.output
    assert _kept(session)
