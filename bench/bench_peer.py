"""The peer baseline (issue 27): Rekomstat's officers' list beside Django's admin changelist over
the same tables, and the bare baseline of bench_list.py, in the same run.

    .venv/bin/pip install -r requirements-bench.txt     # Django, for the bench only
    .venv/bin/python bench/bench_peer.py [--engine sqlite|postgresql|both] [--sizes 10000,100000]
                                         [--reps 60] [--out peer.json] [--smoke]
                                         [--pg-url postgresql://postgres@127.0.0.1:5432]
    .venv/bin/python bench/bench_peer.py --url DATABASE_URL [--url …] [--reps 20]

For each engine and size: the bench's kept database (harness.Dataset: ``flask init`` +
``flask seed-demo --requests N``, generated once, then a working copy per run), Django's own
tables made in that copy by ``manage.py migrate`` (their names are checked not to clash with
Rekomstat's), a Django superuser ``petugas1`` with the demo password, then pages from two
gunicorn servers (1 sync worker each, loopback, production settings):

- **Rekomstat** ``/activityrequestview/list/`` as the officer ``petugas1`` (CSRF on, logged in
  through ``/login/``), and on the same server the **bare** baseline ``/bench/bare``
  (bench_list.install_bare_list; ``/bench/bare-search`` adds the title search to it);
- **Django** 5.2's admin changelist of bench/django_peer (models from ``inspectdb``), logged in
  through ``/admin/login/``, scoped to the same office.

and a fourth side, ``nobadge``: Rekomstat's same page without the navbar's count of tasks, to
tell what that count costs. Four pages each: the first, a deep one (page 400, or the last when
there are fewer), filtered by state (``submitted``) and searched by a word of the titles. After
a warm-up, N rounds; in each round every page of every side once, the sides' order turning
round after round (A/B/C/D, B/C/D/A, …) so that load from elsewhere hits them alike. Wall
time of the whole HTTP request (urllib, a new connection each as a sync worker wants); median
and p95 (nearest rank).
``--url``: an already seeded national database (``flask seed-demo --national``, vacuumed),
measured on a working copy (harness.copy_database; Django's tables go there) for three readers:
the officer of the office with the most requests (its rows), the officer of that office's
province (the rows of the province's area) and the headquarters' officer (every row); Django's
admin scopes its changelist the same way (django_peer admin.py _offices_of), the bare page gets
the same offices.
Statements per page are counted afterwards on two more servers started with counting on
(BENCH_PEER_COUNT_SQL=1), never on the timed ones. Prints JSON on stdout and a Markdown table on
stderr. ``--smoke``: 1 000 requests on TEST_DATABASE_URL's engine (SQLite when unset), 5 rounds.
"""
from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    BENCH,
    DEMO_PASSWORD,
    PAGE_SIZE,
    PG_DEFAULT,
    Browser,
    Dataset,
    Server,
    app_env,
    copy_database,
    drop_database,
    engine_of,
    log,
    machine,
    ms_stats,
)

DJANGO_DIR = BENCH / "django_peer"
DJANGO_LIST = "/admin/rekomstat_tables/activityrequest/"
FAB_LIST = "/activityrequestview/list/"
DEEP_PAGE = 400
CASES = ("first", "deep", "filtered", "search")
SIDES = ("rekomstat", "django", "bare", "nobadge")
# "nobadge": Rekomstat's same page without the navbar's count of tasks (app/reports/home.py
# task_count, one statement per staff page), by pre-filling its per-request cache: not a page
# anyone sees, only to tell how much of the page that count is.
DJANGO_TABLES = {"auth_group", "auth_group_permissions", "auth_permission", "auth_user",
                 "auth_user_groups", "auth_user_user_permissions", "django_admin_log",
                 "django_content_type", "django_migrations", "django_session"}


# --- in the Rekomstat server (gunicorn bench_peer:rekomstat_app()) ------------------------------


def rekomstat_app():
    """wsgi.py's app, plus the bare baseline and two bench-only routes."""
    import sqlalchemy as sa
    from bench_list import _filter_index, _list_view, install_bare_list
    from flask import jsonify, request

    from app import create_app, db
    from app.models import ActivityRequest as R
    from app.models import RekomUser
    from app.offices.directory import office_scope

    app = create_app()
    install_bare_list(app)  # /bench/bare and /bench/bare-search

    def info():
        """What the bench needs to build the URLs for ``?user=`` (petugas1 by default): the
        offices whose rows that officer reads (``all``, or ids separated by commas), their rows,
        FAB's filter indexes, and a word of the titles found in about one title in twenty."""
        session = app.appbuilder.session
        username = request.args.get("user", "petugas1")
        office_id = session.scalar(sa.select(RekomUser.office_id)
                                   .where(RekomUser.username == username))
        scope = office_scope(session, office_id)
        offices = "all" if scope.everything else ",".join(map(str, sorted(scope.offices)))
        mine = (sa.true() if scope.everything else R.office_id == office_id
                if len(scope.offices) == 1 else R.office_id.in_(sorted(scope.offices)))
        total = session.scalar(sa.select(sa.func.count()).select_from(R).where(mine))
        submitted = session.scalar(sa.select(sa.func.count()).select_from(R)
                                   .where(mine, R.state == "submitted"))
        titles = session.scalars(sa.select(R.title).where(mine).order_by(R.id).limit(3000)).all()
        words = collections.Counter(w for t in titles for w in set(re.findall(r"[A-Za-z]{5,}",
                                                                               t.lower())))
        word = min(words, key=lambda w: (abs(words[w] / max(1, len(titles)) - 0.05), w))
        found = session.scalar(sa.select(sa.func.count()).select_from(R)
                               .where(mine, R.title.ilike(f"%{word}%")))
        view = _list_view(app)
        session.remove()
        return jsonify(user=username, office_id=office_id, offices=offices,
                       offices_n=len(scope.offices), total=total, submitted=submitted,
                       word=word, word_rows=found,
                       eq_state=_filter_index(view, "state", "FilterEqual"),
                       contains_title=_filter_index(view, "title", "FilterContains"))

    @app.before_request
    def no_badge():
        if "_bench_nobadge" in request.args:
            from flask import g

            g._rekom_task_count = None  # app/reports/views.py task_count: already "counted"

    app.add_url_rule("/bench/peer-info", "bench_peer_info", info)

    if os.environ.get("BENCH_PEER_COUNT_SQL") == "1":
        # The counting pass only: statements of each request with their ms (cursor execute
        # to its return, rows not fetched), read by the next request.
        with app.app_context():
            engine = db.engine
        seen, last = [], {"statements": None}

        def before(conn, cur, statement, *args):
            conn.info["bench_t0"] = time.perf_counter()

        explain_ms = float(os.environ.get("BENCH_PEER_EXPLAIN_MS") or 0)
        explain = ("EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql"
                   else "EXPLAIN QUERY PLAN ")

        def after(conn, cur, statement, parameters, context, executemany):
            ms = (time.perf_counter() - conn.info.pop("bench_t0")) * 1000
            row = {"sql": " ".join(statement.split())[:400], "ms": round(ms, 2)}
            if explain_ms and ms >= explain_ms and statement.lstrip().upper().startswith(
                    ("SELECT", "WITH")):
                # Where a slow statement's time goes: its plan, run again on the same
                # connection with the same parameters (DBAPI cursor: no events fire).
                try:
                    plan = cur.connection.cursor()
                    plan.execute(explain + statement, parameters)
                    row["plan"] = [" ".join(map(str, r)) for r in plan.fetchall()]
                    plan.close()
                except Exception as exc:  # a plan is a bonus: the page goes on
                    row["plan"] = [f"no plan: {exc!r}"[:300]]
            seen.append(row)

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        inner = app.wsgi_app

        def counting(environ, start_response):
            if environ.get("PATH_INFO") == "/bench/peer-sql":
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps(last["statements"]).encode()]
            seen.clear()
            out = inner(environ, start_response)  # Flask's teardown has run when it returns
            last["statements"] = list(seen)
            return out

        app.wsgi_app = counting
    return app


# --- the bench process -------------------------------------------------------------------------


class DjangoBrowser(Browser):
    def log_in(self, username: str) -> None:
        _, page, _ = self.call("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _, _ = self.call("/admin/login/?next=/admin/", {
            "username": username, "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": token, "next": "/admin/"})
        if status != 302:
            raise RuntimeError(f"Django: {username} could not log in ({status})")


def _get(browser: Browser, path: str) -> tuple[str, dict]:
    status, body, headers = browser.call(path)
    if status != 200:
        raise RuntimeError(f"GET {browser.base}{path}: {status}\n{body[:500]}")
    return body, headers


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=DJANGO_DIR, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def tables(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def prepare_django(url: str, usernames: list[str]) -> dict:
    """Django's own tables in the working copy, and its superusers of the given names."""
    env = django_env(url)
    before = tables(url)
    clash = before & DJANGO_TABLES
    if clash:
        raise RuntimeError(f"Django's tables already there: {sorted(clash)}")
    t0 = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v", "0")
    after = tables(url)
    if not before <= after or after - before != DJANGO_TABLES:
        raise RuntimeError(f"migrate changed other tables: {sorted(after ^ before)}")
    manage(env, "shell", "-c", (
        "from django.contrib.auth.models import User\n"
        f"for name in {usernames!r}:\n"
        "    User.objects.filter(username=name).exists() or User.objects.create_superuser("
        f"name, name + '@peer.invalid', {DEMO_PASSWORD!r})"))
    return {"migrate_s": round(time.perf_counter() - t0, 1),
            "django_tables": sorted(after - before), "clash": sorted(clash)}


def django_env(database_url: str, count_sql: bool = False) -> dict:
    env = dict(os.environ)
    for name in ("PYTHONDONTWRITEBYTECODE", "TEST_DATABASE_URL"):
        env.pop(name, None)
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="peer_project.settings",
               PYTHONPATH=str(DJANGO_DIR))
    if count_sql:
        env["BENCH_PEER_COUNT_SQL"] = "1"
    return env


def start_servers(url: str, scratch: Path, count_sql: bool = False) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="instance-", dir=scratch))
    renv = app_env(url, instance)
    if count_sql:
        renv["BENCH_PEER_COUNT_SQL"] = "1"
    servers = {}
    try:
        servers["rekomstat"] = Server("bench_peer:rekomstat_app()", renv, chdir=BENCH, workers=1)
        servers["django"] = Server("peer_project.wsgi:application",
                                   django_env(url, count_sql), chdir=DJANGO_DIR,
                                   workers=1)
    except Exception:
        for server in servers.values():
            server.stop()
        raise
    return servers


def urls(info: dict) -> dict:
    """case -> side -> path."""
    pages = max(1, math.ceil(info["total"] / PAGE_SIZE))
    deep = min(DEEP_PAGE, pages)
    office, word = info["offices"], urllib.parse.quote(info["word"])
    eq, ct = info["eq_state"], info["contains_title"]
    out = {
        "first": {"rekomstat": f"{FAB_LIST}?page_ActivityRequestView=0",
                  "django": DJANGO_LIST,
                  "bare": f"/bench/bare?office={office}&page=1"},
        "deep": {"rekomstat": f"{FAB_LIST}?page_ActivityRequestView={deep - 1}",
                 "django": f"{DJANGO_LIST}?p={deep}",
                 "bare": f"/bench/bare?office={office}&page={deep}"},
        "filtered": {"rekomstat": f"{FAB_LIST}?_flt_{eq}_state=submitted"
                                  "&page_ActivityRequestView=0",
                     "django": f"{DJANGO_LIST}?state=submitted",
                     "bare": f"/bench/bare?office={office}&state=submitted&page=1"},
        "search": {"rekomstat": f"{FAB_LIST}?_flt_{ct}_title={word}&page_ActivityRequestView=0",
                   "django": f"{DJANGO_LIST}?q={word}",
                   "bare": f"/bench/bare-search?office={office}&q={word}&page=1"},
    }
    for case in out:
        out[case]["nobadge"] = out[case]["rekomstat"] + "&_bench_nobadge=1"
    return out, deep


CODE = re.compile(r"RKS-[0-9A-Z-]+")


def same_rows(bodies: dict) -> dict:
    """The bare page's tracking codes, in that order, on the other two pages."""
    bare = CODE.findall(bodies["bare"])
    out = {"bare_rows": len(bare)}
    for side in ("rekomstat", "django", "nobadge"):
        seen = list(dict.fromkeys(c for c in CODE.findall(bodies[side]) if c in set(bare)))
        out[side] = bool(bare) and seen == list(dict.fromkeys(bare))
    return out


def measure(url: str, users: list[tuple[str, str]], reps: int, warmup: int,
            scratch: Path) -> dict:
    """scope -> its figures, for each (scope, username): the four pages of the four sides."""
    out: dict = {"django_setup": prepare_django(url, [u for _, u in users]), "scopes": {}}
    paths_of = {}
    servers = start_servers(url, scratch)
    try:
        for scope, username in users:
            res = out["scopes"][scope] = {"user": username}
            clients = {"rekomstat": Browser(servers["rekomstat"].base),
                       "django": DjangoBrowser(servers["django"].base),
                       "bare": Browser(servers["rekomstat"].base)}
            clients["nobadge"] = clients["rekomstat"]
            clients["rekomstat"].log_in(username)
            clients["django"].log_in(username)
            info = json.loads(_get(clients["bare"], f"/bench/peer-info?user={username}")[0])
            paths, deep = urls(info)
            paths_of[scope] = paths
            res.update(info=info, deep_page=deep, paths=paths, same_rows={})
            for case in CASES:
                bodies = {side: _get(clients[side], paths[case][side])[0] for side in SIDES}
                res["same_rows"][case] = same_rows(bodies)
            for _ in range(warmup):
                for case in CASES:
                    for side in SIDES:
                        _get(clients[side], paths[case][side])
            samples = {case: {side: [] for side in SIDES} for case in CASES}
            load = [os.getloadavg()]
            started = time.perf_counter()
            for rnd in range(reps):
                order = SIDES[rnd % len(SIDES):] + SIDES[:rnd % len(SIDES)]
                for case in CASES:
                    for side in order:
                        t0 = time.perf_counter()
                        _get(clients[side], paths[case][side])
                        samples[case][side].append(time.perf_counter() - t0)
                if rnd % 10 == 9:
                    load.append(os.getloadavg())
            load.append(os.getloadavg())
            res["timed_s"] = round(time.perf_counter() - started, 1)
            res["load_avg_1min"] = [round(x[0], 2) for x in load]
            res["timings"] = {case: {side: ms_stats(samples[case][side]) for side in SIDES}
                              for case in CASES}
            log(f"  {scope} ({username}, {info['total']:,} rows): " + ", ".join(
                f"{case} {res['timings'][case]['rekomstat']['median_ms']}/"
                f"{res['timings'][case]['django']['median_ms']}/"
                f"{res['timings'][case]['bare']['median_ms']} ms" for case in CASES))
        out["rss_mb"] = {side: servers[side].workers_rss_mb() for side in servers}
    finally:
        for server in servers.values():
            server.stop()
    sql = count_sql(url, users, paths_of, scratch)
    for scope, _ in users:
        out["scopes"][scope]["sql"] = sql[scope]
    return out


def count_sql(url: str, users: list[tuple[str, str]], paths_of: dict, scratch: Path) -> dict:
    """scope -> case -> side -> statements per page (Rekomstat's with their ms)."""
    servers = start_servers(url, scratch, count_sql=True)
    try:
        out = {}
        for scope, username in users:
            paths = paths_of[scope]
            rek, dj = Browser(servers["rekomstat"].base), DjangoBrowser(servers["django"].base)
            rek.log_in(username)
            dj.log_in(username)
            counts = out[scope] = {"statements": {}}
            for case in CASES:
                counts[case] = {}
                for side in ("rekomstat", "bare", "nobadge"):
                    _get(rek, paths[case][side])  # warm: caches of the first call
                    _get(rek, paths[case][side])
                    statements = json.loads(_get(rek, "/bench/peer-sql")[0])
                    counts[case][side] = len(statements)
                    if side == "rekomstat":
                        counts["statements"][case] = statements
                _get(dj, paths[case]["django"])
                counts[case]["django"] = int(_get(dj, paths[case]["django"])[1]["X-Bench-SQL"])
        return out
    finally:
        for server in servers.values():
            server.stop()


def table(result: dict) -> str:
    lines = ["| engine | size | reader | page | Rekomstat median / p95 ms | "
             "Django median / p95 ms | bare median / p95 ms | Rekomstat / Django | "
             "Rekomstat / bare | Rekomstat ≤ Django | SQL R / D / bare | same rows R / D | "
             "Rekomstat without the task badge, median ms |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for engine, sizes in result["engines"].items():
        for size, run in sizes.items():
            if "error" in run:
                lines.append(f"| {engine} | {size} | CRASHED: "
                             f"{run['error'].strip().splitlines()[-1][:200]} |")
                continue
            for scope, r in run["scopes"].items():
                for case in CASES:
                    t = r["timings"][case]
                    rek, dj, bare, nob = (t[s]["median_ms"] for s in SIDES)
                    sql = r["sql"][case]
                    page = f"{case} (p. {r['deep_page']})" if case == "deep" else case
                    same = r["same_rows"][case]
                    lines.append(
                        f"| {engine} | {size} | {scope} ({r['info']['total']:,} rows) | {page} | "
                        f"{rek} / {t['rekomstat']['p95_ms']} | "
                        f"{dj} / {t['django']['p95_ms']} | {bare} / {t['bare']['p95_ms']} | "
                        f"{rek / dj:.2f}× | {rek / bare:.2f}× | "
                        f"{'yes' if rek <= dj else '**no**'} | "
                        f"{sql['rekomstat']} / {sql['django']} / {sql['bare']} | "
                        f"{'yes' if same['rekomstat'] else 'no'} / "
                        f"{'yes' if same['django'] else 'no'} | {nob} ({sql['nobadge']} SQL) |")
    return "\n".join(lines)


def _requests(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM activity_request")).scalar()
    finally:
        engine.dispose()


def national_users(url: str) -> list[tuple[str, str]]:
    """(scope, username) on a national demo database: the officer of the office (with no
    office under it) with the most requests, of its province, and of the root office."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            parents = dict(conn.execute(sa.text("SELECT id, parent_id FROM office")).all())
            codes = dict(conn.execute(sa.text("SELECT id, code FROM office")).all())
            inner = {p for p in parents.values() if p is not None}
            counts = conn.execute(sa.text(
                "SELECT office_id, count(*) FROM activity_request GROUP BY office_id "
                "ORDER BY 2 DESC")).all()
    finally:
        engine.dispose()
    largest = next(oid for oid, _ in counts if oid not in inner)
    province, root = parents[largest], largest
    while parents.get(root) is not None:
        root = parents[root]
    return [("office", f"petugas{codes[largest]}"), ("province", f"petugas{codes[province]}"),
            ("national", f"petugas{codes[root]}")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--reps", type=int, default=60, help="timed rounds (default 60)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", help="also write the JSON document here")
    parser.add_argument("--url", action="append",
                        help="a seeded national database (repeatable): measured instead of the "
                             "--engine/--sizes datasets, on a working copy")
    parser.add_argument("--smoke", action="store_true",
                        help="1000 requests on TEST_DATABASE_URL's engine, 5 rounds")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL") or (
        os.environ.get("TEST_DATABASE_URL") if (os.environ.get("TEST_DATABASE_URL") or "")
        .startswith("postgres") else PG_DEFAULT))
    args = parser.parse_args(argv)
    try:
        import django  # noqa: F401
    except ImportError:
        raise SystemExit("Django is not installed: .venv/bin/pip install -r "
                         "requirements-bench.txt")
    if args.smoke:
        test_url = os.environ.get("TEST_DATABASE_URL") or ""
        engines = ["postgresql" if test_url.startswith("postgres") else "sqlite"]
        sizes, reps, warmup = [1000], 5, 1
    elif args.url:
        engines, sizes, reps, warmup = [], [], args.reps, args.warmup
    else:
        engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        reps, warmup = args.reps, args.warmup
    result = {"machine": machine(), "mode": "smoke" if args.smoke else "full", "reps": reps,
              "engines": {}}
    scratch = Path(tempfile.mkdtemp(prefix="rekomstat-bench-peer-"))
    crashed = False
    try:
        if args.url:
            for url in args.url:
                engine = engine_of(url)
                size = _requests(url)
                work = None
                try:
                    work = copy_database(url, scratch, f"peer_{os.getpid()}")
                    log(f"peer {engine} {size:,} national: measuring ({reps} rounds)…")
                    run = measure(work, national_users(work), reps, warmup, scratch)
                    run["data"] = {"requests": size, "url": url, "national": True}
                except Exception:
                    crashed = True
                    run = {"error": traceback.format_exc()[-4000:]}
                    log(f"peer {engine} {size} crashed:\n{run['error']}")
                finally:
                    if work:
                        drop_database(work, args.pg_url)
                result["engines"].setdefault(engine, {})[f"{size} national"] = run
        for engine in engines:
            er = result["engines"].setdefault(engine, {})
            for size in sizes:
                ds = Dataset(engine, size, args.pg_url, scratch)
                try:
                    ds.prepare(False)
                    log(f"peer {engine} {size}: measuring ({reps} rounds)…")
                    er[str(size)] = measure(ds.work_url, [("office", "petugas1")], reps,
                                            warmup, scratch)
                    er[str(size)]["data"] = ds.info
                except Exception:
                    crashed = True
                    er[str(size)] = {"error": traceback.format_exc()[-4000:]}
                    log(f"peer {engine} {size} crashed:\n{er[str(size)]['error']}")
                finally:
                    ds.drop_copy()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["load_avg_end"] = os.getloadavg()
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    print(table(result), file=sys.stderr)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
