"""The password policy: length, the passwords guessed first, not one's own name — on our forms
and on FAB's own password forms."""
from __future__ import annotations

import pytest

from app.auth import passwords


@pytest.mark.parametrize("bad", ["pendek", "password123", "Indonesia123", "bismillah",
                                 "aaaaaaaaaaaa", "1234567890"])
def test_weak_passwords_are_refused(app, bad):
    with app.app_context():
        assert passwords.problems(bad)


def test_a_long_uncommon_password_passes_but_not_with_ones_name(app):
    with app.app_context():
        assert passwords.problems("kereta-pagi-ke-muara-enim") == []
        assert passwords.problems("andi.saputra-2027", "andi.saputra", "andi.saputra@x.go.id")


def test_registration_refuses_a_common_password(app, world):
    client = app.test_client()
    r = client.post("/register/form", data={
        "username": "lemah.sandi", "first_name": "Lemah", "last_name": "Sandi",
        "email": "lemah@bappeda.lubuklinggaukota.go.id", "password": "password123",
        "conf_password": "password123", "id_doc_type": "ktp",
        "id_doc_number": "1674015505900001", "phone": "0812", "agency": "Bappeda",
        "privacy_consent": "y"})  # all else right: the password alone is refused
    assert r.status_code == 422
    assert "Kata sandi ini termasuk yang pertama dicoba" in r.get_data(as_text=True)
    with app.app_context():
        from app.models import RekomRegisterUser

        assert app.appbuilder.session.query(RekomRegisterUser).filter_by(
            username="lemah.sandi").count() == 0


def test_fab_password_forms_use_the_policy(app, clients, world):
    """An admin resetting a user's password on FAB's screen gets the same rules."""
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username="applicant_b").id
        before = app.appbuilder.sm.find_user(username="applicant_b").password
    r = clients["admin"].post(f"/resetpassword/form?pk={user_id}",
                              data={"password": "password123", "conf_password": "password123"})
    assert r.status_code == 200  # the form again, with the reason
    with app.app_context():
        app.appbuilder.session.expire_all()
        assert app.appbuilder.sm.find_user(username="applicant_b").password == before
