"""Letters: numbering (this step), then the letter text, PDF and QR code (workflow issue).

Numbers are unique and gapless per office per year. The counter row is bumped with a single
``UPDATE … SET last_sequence = last_sequence + 1 … RETURNING``: on PostgreSQL that takes the
row lock until the caller's transaction ends, so concurrent issuers queue and a rolled-back
issue gives its number back; SQLite serialises writers. The caller commits the number in the
same transaction as the state change.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .models import LetterCounter

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def allocate_sequence(session, office_id: int, year: int) -> int:
    """The next letter sequence of an office's year, inside the caller's transaction."""
    dialect = session.get_bind().dialect.name
    insert = _INSERTS[dialect]
    # The year's first letter: create the counter; a concurrent creator's row wins quietly.
    session.execute(
        insert(LetterCounter)
        .values(office_id=office_id, year=year, last_sequence=0)
        .on_conflict_do_nothing(index_elements=["office_id", "year"])
    )
    return session.execute(
        update(LetterCounter)
        .where(LetterCounter.office_id == office_id, LetterCounter.year == year)
        .values(last_sequence=LetterCounter.last_sequence + 1)
        .returning(LetterCounter.last_sequence)
    ).scalar_one()


def format_number(pattern: str, seq: int, office_code: str, classification: str, year: int) -> str:
    """E.g. ``B-{seq}/{office_code}0/{classification}/{year}`` → ``B-123/16740/VS.300/2024``."""
    return pattern.format(seq=seq, office_code=office_code, classification=classification, year=year)
