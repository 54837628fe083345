"""The public metadata of one recommended activity: its catalogue page, the open API's record
and its DDI codebook.

Only what is public by nature leaves here: the activity's identity (title, year, kind, sector,
recommendation identity and letter, agency), its objectives and design as MS-Keg describes it
(coverage, frequency, collection methods, planned release dates), and the variables and
indicators the applicant did not mark as not public (MS-Var/MS-Ind's "public"), with their
names, concepts, definitions and units. Never people (Block II), addresses, phones, e-mail
addresses, tracking or verification codes: the fields are named one by one, nothing is copied
wholesale. An activity is public once it is in the catalogue (search.in_catalogue: its letter
issued); any other id is not found.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.catalogue import search
from app.core.public_urls import catalogue_result_url
from app.models import LETTER_RESULTS, RESULT_PRODUCTS, ActivityRequest, ActivityResult
from app.requests import form

# The page's and the API's answer for an id that is not (or not yet) in the catalogue.
NOT_FOUND = _l("No recommended activity has this number: it does not exist or has not been "
               "recommended yet.")
MAX_ID = 2**31 - 1  # PostgreSQL integer: a larger id exists nowhere
# Block VIII's planned releases: key in the record -> column.
RELEASES = {"printed": "release_date_printed", "digital": "release_date_digital",
            "microdata": "release_date_microdata"}
VARIABLE_KEYS = ("name", "alias", "concept", "definition", "unit", "data_type")
INDICATOR_KEYS = ("name", "concept", "definition", "unit")


def recommended(session, request_id) -> Optional[ActivityRequest]:
    """The request if it is in the catalogue, with what its public record reads; else None."""
    try:
        request_id = int(request_id)
    except (TypeError, ValueError):
        return None
    if not 1 <= request_id <= MAX_ID:
        return None
    return session.scalars(
        sa.select(ActivityRequest)
        .where(ActivityRequest.id == request_id, search.in_catalogue())
        .options(joinedload(ActivityRequest.office), joinedload(ActivityRequest.letter),
                 selectinload(ActivityRequest.variables),
                 selectinload(ActivityRequest.indicators),
                 selectinload(ActivityRequest.results).joinedload(ActivityResult.attachment))
    ).first()


def received_result(session, request_id, result_id) -> Optional[ActivityResult]:
    """A result BPS received of an activity in the catalogue (its file is public then)."""
    req = recommended(session, request_id)
    if req is None:
        return None
    return next((r for r in req.results if r.id == result_id and _file_public(r)), None)


def _file_public(result) -> bool:
    # A publication is public by nature; microdata handed to BPS is not (BPS keeps it).
    return (result.state == "received" and result.attachment is not None
            and result.product != "microdata")


def _results(req) -> list[dict]:
    """The results BPS received (PP 51/1999): what, its title, its link or file."""
    return [{
        "product": r.product,
        "product_label": str(RESULT_PRODUCTS.get(r.product, r.product)),
        "title": _text(r.title),
        "link": r.link,
        "file_url": catalogue_result_url(req.id, r.id) if _file_public(r) else None,
        "file_name": r.attachment.original_name if _file_public(r) else None,
        "received_on": _iso(r.checked_at.date()) if r.checked_at else None,
    } for r in req.results if r.state == "received"]


def is_public(row) -> bool:
    """A variable or indicator is public unless the applicant said it is not."""
    return row.public is not False


def _text(value) -> Optional[str]:
    text = (value or "").strip() if isinstance(value, str) else value
    return text or None


def _labels(req, name: str) -> list[str]:
    """A choice answer as its labels (each code of a multi-choice); "other" as its "other,
    namely" text when there is one."""
    f = form.FIELDS[name]
    value = getattr(req, name)
    codes = [c for c in str(value or "").split(",") if c] if f.kind == "multi" else (
        [value] if value else [])
    other = _text(getattr(req, f.other)) if f.other else None
    return [other if code == "other" and other else form.choice_label(f, code)
            for code in codes]


def _label(req, name: str) -> Optional[str]:
    return ", ".join(_labels(req, name)) or None


def _iso(day: Optional[dt.date]) -> Optional[str]:
    return day.isoformat() if day else None


def _frequency_label(req) -> Optional[str]:
    # A one-off activity has no frequency: its repetition says so.
    if req.frequency:
        return _label(req, "frequency")
    return _label(req, "repetition") if req.repetition == "one_off" else None


def record(req: ActivityRequest) -> dict:
    """The activity's public fields, codes with their labels in the current language (JSON:
    the open API; the catalogue page reads the same)."""
    letter, office = req.letter, req.office
    return {
        "id": req.id,
        "recommendation_code": req.recommendation_code,
        "title": req.title,
        "year": req.year,
        "kind": req.kind,
        "kind_label": _label(req, "kind"),
        "sector": req.sector,
        "sector_label": search.sector_label(req.sector, req.sector_other) or None,
        "agency_name": req.agency_name,
        "objectives": _text(req.objectives),
        "coverage": req.coverage,
        "coverage_label": _label(req, "coverage"),
        "coverage_area": _text(req.coverage_area),
        "frequency": req.frequency,
        "frequency_label": _frequency_label(req),
        "collection_methods": [c for c in (req.collection_methods or "").split(",") if c],
        "collection_methods_labels": _labels(req, "collection_methods"),
        "release_dates": {key: _iso(getattr(req, column)) for key, column in RELEASES.items()},
        "results": _results(req),
        "office": {"name": office.name if office is not None else None},
        "letter": {"number": letter.number if letter is not None else None,
                   "letter_date": _iso(letter.letter_date) if letter is not None else None,
                   "result": letter.result if letter is not None else None,
                   "result_label": str(LETTER_RESULTS.get(letter.result, letter.result))
                   if letter is not None else None},
        "variables": [
            {**{key: _text(getattr(var, key)) for key in VARIABLE_KEYS},
             "data_type_label": form.choice_label(form.VARIABLES["data_type"], var.data_type)
             or None}
            for var in req.variables if is_public(var)],
        "indicators": [{key: _text(getattr(ind, key)) for key in INDICATOR_KEYS}
                       for ind in req.indicators if is_public(ind)],
    }


def release_labels() -> dict:
    """Block VIII's planned releases: key of ``record()["release_dates"]`` -> label."""
    return {key: form.FIELDS[column].label for key, column in RELEASES.items()}


class PublicCodebookSource:
    """The request as the DDI codebook of the open catalogue may read it: the same answers,
    but only the public variables and indicators, no attachment (their file names are the
    applicant's), and the recommendation's identity (or letter number, or catalogue id)
    where app.metadata.ddi would fall back to the private tracking code."""

    def __init__(self, req: ActivityRequest):
        self._req = req
        self.variables = [var for var in req.variables if is_public(var)]
        self.indicators = [ind for ind in req.indicators if is_public(ind)]
        self.attachments = []
        letter = req.letter
        self.tracking_code = (req.recommendation_code
                              or (letter.number if letter is not None else None)
                              or f"KATALOG-{req.id}")

    def __getattr__(self, name):
        return getattr(self._req, name)
