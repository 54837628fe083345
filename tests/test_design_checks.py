"""The design checks the officer sees (issue 22): each rule passes, flags or does not apply, with
its reason in Indonesian; the request page shows them and pre-ticks or flags the checklist
(the officer's recorded choice wins, nothing is stored by looking); the API answers them in the
request's own scope."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from lxml import html as lxml_html

from app.core import codes
from app.models import ActivityRequest, Attachment, ChecklistItem, RequestVariable, Review
from app.requests import design_checks

from conftest import OFFICE_X, seed

STAGES = ("planning", "design", "collection", "processing", "analysis", "dissemination",
          "evaluation")


def _make(app, world, wf, state="in_review", *, variables=None, questionnaire=False,
          recorded=None, **values) -> int:
    """A request of office X in ``state`` with ``values`` set, its variables (name, concept,
    definition) and, if asked, a questionnaire; its open review has ``recorded`` (nothing)."""
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, state)
        req = session.get(ActivityRequest, req_id)
        for name, value in values.items():
            setattr(req, name, value)
        for position, (name, concept, definition) in enumerate(variables or (), start=1):
            session.add(RequestVariable(request_id=req_id, position=position, name=name,
                                        concept=concept, definition=definition))
        if questionnaire:
            session.add(Attachment(request_id=req_id, kind="questionnaire",
                                   original_name="kuesioner.pdf",
                                   stored_name=codes.random_token(32), size=0,
                                   content_type="application/pdf", sha256=""))
        for review in req.reviews:
            review.checklist = dict(recorded or {})
        session.commit()
        session.remove()
    return req_id


def _checks(app, req_id) -> dict[str, design_checks.Check]:
    with app.test_request_context("/"):
        session = app.appbuilder.session
        session.expire_all()
        checks = design_checks.run(session, session.get(ActivityRequest, req_id))
        assert [c.key for c in checks] == list(design_checks.models.DESIGN_CHECKS)
        return design_checks.by_key(checks)


def _check(app, world, wf, key, **kw) -> design_checks.Check:
    return _checks(app, _make(app, world, wf, **kw))[key]


DEFINED = [("Umur", "Lama hidup", "Umur dalam tahun penuh")]


# --- variables -------------------------------------------------------------------------------


def test_variables_each_need_a_concept_and_a_definition(app, world, wf):
    none = _check(app, world, wf, "variables_defined")
    assert (none.status, none.reason) == ("flag", "Belum ada variabel yang dicantumkan.")

    ok = _check(app, world, wf, "variables_defined", variables=DEFINED * 2)
    assert ok.status == "pass" and "Seluruh 2 variabel" in ok.reason

    # 13 variables, 12 lacking something: the first 10 named with their numbers, 2 counted.
    # Odd numbers lack the concept, even ones the definition (blank is missing); no. 3 both.
    rows = [("Umur", "Lama hidup", "Umur dalam tahun")]
    rows += [(f"Variabel {i}", None if i % 2 else "Konsep", "Def" if i % 2 else "  ")
             for i in range(2, 14)]
    rows[2] = ("Variabel 3", None, None)
    flagged = _check(app, world, wf, "variables_defined", variables=rows)
    assert flagged.status == "flag"
    reason = flagged.reason
    assert reason.startswith("12 dari 13 variabel belum memiliki konsep atau definisi: "
                             "nomor 2 Variabel 2 (definisi belum diisi); nomor 3 Variabel 3 "
                             "(konsep dan definisi belum diisi); nomor 4 Variabel 4 (definisi "
                             "belum diisi); nomor 5 Variabel 5 (konsep belum diisi); "), reason
    assert "nomor 11 Variabel 11 (konsep belum diisi)" in reason
    assert "Variabel 12" not in reason and "Variabel 13" not in reason
    assert reason.endswith(", dan 2 lainnya.")
    assert "Umur" not in reason

    # A long name is cut in the reason (it is also offered as the checklist's note).
    long_name = "Pendapatan " + "x" * 280
    cut = _check(app, world, wf, "variables_defined", variables=[(long_name, None, "Def")])
    assert long_name not in cut.reason and long_name[:60] in cut.reason and "…" in cut.reason


# --- schedule --------------------------------------------------------------------------------


def _dates(*pairs) -> dict:
    """Every stage's dates in STAGES order, (start, end) as "MM-DD" of 2027; None (or left
    out): the stage empty."""
    values = {}
    for stage, pair in zip(STAGES, pairs + (None,) * len(STAGES)):
        start, end = pair or (None, None)
        values[f"{stage}_start"] = dt.date.fromisoformat(f"2027-{start}") if start else None
        values[f"{stage}_end"] = dt.date.fromisoformat(f"2027-{end}") if end else None
    return values


def test_the_schedule_may_overlap_but_not_go_back(app, world, wf):
    # Overlapping stages, one left empty: in order.
    ok = _check(app, world, wf, "schedule_in_order", **_dates(
        ("01-01", "02-15"), ("02-01", "03-01"), ("03-01", "04-30"), None, ("04-15", "06-30")))
    assert ok.status == "pass", ok.reason
    assert ok.reason.startswith("4 tahap yang diisi sudah berurutan")

    # Processing starts before collection starts; analysis ends before processing ends.
    back = _check(app, world, wf, "schedule_in_order", **_dates(
        ("01-01", "02-15"), ("02-01", "03-01"), ("03-01", "04-30"), ("02-20", "06-30"),
        ("05-01", "06-15")))
    assert back.status == "flag"
    assert ("tahap Pengolahan dimulai (20 Februari 2027) sebelum tahap Pengumpulan data "
            "dimulai (1 Maret 2027)") in back.reason
    assert ("tahap Analisis berakhir (15 Juni 2027) sebelum tahap Pengolahan berakhir "
            "(30 Juni 2027)") in back.reason
    assert "Perencanaan" not in back.reason and "Perancangan" not in back.reason
    assert "Aturan: suatu tahap boleh beririsan" in back.reason

    # No collection dates: flagged, whatever the rest.
    missing = _check(app, world, wf, "schedule_in_order", **_dates(("01-01", "02-15")))
    assert missing.status == "flag"
    assert "tanggal pengumpulan data belum diisi" in missing.reason


# --- questionnaire ---------------------------------------------------------------------------


def test_a_survey_or_enumeration_needs_its_questionnaire(app, world, wf):
    flagged = _check(app, world, wf, "questionnaire", kind="survey")
    assert (flagged.status, flagged.reason) == (
        "flag", "Kuesioner belum dilampirkan, padahal survei atau pencacahan lengkap "
        "memerlukannya.")
    assert _check(app, world, wf, "questionnaire", kind="enumeration").status == "flag"
    attached = _check(app, world, wf, "questionnaire", kind="enumeration", questionnaire=True)
    assert (attached.status, attached.reason) == (
        "pass", "Kuesioner sudah dilampirkan: kuesioner.pdf.")
    other = _check(app, world, wf, "questionnaire", kind="compilation")
    assert other.status == "n/a" and "Bukan survei" in other.reason


# --- sample size -----------------------------------------------------------------------------


SURVEY = {"kind": "survey", "is_census": False, "sampling_error": 5}


def test_the_sample_rule_itself():
    # ceil(1.96² · 0.25 / e² · deff): 384.16 -> 385; ×2 -> 769; ×1.5 -> 577; e = 10 %: 97.
    assert design_checks.minimum_per_domain(5, 1) == 385
    assert design_checks.minimum_per_domain(5, design_checks.DEFF_MULTI_STAGE) == 769
    assert design_checks.minimum_per_domain(5, design_checks.DEFF_CLUSTERED) == 577
    assert design_checks.minimum_per_domain(10, 1) == 97
    assert design_checks.minimum_per_domain(2.5, 1) == 1537


def test_a_sample_too_small_for_its_provinces(app, world, wf):
    check = _check(app, world, wf, "sample_size", **SURVEY, sample_size=400,
                   sample_stages="multi", presentation_level="national,province",
                   coverage="whole")
    assert check.status == "flag"
    assert check.reason.startswith(
        "n = 400 untuk 38 provinsi berarti 10 per provinsi; pada ±5 % dengan deff 2, "
        "masing-masing memerlukan 769. Sampel terlalu kecil: paling sedikit 29.222 secara "
        "keseluruhan. Aturan: n per domain ≥ 1,96² × 0,25 / e² × deff")
    assert "Kemendagri 2024: 38 provinsi, 514 kabupaten/kota, 7.277 kecamatan" in check.reason

    enough = _check(app, world, wf, "sample_size", **SURVEY, sample_size=30_000,
                    sample_stages="multi", presentation_level="province,national",
                    coverage="whole")
    assert enough.status == "pass", enough.reason
    assert enough.reason.startswith("n = 30.000 untuk 38 provinsi berarti 789 per provinsi")


def test_the_finest_level_and_the_areas_listed(app, world, wf):
    # Part of Indonesia: the regencies/cities listed (commas, semicolons, new lines); one
    # stage of cluster selection: deff 1.5, 577 each.
    part = dict(SURVEY, sample_stages="single", selection_technique="cluster",
                presentation_level="regency", coverage="part",
                coverage_area="Kota Lubuklinggau, Kab. Musi Rawas;\nKab. Musi Rawas Utara")
    short = _check(app, world, wf, "sample_size", **part, sample_size=1_500)
    assert short.status == "flag"
    assert short.reason.startswith(
        "n = 1.500 untuk 3 kabupaten/kota (wilayah yang dicantumkan pada cakupan) berarti 500 "
        "per kabupaten/kota; pada ±5 % dengan deff 1,5, masing-masing memerlukan 577.")
    assert _check(app, world, wf, "sample_size", **part, sample_size=1_731).status == "pass"
    # The districts of all Indonesia.
    districts = _check(app, world, wf, "sample_size", **SURVEY, sample_size=2_000_000,
                       presentation_level="district,national", coverage="whole")
    assert districts.status == "flag" and "7.277 kecamatan" in districts.reason
    # National only: one domain, simple random: 385 exactly is enough, 384 is not.
    national = dict(SURVEY, presentation_level="national", selection_technique="srs")
    assert _check(app, world, wf, "sample_size", **national, sample_size=385).status == "pass"
    below = _check(app, world, wf, "sample_size", **national, sample_size=384)
    assert below.status == "flag"
    assert below.reason.startswith("n = 384 untuk nasional sebagai satu domain; pada ±5 % "
                                   "dengan deff 1 diperlukan 385.")


def test_a_sample_that_cannot_be_checked_or_does_not_apply(app, world, wf):
    missing = _check(app, world, wf, "sample_size", kind="survey", is_census=False,
                     sample_size=None, sampling_error=None, presentation_level="province",
                     coverage=None)
    assert missing.status == "flag"
    assert missing.reason == ("Tidak dapat diperiksa; yang belum diisi: jumlah sampel, "
                              "perkiraan sampling error, cakupan wilayah (seluruh atau sebagian "
                              "wilayah Indonesia).")
    zero = _check(app, world, wf, "sample_size", **dict(SURVEY, sampling_error=0),
                  sample_size=100, presentation_level="national")
    assert zero.status == "flag" and "sampling error yang lebih dari nol" in zero.reason
    other_only = _check(app, world, wf, "sample_size", **SURVEY, sample_size=100,
                        presentation_level="other")
    assert other_only.status == "flag" and "tingkat penyajian" in other_only.reason
    census = _check(app, world, wf, "sample_size", kind="survey", is_census=True)
    assert census.status == "n/a" and census.reason.startswith("Sensus")
    for kind in ("compilation", "enumeration"):
        check = _check(app, world, wf, "sample_size", kind=kind)
        assert (check.status, check.reason) == ("n/a", "Bukan survei: tidak ada sampel.")


# --- a close match in the catalogue ----------------------------------------------------------


def test_a_close_match_needs_a_reason(app, world, wf):
    # Words no other activity has; no objectives (the seeded ones are everywhere).
    word, other, third = (uuid.uuid4().hex[:10] for _ in range(3))
    title = f"Survei Tenun {word}"
    done = _make(app, world, wf, "sent", title=f"{title} {other}", objectives=None)
    with app.app_context():
        number = app.appbuilder.session.get(ActivityRequest, done).letter.number
    # The request itself is left out: the recommended one has no match of its own.
    alone = _checks(app, done)["similar_reason"]
    assert (alone.status, alone.reason) == (
        "pass", "Tidak ada kegiatan yang sudah direkomendasikan yang mirip.")

    new = {"title": f"{title} {third}", "objectives": None}
    flagged = _check(app, world, wf, "similar_reason", **new)
    assert flagged.status == "flag"
    assert flagged.reason == (
        f"Ada kegiatan serupa yang sudah direkomendasikan: “{title} {other}” ({number}); "
        "pemohon belum menjelaskan mengapa kegiatan ini tetap diperlukan.")
    answered = _check(app, world, wf, "similar_reason", **new,
                      similar_reason="Cakupan kami kecamatan, yang lain kabupaten.")
    assert answered.status == "pass" and f"“{title} {other}”" in answered.reason
    blank = _check(app, world, wf, "similar_reason", **new, similar_reason="   ")
    assert blank.status == "flag"


# --- the officer's page ----------------------------------------------------------------------


def _items(app, world) -> dict[str, int]:
    """Office X's checklist item of each design check (the default checklist's)."""
    with app.app_context():
        rows = app.appbuilder.session.execute(sa.select(
            ChecklistItem.design_check, ChecklistItem.id).where(
            ChecklistItem.office_id == world.offices[OFFICE_X],
            ChecklistItem.design_check.is_not(None))).all()
    found = dict(rows)
    assert {"variables_defined", "schedule_in_order", "questionnaire", "sample_size",
            "similar_reason"} <= set(found), found
    return found


def _form_rows(page_html: str) -> dict[int, dict]:
    tree = lxml_html.fromstring(page_html)
    rows = {}
    for box in tree.xpath('//div[@id="checklist-panel"]//input[@type="checkbox"]'):
        item_id = int(box.get("name").removeprefix("ok_"))
        row = box.getparent().getparent()
        note = row.xpath(f'.//input[@name="note_{item_id}"]')[0].get("value") or ""
        rows[item_id] = {"ticked": box.get("checked") is not None, "note": note,
                         "text": row.text_content()}
    return rows


def test_the_page_shows_the_checks_and_suggests_on_the_checklist(app, world, wf, clients):
    items = _items(app, world)
    req_id = _make(app, world, wf, "in_review", kind="survey", questionnaire=True,
                   variables=[("Umur", "Lama hidup", None)], is_census=False,
                   sample_size=400, sampling_error=5, sample_stages="multi",
                   presentation_level="province", coverage="whole")
    page = clients["officer_x"].get(f"/activityrequestview/show/{req_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    tree = lxml_html.fromstring(text)
    panel = tree.xpath('//div[@id="design-checks-panel"]')[0]
    shown = {row.get("data-key"): row.text_content()
             for row in panel.xpath('.//tr[@data-key]')}
    assert list(shown) == ["variables_defined", "schedule_in_order", "questionnaire",
                           "sample_size", "similar_reason"]
    assert "Pemeriksaan rancangan" in panel.text_content()
    assert "1 dari 1 variabel belum memiliki konsep atau definisi: nomor 1 Umur" \
        in shown["variables_defined"]
    assert "Perlu diperiksa" in shown["variables_defined"]
    assert "Terpenuhi" in shown["questionnaire"]
    assert "n = 400 untuk 38 provinsi berarti 10 per provinsi" in shown["sample_size"]

    rows = _form_rows(text)
    # A passing check ticks its item; a flagged one leaves it unticked, its reason beside it
    # and offered as the note.
    assert rows[items["questionnaire"]]["ticked"]
    assert rows[items["schedule_in_order"]]["ticked"]
    flagged = rows[items["variables_defined"]]
    assert not flagged["ticked"]
    assert flagged["note"].startswith("1 dari 1 variabel belum memiliki konsep atau definisi")
    assert "definisi belum diisi" in flagged["text"]
    assert not rows[items["sample_size"]]["ticked"]
    assert "29.222" in rows[items["sample_size"]]["note"]
    # Items without a design check: as before, unticked and without a note.
    plain = [row for item_id, row in rows.items() if item_id not in items.values()]
    assert plain and not any(row["ticked"] or row["note"] for row in plain)
    # Looking stores nothing.
    with app.app_context():
        session = app.appbuilder.session
        review = session.scalars(sa.select(Review).where(Review.request_id == req_id)).one()
        assert review.checklist == {}

    # Officer of another office: the page is not found, as the request itself.
    assert clients["officer_y"].get(f"/activityrequestview/show/{req_id}").status_code == 404


def test_the_officers_recorded_choice_wins(app, world, wf, clients):
    items = _items(app, world)
    # Recorded: the (passing) questionnaire item refused with a note, the (flagged) variables
    # item passed without one.
    recorded = {str(items["questionnaire"]): {"ok": False, "note": "Kuesioner tidak terbaca"},
                str(items["variables_defined"]): {"ok": True, "note": ""}}
    req_id = _make(app, world, wf, "in_review", kind="survey", questionnaire=True,
                   variables=[("Umur", None, None)], recorded=recorded)
    client = clients["officer_x"]
    rows = _form_rows(client.get(f"/activityrequestview/show/{req_id}").get_data(as_text=True))
    assert rows[items["questionnaire"]] | {"text": ""} == {
        "ticked": False, "note": "Kuesioner tidak terbaca", "text": ""}
    assert rows[items["variables_defined"]]["ticked"]
    assert rows[items["variables_defined"]]["note"] == ""
    assert rows[items["schedule_in_order"]]["ticked"]  # not recorded yet: suggested

    # Saving the form as shown records the suggestions with the officer's choices.
    data = {"item": [str(i) for i in rows], "notes": ""}
    data.update({f"ok_{i}": "y" for i, row in rows.items() if row["ticked"]})
    data.update({f"note_{i}": row["note"] for i, row in rows.items()})
    assert client.post(f"/activityrequestview/checklist/{req_id}", data=data).status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        saved = session.scalars(sa.select(Review).where(Review.request_id == req_id)).one()
        checklist = saved.checklist
    assert checklist[str(items["questionnaire"])] == {"ok": False,
                                                       "note": "Kuesioner tidak terbaca"}
    assert checklist[str(items["schedule_in_order"])]["ok"] is True
    assert checklist[str(items["variables_defined"])]["ok"] is True
    assert checklist[str(items["sample_size"])]["ok"] is False
    assert checklist[str(items["sample_size"])]["note"].startswith("Tidak dapat diperiksa")


def test_no_checklist_suggestions_outside_an_open_review(app, world, wf, clients):
    req_id = _make(app, world, wf, "submitted", kind="compilation")
    text = clients["officer_x"].get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert 'id="design-checks-panel"' in text and 'id="checklist-panel"' not in text
    assert "Tidak berlaku" in text  # the questionnaire and the sample of a compilation


# --- the API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("user, status", [
    ("officer_x", 200), ("head_x", 200), ("admin", 200), ("applicant_a", 200),
    ("officer_y", 404), ("applicant_b", 404), (None, 401)])
def test_the_api_answers_in_the_requests_scope(app, world, wf, api, user, status):
    req_id = _make(app, world, wf, "in_review", kind="survey", questionnaire=True,
                   variables=DEFINED)
    r = api("GET", user, f"/api/v1/requests/{req_id}/design-checks")
    assert r.status_code == status, r.get_data(as_text=True)
    # The request itself answers the same.
    assert api("GET", user, f"/api/v1/requests/{req_id}").status_code == status
    if status != 200:
        assert "checks" not in (r.json or {})
        return
    checks = r.json["checks"]
    assert [c["key"] for c in checks] == list(design_checks.models.DESIGN_CHECKS)
    assert all(set(c) == {"key", "label", "status", "reason"} for c in checks)
    by_key = {c["key"]: c for c in checks}
    assert by_key["variables_defined"]["status"] == "pass"
    assert by_key["questionnaire"] == {
        "key": "questionnaire", "label": by_key["questionnaire"]["label"], "status": "pass",
        "reason": "Kuesioner sudah dilampirkan: kuesioner.pdf."}
    assert by_key["sample_size"]["status"] == "flag"
    assert by_key["sample_size"]["reason"].startswith("Tidak dapat diperiksa")


def test_the_api_on_an_unknown_request(api):
    assert api("GET", "officer_x", "/api/v1/requests/2147483000/design-checks").status_code \
        == 404
