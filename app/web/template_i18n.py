"""``_()`` in templates without Flask-Babel's context look-ups on every string.

Flask-Babel gives Jinja ``lambda s: get_translations().ugettext(s)``: each call looks up the
domain, the locale and the cache key through ``g`` again (about five context-local reads, ~10
µs). A page or a mail calls it dozens of times; the applicant's submission renders ~35. Here the
catalogue is looked up once and kept in Flask-Babel's own per-request namespace next to the
locale it belongs to, so ``force_locale`` (mails in the office language) still switches it.
"""
from __future__ import annotations

from flask import Flask, g
from flask_babel import get_translations

_KEY = "rekomstat_catalogue"  # on g._flask_babel: (the locale object, its translations)


def translations():
    ns = g.get("_flask_babel")
    if ns is not None:
        cached = getattr(ns, _KEY, None)
        if cached is not None and cached[0] is getattr(ns, "babel_locale", None):
            return cached[1]
    found = get_translations()  # picks the locale (and makes the namespace) when not yet done
    ns = g.get("_flask_babel")
    if ns is not None and getattr(ns, "babel_locale", None) is not None:
        setattr(ns, _KEY, (ns.babel_locale, found))
    return found


def init_app(app: Flask) -> None:
    """Call after Flask-Babel's init_app (FAB's AppBuilder does it), which installs its own."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
