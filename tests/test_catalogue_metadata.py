"""The catalogue after the sector became a code (issue 22): the index holds the sector's
Indonesian label (migration 0012's triggers, app/catalogue/search.py's repair, one list of
labels: models.SECTORS), the page and the open API filter by code and show the label; and one
recommended activity's public metadata, as a page, as JSON and as a DDI codebook, with nothing
private in any of them.

On the suite's engine (SQLite or PostgreSQL); the migration is tested on a scratch database.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import random
import re
import string
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from lxml import etree

from app import create_app
from app import models as m
from app.catalogue import search

from conftest import app_config, is_postgres, seed

TAG = "meta" + "".join(random.choices(string.ascii_lowercase, k=8))
YEAR = 2191  # a year no other test uses
ROOT = Path(__file__).resolve().parent.parent
MIGRATION = ROOT / "migrations" / "versions" / "0012_catalogue_sector_labels.py"
XSD = Path(__file__).parent / "data" / "ddi-codebook-2.5" / "codebook.xsd"
DDI = {"d": "ddi:codebook:2_5"}
_codes = itertools.count(1)
TITLES = {"health": "Kota", "other": "Desa", "drafted": "Draf"}  # no sector's word

# What the applicant wrote that never leaves the office: people, contacts, codes.
PRIVATE = {
    "resp_name": "Siti Rahmawati", "resp_email": "siti@pertanian.test",
    "resp_phone": "0812-7777-1234", "resp_address": "Jl. Melati Rahasia 9",
    "tech_name": "Joko Konsultan", "tech_email": "joko@konsultan.test",
    "tech_phone": "0813-5555-9876", "agency_address": "Jl. Yos Sudarso No. 5, Lubuklinggau",
    "agency_phone": "(0733) 451234", "agency_email": "dinkes@lubuklinggau.test",
    "agency_head_title": "Kepala Dinas Kesehatan Rahasia",
}


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0012", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(page):
    return [hit.request_id for hit in page.items]


@pytest.fixture()
def session(app):
    with app.app_context():
        s = app.appbuilder.session
        yield s
        s.rollback()


@pytest.fixture(scope="module")
def acts(app, world, wf):
    """A recommended health survey with every public field, private ones, public and
    non-public variables and indicators; an "other" sector one; one whose letter is only
    drafted."""
    ids = {}
    with app.app_context():
        session = app.appbuilder.session
        for key, state in (("health", "sent"), ("other", "issued"),
                           ("drafted", "letter_drafted")):
            pk = seed(session, world, wf, state)
            req = session.get(m.ActivityRequest, pk)
            req.title = f"Survei Gizi Balita {TITLES[key]} {TAG}"
            req.year = YEAR
            req.agency_name = "Dinas Kota Lubuklinggau"
            req.objectives = "Mengukur prevalensi stunting pada balita."
            if state != "letter_drafted":
                req.recommendation_code = f"REK-META-{next(_codes):04d}-{TAG}"
            for name, value in PRIVATE.items():
                setattr(req, name, value)
            ids[key] = pk
        health = session.get(m.ActivityRequest, ids["health"])
        health.sector = "health"
        health.coverage, health.coverage_area = "part", "Kota Lubuklinggau, Kabupaten Musi Rawas"
        health.frequency = "yearly"
        health.collection_methods = "interview,other"
        health.collection_methods_other = "Penimbangan langsung"
        health.release_date_printed = dt.date(2027, 6, 1)
        health.release_date_microdata = dt.date(2027, 9, 30)
        other = session.get(m.ActivityRequest, ids["other"])
        other.sector, other.sector_other = "other", "Gizi Masyarakat"
        session.get(m.ActivityRequest, ids["drafted"]).sector = "health"
        session.add_all([
            m.RequestVariable(request_id=ids["health"], position=1, name="Berat badan",
                              alias="BB", concept="Massa tubuh balita",
                              definition="Berat badan ditimbang tanpa pakaian.",
                              unit="kilogram", data_type="decimal", public=True,
                              question="Berapa berat badan (NAMA)?"),
            m.RequestVariable(request_id=ids["health"], position=2, name="Tinggi badan",
                              concept="Panjang tubuh balita", data_type="integer",
                              unit="sentimeter"),  # public not answered: public
            m.RequestVariable(request_id=ids["health"], position=3,
                              name="Nomor induk kependudukan ibu",
                              concept="NIK rahasia ibu balita", public=False),
            m.RequestIndicator(request_id=ids["health"], position=1,
                               name="Prevalensi stunting", concept="Balita pendek",
                               definition="Persentase balita dengan TB/U < -2 SD.",
                               unit="persen", public=True),
            m.RequestIndicator(request_id=ids["health"], position=2,
                               name="Indikator internal dinas", concept="Rahasia dinas",
                               public=False),
        ])
        session.commit()
        session.remove()
    return ids


# --- one source of labels ---------------------------------------------------------------------


def test_the_migrations_labels_are_models_sectors_in_indonesian(session):
    """Migration 0012 writes the labels out (it imports no app code); search.py's repair builds
    its CASE from models.SECTORS. Both SQL expressions, run on this engine, give every code
    the label the catalogue shows in Indonesian."""
    migration = _migration()
    with force_locale("id"):
        labels = {code: str(label) for code, label in m.SECTORS.items()}
    assert set(migration.SECTOR_LABELS) == set(m.SECTORS) - {"other"}
    assert migration.OTHER_LABEL == labels["other"]
    cases = [(code, None) for code in m.SECTORS] + [
        ("other", "Pekerjaan Umum"), ("other", "  "), (None, None), ("", None)]
    for code, other in cases:
        with force_locale("id"):
            expected = search.sector_label(code, other)
        if code and code != "other":
            assert expected == labels[code] == migration.SECTOR_LABELS[code]
        for expression in (migration.sector_sql("r"), search.sector_document_sql("r")):
            got = session.execute(sa.text(
                f"SELECT {expression} FROM (SELECT CAST(:code AS VARCHAR(200)) AS sector, "
                "CAST(:other AS VARCHAR(200)) AS sector_other) r"),
                {"code": code, "other": other}).scalar()
            assert got == expected, (code, other, expression[:40])
    # In English the catalogue shows English labels; the index stays Indonesian.
    with force_locale("en"):
        assert search.sector_label("health") == "Health"
        assert search.sector_label("other", " Gizi ") == "Gizi"
        assert search.sector_label("other") == "Other sector"


def test_the_repair_writes_what_the_triggers_wrote(session, acts):
    def document(pk):
        if is_postgres():
            return session.execute(sa.text("SELECT document::text FROM activity_search "
                                           "WHERE request_id = :id"), {"id": pk}).scalar()
        return session.execute(sa.text("SELECT sector FROM activity_fts WHERE rowid = :id"),
                               {"id": pk}).scalar()

    by_triggers = {key: document(pk) for key, pk in acts.items() if key != "drafted"}
    if not is_postgres():
        assert by_triggers == {"health": "Kesehatan", "other": "Gizi Masyarakat"}
    else:
        assert "'kesehatan':" in by_triggers["health"]
        assert "'masyarakat':" in by_triggers["other"]
    for key in by_triggers:
        assert search.index_request(session, acts[key]) is True
    assert {key: document(acts[key]) for key in by_triggers} == by_triggers
    search.reindex_all(session)
    assert {key: document(acts[key]) for key in by_triggers} == by_triggers
    session.commit()


# --- search by label, filter by code -------------------------------------------------------


def test_search_finds_the_sectors_label_and_filters_by_its_code(session, acts):
    assert _ids(search.search(session, f"kesehatan {TAG}")) == [acts["health"]]
    assert _ids(search.search(session, f"gizi masyarakat {TAG}")) == [acts["other"]]
    assert search.search(session, f"health {TAG}").total == 0  # the code is not indexed
    assert _ids(search.search(session, TAG, sector="health")) == [acts["health"]]
    assert _ids(search.search(session, TAG, sector="other")) == [acts["other"]]
    assert search.search(session, TAG, sector="labour").total == 0
    assert search.search(session, TAG, sector="Kesehatan").total == 0
    (hit,) = search.search(session, TAG, sector="other").items
    assert (hit.sector, hit.sector_label) == ("other", "Gizi Masyarakat")


def test_the_page_filters_with_a_select_of_the_sectors(app, acts):
    client = app.test_client()
    html = client.get("/catalogue/", query_string={"q": TAG}).get_data(as_text=True)
    select = re.search(r'<select class="form-control" id="sector" name="sector">(.*?)</select>',
                       html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    assert options[0] == ("", "", "Semua sektor")
    assert [o[0] for o in options[1:]] == list(m.SECTORS)
    assert ("health", "", "Kesehatan") in options and len(options) == 24
    # the results show the label; "other": the applicant's text
    assert re.search(r'class="catalogue-sector">Kesehatan</td>', html)
    assert re.search(r'class="catalogue-sector">Gizi Masyarakat</td>', html)

    html = client.get("/catalogue/", query_string={"q": TAG, "sector": "health"}).get_data(
        as_text=True)
    assert html.count('class="catalogue-hit"') == 1
    assert f'data-request-id="{acts["health"]}"' in html
    assert '<option value="health" selected>Kesehatan</option>' in html
    # a sector the select does not offer (an old link's text) lists every sector's activities
    for text in ("Kesehatan", "kes", "\x00", "x" * 500):
        response = client.get("/catalogue/", query_string={"q": TAG, "sector": text})
        assert response.status_code == 200, text
        page = response.get_data(as_text=True)
        assert page.count('class="catalogue-hit"') == 2, text
        assert ' selected>' not in page.split('id="sector"')[1].split("</select>")[0], text
    # searched by the label's words
    html = client.get("/catalogue/", query_string={"q": f"kesehatan {TAG}"}).get_data(
        as_text=True)
    assert html.count('class="catalogue-hit"') == 1
    assert f'href="/catalogue/{acts["health"]}"' in html  # each result links its metadata


def test_the_page_speaks_english_on_the_switch(app, acts):
    client = app.test_client()
    client.get("/lang/en")
    html = client.get("/catalogue/", query_string={"q": TAG}).get_data(as_text=True)
    assert "All sectors" in html and '<option value="health">Health</option>' in html
    assert 'class="catalogue-sector">Health</td>' in html


# --- one activity's public metadata ----------------------------------------------------------


def _private_absent(body: str, app, pk):
    for name, value in PRIVATE.items():
        assert value not in body, name
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, pk)
        for secret in (req.tracking_code, req.applicant.email, req.letter.verification_code):
            assert secret not in body
        session.remove()
    for hidden in ("Nomor induk kependudukan ibu", "NIK rahasia", "Indikator internal dinas",
                   "Rahasia dinas"):
        assert hidden not in body, hidden


def test_the_activity_page_shows_public_metadata_only(app, acts):
    client = app.test_client()  # no login
    response = client.get(f"/catalogue/{acts['health']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)

    def field(key):
        found = re.search(rf'<td id="meta-{key}">(.*?)</td>', html, re.S)
        return found and re.sub(r"\s+", " ", found.group(1)).strip()

    assert f"Survei Gizi Balita Kota {TAG}" in html
    assert field("year") == str(YEAR)
    assert field("kind") == "Survei"
    assert field("sector") == "Kesehatan"
    assert field("agency") == "Dinas Kota Lubuklinggau"
    assert field("recommendation").startswith("REK-META-")
    assert field("letter").startswith("B-") and "3 November 2026" in field("letter")
    assert "BPS Kota Lubuklinggau" in field("letter")
    assert field("objectives") == "Mengukur prevalensi stunting pada balita."
    assert field("coverage") == ("Sebagian wilayah Indonesia: Kota Lubuklinggau, "
                                 "Kabupaten Musi Rawas")
    assert field("frequency") == "Tahunan"
    assert field("collection-methods") == "Wawancara, Penimbangan langsung"
    assert field("release-printed") == "1 Juni 2027"
    assert field("release-microdata") == "30 September 2027"
    assert field("release-digital") is None  # not planned: not shown
    rows = re.findall(r'<tr class="catalogue-variable">(.*?)</tr>', html, re.S)
    cells = [[re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
             for row in rows]
    assert cells == [
        ["Berat badan", "BB", "Massa tubuh balita", "Berat badan ditimbang tanpa pakaian.",
         "kilogram", "Bilangan desimal"],
        ["Tinggi badan", "", "Panjang tubuh balita", "", "sentimeter", "Bilangan bulat"],
    ]
    assert html.count('class="catalogue-indicator"') == 1 and "Prevalensi stunting" in html
    _private_absent(html, app, acts["health"])
    assert "Berapa berat badan" not in html  # the page lists the fields above, no more
    assert f'href="/api/v1/catalogue/{acts["health"]}/ddi"' in html
    assert f'href="/api/v1/catalogue/{acts["health"]}"' in html

    other = client.get(f"/catalogue/{acts['other']}").get_data(as_text=True)
    assert '<td id="meta-sector">Gizi Masyarakat</td>' in other
    assert 'id="no-variables"' in other and 'id="indicators"' not in other


@pytest.mark.parametrize("which", ["drafted", "unknown", "huge", "zero"])
def test_no_page_for_an_activity_not_in_the_catalogue(app, acts, which):
    pk = {"drafted": acts.get("drafted"), "unknown": 2**31 - 1, "huge": 2**40, "zero": 0}[which]
    client = app.test_client()
    response = client.get(f"/catalogue/{pk}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Kegiatan tidak ditemukan" in html or "Halaman tidak ditemukan" in html
    assert "Survei Gizi Balita" not in html
    api = client.get(f"/api/v1/catalogue/{pk}")
    assert api.status_code == 404 and api.is_json
    assert api.json["message"].startswith(("Tidak ada kegiatan", "Halaman yang Anda minta"))
    ddi = client.get(f"/api/v1/catalogue/{pk}/ddi")
    assert ddi.status_code == 404 and ddi.is_json and "Survei Gizi" not in ddi.get_data(
        as_text=True)
    if which == "drafted":  # the catalogue's own words, not the generic page's
        assert "belum mendapat rekomendasi" in html
        assert api.json["message"].startswith("Tidak ada kegiatan")


def test_the_api_gives_the_same_public_metadata(app, acts):
    client = app.test_client()  # no login, no token
    response = client.get(f"/api/v1/catalogue/{acts['health']}")
    assert response.status_code == 200, response.json
    assert response.json["id"] == acts["health"]
    item = response.json["result"]
    assert set(item) == {
        "id", "recommendation_code", "title", "year", "kind", "kind_label", "sector",
        "sector_label", "agency_name", "objectives", "coverage", "coverage_label",
        "coverage_area", "frequency", "frequency_label", "collection_methods",
        "collection_methods_labels", "release_dates", "office", "letter", "variables",
        "indicators", "results"}
    assert (item["sector"], item["sector_label"]) == ("health", "Kesehatan")
    assert (item["kind"], item["kind_label"]) == ("survey", "Survei")
    assert (item["coverage"], item["coverage_label"]) == ("part", "Sebagian wilayah Indonesia")
    assert item["coverage_area"] == "Kota Lubuklinggau, Kabupaten Musi Rawas"
    assert (item["frequency"], item["frequency_label"]) == ("yearly", "Tahunan")
    assert item["collection_methods"] == ["interview", "other"]
    assert item["collection_methods_labels"] == ["Wawancara", "Penimbangan langsung"]
    assert item["release_dates"] == {"printed": "2027-06-01", "digital": None,
                                     "microdata": "2027-09-30"}
    assert item["letter"]["number"].startswith("B-")
    assert item["letter"]["letter_date"] == "2026-11-03"
    assert item["office"] == {"name": "BPS Kota Lubuklinggau"}
    assert item["variables"] == [
        {"name": "Berat badan", "alias": "BB", "concept": "Massa tubuh balita",
         "definition": "Berat badan ditimbang tanpa pakaian.", "unit": "kilogram",
         "data_type": "decimal", "data_type_label": "Bilangan desimal"},
        {"name": "Tinggi badan", "alias": None, "concept": "Panjang tubuh balita",
         "definition": None, "unit": "sentimeter", "data_type": "integer",
         "data_type_label": "Bilangan bulat"},
    ]
    assert item["indicators"] == [
        {"name": "Prevalensi stunting", "concept": "Balita pendek",
         "definition": "Persentase balita dengan TB/U < -2 SD.", "unit": "persen"}]
    _private_absent(response.get_data(as_text=True), app, acts["health"])
    other = client.get(f"/api/v1/catalogue/{acts['other']}").json["result"]
    assert (other["sector"], other["sector_label"]) == ("other", "Gizi Masyarakat")
    # the list gives the label too
    listed = client.get("/api/v1/catalogue/", query_string={
        "q": f"(filters:!((col:year,opr:eq,value:{YEAR})))"}).json["result"]
    assert {(row["sector"], row["sector_label"]) for row in listed} == {
        ("health", "Kesehatan"), ("other", "Gizi Masyarakat")}


def _parser():
    return etree.XMLParser(no_network=True, resolve_entities=False)


def test_the_ddi_codebook_is_public_and_valid(app, acts):
    client = app.test_client()
    response = client.get(f"/api/v1/catalogue/{acts['health']}/ddi")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["Content-Disposition"].endswith('.xml"')
    body = response.get_data()
    doc = etree.fromstring(body, _parser())
    if XSD.exists():
        schema = etree.XMLSchema(etree.parse(str(XSD), _parser()))
        assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)
    assert doc.tag == "{ddi:codebook:2_5}codeBook"
    assert doc.xpath("string(d:stdyDscr/d:citation/d:titlStmt/d:titl)", namespaces=DDI) == (
        f"Survei Gizi Balita Kota {TAG}")
    assert doc.xpath("string(d:stdyDscr/d:stdyInfo/d:subject/d:topcClas)",
                     namespaces=DDI) == "Kesehatan"
    labels = [el.text for el in doc.xpath("d:dataDscr/d:var/d:labl", namespaces=DDI)]
    assert labels == ["Berat badan", "Tinggi badan"]  # the non-public variable is left out
    notes = doc.xpath("d:stdyDscr/d:notes/@subject", namespaces=DDI)
    assert notes == ["Prevalensi stunting"]
    code = doc.xpath("string(d:stdyDscr/d:citation/d:titlStmt/d:IDNo)", namespaces=DDI)
    assert code.startswith("REK-META-")
    _private_absent(body.decode("utf-8"), app, acts["health"])


def test_a_codebook_without_recommendation_code_never_shows_the_tracking_code(app, acts):
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, acts["other"])
        code, tracking = req.recommendation_code, req.tracking_code
        req.recommendation_code = None
        session.commit()
        session.remove()
    try:
        body = app.test_client().get(f"/api/v1/catalogue/{acts['other']}/ddi").get_data(
            as_text=True)
        assert tracking not in body
        assert "B-" in body  # the letter's number names the study instead
    finally:
        with app.app_context():
            session = app.appbuilder.session
            session.get(m.ActivityRequest, acts["other"]).recommendation_code = code
            session.commit()
            session.remove()


def test_the_open_api_document_lists_the_new_operations(app):
    paths = app.test_client().get("/api/v1/_openapi").json["paths"]
    for path in ("/api/v1/catalogue/{pk}", "/api/v1/catalogue/{pk}/ddi"):
        assert paths[path]["get"]["security"] == [], path
    sector = next(p for p in paths["/api/v1/catalogue/search"]["get"]["parameters"]
                  if p["name"] == "sector")
    assert sector["schema"]["enum"] == list(m.SECTORS)


# --- migration 0012 ---------------------------------------------------------------------------


def _insert(table, **values):
    return sa.insert(sa.table(table, *map(sa.column, values))).values(**values)


def _missing_triggers(conn):
    if conn.dialect.name == "sqlite":
        present = set(conn.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        return [name for name in search.SQLITE_TRIGGERS if name not in present]
    present = set(conn.execute(sa.text(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
    return [name for name in search.PG_TRIGGERS if name not in present]


def test_migration_0012_indexes_labels_and_goes_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade(revision="0011")
        engine = application.extensions["sqlalchemy"].engine
        now = dt.datetime(2026, 11, 2, 3, 0)
        with engine.begin() as conn:
            conn.execute(_insert("office", code="7602", name="BPS Kabupaten Sektor",
                                 active=True))
            office = conn.execute(sa.text("SELECT id FROM office WHERE code = '7602'")).scalar()
            conn.execute(_insert("ab_user", first_name="Ani", last_name="Sektor",
                                 username="ani.sektor", email="ani@sektor.test", active=True))
            user = conn.execute(sa.text(
                "SELECT id FROM ab_user WHERE username = 'ani.sektor'")).scalar()
            rows = {}
            for n, (code, sector, other) in enumerate((
                    ("RKS-SEK1", "health", None), ("RKS-SEK2", "other", "Pekerjaan Umum"),
                    ("RKS-SEK3", "international_trade", None)), 1):
                conn.execute(_insert(
                    "activity_request", tracking_code=code, office_id=office,
                    applicant_id=user, channel="online", state="issued",
                    title=f"Survei Sektor Lama {n}", year=2027, kind="survey",
                    sector=sector, sector_other=other, created_at=now, updated_at=now))
                rows[code] = conn.execute(sa.text(
                    "SELECT id FROM activity_request WHERE tracking_code = :c"),
                    {"c": code}).scalar()
                conn.execute(_insert(
                    "letter", request_id=rows[code], office_id=office, result="fit",
                    drafted_at=now, verification_code=f"verif-sektor-{n}",
                    number=f"B-{n}/76020/VS.300/2026", sequence=n, year=2026,
                    letter_date=dt.date(2026, 11, 3), issued_at=now, sha256="0" * 64,
                    body="Direkomendasikan."))
        session = application.appbuilder.session

        def found(words):
            return sorted(search.search(session, words).items, key=lambda h: h.request_id)

        def ids(words):
            return [hit.request_id for hit in found(words)]

        # Before: the index holds the codes.
        assert ids("health") == [rows["RKS-SEK1"]]
        assert ids("kesehatan") == []
        session.remove()

        upgrade(revision="0012")
        with engine.connect() as conn:
            assert _missing_triggers(conn) == []
        assert search.check_index(session) == []
        assert ids("kesehatan") == [rows["RKS-SEK1"]]
        assert ids("health") == []
        assert ids("pekerjaan umum") == [rows["RKS-SEK2"]]
        assert ids("neraca perdagangan") == [rows["RKS-SEK3"]]
        # The triggers follow a change of the sector and of its other text.
        session.execute(sa.text("UPDATE activity_request SET sector = 'labour' WHERE id = :id"),
                        {"id": rows["RKS-SEK1"]})
        session.execute(sa.text("UPDATE activity_request SET sector_other = 'Tata Air' "
                                "WHERE id = :id"), {"id": rows["RKS-SEK2"]})
        session.commit()
        assert ids("ketenagakerjaan") == [rows["RKS-SEK1"]]
        assert ids("kesehatan") == []
        assert ids("tata air") == [rows["RKS-SEK2"]]
        assert ids("pekerjaan") == []
        # A new recommended request is indexed with its label too.
        session.execute(sa.text("UPDATE activity_request SET sector = 'transport' "
                                "WHERE id = :id"), {"id": rows["RKS-SEK3"]})
        session.commit()
        assert ids("transportasi") == [rows["RKS-SEK3"]]
        session.remove()

        downgrade(revision="0011")
        with engine.connect() as conn:
            assert _missing_triggers(conn) == []
        assert ids("ketenagakerjaan") == []
        assert ids("labour") == [rows["RKS-SEK1"]]
        assert ids("transport") == [rows["RKS-SEK3"]]
        session.remove()

        upgrade()
        assert search.check_index(session) == []
        assert ids("ketenagakerjaan") == [rows["RKS-SEK1"]]
        assert ids("tata air") == [rows["RKS-SEK2"]]
        session.remove()
        engine.dispose()
