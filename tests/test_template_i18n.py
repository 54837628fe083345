"""``_()`` in templates (app/template_i18n.py): the catalogue is looked up once per request and
locale, and still follows the user's language, ``force_locale`` (mails in the office
language) and plural forms."""
from __future__ import annotations

from flask import render_template_string
from flask import session as web_session
from flask_babel import force_locale

from app.web import template_i18n

CODE = "{{ _('Tracking code') }}"
WAITING = "{{ ngettext('%(num)d person waiting', '%(num)d people waiting', n) }}"


def test_templates_follow_the_users_language_and_force_locale_in_one_request(app):
    with app.test_request_context("/"):
        web_session["locale"] = "en"  # an officer browsing in English …
        assert render_template_string(CODE) == "Tracking code"
        with force_locale("id"):  # … whose action mails the applicant in Indonesian
            assert render_template_string(CODE) == "Kode pelacakan"
            with force_locale("en"):
                assert render_template_string(CODE) == "Tracking code"
            assert render_template_string(CODE) == "Kode pelacakan"
        assert render_template_string(CODE) == "Tracking code"  # and back again


def test_the_indonesian_default_and_plural_forms(app):
    with app.test_request_context("/"):
        assert render_template_string(CODE) == "Kode pelacakan"
        assert render_template_string(WAITING, n=1) == "1 orang menunggu"
        assert render_template_string(WAITING, n=3) == "3 orang menunggu"
    with app.test_request_context("/"):
        web_session["locale"] = "en"
        assert render_template_string(WAITING, n=1) == "1 person waiting"
        assert render_template_string(WAITING, n=3) == "3 people waiting"


def test_one_catalogue_look_up_per_request_and_locale(app, monkeypatch):
    calls = []
    real = template_i18n.get_translations

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(template_i18n, "get_translations", counted)
    with app.test_request_context("/"):
        for _ in range(20):
            render_template_string(CODE)
        assert len(calls) == 1
        with force_locale("en"):
            for _ in range(20):
                render_template_string(CODE)
        assert len(calls) == 2
