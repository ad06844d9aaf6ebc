"""A reader's visits, each once with the mouse and once by keyboard alone."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def card_tags(page):
    """The tag names shown on each post card of a list."""
    return [
        set(card.locator(".tags a").all_inner_texts())
        for card in page.locator("article.card").all()
    ]


def test_a_reader_finds_narrows_follows_a_series_and_searches(visitor):
    page = visitor.page
    page.goto("/")
    first_post = page.locator("article.card h3 a").first
    title = first_post.inner_text()
    visitor.follow(first_post)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # Narrow the blog list by two tags, one link at a time.
    page.goto("/blog/")
    narrowing = page.get_by_role("navigation", name="Narrow by tag").get_by_role("link")
    first_tag = narrowing.first.inner_text()
    visitor.follow(narrowing.first)
    expect(page).to_have_url(re.compile(r"tag="))
    second_tag = narrowing.first.inner_text()
    visitor.follow(narrowing.first)
    page.wait_for_url(re.compile(r"tag=.+&tag=|tag=.+tag="))  # loaded, not only addressed
    shown = card_tags(page)
    assert shown, "the narrowed list is not empty"
    assert all({first_tag, second_tag} <= tags for tags in shown), shown
    expect(page.locator('input[name="tag"][type="checkbox"]:checked')).to_have_count(2)

    # Walk a series forwards with "Next", then back with "Previous".
    page.goto("/blog/series/")
    visitor.follow(page.locator("main h2 a, main h3 a").first)
    visitor.follow(page.locator("main ol li a").first)
    box = page.locator(".series-box")
    # The series is named once, in the kicker above the title, with the part's place.
    kicker = page.locator("main .kicker").first
    expect(kicker).to_contain_text("Part 1 of")
    total = int(re.search(r"of\s+(\d+)", kicker.inner_text(), re.I)[1])  # shown in capitals
    page.wait_for_load_state()  # the series box ends the page: every part is listed
    parts = box.locator("ol li").evaluate_all("items => items.map(item => item.value)")
    for part in parts[1:]:
        visitor.follow(box.get_by_role("link", name=re.compile("^Next:")))
        expect(kicker).to_contain_text(f"Part {part} of {total}")
    expect(box.get_by_role("link", name=re.compile("^Next:"))).to_have_count(0)
    visitor.follow(box.get_by_role("link", name=re.compile("Previous:")))
    expect(kicker).to_contain_text(f"Part {parts[-2]} of {total}")

    # Search for a word from the post and see it highlighted.
    search_box = page.get_by_role("searchbox", name="Search the site")
    visitor.type_into(search_box, "averaging")
    visitor.submit(page.get_by_role("banner").get_by_role("button", name="Search"))
    expect(page).to_have_url(re.compile(r"/search/\?q=averaging"))
    expect(page.locator("main mark").first).to_have_text(re.compile("averag", re.I))


def test_a_reader_uses_the_policy_map_and_prints_a_post(visitor):
    page = visitor.page
    page.goto("/policy/")
    year = page.get_by_label("Show the map as of")
    visitor.choose(year, "2010")
    visitor.follow(page.get_by_role("button", name="Show"))
    expect(page).to_have_url(re.compile(r"map_year=2010"))
    expect(page.locator(".state-map svg")).to_have_attribute("aria-label", re.compile("2010"))

    # The link also holds New Hampshire's call-out, off the coast: a mouse reader clicks the
    # state's own shape.
    new_hampshire = page.get_by_role("link", name=re.compile("^New Hampshire:")).first
    visitor.follow(new_hampshire if visitor.keyboard else new_hampshire.locator("use"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("New Hampshire")

    page.goto("/policy/")
    with page.expect_download() as download:
        visitor.follow(page.get_by_role("link", name="CSV", exact=True))
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {"state", "title"} <= {key.lower() for key in rows[0]}

    page.goto("/blog/")
    visitor.follow(page.locator("article.card h3 a").first)
    title = page.get_by_role("heading", level=1).inner_text()
    visitor.follow(page.get_by_role("link", name="Print", exact=True))
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".prose")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.emulate_media(media="screen")
