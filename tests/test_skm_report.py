"""The SKM report (issue 24): /dashboard/skm, its one-page PDF and its Excel sheet, the public
page's published index, against an independent computation on hand-made answers.

An office of this module's own (OFFICE, 1687) with answers in 2030–2031 (local time, WIB): the
seven respondents of the first quarter of 2031 below, and ratings just outside it, each with
answers none of the seven gave, so that a rating counted in the wrong quarter changes every
figure. The independent computation is the regulation's formula written out here with
fractions (PermenPANRB 14/2017: NRR per element = Σ answers / respondents; NRR tertimbang =
NRR × 1/9; IKM = Σ NRR tertimbang; converted = IKM × 25, classed on its two-decimal value).
"""
from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from app import models as m
from app.core import codes
from app.reports import skm_report

from conftest import OFFICE_X, ensure_users, login

OFFICE, OFFICE_NAME = "1687", "BPS Kabupaten Uji Survei Kepuasan"
OFFICER, HEAD = "petugas.skm1687", "kepala.skm1687"
WIB = dt.timezone(dt.timedelta(hours=7))

# The first quarter of 2031: seven respondents, nine answers each (elements U1 … U9).
Q1_2031 = [
    (4, 4, 3, 4, 3, 3, 4, 3, 3),
    (3, 3, 3, 4, 3, 3, 3, 2, 3),
    (4, 3, 2, 4, 3, 4, 4, 3, 3),
    (3, 3, 3, 4, 4, 3, 3, 3, 2),
    (2, 3, 3, 4, 3, 3, 4, 1, 3),
    (4, 4, 4, 4, 4, 4, 4, 4, 4),
    (3, 2, 3, 4, 3, 3, 3, 3, 3),
]
# When each of the seven answered (WIB): the quarter's first minutes and its last, and between.
Q1_TIMES = [
    dt.datetime(2031, 1, 1, 0, 30, tzinfo=WIB),
    dt.datetime(2031, 1, 15, 9, 0, tzinfo=WIB),
    dt.datetime(2031, 2, 3, 14, 0, tzinfo=WIB),
    dt.datetime(2031, 2, 28, 10, 0, tzinfo=WIB),
    dt.datetime(2031, 3, 10, 8, 0, tzinfo=WIB),
    dt.datetime(2031, 3, 31, 16, 0, tzinfo=WIB),
    dt.datetime(2031, 3, 31, 23, 30, tzinfo=WIB),  # the quarter's last day, late: in
]
OUTSIDE = [
    # 00:30 WIB the next day is 17:30 UTC on 31 March: in the second quarter, not the first.
    (dt.datetime(2031, 4, 1, 0, 30, tzinfo=WIB), (1,) * 9),
    # 23:30 WIB on New Year's Eve: the last quarter of 2030.
    (dt.datetime(2030, 12, 31, 23, 30, tzinfo=WIB), (2, 1, 1, 1, 1, 1, 1, 1, 1)),
]
ELEMENT_LABELS_ID = ("Persyaratan", "Sistem, mekanisme, dan prosedur", "Waktu penyelesaian")


# --- the regulation's formula, independently ----------------------------------------------------


def expected(responses) -> dict:
    n = len(responses)
    counts = [tuple(sum(1 for r in responses if r[i] == v) for v in (1, 2, 3, 4))
              for i in range(9)]
    nrr = [Fraction(sum(r[i] for r in responses), n) for i in range(9)]
    weighted = [x * Fraction(1, 9) for x in nrr]
    index = sum(weighted, Fraction(0))
    converted = index * 25
    with localcontext() as ctx:
        ctx.prec = 60
        shown = (Decimal(converted.numerator) / Decimal(converted.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
    # The regulation's table of classes, on the value as shown.
    if shown >= Decimal("88.31"):
        grade = "A"
    elif shown >= Decimal("76.61"):
        grade = "B"
    elif shown >= Decimal("65.00"):
        grade = "C"
    else:
        grade = "D"
    return dict(n=n, counts=counts, nrr=nrr, weighted=weighted, index=index,
                converted=converted, shown=shown, grade=grade)


EXPECTED = expected(Q1_2031)


def test_the_hand_computation_is_what_the_answers_say():
    # Σ of all 63 answers is 205: index 205/63, converted 25 · 205/63 = 81.349…
    assert sum(map(sum, Q1_2031)) == 205
    assert EXPECTED["index"] == Fraction(205, 63)
    assert EXPECTED["shown"] == Decimal("81.35") and EXPECTED["grade"] == "B"
    assert EXPECTED["counts"][0] == (0, 1, 3, 3)  # U1: one 2, three 3s, three 4s
    assert EXPECTED["nrr"][7] == Fraction(19, 7)  # U8


# --- the office and its answers ------------------------------------------------------------------


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def add_rating(session, office_id, applicant_id, moment, answers) -> None:
    """A rating as the portal stores it (one per request), given at ``moment``."""
    req = m.ActivityRequest(tracking_code=codes.tracking_code("RKS"), office_id=office_id,
                            applicant_id=applicant_id, title="Survei Uji Kepuasan 1687",
                            year=2031, state="closed", kind="survey")
    session.add(req)
    session.flush()
    session.add(m.Rating(request_id=req.id, office_id=office_id, created_at=_utc(moment),
                         **{f"e{i}": v for i, v in enumerate(answers, start=1)}))


def set_up_office(app, world) -> dict:
    """The office, its officer and head, and exactly the answers above (made again from
    scratch: the browser walk uses the same office)."""
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        session = app.appbuilder.session
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kabupaten Uji")
        ensure_users(app, OFFICE, ("Officer", OFFICER), ("Head", HEAD))
        session.execute(sa.delete(m.Rating).where(m.Rating.office_id == office.id))
        session.execute(sa.delete(m.ActivityRequest).where(
            m.ActivityRequest.office_id == office.id))
        applicant = world.users["applicant_a"]
        for moment, answers in zip(Q1_TIMES, Q1_2031):
            add_rating(session, office.id, applicant, moment, answers)
        for moment, answers in OUTSIDE:
            add_rating(session, office.id, applicant, moment, answers)
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office.id).values(publish_ikm=False))
        session.commit()
        ids = {"office": office.id}
        session.remove()
    return ids


@pytest.fixture(scope="module")
def site(app, world):
    return set_up_office(app, world)


@pytest.fixture(scope="module")
def staff(app, site):
    return {name: login(app.test_client(), name) for name in (OFFICER, HEAD)}


# --- the domain ---------------------------------------------------------------------------------


def test_the_report_equals_the_regulations_formula(app, site):
    period = skm_report.preset_period(2031, "q1")
    assert (period.start, period.end) == (dt.date(2031, 1, 1), dt.date(2031, 3, 31))
    with app.app_context():
        report = skm_report.report(app.appbuilder.session, site["office"], period)
        app.appbuilder.session.remove()
    e = EXPECTED
    assert report.respondents == e["n"] == 7
    assert [row.number for row in report.rows] == list(range(1, 10))
    for i, row in enumerate(report.rows):
        assert row.counts == e["counts"][i], row.number
        assert row.nrr_exact == e["nrr"][i] and row.nrr == float(e["nrr"][i])
        assert row.weighted_exact == e["weighted"][i]
        assert row.weighted == pytest.approx(float(e["weighted"][i]), abs=1e-12)
    assert report.ikm.index_exact == e["index"]
    assert report.ikm.converted_exact == e["converted"]
    assert report.ikm.converted_text == str(e["shown"]) == "81.35"
    assert report.ikm.grade == e["grade"]
    # The answers counted add up to the respondents, element by element.
    assert all(sum(row.counts) == 7 for row in report.rows)


@pytest.mark.parametrize("preset,answers", [
    ("q1", Q1_2031),
    ("q2", [OUTSIDE[0][1]]),  # 1 April, 00:30 WIB
    ("q3", []),
    ("s1", [*Q1_2031, OUTSIDE[0][1]]),
    ("s2", []),
    ("y", [*Q1_2031, OUTSIDE[0][1]]),
])
def test_a_preset_takes_exactly_its_local_days(app, site, preset, answers):
    with app.app_context():
        report = skm_report.report(app.appbuilder.session, site["office"],
                                   skm_report.preset_period(2031, preset))
        app.appbuilder.session.remove()
    assert report.respondents == len(answers)
    if answers:
        e = expected(answers)
        assert [row.counts for row in report.rows] == e["counts"]
        assert report.ikm.converted_exact == e["converted"]
        assert report.ikm.grade == e["grade"]
    else:
        assert report.ikm.converted is None and report.ikm.grade is None
        assert all(row.counts == (0, 0, 0, 0) and row.nrr is None for row in report.rows)


def test_the_last_quarter_of_2030_holds_new_years_eve(app, site):
    with app.app_context():
        report = skm_report.report(app.appbuilder.session, site["office"],
                                   skm_report.preset_period(2030, "q4"))
        app.appbuilder.session.remove()
    assert report.respondents == 1 and report.rows[0].counts == (0, 1, 0, 0)


def test_any_period_of_days(app, site):
    # 31 March alone: the 16:00 and the 23:30 answers; not the one at 00:30 on 1 April.
    period = skm_report.custom_period(dt.date(2031, 3, 31), dt.date(2031, 3, 31))
    with app.app_context():
        report = skm_report.report(app.appbuilder.session, site["office"], period)
        app.appbuilder.session.remove()
    assert report.respondents == 2
    assert report.ikm.converted_exact == expected(Q1_2031[5:])["converted"]


@pytest.mark.parametrize("args,period", [
    ({}, ("2031-04-01", "2031-06-30")),  # the current quarter
    ({"period": "q1", "year": "2031"}, ("2031-01-01", "2031-03-31")),
    ({"period": "s2", "year": "2030"}, ("2030-07-01", "2030-12-31")),
    ({"period": "y"}, ("2031-01-01", "2031-12-31")),
    ({"year": "2029"}, ("2029-01-01", "2029-12-31")),
    ({"start": "2031-02-01", "end": "2031-02-14"}, ("2031-02-01", "2031-02-14")),
])
def test_choosing_a_period(app, args, period):
    with app.test_request_context():
        chosen, problem = skm_report.choose_period(args, dt.date(2031, 5, 10))
    assert problem is None
    assert (chosen.start.isoformat(), chosen.end.isoformat()) == period


def test_period_labels_are_the_offices_words(app):
    with app.test_request_context(), app.app_context():
        from flask_babel import force_locale
        with force_locale("id"):
            assert skm_report.preset_period(2026, "q1").label == "Triwulan I 2026"
            assert skm_report.preset_period(2026, "q4").label == "Triwulan IV 2026"
            assert skm_report.preset_period(2026, "s1").label == "Semester 1 2026"
            assert skm_report.preset_period(2026, "y").label == "Tahun 2026"


@pytest.mark.parametrize("args", [
    {"start": "2031-02-30", "end": "2031-03-01"},
    {"start": "kemarin", "end": "besok"},
    {"start": "2031-01-01"},
    {"end": "2031-01-01"},
    {"start": "2031-03-01", "end": "2031-01-01"},
    {"start": "2000-01-01", "end": "2031-01-01"},  # longer than a decade
    {"start": "9999-12-31", "end": "9999-12-31"},
    {"start": "0001-01-01", "end": "0001-01-02"},
    {"start": "20310101", "end": "20310131"},
    {"start": "2031-01-01" * 100, "end": "2031-01-02"},
    {"period": "q1", "year": "99999"},
    {"period": "q1", "year": "-1"},
    {"period": "q1", "year": "20x1"},
    {"period": "q1", "year": "٢٠٣١"},
    {"period": "q9", "year": "2031"},
    {"period": "<script>", "year": "2031"},
])
def test_a_bad_period_gives_the_current_quarter_and_says_so(app, args):
    with app.test_request_context():
        chosen, problem = skm_report.choose_period(args, dt.date(2031, 5, 10))
    assert (chosen.preset, chosen.year) == ("q2", 2031)
    assert problem


def test_quarters_step_back_across_years():
    assert skm_report.last_complete_quarter(dt.date(2031, 1, 1)) == \
        skm_report.preset_period(2030, "q4")
    assert skm_report.last_complete_quarter(dt.date(2031, 3, 31)) == \
        skm_report.preset_period(2030, "q4")
    assert skm_report.last_complete_quarter(dt.date(2031, 4, 1)) == \
        skm_report.preset_period(2031, "q1")


# --- the page, the PDF, the Excel sheet ---------------------------------------------------------

Q1 = "/dashboard/skm?period=q1&year=2031"


def _cells(html: str, selector_attr: str) -> list[str]:
    import re
    return re.findall(rf'{selector_attr}="[^"]*">([^<]*)<', html)


@pytest.mark.parametrize("who", [OFFICER, HEAD])
def test_staff_see_their_offices_report(app, site, staff, who):
    r = staff[who].get(Q1)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'data-office="{site["office"]}"' in html and OFFICE_NAME in html
    # The figures as the Indonesian page writes them: decimal comma.
    assert '<span id="skm-converted">81,35</span>' in html
    assert 'id="skm-grade">B</span>' in html
    assert 'id="skm-respondents">7<' in html
    assert "Triwulan I 2031" in html
    for label in ELEMENT_LABELS_ID:
        assert label in html
    # U1 row: answers 0, 1, 3, 3; NRR 23/7 = 3,286; weighted 23/63 = 0,3651.
    start = html.index('data-element="1"')
    row = html[start:html.index("</tr>", start)]
    assert _cells(row, "data-answer") == ["0", "1", "3", "3"]
    assert '">3,286<' in row and '">0,3651<' in row
    # The same numbers, as the independent computation gives them, for every element.
    for i in range(9):
        start = html.index(f'<tr data-element="{i + 1}"')
        row = html[start:html.index("</tr>", start)]
        assert _cells(row, "data-answer") == [str(c) for c in EXPECTED["counts"][i]]
        nrr = (Decimal(EXPECTED["nrr"][i].numerator) / EXPECTED["nrr"][i].denominator)
        assert f'data-col="nrr">{nrr.quantize(Decimal("0.001"), ROUND_HALF_UP)}<'.replace(
            ".", ",") in row
    assert 'id="skm-nrr-chart"' in html and html.count("<figure data-element=") == 9
    assert "Kinerja unit pelayanan" in html and "Baik" in html


def test_the_pdf_is_one_page_with_the_index_and_grade(app, site, staff):
    r = staff[OFFICER].get("/dashboard/skm.pdf?period=q1&year=2031")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data[:5] == b"%PDF-"
    assert "skm_1687_2031-01-01_2031-03-31.pdf" in r.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(r.data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert abs(float(page.mediabox.width) - 595.3) < 1 and abs(float(page.mediabox.height)
                                                               - 841.9) < 1  # A4
    text = " ".join(page.extract_text().split())
    assert "81,35" in text and "Kinerja unit pelayanan: Baik" in text
    assert "Mutu pelayanan: B" in text and "Triwulan I 2031" in text
    assert "Persyaratan" in text and "3,286" in text and "Jumlah responden: 7" in text


def test_the_excel_sheet_holds_the_answer_counts(app, site, staff):
    r = staff[HEAD].get("/dashboard/skm.xlsx?period=q1&year=2031")
    assert r.status_code == 200
    assert "skm_1687_2031-01-01_2031-03-31.xlsx" in r.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("No.", "Unsur", "Jawaban 1", "Jawaban 2", "Jawaban 3", "Jawaban 4")
    for i in range(9):
        number, label, *counts_nrr = rows[1 + i]
        assert number == f"U{i + 1}"
        assert tuple(counts_nrr[:4]) == EXPECTED["counts"][i]
        assert counts_nrr[4] == pytest.approx(float(EXPECTED["nrr"][i]), abs=1e-12)
        assert counts_nrr[5] == pytest.approx(float(EXPECTED["weighted"][i]), abs=1e-12)
    assert rows[1][1] == "Persyaratan"
    summary = {row[1]: row[-1] for row in rows[11:] if row[1]}
    assert summary["Indeks Kepuasan Masyarakat (IKM)"] == pytest.approx(205 / 63)
    assert summary["IKM konversi (IKM × 25)"] == 81.35
    assert summary["Mutu pelayanan"] == "B (Baik)"
    assert summary["Jumlah responden"] == 7
    assert summary["Kantor"] == OFFICE_NAME and summary["Periode"] == "Triwulan I 2031"


def test_an_empty_period_reports_no_respondents(app, site, staff):
    html = staff[OFFICER].get("/dashboard/skm?period=q3&year=2031").get_data(as_text=True)
    assert 'id="skm-respondents">0<' in html and 'id="skm-none"' in html
    pdf = staff[OFFICER].get("/dashboard/skm.pdf?period=q3&year=2031")
    assert pdf.status_code == 200 and len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
    xlsx = staff[OFFICER].get("/dashboard/skm.xlsx?period=q3&year=2031")
    assert xlsx.status_code == 200


def test_the_dashboard_links_to_the_report(app, site, staff):
    html = staff[OFFICER].get("/dashboard/").get_data(as_text=True)
    assert 'id="skm-report-link"' in html and 'href="/dashboard/skm"' in html


def test_the_admin_chooses_the_office(app, site, clients):
    html = clients["admin"].get(f"{Q1}&office={site['office']}").get_data(as_text=True)
    assert f'data-office="{site["office"]}"' in html
    assert 'id="skm-respondents">7<' in html
    # The downloads keep the office chosen.
    assert f"office={site['office']}" in html.split('id="skm-pdf" href="')[1].split('"')[0]
    everyone = clients["admin"].get(Q1).get_data(as_text=True)
    assert 'data-office="all"' in everyone and "Semua kantor" in everyone


def test_another_offices_staff_see_only_their_own(app, world, site, clients):
    # officer_x asks for office 1687's report: the office parameter is not theirs to choose.
    r = clients["officer_x"].get(f"{Q1}&office={site['office']}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f'data-office="{world.offices[OFFICE_X]}"' in html
    assert OFFICE_NAME not in html and 'id="skm-respondents">7<' not in html
    for path in ("/dashboard/skm.pdf", "/dashboard/skm.xlsx"):
        r = clients["officer_x"].get(f"{path}?period=q1&year=2031&office={site['office']}")
        assert r.status_code == 200 and "1687" not in r.headers["Content-Disposition"]


@pytest.mark.parametrize("path", ["/dashboard/skm", "/dashboard/skm.pdf", "/dashboard/skm.xlsx"])
def test_applicants_and_visitors_are_refused(app, site, clients, path):
    assert clients["applicant_a"].get(path).status_code == 403
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]


HOSTILE = [
    "start=2031-02-30&end=2031-03-01", "start=kemarin&end=besok", "start=2031-01-01",
    "start=2031-03-01&end=2031-01-01", "start=9999-12-31&end=9999-12-31",
    "start=0001-01-01&end=0001-01-02", "year=99999&period=q1", "year=-1&period=q1",
    "period=q9&year=2031", "period=%3Cscript%3E", "year=" + "9" * 5000,
]


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("who", [OFFICER, "admin"])
def test_hostile_query_strings_get_a_message_never_a_500(app, site, staff, clients, who,
                                                         query):
    client = staff.get(who) or clients[who]
    r = client.get(f"/dashboard/skm?{query}")
    assert r.status_code == 200, (query, r.status_code)
    html = r.get_data(as_text=True)
    assert "Periode tidak sah; yang ditampilkan triwulan berjalan." in html
    assert "<script>" not in html.split('<div id="skm-report"')[1]
    for ext in ("pdf", "xlsx"):
        assert client.get(f"/dashboard/skm.{ext}?{query}").status_code == 200, (ext, query)


@pytest.mark.parametrize("query", ["year=%00", "start=%00&end=%00"])
def test_a_nul_byte_is_refused_by_the_input_guard_in_words(app, site, staff, query):
    # The app's input guard answers before the report: a 400 page that says why, not a 500.
    for path in ("/dashboard/skm", "/dashboard/skm.pdf", "/dashboard/skm.xlsx"):
        r = staff[OFFICER].get(f"{path}?{query}")
        assert r.status_code == 400 and 'id="bad-input"' in r.get_data(as_text=True)


@pytest.mark.parametrize("query", ["office=abc", "office=-1", "office=" + "9" * 40,
                                   "office=1%2C2"])
def test_a_bad_office_gives_the_default(app, site, clients, query):
    r = clients["admin"].get(f"/dashboard/skm?{query}")
    assert r.status_code == 200 and 'data-office="all"' in r.get_data(as_text=True)
    r = clients["officer_x"].get(f"/dashboard/skm?{query}")
    assert r.status_code == 200 and 'data-office="all"' not in r.get_data(as_text=True)


# --- the public service page ------------------------------------------------------------------


def _publish(app, site, on: bool) -> None:
    with app.app_context():
        session = app.appbuilder.session
        setting = session.scalars(sa.select(m.OfficeSetting).where(
            m.OfficeSetting.office_id == site["office"])).one()
        setting.publish_ikm = on
        session.commit()
        session.remove()


@pytest.fixture
def the_public_page_is_1687s(app, site, monkeypatch):
    from app.offices import workdays

    monkeypatch.setitem(app.config, "OFFICE_CODE", OFFICE)
    monkeypatch.setattr(workdays, "office_today", lambda: dt.date(2031, 5, 10))
    yield
    _publish(app, site, False)


def test_the_public_page_shows_the_index_only_when_published(app, site,
                                                             the_public_page_is_1687s):
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    assert OFFICE_NAME in html and 'id="published-ikm"' not in html and "81,35" not in html
    _publish(app, site, True)
    html = client.get("/").get_data(as_text=True)
    block = html.split('id="published-ikm"')[1].split("</p>")[0]
    assert "81,35" in block and ">B<" in block and "Baik" in block
    assert "Triwulan I 2031" in block and "Jumlah responden: 7" in block
    _publish(app, site, False)
    assert 'id="published-ikm"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("today,published", [
    # Mid-first-quarter: that quarter still runs; the last complete one is 2030's fourth.
    (dt.date(2031, 2, 15), ("q4", 2030, 1)),
    (dt.date(2031, 4, 1), ("q1", 2031, 7)),
    # The third quarter has no answers: the second (its one rating) is the latest.
    (dt.date(2031, 10, 5), ("q2", 2031, 1)),
    # Four quarters back without answers: nothing.
    (dt.date(2032, 7, 1), None),
])
def test_the_latest_published_index(app, site, today, published):
    _publish(app, site, True)
    try:
        with app.test_request_context():
            got = skm_report.latest_published(app.appbuilder.session, site["office"],
                                              today=today)
            app.appbuilder.session.remove()
    finally:
        _publish(app, site, False)
    if published is None:
        assert got is None
    else:
        assert (got.period.preset, got.period.year, got.respondents) == published
    if published and published[:2] == ("q1", 2031):
        assert got.converted_text == "81.35" and got.grade == "B"


def test_nothing_is_published_while_the_setting_is_off(app, site):
    with app.test_request_context():
        assert skm_report.latest_published(app.appbuilder.session, site["office"],
                                           today=dt.date(2031, 4, 1)) is None
        app.appbuilder.session.remove()
