"""WTForms' own validation messages in Indonesian (app/translations_wtforms): WTForms ships
no Indonesian catalogue, so a bad e-mail or number on a FAB form would be refused in English."""
from pathlib import Path

import wtforms
from babel.messages.pofile import read_po

from conftest import login

ROOT = Path(__file__).resolve().parent.parent
OURS = ROOT / "app/translations_wtforms/id/LC_MESSAGES/messages.po"
WTFORMS_POT = Path(wtforms.__file__).parent / "locale/wtforms.pot"


def _catalog(path):
    with open(path, "rb") as fh:
        return read_po(fh, locale="id")


def test_every_wtforms_message_has_its_indonesian():
    theirs = {m.id for m in _catalog(WTFORMS_POT) if m.id}
    ours = _catalog(OURS)
    assert len(theirs) > 30
    missing = sorted(str(i) for i in theirs if ours.get(i) is None)
    untranslated = sorted(str(m.id) for m in ours if m.id and (
        not (m.string if isinstance(m.string, str) else all(m.string)) or m.fuzzy))
    assert missing == [] and untranslated == [], (missing, untranslated)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in ours.check()]
    assert problems == []


def test_a_fab_form_refuses_a_bad_number_in_indonesian(app, world):
    from conftest import OFFICE_X

    setting = world.rows[("OfficeSettingView", OFFICE_X)]
    client = login(app.test_client(), "admin")
    form = {"sla_working_days": "tiga puluh", "signer_role": "Head"}
    page = client.post(f"/officesettingview/edit/{setting}", data=form).get_data(as_text=True)
    assert "Bukan bilangan bulat yang valid." in page
    assert "Not a valid integer value." not in page
    client.get("/lang/en")
    page = client.post(f"/officesettingview/edit/{setting}", data=form).get_data(as_text=True)
    assert "Not a valid integer value." in page
