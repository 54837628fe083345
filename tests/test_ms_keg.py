"""MS-Keg with BPS's code lists (issue 22): every code the form offers has BPS's number (a
multi-choice answer is the sum of its flags); migration 0010 keeps what requests held (one
release date per product, the analysis unit as "other, namely"); the portal, the API and the
staff screens take the new fields, refuse bad ones on the field in Indonesian, and the PDF of
the form prints them."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from app import create_app
from app import models as m
from app.catalogue import search
from app.requests import bps_codes
from app.requests.bps_codes import NUMBERS, UNNUMBERED, bps_number
from app.requests.form import FIELDS

from conftest import OFFICE_X, app_config, seed

# --- BPS's numbers -----------------------------------------------------------------------------

# ../shared/domain.md, "Satu Data metadata", copied by hand: the numbers on the paper MS-Keg
# form (Peraturan BPS 5/2020), against our codes. Not read from bps_codes, so a slip there shows.
DOMAIN_NUMBERS = {
    "kind": {"enumeration": 1, "survey": 2, "compilation": 3, "other": 4},
    "sector": {"agriculture_fisheries": 1, "demography": 2, "development": 3,
               "economic_projection": 4, "education_training": 5, "environment": 6,
               "finance": 7, "globalisation": 8, "health": 9, "industry_services": 10,
               "ict": 11, "international_trade": 12, "labour": 13, "national_accounts": 14,
               "monthly_indicators": 15, "productivity": 16, "prices_ppp": 17,
               "public_sector": 18, "regional_urban": 19, "science_patents": 20,
               "social_protection": 21, "transport": 22},
    "coverage": {"whole": 1, "part": 2},
    "presentation_level": {"national": 1, "province": 2, "regency": 4, "district": 8,
                           "other": 16},
    "statistics_kind": {"basic": 1, "sectoral": 2, "special": 3},
    "repetition": {"one_off": 1, "repeated": 2},
    "frequency": {"daily": 1, "weekly": 2, "monthly": 3, "quarterly": 4, "four_monthly": 5,
                  "semiannual": 6, "yearly": 7, "multi_year": 8},
    "collection_type": {"longitudinal": 1, "cross_section": 2, "longitudinal_cross": 3},
    "collection_methods": {"interview": 1, "self_administered": 2, "observation": 4,
                           "admin_records": 8, "other": 16},
    "collection_media": {"paper": 1, "capi": 2, "cati": 4, "cawi": 8, "mail": 16, "other": 32},
    "collection_units": {"individual": 1, "household": 2, "business": 4, "institution": 8,
                         "other": 8},
    "analysis_units": {"individual": 1, "household": 2, "business": 4, "institution": 8,
                       "other": 8},
    "sample_stages": {"single": 1, "multi": 2},
    "selection_method": {"probability": 1, "non_probability": 2},
    "frame_type": {"list": 1, "area": 2},
    "quality_checks": {"revisit": 1, "supervision": 2, "task_force": 4, "other": 8},
    "collectors": {"own_staff": 1, "partners": 2, "both": 3},
    "field_staff_min_education": {"junior_high": 1, "senior_high": 2, "diploma": 3,
                                  "university": 4},
    "analysis_type": {"descriptive": 1, "inferential": 2, "both": 3},
}
# Codes NUMBERS may carry that the form does not offer (BPS's, kept for a later list): none yet.
EXTRA_CODES: dict[str, set] = {}
# Choice fields BPS gives no number of its own: yes/no answers, the method's name (MS-Keg
# writes it out), our area levels (BPS's presentation levels are flags of another list) and
# the products and processing stages (each a yes/no on the form).
NOT_NUMBERED = {"selection_technique", "coverage_level", "result_level",
                "processing_stages", "dissemination_products"}


def test_every_code_the_form_offers_has_its_bps_number_and_no_other():
    for name, table in NUMBERS.items():
        assert name in FIELDS, f"NUMBERS names {name}, which the form does not have"
        f = FIELDS[name]
        assert f.kind in ("select", "multi"), name
        offered = set(f.choices) - UNNUMBERED.get(name, set())
        assert offered - set(table) == set(), f"{name}: codes without a BPS number"
        assert set(table) - offered <= EXTRA_CODES.get(name, set()), (
            f"{name}: numbers of codes the form does not offer")


def test_every_choice_field_is_numbered_or_known_not_to_be():
    """A new select or multi-choice field must be given BPS's numbers (or named here as one
    BPS does not number): else the exports would leave it out without a word."""
    choice_fields = {name for name, f in FIELDS.items() if f.kind in ("select", "multi")}
    assert choice_fields - set(NUMBERS) == NOT_NUMBERED


def test_the_numbers_are_domain_md_s():
    assert NUMBERS == DOMAIN_NUMBERS
    # A few read straight off domain.md's sentences.
    assert bps_number("frequency", "four_monthly") == 5  # "5 four-monthly"
    assert bps_number("collection_media", "cawi") == 8  # "8 CAWI"
    assert bps_number("collection_type", "longitudinal_cross") == 3  # "3 longitudinal cross"
    assert bps_number("collectors", "both") == 3  # "3 both"
    assert bps_number("field_staff_min_education", "university") == 4  # "4 Diploma IV/S1–S3"
    assert bps_number("statistics_kind", "sectoral") == 2  # "2 sectoral"


def test_multi_choices_are_flags_and_the_sum_reads_back():
    """Each multi-choice field is summed (FLAGS), each of its numbers a power of two, so a sum
    names its codes again (institution and "other" are both BPS's 8)."""
    multi = {name for name in NUMBERS if FIELDS[name].kind == "multi"}
    assert bps_codes.FLAGS == multi
    for name in multi:
        for code, number in NUMBERS[name].items():
            assert number > 0 and number & (number - 1) == 0, (name, code, number)


@pytest.mark.parametrize("field, value, number", [
    ("kind", "survey", 2),
    ("frequency", "four_monthly", 5),
    ("collection_methods", "interview,observation", 5),
    ("collection_methods", "observation,interview", 5),
    ("collection_methods", "interview,self_administered,observation,admin_records,other", 31),
    ("collection_media", "paper,capi,cati,cawi,mail,other", 63),
    ("collection_units", "institution,other", 8),  # one "other", counted once
    ("collection_units", "individual,institution,other", 9),
    ("analysis_units", "household,institution", 10),
    ("quality_checks", "supervision,task_force", 6),
    ("frequency", "hourly", None),  # not a code
    ("collection_methods", "telepathy", None),
    ("frequency", "", None),
    ("frequency", None, None),
    ("collection_methods", "", None),
    ("title", "Survei", None),  # no BPS number
    ("no_such_field", "survey", None),
])
def test_bps_number(field, value, number):
    assert bps_number(field, value) == number


# --- migration 0010 ---------------------------------------------------------------------------


def _insert(table, **values):
    """A row with the columns of revision 0009, not today's models'."""
    return sa.insert(sa.table(table, *map(sa.column, values))).values(**values)


OLD_ROWS = {  # tracking code -> (dissemination_products, release_date, analysis_unit)
    "RKS-MIG1": ("printed,microdata", dt.date(2027, 6, 1), "Rumah tangga petani"),
    "RKS-MIG2": (None, dt.date(2027, 7, 2), None),
    "RKS-MIG3": ("digital", dt.date(2027, 8, 3), "  "),
    "RKS-MIG4": ("digital,printed", None, None),
}
NEW_COLUMNS = ("release_date_printed", "release_date_digital", "release_date_microdata",
               "analysis_units", "analysis_unit")


def _rows(conn, columns):
    """The old rows' ``columns`` (SQLite answers raw SQL's dates as text: read back as dates)."""
    rows = conn.execute(sa.text(
        f"SELECT tracking_code, {', '.join(columns)} FROM activity_request "
        "WHERE tracking_code IN ('RKS-MIG1', 'RKS-MIG2', 'RKS-MIG3', 'RKS-MIG4') "
        "ORDER BY tracking_code")).all()
    return {row[0]: tuple(_date(v) for v in row[1:]) for row in rows}


def _date(value):
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    return value


def _missing_triggers(conn):
    if conn.dialect.name == "sqlite":
        present = set(conn.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        return [name for name in search.SQLITE_TRIGGERS if name not in present]
    present = set(conn.execute(sa.text(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
    return [name for name in search.PG_TRIGGERS if name not in present]


def test_migration_0010_keeps_release_dates_analysis_units_and_the_catalogue(scratch_url):
    from flask_migrate import downgrade, upgrade

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade(revision="0009")
        engine = application.extensions["sqlalchemy"].engine
        now = dt.datetime(2026, 11, 2, 3, 0)
        with engine.begin() as conn:
            conn.execute(_insert("office", code="7601", name="BPS Kabupaten Migrasi",
                                 active=True))
            office = conn.execute(sa.text("SELECT id FROM office WHERE code = '7601'")).scalar()
            conn.execute(_insert("ab_user", first_name="Ani", last_name="Lama",
                                 username="ani.lama", email="ani@lama.test", active=True))
            user = conn.execute(sa.text(
                "SELECT id FROM ab_user WHERE username = 'ani.lama'")).scalar()
            for code, (products, release, unit) in OLD_ROWS.items():
                conn.execute(_insert(
                    "activity_request", tracking_code=code, office_id=office,
                    applicant_id=user, channel="online", state="draft",
                    title=f"Survei Lama {code}", year=2027, kind="survey",
                    created_at=now, updated_at=now, dissemination_products=products,
                    release_date=release, analysis_unit=unit))
            # An issued request: in the catalogue before the upgrade.
            conn.execute(_insert(
                "activity_request", tracking_code="RKS-MIGX", office_id=office,
                applicant_id=user, channel="online", state="issued",
                title="Survei Ubinan Kedelai", year=2027, kind="survey", created_at=now,
                updated_at=now))
            issued = conn.execute(sa.text(
                "SELECT id FROM activity_request WHERE tracking_code = 'RKS-MIGX'")).scalar()
            conn.execute(_insert(
                "letter", request_id=issued, office_id=office, result="fit", drafted_at=now,
                verification_code="verif-migrasi", number="B-1/76010/VS.300/2026",
                sequence=1, year=2026, letter_date=dt.date(2026, 11, 3), issued_at=now,
                sha256="0" * 64, body="Direkomendasikan."))

        upgrade()
        with engine.connect() as conn:
            assert _rows(conn, NEW_COLUMNS) == {
                "RKS-MIG1": (dt.date(2027, 6, 1), None, dt.date(2027, 6, 1), "other",
                             "Rumah tangga petani"),
                "RKS-MIG2": (dt.date(2027, 7, 2), None, None, None, None),  # printed: none named
                "RKS-MIG3": (None, dt.date(2027, 8, 3), None, None, "  "),  # blank: no unit
                "RKS-MIG4": (None, None, None, None, None),
            }
            assert "release_date" not in {
                c["name"] for c in sa.inspect(conn).get_columns("activity_request")}
            assert _missing_triggers(conn) == []
        session = application.appbuilder.session
        assert search.check_index(session) == []
        # The catalogue still follows a change made after the upgrade (the triggers work).
        assert [h.request_id for h in search.search(session, "Kedelai").items] == [issued]
        session.execute(sa.text(
            "UPDATE activity_request SET title = 'Survei Ubinan Jagung' WHERE id = :id"),
            {"id": issued})
        session.commit()
        assert [h.request_id for h in search.search(session, "Jagung").items] == [issued]
        assert search.search(session, "Kedelai").items == []
        # The new CHECKs hold: BPS's new frequency is taken, a fraction over 100 is not.
        session.execute(sa.text("UPDATE activity_request SET frequency = 'four_monthly', "
                                "collection_type = 'longitudinal_cross' WHERE id = :id"),
                        {"id": issued})
        session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            session.execute(sa.text(
                "UPDATE activity_request SET sampling_fraction = 150 WHERE id = :id"),
                {"id": issued})
        session.rollback()
        session.remove()

        downgrade(revision="0009")
        with engine.connect() as conn:
            assert _rows(conn, ("release_date", "frequency", "collection_type")) == {
                "RKS-MIG1": (dt.date(2027, 6, 1), None, None),
                "RKS-MIG2": (dt.date(2027, 7, 2), None, None),
                "RKS-MIG3": (dt.date(2027, 8, 3), None, None),
                "RKS-MIG4": (None, None, None),
            }
            assert _missing_triggers(conn) == []
        upgrade()
        with engine.connect() as conn:
            assert _rows(conn, NEW_COLUMNS[:3])["RKS-MIG1"] == (
                dt.date(2027, 6, 1), None, dt.date(2027, 6, 1))
            assert _missing_triggers(conn) == []
        assert [h.request_id for h in search.search(session, "Jagung").items] == [issued]
        session.remove()
        engine.dispose()


# --- the one front door: portal and API ---------------------------------------------------------

NEW_VALUES = {  # as the portal posts them
    "statistics_kind": "sectoral", "prior_recommendation": "1",
    "prior_recommendation_ref": "B-12/16740/VS.300/2025, 3 Maret 2025",
    "agency_unit_echelon1": "Sekretariat Daerah", "tech_fax": "(0733) 321000",
    "selection_method": "probability", "selection_technique": "stratified",
    "frame_type": "area", "sampling_fraction": "2.5", "quality_checks": ["supervision", "revisit"],
    "nonresponse_adjusted": "0", "collectors": "partners", "supervisor_count": "3",
    "field_staff_count": "12", "field_staff_min_education": "senior_high",
    "training_held": "1", "analysis_type": "both",
    "analysis_units": ["household", "other"], "analysis_unit": "Kelompok tani",
    "frequency": "four_monthly", "collection_type": "longitudinal_cross",
    "release_date_printed": "2027-06-01", "release_date_digital": "2027-05-02",
    "release_date_microdata": "2027-09-30",
}
STORED = {
    "statistics_kind": "sectoral", "prior_recommendation": True,
    "prior_recommendation_ref": "B-12/16740/VS.300/2025, 3 Maret 2025",
    "agency_unit_echelon1": "Sekretariat Daerah", "tech_fax": "(0733) 321000",
    "selection_technique": "stratified", "frame_type": "area",
    "sampling_fraction": Decimal("2.5"), "quality_checks": "revisit,supervision",
    "nonresponse_adjusted": False, "collectors": "partners", "supervisor_count": 3,
    "field_staff_count": 12, "field_staff_min_education": "senior_high",
    "training_held": True, "analysis_type": "both", "analysis_units": "household,other",
    "analysis_unit": "Kelompok tani", "frequency": "four_monthly",
    "collection_type": "longitudinal_cross",
    "release_date_printed": dt.date(2027, 6, 1), "release_date_digital": dt.date(2027, 5, 2),
    "release_date_microdata": dt.date(2027, 9, 30),
}


def _stored(app, title):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        req = session.scalars(sa.select(m.ActivityRequest).where(
            m.ActivityRequest.title == title)).first()
        if req is None:
            return None
        return {name: getattr(req, name) for name in STORED}


def _portal_form(title, office_id, **values):
    return {"title": title, "year": "2027", "kind": "survey", "office_id": str(office_id),
            "agency_name": "Dinas Pertanian Kota Lubuklinggau", "action": "save",
            **values}


def _field_group(html, name):
    """The form-group of field ``name`` on the portal's form (its control, label, errors)."""
    for group in html.split('<div class="form-group')[1:]:
        if f'name="{name}"' in group:
            return group
    raise AssertionError(f"no field {name} on the page")


def _is_indonesian(message):
    assert message, "no message"
    for english in ("Choose", "Enter", "number", "Not a valid", "must be", "constraint",
                    "CHECK", "INSERT", "IntegrityError", "ck_request"):
        assert english not in message, message


def test_the_portal_takes_the_new_fields(app, world, clients):
    title = "Survei Ubinan Padi MS-Keg Portal 2027"
    r = clients["applicant_a"].post("/portal/requests/new", data=_portal_form(
        title, world.offices[OFFICE_X], **NEW_VALUES))
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    assert _stored(app, title) == STORED
    # The draft opens again with every answer in its control.
    with app.app_context():
        req_id = app.appbuilder.session.scalars(sa.select(m.ActivityRequest.id).where(
            m.ActivityRequest.title == title)).one()
    html = clients["applicant_a"].get(f"/portal/requests/{req_id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="stratified"', html)
    for name, codes in (("quality_checks", ["revisit", "supervision"]),
                        ("analysis_units", ["household", "other"])):
        group = _field_group(html, name)
        assert re.findall(r'<input checked[^>]*value="([^"]*)"', group) == codes, group
    assert 'value="2027-09-30"' in html and 'value="Kelompok tani"' in html


@pytest.mark.parametrize("field, value, message", [
    ("collectors", "robots", "Pilih salah satu pilihan yang tersedia."),
    ("quality_checks", ["revisit", "telepathy"], "Pilih salah satu pilihan yang tersedia."),
    ("analysis_units", ["nation"], "Pilih salah satu pilihan yang tersedia."),
    ("selection_technique", "guesswork", "Pilih salah satu pilihan yang tersedia."),
    ("sampling_fraction", "150", "Isi angka dari 0 sampai 100."),
    ("sampling_fraction", "-1", "Isi angka dari 0 sampai 100."),
    ("supervisor_count", "-2", "Isi angka dari 0 sampai"),
    ("nonresponse_adjusted", "2", "Pilih salah satu pilihan yang tersedia."),
    ("release_date_microdata", "30-09-2027", None),
])
def test_the_portal_refuses_bad_values_on_the_field(app, world, clients, field, value, message):
    title = f"Survei Ditolak Portal {field} {value}"
    r = clients["applicant_a"].post("/portal/requests/new", data=_portal_form(
        title, world.offices[OFFICE_X], **{**NEW_VALUES, field: value}))
    assert r.status_code == 422, r.status_code
    html = r.get_data(as_text=True)
    group = _field_group(html, field)
    assert group.startswith(" has-error"), group[:500]
    errors = re.findall(r'<p class="help-block">([^<]*)</p>', group)
    with app.test_request_context(), force_locale("id"):
        help_text = str(FIELDS[field].help) if FIELDS[field].help else None
    errors = [e.strip() for e in errors if e.strip() != help_text]
    assert errors, group
    for error in errors:
        _is_indonesian(error)
    if message:
        assert any(error.startswith(message) for error in errors), errors
    assert _stored(app, title) is None
    assert "Kelompok tani" in html  # the rest of what was typed comes back


API_VALUES = {  # as an API client sends them: JSON numbers, dates as text, codes in any order
    **{name: value for name, value in STORED.items()
       if not isinstance(value, (dt.date, Decimal))},
    "quality_checks": "supervision,revisit", "sampling_fraction": 2.5,
    "release_date_printed": "2027-06-01", "release_date_digital": "2027-05-02",
    "release_date_microdata": "2027-09-30", "selection_method": "probability",
}
API_FORM = {
    "year": 2027, "kind": "survey", "agency_name": "Dinas Pertanian Kota Lubuklinggau",
}


def test_the_api_takes_the_new_fields_and_shows_them(app, world, api):
    title = "Survei Ubinan Padi MS-Keg API 2027"
    r = api("POST", "applicant_a", "/api/v1/requests/", json={
        **API_FORM, "title": title, "office": world.offices[OFFICE_X], **API_VALUES})
    assert r.status_code == 201, r.json
    assert _stored(app, title) == STORED
    shown = api("GET", "applicant_a", f"/api/v1/requests/{r.json['id']}").json["result"]
    assert {name: shown[name] for name in STORED if name != "sampling_fraction"} == {
        **{name: value.isoformat() if isinstance(value, dt.date) else value
           for name, value in STORED.items() if name != "sampling_fraction"}}
    assert Decimal(str(shown["sampling_fraction"])) == Decimal("2.5")
    assert "release_date" not in shown


@pytest.mark.parametrize("field, value, message", [
    ("collectors", "robots", "Pilih salah satu dari:"),
    ("field_staff_min_education", "phd", "Pilih salah satu dari:"),
    ("analysis_type", "astrology", "Pilih salah satu dari:"),
    ("quality_checks", "revisit,telepathy", "Pilih kode dari:"),
    ("analysis_units", "nation", "Pilih kode dari:"),
    ("frequency", "hourly", "Pilih salah satu dari:"),
    ("sampling_fraction", 150, "Isi angka dari 0 sampai 100."),
    ("sampling_fraction", -1, "Isi angka dari 0 sampai 100."),
    ("supervisor_count", -2, "Isi angka dari 0 sampai"),
])
def test_the_api_refuses_bad_values_on_the_field(app, world, api, field, value, message):
    title = f"Survei Ditolak API {field} {value}"
    r = api("POST", "applicant_a", "/api/v1/requests/", headers={"Accept-Language": "id"},
            json={**API_FORM, "title": title, "office": world.offices[OFFICE_X],
                  **API_VALUES, field: value})
    assert r.status_code == 422, (r.status_code, r.get_data(as_text=True)[:500])
    messages = r.json["message"]
    assert set(messages) == {field}, messages
    for text in messages[field]:
        _is_indonesian(text)
    assert any(text.startswith(message) for text in messages[field]), messages
    assert _stored(app, title) is None


def test_an_api_edit_with_a_bad_value_changes_nothing(app, world, api):
    title = "Survei Ubinan Padi MS-Keg API Ubah 2027"
    r = api("POST", "applicant_a", "/api/v1/requests/", json={
        **API_FORM, "title": title, "office": world.offices[OFFICE_X], **API_VALUES})
    assert r.status_code == 201, r.json
    r = api("PUT", "applicant_a", f"/api/v1/requests/{r.json['id']}",
            headers={"Accept-Language": "id"},
            json={"collectors": "own_staff", "sampling_fraction": 100.5})
    assert r.status_code == 422, r.json
    assert set(r.json["message"]) == {"sampling_fraction"}
    _is_indonesian(str(r.json["message"]))
    assert _stored(app, title) == STORED


# --- the staff screens and the PDF -------------------------------------------------------------


def _edit_form(page):
    """What a browser would send back from the staff edit page, unchanged."""
    form = dict(re.findall(r'<input[^>]*name="([a-z_0-9]+)"[^>]*value="([^"]*)"', page))
    form.update(re.findall(r'<textarea[^>]*name="([a-z_0-9]+)"[^>]*>\s*([^<]*)</textarea>',
                           page))
    form.update(re.findall(r'<select[^>]*name="([a-z_0-9]+)"[^>]*>'
                           r'(?:(?!</select>).)*?<option selected value="([^"]*)"', page, re.S))
    for name in [n for n, f in FIELDS.items() if f.kind in ("multi", "bool")]:
        form.pop(name, None)  # unchecked boxes send nothing
    for name, value in re.findall(r'<input checked[^>]*name="([a-z_0-9]+)"[^>]*value="([^"]*)"',
                                  page):
        form.setdefault(name, [])
        if isinstance(form[name], list):
            form[name].append(value)
    form.pop("csrf_token", None)
    return form


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def _id(text):
    return " ".join(str(text).split())


def test_the_staff_edit_saves_the_new_codes_and_show_and_pdfs_read_labels(
        app, world, wf, clients):
    from app.models import ANALYSIS_TYPES, COLLECTORS, SELECTION_TECHNIQUES, STATISTICS_KINDS

    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "submitted")
    client = clients["officer_x"]
    page = client.get(f"/activityrequestview/edit/{req_id}").get_data(as_text=True)
    assert 'name="selection_technique"' in page and 'name="release_date_microdata"' in page
    data = _edit_form(page)
    # A fraction over 100 is refused on its field, in Indonesian, and nothing changes.
    r = client.post(f"/activityrequestview/edit/{req_id}",
                    data={**data, "selection_technique": "pps", "sampling_fraction": "150"})
    assert r.status_code == 200
    refused = r.get_data(as_text=True)
    assert "Isi angka dari 0 sampai 100." in refused
    for leak in ("IntegrityError", "ck_request", "CHECK", "Enter a number"):
        assert leak not in refused, leak
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert (req.selection_technique, req.sampling_fraction) == (None, None)
    data.update(statistics_kind="special", selection_method="probability",
                selection_technique="pps", collectors="both", analysis_type="inferential",
                sampling_fraction="0.75", supervisor_count="4", frame_type="list",
                quality_checks=["task_force"], analysis_units=["business"],
                release_date_microdata="2027-12-15", training_held=["1"])
    r = client.post(f"/activityrequestview/edit/{req_id}", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        req = session.get(m.ActivityRequest, req_id)
        assert (req.statistics_kind, req.selection_technique, req.collectors, req.analysis_type,
                req.sampling_fraction, req.supervisor_count, req.frame_type, req.quality_checks,
                req.analysis_units, req.release_date_microdata, req.training_held) == (
            "special", "pps", "both", "inferential", Decimal("0.75"), 4, "list", "task_force",
            "business", dt.date(2027, 12, 15), True)
        assert req.title == "Survei Ubinan Padi Sawah 2027"  # the rest kept

    with app.test_request_context(), force_locale("id"):
        labels = {
            "field": _id(FIELDS["selection_technique"].label),
            "technique": _id(SELECTION_TECHNIQUES["pps"]),
            "kind": _id(STATISTICS_KINDS["special"]),
            "collectors": _id(COLLECTORS["both"]),
            "analysis": _id(ANALYSIS_TYPES["inferential"]),
            "microdata": _id(FIELDS["release_date_microdata"].label),
        }
    html = client.get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for key in ("field", "technique", "kind", "collectors", "analysis"):
        assert labels[key] in text, (key, labels[key])
    cells = re.findall(r'<span style="white-space: pre-line">\s*([^<]*?)\s*</span>', html)
    for code in ("pps", "special", "both", "inferential"):
        assert code not in cells, code

    staff_pdf = client.get(f"/activityrequestview/form/{req_id}")
    assert staff_pdf.status_code == 200 and staff_pdf.mimetype == "application/pdf"
    portal_pdf = clients["applicant_a"].get(f"/portal/requests/{req_id}/form.pdf")
    assert portal_pdf.status_code == 200
    for pdf in (staff_pdf.data, portal_pdf.data):
        text = _pdf_text(pdf)
        for key, label in labels.items():
            assert label in text, (key, label)
        assert "2027-12-15" in text and "0,75" in text  # the decimal comma of Indonesian
        assert "Teknik pemilihan" in text and "Statistik khusus" in text  # Indonesian

