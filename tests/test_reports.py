"""reports/figures.py: the satisfaction index (IKM) against worked examples done by hand, and the
dashboard figures on data made here.

IKM (domain.md, PermenPANRB 14/2017): NRR_i = average of element i's answers; IKM = Σ NRR_i ×
1/9; converted = IKM × 25. With n respondents and S the sum of all 9n answers, Σ NRR_i = S/n,
so converted = 25·S / (9·n) exactly. The converted value is rounded half up to two decimals and
classed on that: A ≥ 88.31, B ≥ 76.61, C ≥ 65.00, D below (down to 25.00).

The dashboard data lives in October–November 2041, local time (WIB, UTC+7): no other test
stamps anything then. "Now" figures (overdue requests, open complaints) are compared with a
baseline taken before the rows are made, since other tests leave open rows behind.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from app.models import ActivityRequest, Complaint, Letter, Rating
from app.reports import figures as reports

from conftest import OFFICE_X, OFFICE_Y, seed

# --- ikm: worked examples --------------------------------------------------------------------

# Nine answers with a known total, used to reach exact sums S below (each asserted).
PATTERN = {
    32: (4, 4, 4, 4, 4, 3, 3, 3, 3),  # five 4s + four 3s = 20 + 12
    31: (4, 4, 4, 4, 3, 3, 3, 3, 3),  # four 4s + five 3s = 16 + 15
    28: (4, 3, 3, 3, 3, 3, 3, 3, 3),  # 4 + eight 3s = 4 + 24
    27: (3, 3, 3, 3, 3, 3, 3, 3, 3),
    24: (3, 3, 3, 3, 3, 3, 2, 2, 2),  # six 3s + three 2s = 18 + 6
    23: (3, 3, 3, 3, 3, 2, 2, 2, 2),  # five 3s + four 2s = 15 + 8
}
assert all(sum(p) == total for total, p in PATTERN.items())


def crowd(**counts: int) -> list[tuple]:
    """crowd(t32=1979, t31=521): 1979 respondents answering PATTERN[32], 521 PATTERN[31]."""
    return [PATTERN[int(k[1:])] for k, n in counts.items() for _ in range(n)]


def test_all_fours_is_100_and_a():
    # NRR_i = 4 for every i; IKM = 9 × 4 × 1/9 = 4 (exactly, with the weight 1/9; 9 × 4 ×
    # 0.111 would give 3.996); converted = 4 × 25 = 100.00 → A.
    result = reports.ikm([(4,) * 9, (4,) * 9, (4,) * 9])
    assert result.elements == (4.0,) * 9
    assert result.index == 4.0 and result.index_exact == 4
    assert result.converted == 100.00 and result.converted_text == "100.00"
    assert result.grade == "A" and str(result.grade_label) == "Very good"
    assert result.respondents == 3


def test_all_ones_is_25_and_d():
    # NRR_i = 1; IKM = 9 × 1 / 9 = 1; converted = 25.00 → D.
    result = reports.ikm([(1,) * 9])
    assert result.index == 1.0 and result.converted == 25.00
    assert result.grade == "D" and str(result.grade_label) == "Not good"
    assert result.respondents == 1


def test_a_worked_example_element_by_element():
    responses = [
        (4, 3, 3, 4, 4, 3, 4, 3, 2),  # total 30
        (3, 3, 4, 4, 3, 3, 4, 2, 3),  # total 29
        (4, 3, 2, 4, 3, 4, 4, 3, 3),  # total 30
    ]
    # Element sums: 11, 9, 9, 12, 10, 10, 12, 8, 8 (Σ 89); NRR = sums / 3:
    # 3.6667, 3, 3, 4, 3.3333, 3.3333, 4, 2.6667, 2.6667.
    # IKM = (89/3) × 1/9 = 89/27 = 3.296296…; converted = 25 × 89/27 = 2225/27 = 82.4074… → 82.41.
    # 76.61 ≤ 82.41 ≤ 88.30 → B.
    result = reports.ikm(responses)
    assert result.elements_exact == tuple(Fraction(s, 3) for s in (11, 9, 9, 12, 10, 10, 12, 8, 8))
    assert result.elements[0] == pytest.approx(3.666667, abs=1e-6)
    assert result.index_exact == Fraction(89, 27)
    assert result.index == pytest.approx(3.296296, abs=1e-6)
    assert result.converted_exact == Fraction(2225, 27)
    assert result.converted == 82.41
    assert result.grade == "B" and str(result.grade_label) == "Good"
    # Each element's share NRR × 1/9 adds up to the index.
    assert result.weighted[3] == pytest.approx(4 / 9)
    assert sum(result.weighted) == pytest.approx(result.index)


def test_rating_rows_count_through_their_answers():
    # Two Rating rows (not stored): all 3s (total 27) and all 2s (total 18): S = 45, n = 2,
    # converted = 25 × 45 / 18 = 62.50 → D; NRR_i = (3 + 2) / 2 = 2.5.
    rows = [Rating(**{f"e{i}": 3 for i in range(1, 10)}),
            Rating(**{f"e{i}": 2 for i in range(1, 10)})]
    result = reports.ikm(rows)
    assert result.elements == (2.5,) * 9
    assert result.converted == 62.50 and result.grade == "D"
    # Any iterable will do, a generator included.
    assert reports.ikm(r for r in rows) == result


def test_half_up_rounding_of_an_exact_third_decimal_five():
    # n = 8, S = 189 (5 respondents all 3s = 135, 3 respondents total 18 = all 2s = 54):
    # converted = 25 × 189 / 72 = 4725/72 = 65.625 exactly. Half up → 65.63 (Python's round()
    # of the float would give 65.62: banker's rounding). Either way C.
    responses = [(3,) * 9] * 5 + [(2,) * 9] * 3
    result = reports.ikm(responses)
    assert result.converted_exact == Fraction(65625, 1000)
    assert result.converted == 65.63
    assert round(65.625, 2) == 65.62  # why we do not use round()
    assert result.grade == "C"


@pytest.mark.parametrize(
    "counts, exact, shown, grade",
    [
        # 88.31: S/n = 88.31 × 9/25 = 79479/2500 → n = 2500, S = 79479 = 2500 × 31 + 1979:
        # 1979 respondents total 32, 521 total 31 (1979 × 32 + 521 × 31 = 63328 + 16151).
        # converted = 25 × 79479 / 22500 = 88.31 exactly → A (its lowest value).
        ({"t32": 1979, "t31": 521}, Fraction(8831, 100), 88.31, "A"),
        # 88.305 (exactly): S/n = 88.305 × 9/25 = 158949/5000 → n = 5000, S = 158949 =
        # 5000 × 31 + 3949: 3949 total 32, 1051 total 31 (126368 + 32581). Shown 88.31 → A.
        ({"t32": 3949, "t31": 1051}, Fraction(88305, 1000), 88.31, "A"),
        # One answer less: S = 158948 → 25 × 158948 / 45000 = 88.30444… → 88.30 → B.
        ({"t32": 3948, "t31": 1052}, Fraction(25 * 158948, 45000), 88.30, "B"),
        # 88.30: S/n = 88.30 × 9/25 = 7947/250 → n = 250, S = 7947 = 250 × 31 + 197:
        # 197 total 32, 53 total 31 (6304 + 1643). → B (its highest value).
        ({"t32": 197, "t31": 53}, Fraction(8830, 100), 88.30, "B"),
        # 76.61: S/n = 76.61 × 9/25 = 68949/2500 → n = 2500, S = 68949 = 2500 × 27 + 1449:
        # 1449 total 28, 1051 total 27 (40572 + 28377). → B (lowest).
        ({"t28": 1449, "t27": 1051}, Fraction(7661, 100), 76.61, "B"),
        # 76.605 (exactly): S/n = 137889/5000 → 2889 total 28, 2111 total 27
        # (80892 + 56997 = 137889). Half up → 76.61 → B.
        ({"t28": 2889, "t27": 2111}, Fraction(76605, 1000), 76.61, "B"),
        # 76.60: S/n = 76.60 × 9/25 = 3447/125 → n = 125, S = 3447 = 125 × 27 + 72:
        # 72 total 28, 53 total 27 (2016 + 1431). → C (highest).
        ({"t28": 72, "t27": 53}, Fraction(7660, 100), 76.60, "C"),
        # 65.00: S/n = 65 × 9/25 = 117/5 → n = 5, S = 117 = 5 × 23 + 2: 2 total 24, 3 total 23
        # (48 + 69). → C (lowest).
        ({"t24": 2, "t23": 3}, Fraction(65), 65.00, "C"),
        # 64.995 (exactly): S/n = 116991/5000 → 1991 total 24, 3009 total 23
        # (47784 + 69207 = 116991). Half up → 65.00 → C.
        ({"t24": 1991, "t23": 3009}, Fraction(64995, 1000), 65.00, "C"),
        # 64.99: S/n = 64.99 × 9/25 = 58491/2500 → n = 2500, S = 58491 = 2500 × 23 + 991:
        # 991 total 24, 1509 total 23 (23784 + 34707). → D (highest).
        ({"t24": 991, "t23": 1509}, Fraction(6499, 100), 64.99, "D"),
    ],
)
def test_class_boundaries(counts, exact, shown, grade):
    responses = crowd(**counts)
    n = len(responses)
    total = sum(map(sum, responses))
    assert reports.ikm(responses).converted_exact == Fraction(25 * total, 9 * n) == exact
    result = reports.ikm(responses)
    assert result.converted == shown
    assert result.grade == grade
    assert result.respondents == n


def test_grade_of_covers_every_two_decimal_value():
    assert [reports.grade_of(h) for h in (10000, 8831, 8830, 7661, 7660, 6500, 6499, 2500)] == [
        "A", "A", "B", "B", "C", "C", "D", "D"]


def test_no_respondents_gives_no_index():
    result = reports.ikm([])
    assert result.respondents == 0
    assert result.index is None and result.converted is None and result.grade is None
    assert result.elements == (None,) * 9
    assert result.converted_text == ""


@pytest.mark.parametrize("bad", [
    (4,) * 8,  # eight answers
    (4,) * 10,  # ten
    (4, 4, 4, 4, 0, 4, 4, 4, 4),  # 0 is not on the scale
    (4, 4, 4, 4, 5, 4, 4, 4, 4),  # nor 5
    (4, 4, 4, 4, 3.5, 4, 4, 4, 4),  # nor a fraction
    (4, 4, 4, 4, "3", 4, 4, 4, 4),  # text is not a number
    (4, 4, 4, 4, None, 4, 4, 4, 4),  # an unanswered element
    (True,) * 9,  # booleans are not answers
    "444444444",  # nine characters are not nine answers
    4,  # not a sequence at all
])
def test_invalid_answers_are_refused(bad):
    with pytest.raises(ValueError):
        reports.ikm([(3,) * 9, bad])


# --- dashboard figures -----------------------------------------------------------------------

START, END = dt.date(2041, 10, 1), dt.date(2041, 11, 30)
TODAY = dt.date(2041, 11, 28)  # a Thursday
TZ = "Asia/Jakarta"


def utc(*args) -> dt.datetime:
    return dt.datetime(*args)


def _request(session, world, wf, state, *, created, complete=None, due=None, sent=None,
             issued=None, office=OFFICE_X):
    req_id = seed(session, world, wf, state, due=due or dt.date(2041, 12, 31))
    req = session.get(ActivityRequest, req_id)
    req.office_id = world.offices[office]
    req.created_at = created
    req.submitted_at = req.complete_at = complete
    req.sent_at = sent
    session.commit()
    if req.letter is not None:
        # Issued letters are frozen for the ORM (letters/document.py): restamp them in plain SQL.
        values = {"office_id": req.office_id, "sent_at": sent}
        if issued is not None:
            values["issued_at"] = issued
        session.execute(Letter.__table__.update()
                        .where(Letter.__table__.c.id == req.letter.id).values(**values))
        session.commit()
        session.expire_all()
    return req


def _rate(session, req, created, answers):
    session.add(Rating(request_id=req.id, office_id=req.office_id, created_at=created,
                       **{f"e{i}": a for i, a in enumerate(answers, start=1)}))
    session.commit()


@pytest.fixture(scope="module")
def made(app, world, wf):
    """The period's rows (see each comment for the local time and what it should count as)."""
    with app.app_context():
        s = app.appbuilder.session
        x = world.offices[OFFICE_X]
        before = {
            "overdue": {r.id for r in reports.overdue_requests(s, x, TODAY, TZ)},
            "complaints": reports.complaint_counts(s, x, TODAY),
        }
        def mk(*args, **kwargs):
            return _request(s, world, wf, *args, **kwargs)

        r = {}
        # Sent: A on time (sent Tue 15 Oct, due 12 Nov); complete Tue 1 Oct 10:00 WIB.
        r["A"] = mk("sent", created=utc(2041, 10, 1, 3), complete=utc(2041, 10, 1, 3),
                          due=dt.date(2041, 11, 12), sent=utc(2041, 10, 15, 2),
                          issued=utc(2041, 10, 14, 3))
        # B late (sent Wed 6 Nov, due Tue 5 Nov); closed since.
        r["B"] = mk("closed", created=utc(2041, 10, 7, 2), complete=utc(2041, 10, 7, 2),
                          due=dt.date(2041, 11, 5), sent=utc(2041, 11, 6, 3),
                          issued=utc(2041, 11, 5, 3))
        # C late by the local day: sent 19 Nov 17:30 UTC = Wed 20 Nov 00:30 WIB, due 19 Nov.
        r["C"] = mk("sent", created=utc(2041, 10, 10, 2), complete=utc(2041, 10, 10, 2),
                          due=dt.date(2041, 11, 19), sent=utc(2041, 11, 19, 17, 30),
                          issued=utc(2041, 11, 19, 3))
        # D on time on its due date: sent 31 Oct 16:59 UTC = Thu 31 Oct 23:59 WIB, due 31 Oct.
        # Issued 31 Oct 16:30 UTC = 23:30 WIB: October.
        r["D"] = mk("sent", created=utc(2041, 10, 14, 2), complete=utc(2041, 10, 14, 2),
                          due=dt.date(2041, 10, 31), sent=utc(2041, 10, 31, 16, 59),
                          issued=utc(2041, 10, 31, 16, 30))
        # E overdue: in review, due Wed 20 Nov; recorded 31 Oct 17:30 UTC = 1 Nov 00:30 WIB.
        r["E"] = mk("in_review", created=utc(2041, 10, 31, 17, 30),
                          complete=utc(2041, 10, 31, 17, 30), due=dt.date(2041, 11, 20))
        # F past due but paused (revision requested): not overdue. Recorded 31 Oct 23:30 WIB.
        r["F"] = mk("revision_requested", created=utc(2041, 10, 31, 16, 30),
                          complete=utc(2041, 10, 31, 16, 30), due=dt.date(2041, 11, 1))
        # G issued, not sent, due Mon 25 Nov: overdue. Issued 21 Nov 17:30 UTC = 22 Nov WIB.
        r["G"] = mk("issued", created=utc(2041, 11, 4, 2), complete=utc(2041, 11, 4, 2),
                          due=dt.date(2041, 11, 25), issued=utc(2041, 11, 21, 17, 30))
        # H due today: not overdue yet.
        r["H"] = mk("submitted", created=utc(2041, 11, 5, 2), complete=utc(2041, 11, 5, 2),
                          due=TODAY)
        # I a draft (never recorded complete), created 10 Nov.
        r["I"] = mk("draft", created=utc(2041, 11, 10, 3))
        # J withdrawn, recorded 21 Oct.
        r["J"] = mk("withdrawn", created=utc(2041, 10, 21, 2), complete=utc(2041, 10, 21, 2),
                          due=dt.date(2041, 11, 1))
        # K created and recorded 30 Sep 16:30 UTC = 30 Sep 23:30 WIB: before the period.
        r["K"] = mk("submitted", created=utc(2041, 9, 30, 16, 30),
                          complete=utc(2041, 9, 30, 16, 30))
        # L created and recorded 30 Sep 17:30 UTC = 1 Oct 00:30 WIB: in the period.
        r["L"] = mk("submitted", created=utc(2041, 9, 30, 17, 30),
                          complete=utc(2041, 9, 30, 17, 30))
        # M in office Y, in the period: only the all-offices figures see it.
        r["M"] = mk("sent", created=utc(2041, 10, 2, 2), complete=utc(2041, 10, 2, 2),
                          due=dt.date(2041, 11, 12), sent=utc(2041, 10, 3, 2),
                          issued=utc(2041, 10, 3, 1), office=OFFICE_Y)

        # Ratings. In the period: A (all 4s, total 36), B (all 3s, 27), C (total 30) and D
        # (given 30 Sep 17:30 UTC = 1 Oct 00:30 WIB, total 27). E's (30 Sep 23:30 WIB) is out.
        _rate(s, r["A"], utc(2041, 10, 16, 3), (4, 4, 4, 4, 4, 4, 4, 4, 4))
        _rate(s, r["B"], utc(2041, 11, 7, 3), (3, 3, 3, 3, 3, 3, 3, 3, 3))
        _rate(s, r["C"], utc(2041, 11, 21, 3), (4, 3, 2, 4, 3, 4, 4, 3, 3))
        _rate(s, r["D"], utc(2041, 9, 30, 17, 30), (2, 3, 3, 4, 3, 3, 4, 2, 3))
        _rate(s, r["E"], utc(2041, 9, 30, 16, 30), (1, 1, 1, 1, 1, 1, 1, 1, 1))
        _rate(s, r["M"], utc(2041, 10, 4, 3), (1, 1, 1, 1, 1, 1, 1, 1, 1))

        # Complaints of office X: two open (one past its due date), one open without a due
        # date, one answered (not open).
        for n, (state, due) in enumerate((("received", dt.date(2041, 11, 27)),
                                          ("in_progress", TODAY),
                                          ("received", None),
                                          ("answered", dt.date(2041, 11, 1)))):
            s.add(Complaint(tracking_code=f"ADU-RPT{n}", office_id=x, subject="Lambat",
                            text="Lama sekali", state=state, due_date=due))
        s.commit()
        return {"before": before, "ids": {k: v.id for k, v in r.items()},
                "codes": {k: v.tracking_code for k, v in r.items()}}


def dashboard_of(app, world, office_code):
    with app.app_context():
        office_id = None if office_code is None else world.offices[office_code]
        return reports.dashboard(app.appbuilder.session, office_id, START, END, today=TODAY, tz=TZ)


def test_requests_by_state(app, world, made):
    # Created in the period (local days): A C D sent; B closed; E in review; F revision; G
    # issued; H L submitted; I draft; J withdrawn. K (30 Sep 23:30 WIB) is not; M is office Y.
    figures = dashboard_of(app, world, OFFICE_X)
    assert figures.by_state == {
        "draft": 1, "submitted": 2, "in_review": 1, "revision_requested": 1, "verified": 0,
        "letter_drafted": 0, "letter_initialled": 0, "issued": 1, "sent": 3, "closed": 1,
        "withdrawn": 1,
    }
    assert figures.requests == 11


def test_received_and_issued_per_month_in_local_time(app, world, made):
    figures = dashboard_of(app, world, OFFICE_X)
    # Received (first recorded complete), WIB days: October A(1) B(7) C(10) D(14) J(21)
    # F(31, 23:30) L(1, 00:30) = 7; November E(1, 00:30) G(4) H(5) = 3. I never; K September.
    # Issued: October A(14) D(31, 23:30) = 2; November B(5) C(19) G(22, 00:30) = 3.
    assert [(m.month, m.received, m.issued) for m in figures.months] == [
        (dt.date(2041, 10, 1), 7, 2),
        (dt.date(2041, 11, 1), 3, 3),
    ]
    assert (figures.received, figures.issued) == (10, 5)


def test_sent_on_time_and_median_working_days(app, world, made):
    figures = dashboard_of(app, world, OFFICE_X)
    # A on time (15 Oct ≤ 12 Nov), D on time (31 Oct ≤ 31 Oct), B late (6 Nov > 5 Nov),
    # C late (20 Nov WIB > 19 Nov; in UTC it would have looked on time).
    assert (figures.sent, figures.sent_on_time, figures.sent_late) == (4, 2, 2)
    assert figures.on_time_share == 0.5
    # Working days after the day recorded complete up to the day sent (Mon–Fri; no holiday
    # falls in 1 Oct – 20 Nov 2041):
    # A Tue 1 Oct → Tue 15 Oct: 2–4 Oct (3) + 7–11 (5) + 14–15 (2) = 10
    # D Mon 14 Oct → Thu 31 Oct: 15–18 (4) + 21–25 (5) + 28–31 (4) = 13
    # B Mon 7 Oct → Wed 6 Nov: 8–11 Oct (4) + 5 + 5 + 28–31 (4) + 1 Nov (1) + 4–6 Nov (3) = 22
    # C Thu 10 Oct → Wed 20 Nov: 11 Oct (1) + 5 + 5 + 4 + 1 Nov (1) + 5 + 5 + 18–20 (3) = 29
    # Median of 10, 13, 22, 29 = (13 + 22) / 2 = 17.5
    assert figures.working_days == [10, 13, 22, 29]
    assert figures.median_working_days == 17.5


def overdue_of(app, world, office_code):
    """Every overdue request of the office (the dashboard lists the oldest OVERDUE_SHOWN)."""
    with app.app_context():
        return reports.overdue_requests(app.appbuilder.session, world.offices[office_code],
                                        TODAY, TZ)


def test_overdue_list(app, world, made):
    overdue = overdue_of(app, world, OFFICE_X)
    ids = made["ids"]
    new = {r.id: r for r in overdue if r.id not in made["before"]["overdue"]}
    # E due Wed 20 Nov: 21–22 Nov (2) + 25–28 Nov (4) = 6 working days overdue on Thu 28 Nov.
    # G due Mon 25 Nov: 26–28 Nov = 3. F is paused, H is due today, the sent ones stopped.
    assert set(new) == {ids["E"], ids["G"]}
    assert new[ids["E"]].working_days_overdue == 6
    assert new[ids["G"]].working_days_overdue == 3
    assert new[ids["E"]].state == "in_review" and new[ids["G"]].office_code == OFFICE_X
    dues = [r.due_date for r in overdue]
    assert dues == sorted(dues)  # the oldest promise first
    # Office Y's list never holds office X's requests.
    assert not {ids["E"], ids["G"]} & {r.id for r in overdue_of(app, world, OFFICE_Y)}


def test_the_dashboard_shows_the_oldest_overdue_and_counts_them_all(app, world, made,
                                                                   monkeypatch):
    """A busy office may hold thousands: the dashboard lists the oldest promises broken and
    says how many there are (the Overdue requests screen pages them all)."""
    every = overdue_of(app, world, OFFICE_X)
    assert len(every) >= 2
    figures = dashboard_of(app, world, OFFICE_X)
    assert figures.overdue == every[:reports.OVERDUE_SHOWN]
    assert figures.overdue_total == len(every)
    monkeypatch.setattr(reports, "OVERDUE_SHOWN", 1)
    figures = dashboard_of(app, world, OFFICE_X)
    assert figures.overdue == every[:1] and figures.overdue_total == len(every)
    assert dashboard_of(app, world, OFFICE_Y).overdue_total == len(
        overdue_of(app, world, OFFICE_Y))


def test_ikm_of_the_period(app, world, made):
    figures = dashboard_of(app, world, OFFICE_X)
    # A 4 4 4 4 4 4 4 4 4 | B 3 … 3 | C 4 3 2 4 3 4 4 3 3 | D 2 3 3 4 3 3 4 2 3
    # Element sums 13 13 12 15 13 14 15 12 13 (Σ 120); n = 4; Σ NRR = 30;
    # IKM = 30/9 = 3.3333; converted = 750/9 = 83.333… → 83.33 → B.
    ikm = figures.ikm
    assert ikm.respondents == 4
    assert ikm.elements == (3.25, 3.25, 3.0, 3.75, 3.25, 3.5, 3.75, 3.0, 3.25)
    assert ikm.index_exact == Fraction(10, 3)
    assert ikm.converted == 83.33 and ikm.grade == "B"


def test_open_and_overdue_complaints(app, world, made):
    figures = dashboard_of(app, world, OFFICE_X)
    open_before, overdue_before = made["before"]["complaints"]
    # +3 open (received, in progress, received without a due date); +1 past due (27 Nov).
    assert figures.complaints_open == open_before + 3
    assert figures.complaints_overdue == overdue_before + 1


def test_another_office_and_all_offices(app, world, made):
    y = dashboard_of(app, world, OFFICE_Y)
    # Office Y: only M (sent on time 3 Oct, 1 working day after Wed 2 Oct) and its rating.
    assert y.requests == 1 and y.by_state["sent"] == 1
    assert (y.received, y.issued, y.sent, y.sent_on_time) == (1, 1, 1, 1)
    assert y.median_working_days == 1.0
    assert y.ikm.respondents == 1 and y.ikm.converted == 25.00
    every = dashboard_of(app, world, None)
    assert every.requests == 12 and (every.received, every.issued) == (11, 6)
    assert every.ikm.respondents == 5
    # S = 120 + 9 = 129, n = 5: converted = 25 × 129 / 45 = 71.666… → 71.67 → C.
    assert every.ikm.converted == 71.67 and every.ikm.grade == "C"


def test_an_empty_period(app, world, made):
    with app.app_context():
        figures = reports.dashboard(app.appbuilder.session, world.offices[OFFICE_X],
                                    dt.date(2043, 2, 1), dt.date(2043, 2, 28), today=TODAY, tz=TZ)
    assert figures.requests == 0 and figures.sent == 0
    assert figures.on_time_share is None and figures.median_working_days is None
    assert figures.ikm.respondents == 0 and figures.ikm.index is None
    months = [(m.month, m.received, m.issued) for m in figures.months]
    assert months == [(dt.date(2043, 2, 1), 0, 0)]


def test_a_period_must_not_end_before_it_starts(app):
    with pytest.raises(ValueError):
        reports.period_bounds(dt.date(2041, 2, 1), dt.date(2041, 1, 31), TZ)
    # The local day begins at 17:00 UTC the day before in WIB.
    assert reports.period_bounds(dt.date(2041, 10, 1), dt.date(2041, 10, 31), TZ) == (
        dt.datetime(2041, 9, 30, 17), dt.datetime(2041, 10, 31, 17))


def test_the_register_rows(app, world, made):
    with app.app_context():
        rows = reports.request_register(app.appbuilder.session, world.offices[OFFICE_X],
                                        START, END, tz=TZ)
    codes = made["codes"]
    # Received in the period, in the order recorded: L (1 Oct 00:30 WIB) before A (10:00).
    order = [r.tracking_code for r in rows]
    assert order == [codes[k] for k in ("L", "A", "B", "C", "D", "J", "F", "E", "G", "H")]
    by_code = {r.tracking_code: r for r in rows}
    c = by_code[codes["C"]]
    assert (c.submitted, c.due_date, c.sent, c.on_time) == (
        dt.date(2041, 10, 10), dt.date(2041, 11, 19), dt.date(2041, 11, 20), False)
    assert c.letter_number and c.letter_number.startswith("B-")
    assert by_code[codes["D"]].on_time is True
    assert by_code[codes["E"]].on_time is None and by_code[codes["E"]].letter_number is None
