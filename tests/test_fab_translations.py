"""Flask-AppBuilder's own strings in Indonesian (app/translations_fab): FAB ships no Indonesian
catalogue, so without ours an officer would see FAB's buttons and messages in English."""
import ast
from pathlib import Path

import flask_appbuilder
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
FAB_PO = ROOT / "app/translations_fab/id/LC_MESSAGES/messages.po"
FAB_CATALOGUES = Path(flask_appbuilder.__file__).parent / "translations"


def _msgids(path: Path) -> set[str]:
    """The msgids of a .po file, read plainly: some of FAB's catalogues carry headers that
    Babel's reader refuses (a date without a time)."""
    found, current = set(), None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if current is not None and line.startswith('"'):
            current.append(ast.literal_eval(line))
            continue
        if current:
            found.add("".join(current))
        current = [ast.literal_eval(line[6:])] if line.startswith("msgid ") else None
    found.discard("")
    return found


def _fab_msgids() -> set[str]:
    """Every string FAB's own catalogues translate (the union over its languages)."""
    found = set()
    for path in FAB_CATALOGUES.glob("*/LC_MESSAGES/messages.po"):
        found |= _msgids(path)
    return found


def _ours():
    with open(FAB_PO, "rb") as fh:
        return read_po(fh, locale="id")


def test_every_fab_string_has_its_indonesian():
    catalog = _ours()
    fab = _fab_msgids()
    assert len(fab) > 100  # FAB's catalogues were found and read
    missing = sorted(m for m in fab if catalog.get(m) is None)
    untranslated = sorted(m.id for m in catalog if m.id and (
        not (m.string if isinstance(m.string, str) else all(m.string)) or m.fuzzy))
    assert missing == [] and untranslated == [], (missing, untranslated)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert problems == []


def test_fab_screens_speak_indonesian(app, clients):
    """The officers' list and FAB's user screens in the default language: FAB's own words
    (filters, record count, actions, the user menu) come in Indonesian."""
    catalog = _ours()
    officer = clients["officer_x"].get("/activityrequestview/list/").get_data(as_text=True)
    admin = clients["admin"].get("/users/list/").get_data(as_text=True)
    for page, english in ((officer, "Add Filter"), (officer, "Record Count"),
                          (admin, "Add Filter"), (admin, "Record Count")):
        indonesian = catalog.get(english).string
        assert indonesian and indonesian != english
        assert indonesian in page and english not in page, english
