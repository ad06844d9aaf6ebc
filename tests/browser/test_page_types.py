"""Every public page type in Chromium: accessible, error-free, usable on a phone, light."""

import re
import urllib.request

import pytest

from tests.browser.accessibility import axe_problems
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

LIST_PAGE_BUDGET = 100 * 1024  # HTML + CSS + JS of a list page, before images


def first_link(html, pattern):
    found = re.search(rf'href="({pattern})"', html)
    assert found, f"no link matching {pattern}"
    return found[1]


@pytest.fixture(scope="session")
def page_types(site):
    """One address of each public page type, found by following links as a reader would."""

    def read(path):
        return urllib.request.urlopen(site.url + path, timeout=10).read().decode()

    home, series, wiki, pages, policy = map(
        read, ["/", "/blog/series/", "/library/", "/library/guides/", "/policy/"]
    )
    series_url = first_link(series, r"/blog/series/[\w-]+/")
    post = first_link(read(series_url), r"/blog/\d{4}/\d\d/\d\d/[\w-]+/")
    return {
        "home": "/",
        "blog list": "/blog/",
        "post": post,
        "print view": post + "print/",
        "section": first_link(home, r"/blog/section/[\w-]+/"),
        "author": first_link(home, r"/blog/author/[\w-]+/"),
        "year archive": post[:11],
        "month archive": post[:14],
        "series index": "/blog/series/",
        "series": series_url,
        "search": "/search/?q=grading",
        "site tags": "/blog/tags/",
        "site tag": first_link(home, r"/blog/tag/[\w%-]+/"),
        "resource library": "/library/",
        "resource": first_link(wiki, r"/library/resources/[\w-]+/"),
        "topics": "/library/topics/",
        "topic": first_link(wiki, r"/library/topics/[\w-]+/"),
        "wiki pages": "/library/guides/",
        "wiki page": first_link(pages, r"/library/guides/[\w-]+/"),
        "wiki history": first_link(pages, r"/library/guides/[\w-]+/") + "history/",
        "policy map": "/policy/",
        "state": "/policy/states/nh/",
        "policy entry": first_link(policy, r"/policy/entries/[\w-]+/"),
        "not found": "/no-such-page/",
    }


PAGE_TYPES = [
    "home", "blog list", "post", "print view", "section", "author",
    "year archive", "month archive", "series index", "series", "search",
    "site tags", "site tag", "resource library", "resource", "topics", "topic",
    "wiki pages", "wiki page", "wiki history", "policy map", "state", "policy entry",
    "not found",
]  # fmt: skip


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_each_page_type_is_accessible_and_fits_a_phone(
    page, context, page_types, page_type, screenshots
):
    path = page_types[page_type]
    response = page.goto(path)
    if page_type == "not found":
        assert response.status == 404
        # Chromium logs the 404 of the page itself; that one is expected.
        context.problems[:] = [p for p in context.problems if "404" not in p]
    else:
        assert response.status == 200, path
    assert page.locator("h1").count() == 1, "one main heading"
    assert axe_problems(page) == [], path
    name = page_type.replace(" ", "-")
    page.screenshot(path=screenshots / f"{name}-desktop.png", full_page=True)

    page.set_viewport_size(PHONE)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], f"{path} is {overflow}px wide on a 375px phone"
    page.screenshot(path=screenshots / f"{name}-phone.png", full_page=True)


@pytest.mark.parametrize("path", ["/blog/", "/library/", "/policy/"])
def test_list_pages_weigh_under_100_kb_before_images(page, path):
    sizes = {}

    def record(response):
        kind = response.request.resource_type
        if kind in ("document", "stylesheet", "script") and response.status == 200:
            sizes[response.url] = len(response.body())  # decoded: the bytes parsed

    page.on("response", record)
    page.goto(path)
    page.wait_for_load_state("networkidle")
    total = sum(sizes.values())
    assert sizes, "nothing loaded"
    assert total < LIST_PAGE_BUDGET, f"{total} bytes: {sizes}"
