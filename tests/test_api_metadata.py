"""The REST API's door for MS-Var and MS-Ind: a request's variables and indicators are written
with it (POST, PUT) and read back (GET) as lists of rows keyed by the form definition's names,
through the same front door and rules as the portal and the bulk spreadsheet."""
from __future__ import annotations

import sqlalchemy as sa
from test_api import FORM

from app import models as m

from conftest import OFFICE_X

VARIABLES = [
    {"name": "Jenis kelamin", "alias": "JK", "concept": "Perbedaan biologis.",
     "definition": "Jenis kelamin responden.", "reference": "SUSENAS",
     "reference_period": "Saat pencacahan", "measure": "Kategori", "unit": "-",
     "data_type": "integer", "value_domain": "1 = Laki-laki\n2 = Perempuan",
     "validation_rule": "1 atau 2", "question": "Apa jenis kelamin Anda?",
     "questionnaire_item": "101", "public": True},
    {"name": "Umur", "data_type": "integer", "public": False},
]
INDICATORS = [
    {"name": "Rasio jenis kelamin", "definition": "Laki-laki per 100 perempuan.",
     "formula": "L / P x 100", "composite": False, "estimation_level": ["national", "regency"],
     "periodicity": "yearly", "source_variables": "Jenis kelamin", "public": True},
]


def _create(api, world, **extra):
    return api("POST", "applicant_a", "/api/v1/requests/",
               json={**FORM, "office": world.offices[OFFICE_X], **extra})


def _rows(app, req_id, model):
    with app.app_context():
        session = app.appbuilder.session
        rows = session.scalars(sa.select(model).where(model.request_id == req_id)
                               .order_by(model.position)).all()
        result = [(row.position, row.name) for row in rows]
        session.remove()
    return result


def test_variables_and_indicators_are_written_and_read_back(api, world, app):
    r = _create(api, world, variables=VARIABLES, indicators=INDICATORS)
    assert r.status_code == 201, r.json
    req_id = r.json["id"]
    shown = api("GET", "applicant_a", f"/api/v1/requests/{req_id}").json["result"]
    first = shown["variables"][0]
    assert {k: first[k] for k in VARIABLES[0]} == VARIABLES[0]
    assert [v["name"] for v in shown["variables"]] == ["Jenis kelamin", "Umur"]
    assert shown["variables"][1]["public"] is False
    indicator = shown["indicators"][0]
    # A multi-choice is stored as the form's comma-joined codes, in the list's order.
    assert indicator["estimation_level"] == "national,regency"
    assert indicator["periodicity"] == "yearly" and indicator["composite"] is False
    # The officer of the office reads the same rows.
    assert api("GET", "officer_x", f"/api/v1/requests/{req_id}").json["result"][
        "indicators"][0]["name"] == "Rasio jenis kelamin"


def test_put_replaces_a_named_table_and_keeps_the_other(api, world, app):
    req_id = _create(api, world, variables=VARIABLES, indicators=INDICATORS).json["id"]
    r = api("PUT", "applicant_a", f"/api/v1/requests/{req_id}",
            json={"variables": [{"name": "Pendapatan", "data_type": "decimal"}]})
    assert r.status_code == 200, r.json
    assert _rows(app, req_id, m.RequestVariable) == [(1, "Pendapatan")]
    assert _rows(app, req_id, m.RequestIndicator) == [(1, "Rasio jenis kelamin")]
    # An empty list clears it; a body without the table leaves it alone.
    assert api("PUT", "applicant_a", f"/api/v1/requests/{req_id}",
               json={"indicators": []}).status_code == 200
    assert _rows(app, req_id, m.RequestIndicator) == []
    assert api("PUT", "applicant_a", f"/api/v1/requests/{req_id}",
               json={"title": FORM["title"] + " (ubah)"}).status_code == 200
    assert _rows(app, req_id, m.RequestVariable) == [(1, "Pendapatan")]


def test_bad_rows_are_refused_by_name_and_nothing_changes(api, world, app):
    req_id = _create(api, world, variables=VARIABLES).json["id"]
    bad = [
        ({"variables": [{"name": "A", "data_type": "bilangan"}]}, "variables-1-data_type"),
        ({"variables": [{"alias": "tanpa nama"}]}, "variables-1-name"),
        ({"variables": [{"name": "A", "tipe": "integer"}]}, "variables-1-tipe"),
        ({"indicators": [{"name": "I", "estimation_level": ["village"]}]},
         "indicators-1-estimation_level"),
        ({"indicators": [{"name": "I", "periodicity": "hourly"}]}, "indicators-1-periodicity"),
        ({"indicators": [{"name": "I", "composite": "barangkali"}]}, "indicators-1-composite"),
        ({"variables": [{"name": "x" * 301}]}, "variables-1-name"),
        ({"variables": "Umur, Jenis kelamin"}, "variables"),
        ({"indicators": [["Rasio"]]}, "indicators"),
        ({"variables": [{"name": f"V{i}"} for i in range(201)]}, "variables"),
        ({"indicators": [{"name": f"I{i}"} for i in range(101)]}, "indicators"),
    ]
    for body, field in bad:
        r = api("PUT", "applicant_a", f"/api/v1/requests/{req_id}", json=body)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["message"], (field, r.json)
        # The message is for a person, in Indonesian (the API speaks the user's language).
        text = " ".join(r.json["message"][field])
        assert "Traceback" not in text and "constraint" not in text.lower()
    assert _rows(app, req_id, m.RequestVariable) == [(1, "Jenis kelamin"), (2, "Umur")]
    # POST refuses the same way and makes no request.
    with app.app_context():
        before = app.appbuilder.session.scalar(sa.select(sa.func.count(m.ActivityRequest.id)))
        app.appbuilder.session.remove()
    r = _create(api, world, variables=[{"name": "A", "data_type": "bilangan"}])
    assert r.status_code == 422 and "variables-1-data_type" in r.json["message"]
    with app.app_context():
        after = app.appbuilder.session.scalar(sa.select(sa.func.count(m.ActivityRequest.id)))
        app.appbuilder.session.remove()
    assert after == before
