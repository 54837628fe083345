"""The screen contract (issue 19): no staff screen that writes ever answers with a 500, database
or Python text, or a lost form.

For every FAB ModelView of the app that offers add and/or edit (ours in app/views.py and FAB's
security screens) and every role that may use it (the matrix in app/auth/security.py; the admin
holds everything), the add form and the edit form (of a throwaway row of office X) are read as a
browser reads them (tests/screen_forms.py) and submitted:

- ``empty``: nothing but what no person types (the CSRF token, when on);
- ``required``: the fields the form marks required (``required`` or the label's "*") filled, the
  rest as the page shows them;
- ``typical``: every field filled with an ordinary value for its kind (a select: one of the
  options the page offers);
- ``hostile-<kind>``: the typical filling with one hostile value (``screen_forms.HOSTILE``) in
  every typed field at once; each field the form then refuses goes back to its typical value and
  the rest is sent again, until the form is accepted or refuses with no field named (at most a
  few rounds): so a field whose own checks let the value through is sent to the database.

Every answer: never a 5xx; never database or Python text; a refusal brings the form back with
every typed value still in it and its messages in Indonesian (no English defaults of FAB or
WTForms, no stored code); an acceptance (302) stored the row, and its values read back.

Every @action of these views (``view.actions``), as each role that may use it, on a row of office
X: POST /<view>/action_post and GET /<view>/action/<name>/<pk>: never a 5xx nor database text.

``SCREENS`` names the views the contract covers and what the HTML cannot tell; a view found in
the app and not named there fails ``test_every_writing_view_is_covered``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pytest
import sqlalchemy as sa
from flask_appbuilder import ModelView

from app.auth.roles import ADMIN, APPLICANT, HEAD, OFFICER, role_permissions

import screen_forms as sf
from conftest import OFFICE_X, PASSWORD, app_config, make_rows

# One user of the world per role.
ROLE_USERS = {ADMIN: "admin", OFFICER: "officer_x", HEAD: "head_x", APPLICANT: "applicant_a"}

# What a user must never read on a screen.
DATABASE_TEXT = ("IntegrityError", "sqlite3", "psycopg", "[SQL:", "Traceback", "constraint",
                 "Kesalahan Basis Data", "Database error", "OperationalError", "DataError",
                 "StatementError", "sqlalchemy", "sqlalche.me", "<class '",
                 "Attempting to flush")
# FAB's and WTForms' English defaults (the refusal must be in Indonesian).
ENGLISH = ("This field is required.", "Not a valid", "Invalid", "Field must be",
           "already exists", "is not a valid", "Please", "Error")

WORKFLOW_ACTIONS = ("close", "draft_letter", "initial", "issue", "request_revision",
                    "resubmit", "return_draft", "send", "start_review", "submit", "verify")


def _option(text):
    """The option of a select whose visible text is ``text`` (values the page alone decides)."""
    def pick(f, n):
        return [v for v, t in f.options if t == text]
    return pick


def _far_day(f, n):
    # Days off far from every date other tests count working days in.
    return (dt.date(2045, 1, 1) + dt.timedelta(days=n)).isoformat()


@dataclass(frozen=True)
class Screen:
    permission: str  # the view's class_permission_name
    forms: tuple = ()  # "add", "edit" as base_permissions offer them
    actions: tuple = ()
    row: str | None = None  # the key of the row its edit form and actions use (``rows``)
    # field -> value or f(field, n): what HTML can't tell
    values: dict = field(default_factory=dict)
    light: bool = False  # a second route of a screen already walked: no hostile fillings
    reads_from: str | None = None  # the screen a new row is read back on (default: this one)


SCREENS = {
    "ActivityRequestView": Screen("ActivityRequestView", ("add", "edit"), WORKFLOW_ACTIONS,
                                  "request"),
    "OverdueRequestView": Screen("ActivityRequestView", ("add", "edit"), WORKFLOW_ACTIONS,
                                 "overdue_request", light=True,
                                 reads_from="ActivityRequestView"),
    "RequestVariableView": Screen("RequestVariableView", ("add", "edit"), (), "variable"),
    "RequestIndicatorView": Screen("RequestIndicatorView", ("add", "edit"), (), "indicator"),
    "AttachmentView": Screen("AttachmentView", ("add", "edit"), (), "attachment"),
    "LetterView": Screen("LetterView", ("edit",), (), "letter"),
    # Results handed in after the letter: no form, two actions (requests/results.py).
    "ActivityResultView": Screen("ActivityResultView", (), ("receive", "return_results"),
                                 "result"),
    "ResultsOverdueView": Screen("ActivityRequestView", ("add", "edit"), WORKFLOW_ACTIONS,
                                 "results_overdue_request", light=True,
                                 reads_from="ActivityRequestView"),
    "ComplaintView": Screen("ComplaintView", ("add", "edit"), ("answer", "close", "take"),
                            "complaint"),
    "OverdueComplaintView": Screen("ComplaintView", ("add", "edit"), ("answer", "close", "take"),
                                   "overdue_complaint", light=True,
                                   reads_from="ComplaintView"),
    "QueueTicketView": Screen("QueueTicketView", ("add", "edit"),
                              ("call_next", "done", "no_show", "serve"), "ticket"),
    "GuestBookEntryView": Screen("GuestBookEntryView", ("add", "edit"), (), "guest"),
    "OfficeView": Screen("OfficeView", ("add", "edit"), (), "office",
                         values={"code": lambda f, n: str(7000 + n)}),
    "OfficeSettingView": Screen("OfficeSettingView", ("add", "edit"), (), "setting", values={
        "number_pattern": "B-{seq}/{office_code}/{classification}/{year}"}),
    "ChecklistItemView": Screen("ChecklistItemView", ("add", "edit"), (), "checklist"),
    "NonWorkingDayView": Screen("NonWorkingDayView", ("add", "edit"), (), "day_off",
                                values={"day": _far_day}),
    "RekomUserDBModelView": Screen("UserDBModelView", ("add", "edit"),
                                   ("resetmypassword", "resetpasswords", "userinfoedit", "unlock"),
                                   "user",
                                   values={"roles": _option("Pemohon")}),
    "RekomRoleModelView": Screen("RekomRoleModelView", ("add", "edit"), ("copyrole",), "role"),
    "RekomGroupModelView": Screen("RekomGroupModelView", ("add", "edit"), (), "group",
                                  values={"roles": _option("Pemohon")}),
    # Writes nothing through a form; its action does.
    "OutboundEmailView": Screen("OutboundEmailView", (), ("retry",), "email"),
    # The actions lead to the erase and refuse forms (tests/test_own_data.py fills them).
    "ErasureRequestView": Screen("ErasureRequestView", (), ("erase", "refuse"), "erasure"),
    # A form with a file: without a certificate file every filling is refused in words
    # (tests/test_letter_certificates.py installs real ones).
    "SigningCertificateView": Screen("SigningCertificateView", ("add",), ("withdraw",),
                                     "certificate"),
}

# Relations typed as a code (web/lookups.py), as a person types them: the throwaway request of
# office X (``rows``), an applicant's e-mail address. Not in ``Screen.values``: the hostile
# fillings type into them too.
TYPED = {"request": "RKS-TSC1", "applicant": "applicant_a@rekomstat.test"}

FILLINGS = ("empty", "required", "typical", *(f"hostile-{k}" for k in sf.HOSTILE))


def may(role: str, permission: str, view: str) -> bool:
    return role == ADMIN or (permission, view) in role_permissions(role)


def _form_cases():
    for name, screen in SCREENS.items():
        for role, user in ROLE_USERS.items():
            for form in screen.forms:
                if may(role, f"can_{form}", screen.permission):
                    for filling in FILLINGS:
                        if screen.light and filling.startswith("hostile"):
                            continue
                        yield pytest.param(name, user, form, filling,
                                           id=f"{name}-{user}-{form}-{filling}")


def _action_cases():
    for name, screen in SCREENS.items():
        for role, user in ROLE_USERS.items():
            for act in screen.actions:
                if may(role, act, screen.permission):
                    yield pytest.param(name, user, act, id=f"{name}-{user}-{act}")


# --- the app's views and the rows they work on --------------------------------------------------


def _views(app) -> dict:
    return {type(v).__name__: v for v in app.appbuilder.baseviews if isinstance(v, ModelView)}


def test_every_writing_view_is_covered(app, world):
    """A new screen that writes (or a new action) fails here until SCREENS covers it."""
    views = _views(app)
    writing = {n for n, v in views.items() if {"can_add", "can_edit"} & set(v.base_permissions)}
    with_actions = {n for n, v in views.items() if v.actions}
    assert writing == {n for n, s in SCREENS.items() if s.forms}
    assert with_actions == {n for n, s in SCREENS.items() if s.actions}
    for name, screen in SCREENS.items():
        view = views[name]
        assert view.class_permission_name == screen.permission, name
        offered = tuple(f for f in ("add", "edit") if f"can_{f}" in view.base_permissions)
        assert set(offered) == set(screen.forms), name
        assert set(view.actions) == set(screen.actions), name


def test_the_matrix_is_what_the_security_manager_grants(app, world):
    """The roles walked per form and action are the ones FAB lets through."""
    from app.models import RekomUser

    with app.app_context():
        sm, session = app.appbuilder.sm, app.appbuilder.session
        for role, user in ROLE_USERS.items():
            account = session.get(RekomUser, world.users[user])
            for screen in SCREENS.values():
                for perm in [f"can_{f}" for f in screen.forms] + list(screen.actions):
                    granted = sm._has_view_access(account, perm, screen.permission)
                    assert granted == may(role, perm, screen.permission), (user, perm, screen)


@pytest.fixture(scope="module")
def rows(app, world, leave_no_trace):
    """Throwaway rows of office X for the edit forms and the actions (what the fillings change
    must not be rows other tests read)."""
    from app import models as m
    from app.ops.bootstrap import create_user

    with app.app_context():
        session, sm = app.appbuilder.session, app.appbuilder.sm
        office_id = world.offices[OFFICE_X]
        made = make_rows(session, m, office_id, world.users["applicant_a"], world.users["admin"],
                         "SC1")
        overdue = make_rows(session, m, office_id, world.users["applicant_a"],
                            world.users["admin"], "SC2")
        # The overdue screens show a row only past its due date.
        req = session.get(m.ActivityRequest, overdue["ActivityRequestView"])
        req.due_date, req.submitted_at = dt.date(2020, 1, 2), dt.datetime(2019, 11, 1)
        complaint = session.get(m.Complaint, overdue["ComplaintView"])
        complaint.due_date, complaint.state = dt.date(2020, 1, 2), "received"
        # The results-overdue screen: a sent request whose results were due long ago.
        results_late = make_rows(session, m, office_id, world.users["applicant_a"],
                                 world.users["admin"], "SC3")
        req = session.get(m.ActivityRequest, results_late["ActivityRequestView"])
        req.state, req.results_due_date = "sent", dt.date(2020, 1, 2)
        session.get(m.Complaint, made["ComplaintView"]).state = "received"
        session.commit()
        # The office-level rows (the office, its settings, its checklist) of an office of the
        # contract's own: office X's are what every other test numbers letters and checks by.
        from app.ops.bootstrap import ensure_office

        own = ensure_office("7999", "Kantor Kontrak Layar")
        own_setting = session.scalar(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == own.id))
        own_item = session.scalar(sa.select(sa.func.min(m.ChecklistItem.id)).where(
            m.ChecklistItem.office_id == own.id))
        user = create_user(APPLICANT, "kontrak.layar", "kontrak.layar@rekomstat.test", PASSWORD)
        role = sm.add_role("Peran Kontrak Layar")
        group = sm.add_group("grup_kontrak_layar", "Grup Kontrak Layar", "Uji", [], [])
        session.commit()
        return {
            "request": made["ActivityRequestView"],
            "overdue_request": overdue["ActivityRequestView"],
            "results_overdue_request": results_late["ActivityRequestView"],
            "result": made["ActivityResultView"],
            "variable": made["RequestVariableView"],
            "indicator": made["RequestIndicatorView"],
            "attachment": made["AttachmentView"],
            "letter": made["LetterView"],
            "complaint": made["ComplaintView"],
            "overdue_complaint": overdue["ComplaintView"],
            "ticket": made["QueueTicketView"],
            "guest": made["GuestBookEntryView"],
            "office": own.id,
            "setting": own_setting,
            "checklist": own_item,
            "day_off": made["NonWorkingDayView"],
            "email": made["OutboundEmailView"],
            "erasure": made["ErasureRequestView"],
            "certificate": made["SigningCertificateView"],
            "user": user.id,
            "role": role.id,
            "group": group.id,
        }


# --- one submission and what the user sees -----------------------------------------------------


def _office_x_option(f, office_name):
    """An office select: office X (the user's office) when offered, so the rows made here stay
    where the world's rows are."""
    for value, text in f.options:
        if text == office_name:
            return value
    return sf.ordinary(f, 0)


class Walk:
    """Submissions of one form by one user, and the problems they showed."""

    def __init__(self, app, client, view, screen, form_name, pk, office_name):
        self.app, self.client, self.view, self.screen = app, client, view, screen
        self.form_name, self.pk, self.office_name = form_name, pk, office_name
        base = view.route_base
        self.url = f"{base}/add" if form_name == "add" else f"{base}/edit/{pk}"
        self.problems: list[str] = []

    def page(self):
        r = self.client.get(self.url)
        assert r.status_code == 200, (self.url, r.status_code)
        form, _ = sf.parse(r.get_data(as_text=True))
        assert form is not None, f"{self.url}: no form on the page"
        return form

    def value(self, f, n):
        wanted = self.screen.values.get(f.name)
        if callable(wanted):
            return wanted(f, n)
        if wanted is not None:
            return wanted
        if f.name in TYPED and f.kind == "text":
            return TYPED[f.name]
        if f.name == "office" and f.kind == "select":
            return _office_x_option(f, self.office_name)
        return sf.ordinary(f, n)

    def fill(self, form, filling):
        """The data a person sends for ``filling``; the typed text fields it holds."""
        n = sf.serial()
        if filling == "empty":
            data = {k: v for k, v in sf.browser_data(form).items() if k == "csrf_token"}
            return data
        data = sf.browser_data(form)
        for f in form.fields.values():
            if f.kind in ("hidden", "file"):
                continue
            if filling == "required" and not f.required:
                if f.typed:
                    data[f.name] = ""
                continue
            value = self.value(f, n)
            if value is None or value == []:
                continue
            data[f.name] = value
        return data

    def submit(self, data, label):
        """Send ``data``; check the answer; True when accepted."""
        r = _call(self.client, "POST", self.url, data)
        if isinstance(r, str):
            self.problems.append(f"{label}: 500: {r}")
            return False, None
        html = r.get_data(as_text=True)
        where = f"{label}: {r.status_code}"
        if r.status_code >= 500:
            self.problems.append(f"{where}: server error")
            return False, None
        found = [t for t in DATABASE_TEXT if t.lower() in html.lower()]
        if found:
            self.problems.append(f"{where}: database/Python text {found} on the page: "
                                 f"{_snippet(html, found[0])}")
        if r.status_code in (301, 302, 303):
            # FAB's own screens flash a refusal and redirect: the form is gone then.
            after = _call(self.client, "GET", r.headers["Location"], None)
            if isinstance(after, str):
                self.problems.append(f"{where}: the page after it: 500: {after}")
                return False, None
            page = after.get_data(as_text=True)
            found = [t for t in DATABASE_TEXT if t.lower() in page.lower()]
            if found:
                self.problems.append(f"{where}: database/Python text {found} on the page it "
                                     f"leads to: {_snippet(page, found[0])}")
            _, alerts = sf.parse(page)
            # A standing notice of the page led to (rekom-notice: the admin's home says
            # the next year's days off wait to be entered, from October on) is no answer.
            refusals = [t for cls, t in alerts if not {
                "alert-success", "alert-info", "rekom-notice"} & set(cls.split())]
            if refusals:
                stored = self.form_name == "add" and self.newest_pk() != self.before
                self.problems.append(
                    f"{where}: stored, but the page it leads to says {refusals}" if stored else
                    f"{where}: refused and sent to another page, the form and what was typed "
                    f"lost; the user read: {refusals}")
                return False, None
            return True, r
        form, alerts = sf.parse(html)
        text = sf.visible_text(html)
        if form is None and r.status_code == 400 and 'id="bad-input"' in html:
            # Invisible control characters (NUL…) are refused at the door for every form and
            # API alike (app/web/input_guard.py, tests/test_bad_input.py): a 400 page saying so and
            # to go back, where the browser's Back gives the form with what was typed.
            if "nul" not in label:
                self.problems.append(f"{where}: the input guard refused a filling with no "
                                     f"control character: {text[:200]!r}")
            return False, None
        if form is None:
            self.problems.append(f"{where}: refused without the form (typed values lost); the "
                                 f"page says: {text[:300]!r}")
            return False, None
        typed = {k: v for k, v in data.items() if k in form.fields and form.fields[k].typed}
        for name, value in typed.items():
            shown = form.fields[name].values[0] if form.fields[name].values else ""
            if not sf.same_text(value, shown):
                self.problems.append(f"{where}: field {name!r} lost what was typed "
                                     f"({_short(value)!r} came back as {_short(shown)!r})")
        messages = [e for f in form.fields.values() for e in f.errors] + form.stray_errors + [
            t for cls, t in alerts if not {"alert-success", "alert-info"} & set(cls.split())]
        cleaned = text
        for value in sorted((v for v in data.values() if isinstance(v, str)), key=len,
                            reverse=True):
            if len(value) >= 3:
                cleaned = cleaned.replace(" ".join(value.split()), " ")
        english = [e for e in ENGLISH if e in cleaned]
        if english:
            self.problems.append(f"{where}: English on the Indonesian screen {english}: "
                                 f"{_snippet(cleaned, english[0])}")
        for message in messages:
            bare = message
            for value in (v for v in data.values() if isinstance(v, str) and len(v) >= 3):
                bare = bare.replace(" ".join(value.split()), " ")
            code = sf.CODE_LIKE.search(bare)
            if code:
                self.problems.append(f"{where}: a stored code {code.group(0)!r} in the message "
                                     f"{message[:200]!r}")
        if r.status_code not in (200, 400, 409, 422):
            self.problems.append(f"{where}: unexpected answer to a form; the page says "
                                 f"{text[:200]!r}")
        if not messages and r.status_code == 200:
            self.problems.append(f"{where}: the form came back without any message saying why")
        return False, form

    def read_back(self, data, response, label):
        """After an acceptance: the row is there and holds what was typed."""
        if self.form_name == "edit":
            pk = self.pk
        else:
            pk = self.newest_pk()
            if pk is None or pk == self.before:
                self.problems.append(f"{label}: accepted, but no new row was stored")
                return
        can_edit = "edit" in self.screen.forms and self.edit_allowed
        base = self.view.route_base if self.form_name == "edit" else self.read_base
        if can_edit:
            r = self.client.get(f"{base}/edit/{pk}")
            form, _ = sf.parse(r.get_data(as_text=True))
            if form is None:
                self.problems.append(f"{label}: accepted, but the row {pk} cannot be opened")
                return
            for name, value in data.items():
                f = form.fields.get(name)
                if f is None or not f.typed or not isinstance(value, str) or not value.strip():
                    continue
                shown = f.values[0] if f.values else ""
                if not (sf.same_text(value, shown) or _same_kind(name, value, shown)):
                    self.problems.append(f"{label}: accepted, but {name!r} reads back as "
                                         f"{_short(shown)!r}, typed {_short(value)!r}")
        else:
            r = self.client.get(f"{base}/show/{pk}")
            text = sf.visible_text(r.get_data(as_text=True))
            for name, value in data.items():
                if isinstance(value, str) and value.strip() and name in self.text_fields:
                    if " ".join(value.split()) not in text:
                        self.problems.append(f"{label}: accepted, but {name!r} "
                                             f"({_short(value)!r}) is not on the row's page")

    def newest_pk(self):
        with self.app.app_context():
            model = self.view.datamodel.obj
            pk = sa.inspect(model).primary_key[0]
            return self.app.appbuilder.session.scalar(sa.select(sa.func.max(pk)))


def _call(client, method, url, data, follow_redirects=False):
    """The answer, or what the user would have met as a 500 (TESTING lets exceptions through)."""
    try:
        return client.open(url, method=method, data=data, follow_redirects=follow_redirects)
    except Exception as err:  # noqa: BLE001 - any exception is the user's 500
        return f"{type(err).__name__}: {err}"[:300]


def _same_kind(name, typed, shown) -> bool:
    """Values the form stores in a normal form: a NIP's digits, an e-mail in lower case."""
    if "nip" in name:
        return re.sub(r"\D", "", typed) == re.sub(r"\D", "", shown)
    if "email" in name:
        return typed.strip().lower() == shown.strip().lower()
    try:  # a number the form writes with its decimals (2.5 -> 2.500)
        return Decimal(typed) == Decimal(shown)
    except (InvalidOperation, ValueError):
        return False


def _short(value, n=60):
    value = value if isinstance(value, str) else repr(value)
    return value if len(value) <= n else f"{value[:n]}…({len(value)} chars)"


def _snippet(text, word, n=160):
    i = text.lower().find(word.lower())
    return repr(text[max(0, i - n // 2): i + n])


# --- the contract -------------------------------------------------------------------------------


@pytest.mark.parametrize("view_name,user,form_name,filling", list(_form_cases()))
def test_form(app, world, clients, rows, view_name, user, form_name, filling):
    screen = SCREENS[view_name]
    view = _views(app)[view_name]
    walk = Walk(app, clients[user], view, screen, form_name, rows.get(screen.row),
                "BPS Kota Lubuklinggau")
    role = next(r for r, u in ROLE_USERS.items() if u == user)
    walk.edit_allowed = may(role, "can_edit", screen.permission)
    walk.read_base = _views(app)[screen.reads_from or view_name].route_base
    form = walk.page()
    walk.text_fields = {n for n, f in form.fields.items() if f.typed}
    walk.before = walk.newest_pk() if form_name == "add" else None
    label = f"{view_name} as {user}, {form_name} form, {filling}"

    if not filling.startswith("hostile"):
        data = walk.fill(form, filling)
        accepted, response = walk.submit(data, label)
        if accepted:
            walk.read_back(data, response, label)
    else:
        kind = filling.split("-", 1)[1]
        value = sf.HOSTILE[kind]
        data = walk.fill(form, "typical")
        typical = dict(data)
        hostile = {n for n, f in form.fields.items() if f.typed and f.name in data
                   and f.name not in screen.values}
        for round_ in range(1, 5):
            for name in hostile:
                data[name] = value
            if not hostile:
                break
            walk.before = walk.newest_pk() if form_name == "add" else None
            step = f"{label}, round {round_} ({len(hostile)} fields: {sorted(hostile)[:6]}…)"
            accepted, answer = walk.submit(dict(data), step)
            if accepted:
                walk.read_back(data, answer, step)
                break
            if answer is None:
                break
            refused = {n for n in hostile if answer.fields.get(n) and answer.fields[n].errors}
            if not refused:
                break
            hostile -= refused
            n = sf.serial()
            for name in refused:  # back to an ordinary (new, unique) value
                data[name] = walk.value(form.fields[name], n) or typical[name]
    if walk.problems:
        pytest.fail("\n".join(walk.problems), pytrace=False)


@pytest.mark.parametrize("view_name,user,action", list(_action_cases()))
def test_action(app, world, clients, rows, view_name, user, action):
    view = _views(app)[view_name]
    pk = rows[SCREENS[view_name].row]
    client = clients[user]
    problems = []
    for method, url, data in (
        ("POST", f"{view.route_base}/action_post", {"action": action, "rowid": [str(pk)]}),
        ("GET", f"{view.route_base}/action/{action}/{pk}", None),
    ):
        r = _call(client, method, url, data, follow_redirects=True)
        if isinstance(r, str):
            problems.append(f"{method} {url}: 500: {r}")
            continue
        html = r.get_data(as_text=True)
        if r.status_code >= 500:
            problems.append(f"{method} {url}: {r.status_code}")
        found = [t for t in DATABASE_TEXT if t.lower() in html.lower()]
        if found:
            problems.append(f"{method} {url}: database/Python text {found}: "
                            f"{_snippet(html, found[0])}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# --- with CSRF on, as in production ------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded(app):
    from app import create_app

    return create_app({**app_config(), "WTF_CSRF_ENABLED": True})


def test_request_form_with_csrf(guarded, world):
    """The officer's "+" screen for requests with the token a browser sends: a plain paper form
    is recorded; an impossible one comes back with what was typed and no database text."""
    client = guarded.test_client()
    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = client.post("/login/", data={"username": "officer_x", "password": PASSWORD,
                                     "csrf_token": token})
    assert r.status_code == 302
    form, _ = sf.parse(client.get("/activityrequestview/add").get_data(as_text=True))
    assert "csrf_token" in form.fields
    n = sf.serial()
    data = sf.browser_data(form)
    for f in form.fields.values():
        if f.kind not in ("hidden", "file"):
            value = sf.ordinary(f, n)
            if value not in (None, []):
                data[f.name] = value
    data["title"] = f"Survei Biaya Hidup Kertas {n}"
    r = client.post("/activityrequestview/add", data=data)
    assert r.status_code == 302, sf.visible_text(r.get_data(as_text=True))[:500]
    # Without the token: refused, and nothing of the database shown.
    r = client.post("/activityrequestview/add", data={**data, "csrf_token": ""})
    assert r.status_code < 500
    assert not [t for t in DATABASE_TEXT if t.lower() in r.get_data(as_text=True).lower()]
    # An impossible form (the collection ends before it starts, the year beyond the range).
    bad = {**data, "collection_start": "2027-04-30", "collection_end": "2027-03-01",
           "year": "99999999999999999999", "title": "<b>Survei</b> '; DROP TABLE x;--"}
    r = client.post("/activityrequestview/add", data=bad)
    html = r.get_data(as_text=True)
    assert r.status_code in (200, 422), r.status_code
    assert not [t for t in DATABASE_TEXT if t.lower() in html.lower()]
    back, _ = sf.parse(html)
    assert back is not None
    for name in ("title", "year", "collection_start", "collection_end", "agency_name"):
        assert sf.same_text(bad[name], back.fields[name].values[0]), name
