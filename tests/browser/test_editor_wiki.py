"""An editor rewrites a guide in the admin: the preview follows the typing, "[[" offers the
titles of other guides, and after saving, both histories show the words that changed."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import axe_problems
from tests.browser.conftest import DESKTOP, hold_the_first
from tests.browser.test_editor_journey import log_in
from tests.browser.visitor import Visitor

pytestmark = pytest.mark.browser

ADDED = " Some states also credit work-based learning; see [[Perf"


def test_an_editor_previews_links_and_compares_a_guide(page, browser, base_url, screenshots):
    log_in(Visitor(page, keyboard=False))
    page.goto("/admin/wiki/page/")
    page.locator("#result_list").get_by_role("link", name="Seat time", exact=True).click()
    body = page.get_by_label("Body:")
    preview = page.locator(".wiki-preview-body")
    # The preview shows the saved text as readers see it, links resolved.
    expect(preview.locator("strong")).to_have_text("Seat time")
    expect(preview.get_by_role("link", name="credit for demonstrated learning")).to_be_visible()

    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(ADDED)
    expect(preview).to_contain_text("Some states also credit work-based learning; see [[Perf")
    listbox = page.get_by_role("listbox", name="Guides to link to")
    option = listbox.get_by_role("option", name="Performance task")
    expect(option).to_have_attribute("aria-selected", "true")
    expect(body).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    page.screenshot(path=screenshots / "wiki-editor-suggestions-desktop.png", full_page=True)

    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    assert body.input_value().endswith("see [[Performance task]]")
    page.keyboard.type(".")
    # The preview of the text with the ".", not an earlier one still on its way.
    expect(page.locator(".wiki-preview")).to_have_attribute("data-state", "current")
    link = preview.get_by_role("link", name="Performance task")
    expect(link).to_have_attribute("href", re.compile(r"/performance-task/$"))
    assert page.evaluate("document.activeElement.name") == "body"  # typing went on in the box
    page.screenshot(path=screenshots / "wiki-editor-preview-desktop.png", full_page=True)
    assert axe_problems(page) == []

    page.get_by_role("button", name="Update").click()
    expect(page.locator(".messagelist")).to_contain_text("Published")

    # The admin's history: the newest version against the one before.
    page.goto(page.url.split("/change/")[0] + "/history/")
    page.get_by_role("button", name="Compare selected versions").click()
    changed = page.locator("tr.diff-changed")
    expect(changed).to_have_count(1)
    linked = ADDED.strip().replace("[[Perf", "[[Performance task]].")
    expect(changed.locator("ins")).to_have_text(f"added: {linked}")
    expect(page.locator("tr.diff-removed, tr.diff-added")).to_have_count(0)
    page.screenshot(path=screenshots / "wiki-admin-compare-desktop.png", full_page=True)
    assert axe_problems(page) == []

    # Readers' history of the published guide compares the same way.
    reader = browser.new_context(base_url=base_url, viewport=DESKTOP).new_page()
    reader.goto("/library/guides/")
    reader.locator("main").get_by_role("link", name="Seat time", exact=True).click()
    reader.get_by_role("link", name="History").click()
    reader.get_by_role("button", name="Compare selected versions").click()
    expect(reader.locator("tr.diff-changed ins")).to_have_text(changed.locator("ins").inner_text())
    reader.screenshot(path=screenshots / "wiki-public-compare-desktop.png", full_page=True)
    assert axe_problems(reader) == []
    reader.context.close()


def test_a_preview_still_on_its_way_gives_way_to_newer_text(page, context):
    """The older request is cancelled as the text changes, not when the next preview is
    sent: the page's clock is stopped, so the next one is never sent."""
    log_in(Visitor(page, keyboard=False))
    page.goto("/admin/wiki/page/")
    page.locator("#result_list").get_by_role("link", name="Seat time", exact=True).click()
    expect(page.locator(".wiki-preview-body strong")).to_have_text("Seat time")
    hold_the_first(context, "**/wiki/page/preview/**")  # the first preview, never answered
    page.clock.install()
    page.clock.pause_at(datetime.now() + timedelta(minutes=1))
    page.get_by_label("Body:").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" First thought.")
    with page.expect_request("**/wiki/page/preview/**"):
        page.clock.run_for(1000)  # past the typing pause that sends a preview
    expect(page.locator(".wiki-preview")).to_have_attribute("data-state", "pending")
    with page.expect_event("requestfailed") as cancelled:
        page.keyboard.type(" Second thought.")
    assert "/preview/" in cancelled.value.url
    expect(page.locator(".wiki-preview")).to_have_attribute("data-state", "pending")
