"""dashboard: the officer's service dashboard, reported (the issue sets it no target)."""
from __future__ import annotations

import time

from harness import EFFORT, SqlCounter, check, interleaved, log_in, ms_stats


def bench_dashboard(app, counter: SqlCounter, effort: dict) -> dict:
    """The officer's service dashboard (its default period), reported: the issue sets it no
    target. Next to it, the share of its time spent in the database driver, and the letters
    sent in the period, the rows its slowest figure (working days to letter) goes through."""
    import sqlalchemy as sa

    client = app.test_client()
    log_in(client, "petugas1")

    def get():
        answer = client.get("/dashboard/")
        if answer.status_code != 200:
            raise RuntimeError(f"GET /dashboard/: {answer.status_code}")

    get()
    driver = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def before(conn, *args):
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn, *args):
        driver.append(time.perf_counter() - conn.info.pop("bench_t0"))

    sql = counter.run(get)
    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        get()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    in_driver_ms = sum(driver) * 1000
    samples = interleaved({"dashboard": get}, 2 if effort is EFFORT["smoke"] else 5,
                          5 if effort is EFFORT["smoke"] else 30,
                          1.0 if effort is EFFORT["smoke"] else 8.0, 1)["dashboard"]
    timings = ms_stats(samples)
    return {"timings": timings, "sql_statements": sql["count"],
            "sql_ms_one_page": round(in_driver_ms, 1),
            "checks": [check("dashboard (officer, default period) median", timings["median_ms"],
                             "ms", "reported", None, note=f"{sql['count']} statements, "
                             f"{in_driver_ms:.0f} ms of one page in the database driver")]}
