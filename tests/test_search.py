"""Full-text search of recommended activities (app/catalogue/search.py) and the public catalogue
(app/catalogue/pages.py), on the suite's real engine: FTS5 on SQLite, tsvector/GIN on PostgreSQL.

Every activity made here carries the module's own random word (TAG) in its title, and every
query names it (or a year no other test uses), so rows other tests create never interfere.
"""
from __future__ import annotations

import json
import random
import string

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.catalogue import search
from app.models import ActivityRequest, RequestVariable

from conftest import actor, is_postgres, seed

TAG = "uji" + "".join(random.choices(string.ascii_lowercase, k=8))
YEAR_A, YEAR_B, YEAR_PAGES = 2131, 2132, 2133

HOSTILE = [
    '"', '""', '*', 'sorgum*', 'NEAR(', 'sorgum NEAR(sawah', 'NEAR(sorgum sawah, 2)', ':',
    'title:sorgum', "'", "''", '&|!', 'sorgum & !sawah', 'sorgum | sawah', '<->',
    'sorgum <-> sawah', 'sorgum:*', '(sorgum OR)', 'AND', 'OR NOT', 'NOT sorgum', '-sorgum',
    '^sorgum', '+sorgum', '{sorgum}', '[x]',
    "' OR 1=1 --", '"; DROP TABLE activity_request; --', "1; DELETE FROM letter",
    "%", "_", "\\", "\\'", "$$", "E'\\\\'", "\x00", "sorgum\x00sawah", "\u0301", "\u200b",
    "ü", "日本語 調査", "🙂🙂", "ǅ", "²", "ᚠᛇᚻ", "Ünïcödé café", "x" * 5000, "sorgum " * 1000,
    "a" * 65 + " " + "b" * 70, " ", "",
]


def _set(session, request_id, **fields):
    req = session.get(ActivityRequest, request_id)
    for name, value in fields.items():
        setattr(req, name, value)
    session.commit()


@pytest.fixture(scope="module")
def cat(app, world, wf):
    """The module's activities: recommended ones (issued, sent, closed) and unissued ones."""
    ids = {}
    with app.app_context():
        session = app.appbuilder.session

        def make(key, state, **fields):
            ids[key] = seed(session, world, wf, state)
            _set(session, ids[key], **fields)

        make("ubinan", "issued", title=f"Survei Ubinan Sorgum Sawah {TAG}", year=YEAR_A,
             objectives="Mengukur produktivitas sorgum sawah per kecamatan.",
             agency_name="Dinas Pertanian Kota Lubuklinggau",
             sector="agriculture_fisheries")
        make("harga", "sent", title=f"Survei Harga Sorgum {TAG}", year=YEAR_A,
             objectives="Memantau harga gabah dan beras di tingkat petani.",
             agency_name="Dinas Perdagangan Kota Lubuklinggau",
             sector="international_trade")
        make("irigasi", "closed", title=f"Kompilasi Data Irigasi {TAG}", year=YEAR_B,
             kind="compilation",
             objectives="Mendukung perhitungan ubinan sorgum dengan luas irigasi.",
             agency_name="Dinas PUPR Kota Lubuklinggau", sector="other",
             sector_other="Pekerjaan Umum")
        make("pasien", "issued", title=f"Survei Kepuasan Pasien Puskesmas {TAG}", year=YEAR_B,
             objectives="Mengukur kepuasan pasien rawat jalan.",
             agency_name="Dinas Kesehatan Kota Lubuklinggau", sector="health")
        make("kopi", "issued", title=f"Survei Café dan Kedai Kopi {TAG}", year=YEAR_B,
             objectives="Mendata usaha kopi.", agency_name="Dinas Koperasi dan UMKM",
             sector="international_trade")
        # Not (yet) recommended: must never show.
        for state in ("draft", "submitted", "in_review", "verified", "letter_drafted"):
            make(f"unissued_{state}", state, title=f"Survei Ubinan Sorgum Sawah {TAG} {state}",
                 year=YEAR_A, objectives="Mengukur produktivitas sorgum sawah per kecamatan.",
                 agency_name="Dinas Pertanian Kota Lubuklinggau",
                 sector="agriculture_fisheries")
        # Pagination: seven more in a year of their own.
        for i in range(7):
            make(f"rt{i}", "issued", title=f"Survei Rumah Tangga {TAG} gelombang {i}",
                 year=YEAR_PAGES, objectives="Mengukur pengeluaran rumah tangga.",
                 agency_name="Bappeda Kota Lubuklinggau", sector="development")
        # A variable, added after issue: the index follows.
        session.add(RequestVariable(request_id=ids["ubinan"], position=1, name="Luas panen",
                                    concept="Luas tanaman sorgum yang dipanen"))
        session.commit()
    return ids


@pytest.fixture()
def session(app):
    with app.app_context():
        s = app.appbuilder.session
        yield s
        s.rollback()


def _ids(page_or_hits):
    items = page_or_hits.items if isinstance(page_or_hits, search.Page) else page_or_hits
    return [hit.request_id for hit in items]


# --- the index -------------------------------------------------------------------------------


def test_index_objects_and_triggers_are_in_place(session):
    assert search.check_index(session) == []


def test_only_the_search_index_is_outside_the_models(app):
    """The drift between models and migrations is the search index (and, on PostgreSQL, the
    requests list's raw trigram index, migration 0030) and nothing else, and
    search.include_name (migrations/env.py's hook) leaves it out."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            plain = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Model.metadata)
            hooked_ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": search.include_name})
            hooked = compare_metadata(hooked_ctx, Model.metadata)
            # ... and with the hook a real model change still shows
            changed = sa.MetaData()
            for table in Model.metadata.tables.values():
                table.to_metadata(changed)
            changed.tables["activity_request"].append_column(sa.Column("x_new", sa.Integer))
            caught = compare_metadata(hooked_ctx, changed)
    assert hooked == []
    assert [d[0] for d in caught] == ["add_column"] and caught[0][3].name == "x_new"

    def table_of(diff):
        kind, obj = diff[0], diff[1]
        return {"remove_table": lambda: obj.name, "remove_index": lambda: obj.table.name}[kind]()

    def raw_index(diff):
        return diff[0] == "remove_index" and diff[1].name in search.RAW_INDEXES

    assert plain and all(raw_index(d) or table_of(d) in search.SEARCH_TABLES for d in plain)


def test_only_recommended_activities_are_found(session, cat):
    page = search.search(session, f"ubinan sorgum sawah {TAG}")
    assert _ids(page) == [cat["ubinan"]]
    assert page.total == 1
    listed = set(_ids(search.search(session, "", year=YEAR_A, per_page=100)))
    assert listed == {cat["ubinan"], cat["harga"]}
    for key in cat:
        if key.startswith("unissued_"):
            assert cat[key] not in _ids(search.similar(
                session, f"Survei Ubinan Sorgum Sawah {TAG} {key[9:]}", limit=50))


def test_issuing_the_letter_puts_the_activity_in_the_catalogue(app, world, wf, session):
    from app.requests import workflow

    rid = seed(session, world, wf, "letter_drafted")
    _set(session, rid, title=f"Survei Sosial Ekonomi Nelayan {TAG}",
         objectives="Mendata hasil tangkapan nelayan.")
    assert search.search(session, f"nelayan {TAG}").total == 0
    workflow.apply(session, rid, "issue", actor(session, wf, "head_x"))
    page = search.search(session, f"nelayan {TAG}")
    assert _ids(page) == [rid]
    assert page.items[0].letter_number and page.items[0].recommendation_code


def test_changes_to_a_recommended_activity_follow(session, cat):
    _set(session, cat["pasien"], objectives="Mengukur kepuasan pasien rawat inap dan jalan.")
    assert _ids(search.search(session, f"inap {TAG}")) == [cat["pasien"]]
    # the variable added after issue is searchable
    assert _ids(search.search(session, f"panen {TAG}")) == [cat["ubinan"]]


def test_index_repairs(session, cat):
    search.unindex_request(session, cat["harga"])
    assert search.search(session, f"harga {TAG}").total == 0
    assert search.index_request(session, cat["harga"]) is True
    assert _ids(search.search(session, f"harga {TAG}")) == [cat["harga"]]
    assert search.index_request(session, cat["unissued_verified"]) is False
    session.rollback()

    before = search.search(session, f"sorgum {TAG}", per_page=100)
    total = search.reindex_all(session)
    after = search.search(session, f"sorgum {TAG}", per_page=100)
    session.commit()
    assert total >= 5 + 7
    assert _ids(after) == _ids(before)
    assert [h.score for h in after.items] == pytest.approx([h.score for h in before.items])


# --- ranking and filters ---------------------------------------------------------------------


# The crop is a word no other test uses: bm25 and ts_rank weigh a word by how rare it is in
# the whole index, and every seeded request of the suite is a "Survei Ubinan Padi Sawah".
def test_the_obvious_match_ranks_first(session, cat):
    page = search.search(session, f"ubinan sorgum {TAG}")
    # in the title beats in the objectives; "Survei Harga Sorgum" has no "ubinan" at all
    assert _ids(page) == [cat["ubinan"], cat["irigasi"]]
    assert page.items[0].score > page.items[1].score > 0
    sorgum = _ids(search.search(session, f"sorgum {TAG}"))
    assert set(sorgum[:2]) == {cat["ubinan"], cat["harga"]} and cat["irigasi"] in sorgum[2:]


def test_hits_carry_public_fields_only(session, cat):
    (hit,) = search.search(session, f"harga sorgum {TAG}").items
    assert hit.request_id == cat["harga"]
    assert hit.title == f"Survei Harga Sorgum {TAG}" and hit.year == YEAR_A
    assert hit.agency_name == "Dinas Perdagangan Kota Lubuklinggau"
    assert hit.sector == "international_trade" and hit.kind == "survey"
    assert hit.sector_label == "Perdagangan Internasional dan Neraca Perdagangan"
    assert hit.letter_number.startswith("B-") and hit.letter_date is not None
    assert hit.office_name == "BPS Kota Lubuklinggau"
    fields = set(search.Hit.__dataclass_fields__)
    assert not fields & {"tracking_code", "resp_email", "resp_name", "applicant_id",
                         "agency_email", "agency_address", "verification_code"}
    assert json.dumps(hit.as_dict())


def test_prefix_on_the_last_word_only(session, cat):
    assert _ids(search.search(session, f"{TAG} sawa")) == [cat["ubinan"]]
    assert search.search(session, f"sawa {TAG}").total == 0
    assert search.search(session, f"{TAG} sawa ").total == 0  # the word is finished
    assert _ids(search.search(session, f"sawah {TAG[:5]}")) == [cat["ubinan"]]


def test_accents_and_case_do_not_matter(session, cat):
    if is_postgres():
        unaccented = session.execute(sa.text("SELECT rekomstat_search_norm('café')")).scalar()
        if unaccented != "cafe":
            pytest.skip("unaccent is not available on this PostgreSQL")
    assert _ids(search.search(session, f"CAFE {TAG.upper()}")) == [cat["kopi"]]
    assert _ids(search.search(session, f"café {TAG}")) == [cat["kopi"]]


def test_filters_by_year_agency_and_sector(session, cat):
    assert set(_ids(search.search(session, TAG, year=YEAR_B))) == {
        cat["irigasi"], cat["pasien"], cat["kopi"]}
    assert _ids(search.search(session, TAG, agency="perdagangan")) == [cat["harga"]]
    assert set(_ids(search.search(session, TAG, sector="international_trade"))) == {
        cat["harga"], cat["kopi"]}
    assert _ids(search.search(session, TAG, sector="other")) == [cat["irigasi"]]
    # the filter is a code: a label, a part of one or an unknown code finds nothing
    for text in ("Perdagangan", "PERDAGANGAN", "international", "trade%", "%"):
        assert search.search(session, TAG, sector=text).total == 0, text
    assert _ids(search.search(session, TAG, year=YEAR_A, agency="Pertanian")) == [cat["ubinan"]]
    assert search.search(session, TAG, year=YEAR_A, agency="Kesehatan").total == 0
    # wildcards in a filter are plain characters
    assert search.search(session, TAG, agency="%").total == 0
    assert search.search(session, TAG, agency="_").total == 0


def test_the_sector_is_searched_by_its_label(session, cat):
    """The index holds the sector's Indonesian label, not its code; "other": its text."""
    assert set(_ids(search.search(session, f"perdagangan internasional {TAG}"))) == {
        cat["harga"], cat["kopi"]}
    assert set(_ids(search.search(session, f"neraca {TAG}"))) == {cat["harga"], cat["kopi"]}
    assert _ids(search.search(session, f"pekerjaan umum {TAG}")) == [cat["irigasi"]]
    assert search.search(session, f"international_trade {TAG}").total == 0
    assert search.search(session, f"trade {TAG}").total == 0
    # a change of sector follows at once (the triggers), and so does the other text
    _set(session, cat["kopi"], sector="industry_services")
    try:
        assert _ids(search.search(session, f"industri jasa {TAG}")) == [cat["kopi"]]
        assert _ids(search.search(session, f"neraca {TAG}")) == [cat["harga"]]
        _set(session, cat["irigasi"], sector_other="Sumber Daya Air")
        assert _ids(search.search(session, f"sumber daya air {TAG}")) == [cat["irigasi"]]
        assert search.search(session, f"pekerjaan umum {TAG}").total == 0
    finally:
        _set(session, cat["kopi"], sector="international_trade")
        _set(session, cat["irigasi"], sector_other="Pekerjaan Umum")


def test_empty_query_lists_newest_letters_first(session, cat):
    page = search.search(session, "", year=YEAR_PAGES, per_page=100)
    assert page.total == 7 and all(hit.score is None for hit in page.items)
    from app.models import Letter

    issued = dict(session.execute(sa.select(Letter.request_id, Letter.issued_at).where(
        Letter.request_id.in_(_ids(page)))).all())
    assert _ids(page) == sorted(_ids(page), key=lambda i: (issued[i], i), reverse=True)


def test_pagination(session, cat):
    pages = [search.search(session, f"rumah tangga {TAG}", page=n, per_page=3) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert all(p.total == 7 and p.pages == 3 for p in pages)
    seen = [i for p in pages for i in _ids(p)]
    assert sorted(seen) == sorted(cat[f"rt{i}"] for i in range(7))
    assert pages[0].has_next and not pages[0].has_prev and pages[2].has_prev
    assert not pages[2].has_next and (pages[2].first_index, pages[2].last_index) == (7, 7)
    beyond = search.search(session, f"rumah tangga {TAG}", page=9, per_page=3)
    assert beyond.items == [] and beyond.total == 7
    # silly paging values are clamped, never an error
    assert search.search(session, TAG, page=-4, per_page=0).per_page == 1
    assert search.search(session, TAG, page=10**30, per_page=10**9).items == []
    assert search.search(session, TAG, year=10**30).total == 0


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises(session, cat, text):
    page = search.search(session, text, agency=text, sector=text)
    assert isinstance(page, search.Page) and page.page == 1
    page = search.search(session, text)
    assert isinstance(page, search.Page) and isinstance(page.total, int)
    hits = search.similar(session, text, exclude_request_id=cat["ubinan"])
    assert isinstance(hits, list)
    # the transaction is still usable afterwards
    assert _ids(search.search(session, f"ubinan sawah {TAG}")) == [cat["ubinan"]]
    assert session.scalar(sa.select(sa.func.count(ActivityRequest.id))) > 0


def test_hostile_words_are_searched_as_words(session, cat):
    """Search syntax around real words is ignored: the words themselves are searched."""
    for q in (f'"sawah" {TAG}*', f"sawah:* & {TAG}", f"(sawah) <-> {TAG}",
              f"'sawah' | !{TAG}", f"+sawah -{TAG}^", f"{{sawah}} {TAG}~"):
        assert _ids(search.search(session, q)) == [cat["ubinan"]], q


# --- similar activities ----------------------------------------------------------------------


def test_similar_finds_the_duplicate_first(session, cat):
    text = (f"Survei Ubinan Sorgum Sawah {TAG}. Tujuan: mengukur produktivitas sorgum sawah "
            "setiap kecamatan.")
    hits = search.similar(session, text)
    assert hits and hits[0].request_id == cat["ubinan"]
    scores = [h.score for h in hits]
    assert scores[0] > 0 and scores == sorted(scores, reverse=True)
    assert len(hits) <= 5
    others = search.similar(session, text, exclude_request_id=cat["ubinan"], limit=20)
    assert cat["ubinan"] not in _ids(others)
    assert not set(_ids(others)) & {v for k, v in cat.items() if k.startswith("unissued_")}
    assert search.similar(session, "yang dan di ke") == []
    assert search.similar(session, "") == []


# --- the pages -------------------------------------------------------------------------------


def test_catalogue_page_renders_hits_without_private_data(app, cat):
    client = app.test_client()  # no login
    response = client.get("/catalogue/", query_string={"q": f"ubinan sorgum {TAG}"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Survei Ubinan Sorgum Sawah {TAG}" in html
    assert f"Kompilasi Data Irigasi {TAG}" in html
    first, second = f"Survei Ubinan Sorgum Sawah {TAG}", f"Kompilasi Data Irigasi {TAG}"
    assert html.index(first) < html.index(second)
    assert "Dinas Pertanian Kota Lubuklinggau" in html
    assert "Pertanian dan Perikanan" in html  # the sector's label, never its code
    assert "agriculture_fisheries</td>" not in html
    with app.app_context():
        session = app.appbuilder.session
        for rid in cat.values():
            req = session.get(ActivityRequest, rid)
            assert req.tracking_code not in html
            assert req.applicant.email not in html
            if req.letter is not None:
                assert req.letter.verification_code not in html
    for private in ("siti@pertanian.test", "Siti Rahmawati", "Jl. Yos Sudarso", "@rekomstat.test"):
        assert private not in html
    assert "unissued" not in html.lower() and "draft" not in html.lower()


def test_catalogue_page_filters_paginates_and_survives_bad_arguments(app, cat):
    client = app.test_client()
    html = client.get("/catalogue/", query_string={"q": TAG, "year": YEAR_PAGES}).get_data(
        as_text=True)
    assert html.count('class="catalogue-hit"') == 7
    html = client.get("/catalogue/", query_string={"agency": "Bappeda", "year": YEAR_PAGES,
                                                   "page": 1}).get_data(as_text=True)
    assert html.count('class="catalogue-hit"') == 7
    assert client.get("/catalogue/").status_code == 200
    for args in ({"year": "abc", "page": "x"}, {"page": "99999"}, {"page": "-1"},
                 {"q": "x" * 5000}, {"q": '"NEAR(*:', "agency": "%", "sector": "\x00"},
                 {"year": "9" * 5000}, {"q": "🙂", "year": "2131"}):
        response = client.get("/catalogue/", query_string=args)
        assert response.status_code == 200, args
    response = client.get("/catalogue/", query_string={"q": f"rumah {TAG}", "page": 50})
    assert response.status_code == 200  # past the end: the last page
    assert 'class="catalogue-hit"' in response.get_data(as_text=True)


def test_similar_endpoint(app, cat):
    client = app.test_client()
    text = f"Survei Ubinan Sorgum Sawah {TAG} mengukur produktivitas sorgum sawah"
    response = client.get("/catalogue/similar", query_string={"text": text})
    assert response.status_code == 200 and response.is_json
    hits = response.get_json()
    assert isinstance(hits, list) and hits[0]["request_id"] == cat["ubinan"]
    assert hits[0]["score"] > 0 and hits[0]["title"] == f"Survei Ubinan Sorgum Sawah {TAG}"
    assert set(hits[0]) == set(search.Hit.__dataclass_fields__)
    excluded = client.get("/catalogue/similar",
                          query_string={"text": text, "exclude": cat["ubinan"]}).get_json()
    assert cat["ubinan"] not in [h["request_id"] for h in excluded]
    for args in ({"text": "x" * 5000}, {"text": '"*NEAR(:'}, {}, {"exclude": "abc", "limit": "z"},
                 {"text": text, "limit": "1000"}, {"text": text, "exclude": "9" * 40}):
        response = client.get("/catalogue/similar", query_string=args)
        assert response.status_code == 200 and isinstance(response.get_json(), list), args
    assert len(client.get("/catalogue/similar",
                          query_string={"text": text, "limit": "1000"}).get_json()) <= 10


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's activity_search table")
def test_an_unchanged_document_is_not_rewritten(session, cat):
    """Closing a sent request changes no searched text: its index row keeps its version (no
    dead row left behind, migration 0005); a change of text writes a new one."""
    def version():
        return session.execute(sa.text("SELECT xmin::text FROM activity_search WHERE "
                                       "request_id = :id"), {"id": cat["harga"]}).scalar()

    before, objectives = version(), session.get(ActivityRequest, cat["harga"]).objectives
    try:
        _set(session, cat["harga"], state="closed")
        assert version() == before
        _set(session, cat["harga"], objectives=objectives + " Juga sorgum.")
        assert version() != before
    finally:
        _set(session, cat["harga"], state="sent", objectives=objectives)


def test_broad_queries_count_and_rank_only_the_newest_matches(app, session, cat, monkeypatch):
    """A query found in more activities than CANDIDATES counts and ranks only the newest
    that many (bounded work at any catalogue size), and says there are more."""
    newest = sorted(cat[f"rt{i}"] for i in range(7))[-3:]
    monkeypatch.setattr(search, "CANDIDATES", 3)
    page = search.search(session, f"rumah tangga {TAG}", per_page=2)
    assert page.more and page.total == 3 and page.pages == 2 and len(page.items) == 2
    second = search.search(session, f"rumah tangga {TAG}", page=2, per_page=2)
    assert sorted(_ids(page) + _ids(second)) == newest
    scores = [hit.score for hit in page.items + second.items]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    listing = search.search(session, "", year=YEAR_PAGES, per_page=10)  # no words: same bound
    assert listing.more and listing.total == 3 and len(listing.items) == 3
    html = app.test_client().get("/catalogue/", query_string={"q": f"rumah tangga {TAG}"}) \
        .get_data(as_text=True)
    assert "mempersempit" in html  # the page asks for more words
    monkeypatch.setattr(search, "CANDIDATES", 1000)
    whole = search.search(session, f"rumah tangga {TAG}", per_page=10)
    assert not whole.more and whole.total == 7
    assert "mempersempit" not in app.test_client().get(
        "/catalogue/", query_string={"q": f"rumah tangga {TAG}"}).get_data(as_text=True)


def test_similar_leaves_out_words_most_activities_share(session, cat, monkeypatch):
    """The module's tag is in every one of its activities: with SIMILAR_COMMON_AT below
    that, it says nothing about likeness and is dropped; the rare words decide."""
    monkeypatch.setattr(search, "SIMILAR_COMMON_AT", 3)
    words = search.terms(f"Irigasi {TAG} xylofonqz", min_chars=2)  # the last one: nowhere
    assert search._rarest(session, words, 8) == ["irigasi"]
    assert search._rarest(session, ["xylofonqz", TAG], 8) == [TAG]  # nothing rarer left
    hits = search.similar(session, f"Kompilasi data irigasi {TAG}", limit=3)
    assert hits and hits[0].request_id == cat["irigasi"]


def test_facets_are_cached_until_a_letter_changes(app, world, wf, session, cat, monkeypatch):
    agency = f"Dinas Fasilitas Baru {TAG}"
    before = search.facets(session)
    assert agency not in before.agencies
    old = session.get(ActivityRequest, cat["kopi"]).agency_name
    _set(session, cat["kopi"], agency_name=agency)  # an edit, no new letter
    try:
        assert search.facets(session) is before  # served from the cache
        monkeypatch.setattr(search, "FACETS_TTL_S", 0.0)
        assert agency in search.facets(session).agencies  # its time is up
        monkeypatch.setattr(search, "FACETS_TTL_S", 300.0)
        cached = search.facets(session)
        newer = seed(session, world, wf, "issued")  # a new letter: fresh at once
        _set(session, newer, agency_name=f"Dinas Lain {TAG}")
        assert search.facets(session) is not cached
        assert f"Dinas Lain {TAG}" in search.facets(session).agencies
    finally:
        _set(session, cat["kopi"], agency_name=old)


def test_cli_reindex_and_check(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "index ok" in result.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "recommended activities in the catalogue" in result.output
