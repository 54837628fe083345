"""A request's metadata as DDI Codebook 2.5 XML (namespace ddi:codebook:2_5), the standard
statistical offices document surveys in (IHSN's NADA catalogues read it).

MS-Keg maps onto ``stdyDscr`` (citation, abstract, ``sumDscr`` coverage and units,
``method/dataColl`` time method, frequency, sampling, mode, instrument), MS-Var onto
``dataDscr/var`` (label, question, categories). DDI has no element for an indicator: MS-Ind goes
into ``stdyDscr/notes`` (type "MS-Ind"), one note per indicator. Elements follow the order of the
schema's sequences (tests/test_ddi.py validates every case against the published XSD); an empty
answer makes no element. Texts are the form's Indonesian labels, whatever the caller's language.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Iterable, Optional

from flask_babel import force_locale

from app.models import ATTACHMENT_KINDS, ActivityRequest
from app.offices import workdays
from app.requests import form

NS = "ddi:codebook:2_5"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
INDICATOR_NOTE_TYPE = "MS-Ind"
SECTOR_VOCAB = "Sektor kegiatan BPS (MS-Keg)"
XML_MIMETYPE = "application/xml"
ZIP_MIMETYPE = "application/zip"

# XML 1.0 allows no C0 control character but tab, newline and carriage return, no lone
# surrogate and not U+FFFE/U+FFFF: such characters are dropped, the rest is escaped by lxml.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Block V as sampProc's lines, in the form's order (the observation unit is sumDscr/universe).
_SAMPLE_LINES = ("is_census", "sample_stages", "selection_method", "selection_technique",
                 "selection_method_name", "frame_type", "sampling_frame", "sample_size",
                 "sampling_fraction", "sampling_error", "sample_unit")
_TRAINING_LINES = ("training_held", "field_staff_training", "field_staff_min_education",
                   "field_staff_education")
_MINIMISE_LINES = ("pilot_test", "quality_checks", "quality_control")
_CONTROL_LINES = ("supervisor_count", "field_staff_count")
_WEIGHT_LINES = ("nonresponse_adjusted", "nonresponse_adjustment")
_PROCESSING_LINES = ("analysis_type", "analysis_method")
_ABSTRACT_EXTRA = ("background", "benefits")
# MS-Var's answers that DDI has no element for: one var/notes each.
_VARIABLE_NOTES = ("reference", "reference_period", "measure", "unit", "validation_rule",
                   "public")
_NUMERIC_TYPES = {"integer": "discrete", "decimal": "contin", "boolean": "discrete"}
# A period's zip: deflate's fastest level (zlib's default took a third of the export's time for
# 1 000 codebooks; bench/README.md, "Metadata exports for a period").
ZIP_LEVEL = 1


@dataclass(frozen=True)
class _Labels:
    """The form's labels and choices as text in the document's language, translated once per
    export: a lazy string costs a catalogue look-up each time it is read, hundreds of
    thousands of times for a period (bench/bench_metadata_exports.py)."""

    request: dict
    variable: dict
    indicator: dict
    yes: str
    no: str
    questionnaire: str


_LABELS: ContextVar[Optional[_Labels]] = ContextVar("ddi_labels", default=None)


def _translate_fields(fields: dict) -> dict:
    return {name: replace(f, label=str(f.label), choices={
        code: str(text) for code, text in f.choices.items()} if f.choices else f.choices)
        for name, f in fields.items()}


def _translated() -> _Labels:
    """Every label the codebook writes, as text in the current locale."""
    return _Labels(_translate_fields(form.FIELDS), _translate_fields(form.VARIABLES),
                   _translate_fields(form.INDICATORS), str(form.YES_NO["1"]),
                   str(form.YES_NO["0"]), str(ATTACHMENT_KINDS["questionnaire"]))


def _labels() -> _Labels:
    return _LABELS.get() or _translated()


def _choice_label(f: form.Field, value) -> str:
    """form.choice_label with the translated yes/no."""
    if f.kind == "bool" and value is not None and value != "":
        labels = _labels()
        return labels.yes if value else labels.no
    return form.choice_label(f, value)


def clean(value) -> str:
    """Text as XML 1.0 can carry it: forbidden characters dropped, line ends as \\n, trimmed."""
    if value is None:
        return ""
    text = _NOT_XML.sub("", str(value))
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def value_domain_categories(value_domain: Optional[str]) -> tuple[list[tuple[str, str]], str]:
    """MS-Var's value domain ("1 = Laki-laki; 2 = Perempuan", one pair a line or separated by
    ";") as (code, label) pairs, and the pieces that are no pair, joined (a free description
    such as "KBLI 2020", kept as a note)."""
    pairs, rest = [], []
    for piece in re.split(r"[;\n]", clean(value_domain)):
        piece = piece.strip()
        if not piece:
            continue
        code, sep, label = piece.partition("=")
        if sep and code.strip() and label.strip():
            pairs.append((code.strip(), label.strip()))
        else:
            rest.append(piece)
    return pairs, "; ".join(rest)


def variable_names(variables) -> list[str]:
    """A short, safe name per variable (var/@name, as statistical packages take one): the alias
    or else the name, in ASCII letters, digits and "_", at most 32 characters, starting with a
    letter, unique in the request (a repeat gets its position)."""
    names, taken = [], set()
    for var in variables:
        base = unicodedata.normalize("NFKD", clean(var.alias) or clean(var.name))
        base = re.sub(r"[^A-Za-z0-9]+", "_", base.encode("ascii", "ignore").decode()).strip("_")
        if not base:
            base = f"V{var.position}"
        elif not base[0].isalpha():
            base = f"V{base}"
        name, n = base[:32].rstrip("_"), 1
        while name.lower() in taken:
            suffix = f"_{var.position}" + (f"_{n}" if n > 1 else "")
            name, n = base[:32 - len(suffix)].rstrip("_") + suffix, n + 1
        taken.add(name.lower())
        names.append(name)
    return names


def study_code(req: ActivityRequest) -> str:
    """The study's identity: the recommendation's code once issued, else the tracking code."""
    return clean(req.recommendation_code) or clean(req.tracking_code)


def file_name(req: ActivityRequest) -> str:
    """A file name from the study's code, safe on every system (letters, digits, . _ -)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", study_code(req)).strip("._")
    return f"{stem or f'request-{req.id}'}.xml"


def eager_options() -> tuple:
    """Loader options for a bulk export: the rows codebook() reads, in a few queries."""
    from sqlalchemy.orm import joinedload, selectinload

    return (joinedload(ActivityRequest.office), selectinload(ActivityRequest.variables),
            selectinload(ActivityRequest.indicators), selectinload(ActivityRequest.attachments))


# --- building -------------------------------------------------------------------------------


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _attrs(attrs: dict) -> dict:
    return {k: v for k, v in ((k, clean(v)) for k, v in attrs.items() if v is not None) if v}


def _node(parent, tag: str, **attrs):
    """An element in ``parent``, whatever it holds."""
    child = parent.makeelement(_q(tag), _attrs(attrs))
    parent.append(child)
    return child


def _text(parent, tag: str, value, **attrs):
    """A text element, only when there is text."""
    text = clean(value)
    if not text:
        return None
    child = _node(parent, tag, **attrs)
    child.text = text
    return child


def _group(parent, tag: str, build, *args, **attrs):
    """A container element, kept only when ``build`` put something in it."""
    child = _node(parent, tag, **attrs)
    build(child, *args)
    if len(child) == 0:
        parent.remove(child)
    return child


def _answers(obj, name: str, fields: Optional[dict] = None) -> list[str]:
    """An answer as its labels, one per code of a multi-choice; "other" as its "other,
    namely" text when there is one. ``fields``: the request's by default."""
    f = (fields or _labels().request)[name]
    value = getattr(obj, name, None)
    codes = str(value or "").split(",") if f.kind == "multi" else [value]
    other = clean(getattr(obj, f.other, None)) if f.other else ""
    result = [other if code == "other" and other else clean(_choice_label(f, code))
              for code in codes]
    return [text for text in result if text]


def _answer(obj, name: str, fields: Optional[dict] = None) -> str:
    return ", ".join(_answers(obj, name, fields))


def _lines(obj, names: Iterable[str], fields: Optional[dict] = None) -> str:
    """"Label: answer" a line, for the answers given."""
    fields = fields or _labels().request
    lines = []
    for name in names:
        text = _answer(obj, name, fields)
        if text:
            lines.append(f"{clean(fields[name].label)}: {text}")
    return "\n".join(lines)


def _iso(day: Optional[dt.date]) -> Optional[str]:
    return day.isoformat() if day else None


def _doc_dscr(doc, req, produced: dt.date) -> None:
    citation = _node(doc, "citation")
    titl = _node(citation, "titlStmt")
    _node(titl, "titl").text = clean(req.title) or study_code(req)
    _text(titl, "IDNo", f"DDI-{study_code(req)}")
    office = clean(req.office.name) if req.office is not None else ""

    def prod(stmt):
        _text(stmt, "producer", office, abbr="BPS")
        _text(stmt, "prodDate", produced.isoformat(), date=produced.isoformat())

    _group(citation, "prodStmt", prod)


def _study_citation(citation, req) -> None:
    titl = _node(citation, "titlStmt")
    _node(titl, "titl").text = clean(req.title) or study_code(req)
    office = clean(req.office.name) if req.office is not None else None
    _text(titl, "IDNo", study_code(req), agency=office)

    def rsp(stmt):
        # The unit in charge, of its agency; the agency alone when no unit is named.
        unit = clean(req.agency_unit) or clean(req.agency_unit_echelon1)
        if unit and clean(req.agency_name):
            _text(stmt, "AuthEnty", unit, affiliation=req.agency_name)
        else:
            _text(stmt, "AuthEnty", unit or req.agency_name)

    _group(citation, "rspStmt", rsp)
    _group(citation, "prodStmt", lambda stmt: _text(stmt, "fundAg", req.funding_source))


def _abstract(req) -> str:
    parts = [clean(req.objectives)]
    fields = _labels().request
    parts += [f"{clean(fields[name].label)}: {clean(getattr(req, name))}"
              for name in _ABSTRACT_EXTRA if clean(getattr(req, name))]
    return "\n\n".join(part for part in parts if part)


def _dates(parent, tag: str, start, end) -> None:
    if start and end and start == end:
        _text(parent, tag, _iso(start), date=_iso(start), event="single")
        return
    _text(parent, tag, _iso(start), date=_iso(start), event="start")
    _text(parent, tag, _iso(end), date=_iso(end), event="end")


def _sum_dscr(summary, req) -> None:
    _dates(summary, "timePrd", req.collection_start, req.collection_end)
    _dates(summary, "collDate", req.collection_start, req.collection_end)
    _text(summary, "nation", "Indonesia", abbr="IDN")
    coverage, area = _answer(req, "coverage"), clean(req.coverage_area)
    _text(summary, "geogCover", f"{coverage}: {area}" if coverage and area else coverage or area)
    for level in _answers(req, "presentation_level"):
        _text(summary, "geogUnit", level)
    for unit in _answers(req, "analysis_units"):
        _text(summary, "anlyUnit", unit)
    _text(summary, "universe", req.observation_unit)
    _text(summary, "dataKind", _answer(req, "kind"))


def _stdy_info(info, req) -> None:
    _group(info, "subject", lambda subject: _text(
        subject, "topcClas", _answer(req, "sector"), vocab=SECTOR_VOCAB))
    _text(info, "abstract", _abstract(req),
          contentType="purpose" if clean(req.objectives) else "abstract")
    _group(info, "sumDscr", _sum_dscr, req)


def _data_coll(coll, req) -> None:
    survey = req.kind == "survey"  # Block V applies to surveys only
    _text(coll, "timeMeth", _answer(req, "collection_type"))
    _text(coll, "dataCollector", req.agency_name, role=_answer(req, "collectors"))
    _text(coll, "collectorTraining", _lines(req, _TRAINING_LINES))
    frequency = _answer(req, "frequency")
    if not frequency and req.repetition == "one_off":
        frequency = _answer(req, "repetition")
    _text(coll, "frequenc", frequency)
    if survey:
        _text(coll, "sampProc", _lines(req, _SAMPLE_LINES))
        if req.sample_size:
            _text(_node(coll, "targetSampleSize"), "sampleSize", int(req.sample_size))
    for mode in _answers(req, "collection_methods") + _answers(req, "collection_media"):
        _text(coll, "collMode", mode)
    for attachment in req.attachments:
        if attachment.kind == "questionnaire":
            _text(coll, "resInstru", attachment.original_name,
                  type=_labels().questionnaire)
    _text(coll, "actMin", _lines(req, _MINIMISE_LINES))
    _text(coll, "ConOps", _lines(req, _CONTROL_LINES))
    _text(coll, "weight", _lines(req, _WEIGHT_LINES))
    _text(coll, "cleanOps", _answer(req, "processing_stages"))


def _method(method, req) -> None:
    _group(method, "dataColl", _data_coll, req)
    error = _answer(req, "sampling_error") if req.kind == "survey" else ""
    if error:
        _group(method, "anlyInfo", lambda info: _text(info, "EstSmpErr", f"{error} %"))
    _text(method, "dataProcessing", _lines(req, _PROCESSING_LINES))


def _indicator_note(ind) -> str:
    """The indicator's name, then "Label: answer" a line (DDI has no element for these)."""
    body = _lines(ind, [f.name for f in form.INDICATOR_FIELDS if f.name != "name"],
                  _labels().indicator)
    return "\n".join(part for part in (clean(ind.name), body) if part)


def _stdy_dscr(study, req) -> None:
    _group(study, "citation", _study_citation, req)
    _group(study, "stdyInfo", _stdy_info, req)
    _group(study, "method", _method, req)
    for ind in req.indicators:
        _text(study, "notes", _indicator_note(ind), type=INDICATOR_NOTE_TYPE, subject=ind.name)


def _var(dscr, var, name: str) -> None:
    pairs, rest = value_domain_categories(var.value_domain)
    variables = _labels().variable
    intrvl = _NUMERIC_TYPES.get(var.data_type) or ("discrete" if pairs else None)
    el = _node(dscr, "var", ID=f"V{var.position}", name=name, intrvl=intrvl)
    _text(el, "labl", var.name)
    if clean(var.question):
        _text(_node(el, "qstn", seqNo=var.questionnaire_item), "qstnLit", var.question)
    _text(el, "txt", var.definition)
    for code, label in pairs:
        category = _node(el, "catgry")
        _text(category, "catValu", code)
        _text(category, "labl", label)
    _text(el, "concept", var.concept)
    if var.data_type:
        _text(el, "varFormat", _answer(var, "data_type", variables),
              type="numeric" if var.data_type in _NUMERIC_TYPES else "character",
              category="date" if var.data_type == "date" else None)
    for note in _VARIABLE_NOTES:
        _text(el, "notes", _lines(var, [note], variables))
    if rest:
        _text(el, "notes", f"{clean(variables['value_domain'].label)}: {rest}")


def _data_dscr(dscr, req) -> None:
    variables = list(req.variables)
    for var, name in zip(variables, variable_names(variables)):
        _var(dscr, var, name)


def codebook(req: ActivityRequest, *, produced: Optional[dt.date] = None) -> bytes:
    """The request's DDI Codebook 2.5 document, UTF-8 XML; ``produced``: the document's date
    (docDscr/prodDate), the office's today by default."""
    from lxml import etree  # here: the app's start does not pay for lxml

    produced = produced or workdays.office_today()
    with force_locale("id"):
        token = _LABELS.set(_translated()) if _LABELS.get() is None else None
        try:
            root = _root(etree, req, produced)
        finally:
            if token is not None:
                _LABELS.reset(token)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _root(etree, req: ActivityRequest, produced: dt.date):
    root = etree.Element(_q("codeBook"), nsmap={None: NS})
    root.set("version", "2.5")
    root.set(_XML_LANG, "id")
    ident = re.sub(r"[^A-Za-z0-9._-]+", "_", study_code(req))
    if ident:
        root.set("ID", ident if ident[0].isalpha() or ident[0] == "_" else f"_{ident}")
    _group(root, "docDscr", _doc_dscr, req, produced)
    _stdy_dscr(_node(root, "stdyDscr"), req)  # required, with its titl
    _group(root, "dataDscr", _data_dscr, req)
    return root


def codebooks_zip(reqs: Iterable[ActivityRequest], *,
                  produced: Optional[dt.date] = None) -> bytes:
    """One codebook per request in a zip (a period's bulk export), each named by its code."""
    produced = produced or workdays.office_today()
    buffer, seen = io.BytesIO(), set()
    with force_locale("id"):
        token = _LABELS.set(_translated())  # once for every codebook of the zip
    try:
        _write_zip(buffer, reqs, produced, seen)
    finally:
        _LABELS.reset(token)
    return buffer.getvalue()


def _write_zip(buffer, reqs: Iterable[ActivityRequest], produced: dt.date, seen: set) -> None:
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for req in reqs:
            name = file_name(req)
            stem, n = name[:-4], 2
            while name.lower() in seen:
                name, n = f"{stem}-{n}.xml", n + 1
            seen.add(name.lower())
            info = zipfile.ZipInfo(name, date_time=(produced.year, produced.month, produced.day,
                                                    0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, codebook(req, produced=produced), compresslevel=ZIP_LEVEL)
