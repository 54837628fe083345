"""Recording a paper form at the desk (seed step 8): the applicant is linked by e-mail or gets
an account and a link to choose a password; the request is a walk-in one."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app import models as m

from conftest import PASSWORD, login

FORM = {"title": "Kompilasi Data Pasar Tradisional 2027", "year": "2027", "kind": "compilation",
        "agency_name": "Dinas Perdagangan Kota Lubuklinggau"}


def _request(app, title):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(m.ActivityRequest).where(
            m.ActivityRequest.title == title)).first()


def test_a_new_walk_in_applicant_gets_an_account_and_follows_online(app, world, clients):
    email = "yanti.pasar@disdag.lubuklinggaukota.go.id"
    r = clients["officer_x"].post("/activityrequestview/add", data={
        **FORM, "office": world.offices["1674"], "applicant_email": email,
        "applicant_name": "Yanti Lestari"})
    assert r.status_code == 302
    req = _request(app, FORM["title"])
    assert (req.channel, req.state, req.office_id) == ("walk_in", "draft", world.offices["1674"])
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, req.applicant_id)
        assert user.email == email and {r.name for r in user.roles} == {"Applicant"}
        [mail] = session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.recipient == email)).all()
        username = user.username
    link = "/" + re.search(r"https?://\S+/portal/password/reset/\S+", mail.body_text).group(
        0).split("/", 3)[3]
    client = app.test_client()
    r = client.post(link, data={"password": "sandi-pasar-2027", "confirm": "sandi-pasar-2027"})
    assert r.status_code == 302
    login(client, username, "sandi-pasar-2027")
    assert FORM["title"] in client.get("/portal/").get_data(as_text=True)


def test_an_existing_applicant_is_linked_and_staff_cannot_be(app, world, clients):
    from app.ops.bootstrap import create_user

    with app.app_context():
        create_user("Applicant", "dedi.pu", "dedi@pupr.lubuklinggaukota.go.id", PASSWORD)
        create_user("Officer", "staf.lain", "staf.lain@bps.go.id", PASSWORD, office_code="1674")
    title = "Survei Kondisi Jalan Kota 2027"
    clients["officer_x"].post("/activityrequestview/add", data={
        **FORM, "office": world.offices["1674"], "title": title,
        "applicant_email": "DEDI@pupr.lubuklinggaukota.go.id"})
    req = _request(app, title)
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(m.RekomUser, req.applicant_id).username == "dedi.pu"
        assert session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.recipient == "dedi@pupr.lubuklinggaukota.go.id")).all() == []
    title = "Survei Tidak Boleh Tercatat 2027"
    r = clients["officer_x"].post("/activityrequestview/add", data={
        **FORM, "office": world.offices["1674"], "title": title,
        "applicant_email": "staf.lain@bps.go.id"})
    assert r.status_code == 200  # the form again, with the reason
    assert _request(app, title) is None
