"""The service standard shown on `/` (the seed: BPS Kota Lubuklinggau, SK 062.L/KPA/2024).

English source strings; the Indonesian catalogue carries the seed's own wording. Office names,
addresses and e-mail come from the office row, so another office shows its own.
"""
from flask_babel import lazy_gettext as _l

REQUIREMENTS_WALK_IN = (
    _l("The service user visits the Integrated Statistical Services (PST) unit of %(office)s"),
    _l("The service user has a valid identity card (KTP, SIM, passport, etc.)"),
    _l("The service user has an active e-mail address"),
    _l("The service user fills in the guest book"),
    _l("The service user asks the officer for the statistical recommendation service"),
    _l("The service user prepares the Statistical Activity Recommendation Request Form, on "
       "paper or as a file"),
)
REQUIREMENTS_ONLINE = (
    _l("The service user has an active e-mail address"),
    _l("The service user has an account in the service application"),
    _l("The service user asks for the statistical recommendation service through the service "
       "application"),
    _l("The service user prepares the Statistical Activity Recommendation Request Form, on "
       "paper or as a file"),
)
PROCEDURE_WALK_IN = (
    _l("The service user comes to the PST unit of BPS for the statistical recommendation "
       "service"),
    _l("The service user takes a queue number"),
    _l("The service user waits to be served in the order of the queue numbers"),
    _l("The service user fills in the guest book at the front office"),
    _l("The service user tells the officer about the request for a statistical activity "
       "recommendation"),
    _l("The officer gives the statistical activity recommendation request form, on paper or as "
       "a file, for the service user to fill in"),
    _l("The service user hands in a letter and the filled request form, on paper or as a file, "
       "addressed to: the Head of %(office)s, attn. Integrated Statistical Services, "
       "%(address)s"),
    _l("The officer records the form in the service application"),
    _l("The officer checks and verifies the recorded form with the service user until the "
       "design of the statistical activity is complete and clear"),
    _l("The officer drafts the letter recommending that the statistical activity is fit to be "
       "carried out"),
    _l("The Head of %(office)s issues the recommendation letter"),
    _l("The officer sends the statistical activity recommendation letter to the service user"),
    _l("The service user rates the service"),
)
PROCEDURE_ONLINE = (
    _l("The service user registers an account in the service application"),
    _l("The service user searches the activities already recommended, for reference"),
    _l("The service user fills in the request form online and submits it"),
    _l("The officer checks and verifies the form with the service user until the design of "
       "the statistical activity is complete and clear"),
    _l("The officer drafts the recommendation letter and the Head of %(office)s issues it"),
    _l("The officer sends the recommendation letter to the service user"),
    _l("The service user rates the service"),
)
COMPLETION_TIME = _l(
    "The service user receives an e-mail with the result of the check of the request form at "
    "most 30 (thirty) working days after the form is recorded complete in the service "
    "application")
COST = _l("No fee is charged")
PRODUCT = _l(
    "Advice, suggestions, considerations, solutions and recommendations on carrying out the "
    "statistical activity, and the statistical activity recommendation letter")
COMPLAINTS = (
    (_l("In person"), _l("The suggestion and complaint box at the PST of %(office)s")),
    (_l("Website"), "lapor.go.id · https://pengaduan.bps.go.id"),
    (_l("E-mail"), "%(email)s"),
)

# The promise and the cost, as the two facts at the top of the service page; the full wording
# stays COMPLETION_TIME and COST above.
PROMISE_WORKING_DAYS = 30
# The complaint channels the standard names on the web (COMPLAINTS' "Website"), as links.
COMPLAINT_WEBSITES = (
    ("lapor.go.id", "https://www.lapor.go.id"),
    ("pengaduan.bps.go.id", "https://pengaduan.bps.go.id"),
)
COMPLAINT_BOX = COMPLAINTS[0]  # in person: the one channel that is not a link


def tel_href(phone: str | None) -> str:
    """``tel:`` link of an office's phone as people write it (``(0733) 451-234`` →
    ``tel:0733451234``); empty when there are no digits."""
    kept = "".join(c for c in (phone or "") if c.isdigit() or c == "+")
    return f"tel:{kept}" if any(c.isdigit() for c in kept) else ""
