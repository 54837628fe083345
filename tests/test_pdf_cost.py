"""What a PDF may cost (issue 20, item 2).

One GET of a saved form used to render it with xhtml2pdf every time (42.5 s for 197 variables
of long texts), and so did the draft letter's preview: a few in parallel took every worker.
Now a PDF is rendered once per change of what it shows and kept (app/requests/pdf_cache.py), the
form and the letter hold bounded texts, and a user who keeps asking for new renders gets a 429.
Renders are counted at ``letters.render_pdf``, the one place xhtml2pdf is called.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app import models as m
from app.letters import document as letters
from app.requests import pdf_cache
from app.requests.form import VARIABLE_TEXT_LIMIT

from conftest import OFFICE_X, PASSWORD, app_config, login, seed

CAP = VARIABLE_TEXT_LIMIT


def pdf_text(data: bytes, pages=None) -> str:
    reader = PdfReader(io.BytesIO(data))
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    return " ".join(" ".join(page.extract_text() for page in chosen).split())


@pytest.fixture
def renders(monkeypatch):
    """The HTML of every xhtml2pdf render made during the test."""
    made = []
    real = letters.render_pdf

    def counted(html):
        made.append(html)
        return real(html)

    monkeypatch.setattr(letters, "render_pdf", counted)
    pdf_cache.clear_memory()
    yield made
    pdf_cache.clear_memory()


def _set(app, model, pk, **values):
    with app.app_context():
        session = app.appbuilder.session
        row = session.get(model, pk)
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()


def _cached_files(app, name):
    return sorted(p.name for p in Path(app.config["PDF_CACHE_FOLDER"]).glob(f"{name}-*.pdf"))


def test_a_form_is_rendered_once_per_change_and_an_edit_shows_at_once(app, world, wf, clients,
                                                                       renders):
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "draft")
        session = app.appbuilder.session
        session.add(m.RequestVariable(request_id=req_id, position=1, name="Luas panen",
                                      definition="Luas lahan padi yang dipanen"))
        session.commit()
    owner, officer = clients["applicant_a"], clients["officer_x"]
    url = f"/portal/requests/{req_id}/form.pdf"
    first = owner.get(url)
    assert first.status_code == 200 and len(renders) == 1
    assert "Luas lahan padi yang dipanen" in pdf_text(first.data)
    # Unchanged: the same file, for the applicant again and for the office's screen (another
    # worker reads the same folder), without a render.
    assert owner.get(url).data == first.data
    assert officer.get(f"/activityrequestview/form/{req_id}").data == first.data
    assert len(renders) == 1
    # Any change to what the form shows, by whatever path: the next GET shows it.
    _set(app, m.ActivityRequest, req_id, title="Survei Ubinan Jagung 2027")
    with app.app_context():
        session = app.appbuilder.session
        session.scalars(sa.select(m.RequestVariable).where(
            m.RequestVariable.request_id == req_id)).one().definition = "Luas jagung dipanen"
        session.commit()
    text = pdf_text(owner.get(url).data)
    assert len(renders) == 2
    assert "Survei Ubinan Jagung 2027" in text and "Luas jagung dipanen" in text
    assert "Survei Ubinan Padi Sawah 2027" not in text and "padi yang dipanen" not in text
    assert len(_cached_files(app, f"form-{req_id}")) == 1  # the old version is gone


def test_the_blank_form_renders_once_per_process(app, renders):
    client = app.test_client()
    first, second = client.get("/portal/form.pdf"), client.get("/portal/form.pdf")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and len(renders) == 1


def test_a_cache_that_cannot_be_written_costs_a_render_not_the_request(app, world, wf, clients,
                                                                        renders, monkeypatch,
                                                                        tmp_path):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("x")
    monkeypatch.setitem(app.config, "PDF_CACHE_FOLDER", str(blocked / "pdf-cache"))
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "draft")
    for _ in range(2):
        r = clients["applicant_a"].get(f"/portal/requests/{req_id}/form.pdf")
        assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert len(renders) == 2


def _variables(req_id, count, text):
    return [m.RequestVariable(request_id=req_id, position=i,
                              name=f"Variabel nomor {i} " + "n" * 280, concept=text,
                              definition=text, reference_period="r" * 200,
                              questionnaire_item="q" * 100) for i in range(1, count + 1)]


def test_the_largest_form_allowed_renders_and_older_longer_texts_print_cut(app, world, wf,
                                                                          clients, renders):
    """200 variables, every text at its cap (bench/pdf_worst.py times it; no time here), and
    one saved before the cap was lowered: kept whole in the database, printed cut and marked."""
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "draft")
        rows = _variables(req_id, 200, "konsep panjang " * (CAP // 15))
        rows[-1].definition = "d" * 50 + " akhir " + "e" * (CAP + 443)  # 500 past the cap
        session.add_all(rows)
        session.commit()
    url = f"/portal/requests/{req_id}/form.pdf"
    pdf = clients["applicant_a"].get(url)
    assert pdf.status_code == 200 and len(renders) == 1
    pages = len(PdfReader(io.BytesIO(pdf.data)).pages)
    text = pdf_text(pdf.data, [0, 1, 2, pages - 3, pages - 2, pages - 1])
    assert "1. Variabel nomor 1" in text and "200. Variabel nomor 200" in text
    assert "[… 500 karakter berikutnya tidak dicetak]" in text
    assert clients["applicant_a"].get(url).data == pdf.data and len(renders) == 1


def _portal_form(world, **values):
    data = {"title": "Survei Konsep Panjang 2027", "year": "2027", "kind": "survey",
            "agency_name": "Dinas Kesehatan Kota Lubuklinggau", "action": "save",
            "office_id": str(world.offices[OFFICE_X]), "variables-0-name": "Umur ibu"}
    data.update(values)
    return data


def _count(app, title):
    with app.app_context():
        return app.appbuilder.session.scalar(sa.select(sa.func.count()).where(
            m.ActivityRequest.title == title))


@pytest.mark.parametrize("field,label", [("concept", "Konsep"), ("definition", "Definisi")])
def test_a_variable_text_over_the_cap_is_refused_on_the_field(app, world, clients, field,
                                                              label):
    title = f"Survei Teks Terlalu Panjang {field}"
    r = clients["applicant_a"].post("/portal/requests/new", data=_portal_form(
        world, title=title, **{f"variables-0-{field}": "a" * (CAP + 1)}))
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f"Variabel 1, {label}: Paling banyak {CAP} karakter." in page
    assert _count(app, title) == 0
    # At the cap it is kept, whole.
    r = clients["applicant_a"].post("/portal/requests/new", data=_portal_form(
        world, title=title, **{f"variables-0-{field}": "a" * CAP}))
    assert r.status_code == 302 and _count(app, title) == 1


def test_the_front_door_refuses_it_for_every_caller(app, world):
    """The API and the staff screens go through request_commands, as the portal does."""
    from app.models import RekomUser
    from app.requests import commands as request_commands

    with app.test_request_context():
        session = app.appbuilder.session
        actor = session.get(RekomUser, world.users["applicant_a"])
        with pytest.raises(request_commands.RequestInputError) as refused:
            request_commands.create(
                session, actor, office_id=world.offices[OFFICE_X],
                values={"title": "Survei Lewat Pintu Depan", "year": 2027},
                variables=[{"name": "Umur", "definition": "x" * (CAP + 1)}])
        assert refused.value.errors == {
            "variables-1-definition": [f"Paling banyak {CAP} karakter."]}
        session.rollback()
    assert _count(app, "Survei Lewat Pintu Depan") == 0


# --- the render limit ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def limited(app):
    from app import create_app

    return create_app({**app_config(), "RATELIMIT_ENABLED": True,
                       "PDF_RENDER_RATE_LIMIT": "2 per minute"})


@pytest.fixture
def fake_renders(monkeypatch):
    """Renders that cost nothing (the limit counts them, whatever they cost)."""
    made = []
    monkeypatch.setattr(letters, "render_pdf",
                        lambda html: made.append(html) or b"%PDF-1.4 uji\n%%EOF")
    pdf_cache.clear_memory()
    yield made
    pdf_cache.clear_memory()


def test_new_renders_over_the_limit_answer_429_cached_ones_do_not(limited, world, wf,
                                                                  fake_renders):
    with limited.app_context():
        ids = [seed(limited.appbuilder.session, world, wf, "draft") for _ in range(3)]
    client = login(limited.test_client(), "applicant_a", PASSWORD)
    answers = [client.get(f"/portal/requests/{i}/form.pdf").status_code for i in ids]
    assert answers == [200, 200, 429] and len(fake_renders) == 2
    refused = client.get(f"/portal/requests/{ids[2]}/form.pdf")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Terlalu banyak PDF sekaligus" in page
    assert "tunggu beberapa menit" in page and "Traceback" not in page
    assert int(refused.headers["Retry-After"]) > 0
    # What is already made is still served; another user has a budget of his own.
    assert client.get(f"/portal/requests/{ids[0]}/form.pdf").status_code == 200
    officer = login(limited.test_client(), "officer_x", PASSWORD)
    assert officer.get(f"/activityrequestview/form/{ids[2]}").status_code == 200
    # Anonymous: counted per address.
    blank = []
    for address in ("10.20.0.1", "10.20.0.1", "10.20.0.1", "10.20.0.2"):
        pdf_cache.clear_memory()  # as if each GET reached a fresh worker
        blank.append(limited.test_client().get(
            "/portal/form.pdf", environ_base={"REMOTE_ADDR": address}).status_code)
    assert blank == [200, 200, 429, 200]


# --- the draft letter -------------------------------------------------------------------------


def _draft(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "letter_drafted")
        return session.scalars(sa.select(m.Letter.id).where(m.Letter.request_id == req_id)).one()


def test_the_draft_preview_is_rendered_once_per_change(app, world, wf, clients, renders):
    letter_id = _draft(app, world, wf)
    url = f"/letterview/pdf/{letter_id}"
    first = clients["head_x"].get(url)
    assert first.status_code == 200 and len(renders) == 1
    assert clients["officer_x"].get(url).data == first.data and len(renders) == 1
    r = clients["officer_x"].post(f"/letterview/edit/{letter_id}", data={
        "result": "fit", "body": "Kegiatan ini layak dilaksanakan.",
        "suggestions": "Lengkapi kerangka sampel."})
    assert r.status_code == 302
    text = pdf_text(clients["head_x"].get(url).data)
    assert len(renders) == 2
    assert "Lengkapi kerangka sampel." in text and "DRAF" in text


@pytest.mark.parametrize("field,lines,message", [
    ("suggestions", letters.SUGGESTION_MAX_LINES, "Paling banyak 50 saran, satu per baris"),
    ("body", letters.BODY_MAX_PARAGRAPHS, "Paling banyak 30 paragraf, satu per baris"),
])
def test_a_draft_holds_a_bounded_number_of_lines(app, world, wf, clients, field, lines,
                                                 message):
    letter_id = _draft(app, world, wf)
    data = {"result": "fit", "body": "Isi surat.", "suggestions": ""}
    over = "\n".join(f"Baris {i}" for i in range(lines + 1))
    r = clients["officer_x"].post(f"/letterview/edit/{letter_id}", data={**data, field: over})
    assert r.status_code == 200
    assert f"{message} (saat ini ada {lines + 1})." in r.get_data(as_text=True)
    with app.app_context():
        assert getattr(app.appbuilder.session.get(m.Letter, letter_id), field) != over
    at_cap = "\n".join(f"Baris {i}" for i in range(lines))
    r = clients["officer_x"].post(f"/letterview/edit/{letter_id}", data={**data, field: at_cap})
    assert r.status_code == 302
    with app.app_context():
        assert getattr(app.appbuilder.session.get(m.Letter, letter_id), field) == at_cap
