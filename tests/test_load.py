"""Load: two gunicorn servers with two workers each on one PostgreSQL, officers drafting,
the head signing and sending, applicants submitting, for a bounded time (bench/load.py).

Asserts what must hold whatever the machine's speed: no error answer, no letter number twice
or skipped, nothing answered as done but missing, nothing half-way. Latency is printed, not
asserted (bench/README.md keeps the figures).
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from conftest import database_url, is_postgres

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


@pytest.mark.skipif(not is_postgres(), reason="several app servers share one PostgreSQL")
@pytest.mark.skipif(shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None,
                    reason="gunicorn not installed")
def test_two_servers_under_load_answer_everything_and_lose_nothing(capsys):
    import load
    import sqlalchemy as sa

    url = sa.engine.make_url(database_url())
    target = url.set(database=f"{url.database}_load").render_as_string(hide_password=False)
    result = load.run(duration=6, n_servers=2, workers=2, n_requests=800,
                      database_url=target.replace("postgresql+psycopg://", "postgresql://"))
    with capsys.disabled():
        print("\nload:", json.dumps({k: result[k] for k in (
            "http_requests", "requests_per_s", "p50_ms", "p95_ms", "errors", "duplicates",
            "gaps", "lost", "stuck", "done")}))
    assert result["errors"] == 0, result["first_errors"]
    assert (result["duplicates"], result["gaps"], result["lost"], result["stuck"]) == (0, 0, 0, 0)
    assert (result["submitted_twice"], result["submitted_not_whole"]) == (0, 0)
    # The run did real work of every kind it claims to have survived.
    assert result["done"]["issued"] > 0 and result["done"]["submitted"] > 0
    assert result["done"]["sent"] > 0
