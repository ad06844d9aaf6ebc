"""An editor collects links through the month and composes the "What's New" roundup.

Offline, the site's own pages stand in for the web: one link's title is read from the
site's Idaho page; the other address answers 404, so the editor types its title. The
collect form, the list of links and the composed draft fit 1280 px and pass axe."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_editor_journey import check_screen, log_in

pytestmark = pytest.mark.browser

# Each way of working collects its own links, so each run composes its own roundup.
RUNS = {
    False: ("Idaho counts mastery, not minutes.", "A Field Guide to Student-Centered Rubrics"),
    True: ("Idaho keeps moving past seat time.", "Rubrics Students Help Write"),
}


def test_an_editor_collects_links_and_composes_the_roundup(visitor, base_url, screenshots):
    page = visitor.page
    note, typed_title = RUNS[visitor.keyboard]
    way = "keyboard" if visitor.keyboard else "mouse"
    log_in(visitor)

    page.goto("/admin/roundups/collectedlink/")
    visitor.follow(page.get_by_role("link", name="Collect a link"))
    expect(page.get_by_role("heading", name="Collect a link")).to_be_visible()

    # A page that answers: its title is read on save.
    visitor.type_into(page.get_by_label("Address:"), f"{base_url}/policy/states/id/")
    visitor.type_into(page.get_by_label("Note:"), note)
    visitor.choose(page.get_by_label("Heading:"), "Movement in the States")
    visitor.choose(page.get_by_label("State:"), "Idaho")
    visitor.follow(page.get_by_role("button", name="Collect"))
    expect(page.locator(".messagelist")).to_contain_text("Collected")
    expect(page.locator(".messagelist")).to_contain_text("under Movement in the States")
    expect(page.get_by_label("Address:")).to_have_value("")  # ready for the next link

    # A page that cannot be read: the form stays, with a clear reason, and nothing is lost.
    missing = f"{base_url}/library/no-such-guide-{way}/"
    visitor.type_into(page.get_by_label("Address:"), missing)
    visitor.type_into(page.get_by_label("Note:"), "Rubrics written with students.")
    visitor.choose(page.get_by_label("Heading:"), "Helpful Resources")
    visitor.tick(page.get_by_label("Save as library resource"))
    visitor.follow(page.get_by_role("button", name="Collect"))
    error = page.locator(".field-title .errorlist")
    expect(error).to_contain_text("the page answered HTTP 404")
    expect(error).to_contain_text("Type the title and save again")
    expect(page.get_by_label("Address:")).to_have_value(missing)
    expect(page.get_by_label("Note:")).to_have_value("Rubrics written with students.")
    expect(page.get_by_label("Save as library resource")).to_be_checked()
    check_screen(page, screenshots / f"admin-roundup-collect-error-{way}.png")

    visitor.type_into(page.get_by_label("Title:"), typed_title)
    visitor.follow(page.get_by_role("button", name="Collect"))
    expect(page.locator(".messagelist")).to_contain_text(typed_title)

    waiting = page.locator(".collected-links")
    expect(waiting.get_by_role("link", name=typed_title)).to_be_visible()
    expect(waiting.get_by_role("link", name=re.compile("Idaho"))).to_have_count(1)
    check_screen(page, screenshots / f"admin-roundup-collect-{way}.png")

    page.goto("/admin/roundups/collectedlink/?used=no")
    expect(page.locator("#result_list")).to_contain_text(typed_title)
    check_screen(page, screenshots / f"admin-roundup-links-{way}.png")
    compose = page.get_by_role("button", name=re.compile(r"^Compose \w+’s roundup$"))
    visitor.follow(compose)

    # The draft post, ready to edit: numbered links under the headings, states linked.
    messages = page.locator(".messagelist")
    expect(messages).to_contain_text("Composed the draft")
    expect(messages).to_contain_text("Added to the library: 1 draft resource.")
    expect(page.get_by_label("Title:")).to_have_value(
        re.compile(r"^What’s New in Competency Education – \w+ \d{4}$")
    )
    body = page.locator(".field-body .ProseMirror")
    expect(body.get_by_role("heading", name="Movement in the States")).to_be_visible()
    expect(body.get_by_role("heading", name="Helpful Resources")).to_be_visible()
    expect(body.locator("ol li")).to_have_count(2)
    expect(body.locator("li", has_text=note).locator('a[href="/policy/states/id/"]')).to_have_count(
        1
    )
    expect(body.get_by_role("link", name=typed_title)).to_have_attribute("href", missing)
    expect(page.locator(".field-publication_status")).to_contain_text("draft")
    check_screen(page, screenshots / f"admin-roundup-draft-{way}.png")
