"""Letter numbers: unique, consecutive and gapless per office per year, even when issued at
once."""
import multiprocessing as mp

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import models as m
from app.letters.document import allocate_sequence, format_number

from conftest import app_config, database_url, is_postgres, seed


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


def _head_issues(args):
    """A separate process, app and connection: the head signs one drafted letter."""
    import datetime as dt

    from app import create_app
    from app.requests import workflow

    url, req_id, head_id, barrier = args
    app = create_app(app_config(url))
    with app.app_context():
        session = app.appbuilder.session
        head = session.get(m.RekomUser, head_id)
        barrier.wait(timeout=60)
        outcome = workflow.apply(session, req_id, "issue", head, today=dt.date(2036, 2, 3))
        letter = outcome.request.letter
        return outcome.to_state, letter.sequence, letter.number, letter.sha256


@pytest.mark.skipif(not is_postgres(), reason="row locking across processes: PostgreSQL")
def test_eight_heads_issuing_at_once_through_the_workflow(app, world, wf):
    """The whole issue step (number, PDF, hash, state) in 8 processes at the same moment."""
    with app.app_context():
        session = app.appbuilder.session
        req_ids = [seed(session, world, wf, "letter_drafted") for _ in range(8)]
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(8)
        with ctx.Pool(8) as pool:
            results = pool.map(_head_issues, [
                (database_url(), req_id, wf["head_x"], barrier) for req_id in req_ids])
    assert {state for state, *_ in results} == {"issued"}
    assert sorted(seq for _, seq, _, _ in results) == list(range(1, 9))
    assert sorted(number for _, _, number, _ in results) == sorted(
        f"B-{i}/16740/VS.300/2036" for i in range(1, 9))
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        for req_id in req_ids:
            letter = session.get(m.ActivityRequest, req_id).letter
            assert letter.issued_at is not None and len(letter.pdf) > 1000
