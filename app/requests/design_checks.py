"""Design checks the officer sees (issue 22): what the request's own answers say about its design,
each with the reason, computed afresh from the form whenever they are asked for.

They only suggest: the request page pre-ticks the review checklist's item of a check that
passes and marks the item of one that is flagged (``ChecklistItem.design_check``), and nothing
is recorded until the officer saves the checklist; what the officer recorded always wins.
Statuses: ``pass``, ``flag``, ``n/a`` (the check does not apply to this kind of activity).
"""
from __future__ import annotations

import dataclasses
import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Optional

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import models
from app.catalogue import search

PASS, FLAG, NOT_APPLICABLE = "pass", "flag", "n/a"
STATUS_LABELS = {PASS: _l("Passed"), FLAG: _l("To be checked"),
                 NOT_APPLICABLE: _l("Not applicable")}
NAMED_AT_MOST = 10  # variables named in a reason; the rest are counted

# Kinds that collect from respondents with a questionnaire; Block V (the sample) is surveys'.
QUESTIONNAIRE_KINDS = ("survey", "enumeration")

# The sample rule: n per domain = ceil(z² · p(1 − p) / e² · deff), at 95 % confidence (z = 1.96)
# and p = 0.5 (the largest variance: no prior estimate is asked for on the form).
Z = Fraction(196, 100)
P_Q = Fraction(1, 4)
DEFF_MULTI_STAGE = Fraction(2)  # sample_stages "multi"
DEFF_CLUSTERED = Fraction(3, 2)  # a single stage of cluster or PPS selection
CLUSTERED_TECHNIQUES = ("cluster", "pps")

# Areas of each presentation level when the activity covers all of Indonesia: the Ministry of
# Home Affairs' (Kemendagri) 2024 figures — 38 provinces, 514 regencies/cities, 7 277 districts.
AREAS_OF_INDONESIA = {"province": 38, "regency": 514, "district": 7277}
LEVELS_FINEST_LAST = ("national", "province", "regency", "district")
_AREA_NAMES = {  # (several, one) as a reason names them
    "province": (_l("provinces"), _l("province")),
    "regency": (_l("regencies/cities"), _l("regency/city")),
    "district": (_l("districts"), _l("district")),
}
_AREA_SEPARATORS = re.compile(r"[,;\n\r]+")


@dataclasses.dataclass(frozen=True)
class Check:
    key: str
    label: str
    status: str  # PASS, FLAG or NOT_APPLICABLE
    reason: str

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "status": self.status,
                "reason": self.reason}


def _check(key: str, status: str, reason: str) -> Check:
    return Check(key, str(models.DESIGN_CHECKS[key]), status, reason)


def similar_activities(session, req, limit: int = 5) -> list[search.Hit]:
    """The recommended activities closest to the request's title and objectives, itself left
    out: what the request page's "similar activities" box lists. Any of them is a close match
    to the check (the box has no other threshold: the search's own, its rarest words)."""
    text = " ".join(filter(None, [req.title, req.objectives]))
    return search.similar(session, text, limit=limit, exclude_request_id=req.id)


def run(session, req, similar: Optional[list] = None) -> list[Check]:
    """Every design check of ``req``, in models.DESIGN_CHECKS' order. ``similar``: the request's
    similar_activities when the caller has them already."""
    if similar is None:
        similar = similar_activities(session, req, limit=1)
    return [variables_defined(req), schedule_in_order(req), questionnaire(req),
            sample_size(req), similar_reason(req, similar)]


def by_key(checks: list[Check]) -> dict[str, Check]:
    return {check.key: check for check in checks}


def _filled(value) -> bool:
    return bool(value.strip()) if isinstance(value, str) else value is not None


def _short(text: str, limit: int = 80) -> str:
    # A reason is also offered as the checklist's note: names are kept to a readable length.
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _number(value) -> str:
    return format_decimal(value)


# --- variables ----------------------------------------------------------------------------------


def variables_defined(req) -> Check:
    variables = list(req.variables)
    if not variables:
        return _check("variables_defined", FLAG, _("No variable is listed yet."))
    lacking = []
    for position, variable in enumerate(variables, start=1):
        concept, definition = _filled(variable.concept), _filled(variable.definition)
        if concept and definition:
            continue
        missing = (_("no concept or definition") if not (concept or definition)
                   else _("no definition") if concept else _("no concept"))
        lacking.append(_("no. %(number)s %(name)s (%(missing)s)",
                         number=variable.position or position, name=_short(variable.name),
                         missing=missing))
    if not lacking:
        return _check("variables_defined", PASS, _(
            "All %(count)s variables have a concept and a definition.",
            count=_number(len(variables))))
    named = "; ".join(lacking[:NAMED_AT_MOST])
    if len(lacking) > NAMED_AT_MOST:
        named = _("%(named)s and %(count)s more", named=named,
                  count=_number(len(lacking) - NAMED_AT_MOST))
    return _check("variables_defined", FLAG, _(
        "%(count)s of %(total)s variables lack a concept or a definition: %(variables)s.",
        count=_number(len(lacking)), total=_number(len(variables)), variables=named))


# --- schedule -----------------------------------------------------------------------------------


def schedule_in_order(req) -> Check:
    """Stages in the form's order: a stage may overlap the one before it, but neither start
    before it starts nor end before it ends."""
    problems = []
    if req.collection_start is None or req.collection_end is None:
        problems.append(_("the data collection dates are not filled in"))
    stages = []
    for stage, stage_label in models.SCHEDULE_STAGES.items():
        start, end = getattr(req, f"{stage}_start"), getattr(req, f"{stage}_end")
        if start is None and end is None:
            continue
        if (start is None or end is None) and stage != "collection":
            problems.append(_("%(stage)s has only one of its two dates", stage=stage_label))
        stages.append((str(stage_label), start, end))
    for (before, before_start, before_end), (stage, start, end) in zip(stages, stages[1:]):
        if start is not None and before_start is not None and start < before_start:
            problems.append(_(
                "%(stage)s starts (%(date)s) before %(previous)s starts (%(previous_date)s)",
                stage=stage, date=format_date(start, "long"), previous=before,
                previous_date=format_date(before_start, "long")))
        if end is not None and before_end is not None and end < before_end:
            problems.append(_(
                "%(stage)s ends (%(date)s) before %(previous)s ends (%(previous_date)s)",
                stage=stage, date=format_date(end, "long"), previous=before,
                previous_date=format_date(before_end, "long")))
    if problems:
        return _check("schedule_in_order", FLAG, _(
            "Schedule: %(problems)s. Rule: a stage may overlap the one before it, but may not "
            "start before it starts nor end before it ends.", problems="; ".join(problems)))
    return _check("schedule_in_order", PASS, _(
        "The %(count)s stages filled in are in order: none starts or ends before the one "
        "before it.", count=_number(len(stages))))


# --- questionnaire ------------------------------------------------------------------------------


def questionnaire(req) -> Check:
    if req.kind not in QUESTIONNAIRE_KINDS:
        return _check("questionnaire", NOT_APPLICABLE, _(
            "Not a survey or a full enumeration: no questionnaire is needed."))
    attached = [a.original_name for a in req.attachments if a.kind == "questionnaire"]
    if attached:
        return _check("questionnaire", PASS, _("Questionnaire attached: %(files)s.",
                                               files=", ".join(attached)))
    return _check("questionnaire", FLAG, _(
        "No questionnaire is attached; a survey or a full enumeration needs one."))


# --- sample size --------------------------------------------------------------------------------


def _levels(req) -> list[str]:
    codes = [c.strip() for c in (req.presentation_level or "").split(",") if c.strip()]
    return [level for level in LEVELS_FINEST_LAST if level in codes]


def _areas_listed(req) -> int:
    return max(1, len([a for a in _AREA_SEPARATORS.split(req.coverage_area or "")
                       if a.strip()]))


def design_effect(req) -> Fraction:
    if req.sample_stages == "multi":
        return DEFF_MULTI_STAGE
    if req.selection_technique in CLUSTERED_TECHNIQUES:
        return DEFF_CLUSTERED
    return Fraction(1)


def minimum_per_domain(error_percent, deff) -> int:
    """ceil(1.96² · 0.25 / e² · deff), e the sampling error as a fraction; exact arithmetic,
    so that a bound that is a whole number is not pushed one higher by rounding."""
    e = Fraction(Decimal(str(error_percent))) / 100
    return math.ceil(Z * Z * P_Q / (e * e) * deff)


def sample_size(req) -> Check:
    if req.kind != "survey":
        return _check("sample_size", NOT_APPLICABLE, _("Not a survey: there is no sample."))
    if req.is_census:
        return _check("sample_size", NOT_APPLICABLE, _(
            "A census: every unit is counted, there is no sample."))
    levels = _levels(req)
    coverage = req.coverage
    missing = []
    if req.sample_size is None:
        missing.append(_("the sample size"))
    error = None
    if req.sampling_error is None:
        missing.append(_("the sampling error"))
    else:
        try:
            error = Decimal(str(req.sampling_error))
        except InvalidOperation:
            error = None
        if error is None or error <= 0:
            missing.append(_("a sampling error above zero"))
    if not levels:
        missing.append(_("the presentation level (national, province, regency/city or "
                         "district)"))
    elif levels[-1] != "national" and coverage not in ("whole", "part"):
        missing.append(_("the coverage (all or part of Indonesia)"))
    if missing:
        return _check("sample_size", FLAG, _("Cannot be checked; still missing: %(missing)s.",
                                             missing=", ".join(missing)))
    finest = levels[-1]
    deff = design_effect(req)
    need = minimum_per_domain(error, deff)
    n = req.sample_size
    rule = _("Rule: n per domain ≥ 1.96² × 0.25 / e² × deff, rounded up (%(confidence)s %% "
             "confidence, p = 0.5; deff 2 for a multi-stage design, 1.5 for cluster or PPS "
             "selection, otherwise 1); domains: the areas of the finest presentation level "
             "(Kemendagri 2024: %(provinces)s provinces, %(regencies)s regencies/cities, "
             "%(districts)s districts; for part of Indonesia, the areas listed in the "
             "coverage).", confidence=95, provinces=_number(AREAS_OF_INDONESIA["province"]),
             regencies=_number(AREAS_OF_INDONESIA["regency"]),
             districts=_number(AREAS_OF_INDONESIA["district"]))
    figures = {"n": _number(n), "error": _number(error), "deff": _number(float(deff)),
               "need": _number(need)}
    if finest == "national":
        domains = 1
        text = _("n = %(n)s for the nation as one domain; at ±%(error)s %% with deff "
                 "%(deff)s it needs %(need)s.", **figures)
    else:
        several, one = _AREA_NAMES[finest]
        if coverage == "whole":
            domains = AREAS_OF_INDONESIA[finest]
            text = _("n = %(n)s for %(domains)s %(areas)s is %(per)s per %(area)s; at "
                     "±%(error)s %% with deff %(deff)s, each needs %(need)s.",
                     domains=_number(domains), areas=several, area=one,
                     per=_number(n // domains), **figures)
        else:
            domains = _areas_listed(req)
            text = _("n = %(n)s for %(domains)s %(areas)s (the areas listed in the coverage) "
                     "is %(per)s per %(area)s; at ±%(error)s %% with deff %(deff)s, each "
                     "needs %(need)s.", domains=_number(domains), areas=several, area=one,
                     per=_number(n // domains), **figures)
    if n < need * domains:
        return _check("sample_size", FLAG, _(
            "%(figures)s The sample is too small: at least %(total)s in all. %(rule)s",
            figures=text, total=_number(need * domains), rule=rule))
    return _check("sample_size", PASS, f"{text} {rule}")


# --- similar activities -------------------------------------------------------------------------


def similar_reason(req, similar: list) -> Check:
    if not similar:
        return _check("similar_reason", PASS, _(
            "No close match among the activities already recommended."))
    closest = similar[0]
    match = _("“%(title)s” (%(code)s)", title=_short(closest.title, 200),
              code=closest.recommendation_code or closest.letter_number)
    reason = (req.similar_reason or "").strip()
    if not reason:
        return _check("similar_reason", FLAG, _(
            "Close match already recommended: %(match)s; the applicant has not said why this "
            "activity is still needed.", match=match))
    return _check("similar_reason", PASS, _(
        "Close match already recommended: %(match)s; the applicant says why this activity is "
        "still needed.", match=match))
