"""Reading a FAB screen's form as a browser does, and filling it as a person would.

``parse`` reads the page's ``<form id="model_form">``: its inputs, selects, textareas,
checkboxes and radios with the values they offer and hold, which ones are required (the
``required`` attribute, or the red "*" FAB puts in the label), and the error messages shown under
each field. ``browser_data`` turns that state back into what a browser would send, and the
filling helpers change it the way a person would (ordinary values per kind of field) or a
hostile one would (``HOSTILE``).
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

TYPED = ("text", "textarea", "number", "date", "email", "tel", "url", "search")
_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


@dataclass
class Field:
    name: str
    kind: str  # one of TYPED, or password, hidden, checkbox, radio, select, select-multiple, file
    label: str = ""
    required: bool = False
    maxlength: int | None = None
    options: list = field(default_factory=list)  # (value, text) offered by a select/radio/checkbox
    values: list = field(default_factory=list)  # what the page holds (selected, checked, typed)
    errors: list = field(default_factory=list)  # messages shown with the field

    @property
    def typed(self) -> bool:
        return self.kind in TYPED


@dataclass
class Form:
    fields: dict = field(default_factory=dict)  # name -> Field, in page order
    stray_errors: list = field(default_factory=list)  # messages in the form under no field


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.form: Form | None = None
        self.in_form = False
        self.labels: dict = {}  # for -> [text, starred]
        self.label_for = None
        self.select = None
        self.option = None  # [value, text, selected]
        self.textarea = None
        self.alert_depth = 0  # inside <div class="alert alert-danger"> (depth of open divs)
        self.alert_text: list = []
        self.div_depth = 0
        self.last_field = None
        self.alerts: list = []  # every alert on the page (flashes too): (class, text)
        self.any_alert_depth = 0
        self.any_alert_class = ""
        self.any_alert_text: list = []
        self.skip = 0  # inside <script>/<style>

    def _add(self, name, kind, **kw):
        f = self.form.fields.get(name)
        if f is None:
            f = self.form.fields[name] = Field(name, kind, **kw)
        self.last_field = f
        return f

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "div":
            self.div_depth += 1
            classes = (a.get("class") or "").split()
            if "alert" in classes and not self.any_alert_depth:
                self.any_alert_depth = self.div_depth
                self.any_alert_class = a.get("class") or ""
                self.any_alert_text = []
            if self.in_form and "alert-danger" in classes and not self.alert_depth:
                self.alert_depth = self.div_depth
                self.alert_text = []
        if tag == "form" and a.get("id") == "model_form":
            self.form, self.in_form = Form(), True
        if not self.in_form:
            return
        if tag == "label":
            self.label_for = a.get("for")
            self.labels.setdefault(self.label_for, ["", False])
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            name = a.get("name")
            if not name or kind in ("submit", "button", "reset", "image"):
                return
            required = "required" in a
            if kind in ("checkbox", "radio"):
                f = self._add(name, kind, required=required)
                f.options.append((a.get("value", "on"), a.get("id")))
                if "checked" in a:
                    f.values.append(a.get("value", "on"))
            else:
                maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
                f = self._add(name, kind, required=required, maxlength=maxlength)
                f.values = [a.get("value", "")]
        elif tag == "select" and a.get("name"):
            kind = "select-multiple" if "multiple" in a else "select"
            self.select = self._add(a["name"], kind, required="required" in a)
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "", "selected" in a]
        elif tag == "textarea" and a.get("name"):
            maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
            self.textarea = self._add(a["name"], "textarea", required="required" in a,
                                      maxlength=maxlength)
            self.textarea.values = [""]
        elif tag == "strong" and self.label_for is not None:
            self.labels[self.label_for][1] = True  # FAB's red * (the text checks it below)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        if tag == "div":
            if self.alert_depth == self.div_depth:
                text = " ".join("".join(self.alert_text).split())
                if text:
                    (self.last_field.errors if self.last_field else self.form.stray_errors
                     ).append(text)
                self.alert_depth = 0
            if self.any_alert_depth == self.div_depth:
                text = " ".join("".join(self.any_alert_text).split())
                self.alerts.append((self.any_alert_class, text))
                self.any_alert_depth = 0
            self.div_depth -= 1
        if tag == "form" and self.in_form:
            self.in_form = False
        if not self.in_form:
            return
        if tag == "label":
            self.label_for = None
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            text = " ".join(text.split())
            self.select.options.append((text if value is None else value, text))
            if selected:
                self.select.values.append(text if value is None else value)
            self.option = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            value = self.textarea.values[0]
            # The HTML parser keeps the newline a browser drops right after <textarea>.
            for lead in ("\r\n", "\n"):
                if value.startswith(lead):
                    value = value[len(lead):]
                    break
            self.textarea.values = [value]
            self.textarea = None

    def handle_data(self, data):
        if self.any_alert_depth and not self.skip:
            self.any_alert_text.append(data)
        if self.alert_depth and not self.skip:
            self.alert_text.append(data)
        if not self.in_form:
            return
        if self.option is not None:
            self.option[1] += data
        elif self.textarea is not None:
            self.textarea.values[0] += data
        elif self.label_for is not None:
            self.labels[self.label_for][0] += data


def parse(html: str) -> tuple[Form | None, list]:
    """The page's model form (None when the page has none) and every alert shown on it."""
    p = _Parser()
    p.feed(html)
    p.close()
    if p.form is not None:
        for f in p.form.fields.values():
            text, starred = p.labels.get(f.name, ["", False])
            text = " ".join(text.split())
            f.label = text.rstrip("* ").strip()
            f.required = f.required or starred or text.endswith("*")
    return p.form, p.alerts


class _Text(HTMLParser):
    """The text a user reads (outside script/style), with the attributes people see."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "alt", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    p.close()
    return " ".join(" ".join(p.parts).split())


def browser_data(form: Form) -> dict:
    """What a browser sends for the form as the page shows it."""
    data = {}
    for f in form.fields.values():
        if f.kind == "file":
            continue
        if f.kind in ("checkbox", "radio", "select-multiple"):
            if f.values:
                data[f.name] = list(f.values)
        elif f.kind == "select":
            offered = [v for v, _ in f.options]
            chosen = f.values[-1:] or offered[:1]  # none selected: the first option
            if chosen:
                data[f.name] = chosen[0]
        else:
            data[f.name] = f.values[0] if f.values else ""
    return data


def offered(f: Field) -> list:
    """The real choices of a select/radio/checkbox (FAB's and our blank options left out)."""
    return [v for v, _ in f.options if v not in ("", "__None", None)]


def ordinary(f: Field, n: int):
    """An ordinary value a person would type or pick for this field (``n`` keeps it unique)."""
    name = f.name.lower()
    if f.kind in ("select", "radio"):
        return (offered(f) or [None])[0]
    if f.kind in ("select-multiple",):
        return offered(f)[:1]
    if f.kind == "checkbox":
        return offered(f)[:1] if len(f.options) > 1 else [f.options[0][0]]
    if f.kind == "password":
        return "Rahasia-Uji-2026!"
    if f.kind == "date" or name.endswith(("_start", "_end")) or name in ("day", "letter_date"):
        return "2027-04-30" if name.endswith("_end") else "2027-03-01"
    if "email" in name:
        return f"budi.santoso{n}@contoh.go.id"
    if "phone" in name or "fax" in name:
        return f"0733 32{n % 10000:04d}"
    if "nip" in name:
        return "19700101 199001 1 001"
    if "website" in name or "url" in name:
        return "https://lubuklinggaukota.bps.go.id"
    if name == "year":
        return "2027"
    if f.kind == "number" or name.endswith(("_days", "_size", "_count", "position", "round")):
        return "12" if not name.endswith("_error") else "2.5"
    if name == "username":
        return f"budi.santoso{n}"
    if f.kind == "textarea":
        return f"Survei untuk mengukur kepuasan masyarakat terhadap layanan publik ({n})."
    return f"Survei Ekonomi Lubuklinggau {n}"[: f.maxlength or None]


# Hostile values, typed into every typed field (text, textarea, number, date) at once.
HOSTILE = {
    "overlong": "Panjang " * 1250,  # 10 000 characters
    "markup": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE x;--",
    "huge_number": "99999999999999999999",
    "negative": "-1",
    "impossible_date": "2024-02-30",
    "word_date": "kemarin",
    "unicode": "Survei 📊 Ekonomi — مرحبا שלום e\u0301 👩\u200d👩\u200d👧 \u202eteks",
    "nul": "Budi\x00Santoso",
}


def same_text(typed: str, shown: str) -> bool:
    """The value read back is what was typed (forms may trim blanks or fold newlines)."""
    norm = lambda s: " ".join(s.replace("\r\n", "\n").split())  # noqa: E731
    return shown == typed or norm(shown) == norm(typed)


CODE_LIKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
