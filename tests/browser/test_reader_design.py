"""The reader's design in Chromium: phone filters, long titles, the phone map, the lead story,
the PDF download, and the weight of a list page with its fonts."""

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import axe_problems
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

LIST_PAGE_BUDGET = 100 * 1024  # HTML + CSS + JS + fonts of a list page, before images
LONG_TITLE = "Competency-Based, Student-Centered Learning in K-12"
# A click only starts the navigation; measuring before the post has loaded reads a blank page.
POST_URL = re.compile(r"/blog/\d{4}/\d\d/\d\d/[\w-]+/$")


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture(scope="session")
def reader_pages(site):
    """One address of each kind of page a reader meets, found by following links."""

    def read(path):
        try:
            return urllib.request.urlopen(site.url + path, timeout=10).read().decode()
        except urllib.error.HTTPError:
            return ""

    def link(html, pattern):
        found = re.search(rf'href="({pattern})"', html)
        assert found, f"no link matching {pattern}"
        return found[1]

    library = "/library/" if read("/library/") else "/wiki/"
    home, library_html, policy = map(read, ["/", library, "/policy/"])
    series = link(read("/blog/series/"), r"/blog/series/[\w-]+/")
    post = link(read(series), r"/blog/\d{4}/\d\d/\d\d/[\w-]+/")
    post_html = read(post)
    return {
        "home": "/",
        "blog": "/blog/",
        "blog-filtered": "/blog/?section=k-12&tag=grading&tag=assessment",
        "post": post,
        "print": post + "print/",
        "section": link(home, r"/blog/section/[\w-]+/"),
        "author": link(post_html, r"/blog/author/[\w-]+/"),
        "year": post[:11],
        "month": post[:14],
        "series-index": "/blog/series/",
        "series": series,
        "tags": "/blog/tags/",
        "tag": link(post_html, r"(?:/blog)?/tags?/[\w-]+/"),
        "search": "/search/?q=grading",
        "library": library,
        "resource": link(library_html, rf"{library}resources/[\w-]+/"),
        "policy": "/policy/",
        "state": "/policy/states/nh/",
        "entry": link(policy, r"/policy/entries/[\w-]+/"),
        "about": "/about/",
    }


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/blog/", "Section"),
        ("/library/", "Kind"),
        ("/policy/", "Kind"),
        ("/search/?q=grading", None),
    ],
)
def test_filters_fold_on_a_phone_and_open_with_one_tap(page, path, field, screenshots):
    page.set_viewport_size(PHONE)
    page.goto(path)
    fold = page.locator("details.filter-fold")
    summary = fold.locator("summary")
    assert summary.is_visible()
    assert re.fullmatch(r"Filters( \(\d+\))?", summary.inner_text().strip())
    assert not fold.locator(".filters, .facet-bar").first.is_visible(), "folded on a phone"
    summary.click()
    assert fold.locator(".filters, .facet-bar").first.is_visible()
    if field:
        assert page.get_by_label(field, exact=True).is_visible()
    assert page_width(page) <= PHONE["width"]
    name = path.strip("/").split("/")[0].split("?")[0] or "home"
    page.screenshot(path=screenshots / f"filters-open-{name}-phone.png", full_page=True)
    summary.click()
    assert not fold.locator(".filters, .facet-bar").first.is_visible()


def test_filters_show_open_on_a_wide_screen(page):
    page.set_viewport_size(DESKTOP)
    page.goto("/blog/")
    assert page.get_by_label("Section", exact=True).is_visible()


def test_search_facets_come_before_results_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/search/?q=grading")
    facets = page.locator("details.search-facets").bounding_box()
    first_result = page.locator(".result").first.bounding_box()
    assert facets["y"] < first_result["y"]


def test_chips_remove_one_filter_at_a_time(page):
    page.goto("/blog/?section=k-12&tag=grading")
    assert page.locator("summary").first.inner_text().strip() == "Filters (2)"
    page.get_by_role("link", name="Remove filter Tag: grading").click()
    expect(page).to_have_url(re.compile(r"/blog/\?section=k-12$"))
    expect(page.locator("a.chip")).to_have_count(1)
    expect(page.locator("summary").first).to_contain_text("Filters (1)")


@pytest.mark.parametrize("path", ["/", "/blog/", "/blog/section/k-12/", "/search/?q=competency"])
def test_long_titles_never_widen_a_phone_page(page, path, screenshots):
    page.set_viewport_size(PHONE)
    page.goto(path)
    if path != "/":
        assert page.get_by_text(LONG_TITLE).count() >= 1, "the long demo title is listed"
    assert page_width(page) <= PHONE["width"]


def test_long_title_post_fits_a_phone_and_keeps_k12_whole(page, screenshots):
    page.set_viewport_size(PHONE)
    page.goto("/blog/")
    page.get_by_role("link", name=re.compile(LONG_TITLE)).first.click()
    page.wait_for_url(POST_URL)
    assert page_width(page) <= PHONE["width"]
    k12 = page.locator("h1 .nowrap")
    assert k12.inner_text() == "K-12"
    box = k12.bounding_box()
    line_height = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('h1')).lineHeight)"
    )
    assert box["height"] < line_height * 1.5, "K-12 sits on one line"
    page.screenshot(path=screenshots / "long-title-post-phone.png", full_page=True)


def test_phone_map_is_a_grid_of_tappable_state_tiles(page, screenshots):
    page.set_viewport_size(PHONE)
    page.goto("/policy/")
    assert not page.locator(".state-map svg").is_visible()
    tiles = page.locator(".tile-map a")
    assert tiles.count() >= 51
    for code in ["RI", "DE", "VT", "DC"]:
        tile = page.locator(".tile-map a", has_text=re.compile(rf"^{code}$"))
        box = tile.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, f"{code} tile is big enough to tap"
    assert axe_problems(page) == []
    page.screenshot(path=screenshots / "policy-map-phone-tiles.png", full_page=True)
    page.locator(".tile-map a", has_text=re.compile(r"^NH$")).click()
    expect(page).to_have_url(re.compile(r"/policy/states/nh/$"))


def test_wide_map_labels_the_small_northeastern_states(page, screenshots):
    page.set_viewport_size(DESKTOP)
    page.goto("/policy/")
    assert page.locator(".state-map svg").is_visible()
    assert not page.locator(".tile-map").is_visible()
    callouts = page.locator(".state-map .callout-label")
    assert sorted(callouts.all_text_contents()) == sorted(
        ["VT", "NH", "MA", "RI", "CT", "NJ", "DE", "MD"]
    )
    page.screenshot(path=screenshots / "policy-map-desktop.png")


def test_policy_entries_become_cards_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/policy/")
    row = page.locator(".entries tbody tr").first
    display = "getComputedStyle(document.querySelector('.entries tbody tr')).display"
    assert page.evaluate(display) == "flex"
    assert row.bounding_box()["width"] <= PHONE["width"]
    assert page_width(page) <= PHONE["width"]


def test_home_leads_with_a_story_and_its_image(page, screenshots):
    page.goto("/")
    lead = page.locator(".lead-story")
    image = lead.locator("img")
    assert image.is_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) > 0
    assert lead.locator("h2 a").inner_text()
    assert page.locator(".card-image").count() >= 3
    page.screenshot(path=screenshots / "home-lead-desktop.png", full_page=True)


def test_post_pdf_downloads_with_its_slug(page, tmp_path):
    page.goto("/blog/")
    page.locator(".card-title a").first.click()
    page.wait_for_url(POST_URL)
    slug = page.url.rstrip("/").rsplit("/", 1)[-1]
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{slug}.pdf"
    saved = tmp_path / "post.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def test_print_view_offers_a_print_button_and_leaves_out_tags(page):
    page.goto("/blog/")
    page.locator(".card-title a").first.click()
    page.wait_for_url(POST_URL)
    page.goto(page.url + "print/")
    assert page.get_by_role("button", name="Print this post").is_visible()
    assert page.locator(".tags").count() == 0
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print this post").is_visible()


@pytest.mark.parametrize("path", ["/blog/", "/library/", "/policy/"])
def test_list_pages_with_fonts_weigh_under_100_kb_before_images(page, path):
    sizes = {}

    def record(response):
        kind = response.request.resource_type
        if kind in ("document", "stylesheet", "script", "font") and response.status == 200:
            sizes[response.url] = len(response.body())

    page.on("response", record)
    page.goto(path)
    fonts_settled(page)
    assert any(url.endswith(".woff2") for url in sizes), "the site's fonts load"
    total = sum(sizes.values())
    assert total < LIST_PAGE_BUDGET, f"{total} bytes: {sizes}"


@pytest.mark.parametrize(
    "kind",
    [
        "home", "blog", "blog-filtered", "post", "print", "section", "author", "year", "month",
        "series-index", "series", "tags", "tag", "search", "library", "resource", "policy",
        "state", "entry", "about",
    ],
)  # fmt: skip
def test_every_page_type_at_desktop_and_phone_widths(page, reader_pages, kind, screenshots):
    page.set_viewport_size(DESKTOP)
    response = page.goto(reader_pages[kind])
    assert response.status == 200, reader_pages[kind]
    assert axe_problems(page) == [], reader_pages[kind]
    page.screenshot(path=screenshots / f"reader-{kind}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page_width(page) <= PHONE["width"], reader_pages[kind]
    assert axe_problems(page) == [], reader_pages[kind]
    page.screenshot(path=screenshots / f"reader-{kind}-375.png", full_page=True)


def test_accented_letters_load_their_own_font_files_only_where_a_page_has_some(page):
    fonts = []
    page.on(
        "response",
        lambda response: (
            fonts.append(response.url) if response.request.resource_type == "font" else None
        ),
    )
    page.goto("/blog/")
    fonts_settled(page)
    assert fonts and not any("-accents." in url for url in fonts), fonts

    page.goto("/search/?q=Jos%C3%A9+N%C3%BA%C3%B1ez")
    expect(page.locator("main")).to_contain_text("José Núñez")
    fonts_settled(page)
    assert any("-accents." in url for url in fonts), fonts


def fonts_settled(page):
    """Wait until the fonts the page's text needs have arrived. Layout asks for them, so on a
    slow machine the network can sit idle for half a second before it has: laying the page
    out here starts them, and document.fonts.ready waits for them."""
    page.wait_for_load_state("load")
    page.evaluate("async () => { document.body.offsetHeight; await document.fonts.ready; }")
    page.wait_for_load_state("networkidle")
