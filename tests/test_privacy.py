"""Issue 25's privacy notice and consent: the notice shows where personal data is collected
(registration, the portal's request form, the guest book, a walk-in recorded at the desk), in
the office's own words once it writes them; registration needs the applicant's agreement,
recorded with the notice's version and time and carried to the account on activation.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from app.core import process_cache
from app.offices import privacy

from conftest import app_config, login, mail_link, outbox_to

DEFAULT_START = "Pemberitahuan privasi. Badan Pusat Statistik (BPS) mengumpulkan"


def _registration(name: str, **changes) -> dict:
    return {"username": name, "first_name": "Wulan", "last_name": "Sari",
            "email": f"{name}@dinsos.example.go.id", "password": "kata-sandi-wulan-1",
            "conf_password": "kata-sandi-wulan-1", "id_doc_type": "ktp",
            "id_doc_number": "1674014407910003", "phone": "0812 7000 9876",
            "agency": "Dinas Sosial Uji", "position": "Analis", "privacy_consent": "y",
            **changes}


def _set_notice(app, office_id, text):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office_id).values(privacy_notice=text))
        session.commit()
        session.remove()
    process_cache.forget_all()  # as the settings screen's save does


@pytest.fixture
def default_office_id(app, world):
    with app.app_context():
        from app.offices.directory import default_office

        office_id = default_office(app.appbuilder.session).id
        app.appbuilder.session.remove()
    yield office_id
    _set_notice(app, office_id, None)


def _reg(app, name):
    with app.app_context():
        row = app.appbuilder.session.scalars(sa.select(m.RekomRegisterUser).where(
            m.RekomRegisterUser.username == name)).first()
        values = (row.privacy_consent_version, row.privacy_consent_at) if row else None
        app.appbuilder.session.remove()
    return values


def test_registration_shows_the_notice_and_needs_the_agreement(app, world, default_office_id):
    page = app.test_client().get("/register/form").get_data(as_text=True)
    assert 'id="privacy-notice"' in page and DEFAULT_START in page
    assert 'name="privacy_consent"' in page
    name = f"wulan.{uuid.uuid4().hex[:8]}"
    r = app.test_client().post("/register/form",
                               data={k: v for k, v in _registration(name).items()
                                     if k != "privacy_consent"})
    assert r.status_code == 422
    assert "Mohon baca pemberitahuan privasi dan setujui untuk mendaftar." in r.get_data(
        as_text=True)
    assert _reg(app, name) is None


def test_the_agreement_is_recorded_with_the_notices_version_and_kept_on_the_account(
        app, world, default_office_id):
    name = f"wulan.{uuid.uuid4().hex[:8]}"
    client = app.test_client()
    assert client.post("/register/form", data=_registration(name)).status_code == 302
    with app.app_context():
        expected = privacy.version(privacy.notice(app.appbuilder.session))
        app.appbuilder.session.remove()
    version, at = _reg(app, name)
    assert version == expected and at is not None
    [mail] = outbox_to(app, f"{name}@dinsos.example.go.id")
    assert client.get(mail_link(mail, "/register/activation/")).status_code == 200
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=name)
        assert (user.privacy_consent_version, user.privacy_consent_at) == (version, at)
        app.appbuilder.session.remove()
    # The office writes its own notice: shown instead, and agreed to as a new version.
    own = "Pemberitahuan privasi BPS Kota Uji: data Anda dipakai hanya untuk layanan ini."
    _set_notice(app, default_office_id, own)
    page = app.test_client().get("/register/form").get_data(as_text=True)
    assert own in page and DEFAULT_START not in page
    second = f"wulan.{uuid.uuid4().hex[:8]}"
    assert app.test_client().post("/register/form",
                                  data=_registration(second)).status_code == 302
    assert _reg(app, second)[0] == privacy.version(own) != version


def test_the_notice_shows_where_staff_and_the_portal_collect_data(app, world,
                                                                    default_office_id):
    officer = login(app.test_client(), "officer_x")
    for path in ("/guestbookentryview/add", "/activityrequestview/add"):
        page = officer.get(path).get_data(as_text=True)
        assert 'id="privacy-notice"' in page and DEFAULT_START in page, path
    applicant = login(app.test_client(), "applicant_a")
    page = applicant.get("/portal/requests/new").get_data(as_text=True)
    assert 'id="privacy-notice"' in page and DEFAULT_START in page
    # Office X's own words reach its officers' forms.
    own = "Pemberitahuan privasi kantor X untuk tamu dan pemohon."
    _set_notice(app, world.offices["1674"], own)
    try:
        page = officer.get("/guestbookentryview/add").get_data(as_text=True)
        assert own in page and DEFAULT_START not in page
    finally:
        _set_notice(app, world.offices["1674"], None)


def test_the_admin_writes_the_notice_in_the_office_settings(app, world):
    admin = login(app.test_client(), "admin")
    with app.app_context():
        setting_id = app.appbuilder.session.scalar(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == world.offices["1671"]))
        app.appbuilder.session.remove()
    page = admin.get(f"/officesettingview/edit/{setting_id}").get_data(as_text=True)
    assert "Pemberitahuan privasi" in page and "Kosong: pemberitahuan bawaan" in page


def test_versions_follow_the_text():
    assert privacy.version("Teks  satu\n") == privacy.version("Teks satu")
    assert privacy.version("Teks satu") != privacy.version("Teks dua")


def test_migration_0019_adds_the_notice_and_the_consent_and_goes_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade()
        engine = application.extensions["sqlalchemy"].engine
        downgrade(revision="0018")
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("ab_user")}
            assert "privacy_consent_version" not in columns
            assert "privacy_notice" not in {
                c["name"] for c in sa.inspect(conn).get_columns("office_setting")}
        upgrade()
        with engine.connect() as conn:
            assert "privacy_consent_at" in {
                c["name"] for c in sa.inspect(conn).get_columns("ab_register_user")}
        application.appbuilder.session.remove()
    engine.dispose()


# --- the records of processing ----------------------------------------------------------------

LOOKS_PERSONAL = re.compile(r"(name|email|phone|fax|address|nip|nik|id_doc|birth|gender|"
                            r"recipient|reporter|resp_|tech_|comment|note|body|text|login|"
                            r"position|agency)")


def test_every_column_that_looks_personal_says_what_it_holds():
    """A new column named like personal data fails here until models.py says which kind it
    holds (or None: not a person's), so the records of processing cannot drift."""
    from flask_appbuilder import Model

    silent, unknown = [], []
    for table in Model.metadata.sorted_tables:
        if table.name.startswith("ab_") and table.name not in ("ab_user", "ab_register_user"):
            continue  # FAB's roles, permissions, groups, API keys: names of things
        for column in table.columns:
            if LOOKS_PERSONAL.search(column.name) and "personal" not in column.info:
                silent.append(f"{table.name}.{column.name}")
            kind = column.info.get("personal")
            if kind and kind not in m.PERSONAL_KINDS:
                unknown.append(f"{table.name}.{column.name}: {kind}")
        if any(c.info.get("personal") for c in table.columns):
            assert table.name in m.PROCESSING, f"{table.name}: no purpose, basis, retention"
    assert silent == [] and unknown == []


def test_the_admin_reads_the_records_of_processing(app, world):
    admin = login(app.test_client(), "admin")
    page = admin.get("/processing/").get_data(as_text=True)
    assert "Catatan pemrosesan data pribadi" in page
    guest = page[page.index('id="record-guest_book_entry"'):]
    guest = guest[:guest.index("</table>")]
    assert "Buku tamu layanan" in guest
    assert "Nomor dokumen identitas (data spesifik: terenkripsi" in guest
    assert "Petugas" in guest and "Administrator" in guest
    assert 'id="record-activity_request"' in page and "pemohon, permohonannya sendiri" in page
    # Not a list of every table: the queue's tickets hold no one's data.
    assert 'id="record-queue_ticket"' not in page
    officer = login(app.test_client(), "officer_x")
    r = officer.get("/processing/")
    assert r.status_code in (302, 403) and "Catatan pemrosesan" not in r.get_data(as_text=True)
