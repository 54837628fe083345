"""Every screen in Indonesian (issue: "a test walks every screen in `id` and fails on any
untranslated English string of ours or FAB's"; "dates, numbers, names in Indonesian form").

As each role — anonymous, applicant A, officer and head of office X, admin — in the default
``id`` locale, every GET route of ``app.url_map`` is opened (``walk_urls`` says with which
rows; ``SKIPPED*`` say why a route has no page to read; a route in neither fails
``test_every_get_route_is_walked``), redirects followed (a refusal shows its message on the page
it leads to), plus a few pages that are no route of their own (``EXTRA``: 404s). On each HTML page
the text a user reads (text outside <script>/<style>, and the title, placeholder, alt, aria-label,
label attributes and the value of buttons) must not hold:

(a) an English msgid of our catalogue or FAB's whose Indonesian differs (it was not translated;
    msgids of ours not in the catalogue yet count as English too);
(b) a word of ``ENGLISH_WORDS``, common English UI words that are no Indonesian words;
(c) a date in ISO form (2026-11-24, 2026-11-24 10:00:00, 2026-11-24T…) or a Python repr
    (None, True, False, datetime.…).

Data are Indonesian in the fixtures, except FAB's security tables, whose names are identifiers
(role names, permission and view names): on the security screens only, a text equal to one of
them is data (``data_texts``). What other tests of the session typed into free-text columns
(``TYPED_COLUMNS``) is cut out of a text before it is checked.
"""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import OFFICE_X, PASSWORD, login, seed

ROOT = Path(__file__).resolve().parent.parent
ROLES = (None, "applicant_a", "officer_x", "section_x", "head_x", "admin")

# Routes without a page to read, each with its reason. Whole families first (by endpoint
# suffix or path prefix), then single routes.
SKIPPED_SUFFIXES = {
    ".download": "FAB's file download of a model view: a file, not a page",
}
SKIPPED_PREFIXES = {
    "/api/": "the REST API: JSON for programs (its OpenAPI page is /swagger/v1)",
}
SKIPPED = {
    "static": "static files",
    "appbuilder.static": "FAB's static files",
    "/back": "a redirect to the page seen before: no page of its own",
    "/lang/<string:locale>": "switches the language: the walk stays in id",
    "/logout/": "ends the session the walk uses (its target, /, is walked)",
    "/health": "a status answer for monitors, not a page",
    "/catalogue/similar": "JSON for the request form's hint",
    "/dashboard/export/<kind>": "an Excel file",
    "/dashboard/skm.pdf": "a PDF",
    "/dashboard/skm.xlsx": "an Excel file",
    "/guestbookentryview/export": "a CSV/Excel file",
    "/personaldataaccessview/export": "a CSV file",
    "/activityrequestview/form/<int:pk>": "a PDF",
    "/overduerequestview/form/<int:pk>": "a PDF",
    "/resultsoverdueview/form/<int:pk>": "a PDF",
    "/letterview/pdf/<int:pk>": "a PDF",
    "/portal/form.pdf": "a PDF",
    "/portal/account/data.pdf": "a PDF (tests/test_own_data.py reads it)",
    "/portal/account/data.json": "a JSON file (tests/test_own_data.py reads it)",
    "/portal/documents/<int:attachment_id>": "a file download",
    "/portal/requests/<int:req_id>/form.pdf": "a PDF",
    "/portal/requests/<int:req_id>/letter.pdf": "a PDF",
    "/queue/ticket/<int:ticket_id>.pdf": "a PDF",
    "/office/<int:office_id>/logo": "an image (tests/test_office_look.py)",
    "/queue/board.json": "JSON for the queue board's script (tests/test_service_page.py)",
    "/metadata/template.xlsx": "an Excel file",
    "/metadata/indah.xlsx": "an Excel file",
    "/metadata/ddi.zip": "a zip of XML files",
    "/metadata/indah/<int:req_id>.xlsx": "an Excel file",
    "/metadata/ddi/<int:req_id>.xml": "an XML file",
}

# Common English words of user interfaces that are not Indonesian words too (so not "data",
# "status", "detail", "filter", "total", "info", "admin", "menu", "audit", "register", "per",
# "web", "online", "Jan", "Feb", "April", "September", "November", which Indonesian writes
# the same).
ENGLISH_WORDS = frozenset("""
the and of to with for from by or not is are be been this that these those your you my our
please add edit delete remove search show list record records save back actions action yes no
select page next previous first last user users role roles password login logout log sign
home name date time new open close closed submit send sent cancel confirm required
optional error sorry welcome forgot reset change changed update view download upload
print file files request requests letter letters rating ratings complaint complaints queue
guest book office offices settings setting today number year kind type state created
received answer answered subject message messages phone address city description title enabled
disabled true false none yes here click more less than all any each every page of entries
items item count found missing invalid must should can cannot could would will may access
denied permission permissions group groups reviews review variables attachments outbox
trail overdue due days day working hours minutes week weeks month months
january february march june july august october december
monday tuesday wednesday thursday friday saturday sunday
aug oct dec
""".split())

# Words and phrases that stay as they are in Indonesian (abbreviations, names, formats, and
# the English terms BPS itself writes: "front office" of its PST desks, "sampling error").
ALLOWED = ("E-mail", "Email", "PDF", "CSV", "JSON", "API", "OpenAPI", "Swagger", "NIP", "QR",
           "Excel", "URL", "BPS", "IKM", "SKM", "SP4N-LAPOR!", "LAPOR!", "KTP", "SIM",
           "front office", "Front office", "Front Office", "sampling error")

ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?!\d)")
REPRS = re.compile(r"(?<![\w.])(?:None|True|False)(?![\w])|datetime\.|<built-in|object at 0x"
                   r"|Decimal\(")

# Attributes a user reads (besides text): tooltips, placeholders, image texts, labels.
READ_ATTRS = ("title", "placeholder", "alt", "aria-label", "label", "data-original-title")
SECURITY_PREFIXES = ("/users/", "/roles/", "/groups/", "/permissions/", "/viewmenus/",
                     "/permissionviews/", "/registeruser/")


# --- the visible text of a page ----------------------------------------------------------------


class _Visible(HTMLParser):
    """Collects the texts a user reads; a list of strings, whitespace collapsed."""

    SKIP = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
            return
        attrs = dict(attrs)
        for name in READ_ATTRS:
            if attrs.get(name):
                self._add(attrs[name])
        if tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button", "reset"):
            self._add(attrs.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        if tag not in self.SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._add(data)

    def _add(self, text):
        text = " ".join(text.split())
        if text:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.texts


# --- what counts as English --------------------------------------------------------------------


def _po(path: Path):
    with open(path, "rb") as fh:
        return read_po(fh, locale="id")


def _code_msgids() -> set[str]:
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                "lazy_gettext": None}
    return {m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in extract_from_dir(
        ROOT / "app", method_map, options_map, keywords=keywords)}


_PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")


def _pattern(msgid: str) -> str | None:
    """A msgid as a regex (placeholders match any text of one line); None when too little of
    it is words to be recognised."""
    parts = _PLACEHOLDER.split(msgid.replace("%%", "%"))
    if sum(len(re.findall(r"[A-Za-z]", p)) for p in parts) < 3:
        return None
    return r"[^\n]+?".join(re.escape(p) for p in parts)


class English:
    """The untranslated-msgid and English-word checks, built once."""

    def __init__(self, directories: str):
        # The catalogues the app reads, in its order: FAB's, then ours (ours wins on a clash).
        catalogs = [_po(Path(d) / "id/LC_MESSAGES/messages.po") for d in directories.split(";")
                    if (Path(d) / "id/LC_MESSAGES/messages.po").exists()]
        pairs: dict[str, str] = {}
        translations: set[str] = set()
        for catalog in catalogs:
            for m in catalog:
                if not m.id:
                    continue
                ids = m.id if isinstance(m.id, tuple) else (m.id,)
                strings = m.string if isinstance(m.string, tuple) else (m.string,)
                for msgid, msgstr in zip(ids, strings * len(ids)):
                    if msgstr:
                        pairs[msgid] = msgstr
                        translations.add(msgstr)
        # Ours not in the catalogue yet: shown in English until the catalogue has them.
        for msgid in _code_msgids() - set(pairs):
            pairs[msgid] = ""
        candidates = {msgid for msgid, msgstr in pairs.items() if msgstr != msgid}
        patterns = sorted(((_pattern(m), m) for m in candidates if _pattern(m)),
                          key=lambda pm: -len(pm[1]))
        self.msgids = re.compile("|".join(
            rf"(?<![\w])(?:{p})(?![\w])" for p, _m in patterns))
        # Indonesian texts that contain an English msgid (e.g. "No." holds "No"): a msgid
        # inside one of them is not English.
        words = {m for m in candidates if re.fullmatch(r"[\w .'-]+", m)}
        holders = sorted((t for t in translations | set(ALLOWED) if any(
            w in t and re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", t)
            for w in words if len(w) <= len(t))), key=len, reverse=True)
        self.holders = re.compile("|".join(
            rf"(?<![\w]){re.escape(t)}(?![\w])" for t in holders)) if holders else None
        self.hits: dict[str, list[str]] = {}  # text -> its problems (see _hits)
        self.allowed = re.compile("|".join(
            rf"(?<![\w]){re.escape(a)}(?![\w])" for a in sorted(ALLOWED, key=len, reverse=True)))

    def untranslated(self, text: str) -> list[str]:
        spans = [m.span() for m in self.holders.finditer(text)] if self.holders else []
        found = []
        for m in self.msgids.finditer(text):
            if not any(a <= m.start() and m.end() <= b for a, b in spans):
                found.append(m.group(0))
        return found

    def words(self, text: str) -> list[str]:
        found = []
        for token in self.allowed.sub(" ", text).split():
            # Identifiers, addresses, file names, codes and numbers are data, not words.
            if re.search(r"[_@/\\0-9{}]|\w\.\w", token) or token == "No.":
                continue
            for word in re.findall(r"[A-Za-z]+", token):
                if word.lower() in ENGLISH_WORDS:
                    found.append(word)
        return found


@pytest.fixture(scope="module")
def english(app):
    return English(app.config["BABEL_TRANSLATION_DIRECTORIES"])


# --- the rows the pages show -------------------------------------------------------------------


@pytest.fixture(scope="module")
def rows(app, world, wf):
    """Beyond the world's rows: a request in every stage a page shows differently."""
    from app import models as m
    from app.auth.registration import reset_token

    with app.app_context():
        session = app.appbuilder.session
        sent = seed(session, world, wf, "sent")
        draft = seed(session, world, wf, "draft")
        late = seed(session, world, wf, "submitted", due=dt.date(2026, 1, 5))
        sent_req = session.get(m.ActivityRequest, sent)
        # The follow-up after the letter: results received and waiting on one request, and
        # one whose results are overdue.
        sent_req.release_date_digital, sent_req.results_due_date = (dt.date(2026, 3, 2),
                                                                    dt.date(2026, 4, 14))
        session.add_all([
            m.ActivityResult(request_id=sent, product="digital", title="Publikasi Survei",
                             link="https://dinas.example.test/publikasi", state="received",
                             checked_at=dt.datetime(2026, 4, 1, 3)),
            m.ActivityResult(request_id=sent, product="printed",
                             link="https://dinas.example.test/cetak", state="submitted")])
        results_late = seed(session, world, wf, "sent")
        late_req = session.get(m.ActivityRequest, results_late)
        late_req.release_date_printed, late_req.results_due_date = (dt.date(2026, 2, 2),
                                                                    dt.date(2026, 3, 16))
        sm = app.appbuilder.sm
        reg = session.scalars(sa.select(m.RekomRegisterUser).where(
            m.RekomRegisterUser.username == "calon_pemohon")).first()
        if reg is None:
            reg = m.RekomRegisterUser(
                first_name="Calon", last_name="Pemohon", username="calon_pemohon",
                email="calon@rekomstat.test", password="x", registration_hash="a" * 32)
            session.add(reg)
        group = sm.add_group("tim_pst", "Tim PST", "Petugas pelayanan statistik terpadu")
        session.commit()
        applicant = session.get(m.RekomUser, world.users["applicant_a"])
        late_complaint = m.Complaint(
            tracking_code="ADU-TELAT", office_id=world.offices[OFFICE_X], subject="Belum dijawab",
            text="Aduan lama", due_date=dt.date(2026, 1, 5), ack_due_date=dt.date(2026, 1, 2))
        session.add(late_complaint)
        # A visitor with an identity number: the page that reveals it (issue 25).
        numbered_guest = m.GuestBookEntry(office_id=world.offices[OFFICE_X], name="Tamu Ber-NIK",
                                          id_doc_type="ktp", id_doc_number="1674015505900001")
        session.add(numbered_guest)
        session.commit()
        made = {
            "sent": sent, "draft": draft, "late": late, "letter": sent_req.letter.id,
            "results_late": results_late,
            "verification": sent_req.letter.verification_code, "register_user": reg.id,
            "group": group.id, "token": reset_token(applicant),
            "late_complaint": late_complaint.id, "numbered_guest": numbered_guest.id,
            "officer_role": sm.find_role("Officer").id,
        }
        session.remove()
    yield made
    # The only group and registration of the session: other tests (test_access_routes) expect
    # none, whatever order the files run in.
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.RekomRegisterUser).where(
            m.RekomRegisterUser.id == made["register_user"]))
        group = session.get(app.appbuilder.sm.group_model, made["group"])
        if group is not None:
            session.delete(group)
        session.commit()
        session.remove()


def _world_pk(world, view: str):
    return world.rows[(view, OFFICE_X)]


def fab_urls(app, world, rows, rule) -> list[str] | None:
    """A FAB model view's route with rows of office X (None: not a model view route)."""
    view_name, method = rule.endpoint.rsplit(".", 1)
    view = next((v for v in app.appbuilder.baseviews if type(v).__name__ == view_name), None)
    if view is None or not hasattr(view, "datamodel"):
        return None
    base = rule.rule.split("/")[1]
    pks = {
        "ActivityRequestView": [_world_pk(world, "ActivityRequestView"), rows["sent"]],
        "OverdueRequestView": [rows["late"]],
        "ResultsOverdueView": [rows["results_late"]],
        "GuestBookEntryView": [_world_pk(world, "GuestBookEntryView"), rows["numbered_guest"]],
        "LetterView": [_world_pk(world, "LetterView"), rows["letter"]],
        "LetterCounterView": [view._serialize_pk_if_composite(
            list(_world_pk(world, "LetterCounterView")))],
        "OverdueComplaintView": [rows["late_complaint"]],
        "RekomUserDBModelView": [world.users["applicant_a"], world.users["officer_x"]],
        "RekomRoleModelView": [rows["officer_role"]],
        "RekomGroupModelView": [rows["group"]],
        "RekomRegisterUserModelView": [rows["register_user"]],
        "PermissionModelView": [1],
        "ViewMenuModelView": [1],
        "PermissionViewModelView": [1],
    }.get(view_name) or [_world_pk(world, view_name)]
    if method in ("list", "add", "userinfo"):
        return [rule.rule]
    if method in ("show", "edit", "delete"):
        return [f"/{base}/{method}/{pk}" for pk in pks]
    if method == "action":
        name = next(iter(getattr(view, "actions", {}) or {}), None)
        return [f"/{base}/action/{name}/{pks[0]}"] if name else []
    if method == "reveal_identity":
        return [f"/{base}/identity/{pk}" for pk in pks]
    if method == "return_form":
        return [f"/{base}/return/{pk}" for pk in pks]
    if method == "answer_form":
        return [f"/{base}/answer/{pk}" for pk in pks]
    if method == "decide":  # an erasure request: the erase and the refuse forms
        return [f"/{base}/{what}/{pk}" for pk in pks for what in ("erase", "refuse")]
    if method == "note_form":
        return [f"/{base}/note/request_revision?ids={pk}" for pk in pks]
    return None


def walk_urls(app, world, rows, rule) -> list[str] | None:
    """The URLs to open for a rule (None: the walk does not know it)."""
    fixed = {
        "/": ["/"],
        "/admin/": ["/admin/"],
        "/processing/": ["/processing/"],
        "/personaldataaccessview/list/": [
            "/personaldataaccessview/list/",
            "/personaldataaccessview/list/?_flt_0_at=2026-01-01&_flt_1_at=2026-12-31",
            "/personaldataaccessview/list/?_flt_0_at=kemarin"],
        "/catalogue/": ["/catalogue/", "/catalogue/?q=survei", "/catalogue/?q=tidakadasamasekali"],
        "/catalogue/<int:pk>": [f"/catalogue/{rows['sent']}", "/catalogue/999999"],
        "/catalogue/<int:pk>/results/<int:result_id>": [
            f"/catalogue/{rows['sent']}/results/999999"],
        "/metadata/": ["/metadata/", "/metadata/?from=2026-01-01&to=2026-12-31",
                       "/metadata/?from=2026-12-31&to=2026-01-01", "/metadata/?from=kemarin"],
        "/complaints/<code>": [f"/complaints/ADU-T{OFFICE_X}", "/complaints/ADU-TIDAKADA"],
        "/complaints/new": ["/complaints/new"],
        "/dashboard/": ["/dashboard/", f"/dashboard/?office={world.offices[OFFICE_X]}"],
        "/dashboard/skm": ["/dashboard/skm", "/dashboard/skm?period=q1&year=2026",
                           "/dashboard/skm?start=2026-12-31&end=2026-01-01"],
        "/login/": ["/login/"],
        "/portal/": ["/portal/"],
        "/portal/account": ["/portal/account"],
        "/portal/account/edit": ["/portal/account/edit"],
        "/portal/account/erase": ["/portal/account/erase"],
        "/portal/password/forgot": ["/portal/password/forgot"],
        "/portal/password/reset/<token>": [f"/portal/password/reset/{rows['token']}",
                                           "/portal/password/reset/salah"],
        "/portal/requests/<int:req_id>": [
            f"/portal/requests/{_world_pk(world, 'ActivityRequestView')}",
            f"/portal/requests/{rows['sent']}", f"/portal/requests/{rows['draft']}",
            f"/portal/requests/{rows['late']}", f"/portal/requests/{rows['results_late']}"],
        "/portal/requests/<int:req_id>/edit": [f"/portal/requests/{rows['draft']}/edit"],
        "/portal/requests/<int:req_id>/rating": [f"/portal/requests/{rows['sent']}/rating"],
        "/portal/requests/new": ["/portal/requests/new"],
        "/queue/": ["/queue/"],
        "/queue/board": ["/queue/board"],
        "/queue/ticket/<int:ticket_id>": [
            f"/queue/ticket/{_world_pk(world, 'QueueTicketView')}"],
        "/register/activation/<string:activation_hash>": ["/register/activation/" + "0" * 32],
        "/register/form": ["/register/form"],
        "/resetmypassword/form": ["/resetmypassword/form"],
        "/resetpassword/form": [f"/resetpassword/form?pk={world.users['applicant_a']}"],
        "/swagger/<version>": ["/swagger/v1"],
        "/userinfoeditview/form": ["/userinfoeditview/form"],
        "/verify/<code>": [f"/verify/{rows['verification']}", "/verify/kodesalah"],
        # An issued letter (the admin's form) and a draft (refused: only issued ones).
        "/letterview/revoke/<int:pk>": [f"/letterview/revoke/{rows['letter']}",
                                        f"/letterview/revoke/{_world_pk(world, 'LetterView')}"],
    }
    if rule.rule in fixed:
        return fixed[rule.rule]
    return fab_urls(app, world, rows, rule)


def skip_reason(rule) -> str | None:
    for suffix, reason in SKIPPED_SUFFIXES.items():
        if rule.endpoint.endswith(suffix):
            return reason
    for prefix, reason in SKIPPED_PREFIXES.items():
        if rule.rule.startswith(prefix):
            return reason
    return SKIPPED.get(rule.endpoint) or SKIPPED.get(rule.rule)


def get_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods),
                  key=lambda r: r.rule)


# Pages that are not routes of their own.
EXTRA = ["/no-such-page", "/portal/requests/999999", "/activityrequestview/show/999999"]


def test_every_get_route_is_walked(app, world, rows):
    """A new GET route fails here until the walk opens it (or SKIPPED says why not)."""
    unplaced = [f"{r.rule} ({r.endpoint})" for r in get_rules(app)
                if skip_reason(r) is None and walk_urls(app, world, rows, r) is None]
    assert not unplaced, "GET routes the walk does not know:\n  " + "\n  ".join(unplaced)


# --- the walk ----------------------------------------------------------------------------------


def data_texts(app) -> set[str]:
    """FAB's security tables hold identifiers, not words: role, permission and view names,
    and FAB's "can list on Requests" form of a permission on a view."""
    from flask_appbuilder.security.sqla.models import (
        Permission,
        PermissionView,
        Role,
        ViewMenu,
    )

    with app.app_context():
        session = app.appbuilder.session
        names = set(session.scalars(sa.select(Role.name)))
        names |= {str(group) for group in session.scalars(sa.select(
            app.appbuilder.sm.group_model))}
        perms = set(session.scalars(sa.select(Permission.name)))
        menus = set(session.scalars(sa.select(ViewMenu.name)))
        pairs = {str(pv) for pv in session.scalars(sa.select(PermissionView))}
    return names | perms | menus | pairs


# Columns people type into: whatever other tests of the session left there (bad-input tests
# type "1' OR '1'='1", hypothesis types anything) is data, not the interface's language.
TYPED_COLUMNS = {
    "ActivityRequest": ("title", "agency_name", "agency_unit", "resp_name", "tech_name",
                        "objectives", "sector_other", "kind_other", "similar_reason",
                        "presentation_level_other"),
    "RequestVariable": ("name", "alias", "concept", "definition", "reference",
                        "reference_period", "measure", "unit", "value_domain",
                        "validation_rule", "question", "questionnaire_item"),
    "RequestIndicator": ("name", "concept", "definition", "interpretation", "method",
                         "formula", "measure", "unit", "classification", "disaggregation",
                         "source_indicators", "source_variables"),
    "Complaint": ("subject", "text", "reporter_name", "answer"),
    "Attachment": ("original_name",),
    "GuestBookEntry": ("name", "agency", "purpose"),
    "RekomUser": ("first_name", "last_name", "username", "agency", "position"),
    "Office": ("name",),
    "ChecklistItem": ("text",),
    "NonWorkingDay": ("name",),
    "Review": ("notes",),
    "Rating": ("comment",),
    "AuditEvent": ("note",),
    "OutboundEmail": ("subject",),
}


def typed_texts(app) -> list[str]:
    """Every line people typed, longest first: cut out of a text that trips a check before it
    is checked again. Not filtered by the checks up front: the rest of the suite types tens of
    thousands of long texts (200 variables and 100 indicators at their caps), and checking
    each of them took minutes, while a page's text rarely trips a check at all."""
    from app import models as m

    found = set()
    with app.app_context():
        session = app.appbuilder.session
        for model, columns in TYPED_COLUMNS.items():
            cls = getattr(m, model)
            for column in columns:
                for value in session.scalars(sa.select(getattr(cls, column)).distinct()):
                    for line in (value or "").splitlines():
                        line = line.strip()
                        if len(line) >= 3:
                            found.add(line)
        session.remove()
    return sorted(found, key=len, reverse=True)


def _hits(text: str, english: English) -> list[str]:
    # A pure function of the text: menus and buttons repeat on every page (five walks of ~200
    # pages read ~15 000 texts, most of them seen before), so each text is read once.
    known = english.hits.get(text)
    if known is None:
        known = english.hits[text] = [f"{what} {sorted(set(found_))}" for what, found_ in (
            ("untranslated", english.untranslated(text)), ("English", english.words(text)),
            ("ISO date", ISO_DATE.findall(text)), ("Python value", REPRS.findall(text)))
            if found_]
    return known


def problems_of(url: str, html: str, english: English, data: set[str],
                typed: list[str] = ()) -> list[str]:
    found = []
    security = url.startswith(SECURITY_PREFIXES)
    for text in visible_texts(html):
        # FAB shows a list of them as "[Officer]", "[can list on Requests, menu access on …]".
        # Matched before typed values are cut out: a typed title such as "Reviews" (the API
        # fuzzing types anything) would otherwise cut a view's name out of its permission.
        if security and (text in data or (text.startswith("[") and text.endswith("]") and all(
                part in data for part in text[1:-1].split(", ")))):
            continue
        hits = _hits(text, english)
        if hits and typed:  # what people typed is data, not the interface's language
            for value in typed:
                if value in text:
                    text = text.replace(value, " ")
            hits = _hits(text, english)
        if hits:
            found.append(f"{text[:120]!r}: {'; '.join(hits)}")
    return found


def _open(client, url):
    """The page a user ends on (redirects followed) and its status."""
    try:
        response = client.get(url, follow_redirects=True)
    except Exception as exc:  # TESTING propagates what a visitor would see as a 500
        pytest.fail(f"GET {url}: {type(exc).__name__}: {exc}")
    return response


@pytest.mark.parametrize("role", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_every_screen_speaks_indonesian(app, world, rows, english, role):
    client = app.test_client()
    if role is not None:
        login(client, role, PASSWORD)
    data = data_texts(app)
    typed = typed_texts(app)
    urls = []
    for rule in get_rules(app):
        if skip_reason(rule) is None:
            urls += walk_urls(app, world, rows, rule) or []
    urls += EXTRA
    report: dict[str, list[str]] = {}  # problem -> pages
    pages = shown = 0
    for url in urls:
        response = _open(client, url)
        assert response.status_code < 500, (url, response.status_code)
        if response.mimetype != "text/html":
            continue
        pages += 1
        shown += not response.history and response.status_code == 200
        # The page read is where the redirects ended (a refused GET action goes back to the
        # page before it, which may be a security screen with its identifiers as data).
        read = response.request.path if response.history else url
        for problem in problems_of(read, response.get_data(as_text=True), english, data, typed):
            report.setdefault(problem, []).append(url)
    print(f"{role or 'anonymous'}: {pages} pages read, {shown} of them shown as asked "
          "(the others: a redirect, a refusal, a 404)")
    assert shown >= 10
    lines = [f"{problem}\n    on {len(where)} page(s): {', '.join(where[:4])}"
             + (" …" if len(where) > 4 else "") for problem, where in sorted(report.items())]
    assert not report, f"{len(report)} problems as {role or 'anonymous'}:\n" + "\n".join(lines)


# --- dates and numbers follow the user's language ----------------------------------------------


def test_formats_follow_the_locale(app):
    from flask_babel import force_locale

    from app.web import formats

    moment = dt.datetime(2026, 11, 24, 3, 0)  # stored in UTC: 10.00 in Jakarta
    with app.test_request_context():
        with force_locale("id"):
            assert formats.date_text(moment.date()) == "24 November 2026"
            assert formats.datetime_text(moment) == "24 November 2026 10.00"
            assert formats.number_text(12345) == "12.345"
        with force_locale("en"):
            assert formats.date_text(moment.date()) == "November 24, 2026"
            # (CLDR puts a narrow no-break space before AM: any space will do here)
            assert re.fullmatch(r"November 24, 2026, 10:00\sAM", formats.datetime_text(moment))
            assert formats.number_text(12345) == "12,345"


def test_fab_screens_write_dates_in_the_users_language(app, world):
    """The same ticket in Indonesian and, after /lang/en, in English (its own page: the list's
    first page holds whatever tickets other tests took last)."""
    client = login(app.test_client(), "officer_x")
    url = f"/queueticketview/show/{world.rows[('QueueTicketView', OFFICE_X)]}"
    page = client.get(url).get_data(as_text=True)
    assert "24 November 2026" in page and "2026-11-24" not in page
    client.get("/lang/en")
    page = client.get(url).get_data(as_text=True)
    assert "November 24, 2026" in page and "2026-11-24" not in page


def test_roles_read_as_words(app, world):
    """Role names are keys in FAB's tables; the users list and the office setting show words,
    and a refused signature names the signer's role in words."""
    client = login(app.test_client(), "admin")
    users = client.get("/users/list/?psize_UserDBModelView=100").get_data(as_text=True)
    assert "Kepala kantor" in users and "Petugas" in users
    assert "[Head]" not in users and "[Officer]" not in users
    setting = world.rows[("OfficeSettingView", OFFICE_X)]
    show = client.get(f"/officesettingview/show/{setting}").get_data(as_text=True)
    assert "Kepala kantor" in show
    edit = client.get(f"/officesettingview/edit/{setting}").get_data(as_text=True)
    assert '<option selected value="Head">Kepala kantor</option>' in edit or \
        '<option value="Head" selected>Kepala kantor</option>' in edit
    client.get("/lang/en")
    assert "Head of office" in client.get("/users/list/?psize_UserDBModelView=100").get_data(
        as_text=True)
