"""The password policy: long enough, and not one of the passwords everyone tries first.

Used by FAB's own password forms (FAB_PASSWORD_COMPLEXITY_VALIDATOR) and by ours
(registration, reset). Length beats character-class rules; a short list of the most common
passwords (international and Indonesian) catches the rest of what guessing tries first.
"""
from __future__ import annotations

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _
from wtforms.validators import ValidationError

MIN_LENGTH = 10

COMMON = frozenset("""
123456789 1234567890 12345678910 0123456789 987654321 9876543210 1111111111 0000000000
password password1 password12 password123 passw0rd123 p@ssw0rd123 qwertyuiop qwerty1234
qwerty12345 1q2w3e4r5t 1qaz2wsx3edc asdfghjkl zxcvbnm123 iloveyou12 abcdefghij abc1234567
admin12345 administrator welcome123 letmein123 football12 monkey1234 dragon1234 sunshine12
princess12 superman12 baseball12 trustno123 indonesia indonesia1 indonesia123 indonesia45
bismillah bismillah1 bismillah123 alhamdulillah sayangku123 sayangkamu akusayangkamu
rahasia123 rahasiaku123 katasandi katasandi123 merdeka1945 jakarta123 garuda1234 pancasila
bandung123 surabaya123 palembang123 lubuklinggau bps12345678 statistik123 rekomstat123
""".split())


def problems(password: str, *personal: str) -> list[str]:
    """What is wrong with this password (empty: it is acceptable)."""
    found = []
    password = password or ""
    if len(password) < MIN_LENGTH:
        found.append(_("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) <= 2:
        found.append(_("This password is among the first that anyone guessing would try."))
    for value in personal:
        value = (value or "").split("@")[0].lower()
        if len(value) >= 4 and value in lowered:
            found.append(_("The password must not contain your user name or e-mail."))
            break
    return found


def fab_validator(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: FAB's user and password forms."""
    found = problems(password)
    if found:
        raise PasswordComplexityValidationError(" ".join(found))


def form_validator(*personal_fields: str):
    """A WTForms validator; ``personal_fields`` name fields the password must not contain."""

    def check(form, field):
        found = problems(field.data, *(form[name].data for name in personal_fields
                                       if name in form))
        if found:
            raise ValidationError(" ".join(found))

    return check
