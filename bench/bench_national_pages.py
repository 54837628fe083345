"""The dashboard's and the SKM report's figures at national scale (issue 27), on SQLite and
PostgreSQL.

    python bench/bench_national_pages.py [--engine sqlite|postgresql|both] [--sizes 10000]
                                         [--runs 15] [--warmup 2] [--pg-url URL]
                                         [--url DATABASE_URL] [--breakdown] [--keep]

For each engine and size: a fresh database seeded the way bench_national_seed.py does it
(``flask init``, then ``flask seed-demo --national --requests N --seed 1674`` in a child with
the bench's app environment, then VACUUM ANALYZE / ANALYZE), or the already seeded database
``--url`` names (vacuum and analyse it first: fresh from COPY, plans and scans are far off).
Then, in this process, ``figures.dashboard`` and ``skm_report.report`` are timed for three
coverages: the largest regency office (one office), its province's area (a frozenset of office
ids) and every office (None); each for "this year" (1 January … today) and "last 12 months"
(today − 364 days … today). Per case: ``--warmup`` calls untimed, then ``--runs`` timed
calls; median and p95 in ms and the SQL statements per call (a ``before_cursor_execute``
listener). With the stored working days (issue 27), each dashboard case also checks that
``sending`` gives what counting every row gives (``same_as_counted``).

``--breakdown``: one more call per case with each sub-function of ``figures.dashboard``
(monthly, sending, overdue_requests, …) timed, to see where the time goes.

Prints one JSON document on stdout, progress and a Markdown table on stderr. Databases made
here are dropped afterwards unless ``--keep`` (then their URL is printed).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    PG_DEFAULT,
    ROOT,
    analyse,
    app_env,
    drop_database,
    log,
    machine,
    new_database,
    pct,
    seed_national,
)

PREFIX = "rekomstat_natpages_"
SUBS = ("monthly", "sending", "complaint_counts", "overdue_requests", "overdue_count",
        "requests_by_state", "period_ikm")


def seed(engine: str, size: int, pg_base: str, scratch: Path) -> tuple[str, float]:
    """A fresh database with the national demo of ``size`` requests, vacuumed/analysed
    (harness.analyse): (URL, seconds of the seeding)."""
    url = new_database(engine, pg_base, f"{PREFIX}{size}_{os.getpid()}", scratch)
    wall, _cpu, _rss, _out = seed_national(url, size, scratch)
    log(f"{engine} {size}: seeded in {wall:.1f} s")
    log(f"{engine} {size}: vacuumed/analysed in {analyse(url):.1f} s")
    return url, wall


def _app(url: str, scratch: Path):
    env = app_env(url, Path(tempfile.mkdtemp(prefix="instance-", dir=scratch)))
    for key in ("DATABASE_URL", "REKOMSTAT_INSTANCE", "SECRET_KEY", "IDENTITY_KEYS",
                "LOG_LEVEL"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(ROOT))
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def coverages(session) -> list[tuple[str, object, str]]:
    """(label, figures' office argument, description): the largest regency, its province's
    area, everything."""
    import sqlalchemy as sa

    from app.models import ActivityRequest, Office
    from app.offices.directory import office_scope

    parents = {p for p in session.scalars(sa.select(Office.parent_id)) if p is not None}
    oid, n = session.execute(
        sa.select(ActivityRequest.office_id, sa.func.count())
        .where(ActivityRequest.office_id.notin_(sorted(parents)))
        .group_by(ActivityRequest.office_id).order_by(sa.func.count().desc()).limit(1)).one()
    office = session.get(Office, oid)
    province = session.get(Office, office.parent_id)
    area = frozenset(office_scope(session, province.id).offices)
    total = session.scalar(sa.select(sa.func.count()).select_from(ActivityRequest))
    in_area = session.scalar(sa.select(sa.func.count()).select_from(ActivityRequest)
                             .where(ActivityRequest.office_id.in_(sorted(area))))
    return [("regency", oid, f"{office.code} ({n:,} requests)"),
            ("province", area, f"{province.code} area: {len(area)} offices, {in_area:,} "
                               f"requests"),
            ("national", None, f"{total:,} requests")]


def measure(app, runs: int, warmup: int, breakdown: bool) -> list[dict]:
    import sqlalchemy as sa

    from app.offices import workdays
    from app.reports import figures, skm_report

    results = []
    with app.app_context():
        session = app.appbuilder.session
        engine = session.get_bind()
        statements = [0]

        @sa.event.listens_for(engine, "before_cursor_execute")
        def count(*_args, **_kw):
            statements[0] += 1

        today = workdays.office_today()
        periods = [("this year", dt.date(today.year, 1, 1), today),
                   ("last 12 months", today - dt.timedelta(days=364), today)]
        for label, offices, what in coverages(session):
            for pname, start, end in periods:
                period = skm_report.custom_period(start, end)
                calls = {
                    "dashboard": lambda: figures.dashboard(session, offices, start, end),
                    "skm_report": lambda: skm_report.report(session, offices, period),
                }
                for page, fn in calls.items():
                    for _ in range(warmup):
                        fn()
                        session.rollback()
                    times, stmts = [], []
                    for _ in range(runs):
                        statements[0] = 0
                        t0 = time.perf_counter()
                        fn()
                        times.append(time.perf_counter() - t0)
                        stmts.append(statements[0])
                        session.rollback()  # each call a fresh transaction, as a page's
                    row = {"coverage": label, "what": what, "period": pname, "call": page,
                           "median_ms": round(statistics.median(times) * 1000, 1),
                           "p95_ms": round(pct(times, 95) * 1000, 1),
                           "statements": max(stmts), "runs": runs}
                    if breakdown and page == "dashboard":
                        row["breakdown_ms"] = _breakdown(figures, fn, session)
                    if page == "dashboard" and hasattr(figures, "_sending_rows"):
                        row["same_as_counted"] = _same(figures, session, offices, start, end)
                        row["sending_ab_ms"] = _sending_ab(figures, session, offices, start,
                                                           end, runs)
                    results.append(row)
                    log(f"  {label:9} {pname:15} {page:11} {row['median_ms']:8.1f} ms median, "
                        f"{row['p95_ms']:8.1f} p95, {row['statements']} statements"
                        + (f"  {row['breakdown_ms']}" if "breakdown_ms" in row else "")
                        + (f"  sending {row['sending_ab_ms']}" if "sending_ab_ms" in row
                           else ""))
        sa.event.remove(engine, "before_cursor_execute", count)
    return results


def _same(figures, session, offices, start, end) -> bool:
    """Do the stored working days give what counting every row gives (issue 27)?"""
    from app.offices import workdays

    tz = workdays.office_timezone()
    stored = figures.sending(session, offices, start, end, tz)
    counted = figures._sending_rows(session, offices, *figures.period_bounds(start, end, tz),
                                    tz, None, None)
    session.rollback()
    return stored[:3] == counted[:3] and sorted(stored[3]) == sorted(counted[3])


def _sending_ab(figures, session, offices, start, end, runs: int) -> dict:
    """``sending`` reading the stored working days against counting every row in Python (the
    code before issue 27's column), calls alternated so that both see the same load: medians
    in ms."""
    from app.offices import workdays

    tz = workdays.office_timezone()
    bounds = figures.period_bounds(start, end, tz)
    calls = {"stored": lambda: figures.sending(session, offices, start, end, tz, {}),
             "counted": lambda: figures._sending_rows(session, offices, *bounds, tz, {}, None)}
    times: dict = {k: [] for k in calls}
    for _ in range(runs):
        for name, fn in calls.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
            session.rollback()
    return {k: round(statistics.median(v) * 1000, 1) for k, v in times.items()}


def _breakdown(figures, fn, session) -> dict:
    """One call of ``fn`` with each of figures' sub-functions timed (ms)."""
    spent: dict = {}
    originals = {name: getattr(figures, name) for name in SUBS}

    def timed(name, orig):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return orig(*a, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    try:
        for name, orig in originals.items():
            setattr(figures, name, timed(name, orig))
        t0 = time.perf_counter()
        fn()
        total = time.perf_counter() - t0
    finally:
        for name, orig in originals.items():
            setattr(figures, name, orig)
        session.rollback()
    out = {k: round(v * 1000, 1) for k, v in sorted(spent.items(), key=lambda kv: -kv[1])}
    out["rest"] = round((total - sum(spent.values())) * 1000, 1)
    return out


def _requests(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM activity_request")).scalar()
    engine.dispose()
    return n


def table(results: list[dict]) -> str:
    lines = ["| engine | requests | coverage | period | call | median ms | p95 ms | statements |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        lines.append(f"| {r['engine']} | {r['requests']:,} | {r['coverage']} | {r['period']} | "
                     f"{r['call']} | {r['median_ms']} | {r['p95_ms']} | {r['statements']} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL") or PG_DEFAULT)
    parser.add_argument("--url", help="an already seeded database: measure it, seed nothing")
    parser.add_argument("--breakdown", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the databases made here")
    args = parser.parse_args()
    results, failed = [], False
    with tempfile.TemporaryDirectory(prefix="natpages-") as tmp:
        scratch = Path(tmp)
        if args.url:
            jobs = [("postgresql" if args.url.startswith("postgres") else "sqlite", None)]
        else:
            engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
            jobs = [(e, int(s)) for e in engines for s in args.sizes.split(",") if s]
        for engine, size in jobs:
            url = args.url
            seeded_s = None
            try:
                if url is None:
                    if args.keep and engine == "sqlite":
                        scratch = Path(tempfile.mkdtemp(prefix="natpages-keep-"))
                    url, seeded_s = seed(engine, size, args.pg_url, scratch)
                # Measured here: one app per run (pass one engine per invocation).
                size = size or _requests(url)
                for row in measure(_app(url, scratch), args.runs, args.warmup, args.breakdown):
                    row.update(engine=engine, requests=size, seeded_s=seeded_s)
                    results.append(row)
            except Exception as exc:  # reported, and the exit status says so
                log(f"{engine} {size}: CRASHED: {exc!r}")
                results.append({"engine": engine, "requests": size, "error": repr(exc)})
                failed = True
            finally:
                if url and not args.url:
                    if args.keep:
                        log(f"kept: {url}")
                    else:
                        drop_database(url, args.pg_url)
    print(json.dumps({"machine": machine(), "load_average": os.getloadavg(),
                      "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                      "results": results}, indent=2, default=str))
    done = [r for r in results if "error" not in r]
    if done:
        print(table(done), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
