"""Every string of ours has its Indonesian translation: the `id` default never shows English."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _code_msgids() -> set[str]:
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        ROOT / "app", method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_is_translated_to_indonesian():
    with open(ROOT / "app/translations/id/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="id")
    missing, untranslated = [], []
    for msgid in sorted(_code_msgids()):
        entry = catalog.get(msgid)
        if entry is None:
            missing.append(msgid)
        elif not entry.string or entry.fuzzy:
            untranslated.append(msgid)
    assert not missing, f"not in the id catalogue (run pybabel extract/update): {missing}"
    assert not untranslated, f"no Indonesian translation yet: {untranslated}"
    assert len(_code_msgids()) > 100  # the extraction itself must find our strings


def test_indonesian_is_what_staff_see(clients):
    page = clients["officer_x"].get("/activityrequestview/list/").get_data(as_text=True)
    assert "Permohonan" in page and "Layanan" in page
    assert "Complaints &amp; ratings" not in page


def test_english_on_the_switch(app, world):
    from conftest import login

    client = login(app.test_client(), "officer_x")
    client.get("/lang/en")
    page = client.get("/activityrequestview/list/").get_data(as_text=True)
    assert "Requests" in page and "Services" in page


def test_the_catalogues_compile_and_hold_no_guesses():
    """A fuzzy guess or a broken placeholder makes `pybabel compile` (run by make) fail."""
    for lang in ("id", "en"):
        with open(ROOT / f"app/translations/{lang}/LC_MESSAGES/messages.po", "rb") as fh:
            catalog = read_po(fh, locale=lang)
        assert [m.id for m in catalog if m.id and m.fuzzy] == [], lang
        problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
        assert problems == [], (lang, problems)
