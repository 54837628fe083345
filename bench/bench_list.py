"""list: the officers' list (FAB's ActivityRequestView) against /bench/bare, the same query and
columns by hand, and its SQL statements per page (bench/README.md, "The figures")."""
from __future__ import annotations

import math
import re

from harness import PAGE_SIZE, TARGETS, SqlCounter, check, interleaved, log_in, ms_stats

BARE_TEMPLATE = """<!doctype html><html><head><title>Requests</title></head><body>
<p>{{ first }}-{{ last }} / {{ total }}</p>
<table><tr><th>Tracking code</th><th>Title</th><th>Agency</th><th>Year</th><th>Channel</th>
<th>State</th><th>Due date</th><th>30-day promise</th></tr>
{% for r in rows %}<tr><td>{{ r.tracking_code }}</td><td>{{ r.title }}</td>
<td>{{ r.agency_name }}</td>
<td>{{ r.year }}</td><td>{{ channels.get(r.channel, r.channel) }}</td>
<td>{{ states.get(r.state, r.state) }}</td><td>{{ r.due_date or "" }}</td>
<td>{{ sla(r) }}</td></tr>
{% endfor %}</table>
{% if page > 1 %}<a href="?page={{ page - 1 }}">prev</a>{% endif %}
{% if last < total %}<a href="?page={{ page + 1 }}">next</a>{% endif %}
</body></html>"""


def install_bare_list(app) -> None:
    """/bench/bare: the officers' list page by hand — the same WHERE, ORDER BY, LIMIT/OFFSET
    and count as FAB's list, only the columns shown, a bare Jinja table (same SLA cell).
    ``office``: one id, ids separated by commas (a province's area) or ``all`` (the
    headquarters); ``state`` the state filter; ``q`` adds ``title ILIKE '%q%'`` (what FAB's
    "contains" filter sends; bench_peer calls it /bench/bare-search)."""
    import sqlalchemy as sa
    from flask import request

    from app.models import CHANNELS, REQUEST_STATES
    from app.models import ActivityRequest as R
    from app.offices.sla import sla_cell

    states = {k: str(v) for k, v in REQUEST_STATES.items()}
    channels = {k: str(v) for k, v in CHANNELS.items()}
    # Compiled once, as render_template does with a template file: render_template_string
    # compiled it on every request (~3 ms of a ~6 ms page), a handicap no hand-written page has.
    template = app.jinja_env.from_string(BARE_TEMPLATE)

    def bare():
        session = app.appbuilder.session
        page = max(1, request.args.get("page", 1, type=int))
        offices = [int(o) for o in request.args["office"].split(",") if o != "all"]
        where = ([] if not offices else [R.office_id == offices[0]] if len(offices) == 1
                 else [R.office_id.in_(offices)])
        if request.args.get("state"):
            where.append(R.state == request.args["state"])
        if request.args.get("q"):
            where.append(R.title.ilike(f"%{request.args['q']}%"))
        total = session.execute(sa.select(sa.func.count()).select_from(R).where(*where)).scalar()
        rows = session.execute(
            sa.select(R.id, R.office_id, R.tracking_code, R.title, R.agency_name, R.year,
                      R.channel, R.state, R.due_date, R.sent_at, R.clock_paused_at)
            # FAB breaks ties by the key too
            .where(*where).order_by(R.created_at.desc(), R.id.desc())
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        first = (page - 1) * PAGE_SIZE + 1
        context = dict(rows=rows, total=total, page=page, first=first,
                       last=first + len(rows) - 1, states=states, channels=channels,
                       sla=sla_cell)
        app.update_template_context(context)  # as render_template: the user is loaded too
        return template.render(context)

    app.add_url_rule("/bench/bare", "bench_bare", bare)
    app.add_url_rule("/bench/bare-search", "bench_bare_search", bare)


def _list_view(app):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == "ActivityRequestView")


def _filter_index(view, column: str, filter_name: str) -> int:
    for i, flt in enumerate(view._filters.get_search_filters()[column]):
        if type(flt).__name__ == filter_name:
            return i
    raise LookupError(f"no {filter_name} on {column}")


def bench_list(app, counter: SqlCounter, effort: dict) -> dict:
    import sqlalchemy as sa

    from app.models import ActivityRequest, RekomUser

    client = app.test_client()
    log_in(client, "petugas1")
    with app.app_context():
        session = app.appbuilder.session
        office_id = session.scalar(sa.select(RekomUser.office_id)
                                   .where(RekomUser.username == "petugas1"))
        total = session.scalar(sa.select(sa.func.count()).select_from(ActivityRequest)
                               .where(ActivityRequest.office_id == office_id))
        submitted = session.scalar(sa.select(sa.func.count()).select_from(ActivityRequest)
                                   .where(ActivityRequest.office_id == office_id,
                                          ActivityRequest.state == "submitted"))
        session.remove()
    view = _list_view(app)
    eq_state = _filter_index(view, "state", "FilterEqual")
    last_page = max(1, math.ceil(total / PAGE_SIZE))
    deep = min(200, last_page)
    pages = {
        "first": ("page_ActivityRequestView=0", "page=1"),
        "deep": (f"page_ActivityRequestView={deep - 1}", f"page={deep}"),
        # The list with a filter from its search form: state = submitted.
        "filtered": (f"_flt_{eq_state}_state=submitted&page_ActivityRequestView=0",
                     "state=submitted&page=1"),
    }

    def getter(url):
        def get():
            answer = client.get(url)
            if answer.status_code != 200:
                raise RuntimeError(f"GET {url}: {answer.status_code}")
            return answer
        return get

    fns, sql, same_rows = {}, {}, {}
    # Per-row queries (N+1) show as more statements for more rows: the first page with 5 rows.
    small = getter("/activityrequestview/list/?psize_ActivityRequestView=5"
                   "&page_ActivityRequestView=0")
    small()
    sql_5_rows = counter.run(small)["count"]
    for name, (fab_args, bare_args) in pages.items():
        fab = getter(f"/activityrequestview/list/?{fab_args}")
        bare = getter(f"/bench/bare?office={office_id}&{bare_args}")
        fns[f"fab_{name}"], fns[f"bare_{name}"] = fab, bare
        fab(), bare()  # warm
        sql[f"fab_{name}"] = counter.run(fab)
        sql[f"bare_{name}"] = counter.run(bare)
        fab_html, bare_html = fab().get_data(as_text=True), bare().get_data(as_text=True)
        codes = re.findall(r"RKS-[0-9A-Z-]+", bare_html)
        same_rows[name] = bool(codes) and all(code in fab_html for code in codes)
    samples = interleaved(fns, effort["list_min"], effort["list_max"], effort["list_budget"],
                          effort["warmup"])
    timings = {name: ms_stats(s) for name, s in samples.items()}
    out = {"office_rows": total, "submitted_rows": submitted, "deep_page": deep,
           "sql_first_page_5_rows": sql_5_rows,
           "last_page": last_page, "same_rows": same_rows, "timings": timings,
           "sql": {k: {kk: v[kk] for kk in ("count", "distinct", "repeated",
                                            "n_plus_one_suspects")}
                   for k, v in sql.items()},
           "sql_statements_fab_first": sql["fab_first"]["statements"],
           "checks": []}
    for name in pages:
        fab, bare = timings[f"fab_{name}"]["median_ms"], timings[f"bare_{name}"]["median_ms"]
        ratio = fab / bare
        page_no = {"first": 1, "deep": deep, "filtered": 1}[name]
        out["checks"].append(check(
            f"list {name} page (page {page_no}) median, FAB / bare", fab, "ms",
            f"<= {TARGETS['list_ratio']}x bare", ratio <= TARGETS["list_ratio"],
            baseline=bare, ratio=ratio))
    counts = {name: sql[f"fab_{name}"]["count"] for name in pages}
    counts["first_5_rows"] = sql_5_rows
    out["checks"].append(check(
        "list SQL statements per page (first/deep/filtered/5 rows)", counts, "statements",
        "the same on every page, page size and data size (no N+1)",
        len(set(counts.values())) == 1,
        baseline={name: sql[f"bare_{name}"]["count"] for name in pages},
        note="most repeated: " + "; ".join(
            f"{r['times']}x {r['sql'][:90]}" for r in sql["fab_first"]["repeated"][:2])))
    return out
