"""How the pages grow with the data (issue 27): each page at 10k, 100k and 1M requests of the
national demo, as a table, a plot and the cost of each extra 10×.

    .venv/bin/pip install -r requirements-bench.txt      # matplotlib, for the plot
    .venv/bin/python bench/bench_growth.py --url DATABASE_URL [--url …] [--reps 20]
                                           [--out growth.json] [--plot bench/growth.png]
                                           [--explain-ms 50] [--smoke]
    .venv/bin/python bench/bench_growth.py --pg-sizes 10000,100000,1000000 \
                                           --sqlite-sizes 100000 --plot bench/growth.png

Each ``--url`` is an already seeded national database (``flask init``, ``flask seed-demo
--national --requests N --seed 1674``, then VACUUM ANALYZE / ANALYZE: harness.seed_national and
harness.analyse), read only. ``--pg-sizes`` / ``--sqlite-sizes`` name kept ones instead:
PostgreSQL ``rekomstat_nat_<N>`` on ``--pg-url``, SQLite ``<cache>/national-<N>.db``
(harness.cache_dir), each seeded here when it is not there yet (1M: ~14 min of a 2-core
machine, 8 GB) and kept. Its size is its count of requests, its
engine its URL's. For each: one gunicorn server (1 sync worker, production settings, the
bench's app environment, bench_peer's app with its bare page) and, logged in through
``/login/``, the readers bench_peer --url uses: the officer of the office with the most
requests, the officer of its province, the headquarters' officer; the catalogue anonymous.

Pages (wall time of the whole HTTP request, median and p95 after warm-up, every page once per
round, ``--reps`` rounds):

- ``list office``: ``/activityrequestview/list/`` as the largest office's officer, and
  ``bare office``, bench_list's bare page over the same rows (the 1.5× target's baseline);
- ``list province`` and ``dashboard province``: the list and ``/dashboard/`` (this year) as the
  province's officer (its area: the province and the offices under it);
- ``list national`` and ``dashboard national``: the same as the headquarters' officer (every
  office). The dashboard is computed on every request from the rows (no stored figures but
  each letter's working days, stored at sending): as fresh as the data;
- ``catalogue page``: ``/catalogue/?q=`` anonymous, the query turning round several words drawn
  from the catalogue (bench_search._search_queries), and ``search()``: ``catalogue.search``
  alone, timed in the server (p50/p95 over the rounds and words).

Statements per page are counted afterwards on a second server (BENCH_PEER_COUNT_SQL=1), with
each statement's ms and, at ``--explain-ms`` or more, its plan (EXPLAIN ANALYZE on PostgreSQL,
EXPLAIN QUERY PLAN on SQLite): where a growing page's time goes.

Prints JSON on stdout and a Markdown table on stderr; ``--plot`` draws the medians against the
size, log-log, one line per page (PostgreSQL; SQLite's points hollow). ``--smoke``: the 300
requests of a fresh national seed on TEST_DATABASE_URL's engine, 2 rounds, no plot.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_peer import _get, _requests, national_users  # noqa: E402

from harness import (  # noqa: E402
    BENCH,
    PG_DEFAULT,
    Browser,
    Server,
    _pg_admin,
    _pg_url,
    analyse,
    app_env,
    cache_dir,
    drop_database,
    engine_of,
    log,
    machine,
    ms_stats,
    new_database,
    pct,
    seed_national,
)

FAB_LIST = "/activityrequestview/list/"
# (page, reader, path); {offices} is the reader's offices as the bare page takes them.
PAGES = (
    ("list office", "office", FAB_LIST),
    ("bare office", "office", "/bench/bare?office={offices}&page=1"),
    ("list province", "province", FAB_LIST),
    ("dashboard province", "province", "/dashboard/"),
    ("list national", "national", FAB_LIST),
    ("dashboard national", "national", "/dashboard/"),
    ("catalogue page", "anonymous", "/catalogue/?q={q}"),
)
SEARCH = "search()"
TARGETS = {  # issue 27, median ms unless said
    "list office": "≤ 1.5× bare office",
    "list province": "≤ 300 ms", "dashboard province": "≤ 300 ms",
    "dashboard national": "≤ 1 000 ms", SEARCH: "p95 ≤ 30 ms",
}
QUERIES = 8


# --- in the server (gunicorn bench_growth:growth_app()) -----------------------------------------


def growth_app():
    """bench_peer's app (the bare page, /bench/peer-info, the statement counter) and the
    catalogue's search() timed in the server."""
    from bench_peer import rekomstat_app
    from bench_search import _search_queries
    from flask import jsonify, request

    from app.catalogue import search as s

    app = rekomstat_app()

    def queries():
        session = app.appbuilder.session
        out = _search_queries(session, int(request.args.get("n", QUERIES)))
        session.remove()
        return jsonify(out)

    def timed_search():
        session = app.appbuilder.session
        t0 = time.perf_counter()
        found = s.search(session, q=request.args["q"])
        ms = (time.perf_counter() - t0) * 1000
        session.remove()
        return jsonify(ms=ms, total=found.total)

    app.add_url_rule("/bench/growth-queries", "bench_growth_queries", queries)
    app.add_url_rule("/bench/growth-search", "bench_growth_search", timed_search)
    return app


# --- the bench process ---------------------------------------------------------------------------


def _server(url: str, scratch: Path, count_sql: bool = False, explain_ms: float = 0) -> Server:
    env = app_env(url, Path(tempfile.mkdtemp(prefix="instance-", dir=scratch)))
    if count_sql:
        env["BENCH_PEER_COUNT_SQL"] = "1"
        env["BENCH_PEER_EXPLAIN_MS"] = str(explain_ms or "")
    return Server("bench_growth:growth_app()", env, chdir=BENCH, workers=1)


def _clients(server: Server, users: dict) -> dict:
    clients = {"anonymous": Browser(server.base)}
    for reader, username in users.items():
        clients[reader] = Browser(server.base)
        clients[reader].log_in(username)
    return clients


def measure(url: str, reps: int, warmup: int, scratch: Path, explain_ms: float) -> dict:
    engine, size = engine_of(url), _requests(url)
    users = dict(national_users(url))
    out = {"engine": engine, "requests": size, "users": users, "load_avg_1min": [],
           "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    server = _server(url, scratch)
    try:
        clients = _clients(server, users)
        infos = {reader: json.loads(_get(clients[reader], f"/bench/peer-info?user={u}")[0])
                 for reader, u in users.items()}
        out["rows"] = {reader: info["total"] for reader, info in infos.items()}
        out["offices"] = {reader: info["offices_n"] for reader, info in infos.items()}
        words = json.loads(_get(clients["anonymous"], "/bench/growth-queries")[0])
        out["queries"] = words

        def path(page: str, reader: str, template: str, rnd: int) -> str:
            offices = infos[reader]["offices"] if reader in infos else ""
            return template.format(offices=offices,
                                   q=urllib.parse.quote(words[rnd % len(words)]))

        samples: dict = {page: [] for page, _, _ in PAGES}
        samples[SEARCH] = []
        hits = {}
        load = [os.getloadavg()]
        started = time.perf_counter()
        for rnd in range(-warmup, reps):
            order = PAGES[rnd % len(PAGES):] + PAGES[:rnd % len(PAGES)]
            for page, reader, template in order:
                t0 = time.perf_counter()
                body, _ = _get(clients[reader], path(page, reader, template, rnd))
                if rnd >= 0:
                    samples[page].append(time.perf_counter() - t0)
                if rnd == 0 and page.startswith("dashboard") and "<svg" not in body:
                    raise RuntimeError(f"{page}: no chart on the page")
            for q in words:
                answer = json.loads(_get(clients["anonymous"], "/bench/growth-search?q="
                                         + urllib.parse.quote(q))[0])
                hits[q] = answer["total"]
                if rnd >= 0:
                    samples[SEARCH].append(answer["ms"] / 1000)
            if rnd % 5 == 4:
                load.append(os.getloadavg())
        load.append(os.getloadavg())
        out["timed_s"] = round(time.perf_counter() - started, 1)
        out["load_avg_1min"] = [round(x[0], 2) for x in load]
        out["hits"] = hits
        out["timings"] = {page: ms_stats(v) for page, v in samples.items()}
        out["timings"][SEARCH]["p50_ms"] = round(
            statistics.median(samples[SEARCH]) * 1000, 2)
        out["timings"][SEARCH]["p95_ms"] = round(pct(samples[SEARCH], 95) * 1000, 2)
        out["rss_mb"] = server.workers_rss_mb()
    finally:
        server.stop()
    out["sql"] = count_sql(url, users, infos, words, scratch, explain_ms)
    log(f"{engine} {size:,}: " + ", ".join(
        f"{page} {t['median_ms']}" for page, t in out["timings"].items()) + " ms median")
    return out


def count_sql(url, users, infos, words, scratch, explain_ms) -> dict:
    """page -> {count, slowest statements with their ms (and plan)}, on a counting server."""
    server = _server(url, scratch, count_sql=True, explain_ms=explain_ms)
    try:
        clients = _clients(server, users)
        out = {}
        for page, reader, template in PAGES:
            target = template.format(offices=infos.get(reader, {}).get("offices", ""),
                                     q=urllib.parse.quote(words[0]))
            _get(clients[reader], target)  # warm: the caches of a first call
            _get(clients[reader], target)
            statements = json.loads(_get(clients["anonymous"], "/bench/peer-sql")[0])
            out[page] = {"count": len(statements),
                         "ms": round(sum(x["ms"] for x in statements), 1),
                         "slowest": sorted(statements, key=lambda x: -x["ms"])[:3]}
        _get(clients["anonymous"], "/bench/growth-search?q=" + urllib.parse.quote(words[0]))
        statements = json.loads(_get(clients["anonymous"], "/bench/peer-sql")[0])
        out[SEARCH] = {"count": len(statements), "ms": round(sum(x["ms"] for x in statements), 1),
                       "slowest": sorted(statements, key=lambda x: -x["ms"])[:3]}
        return out
    finally:
        server.stop()


# --- the report ---------------------------------------------------------------------------------


def _figure(run: dict, page: str) -> float:
    t = run["timings"][page]
    return t["p95_ms"] if page == SEARCH else t["median_ms"]


def growth_rows(runs: list[dict]) -> list[dict]:
    """Per page: the figure at each size, the cost of each extra 10× (PostgreSQL), the target."""
    pg = sorted((r for r in runs if r["engine"] == "postgresql"), key=lambda r: r["requests"])
    rows = []
    for page in [p for p, _, _ in PAGES] + [SEARCH]:
        row = {"page": page, "figure": "p95 ms" if page == SEARCH else "median ms",
               "by_size": {f"{r['engine']} {r['requests']}": _figure(r, page) for r in runs},
               "sql": {f"{r['engine']} {r['requests']}": r["sql"][page]["count"] for r in runs},
               "per_10x": {}, "target": TARGETS.get(page, "")}
        for small, big in zip(pg, pg[1:]):
            row["per_10x"][f"{small['requests']}->{big['requests']}"] = round(
                _figure(big, page) / _figure(small, page), 2)
        rows.append(row)
    return rows


def table(runs: list[dict]) -> str:
    keys = [f"{r['engine']} {r['requests']}" for r in runs]
    names = [f"{'PG' if r['engine'] == 'postgresql' else 'SQLite'} {r['requests']:,}"
             for r in runs]
    rows = growth_rows(runs)
    steps = list(rows[0]["per_10x"]) if rows else []
    head = (["page", "figure"] + names + [f"×{s.replace('->', '→')}" for s in steps]
            + ["statements " + " / ".join(names), "target"])
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for row in rows:
        cells = [row["page"], row["figure"]] + [str(row["by_size"][k]) for k in keys]
        cells += [f"{row['per_10x'][s]}×" for s in steps]
        cells += [" / ".join(str(row["sql"][k]) for k in keys), row["target"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6), dpi=110)
    pages = [p for p, _, _ in PAGES] + [SEARCH]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    pg = sorted((r for r in runs if r["engine"] == "postgresql"), key=lambda r: r["requests"])
    lite = [r for r in runs if r["engine"] == "sqlite"]
    for i, page in enumerate(pages):
        colour = colours[i % len(colours)]
        label = f"{page} (p95)" if page == SEARCH else page
        if pg:
            ax.plot([r["requests"] for r in pg], [_figure(r, page) for r in pg], "o-",
                    color=colour, label=label)
        for r in lite:
            ax.plot([r["requests"]], [_figure(r, page)], "o", mfc="none", color=colour,
                    ms=9, label=None if pg else f"{label} (SQLite)")
    for ms, text in ((300, "300 ms: a province's list and dashboard"),
                     (1000, "1 s: the national dashboard"), (30, "30 ms: search p95")):
        ax.axhline(ms, color="grey", lw=0.7, ls=":")
        ax.text(min(r["requests"] for r in runs), ms * 1.05, text, color="grey", fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("requests in the database (national demo, 553 offices)")
    ax.set_ylabel("ms per page, median (search(): p95)")
    when = time.strftime("%Y-%m-%d")
    ax.set_title(f"Rekomstat pages against the data's size (PostgreSQL; hollow: SQLite), {when}",
                 fontsize=10)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, loc="upper right", ncol=2)  # the targets are named at the left
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def kept_national(engine: str, size: int, pg_base: str, scratch: Path) -> str:
    """The URL of the kept national database of ``size`` requests, seeded when missing."""
    import sqlalchemy as sa

    if engine == "sqlite":
        path = cache_dir() / f"national-{size}.db"
        url = f"sqlite:///{path}"
        if path.exists():
            return url
        building = new_database("sqlite", pg_base, f"national-{size}-{os.getpid()}", scratch)
    else:
        name = f"rekomstat_nat_{size}"
        url = _pg_url(pg_base, name)
        admin = _pg_admin(pg_base)
        with admin.connect() as conn:
            there = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name}).scalar()
        admin.dispose()
        if there:
            return url
        building = new_database("postgresql", pg_base, name, scratch)
    log(f"growth: seeding {engine} {size:,} (kept)…")
    try:
        wall, cpu, _rss, _out = seed_national(building, size, scratch)
        log(f"growth: seeded in {wall:.0f} s; analysed in {analyse(building):.0f} s")
    except BaseException:
        drop_database(building, pg_base)  # no half-seeded database that looks ready
        raise
    if engine == "sqlite":
        shutil.move(building.split(":///", 1)[1], path)
    return url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", default=[],
                        help="a seeded national database (repeatable)")
    parser.add_argument("--pg-sizes", default="",
                        help="kept PostgreSQL databases rekomstat_nat_<N>, seeded if missing")
    parser.add_argument("--sqlite-sizes", default="",
                        help="kept SQLite files <cache>/national-<N>.db, seeded if missing")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--out", help="also write the JSON document here")
    parser.add_argument("--merge", action="append", default=[],
                        help="the JSON of an earlier run: its sizes join the table and plot")
    parser.add_argument("--plot", help="write the PNG here (needs matplotlib)")
    parser.add_argument("--explain-ms", type=float, default=50.0,
                        help="plan the statements of the counting pass this slow or slower")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL") or PG_DEFAULT)
    parser.add_argument("--smoke", action="store_true",
                        help="300 requests on TEST_DATABASE_URL's engine, 2 rounds")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="rekomstat-bench-growth-"))
    urls, made = list(args.url), []
    reps, warmup = args.reps, args.warmup
    result = {"machine": machine(), "reps": reps, "runs": []}
    crashed = False
    try:
        if args.smoke:
            test_url = os.environ.get("TEST_DATABASE_URL") or ""
            engine = engine_of(test_url) if test_url else "sqlite"
            url = new_database(engine, test_url or args.pg_url,
                               f"rekomstat_growth_smoke_{os.getpid()}", scratch)
            made.append(url)
            seed_national(url, 300, scratch)
            analyse(url)
            urls, reps, warmup = [url], 2, 1
        for engine, sizes in (("postgresql", args.pg_sizes), ("sqlite", args.sqlite_sizes)):
            for size in [int(x) for x in sizes.split(",") if x.strip()]:
                urls.append(kept_national(engine, size, args.pg_url, scratch))
        for earlier in args.merge:
            result["runs"] += json.loads(Path(earlier).read_text())["runs"]
        if not urls and not result["runs"]:
            parser.error("--url, --pg-sizes, --sqlite-sizes, --merge or --smoke is needed")
        for url in urls:
            try:
                log(f"growth: {url.rsplit('/', 1)[-1]}: measuring ({reps} rounds)…")
                result["runs"].append(measure(url, reps, warmup, scratch, args.explain_ms))
            except Exception:
                crashed = True
                log(f"growth {url} crashed:\n{traceback.format_exc()[-4000:]}")
                result.setdefault("errors", []).append(
                    {"url": url, "error": traceback.format_exc()[-4000:]})
    finally:
        for url in made:
            drop_database(url, args.pg_url)
        shutil.rmtree(scratch, ignore_errors=True)
    runs = result["runs"] = sorted(result["runs"], key=lambda r: (r["engine"] != "postgresql",
                                                                  r["requests"]))
    result["growth"] = growth_rows(runs) if runs else []
    result["load_avg_end"] = os.getloadavg()
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    if runs:
        print(table(runs), file=sys.stderr)
        if args.plot and not args.smoke:
            plot(runs, Path(args.plot))
            log(f"plot: {args.plot}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
