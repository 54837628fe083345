"""The office's look (issue 26, offices/look.py): the admin gives the office a logo and a
colour on its settings screen; the public pages' header shows them, the logo is served with
its hash as ETag, and new letters carry the logo on their letterhead.

An app of this module's speaks for office 1677 (its OFFICE_CODE), on the suite's database: the
suite's default office keeps its plain look for every other test.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from app import create_app
from app import models as m
from app.core import codes
from app.offices import look
from app.ops.bootstrap import create_user, ensure_office
from app.requests import workflow

import screen_forms as sf
from conftest import PASSWORD, app_config, login, seed

CODE = "1677"
NAME = "BPS Kabupaten Musi Rawas Utara"
LOGO_SIZE = (240, 120)  # not square: told apart from the letter's QR code


def png(size=LOGO_SIZE, colour=(10, 77, 140)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def site(app, world):
    """This module's app (default office 1677), the office's settings row and its head."""
    other = create_app({**app_config(), "OFFICE_CODE": CODE})
    with other.app_context():
        office = ensure_office(CODE, NAME, city="Musi Rawas Utara")
        session = other.appbuilder.session
        setting_id = session.scalars(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == office.id)).one()
        head = session.scalars(sa.select(m.RekomUser).where(
            m.RekomUser.username == "kepala1677")).first() or create_user(
            "Head", "kepala1677", "kepala1677@rekomstat.test", PASSWORD, office_code=CODE)
        ids = {"office": office.id, "setting": setting_id, "head": head.id}
        session.remove()
    yield other, ids
    _plain(other, ids)


def _plain(other, ids):
    with other.app_context():
        session = other.appbuilder.session
        session.execute(sa.delete(m.OfficeLogo).where(m.OfficeLogo.office_id == ids["office"]))
        session.execute(sa.update(m.OfficeSetting).where(m.OfficeSetting.id == ids["setting"])
                        .values(brand_colour=look.DEFAULT_COLOUR, logo_type=None,
                                logo_sha256=None))
        session.commit()
        session.remove()


@pytest.fixture()
def plain(site):
    """Each test starts from the office's plain look."""
    _plain(*site)
    return site


def _setting(other, ids) -> tuple:
    with other.app_context():
        session = other.appbuilder.session
        row = session.get(m.OfficeSetting, ids["setting"])
        logo = session.get(m.OfficeLogo, ids["office"])
        found = (row.brand_colour, row.logo_type, row.logo_sha256,
                 logo.data if logo is not None else None)
        session.remove()
    return found


def _save(admin, ids, **changes):
    """The settings screen as the admin sees it, sent back with ``changes`` (a file as
    (bytes, name)): the answer."""
    url = f"/officesettingview/edit/{ids['setting']}"
    form, _ = sf.parse(admin.get(url).get_data(as_text=True))
    data = sf.browser_data(form)
    for name, value in changes.items():
        data[name] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return admin.post(url, data=data, content_type="multipart/form-data")


def _errors(answer) -> dict:
    form, _ = sf.parse(answer.get_data(as_text=True))
    return {name: f.errors for name, f in form.fields.items() if f.errors}


def test_the_uploaded_logo_is_in_the_header_and_served_with_its_etag(plain):
    other, ids = plain
    admin = login(other.test_client(), "admin")
    before = other.test_client().get("/").get_data(as_text=True)
    assert NAME in before and "/logo" not in before  # none by default

    data = png()
    assert _save(admin, ids, logo_file=(data, "logo-kantor.png")).status_code == 302
    digest = hashlib.sha256(data).hexdigest()
    assert _setting(other, ids)[1:] == ("image/png", digest, data)

    public = other.test_client()
    home = public.get("/").get_data(as_text=True)
    header = home.split("</nav>")[0]
    assert NAME in header
    src = re.search(r'<img class="office-logo" src="([^"]+)"', header).group(1)
    assert src.startswith(f"/office/{ids['office']}/logo")

    served = public.get(src)
    assert served.status_code == 200 and served.data == data
    assert served.mimetype == "image/png"
    assert served.headers["ETag"] == f'"{digest}"'
    assert "max-age" in served.headers["Cache-Control"]
    again = public.get(src, headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.data == b""

    # Removed: gone from the header and from its address.
    assert _save(admin, ids, remove_logo="y").status_code == 302
    assert _setting(other, ids)[1:] == (None, None, None)
    assert '<img class="office-logo"' not in public.get("/").get_data(as_text=True)
    assert public.get(src).status_code == 404


@pytest.mark.parametrize("content, name, words", [
    (b"Ini bukan gambar, hanya teks.\n", "logo.png", "harus berupa gambar PNG atau JPEG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "logo.svg",
     "harus berupa gambar PNG atau JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "rusak.png", "harus berupa gambar PNG atau JPEG"),
    (None, "besar.png", "paling besar 300 KB"),
])
def test_a_file_that_is_no_logo_is_refused_in_words_and_nothing_changes(
        plain, content, name, words):
    other, ids = plain
    admin = login(other.test_client(), "admin")
    assert _save(admin, ids, logo_file=(png(), "lama.png")).status_code == 302
    before = _setting(other, ids)
    if content is None:  # a real PNG, of noise that does not compress: past 300 KB
        noise = Image.frombytes("RGB", (400, 400), bytes(
            hashlib.sha256(str(i).encode()).digest()[i % 32] for i in range(400 * 400 * 3)))
        out = io.BytesIO()
        noise.save(out, "PNG")
        content = out.getvalue()
        assert len(content) > look.MAX_LOGO_BYTES
    answer = _save(admin, ids, logo_file=(content, name), brand_colour="#123456",
                   signer_title="Kepala Yang Lain")
    assert answer.status_code == 200
    assert words in " ".join(_errors(answer).get("logo_file", []))
    assert _setting(other, ids) == before  # nor the colour, typed with it
    with other.app_context():
        assert other.appbuilder.session.get(m.OfficeSetting, ids["setting"]).signer_title \
            != "Kepala Yang Lain"
        other.appbuilder.session.remove()


@pytest.mark.parametrize("typed", ["#ffff00", "#777777", "red;}", "#0a4d8c; } body { x",
                                   "0a4d8c", "#12345"])
def test_a_colour_white_text_cannot_be_read_on_is_refused(plain, typed):
    other, ids = plain
    admin = login(other.test_client(), "admin")
    answer = _save(admin, ids, brand_colour=typed)
    assert answer.status_code == 200
    message = " ".join(_errors(answer).get("brand_colour", []))
    if typed.startswith("#") and len(typed) == 7:
        assert "sulit dibaca" in message and "4,5:1" in message
    else:
        assert "enam digit heksadesimal" in message
    assert _setting(other, ids)[0] == look.DEFAULT_COLOUR
    style = other.test_client().get("/").get_data(as_text=True).split("</style>")[0]
    assert "--office-colour: #0a4d8c;" in style and typed.lstrip("#") not in style.replace(
        "#0a4d8c", "")


def test_the_colour_is_the_pages_header_colour(plain):
    other, ids = plain
    public = other.test_client()
    assert "--office-colour: #0a4d8c;" in public.get("/").get_data(as_text=True)
    admin = login(other.test_client(), "admin")
    assert _save(admin, ids, brand_colour=" #7A1F1F ").status_code == 302
    assert _setting(other, ids)[0] == "#7a1f1f"
    for path in ("/", "/catalogue/", "/complaints/new"):
        page = public.get(path).get_data(as_text=True)
        assert "--office-colour: #7a1f1f;" in page, path
        assert NAME in page.split("</nav>")[0], path
    applicant = login(other.test_client(), "applicant_a")
    for path in ("/portal/", "/portal/requests/new"):
        assert "--office-colour: #7a1f1f;" in applicant.get(path).get_data(as_text=True), path
    # Emptied: the portal's blue again.
    assert _save(admin, ids, brand_colour="").status_code == 302
    assert _setting(other, ids)[0] == look.DEFAULT_COLOUR


def test_contrast_is_wcag_s():
    assert round(look.contrast_with_white("#000000"), 1) == 21.0
    assert round(look.contrast_with_white("#ffffff"), 1) == 1.0
    assert look.contrast_with_white(look.DEFAULT_COLOUR) >= 4.5
    assert look.colour_problem("#767676") is None  # 4.54:1
    assert look.colour_problem("#777777")  # 4.48:1


def _letter_images(pdf: bytes) -> list[tuple[int, int]]:
    return [image.image.size for page in PdfReader(io.BytesIO(pdf)).pages
            for image in page.images]


def _issue_a_letter(other, ids, world) -> int:
    """A request of office 1677 with its letter drafted, issued by the office's head: the
    letter's id."""
    with other.app_context():
        session = other.appbuilder.session
        now = dt.datetime(2026, 11, 2, 3, 0)
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=ids["office"],
            applicant_id=world.users["applicant_a"], state="letter_drafted",
            title="Survei Harga Karet Musi Rawas Utara 2027", year=2027, kind="survey",
            agency_name="Dinas Perkebunan Musi Rawas Utara",
            agency_head_title="Kepala Dinas Perkebunan Musi Rawas Utara",
            resp_name="Rahmat Hidayat", resp_email="rahmat@perkebunan.test",
            collection_start=dt.date(2027, 3, 1), collection_end=dt.date(2027, 4, 30),
            objectives="Mengukur harga karet di tingkat petani.",
            submitted_at=now, complete_at=now, due_date=dt.date(2026, 12, 15))
        session.add(req)
        session.add(m.Letter(request=req, office_id=ids["office"], result="fit",
                             body="Badan Pusat Statistik merekomendasikan kegiatan ini.",
                             verification_code=codes.random_token(20)))
        session.commit()
        head = session.get(m.RekomUser, ids["head"])
        outcome = workflow.apply(session, req.id, "issue", head)
        letter_id = outcome.request.letter.id
        session.remove()
    return letter_id


def _pdf(other, letter_id) -> bytes:
    with other.app_context():
        pdf = other.appbuilder.session.get(m.Letter, letter_id).pdf
        other.appbuilder.session.remove()
    return pdf


def test_a_new_letter_carries_the_logo_and_an_issued_one_stays_as_it_was(plain, world):
    other, ids = plain
    before = _issue_a_letter(other, ids, world)
    plain_pdf = _pdf(other, before)
    assert LOGO_SIZE not in _letter_images(plain_pdf)
    assert _letter_images(plain_pdf)  # the QR code

    admin = login(other.test_client(), "admin")
    assert _save(admin, ids, logo_file=(png(), "logo.png")).status_code == 302
    after = _issue_a_letter(other, ids, world)
    assert LOGO_SIZE in _letter_images(_pdf(other, after))
    assert _pdf(other, before) == plain_pdf  # issued: frozen


def test_a_page_of_one_office_wears_that_offices_look(plain, app, world, wf):
    """A request's pages and a queue's board show the request's or the queue's office, not the
    default office (a deployment serving several offices)."""
    other, ids = plain
    admin = login(other.test_client(), "admin")
    assert _save(admin, ids, brand_colour="#7a1f1f").status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "draft")
        session.execute(sa.update(m.ActivityRequest).where(m.ActivityRequest.id == req_id)
                        .values(office_id=ids["office"]))
        session.commit()
        session.remove()
    # The suite's app speaks for another office by default: its pages keep that office's look.
    public = app.test_client()
    assert "--office-colour: #7a1f1f;" not in public.get("/").get_data(as_text=True)
    board = public.get(f"/queue/board?office={CODE}").get_data(as_text=True)
    assert "--office-colour: #7a1f1f;" in board and NAME in board.split("</nav>")[0]
    applicant = login(app.test_client(), "applicant_a")
    for path in (f"/portal/requests/{req_id}", f"/portal/requests/{req_id}/edit",
                 f"/portal/requests/{req_id}/edit?step=people"):
        page = applicant.get(path).get_data(as_text=True)
        assert "--office-colour: #7a1f1f;" in page, path
        assert NAME in page.split("</nav>")[0], path
