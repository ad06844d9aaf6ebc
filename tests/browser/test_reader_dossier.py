"""A reader takes a state's dossier, and a series', away as a PDF: from the state or series
page to the printable dossier, then its PDF download; with the mouse and by keyboard."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.accessibility import axe_problems

pytestmark = pytest.mark.browser


def way(visitor):
    return "keyboard" if visitor.keyboard else "mouse"


def downloaded_pdf(visitor, link):
    with visitor.page.expect_download() as download:
        visitor.follow(link)
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return download.value.suggested_filename, " ".join(text.split())


def test_a_reader_downloads_a_state_dossier(visitor, screenshots):
    page = visitor.page
    page.goto("/policy/states/id/")
    visitor.follow(page.get_by_role("link", name="Dossier", exact=True))

    expect(page).to_have_url(re.compile(r"/policy/states/id/dossier/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Idaho")
    expect(page.get_by_text(re.compile(r"^Made on \d{1,2} \w+ \d{4}$"))).to_be_visible()
    contents = page.get_by_role("navigation", name="Contents")
    visitor.follow(contents.get_by_role("link", name="Stage history"))
    expect(page).to_have_url(re.compile(r"#stage-history$"))
    expect(page.get_by_role("heading", name="Stage history")).to_be_in_viewport()
    assert axe_problems(page) == []
    page.screenshot(path=screenshots / f"dossier-state-1280-{way(visitor)}.png", full_page=True)

    name, text = downloaded_pdf(visitor, page.get_by_role("link", name="Download PDF"))
    assert name == "idaho-policy-dossier.pdf"
    assert "Idaho" in text and "Move from seat time toward mastery-based education" in text


def test_a_reader_downloads_a_series_dossier(visitor, screenshots):
    page = visitor.page
    page.goto("/blog/series/")
    visitor.follow(page.locator("main h2 a, main h3 a").first)
    series = page.get_by_role("heading", level=1).inner_text()
    visitor.follow(page.get_by_role("link", name="Dossier", exact=True))

    expect(page.get_by_role("heading", level=1)).to_have_text(series)
    parts = page.locator("article.dossier-part")
    expect(parts.first.locator(".kicker")).to_have_text("Part 1")
    assert axe_problems(page) == []
    page.screenshot(path=screenshots / f"dossier-series-1280-{way(visitor)}.png")

    name, text = downloaded_pdf(visitor, page.get_by_role("link", name="Download PDF"))
    assert name.endswith("-series.pdf")
    assert series in text
