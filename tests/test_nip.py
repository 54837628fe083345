"""NIP: read however it is typed, stored as 18 digits, written in the letter in four groups."""
from __future__ import annotations

import pytest

from app.core.nip import digits_of, format_nip


@pytest.mark.parametrize("typed", [
    "197001011990011001", "19700101 199001 1 001", "NIP. 19700101 199001 1 001",
    " 19700101-199001-1-001 ", "nip 197001011990011001",
])
def test_a_nip_is_read_however_it_is_typed(typed):
    assert digits_of(typed) == "197001011990011001"


@pytest.mark.parametrize("typed,why", [
    ("19700101199001100", "18 digits"),
    ("1970010119900110011", "18 digits"),
    ("19701301 199001 1 001", "date of birth"),  # month 13
    ("19700230 199001 1 001", "date of birth"),  # 30 February
    ("19700101 199013 1 001", "month of appointment"),
    ("19700101 000001 1 001", "month of appointment"),
    ("19700101 199001 3 001", "1 or 2"),
    ("１９７００１０１１９９００１１００１", "18 digits"),  # full-width digits are not ASCII
    ("19700101 1990O1 1 001", "18 digits"),  # a letter O
])
def test_what_is_not_a_nip_is_refused_with_the_reason(typed, why):
    with pytest.raises(ValueError, match=why):
        digits_of(typed)


def test_empty_is_no_nip():
    assert digits_of("") is None and digits_of(None) is None and digits_of("  ") is None


def test_written_in_four_groups():
    assert format_nip("197001011990011001") == "19700101 199001 1 001"
    # Older rows typed by hand are shown as they are rather than mangled.
    assert format_nip("1970 abc") == "1970 abc" and format_nip(None) == ""


def _office_form(app, office_id) -> dict:
    from app import models as m

    with app.app_context():
        office = app.appbuilder.session.get(m.Office, office_id)
        data = {"code": office.code, "name": office.name, "address": office.address or "",
                "city": office.city or "", "phone": office.phone or "",
                "email": office.email or "", "website": office.website or "",
                "head_name": office.head_name or "", "parent": office.parent_id or "",
                "active": "y" if office.active else ""}
        app.appbuilder.session.remove()
    return data


def _stored_nip(app, office_id):
    from app import models as m

    with app.app_context():
        nip = app.appbuilder.session.get(m.Office, office_id).head_nip
        app.appbuilder.session.remove()
    return nip


def test_the_office_screen_stores_digits_and_shows_four_groups(app, world, clients):
    from conftest import OFFICE_Y

    office_id = world.offices[OFFICE_Y]
    admin = clients["admin"]
    before = _stored_nip(app, office_id)
    page = admin.post(f"/officeview/edit/{office_id}",
                      data={**_office_form(app, office_id), "head_nip": "19700230 199001 1 001"})
    assert page.status_code == 200  # the form again, with the reason
    assert "tanggal lahir" in page.get_data(as_text=True)
    assert _stored_nip(app, office_id) == before  # nothing saved

    saved = admin.post(f"/officeview/edit/{office_id}", data={
        **_office_form(app, office_id), "head_nip": "NIP. 19750512 200012 2 003"})
    assert saved.status_code == 302
    assert _stored_nip(app, office_id) == "197505122000122003"
    show = admin.get(f"/officeview/show/{office_id}").get_data(as_text=True)
    assert "19750512 200012 2 003" in show
