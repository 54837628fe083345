"""DDI Codebook 2.5 export of a request's metadata (issue 22): every export validates against the
DDI Alliance's published schema (tests/data/ddi-codebook-2.5, offline), and what a DDI reader
such as NADA shows — title, IDNo, abstract, coverage, method, variables with their labels,
questions and categories — is where that reader looks, in Indonesian."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale
from lxml import etree

from app import models as m
from app.core import codes
from app.metadata import ddi

from conftest import OFFICE_X, seed

SCHEMA = Path(__file__).parent / "data" / "ddi-codebook-2.5" / "codebook.xsd"
NS = {"d": "ddi:codebook:2_5"}
DAY = dt.date(2027, 1, 15)
_n = itertools.count(1)


class _Offline(etree.Resolver):
    """Every file the schema imports is beside it: reaching for another address is a failure,
    not a download."""

    def resolve(self, url, pubid, context):
        if "://" in url and not url.startswith("file:"):
            raise AssertionError(f"the schema reached for {url}")
        return None


def _parser():
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Offline())
    return parser


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA), _parser()))


def valid(schema, data: bytes):
    """The document, after the schema accepted it (else the schema's complaints)."""
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    doc = etree.fromstring(data, _parser())
    assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)
    return doc


def texts(doc, path: str) -> list[str]:
    return [el.xpath("string()") for el in doc.xpath(path, namespaces=NS)]


def text(doc, path: str) -> str:
    found = texts(doc, path)
    assert len(found) == 1, (path, found)
    return found[0]


def attr(doc, path: str) -> list[str]:
    return doc.xpath(path, namespaces=NS)


@pytest.fixture
def session(app):
    with app.app_context():
        yield app.appbuilder.session


def survey(session, world, wf, **values):
    """A complete survey (every MS-Keg block answered), its recommendation code issued."""
    req = session.get(m.ActivityRequest, seed(session, world, wf, "issued"))
    answers = dict(
        # unique across runs on one database; letters and digits only, as workflow's codes
        recommendation_code=f"REK-{OFFICE_X}-2027-{next(_n):04d}{codes.tracking_code('')}",
        title="Survei Sosial Ekonomi Rumah Tangga Kota Lubuklinggau 2027",
        kind="survey", statistics_kind="sectoral", sector="health",
        agency_name="Dinas Kesehatan Kota Lubuklinggau", agency_unit="Bidang Kesehatan Masyarakat",
        background="Data kesehatan rumah tangga per kecamatan belum tersedia.",
        objectives="Mengukur akses rumah tangga terhadap layanan kesehatan.",
        benefits="Dasar perencanaan puskesmas.", funding_source="APBD Kota Lubuklinggau 2027",
        collection_start=dt.date(2027, 3, 1), collection_end=dt.date(2027, 4, 30),
        repetition="repeated", frequency="yearly", collection_type="cross_section",
        coverage="part", coverage_area="Kota Lubuklinggau", coverage_level="regency",
        presentation_level="regency,district",
        collection_methods="interview,other", collection_methods_other="Diskusi kelompok",
        collection_media="capi,paper", collection_units="household",
        is_census=False, sample_stages="multi", selection_method="probability",
        selection_technique="pps", frame_type="area", sampling_frame="Blok sensus SP2020",
        sample_size=1200, sampling_fraction=Decimal("2.5"), sampling_error=Decimal("5"),
        sample_unit="Rumah tangga", observation_unit="Anggota rumah tangga",
        pilot_test=True, quality_checks="supervision,revisit",
        quality_control="Pemeriksaan 10 % dokumen oleh pengawas.",
        nonresponse_adjusted=True, nonresponse_adjustment="Penimbang dikoreksi per strata.",
        collectors="both", supervisor_count=4, field_staff_count=20,
        field_staff_min_education="senior_high", training_held=True,
        field_staff_training="Pelatihan petugas tiga hari.",
        processing_stages="editing,coding,entry", analysis_type="descriptive",
        analysis_method="Tabulasi silang.", analysis_units="household,other",
        analysis_unit="Keluarga berisiko",
    )
    answers.update(values)
    for name, value in answers.items():
        setattr(req, name, value)
    session.add(m.Attachment(request=req, kind="questionnaire", original_name="kuesioner.pdf",
                             stored_name=codes.random_token(20), size=10,
                             content_type="application/pdf", sha256="0" * 64))
    session.commit()
    return req


VARIABLES = [
    dict(name="Jenis kelamin", alias="JK", concept="Perbedaan biologis.",
         definition="Jenis kelamin anggota rumah tangga.", reference="Standar BPS",
         data_type="integer", value_domain="1 = Laki-laki\n2 = Perempuan",
         question="Apa jenis kelamin (NAMA)?", questionnaire_item="R405", public=True),
    dict(name="Umur", alias="umur", definition="Umur saat ulang tahun terakhir.",
         measure="Jumlah", unit="tahun", data_type="integer",
         validation_rule="0 <= umur <= 120", question="Berapa umur (NAMA)?"),
    dict(name="Pendapatan per bulan", data_type="decimal", unit="rupiah",
         reference_period="Sebulan yang lalu"),
    dict(name="Tanggal lahir", data_type="date"),
    dict(name="Lapangan usaha", data_type="text", value_domain="Sesuai KBLI 2020"),
]
INDICATORS = [
    dict(name="Rata-rata umur anggota rumah tangga", concept="Umur rata-rata.",
         definition="Jumlah umur dibagi banyaknya anggota.", formula="Σ umur / n",
         composite=False, estimation_level="regency,district", periodicity="yearly",
         source_variables="Umur", public=True),
    dict(name="Rasio jenis kelamin", formula="100 × L / P", unit="per 100 perempuan"),
]


def add_rows(session, req, variables=(), indicators=()):
    for i, values in enumerate(variables, 1):
        session.add(m.RequestVariable(request=req, position=i, **values))
    for i, values in enumerate(indicators, 1):
        session.add(m.RequestIndicator(request=req, position=i, **values))
    session.commit()
    session.refresh(req)
    return req


# --- the schema is the referee -------------------------------------------------------------


def test_the_schema_refuses_a_misplaced_element(schema, session, world, wf):
    """The validation that every test leans on can fail: the same export with one element out
    of the schema's order is refused."""
    req = add_rows(session, survey(session, world, wf), VARIABLES[:1])
    doc = valid(schema, ddi.codebook(req, produced=DAY))
    var = doc.xpath("//d:var", namespaces=NS)[0]
    var.append(var.find("d:labl", NS))  # labl moved after notes
    assert not schema.validate(doc)
    doc = valid(schema, ddi.codebook(req, produced=DAY))
    study = doc.find("d:stdyDscr", NS)
    study.insert(0, study.find("d:stdyInfo", NS))  # stdyInfo before citation
    assert not schema.validate(doc)


# --- cases ---------------------------------------------------------------------------------


def test_a_request_with_only_its_title(schema, session, world, wf):
    req = m.ActivityRequest(
        tracking_code=codes.tracking_code("RKS"), office_id=world.offices[OFFICE_X],
        applicant_id=wf["applicant_a"], title="Survei Minimal", year=2027, state="draft")
    session.add(req)
    session.commit()
    doc = valid(schema, ddi.codebook(req, produced=DAY))
    assert doc.get("version") == "2.5"
    assert text(doc, "d:stdyDscr/d:citation/d:titlStmt/d:titl") == "Survei Minimal"
    assert text(doc, "d:stdyDscr/d:citation/d:titlStmt/d:IDNo") == req.tracking_code
    assert text(doc, "d:docDscr/d:citation/d:prodStmt/d:producer") == "BPS Kota Lubuklinggau"
    assert attr(doc, "d:docDscr/d:citation/d:prodStmt/d:prodDate/@date") == ["2027-01-15"]
    # Nothing answered, nothing made: no empty element anywhere.
    assert not doc.xpath("//*[not(*) and normalize-space(.) = '']")
    assert not doc.xpath("d:dataDscr | //d:abstract | //d:var | //d:method", namespaces=NS)


def test_a_complete_survey_with_variables_and_indicators(schema, session, world, wf):
    req = add_rows(session, survey(session, world, wf), VARIABLES, INDICATORS)
    with force_locale("en"):  # the officer reads English; the metadata stays Indonesian
        doc = valid(schema, ddi.codebook(req, produced=DAY))

    study = "d:stdyDscr/"
    assert text(doc, study + "d:citation/d:titlStmt/d:titl") == req.title
    assert text(doc, study + "d:citation/d:titlStmt/d:IDNo") == req.recommendation_code
    assert attr(doc, study + "d:citation/d:titlStmt/d:IDNo/@agency") == ["BPS Kota Lubuklinggau"]
    assert doc.get("ID") == req.recommendation_code
    assert doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "id"
    author = doc.xpath(study + "d:citation/d:rspStmt/d:AuthEnty", namespaces=NS)[0]
    assert (author.text, author.get("affiliation")) == (
        "Bidang Kesehatan Masyarakat", "Dinas Kesehatan Kota Lubuklinggau")
    assert text(doc, study + "d:citation/d:prodStmt/d:fundAg") == "APBD Kota Lubuklinggau 2027"

    info = study + "d:stdyInfo/"
    assert text(doc, info + "d:subject/d:topcClas") == "Kesehatan"
    abstract = text(doc, info + "d:abstract")
    assert abstract.startswith("Mengukur akses rumah tangga terhadap layanan kesehatan.")
    assert "Latar belakang: Data kesehatan" in abstract and "Manfaat: Dasar" in abstract
    s = info + "d:sumDscr/"
    assert attr(doc, s + "d:collDate/@date") == ["2027-03-01", "2027-04-30"]
    assert attr(doc, s + "d:collDate/@event") == ["start", "end"]
    assert attr(doc, s + "d:timePrd/@date") == ["2027-03-01", "2027-04-30"]
    assert text(doc, s + "d:nation") == "Indonesia"
    assert text(doc, s + "d:geogCover") == "Sebagian wilayah Indonesia: Kota Lubuklinggau"
    assert texts(doc, s + "d:geogUnit") == ["Kabupaten/kota", "Kecamatan"]
    assert texts(doc, s + "d:anlyUnit") == ["Rumah tangga", "Keluarga berisiko"]
    assert text(doc, s + "d:universe") == "Anggota rumah tangga"
    assert text(doc, s + "d:dataKind") == "Survei"

    c = study + "d:method/d:dataColl/"
    assert text(doc, c + "d:timeMeth") == "Potong lintang (cross-section)"
    assert text(doc, c + "d:dataCollector") == "Dinas Kesehatan Kota Lubuklinggau"
    assert text(doc, c + "d:frequenc") == "Tahunan"
    sampling = text(doc, c + "d:sampProc")
    for part in ("Multitahap", "PPS (peluang proporsional terhadap ukuran)",
                 "Blok sensus SP2020", "1200", "2,5", "Rumah tangga"):
        assert part in sampling, part
    assert text(doc, c + "d:targetSampleSize/d:sampleSize") == "1200"
    assert texts(doc, c + "d:collMode") == ["Wawancara", "Diskusi kelompok", "CAPI", "Kertas"]
    assert text(doc, c + "d:resInstru") == "kuesioner.pdf"
    assert "Pemeriksaan 10 % dokumen" in text(doc, c + "d:actMin")
    assert "Penimbang dikoreksi" in text(doc, c + "d:weight")
    assert "Pelatihan petugas tiga hari." in text(doc, c + "d:collectorTraining")
    assert text(doc, study + "d:method/d:anlyInfo/d:EstSmpErr") == "5 %"

    notes = doc.xpath(study + "d:notes[@type='MS-Ind']", namespaces=NS)
    assert [n.get("subject") for n in notes] == [i["name"] for i in INDICATORS]
    first = notes[0].xpath("string()")
    assert first.startswith("Rata-rata umur anggota rumah tangga\n")
    assert "Rumus: Σ umur / n" in first and "Kabupaten/kota, Kecamatan" in first

    variables = doc.xpath("d:dataDscr/d:var", namespaces=NS)
    assert [v.get("ID") for v in variables] == ["V1", "V2", "V3", "V4", "V5"]
    assert [v.get("name") for v in variables] == [
        "JK", "umur", "Pendapatan_per_bulan", "Tanggal_lahir", "Lapangan_usaha"]
    assert [v.findtext("d:labl", namespaces=NS) for v in variables] == [
        v["name"] for v in VARIABLES]
    sex = variables[0]
    assert sex.findtext("d:qstn/d:qstnLit", namespaces=NS) == "Apa jenis kelamin (NAMA)?"
    assert sex.find("d:qstn", NS).get("seqNo") == "R405"
    assert sex.findtext("d:txt", namespaces=NS) == "Jenis kelamin anggota rumah tangga."
    assert sex.findtext("d:concept", namespaces=NS) == "Perbedaan biologis."
    assert [(c.findtext("d:catValu", namespaces=NS), c.findtext("d:labl", namespaces=NS))
            for c in sex.findall("d:catgry", NS)] == [("1", "Laki-laki"), ("2", "Perempuan")]
    assert [v.find("d:varFormat", NS).get("type") for v in variables] == [
        "numeric", "numeric", "numeric", "character", "character"]
    assert variables[3].find("d:varFormat", NS).get("category") == "date"
    assert "Satuan: tahun" in texts(doc, "d:dataDscr/d:var[2]/d:notes")
    assert "Domain nilai: Sesuai KBLI 2020" in texts(doc, "d:dataDscr/d:var[5]/d:notes")
    assert not variables[4].findall("d:catgry", NS)


def test_a_compilation_has_no_sample_design(schema, session, world, wf):
    """Block V is for surveys: a compilation's leftover sample answers are not exported."""
    req = survey(session, world, wf, kind="compilation", collection_methods="admin_records",
                 collection_media=None, collection_methods_other=None)
    doc = valid(schema, ddi.codebook(req, produced=DAY))
    assert text(doc, "//d:dataKind") == "Kompilasi produk administrasi"
    assert not doc.xpath("//d:sampProc | //d:targetSampleSize | //d:EstSmpErr", namespaces=NS)
    assert texts(doc, "//d:collMode") == ["Catatan administrasi"]


def test_other_kind_and_sector_are_their_namely_text(schema, session, world, wf):
    req = survey(session, world, wf, kind="other", kind_other="Big data telepon seluler",
                 sector="other", sector_other="Pariwisata")
    doc = valid(schema, ddi.codebook(req, produced=DAY))
    assert text(doc, "//d:dataKind") == "Big data telepon seluler"
    assert text(doc, "//d:topcClas") == "Pariwisata"


HOSTILE = "<b>&amp; \"kutip\" 'tunggal' ]]> \x01\x07\x0b\x0c\x1b\x1f\ufffe 😀 </b>"


def test_hostile_text_stays_valid_xml_and_reads_back(schema, session, world, wf):
    long = ("Kalimat panjang 😀 & <tag> " * 400)[:10_000]
    req = survey(session, world, wf, title=("Judul " + HOSTILE)[:500], objectives=long,
                 coverage_area=HOSTILE, agency_unit=HOSTILE, funding_source=HOSTILE)
    add_rows(session, req, [
        dict(name=HOSTILE, alias="\x01١٢٣ ", definition=long, question=HOSTILE + long,
             questionnaire_item=HOSTILE, data_type="text", validation_rule=HOSTILE,
             value_domain="1 = <b>& \"x\" ]]>\x01\x1b 😀\n2 = 😀 & <>; x =", concept=long),
    ], [dict(name=HOSTILE, formula=HOSTILE, definition=long)])
    try:
        doc = valid(schema, ddi.codebook(req, produced=DAY))
    finally:
        # Control characters come through none of the app's doors (input_guard); written past
        # them here, they must not stay in the catalogue the other tests read.
        req.title, req.coverage_area = "Survei uji teks berbahaya", None
        req.agency_unit = req.funding_source = None
        req.variables.clear()
        req.indicators.clear()
        session.commit()
    readable = "<b>&amp; \"kutip\" 'tunggal' ]]>  😀 </b>"
    assert text(doc, "//d:stdyDscr/d:citation/d:titlStmt/d:titl") == "Judul " + readable
    assert text(doc, "//d:abstract").startswith(long.strip() + "\n\nLatar belakang: ")
    var = doc.xpath("//d:var", namespaces=NS)[0]
    assert var.get("name") == "V1"  # no ASCII letter in the alias nor usable name start
    assert var.findtext("d:labl", namespaces=NS) == readable
    assert var.findtext("d:qstn/d:qstnLit", namespaces=NS) == (readable + long).strip()
    assert var.find("d:qstn", NS).get("seqNo") == readable
    # ";" separates pairs too; "x =" is no pair, and kept as the variable's note.
    assert [c.findtext("d:labl", namespaces=NS) for c in var.findall("d:catgry", NS)] == [
        '<b>& "x" ]]> 😀', "😀 & <>"]
    assert "Domain nilai: x =" in texts(doc, "//d:var/d:notes")
    assert doc.xpath("//d:notes[@type='MS-Ind']/@subject", namespaces=NS) == [readable]


def test_characters_xml_cannot_carry_are_dropped(app, schema):
    """NUL (which PostgreSQL does not store either), other C0 controls and lone surrogates, on
    a request that was never saved; a code with "/" and spaces still makes a safe ID and file."""
    assert ddi.clean("a\x00b\x08c\td\re\r\nf\ufffe ") == "abc\td\ne\nf"
    req = m.ActivityRequest(tracking_code="RKS-A/B C", title="A\x00B\ud800C", year=2027,
                            kind="survey", office=m.Office(code="9999", name="BPS \x00Uji"),
                            objectives="\x00\x01 ")
    req.variables.append(m.RequestVariable(position=1, name="X\x00", value_domain="\x00"))
    with app.app_context():
        doc = valid(schema, ddi.codebook(req, produced=DAY))
    assert text(doc, "//d:stdyDscr/d:citation/d:titlStmt/d:titl") == "ABC"
    assert text(doc, "//d:docDscr//d:producer") == "BPS Uji"
    assert doc.get("ID") == "RKS-A_B_C" and ddi.file_name(req) == "RKS-A_B_C.xml"
    assert not doc.xpath("//d:abstract", namespaces=NS)
    assert [v.get("name") for v in doc.xpath("//d:var", namespaces=NS)] == ["X"]


def test_two_hundred_variables(schema, session, world, wf):
    cap = 2000
    req = add_rows(session, survey(session, world, wf), [
        dict(name=f"Variabel ke-{i}", alias="x", concept="k" * cap, definition="d" * cap,
             question="q" * cap, data_type="integer",
             value_domain="\n".join(f"{c} = Kategori {c}" for c in range(1, 6)))
        for i in range(1, 201)])
    doc = valid(schema, ddi.codebook(req, produced=DAY))
    variables = doc.xpath("//d:var", namespaces=NS)
    assert len(variables) == 200
    names = [v.get("name") for v in variables]
    assert names[:3] == ["x", "x_2", "x_3"] and len(set(names)) == 200
    assert len(doc.xpath("//d:var/d:catgry", namespaces=NS)) == 1000


def test_the_period_zip_has_one_valid_codebook_per_request(schema, session, world, wf):
    a = add_rows(session, survey(session, world, wf), VARIABLES, INDICATORS)
    b = survey(session, world, wf, recommendation_code=None, title="Kompilasi Data Puskesmas",
               kind="compilation")
    twin = m.ActivityRequest(tracking_code=b.tracking_code, title="Salinan", year=2027,
                             kind="survey", office=m.Office(code="9998", name="BPS Uji"))
    data = ddi.codebooks_zip([a, b, twin], produced=DAY)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names == [f"{a.recommendation_code}.xml", f"{b.tracking_code}.xml",
                         f"{b.tracking_code}-2.xml"]
        titles = [text(valid(schema, archive.read(name)), "//d:stdyDscr//d:titl")
                  for name in names]
    assert titles == [a.title, "Kompilasi Data Puskesmas", "Salinan"]
    assert ddi.codebooks_zip([], produced=DAY)  # an empty period: an empty, valid zip
