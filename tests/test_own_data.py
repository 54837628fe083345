"""Issue 25, the applicant's own data: the portal shows the profile (identity number masked),
corrects it, downloads everything held about the person (JSON with every field, a readable PDF)
and asks for the account to be erased; an administrator erases it (or refuses, saying why).
After the erasure the person's name, e-mail, phone and identity number appear in no text
column of any table, their letter still verifies, and the last mail — what was kept, and why —
reached them through a real SMTP server and then lost its address and text.

The person of this module has rows of every kind about them, planted as the service would
have written them (a sent request with its letter, a withdrawn one, documents, a review note,
a rating, complaints, guest book visits, a registration, mail, audit events).
"""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from test_outbox import free_port, inbox, mail_via, smtp  # noqa: F401  (fixtures)

from app import models as m
from app.auth import erasure, personal_data
from app.core import audit, codes
from app.ops.bootstrap import create_user

from conftest import PASSWORD, login, seed

NAME = ("Sulastri", "Wibowati")
FULL = "Sulastri Wibowati"
EMAIL = "sulastri.wibowati@dinas-hapus.test"
PHONE = "0813-7777-2468"
NIK = "1674015505900017"
OTHER_TECH = "Agus Teknisi Tetap"


def _person(app, world, wf, username: str, email: str, name=NAME, phone=PHONE,
            nik=NIK) -> dict:
    """An applicant with rows of every kind about them; returns their ids."""
    full = " ".join(name)
    with app.app_context():
        session = app.appbuilder.session
        user = app.appbuilder.sm.find_user(username=username)
        if user is None:
            user = create_user("Applicant", username, email, PASSWORD)
        user = session.get(m.RekomUser, user.id)
        user.first_name, user.last_name, user.phone = name[0], name[1], phone
        user.agency, user.position = "Dinas Kearsipan Hapus", "Analis Data"
        user.id_doc_type, user.id_doc_number = "ktp", nik
        session.commit()
        uid = user.id
        sent = seed(session, world, wf, "sent")
        withdrawn = seed(session, world, wf, "withdrawn")
        for rid in (sent, withdrawn):
            req = session.get(m.ActivityRequest, rid)
            req.applicant_id = uid
            req.resp_name, req.resp_phone, req.resp_email = full, phone, email
            req.tech_name = OTHER_TECH
        session.flush()
        att = m.Attachment(request_id=withdrawn, kind="other",
                           original_name=f"KTP {full}.pdf", stored_name=codes.random_token(20),
                           size=4, content_type="application/pdf", sha256="0" * 64,
                           uploaded_by_id=uid)
        review = session.scalars(sa.select(m.Review).where(m.Review.request_id == sent)).first()
        review.notes = f"Sudah ditelepon Ibu {full} di {phone}."
        office_id = session.get(m.ActivityRequest, sent).office_id
        rating = m.Rating(request_id=sent, office_id=office_id, rater_id=uid,
                          comment=f"Terima kasih, salam {full}",
                          **{f"e{i}": 4 for i in range(1, 10)})
        filed = m.Complaint(tracking_code=codes.random_token(10)[:12], office_id=office_id,
                            reporter_name=full, reporter_email=email, reporter_phone=phone,
                            reporter_id=uid, subject="Lama", text=f"Hubungi saya di {phone}.")
        public = m.Complaint(tracking_code=codes.random_token(10)[:12], office_id=office_id,
                             reporter_name="Bu Las", reporter_email=email.upper(),
                             subject="Tanpa akun", text="Pengaduan tanpa masuk.")
        visit = m.GuestBookEntry(office_id=office_id, name=full, id_doc_type="ktp",
                                 id_doc_number=nik, email=email, phone=phone,
                                 purpose=f"Konsultasi oleh {full}")
        visit_by_number = m.GuestBookEntry(office_id=office_id, name="S. Wibowati",
                                           id_doc_type="ktp", id_doc_number=nik,
                                           purpose="Ambil surat")
        registration = m.RekomRegisterUser(
            first_name=name[0], last_name=name[1], username=f"{username}-lama", email=email,
            password="x", registration_hash=codes.random_token(20))
        mail = m.OutboundEmail(recipient=email, subject="Permohonan diterima",
                               body_text=f"Yth. {full},", state="sent", office_id=office_id)
        session.add_all([att, rating, filed, public, visit, visit_by_number, registration,
                         mail])
        session.flush()
        audit.record(session, user, session.get(m.ActivityRequest, sent), "create",
                     note=f"dibuat oleh {full}")
        session.commit()
        ids = dict(user=uid, sent=sent, withdrawn=withdrawn, attachment=att.id,
                   review=review.id, rating=rating.id, filed=filed.id, public=public.id,
                   visit=visit.id, visit_by_number=visit_by_number.id,
                   registration=registration.id, mail=mail.id,
                   letter=session.scalars(sa.select(m.Letter.id).where(
                       m.Letter.request_id == sent)).one())
        session.remove()
    return ids


@pytest.fixture(scope="module")
def person(app, world, wf):
    return _person(app, world, wf, "pemohon.hapus", EMAIL)


def _client(app, username="pemohon.hapus"):
    return login(app.test_client(), username)


# --- the profile -------------------------------------------------------------------------------


def test_the_account_page_shows_the_profile_with_the_number_masked(app, person):
    page = _client(app).get("/portal/account").get_data(as_text=True)
    assert FULL in page and EMAIL in page and PHONE in page
    assert NIK not in page and "1674••••••••0017" in page
    for link in ("/portal/account/edit", "/portal/account/data.pdf",
                 "/portal/account/data.json", "/portal/account/erase"):
        assert link in page


def test_the_account_pages_ask_for_a_log_in(app):
    for path in ("/portal/account", "/portal/account/edit", "/portal/account/data.json",
                 "/portal/account/data.pdf", "/portal/account/erase"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def _form(**values):
    base = dict(first_name="Rina", last_name="Koreksi", phone="0811 1234 5678",
                agency="Dinas Koreksi", position="", id_doc_type="ktp", id_doc_number="")
    base.update(values)
    return base


@pytest.fixture(scope="module")
def corrector(app):
    with app.app_context():
        if app.appbuilder.sm.find_user(username="pemohon.koreksi") is None:
            user = create_user("Applicant", "pemohon.koreksi", "koreksi@dinas.test", PASSWORD)
            session = app.appbuilder.session
            user = session.get(m.RekomUser, user.id)
            user.id_doc_type, user.id_doc_number = "ktp", NIK
            session.commit()
        uid = app.appbuilder.sm.find_user(username="pemohon.koreksi").id
        app.appbuilder.session.remove()
    return uid


def _user(app, uid):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        user = session.get(m.RekomUser, uid)
        values = {c: getattr(user, c) for c in ("first_name", "last_name", "phone", "agency",
                                                 "position", "id_doc_type", "id_doc_number")}
        session.remove()
    return values


def test_an_empty_profile_form_is_refused_field_by_field_and_changes_nothing(app, corrector):
    before = _user(app, corrector)
    response = _client(app, "pemohon.koreksi").post("/portal/account/edit", data=_form(
        first_name="", last_name="", phone="", agency="", id_doc_type=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("has-error") >= 3 and "Traceback" not in page
    assert _user(app, corrector) == before


def test_the_profile_is_corrected_and_the_number_kept_unless_retyped(app, corrector):
    client = _client(app, "pemohon.koreksi")
    response = client.post("/portal/account/edit", data=_form())
    assert response.status_code == 302
    after = _user(app, corrector)
    assert after["first_name"] == "Rina" and after["phone"] == "0811 1234 5678"
    assert after["id_doc_number"] == NIK  # blank: kept
    assert after["position"] is None
    response = client.post("/portal/account/edit",
                           data=_form(id_doc_number="3171 0101 0190 0004"))
    assert response.status_code == 302
    assert _user(app, corrector)["id_doc_number"] == "3171010101900004"
    with app.app_context():
        events = app.appbuilder.session.scalars(sa.select(m.AuditEvent.note).where(
            m.AuditEvent.object_type == "ab_user", m.AuditEvent.object_id == corrector,
            m.AuditEvent.action == "profile_corrected")).all()
        app.appbuilder.session.remove()
    assert events and "id_doc_number" in events[-1] and "3171" not in events[-1]


def test_a_wrong_number_or_another_document_without_its_number_is_refused(app, corrector):
    client = _client(app, "pemohon.koreksi")
    before = _user(app, corrector)
    bad = client.post("/portal/account/edit", data=_form(id_doc_number="12345"))
    assert bad.status_code == 422 and "16" in bad.get_data(as_text=True)
    other = client.post("/portal/account/edit", data=_form(id_doc_type="paspor"))
    assert other.status_code == 422
    assert _user(app, corrector) == before


def test_hostile_profile_values_are_refused_or_kept_as_text(app, corrector):
    client = _client(app, "pemohon.koreksi")
    before = _user(app, corrector)
    long = client.post("/portal/account/edit", data=_form(agency="A" * 5000))
    assert long.status_code == 422 and "200" in long.get_data(as_text=True)
    assert _user(app, corrector) == before
    odd = client.post("/portal/account/edit",
                      data=_form(first_name="<script>alert(1)</script>", id_doc_type="x'--"))
    assert odd.status_code == 422  # an unknown document kind
    ok = client.post("/portal/account/edit", data=_form(first_name="<b>Rina</b>"))
    assert ok.status_code == 302
    page = client.get("/portal/account").get_data(as_text=True)
    assert "&lt;b&gt;Rina&lt;/b&gt;" in page and "<b>Rina</b>" not in page


# --- the download ------------------------------------------------------------------------------


def test_the_json_download_holds_every_field_about_the_person(app, person):
    response = _client(app).get("/portal/account/data.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account_id"] == person["user"]
    ids = {key: {row["id"] for row in rows} for key, rows in data.items()
           if isinstance(rows, list)}
    assert {person["sent"], person["withdrawn"]} <= ids["requests"]
    assert person["attachment"] in ids["documents"]
    assert person["review"] in ids["reviews"]
    assert person["letter"] in ids["letters"]
    assert person["rating"] in ids["ratings"]
    assert {person["filed"], person["public"]} <= ids["complaints"]
    assert {person["visit"], person["visit_by_number"]} <= ids["guest_book"]
    assert person["registration"] in ids["registrations"]
    assert person["mail"] in ids["emails"]
    assert data["events"]
    # Every column of every row, whatever it holds (but the password and the PDFs).
    with app.app_context():
        for holding in personal_data.holdings(app.appbuilder.session,
                                              app.appbuilder.session.get(m.RekomUser,
                                                                         person["user"])):
            rows = {row["id"]: row for row in data[holding.key]}
            for obj in holding.rows:
                if obj.id not in rows:  # the download's own event, written after it
                    assert holding.key == "events" and obj.action == "download_own_data"
                    continue
                for column, attr in personal_data.columns(holding.model):
                    value = getattr(obj, attr)
                    shown = rows[obj.id][column.name]
                    if isinstance(value, (dt.date, dt.datetime)):
                        value = value.isoformat()
                    assert shown == value, (holding.key, column.name)
        app.appbuilder.session.remove()
    account = data["account"][0]
    assert account["id_doc_number"] == NIK and account["phone"] == PHONE
    assert "password" not in account
    assert "pdf" not in data["letters"][0] and "stored_name" not in data["documents"][0]


def test_the_pdf_download_reads_as_the_persons_data(app, person):
    response = _client(app).get("/portal/account/data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for expected in (FULL, EMAIL, PHONE, "Permohonan", "Buku tamu", "Pengaduan",
                     "Surat rekomendasi"):
        assert expected.lower() in text.lower(), expected
    assert "resp_phone" not in text  # columns read by their labels


def test_each_download_is_written_to_the_audit_trail(app, person):
    client = _client(app)
    with app.app_context():
        count = sa.select(sa.func.count()).select_from(m.AuditEvent).where(
            m.AuditEvent.actor_id == person["user"],
            m.AuditEvent.action == "download_own_data")
        before = app.appbuilder.session.scalar(count)
        app.appbuilder.session.remove()
    client.get("/portal/account/data.json")
    client.get("/portal/account/data.pdf")
    with app.app_context():
        assert app.appbuilder.session.scalar(count) == before + 2
        app.appbuilder.session.remove()


# --- the erasure -------------------------------------------------------------------------------


def _erasures(app, uid):
    with app.app_context():
        session = app.appbuilder.session
        rows = [(r.id, r.state) for r in session.scalars(
            sa.select(m.ErasureRequest).where(m.ErasureRequest.user_id == uid)
            .order_by(m.ErasureRequest.id))]
        session.remove()
    return rows


def test_no_erasure_while_a_request_is_being_handled(app, world, wf):
    uid = _person(app, world, wf, "pemohon.sibuk", "sibuk@dinas-hapus.test",
                  ("Sibuk", "Sekali"), "0813-1111-0001", "1674015505900025")["user"]
    with app.app_context():
        session = app.appbuilder.session
        busy = seed(session, world, wf, "in_review")
        session.get(m.ActivityRequest, busy).applicant_id = uid
        session.commit()
        code = session.get(m.ActivityRequest, busy).tracking_code
        session.remove()
    client = _client(app, "pemohon.sibuk")
    page = client.get("/portal/account/erase").get_data(as_text=True)
    assert code in page and 'id="erasure-form"' not in page
    response = client.post("/portal/account/erase", data={"password": PASSWORD})
    assert response.status_code == 422 and code in response.get_data(as_text=True)
    assert _erasures(app, uid) == []


def test_the_erasure_request_needs_the_password(app, world, wf):
    uid = _person(app, world, wf, "pemohon.sandi", "sandi@dinas-hapus.test",
                  ("Sandi", "Lupa"), "0813-1111-0002", "1674015505900033")["user"]
    client = _client(app, "pemohon.sandi")
    for typed in ("", "salah-sekali"):
        response = client.post("/portal/account/erase", data={"password": typed,
                                                              "reason": "Tidak dipakai"})
        assert response.status_code == 422
        assert "Tidak dipakai" in response.get_data(as_text=True)  # typed text kept
    assert _erasures(app, uid) == []


def test_staff_cannot_ask_for_erasure(app, clients):
    response = clients["officer_x"].post("/portal/account/erase", data={"password": PASSWORD})
    assert response.status_code == 422
    assert "administrator" in response.get_data(as_text=True).lower()


def test_a_refusal_says_why_and_leaves_the_account(app, world, wf, clients):
    uid = _person(app, world, wf, "pemohon.tolak", "tolak@dinas-hapus.test",
                  ("Tolak", "Dulu"), "0813-1111-0003", "1674015505900041")["user"]
    asked = _client(app, "pemohon.tolak").post(
        "/portal/account/erase", data={"password": PASSWORD, "reason": "Pindah kerja"})
    assert asked.status_code == 302
    (pk, state), = _erasures(app, uid)
    assert state == "pending"
    again = _client(app, "pemohon.tolak").post("/portal/account/erase",
                                               data={"password": PASSWORD})
    assert again.status_code == 422 and len(_erasures(app, uid)) == 1
    assert clients["officer_x"].get(f"/erasurerequestview/refuse/{pk}").status_code == 403
    admin = clients["admin"]
    empty = admin.post(f"/erasurerequestview/refuse/{pk}", data={"note": ""})
    assert empty.status_code == 200 and _erasures(app, uid) == [(pk, "pending")]
    done = admin.post(f"/erasurerequestview/refuse/{pk}",
                      data={"note": "Masih ada pengaduan yang kami tangani."})
    assert done.status_code == 302 and _erasures(app, uid) == [(pk, "refused")]
    with app.app_context():
        user = app.appbuilder.session.get(m.RekomUser, uid)
        assert user.email == "tolak@dinas-hapus.test" and user.active
        mail = app.appbuilder.session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.recipient == "tolak@dinas-hapus.test")
            .order_by(m.OutboundEmail.id.desc())).first()
        assert "Masih ada pengaduan" in mail.body_text
        app.appbuilder.session.remove()
    page = _client(app, "pemohon.tolak").get("/portal/account").get_data(as_text=True)
    assert "Masih ada pengaduan" in page
    # Answered: neither erased nor refused again.
    twice = admin.post(f"/erasurerequestview/erase/{pk}", data={"note": ""})
    assert twice.status_code == 200 and "sudah dijawab" in twice.get_data(as_text=True)
    assert _erasures(app, uid) == [(pk, "refused")]


def _texts_naming(app, needles) -> list:
    """(table, column) of every text value in the database that contains a needle."""
    found = []
    with app.app_context():
        session = app.appbuilder.session
        for table in m.Model.metadata.sorted_tables:
            text_columns = [c for c in table.columns
                            if isinstance(c.type, (sa.String, sa.Text))
                            and not isinstance(c.type, m.EncryptedString)]
            if not text_columns:
                continue
            for row in session.execute(sa.select(*text_columns)):
                for column, value in zip(text_columns, row):
                    if value and any(n.lower() in value.lower() for n in needles):
                        found.append((table.name, column.name))
        # Identity numbers are encrypted: compared as read.
        for model in (m.RekomUser, m.RekomRegisterUser, m.GuestBookEntry):
            if NIK in session.scalars(sa.select(model.id_doc_number)).all():
                found.append((model.__tablename__, "id_doc_number"))
        session.remove()
    return found


def test_an_erased_applicant_appears_nowhere_and_their_letter_still_verifies(
        app, person, clients, smtp, inbox, mail_via):  # noqa: F811
    mail_via(smtp.port)
    with app.app_context():
        session = app.appbuilder.session
        letter = session.get(m.Letter, person["letter"])
        code, pdf, number = letter.verification_code, letter.pdf, letter.number
        session.remove()
    client = _client(app)
    page = client.get("/portal/account/erase").get_data(as_text=True)
    assert "Surat rekomendasi yang telah terbit (1)" in page  # what stays, said before
    asked = client.post("/portal/account/erase",
                        data={"password": PASSWORD, "reason": f"Saya {FULL} berhenti"})
    assert asked.status_code == 302
    (pk, _state), = _erasures(app, person["user"])
    admin = clients["admin"]
    form = admin.get(f"/erasurerequestview/erase/{pk}").get_data(as_text=True)
    assert "Surat rekomendasi yang telah terbit (1)" in form
    done = admin.post(f"/erasurerequestview/erase/{pk}", data={"note": ""})
    assert done.status_code == 302
    assert _erasures(app, person["user"]) == [(pk, "done")]

    # The last mail reached the person, saying what was kept and why…
    got = inbox.to(EMAIL)
    assert got, "the erasure notice was not delivered"
    body = got[-1].get_body(("plain",)).get_content()
    assert "UU" in body or "Undang-Undang" in body
    assert "Surat rekomendasi yang telah terbit (1)" in body
    # …and then lost its address and text, like everything else naming them.
    assert _texts_naming(app, [FULL, EMAIL, PHONE, NIK, "pemohon.hapus"]) == []
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, person["user"])
        assert not user.active and user.id_doc_number is None and user.phone is None
        req = session.get(m.ActivityRequest, person["sent"])
        assert req.state == "sent" and req.tech_name == OTHER_TECH  # another person: kept
        assert session.get(m.Letter, person["letter"]).number == number
        assert session.get(m.RekomRegisterUser, person["registration"]) is None
        assert session.get(m.Rating, person["rating"]) is not None
        assert session.get(m.Complaint, person["public"]).reporter_email is None
        session.remove()
    verify = app.test_client().get(f"/verify/{code}")
    assert verify.status_code == 200 and number in verify.get_data(as_text=True)
    checked = app.test_client().post(f"/verify/{code}", data={
        "pdf": (io.BytesIO(pdf), "surat.pdf")}, content_type="multipart/form-data")
    assert checked.status_code == 200
    # The erased account cannot log in again.
    response = app.test_client().post("/login/", data={"username": "pemohon.hapus",
                                                       "password": PASSWORD})
    assert response.status_code != 302 or "/login" in response.headers.get("Location", "")


def test_erasure_domain_refuses_an_unknown_request(app, world):
    with app.app_context():
        with pytest.raises(erasure.ErasureError) as err:
            erasure.erase(app.appbuilder.session, 10**9, None)
        assert err.value.status == 404
        app.appbuilder.session.remove()
