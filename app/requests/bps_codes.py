"""Our codes as numbers on BPS's MS-Keg form (Peraturan BPS 5/2020; ../shared/domain.md).

The request stores readable codes ("survey", "quarterly"); INDAH and the paper MS-Keg number
them, and a multi-choice answer is the sum of its flags (interview 1 + observation 4 = 5).
One table per list, keyed by the form field that uses it, so an export reads a request's
answer as BPS writes it and a code added to a list without its number fails the tests.
"""
from __future__ import annotations

from typing import Optional

# field -> {our code: BPS's number}; a field named in FLAGS sums its codes' numbers.
NUMBERS: dict[str, dict[str, int]] = {
    "kind": {"enumeration": 1, "survey": 2, "compilation": 3, "other": 4},
    "sector": {code: number for number, code in enumerate((
        "agriculture_fisheries", "demography", "development", "economic_projection",
        "education_training", "environment", "finance", "globalisation", "health",
        "industry_services", "ict", "international_trade", "labour", "national_accounts",
        "monthly_indicators", "productivity", "prices_ppp", "public_sector", "regional_urban",
        "science_patents", "social_protection", "transport"), start=1)},
    "coverage": {"whole": 1, "part": 2},
    # Also an indicator's estimation level (MS-Ind), the same list.
    "presentation_level": {"national": 1, "province": 2, "regency": 4, "district": 8,
                           "other": 16},
    "statistics_kind": {"basic": 1, "sectoral": 2, "special": 3},
    "repetition": {"one_off": 1, "repeated": 2},
    "frequency": {"daily": 1, "weekly": 2, "monthly": 3, "quarterly": 4, "four_monthly": 5,
                  "semiannual": 6, "yearly": 7, "multi_year": 8},
    "collection_type": {"longitudinal": 1, "cross_section": 2, "longitudinal_cross": 3},
    "collection_methods": {"interview": 1, "self_administered": 2, "observation": 4,
                           "admin_records": 8, "other": 16},
    "collection_media": {"paper": 1, "capi": 2, "cati": 4, "cawi": 8, "mail": 16, "other": 32},
    # BPS counts individuals, households, businesses and "other": an institution is other.
    "collection_units": {"individual": 1, "household": 2, "business": 4, "institution": 8,
                         "other": 8},
    "analysis_units": {"individual": 1, "household": 2, "business": 4, "institution": 8,
                       "other": 8},
    "sample_stages": {"single": 1, "multi": 2},
    "selection_method": {"probability": 1, "non_probability": 2},
    "frame_type": {"list": 1, "area": 2},
    "quality_checks": {"revisit": 1, "supervision": 2, "task_force": 4, "other": 8},
    "collectors": {"own_staff": 1, "partners": 2, "both": 3},
    "field_staff_min_education": {"junior_high": 1, "senior_high": 2, "diploma": 3,
                                  "university": 4},
    "analysis_type": {"descriptive": 1, "inferential": 2, "both": 3},
}
FLAGS = frozenset({"collection_methods", "collection_media", "collection_units",
                   "analysis_units", "quality_checks", "presentation_level"})
# Codes BPS's form has no number for: a sector of none of its 22 (kept from free text).
UNNUMBERED = {"sector": frozenset({"other"})}


def bps_number(field: str, value: Optional[str]) -> Optional[int]:
    """A stored answer as BPS's number: one code's, or the sum of a multi-choice's flags
    (each flag once: an institution and "other" are both BPS's "other"); None when empty or
    when the field has no BPS number."""
    table = NUMBERS.get(field)
    if table is None or value in (None, ""):
        return None
    if field in FLAGS:
        flags = {table[code] for code in str(value).split(",") if code in table}
        return sum(flags) or None
    return table.get(value)
