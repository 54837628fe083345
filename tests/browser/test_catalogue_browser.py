"""The catalogue walked by a visitor in headless Chromium, without logging in: a search by
words, the sector chosen in its list (the label shown, the code sent), an activity's metadata
page opened from the results, and its DDI codebook and JSON links answering.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/catalogue when set, else into the
test's temporary folder.
"""
from __future__ import annotations

import random
import re
import string
from pathlib import Path

import pytest

from app import models as m
from browser.people import PHONE, STAFF, Person, shots_folder

from conftest import seed

pytestmark = pytest.mark.browser

TAG = "jelajah" + "".join(random.choices(string.ascii_lowercase, k=6))
YEAR = 2192  # a year no other test uses
# Text the visitor must never see: people and contacts of the request, codes for labels.
PRIVATE = ("Siti Rahmawati", "siti@pertanian.test", "Jl. Yos Sudarso", "RKS-",
           "0812-4444-0001", "Variabel Rahasia", "agriculture_fisheries", "international_trade")


@pytest.fixture(scope="module")
def walk_rows(app, world, wf):
    """Two recommended activities of different sectors, the first with variables."""
    ids = {}
    with app.app_context():
        session = app.appbuilder.session
        for key, state, sector, title in (
            ("fish", "sent", "agriculture_fisheries", f"Survei Tangkapan Ikan Sungai {TAG}"),
            ("trade", "issued", "international_trade", f"Survei Ekspor Kopi Robusta {TAG}"),
        ):
            pk = seed(session, world, wf, state)
            req = session.get(m.ActivityRequest, pk)
            req.title, req.year, req.sector = title, YEAR, sector
            req.agency_name = "Dinas Perikanan Kota Lubuklinggau"
            req.recommendation_code = f"REK-WALK-{key}-{TAG}"
            req.coverage, req.frequency = "whole", "quarterly"
            req.resp_phone = "0812-4444-0001"
            ids[key] = pk
        session.add_all([
            m.RequestVariable(request_id=ids["fish"], position=1, name="Berat tangkapan",
                              concept="Berat ikan yang ditangkap", unit="kilogram",
                              data_type="decimal", public=True),
            m.RequestVariable(request_id=ids["fish"], position=2, name="Variabel Rahasia",
                              public=False),
        ])
        session.commit()
        session.remove()
    return ids


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "catalogue")


class Visitor(Person):
    def check(self, path: Path) -> None:
        super().check(path)
        text = self.main_text()
        for private in PRIVATE:
            assert private not in text, f"{path}: the screen shows {private!r}"


@pytest.mark.parametrize("viewport", [STAFF, PHONE], ids=["desk", "phone"])
def test_a_visitor_searches_filters_by_sector_and_reads_the_metadata(
        browser, live_server, folder, walk_rows, viewport):
    who = "desk" if viewport is STAFF else "phone"
    visitor = Visitor(browser, live_server, folder, f"visitor-{who}", viewport)
    page = visitor.page
    try:
        visitor.goto("/catalogue/")
        options = page.locator("select#sector option")
        assert options.first.inner_text().strip() == "Semua sektor"
        assert options.count() == len(m.SECTORS) + 1
        visitor.shot("catalogue")

        page.fill("#q", TAG)
        with page.expect_navigation():
            page.locator("form.catalogue-search button[type=submit]").click()
        rows = page.locator("tr.catalogue-hit")
        assert rows.count() == 2
        sectors = sorted(page.locator("td.catalogue-sector").all_inner_texts())
        assert sectors == ["Perdagangan Internasional dan Neraca Perdagangan",
                           "Pertanian dan Perikanan"]
        visitor.shot("search")

        # The sector by its label: the page sends the code and keeps the choice.
        page.select_option("select#sector", label="Pertanian dan Perikanan")
        with page.expect_navigation():
            page.locator("form.catalogue-search button[type=submit]").click()
        assert "sector=agriculture_fisheries" in page.url
        assert rows.count() == 1
        assert page.locator("td.catalogue-sector").inner_text() == "Pertanian dan Perikanan"
        assert page.locator("select#sector").input_value() == "agriculture_fisheries"
        assert page.locator("#q").input_value() == TAG
        visitor.shot("sector")

        # The activity's page, from its title in the results.
        with page.expect_navigation():
            page.locator("tr.catalogue-hit a.catalogue-link").click()
        assert page.url.rstrip("/").endswith(f"/catalogue/{walk_rows['fish']}")
        assert page.locator("h1#activity-title").inner_text() == (
            f"Survei Tangkapan Ikan Sungai {TAG}")
        shown = {key: page.locator(f"#meta-{key}").inner_text().strip()
                 for key in ("year", "kind", "sector", "agency", "recommendation",
                             "coverage", "frequency")}
        assert shown == {"year": str(YEAR), "kind": "Survei",
                         "sector": "Pertanian dan Perikanan",
                         "agency": "Dinas Perikanan Kota Lubuklinggau",
                         "recommendation": f"REK-WALK-fish-{TAG}",
                         "coverage": "Seluruh wilayah Indonesia", "frequency": "Triwulanan"}
        cells = page.locator("tr.catalogue-variable td").all_inner_texts()
        assert [c.strip() for c in cells] == ["Berat tangkapan", "", "Berat ikan yang ditangkap",
                                             "", "kilogram", "Bilangan desimal"]
        visitor.shot("activity")

        # Its open data links answer without a login.
        ddi = page.request.get(live_server + page.locator("a#metadata-ddi").get_attribute("href"))
        assert ddi.status == 200 and ddi.headers["content-type"].startswith("application/xml")
        assert f"Survei Tangkapan Ikan Sungai {TAG}" in ddi.text()
        assert "Variabel Rahasia" not in ddi.text()
        data = page.request.get(
            live_server + page.locator("a#metadata-json").get_attribute("href")).json()
        assert data["result"]["sector_label"] == "Pertanian dan Perikanan"

        # Back to the catalogue; an id that is not in it reads as such, in Indonesian.
        with page.expect_navigation():
            page.locator("a#back-to-catalogue").click()
        assert re.search(r"/catalogue/?$", page.url)
        response = page.goto(f"{live_server}/catalogue/{2**31 - 1}")
        assert response.status == 404
        assert "Kegiatan tidak ditemukan" in visitor.main_text()
        visitor.shot("not-found")
    finally:
        visitor.close()
