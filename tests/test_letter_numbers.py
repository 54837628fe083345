"""Letter numbers: unique, consecutive and gapless per office per year, even when issued at once."""
import multiprocessing as mp

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import models as m
from app.letters import allocate_sequence, format_number
from conftest import database_url, is_postgres


def test_format_number_matches_bps_form():
    pattern = "B-{seq}/{office_code}0/{classification}/{year}"
    assert format_number(pattern, 123, "1674", "VS.300", 2024) == "B-123/16740/VS.300/2024"


def test_sequences_per_office_and_year_and_rollback_gives_the_number_back(app, world):
    x, y = world.offices["1674"], world.offices["1671"]
    with app.app_context():
        session = app.appbuilder.session
        assert allocate_sequence(session, x, 2031) == 1
        assert allocate_sequence(session, x, 2031) == 2
        assert allocate_sequence(session, y, 2031) == 1  # each office counts its own
        assert allocate_sequence(session, x, 2032) == 1  # and each year starts again
        session.commit()
        assert allocate_sequence(session, x, 2031) == 3
        session.rollback()  # the issue failed half-way: no number is used up
        assert allocate_sequence(session, x, 2031) == 3
        session.commit()


def _issue_one(args):
    url, office_id, year, barrier = args
    engine = sa.create_engine(url)
    try:
        barrier.wait(timeout=30)  # all processes ask at the same moment
        with Session(engine) as session, session.begin():
            seq = allocate_sequence(session, office_id, year)
            # Hold the transaction a little, as a real issue (PDF, outbox) would.
            session.execute(sa.text("SELECT pg_sleep(0.05)"))
        return seq
    finally:
        engine.dispose()


@pytest.mark.skipif(not is_postgres(), reason="row locking across processes: PostgreSQL")
def test_eight_processes_issuing_at_once_get_eight_consecutive_numbers(app, world):
    office_id = world.offices["1674"]
    year = 2033
    with app.app_context():
        session = app.appbuilder.session
        first = allocate_sequence(session, office_id, year)
        session.commit()
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(8)
        with ctx.Pool(8) as pool:
            numbers = pool.map(_issue_one, [(database_url(), office_id, year, barrier)] * 8)
    assert sorted(numbers) == list(range(first + 1, first + 9))
    with app.app_context():
        counter = app.appbuilder.session.get(m.LetterCounter, (office_id, year))
        assert counter.last_sequence == first + 8
