"""The official request form (FS3 / FP-KPA) as data: sections, fields, labels, choices.

One definition feeds the applicants' online form, the officers' screens (labels), the blank
form PDF for those who fill it on paper and the printable copy of a filled request, and the
completeness check at submission — so none of them can drift from the others.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from app.models import (
    ACTIVITY_KINDS,
    ANALYSIS_TYPES,
    AREA_LEVELS,
    COLLECTION_MEDIA,
    COLLECTION_METHODS,
    COLLECTION_TYPES,
    COLLECTION_UNITS,
    COLLECTORS,
    COVERAGES,
    EDUCATION_LEVELS,
    FRAME_TYPES,
    FREQUENCIES,
    PRESENTATION_LEVELS,
    REPETITIONS,
    SAMPLE_STAGES,
    SCHEDULE_STAGES,
    SECTORS,
    SELECTION_METHODS,
    SELECTION_TECHNIQUES,
    STATISTICS_KINDS,
    VARIABLE_TYPES,
    ActivityRequest,
    RequestIndicator,
    RequestVariable,
)

# Multi-choice answers without a database constraint (stored as comma-separated codes).
PROCESSING_STAGES = {
    "editing": _l("Editing"),
    "coding": _l("Coding"),
    "entry": _l("Data entry"),
    "validation": _l("Validation"),
}
DISSEMINATION_PRODUCTS = {
    "printed": _l("Printed publication"),
    "digital": _l("Digital publication"),
    "microdata": _l("Microdata"),
}
QUALITY_CHECKS = {
    "revisit": _l("Revisit"),
    "supervision": _l("Supervision"),
    "task_force": _l("Task force"),
    "other": _l("Other"),
}
YES_NO = {"1": _l("Yes"), "0": _l("No")}


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str = "text"  # text, textarea, email, date, int, decimal, bool, select, multi
    choices: Optional[dict] = None
    required: bool = False  # needed before the request can be submitted
    help: object = None
    other: Optional[str] = None  # the "other, namely …" text field of a choice
    one_of: Optional[OneOf] = None  # its group: at least one of them is needed to submit
    limit: Optional[int] = None  # characters: the definition's own cap, below the column's

    @property
    def max_length(self) -> Optional[int]:
        return text_limit(self.name)


@dataclass(frozen=True)
class OneOf:
    """A group of fields of which at least one is needed before the request can be submitted
    (each field names its group: ``Field.one_of``)."""

    key: str
    label: object  # what is missing, as the refused submission names it
    hint: object  # under each of the group's fields on the form


RESP_CONTACT = OneOf(
    "resp_contact", _l("Person responsible: e-mail or phone"),
    _l("Fill in at least one: the phone or the e-mail of the person responsible."))


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    fields: tuple = field(default_factory=tuple)
    surveys_only: bool = False


# Written out (not composed) so each label is one whole sentence to translate.
_SCHEDULE_LABELS = {
    "planning": (_l("Planning: start"), _l("Planning: end")),
    "design": (_l("Design: start"), _l("Design: end")),
    "collection": (_l("Data collection: start"), _l("Data collection: end")),
    "processing": (_l("Processing: start"), _l("Processing: end")),
    "analysis": (_l("Analysis: start"), _l("Analysis: end")),
    "dissemination": (_l("Dissemination: start"), _l("Dissemination: end")),
    "evaluation": (_l("Evaluation: start"), _l("Evaluation: end")),
}


def _schedule() -> tuple:
    fields = []
    for stage in SCHEDULE_STAGES:
        start, end = _SCHEDULE_LABELS[stage]
        required = stage == "collection"
        fields.append(Field(f"{stage}_start", start, "date", required=required))
        fields.append(Field(f"{stage}_end", end, "date", required=required))
    return tuple(fields)


SECTIONS = (
    Section("activity", _l("Activity"), (
        Field("title", _l("Activity title"), required=True),
        Field("year", _l("Year"), "int", required=True),
        Field("kind", _l("Kind of activity"), "select", ACTIVITY_KINDS, required=True,
              other="kind_other"),
        Field("statistics_kind", _l("Kind of statistics"), "select", STATISTICS_KINDS,
              help=_l("Statistics of a ministry, agency or regional government are sectoral.")),
        Field("prior_recommendation", _l("Recommended by BPS before"), "bool",
              help=_l("For a repeated activity: did an earlier round get a recommendation?")),
        Field("prior_recommendation_ref", _l("Earlier recommendation: number and date")),
        Field("sector", _l("Sector"), "select", SECTORS, other="sector_other",
              help=_l("BPS's sectors of statistical activities.")),
        Field("similar_reason", _l("Similar activities: why this one is needed"), "textarea",
              help=_l("If an activity like this one was already recommended (see the list "
                      "below the title), say why this one is still needed.")),
    )),
    Section("organiser", _l("Block I: Organiser"), (
        Field("agency_name", _l("Agency"), required=True,
              help=_l("The ministry, agency or regional government unit.")),
        Field("agency_unit_echelon1", _l("Echelon-I unit")),
        Field("agency_unit", _l("Echelon-II unit")),
        Field("agency_head_title", _l("Addressee (head of the agency)"), required=True,
              help=_l("The letter is addressed to this title, e.g. Kepala Dinas Kesehatan.")),
        Field("agency_address", _l("Agency address"), "textarea", required=True),
        Field("agency_phone", _l("Agency phone")),
        Field("agency_fax", _l("Agency fax")),
        Field("agency_email", _l("Agency e-mail"), "email"),
    )),
    Section("people", _l("Block II: People in charge"), (
        Field("resp_name", _l("Person responsible: name"), required=True),
        Field("resp_position", _l("Person responsible: position")),
        Field("resp_address", _l("Person responsible: address")),
        Field("resp_phone", _l("Person responsible: phone"), one_of=RESP_CONTACT),
        Field("resp_email", _l("Person responsible: e-mail"), "email", one_of=RESP_CONTACT),
        Field("tech_name", _l("Technical person: name"),
              help=_l("May be a consultant.")),
        Field("tech_position", _l("Technical person: position")),
        Field("tech_address", _l("Technical person: address")),
        Field("tech_phone", _l("Technical person: phone")),
        Field("tech_fax", _l("Technical person: fax")),
        Field("tech_email", _l("Technical person: e-mail"), "email"),
    )),
    Section("planning", _l("Block III: Planning"), (
        Field("background", _l("Background"), "textarea"),
        Field("objectives", _l("Objectives"), "textarea", required=True),
        Field("benefits", _l("Benefits"), "textarea"),
        Field("funding_source", _l("Funding source")),
        *_schedule(),
    )),
    Section("design", _l("Block IV: Activity design"), (
        Field("repetition", _l("One-off or repeated"), "select", REPETITIONS),
        Field("frequency", _l("Frequency"), "select", FREQUENCIES),
        Field("collection_type", _l("Collection type"), "select", COLLECTION_TYPES),
        Field("coverage", _l("Coverage"), "select", COVERAGES),
        Field("coverage_area", _l("Areas covered"),
              help=_l("For part of Indonesia: the provinces and regencies/cities, separated "
                      "by commas.")),
        Field("coverage_level", _l("Coverage level"), "select", AREA_LEVELS),
        Field("presentation_level", _l("Level of presentation"), "multi", PRESENTATION_LEVELS,
              other="presentation_level_other"),
        Field("collection_methods", _l("Data collection method"), "multi", COLLECTION_METHODS,
              other="collection_methods_other"),
        Field("collection_media", _l("Collection media"), "multi", COLLECTION_MEDIA,
              other="collection_media_other"),
        Field("collection_units", _l("Collection unit"), "multi", COLLECTION_UNITS,
              other="collection_units_other"),
    )),
    Section("sample", _l("Block V: Sample design"), (
        Field("is_census", _l("Census (not a sample)"), "bool"),
        Field("sample_stages", _l("Sample design"), "select", SAMPLE_STAGES),
        Field("selection_method", _l("Selection method (last stage)"), "select",
              SELECTION_METHODS),
        Field("selection_technique", _l("Selection technique (last stage)"), "select",
              SELECTION_TECHNIQUES),
        Field("selection_method_name", _l("Selection method: details")),
        Field("frame_type", _l("Kind of sampling frame"), "select", FRAME_TYPES),
        Field("sampling_frame", _l("Sampling frame")),
        Field("sample_size", _l("Sample size"), "int"),
        Field("sampling_fraction", _l("Overall sampling fraction (%)"), "decimal"),
        Field("sampling_error", _l("Expected sampling error (%)"), "decimal"),
        Field("sample_unit", _l("Sample unit")),
        Field("observation_unit", _l("Observation unit")),
    ), surveys_only=True),
    Section("collection", _l("Block VI: Data collection"), (
        Field("pilot_test", _l("Pilot test"), "bool"),
        Field("quality_checks", _l("Quality checks"), "multi", QUALITY_CHECKS),
        Field("quality_control", _l("Quality control: details"), "textarea"),
        Field("nonresponse_adjusted", _l("Non-response adjusted"), "bool"),
        Field("nonresponse_adjustment", _l("Non-response adjustment: method"), "textarea"),
        Field("collectors", _l("Data collectors"), "select", COLLECTORS),
        Field("supervisor_count", _l("Supervisors: number"), "int"),
        Field("field_staff_count", _l("Enumerators: number"), "int"),
        Field("field_staff_min_education", _l("Field staff: minimum education"), "select",
              EDUCATION_LEVELS),
        Field("field_staff_education", _l("Field staff: education")),
        Field("training_held", _l("Field staff trained"), "bool"),
        Field("field_staff_training", _l("Field staff: training")),
    )),
    Section("processing", _l("Block VII: Processing and analysis"), (
        Field("processing_stages", _l("Processing stages"), "multi", PROCESSING_STAGES),
        Field("analysis_type", _l("Kind of analysis"), "select", ANALYSIS_TYPES),
        Field("analysis_method", _l("Analysis method"), "textarea"),
        Field("analysis_units", _l("Analysis unit"), "multi", COLLECTION_UNITS,
              other="analysis_unit"),
        Field("result_level", _l("Level of results"), "select", AREA_LEVELS),
    )),
    Section("dissemination", _l("Block VIII: Dissemination"), (
        Field("dissemination_products", _l("Dissemination products"), "multi",
              DISSEMINATION_PRODUCTS),
        Field("release_date_printed", _l("Planned release: printed publication"), "date"),
        Field("release_date_digital", _l("Planned release: digital publication"), "date"),
        Field("release_date_microdata", _l("Planned release: microdata"), "date"),
    )),
)

FIELDS = {f.name: f for section in SECTIONS for f in section.fields}
OTHER_FIELDS = {f.other: f for f in FIELDS.values() if f.other}

# A variable's concept and definition, in characters: the largest form allowed (200 variables,
# every text at its cap) must make its PDF within seconds (bench/pdf_worst.py, figures in
# bench/README.md), which the Text columns' own length does not bound. A concept or a
# definition is a sentence or a short paragraph; 2 000 leaves room for several.
VARIABLE_TEXT_LIMIT = 2000

# The variables table of the form (one row per variable): MS-Var.
VARIABLE_FIELDS = (
    Field("name", _l("Variable name"), required=True),
    Field("alias", _l("Alias")),
    Field("concept", _l("Concept"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("definition", _l("Definition"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("reference", _l("Reference used to choose it"),
          help=_l("The classification or standard the variable follows, e.g. KBLI 2020.")),
    Field("reference_period", _l("Reference period")),
    Field("measure", _l("Measure")),
    Field("unit", _l("Unit of measurement")),
    Field("data_type", _l("Data type"), "select", VARIABLE_TYPES),
    Field("value_domain", _l("Value domain"), "textarea", limit=VARIABLE_TEXT_LIMIT,
          help=_l("The possible answers, one \"code = label\" per line, e.g. 1 = Laki-laki.")),
    Field("validation_rule", _l("Validation rule")),
    Field("question", _l("Question wording"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("questionnaire_item", _l("Questionnaire item")),
    Field("public", _l("Public"), "bool"),
)
VARIABLES = {f.name: f for f in VARIABLE_FIELDS}

# The indicators table (one row per indicator the activity produces): MS-Ind.
INDICATOR_FIELDS = (
    Field("name", _l("Indicator name"), required=True),
    Field("concept", _l("Concept"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("definition", _l("Definition"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("interpretation", _l("Interpretation"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("method", _l("Computation method"), "textarea", limit=VARIABLE_TEXT_LIMIT),
    Field("formula", _l("Formula")),
    Field("measure", _l("Measure")),
    Field("unit", _l("Unit of measurement")),
    Field("classification", _l("Presentation classification")),
    Field("disaggregation", _l("Disaggregation variables")),
    Field("composite", _l("Composite indicator"), "bool"),
    Field("source_indicators", _l("Built from indicators"),
          help=_l("Their names, separated by commas.")),
    Field("source_variables", _l("Built from variables"),
          help=_l("Their names, separated by commas.")),
    Field("estimation_level", _l("Estimation level"), "multi", PRESENTATION_LEVELS),
    Field("periodicity", _l("Periodicity"), "select", FREQUENCIES),
    Field("public", _l("Public"), "bool"),
)
INDICATORS = {f.name: f for f in INDICATOR_FIELDS}


def text_limit(name: str, table=ActivityRequest.__table__) -> Optional[int]:
    """The most characters a text answer may hold: the definition's cap (``Field.limit``)
    where it sets one, else its column's length; None for a Text column without a cap (the
    callers then apply request_commands.TEXT_LIMIT). ``table``: the request's or the
    variables' (``RequestVariable.__table__``). The one rule of the front door
    (request_commands.clean_value), the portal's form and the PDF."""
    fields = {ActivityRequest.__table__: FIELDS, RequestVariable.__table__: VARIABLES,
              RequestIndicator.__table__: INDICATORS}
    f = fields.get(table, {}).get(name)
    if f is not None and f.limit is not None:
        return f.limit
    column = table.columns.get(name)
    return getattr(column.type, "length", None) if column is not None else None


def section_columns(section: Section) -> list[str]:
    """A block's columns in the form's order, each "other, namely" after its choices."""
    names = []
    for f in section.fields:
        names += [f.name, f.other] if f.other else [f.name]
    return names


# Every column the form writes, in its order (the API's add/edit/show columns).
FORM_COLUMNS = [name for section in SECTIONS for name in section_columns(section)]


def labels() -> dict:
    """Column -> label, for the officers' screens."""
    result = {name: f.label for name, f in FIELDS.items()}
    result.update({name: _l("Other, namely") for name in OTHER_FIELDS})
    return result


def required_fields() -> dict:
    return {name: f.label for name, f in FIELDS.items() if f.required}


def missing_one_of(req) -> list[str]:
    """The labels of the one-of groups (Field.one_of) of which no field is filled in yet."""
    return [label for _name, label in missing_one_of_fields(req)]


def missing_one_of_fields(req) -> list[tuple[str, str]]:
    """(first field, label) of each one-of group of which no field is filled in yet: the form
    links the label to the group's first field."""
    groups: dict[str, tuple[str, OneOf]] = {}
    filled = set()
    for name, f in FIELDS.items():
        if f.one_of is None:
            continue
        groups.setdefault(f.one_of.key, (name, f.one_of))
        if getattr(req, name) not in (None, ""):
            filled.add(f.one_of.key)
    return [(name, str(group.label)) for key, (name, group) in groups.items()
            if key not in filled]


def choice_label(f: Field, value) -> str:
    """A stored value as a person reads it (codes to labels, booleans to yes/no)."""
    if value is None or value == "":
        return ""
    if f.kind == "bool":
        return str(YES_NO["1" if value else "0"])
    if f.kind == "select":
        return str(f.choices.get(value, value))
    if f.kind == "multi":
        return ", ".join(str(f.choices.get(code, code)) for code in str(value).split(",") if code)
    if f.kind == "decimal":  # 2.5 reads "2,5" in Indonesian; str() would print "2.500"
        return format_decimal(value)
    return str(value)
