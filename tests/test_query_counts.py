"""SQL statements per page: constant however many rows the office has (no N+1), and at most one
permission query per request whatever the number of checks, none while a role's permissions
are kept (auth/security.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import models as m

from conftest import OFFICE_X, seed, statements


def _page(app, client, url):
    with statements(app) as seen:
        answer = client.get(url)
    assert answer.status_code == 200, url
    return seen


def _cold_page(app, client, url):
    """A page with nothing kept in the process (the badge, the role's permissions, the
    offices): every page compared starts alike."""
    from app.core import process_cache

    process_cache.forget_all()
    return _page(app, client, url)


def test_the_officers_request_list_costs_the_same_with_more_rows(app, world, wf, clients):
    client = clients["officer_x"]
    url = "/activityrequestview/list/?psize_ActivityRequestView=25"
    _cold_page(app, client, url)  # warm: first-request work is not the page's
    with app.app_context():
        session = app.appbuilder.session
        for state in ("submitted", "in_review", "letter_drafted", "issued", "sent") * 6:
            seed(session, world, wf, state)
    before = _cold_page(app, client, url)
    with app.app_context():
        session = app.appbuilder.session
        for state in ("submitted", "in_review", "letter_drafted", "issued", "sent") * 6:
            seed(session, world, wf, state)
    after = _cold_page(app, client, url)
    assert len(after) == len(before), (len(before), len(after))
    deep = _cold_page(app, client, url + "&page_ActivityRequestView=2")
    assert len(deep) == len(before)


STAFF_LISTS = ("/requestvariableview/list/", "/requestindicatorview/list/",
               "/attachmentview/list/", "/reviewview/list/", "/activityresultview/list/",
               "/letterview/list/", "/ratingview/list/", "/complaintview/list/",
               "/queueticketview/list/", "/guestbookentryview/list/", "/auditeventview/list/")


@pytest.mark.parametrize("user", ["officer_x", "admin"])
def test_every_staff_list_costs_the_same_with_more_rows(app, world, clients, user):
    """The lists that show a row's request, applicant or officer read them for the whole page
    at once (RekomInterface.list_relations): FAB loaded each row's, one statement a row (a
    page of 25 variables: 30 statements)."""
    from conftest import make_rows

    client = clients[user]

    def more_rows(tag):
        with app.app_context():
            session = app.appbuilder.session
            for n, applicant in enumerate(("applicant_a", "applicant_b") * 2):
                make_rows(session, m, world.offices[OFFICE_X], world.users[applicant],
                          world.users["officer_x"], f"QC{user[0]}{tag}{n}")
            session.remove()

    more_rows("a")
    for url in STAFF_LISTS:
        _cold_page(app, client, url)  # warm
    before = {url: len(_cold_page(app, client, url)) for url in STAFF_LISTS}
    more_rows("b")
    after = {url: len(_cold_page(app, client, url)) for url in STAFF_LISTS}
    # Never more; one fewer is fine: an office read for the page's rows is then in the
    # session already when the page looks it up again (the queue's panel, by key).
    grew = {url: (before[url], n) for url, n in after.items() if n > before[url]}
    assert grew == {}


def test_the_users_list_costs_the_same_with_more_accounts(app, world, clients):
    """The admin's users' list reads the page's offices and roles at once (FAB's screen read
    each row's: 57 statements a page), and shows them as before."""
    import uuid

    from app.ops.bootstrap import create_user

    from conftest import PASSWORD

    tag = uuid.uuid4().hex[:6]

    def accounts(first, people):
        with app.app_context():
            for n, (role, office) in enumerate(people, start=first):
                create_user(role, f"akun.{tag}.{n}", f"akun.{tag}.{n}@rekomstat.test",
                            PASSWORD, "Akun", f"Baru {n}", office_code=office)
            app.appbuilder.session.remove()

    client = clients["admin"]
    url = f"/users/list/?_flt_2_username=akun.{tag}."
    accounts(0, [("Officer", OFFICE_X), ("Applicant", None)])
    _cold_page(app, client, url)  # warm
    before = len(_cold_page(app, client, url))
    accounts(2, [("Head", OFFICE_X), ("Applicant", None), ("SectionHead", OFFICE_X),
                 ("Officer", "1671")])
    after = _cold_page(app, client, url)
    assert len(after) <= before, after
    page = client.get(url).get_data(as_text=True)
    assert page.count(f"akun.{tag}.") >= 6
    row = page[page.index(f"akun.{tag}.2"):]
    assert "Kepala kantor" in row[:600] and "BPS Kota Lubuklinggau" in row[:600]
    row = page[page.index(f"akun.{tag}.5"):]
    assert "Petugas" in row[:600] and "BPS Kota Palembang" in row[:600]


def test_the_officers_list_loads_only_the_columns_its_cells_read(app, world, wf, clients):
    """A page of requests selects what its cells read (RekomInterface.list_load), not all ~100
    columns of the form: a deep page's sort carries narrow rows. A column the cells read and
    the list left out would load row by row: the page count above would grow."""
    client = clients["officer_x"]
    url = "/activityrequestview/list/?psize_ActivityRequestView=25"
    _page(app, client, url)
    seen = _page(app, client, url)
    page = [s for s in seen if "FROM activity_request" in s and "LIMIT" in s.upper()]
    assert len(page) == 1, seen
    assert "activity_request.title" in page[0] and "activity_request.sent_at" in page[0]
    assert "activity_request.objectives" not in page[0]
    assert "activity_request.collection_methods" not in page[0]


def test_the_officers_list_reads_no_office_select_and_the_roles_with_the_user(app, world,
                                                                              clients):
    """The search form has no office select for an officer (their office only: a query for
    nothing), and the user's roles, groups and the groups' roles come with the user, in one
    query (security.get_user_by_id)."""
    # Warm: the office tree (who reads which offices, issue 27) is read once per process and
    # kept like the offices themselves; the page itself reads no office.
    _page(app, clients["officer_x"], "/activityrequestview/list/")
    seen = _page(app, clients["officer_x"], "/activityrequestview/list/")
    assert not [s for s in seen if "FROM office" in s], seen
    roles = [s for s in seen if "ab_user_role" in s]
    groups = [s for s in seen if "ab_user_group" in s]
    assert len(roles) == 1 and roles == groups and "ab_group_role" in roles[0], (roles, groups)
    # The role's permissions were read by the warm-up page and are kept (process_cache).
    permission_queries = [s for s in seen if "ab_permission_view_role" in s]
    assert permission_queries == []


def test_a_roles_permissions_are_kept_and_an_edit_applies_at_once(app, world, clients):
    """A role's permissions are read once and kept for ROLE_PERMISSIONS_TTL_S; an admin's
    edit (FAB's security manager, through the ORM) applies on the very next request."""
    from app.core import process_cache

    process_cache.forget_all()
    client, url = clients["officer_x"], "/activityrequestview/list/"
    first = _page(app, client, url)
    assert len([s for s in first if "ab_permission_view_role" in s]) == 1
    assert not [s for s in _page(app, client, url) if "ab_permission_view_role" in s]
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Officer")
        pv = sm.find_permission_view_menu("can_list", "ActivityRequestView")
        sm.del_permission_role(role, pv)
    try:
        answer = client.get(url)
        assert answer.status_code in (302, 403), answer.status_code  # refused at once
    finally:
        with app.app_context():
            sm = app.appbuilder.sm
            sm.add_permission_role(sm.find_role("Officer"),
                                   sm.find_permission_view_menu("can_list",
                                                                "ActivityRequestView"))
    assert client.get(url).status_code == 200


def _dialect(app) -> str:
    with app.app_context():
        return app.extensions["sqlalchemy"].engine.dialect.name


def test_loading_the_user_reads_by_index_however_many_accounts(app, world, clients):
    """Every request loads the logged-in user with roles and groups: on SQLite its query may
    not scan a table or materialize a join (it did scan the whole ab_user_role for the nested
    join of an eager many-to-many load: 2 ms at 10 000 accounts, growing with each
    registration)."""
    if _dialect(app) != "sqlite":
        pytest.skip("PostgreSQL plans the joins by index either way; its tiny test tables make "
                    "its plans say nothing")
    with statements(app) as seen:
        assert clients["applicant_a"].get("/portal/").status_code == 200
    loads = [s for s in seen if "ab_user_role" in s or "ab_user_group" in s]
    assert len(loads) == 1
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    user_id = world.users["applicant_a"]
    with engine.connect() as conn:
        for sql in loads:
            plan = [row[-1] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, tuple([user_id] * sql.count("?")))]
            assert not [p for p in plan if p.startswith(("SCAN", "MATERIALIZE"))], (sql, plan)


def test_permission_checks_cost_one_query_a_request(app, world, clients):
    for name in ("officer_x", "head_x", "applicant_a"):
        seen = _page(app, clients[name], "/activityrequestview/list/" if name != "applicant_a"
                     else "/portal/")
        permission_queries = [s for s in seen if "ab_permission_view_role" in s]
        assert len(permission_queries) <= 2, (name, len(permission_queries))


def test_a_new_request_submitted_at_once_is_written_once(app, world, clients):
    """The applicant's form, complete, with "Submit": the request's row is inserted once in
    its final state (no UPDATE after it, no locked re-read), its two events go in one INSERT
    and its mails (the applicant's and the officers') in another, all in one transaction."""
    from test_portal import _complete, _new_request_id

    title = "Survei Satu Kali Tulis Posyandu 2027"
    with statements(app) as seen:
        answer = clients["applicant_a"].post(
            "/portal/requests/new", data=_complete(title, world.offices["1674"]))
    assert answer.status_code == 302
    req_id = _new_request_id(app, title)
    assert answer.headers["Location"].endswith(f"/portal/requests/{req_id}")

    def touching(table, verb):
        return [s for s in seen if s.lstrip().upper().startswith(verb)
                and f" {table} " in f" {s} ".replace("\n", " ").replace("(", " ")]

    assert len(touching("activity_request", "INSERT")) == 1
    assert touching("activity_request", "UPDATE") == []
    assert touching("activity_request", "SELECT") == []
    assert len(touching("audit_event", "INSERT")) == 1
    assert len(touching("outbound_email", "INSERT")) == 1  # the applicant and the officers
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        assert (req.state, req.due_date is not None, req.submitted_at is not None) == (
            "submitted", True, True)
        events = session.execute(sa.select(m.AuditEvent.action, m.AuditEvent.from_state,
                                           m.AuditEvent.to_state)
                                 .where(m.AuditEvent.object_type == "activity_request",
                                        m.AuditEvent.object_id == req_id)
                                 .order_by(m.AuditEvent.id)).all()
        assert [tuple(e) for e in events] == [("create", None, "draft"),
                                              ("submit", "draft", "submitted")]
        session.commit()


def test_the_user_loads_whole_with_several_roles_and_a_group(app, world):
    """The one-query load (flat joins multiply rows: roles × groups × the groups' roles) gives
    each collection once, complete, for a user with two roles and a group of two roles."""
    from flask_appbuilder.security.sqla.models import Group

    with app.app_context():
        sm, session = app.appbuilder.sm, app.appbuilder.session
        officer, head, admin = (sm.find_role(n) for n in ("Officer", "Head", "Admin"))
        user = session.get(m.RekomUser, world.users["officer_x"])
        group = Group(name="uji-grup-muat", label="Uji grup", roles=[head, admin])
        session.add(group)
        user.roles = [officer, head]
        session.flush()
        # FAB's Group.users expects FAB's own User class, not our subclass: the row by hand.
        user_group = m.RekomUser.groups.property.secondary
        session.execute(user_group.insert().values(user_id=user.id, group_id=group.id))
        group_id = group.id
        session.commit()
        try:
            session.expunge_all()
            loaded = sm.get_user_by_id(world.users["officer_x"])
            assert sorted(r.name for r in loaded.roles) == ["Head", "Officer"]
            assert [g.name for g in loaded.groups] == ["uji-grup-muat"]
            assert sorted(r.name for r in loaded.groups[0].roles) == ["Admin", "Head"]
            assert sm.get_user_by_id(10**9) is None
        finally:
            session.rollback()
            session.execute(user_group.delete().where(user_group.c.group_id == group_id))
            user = session.get(m.RekomUser, world.users["officer_x"])
            user.roles = [sm.find_role("Officer")]
            session.delete(session.get(Group, group_id))
            session.commit()


def test_the_next_submission_reads_the_office_from_the_process(app, world, clients):
    """The office and its settings are read once per process (app/offices/directory.py), not by
    every submission, its workflow guard and its mails."""
    from test_portal import _complete

    office = world.offices["1674"]
    client = clients["applicant_a"]
    for title in ("Survei Kantor Dibaca Sekali 2027", "Survei Kantor Dari Proses 2027"):
        with statements(app) as seen:
            assert client.post("/portal/requests/new",
                               data=_complete(title, office)).status_code == 302
    office_reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")
                    and ("FROM office" in s or "JOIN office" in s)]
    assert office_reads == [], office_reads
    # The tests send mail in the request (MAIL_SEND_IN_REQUEST): its claims are the sender's.
    own = [s for s in seen if "outbound_email" not in s or s.lstrip().startswith("INSERT")]
    # The user; the request, its variables, the officers, the mails, the events.
    assert len(own) == 6, "\n".join(s[:70] for s in own)


def test_the_dashboard_reads_one_office_period_by_index(app, world, clients):
    """The dashboard's figures for one office (received and issued per month, letters sent,
    the overdue ones) read the period's range of an index on (office, date), not every
    request or letter of the office (at 100 000 requests in one office that was most of the
    page; migration 0006).
    SQLite only: PostgreSQL's plans on the tests' few rows say nothing."""
    if _dialect(app) != "sqlite":
        pytest.skip("PostgreSQL plans tiny test tables by sequential scan whatever the indexes")
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert clients["officer_x"].get("/dashboard/").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    wanted = {"activity_request.complete_at >=": "ix_request_office_complete",
              "activity_request.sent_at >=": "ix_request_office_sent",
              "letter.issued_at >=": "ix_letter_office_issued",
              "activity_request.due_date <": "ix_request_office_sent"}
    found = {}
    with engine.connect() as conn:
        for sql, params in seen:
            for marker, index in wanted.items():
                if marker in sql:
                    plan = " | ".join(row[-1] for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + sql, tuple(params)))
                    found[index] = plan
                    assert f"USING INDEX {index}" in plan or \
                        f"USING COVERING INDEX {index}" in plan, (sql, plan)
    assert set(found) == set(wanted.values()), found


def test_the_dashboards_counts_read_their_indexes_alone(app, world):
    """Requests by state and letters sent in a period, for one office, an area and the nation,
    are counted from an index holding every column they read (migration 0031): at a million
    requests reading the table instead was 84-858 ms and 138-1 714 ms a dashboard counted on
    the page. SQLite only, as above; bench/README.md has PostgreSQL's plans at 1M."""
    if _dialect(app) != "sqlite":
        pytest.skip("PostgreSQL plans tiny test tables by sequential scan whatever the indexes")
    import datetime as dt

    from app.reports import figures

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    office = world.offices[OFFICE_X]
    wanted = {("requests_by_state", "office"): "ix_request_office_created",
              ("requests_by_state", "area"): "ix_request_office_created",
              ("requests_by_state", "nation"): "ix_request_created",
              ("sending", "office"): "ix_request_office_sent",
              ("sending", "area"): "ix_request_office_sent",
              ("sending", "nation"): "ix_request_office_sent"}
    with app.app_context():
        session = app.appbuilder.session
        engine = app.extensions["sqlalchemy"].engine
        for (name, coverage), index in wanted.items():
            offices = {"office": office, "area": frozenset(world.offices.values()),
                       "nation": None}[coverage]
            seen.clear()
            sa.event.listen(engine, "before_cursor_execute", record)
            try:
                getattr(figures, name)(session, offices, dt.date(2026, 1, 1),
                                       dt.date(2026, 12, 31), "Asia/Jakarta")
            finally:
                sa.event.remove(engine, "before_cursor_execute", record)
            counts = [(sql, params) for sql, params in seen if "FROM activity_request" in sql]
            assert counts, (name, coverage)
            with engine.connect() as conn:
                for sql, params in counts:
                    plan = " | ".join(row[-1] for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + sql, tuple(params)))
                    assert f"COVERING INDEX {index}" in plan, (name, coverage, plan)
        session.remove()
