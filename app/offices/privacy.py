"""The privacy notice shown wherever personal data is collected (UU 27/2022, issue 25): what is
collected, why, for how long, who sees it, whom to ask. An office writes its own in its
settings; until it does, the default below (in the office's language) is shown. An applicant
agrees to it at registration: the agreement records the notice's version (a digest of the very
text shown) and the time, so the office can say later which text a person agreed to.
"""
from __future__ import annotations

import hashlib
from typing import Optional

from flask_babel import lazy_gettext as _l

from app.offices.directory import default_office, office_info

DEFAULT_NOTICE = _l(
    "Privacy notice. The Statistics Office (BPS) collects your name, e-mail address, phone "
    "number, agency and position, and for registration and the guest book your identity "
    "document number, to run the statistical activity recommendation service: to identify "
    "you, to handle your requests and to contact you about them (Law 16/1997 on Statistics, "
    "Government Regulation 51/1999; Law 27/2022 on Personal Data Protection). The officers of "
    "the office that handles your request see these data; identity numbers are stored "
    "encrypted and shown masked. Requests and recommendation letters are kept as public "
    "records; guest book entries, queue tickets and unused accounts are deleted after their "
    "retention period. You may see, download and correct your data, and ask for your account "
    "to be erased, through the portal or by writing to the office.")


def notice(session, office_id: Optional[int] = None) -> str:
    """The notice of an office (the default office when none is given): its own, or the
    default."""
    if office_id is None:
        office = default_office(session)
        office_id = office.id if office is not None else None
    info = office_info(session, office_id) if office_id is not None else None
    own = (info.setting.privacy_notice or "").strip() if info is not None else ""
    return own or str(DEFAULT_NOTICE)


def version(text: str) -> str:
    """The notice's version: a digest of the text itself (a changed text is a new version)."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]
