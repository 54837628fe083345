"""Issue 24's follow-up after the letter (PP 51/1999): once a "fit" letter is sent, the
activity's results are due after its first planned release; the applicant is asked, then
reminded, each once on the right working day; they hand in a link or the publication on their
request's page; an officer marks it received or returns it with a note; the catalogue shows
the results received; a screen lists the activities whose results are overdue.

An office of this module's own (OFFICE) and applicant; every reminders run is limited to the
office. Expected working days are walked here day by day (weekends, the `holidays` package's
national days off), not with the app's arithmetic.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from test_outbox import free_port, inbox, mail_via, smtp  # noqa: F401  (fixtures)

from app import models as m
from app.core import codes, process_cache
from app.letters import document as letters
from app.offices import reminders
from app.offices.workdays import national_days_off, office_today
from app.requests import results, workflow

from conftest import PASSWORD, app_config, login

OFFICE = "1683"
PEOPLE = {"petugas.hasil": "Officer", "kepala.hasil": "Head", "pemohon.hasil": "Applicant",
          "pemohon2.hasil": "Applicant"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RELEASE = dt.date(2027, 3, 1)  # a Monday: the first planned release of the walked request
_YEAR = 2993  # a letter year no other test numbers in


@pytest.fixture(scope="module")
def office(app, world):
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        session = app.appbuilder.session
        row = ensure_office(OFFICE, "BPS Kabupaten Uji Hasil Kegiatan", city="Kota Hasil")
        sm = app.appbuilder.sm
        for username, role in PEOPLE.items():
            if sm.find_user(username=username) is None:
                create_user(role, username, f"{username}@rekomstat.test", PASSWORD,
                            username.split(".")[0].title(), "Hasil",
                            office_code=None if role == "Applicant" else OFFICE)
        session.commit()
        ids = {name: sm.find_user(username=name).id for name in PEOPLE}
        ids["office"] = row.id
        session.remove()
    return ids


def settings(app, office, **values):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office["office"]).values(**values))
        session.commit()
        session.remove()
    process_cache.forget_all()  # as the settings screen's save does


@pytest.fixture(autouse=True)
def _defaults(app, office):
    """The switch on, 30 working days, and nothing of an earlier test left to remind of."""
    settings(app, office, remind_results=True, results_due_days=30)
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.ActivityRequest).where(
            m.ActivityRequest.office_id == office["office"],
            m.ActivityRequest.state.in_(("sent", "closed"))).values(state="withdrawn"))
        session.commit()
        session.remove()


def working_days_after(start: dt.date, count: int) -> list[dt.date]:
    """``start`` and the ``count`` working days after it, walked (index 1 = the first)."""
    days, day = [start], start
    while len(days) <= count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in national_days_off(day.year):
            days.append(day)
    return days


def at_nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(2, 0))  # 09:00 in Jakarta, stored as naive UTC


def issued_request(app, office, title: str, *, result="fit", printed=RELEASE,
                   digital=RELEASE + dt.timedelta(days=14), applicant="pemohon.hasil") -> int:
    """A request of the office whose letter is issued, ready to be sent."""
    with app.app_context():
        session = app.appbuilder.session
        now = dt.datetime(2026, 11, 2, 3, 0)
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=office["office"],
            applicant_id=office[applicant], state="issued", title=title, year=2027,
            kind="survey", agency_name="Dinas Uji Hasil", agency_head_title="Kepala Dinas",
            agency_address="Jl. Hasil No. 1", resp_name="Rina", resp_email="rina@hasil.test",
            collection_start=dt.date(2027, 1, 4), collection_end=dt.date(2027, 1, 29),
            objectives="Menguji tindak lanjut.", submitted_at=now, complete_at=now,
            due_date=dt.date(2026, 12, 15), officer_id=office["petugas.hasil"],
            release_date_printed=printed, release_date_digital=digital)
        session.add(req)
        session.flush()
        letter = m.Letter(request_id=req.id, office_id=office["office"], result=result,
                          body="Badan Pusat Statistik merekomendasikan kegiatan ini.",
                          verification_code=codes.random_token(20),
                          drafted_by_id=office["petugas.hasil"])
        session.add(letter)
        session.flush()
        seq = letters.allocate_sequence(session, office["office"], _YEAR)
        letter.sequence, letter.year = seq, _YEAR
        letter.number = f"B-{seq}/{OFFICE}/HASIL/{_YEAR}"
        letter.letter_date, letter.issued_at = dt.date(2026, 11, 3), now
        letter.pdf = b"%PDF-1.4 seeded"
        letter.sha256 = letters.sha256_hex(letter.pdf)
        letter.issued_by_id = office["kepala.hasil"]
        session.commit()
        req_id = req.id
        session.remove()
    return req_id


def send(app, office, req_id, day=dt.date(2026, 11, 4)):
    with app.app_context():
        session = app.appbuilder.session
        workflow.apply(session, req_id, "send", session.get(m.RekomUser, office["petugas.hasil"]),
                       now=at_nine(day))
        session.remove()


def sent_request(app, office, title: str, **kw) -> int:
    req_id = issued_request(app, office, title, **kw)
    send(app, office, req_id)
    return req_id


def read(app, req_id, *columns):
    with app.app_context():
        session = app.appbuilder.session
        row = session.execute(sa.select(*(getattr(m.ActivityRequest, c) for c in columns))
                              .where(m.ActivityRequest.id == req_id)).one()
        session.remove()
    return row if len(columns) > 1 else row[0]


def run_on(app, office, day: dt.date) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        counts = reminders.run(session, now=at_nine(day), office_ids=[office["office"]])
        session.remove()
    return counts.sent


def events(app, req_id, actions=None) -> list[tuple]:
    actions = actions or ("results_ask", "results_due", "results_submit", "results_receive",
                          "results_return")
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.AuditEvent.action, m.AuditEvent.at).where(
            m.AuditEvent.object_type == "activity_request", m.AuditEvent.object_id == req_id,
            m.AuditEvent.action.in_(actions)).order_by(m.AuditEvent.id)).all()
        session.remove()
    return [(action, at.date()) for action, at in rows]


def mails(app, code: str) -> list:
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(
            m.OutboundEmail.recipient, m.OutboundEmail.subject, m.OutboundEmail.body_text)
            .where(m.OutboundEmail.subject.contains(code)).order_by(m.OutboundEmail.id)).all()
        session.remove()
    return rows


def add_result(app, req_id, state="submitted", product="digital", link="https://x.test/p"):
    with app.app_context():
        session = app.appbuilder.session
        row = m.ActivityResult(request_id=req_id, product=product, link=link, state=state)
        session.add(row)
        session.commit()
        row_id = row.id
        session.remove()
    return row_id


# --- the due date -------------------------------------------------------------------------------


def test_sending_a_fit_letter_sets_when_the_results_are_due(app, office):
    req_id = sent_request(app, office, "Survei Hasil Jatuh Tempo")
    # The first planned release (printed, 1 March) + 30 working days, walked.
    assert read(app, req_id, "results_due_date") == working_days_after(RELEASE, 30)[30]
    settings(app, office, results_due_days=10)
    sooner = sent_request(app, office, "Survei Hasil Sepuluh Hari", printed=None)
    digital = RELEASE + dt.timedelta(days=14)
    assert read(app, sooner, "results_due_date") == working_days_after(digital, 10)[10]
    # Nothing is asked of a "not fit" letter, nor of an activity that plans no release.
    not_fit = sent_request(app, office, "Survei Hasil Belum Layak", result="not_fit")
    no_release = sent_request(app, office, "Survei Hasil Tanpa Rilis", printed=None,
                              digital=None)
    assert read(app, not_fit, "results_due_date") is None
    assert read(app, no_release, "results_due_date") is None


# --- asked, then reminded, each once on its working day ----------------------------------------


def test_the_applicant_is_asked_after_the_release_and_reminded_when_overdue(app, office):
    req_id = sent_request(app, office, "Survei Hasil Diminta")
    code = read(app, req_id, "tracking_code")
    days = working_days_after(RELEASE, 32)
    due = days[30]
    sent_on: dict = {}
    day = RELEASE - dt.timedelta(days=3)
    while day <= days[32]:
        for _ in range(2):  # a second run the same day sends nothing
            for kind, n in run_on(app, office, day).items():
                if kind.startswith("results"):
                    sent_on.setdefault(kind, []).append((day, n))
        day += dt.timedelta(days=1)
    # Asked on the first working day after the release; reminded the working day after the
    # due date (the due date itself is still in time).
    assert sent_on == {"results_ask": [(days[1], 1)], "results_due": [(days[31], 1)]}
    assert events(app, req_id) == [("results_ask", days[1]), ("results_due", days[31])]
    rows = mails(app, code)
    asked = [r for r in rows if "Mohon serahkan hasil kegiatan" in r.subject]
    late = [r for r in rows if "melewati batas waktu penyerahan" in r.subject]
    assert [r.recipient for r in asked] == ["pemohon.hasil@rekomstat.test"]
    assert [r.recipient for r in late] == ["pemohon.hasil@rekomstat.test"]
    assert f"/portal/requests/{req_id}#results" in asked[0].body_text
    assert "PP 51/1999" in asked[0].body_text
    assert "1 Maret 2027" in asked[0].body_text  # the planned release, in words
    assert due.strftime("%Y") in late[0].body_text
    # Asked and reminded: nothing more, however long it waits.
    assert {k: v for k, v in run_on(app, office, days[32]).items()
            if k.startswith("results")} == {}


def test_results_waiting_for_a_check_or_received_stop_the_reminders(app, office):
    days = working_days_after(RELEASE, 31)
    waiting = sent_request(app, office, "Survei Hasil Menunggu Periksa")
    received = sent_request(app, office, "Survei Hasil Sudah Diterima")
    add_result(app, waiting, "submitted")
    add_result(app, received, "received")
    assert run_on(app, office, days[1]).get("results_ask") is None
    assert events(app, waiting) == events(app, received) == []
    # Returned to the applicant: the reminders take up again.
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.ActivityResult).where(
            m.ActivityResult.request_id == waiting).values(state="returned"))
        session.commit()
        session.remove()
    assert run_on(app, office, days[2]).get("results_ask") == 1
    assert events(app, waiting) == [("results_ask", days[2])]


def test_a_request_sent_before_the_upgrade_is_scheduled_and_a_late_run_sends_the_last(
        app, office):
    req_id = sent_request(app, office, "Survei Hasil Sebelum Pembaruan")
    with app.app_context():  # as a request sent before migration 0017 is
        session = app.appbuilder.session
        session.execute(sa.update(m.ActivityRequest).where(m.ActivityRequest.id == req_id)
                        .values(results_due_date=None))
        session.commit()
        session.remove()
    days = working_days_after(RELEASE, 40)
    assert run_on(app, office, days[40]).get("results_due") == 1
    assert read(app, req_id, "results_due_date") == days[30]
    # Not asked first as well: one mail, the overdue one.
    assert events(app, req_id) == [("results_due", days[40])]


def test_the_office_switches_the_follow_up_off(app, office):
    settings(app, office, remind_results=False)
    req_id = sent_request(app, office, "Survei Hasil Tanpa Pengingat")
    days = working_days_after(RELEASE, 31)
    for day in (days[1], days[31]):
        assert run_on(app, office, day) == {}
    assert events(app, req_id) == []


def test_the_command_sends_the_request_through_smtp(app, office, smtp, inbox,  # noqa: F811
                                                    mail_via):  # noqa: F811
    mail_via(smtp.port)
    req_id = sent_request(app, office, "Survei Hasil Lewat SMTP")
    code = read(app, req_id, "tracking_code")
    day = working_days_after(RELEASE, 1)[1]
    args = ["reminders", "run", "--office", OFFICE, "--at",
            at_nine(day).strftime("%Y-%m-%dT%H:%M")]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "results_ask 1" in result.output
    got = [msg for msg in inbox.to("pemohon.hasil@rekomstat.test") if code in msg["Subject"]]
    assert len(got) == 1
    assert "Mohon serahkan hasil kegiatan" in got[0]["Subject"]
    assert f"/portal/requests/{req_id}#results" in got[0].get_body(("plain",)).get_content()
    again = app.test_cli_runner().invoke(args=args)
    assert again.exit_code == 0
    assert len([msg for msg in inbox.to("pemohon.hasil@rekomstat.test")
                if code in msg["Subject"]]) == 1


# --- the applicant's page ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def today(app):
    with app.app_context():
        return office_today()


def _portal(app, who="pemohon.hasil"):
    return login(app.test_client(), who)


def test_the_follow_up_appears_in_the_portal_after_the_release_date(app, office, today):
    later = sent_request(app, office, "Survei Hasil Rilis Nanti",
                         printed=today + dt.timedelta(days=10), digital=None)
    passed = sent_request(app, office, "Survei Hasil Rilis Lewat",
                          printed=today - dt.timedelta(days=3), digital=None)
    client = _portal(app)
    html = client.get(f"/portal/requests/{later}").get_data(as_text=True)
    assert 'id="results-later"' in html and 'id="results-asked"' not in html
    assert "Setelah tanggal rencana rilis" in html
    html = client.get(f"/portal/requests/{passed}").get_data(as_text=True)
    assert 'id="results-asked"' in html and "Tanggal rencana rilis" in html
    assert 'id="results-form"' in html
    # A request still in review asks for nothing and offers no form.
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.ActivityRequest).where(m.ActivityRequest.id == later)
                        .values(state="issued", sent_at=None))
        session.commit()
        session.remove()
    html = client.get(f"/portal/requests/{later}").get_data(as_text=True)
    assert 'id="results"' not in html and 'id="results-form"' not in html


def _count_results(app, req_id) -> int:
    with app.app_context():
        session = app.appbuilder.session
        n = session.scalar(sa.select(sa.func.count()).select_from(m.ActivityResult).where(
            m.ActivityResult.request_id == req_id))
        session.remove()
    return n


@pytest.mark.parametrize("data, field_message", [
    ({"product": "digital"}, "Unggah publikasinya atau berikan tautannya."),
    ({"product": "digital", "link": "javascript:alert(1)"}, "diawali https://"),
    ({"product": "digital", "link": "https://" + "a" * 600}, "Tautan lebih dari 500 karakter."),
    ({"product": "digital", "link": "www.dinas.go.id/publikasi"}, "diawali https://"),
    ({"product": "<script>", "link": "https://dinas.go.id/p"}, "Pilih apa yang Anda serahkan."),
    ({"product": "digital", "title": "J" * 301, "link": "https://dinas.go.id/p"},
     "Judul lebih dari 300 karakter."),
])
def test_a_refused_hand_in_says_why_keeps_what_was_typed_and_stores_nothing(
        app, office, today, data, field_message):
    req_id = sent_request(app, office, "Survei Hasil Ditolak",
                          printed=today - dt.timedelta(days=3))
    client = _portal(app)
    r = client.post(f"/portal/requests/{req_id}/results", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert field_message in html
    if data.get("link") and len(data["link"]) < 100:
        assert f'value="{data["link"]}"' in html  # what was typed is still there
    assert "Traceback" not in html and "IntegrityError" not in html
    assert _count_results(app, req_id) == 0


def test_a_file_that_is_not_a_document_is_refused(app, office, today):
    req_id = sent_request(app, office, "Survei Hasil Berkas Salah",
                          printed=today - dt.timedelta(days=3))
    r = _portal(app).post(f"/portal/requests/{req_id}/results", data={
        "product": "printed", "file": (io.BytesIO(b"MZ\x90\x00program"), "publikasi.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 422
    assert "bukan dokumen PDF, Word, atau Excel" in r.get_data(as_text=True) or \
        "publikasi.pdf" in r.get_data(as_text=True)
    assert _count_results(app, req_id) == 0


def test_only_the_applicant_of_a_sent_letter_hands_in(app, office, today):
    req_id = sent_request(app, office, "Survei Hasil Milik Orang Lain",
                          printed=today - dt.timedelta(days=3))
    other = _portal(app, "pemohon2.hasil")
    assert other.post(f"/portal/requests/{req_id}/results",
                      data={"product": "digital", "link": "https://x.test/a"}).status_code == 404
    issued = issued_request(app, office, "Survei Hasil Belum Dikirim")
    r = _portal(app).post(f"/portal/requests/{issued}/results",
                          data={"product": "digital", "link": "https://x.test/a"})
    assert r.status_code == 422
    assert "setelah surat rekomendasi dikirim" in r.get_data(as_text=True)
    assert _count_results(app, req_id) == _count_results(app, issued) == 0


def _hand_in(app, req_id, **data):
    client = _portal(app)
    body = {"product": "digital", **data}
    kwargs = {"content_type": "multipart/form-data"} if "file" in body else {}
    r = client.post(f"/portal/requests/{req_id}/results", data=body, **kwargs)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert r.headers["Location"].endswith(f"/portal/requests/{req_id}#results")
    return client


def _result_ids(app, req_id) -> list[int]:
    with app.app_context():
        session = app.appbuilder.session
        ids = session.scalars(sa.select(m.ActivityResult.id).where(
            m.ActivityResult.request_id == req_id).order_by(m.ActivityResult.id)).all()
        session.remove()
    return ids


def test_handed_in_checked_and_shown_in_the_catalogue(app, office, today):
    req_id = sent_request(app, office, "Survei Hasil Lengkap",
                          printed=today - dt.timedelta(days=3))
    code = read(app, req_id, "tracking_code")
    applicant = _hand_in(app, req_id, title="Statistik Daerah Uji 2027",
                         link="https://dinas.example.go.id/publikasi/2027")
    _hand_in(app, req_id, product="printed",
             file=(io.BytesIO(PDF), "Publikasi Cetak 2027.pdf"))
    _hand_in(app, req_id, product="microdata", file=(io.BytesIO(PDF), "mikrodata.pdf"))
    link_id, file_id, micro_id = _result_ids(app, req_id)
    html = applicant.get(f"/portal/requests/{req_id}").get_data(as_text=True)
    assert "Menunggu pemeriksaan" in html and "Publikasi Cetak 2027.pdf" in html
    assert 'id="results-asked"' not in html  # handed in: no longer asked
    # The handling officer is told; an audit event per hand-in.
    to_officer = [r for r in mails(app, code) if r.recipient == "petugas.hasil@rekomstat.test"]
    assert len(to_officer) == 3 and "telah diserahkan" in to_officer[0].subject
    assert [a for a, _ in events(app, req_id)] == ["results_submit"] * 3
    with app.app_context():
        session = app.appbuilder.session
        kinds = {a.kind for a in session.get(m.ActivityRequest, req_id).attachments}
        session.remove()
    assert kinds == {"results"}

    officer = login(app.test_client(), "petugas.hasil")
    home = officer.get("/admin/").get_data(as_text=True)  # "Tugas saya"
    assert 'id="officer-results"' in home and "Hasil kegiatan untuk diperiksa" in home
    assert home.count(f"{code}</a>") >= 3
    page = officer.get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert 'id="results-panel"' in page and "Tandai diterima" in page
    for result_id in (link_id, file_id, micro_id):
        r = officer.post(f"/activityresultview/action/receive/{result_id}",
                         headers={"Referer": f"/activityrequestview/show/{req_id}"})
        assert r.status_code == 302
    # Received twice: refused in words, nothing changes.
    r = officer.post(f"/activityresultview/action/receive/{link_id}", follow_redirects=True)
    assert "sudah diperiksa" in r.get_data(as_text=True)
    assert [a for a, _ in events(app, req_id)][-3:] == ["results_receive"] * 3
    thanked = [r for r in mails(app, code) if r.recipient == "pemohon.hasil@rekomstat.test"
               and "telah diterima" in r.subject]
    assert len(thanked) == 3
    assert 'id="officer-results"' not in officer.get("/admin/").get_data(as_text=True)

    # The public catalogue: the link and the printed file; the microdata file is BPS's only.
    html = app.test_client().get(f"/catalogue/{req_id}").get_data(as_text=True)
    assert "Hasil kegiatan tersedia" in html
    assert "https://dinas.example.go.id/publikasi/2027" in html
    assert "Statistik Daerah Uji 2027" in html
    assert "Publikasi Cetak 2027.pdf" in html and "mikrodata.pdf" not in html
    public = app.test_client()
    got = public.get(f"/catalogue/{req_id}/results/{file_id}")
    assert got.status_code == 200 and got.data == PDF
    assert public.get(f"/catalogue/{req_id}/results/{micro_id}").status_code == 404
    assert public.get(f"/catalogue/{req_id}/results/{link_id}").status_code == 404  # no file
    api = public.get(f"/api/v1/catalogue/{req_id}").get_json()["result"]["results"]
    assert {r["product"] for r in api} == {"digital", "printed", "microdata"}
    assert [r["file_url"] for r in api if r["product"] == "microdata"] == [None]


def test_results_returned_with_a_note(app, office, today):
    req_id = sent_request(app, office, "Survei Hasil Dikembalikan",
                          printed=today - dt.timedelta(days=3))
    _hand_in(app, req_id, link="https://dinas.example.go.id/salah")
    (result_id,) = _result_ids(app, req_id)
    officer = login(app.test_client(), "petugas.hasil")
    form = officer.get(f"/activityresultview/return/{result_id}")
    assert form.status_code == 200 and "Mengapa hasil kegiatan dikembalikan" in form.get_data(
        as_text=True)
    r = officer.post(f"/activityresultview/return/{result_id}", data={"note": "  "})
    assert r.status_code == 200 and "Mohon tulis alasan" in r.get_data(as_text=True)
    r = officer.post(f"/activityresultview/return/{result_id}", data={
        "note": "Tautan tidak dapat dibuka; mohon kirim berkas publikasinya."})
    assert r.status_code == 302
    html = _portal(app).get(f"/portal/requests/{req_id}").get_data(as_text=True)
    assert "Dikembalikan kepada pemohon" in html
    assert "Tautan tidak dapat dibuka" in html
    assert 'id="results-form"' in html  # to hand them again
    code = read(app, req_id, "tracking_code")
    returned = [r for r in mails(app, code) if "dikembalikan" in r.subject]
    assert [r.recipient for r in returned] == ["pemohon.hasil@rekomstat.test"]
    assert "Tautan tidak dapat dibuka" in returned[0].body_text


def test_only_officers_of_the_office_check_results(app, office, world, today):
    req_id = sent_request(app, office, "Survei Hasil Petugas Lain",
                          printed=today - dt.timedelta(days=3))
    _hand_in(app, req_id, link="https://dinas.example.go.id/lain")
    (result_id,) = _result_ids(app, req_id)
    other_office = login(app.test_client(), "officer_x")
    assert other_office.post(f"/activityresultview/action/receive/{result_id}").status_code \
        == 404
    assert other_office.get(f"/activityresultview/return/{result_id}").status_code == 404
    head = login(app.test_client(), "kepala.hasil")
    r = head.post(f"/activityresultview/action/receive/{result_id}", follow_redirects=True)
    assert "Hasil kegiatan ini" not in r.get_data(as_text=True)  # no permission, no check
    assert head.get(f"/activityresultview/return/{result_id}").status_code == 403
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(m.ActivityResult, result_id).state == "submitted"
        with pytest.raises(results.ResultsError):  # the domain refuses too
            results.check(session, result_id, session.get(m.RekomUser, world.users["officer_x"]),
                          received=True)
        session.remove()


def test_the_results_overdue_screen(app, office, today):
    overdue = sent_request(app, office, "Survei Hasil Terlambat Layar",
                           printed=today - dt.timedelta(days=90), digital=None)
    received = sent_request(app, office, "Survei Hasil Diterima Layar",
                            printed=today - dt.timedelta(days=90), digital=None)
    in_time = sent_request(app, office, "Survei Hasil Masih Waktu",
                           printed=today - dt.timedelta(days=2), digital=None)
    add_result(app, received, "received")
    assert read(app, overdue, "results_due_date") < today <= read(app, in_time,
                                                                  "results_due_date")
    officer = login(app.test_client(), "petugas.hasil")
    html = officer.get("/resultsoverdueview/list/").get_data(as_text=True)
    assert "Hasil kegiatan terlambat" in html
    assert "Survei Hasil Terlambat Layar" in html
    assert "Survei Hasil Diterima Layar" not in html
    assert "Survei Hasil Masih Waktu" not in html
    # Another office's officer sees none of this office's.
    other = login(app.test_client(), "officer_x").get("/resultsoverdueview/list/")
    assert "Survei Hasil Terlambat Layar" not in other.get_data(as_text=True)
    page = officer.get(f"/activityrequestview/show/{overdue}").get_data(as_text=True)
    assert 'id="results-overdue"' in page
    assert re.search(r"Batas penyerahan hasil", page)


def test_the_setting_is_on_the_office_settings_screen(app, office):
    admin = login(app.test_client(), "admin")
    with app.app_context():
        setting_id = app.appbuilder.session.scalar(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == office["office"]))
        app.appbuilder.session.remove()
    html = admin.get(f"/officesettingview/edit/{setting_id}").get_data(as_text=True)
    assert "Minta pemohon menyerahkan hasil kegiatan" in html
    assert "Batas penyerahan hasil setelah rencana rilis (hari kerja)" in html


# --- the migration -------------------------------------------------------------------------------


def test_migration_0017_adds_the_follow_up_and_goes_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade()
        engine = application.extensions["sqlalchemy"].engine
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO office (code, name, active) "
                                 "VALUES ('7617', 'BPS Uji Migrasi Hasil', :t)"), {"t": True})
            office_id = conn.execute(sa.text(
                "SELECT id FROM office WHERE code = '7617'")).scalar()
            conn.execute(sa.text(
                "INSERT INTO ab_user (first_name, last_name, username, email, active) "
                "VALUES ('Ani', 'Hasil', 'ani.hasil', 'ani@hasil.test', :t)"), {"t": True})
            user = conn.execute(sa.text(
                "SELECT id FROM ab_user WHERE username = 'ani.hasil'")).scalar()
            now = dt.datetime(2027, 1, 4, 3)
            conn.execute(sa.text(
                "INSERT INTO activity_request (tracking_code, office_id, applicant_id, channel, "
                "state, title, year, kind, created_at, updated_at, results_due_date) VALUES "
                "('RKS-MIG17', :o, :u, 'online', 'sent', 'Survei Migrasi Hasil', 2027, "
                "'survey', :n, :n, :d)"), {"o": office_id, "u": user, "n": now,
                                          "d": dt.date(2027, 5, 3)})
            req = conn.execute(sa.text(
                "SELECT id FROM activity_request WHERE tracking_code = 'RKS-MIG17'")).scalar()
            conn.execute(sa.text(
                "INSERT INTO attachment (request_id, kind, original_name, stored_name, size, "
                "content_type, sha256, uploaded_at) VALUES (:r, 'results', 'hasil.pdf', "
                "'mig17', 3, 'application/pdf', '', :n)"), {"r": req, "n": now})
            conn.execute(sa.text(
                "INSERT INTO reminder_sent (office_id, kind, object_type, object_id, key, "
                "sent_at) VALUES (:o, 'results_ask', 'activity_request', :r, '', :n)"),
                {"o": office_id, "r": req, "n": now})
        downgrade(revision="0016")
        with engine.connect() as conn:
            # The file is kept, as an ordinary document; the reminder of a kind the old
            # CHECK does not know goes.
            assert conn.execute(sa.text(
                "SELECT kind FROM attachment WHERE stored_name = 'mig17'")).scalar() == "other"
            assert conn.execute(sa.text("SELECT count(*) FROM reminder_sent")).scalar() == 0
            assert "activity_result" not in sa.inspect(conn).get_table_names()
        with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE attachment SET kind = 'results' "
                                 "WHERE stored_name = 'mig17'"))
        upgrade()
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE attachment SET kind = 'results' "
                                 "WHERE stored_name = 'mig17'"))
            with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
                conn.execute(sa.text(  # neither a link nor a file
                    "INSERT INTO activity_result (request_id, product, state, submitted_at) "
                    "VALUES (:r, 'digital', 'submitted', :n)"), {"r": req, "n": now})
        application.appbuilder.session.remove()
    engine.dispose()
