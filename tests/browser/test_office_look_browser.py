"""The office's look in Chromium (issue 26): the admin sets the office's colour and logo on its
settings screen, then the public home is looked at on a laptop (1280 px) and a phone (375 px).

(a) nothing set: the portal's blue, no logo; (b) a colour only; (c) a logo and a colour;
(d) hostile: a text file renamed .png and a colour "red;}" are refused on their fields, and
the look stays as (c) left it. A live app of this module's speaks for office 1677.
Screenshots go to REKOMSTAT_SHOTS/office_look when set.
"""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from app import models as m
from app.offices import look
from browser import people as people_base
from browser.conftest import serving
from browser.people import STAFF, shots_folder, windows

CODE, NAME = "1677", "BPS Kabupaten Musi Rawas Utara"
PHONE_375 = {"width": 375, "height": 800}


def logo_png() -> bytes:
    image = Image.new("RGB", (200, 200), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 180, 180), fill=(27, 94, 32))
    draw.rectangle((70, 70, 130, 130), fill=(255, 193, 7))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def site(app, world, smtp_inbox):
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        office = ensure_office(CODE, NAME, city="Musi Rawas Utara")
        session = app.appbuilder.session
        setting = session.scalars(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == office.id)).one()
        ids = {"office": office.id, "setting": setting}
        session.execute(sa.delete(m.OfficeLogo).where(m.OfficeLogo.office_id == office.id))
        session.execute(sa.update(m.OfficeSetting).where(m.OfficeSetting.id == setting).values(
            brand_colour=look.DEFAULT_COLOUR, logo_type=None, logo_sha256=None))
        session.commit()
        session.remove()
    with serving(smtp_inbox[1], OFFICE_CODE=CODE) as base:
        yield base, ids


class Person(people_base.Person):
    def save(self):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Simpan").click()

    def errors_of(self, field: str) -> str:
        group = self.page.locator(f"#{field}").locator(
            "xpath=ancestor::*[contains(@class,'form-group') or self::tr][1]")
        return group.inner_text()

    def header(self) -> dict:
        return self.page.evaluate("""() => {
            const nav = document.querySelector('nav.portal-nav');
            const img = nav.querySelector('img.office-logo');
            return {background: getComputedStyle(nav).backgroundColor,
                    link: getComputedStyle(nav.querySelector('.navbar-nav a')).color,
                    text: nav.innerText,
                    logo: img ? img.naturalWidth : null,
                    wide: document.documentElement.scrollWidth};
        }""")


@pytest.fixture
def people(browser, site, tmp_path):
    folder = shots_folder(tmp_path, "office_look")
    base = site[0]
    yield from windows(lambda who, viewport=STAFF: Person(browser, base, folder, who, viewport))


def _settings(admin, ids):
    admin.goto(f"/officesettingview/edit/{ids['setting']}")


def _look_at_home(people, name: str, colour: str, logo: bool):
    for width, viewport in (("1280", STAFF), ("375", PHONE_375)):
        visitor = people(f"{name}-{width}", viewport)
        visitor.goto("/")
        header = visitor.header()
        visitor.shot("beranda")
        assert header["background"] == colour, header
        assert header["link"] == "rgb(255, 255, 255)"
        assert NAME in header["text"] and "Layanan" in header["text"]
        assert (header["logo"] or 0) > 0 if logo else header["logo"] is None
        assert header["wide"] <= int(width), header  # no sideways scrolling
        visitor.close()


def test_the_admin_gives_the_office_its_look(people, site):
    base, ids = site
    admin = people("admin")
    admin.log_in("admin")

    # (a) nothing: saved as it is, the portal's blue and no logo.
    _settings(admin, ids)
    assert admin.page.input_value("#brand_colour") == look.DEFAULT_COLOUR
    admin.shot("pengaturan")
    admin.save()
    _look_at_home(people, "a-polos", "rgb(10, 77, 140)", logo=False)

    # (b) a colour only.
    _settings(admin, ids)
    admin.page.fill("#brand_colour", "#7a1f1f")
    admin.save()
    assert "/edit/" not in admin.page.url
    _look_at_home(people, "b-warna", "rgb(122, 31, 31)", logo=False)

    # (c) a logo and a colour.
    _settings(admin, ids)
    admin.page.fill("#brand_colour", "#1b5e20")
    admin.page.set_input_files("#logo_file", files=[
        {"name": "logo-kantor.png", "mimeType": "image/png", "buffer": logo_png()}])
    admin.shot("logo-dipilih")
    admin.save()
    assert "/edit/" not in admin.page.url
    _look_at_home(people, "c-logo", "rgb(27, 94, 32)", logo=True)

    # (d) hostile: a text file renamed .png, a colour that would close the style's rule.
    _settings(admin, ids)
    admin.page.fill("#brand_colour", "red;}")
    admin.page.set_input_files("#logo_file", files=[
        {"name": "logo.png", "mimeType": "image/png", "buffer": b"bukan gambar\n"}])
    admin.save()
    admin.shot("warna-ditolak")
    assert "enam digit heksadesimal" in admin.errors_of("brand_colour")
    admin.page.fill("#brand_colour", "#1b5e20")
    admin.page.set_input_files("#logo_file", files=[
        {"name": "logo.png", "mimeType": "image/png", "buffer": b"bukan gambar\n"}])
    admin.save()
    admin.shot("logo-ditolak")
    assert "harus berupa gambar PNG atau JPEG" in admin.errors_of("logo_file")
    _look_at_home(people, "d-tetap", "rgb(27, 94, 32)", logo=True)
    admin.close()
