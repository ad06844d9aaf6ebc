"""An editor writes a post in the admin, schedules it, publishes it; readers then see it."""

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TITLE = "Portfolios That Travel With Students"


def featured_image(folder):
    path = folder / "portfolio-wall.png"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 675), (40, 110, 90)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def choose_series(page, title_start):
    """The series box is a select2 autocomplete fed by the admin's search view."""
    page.locator(".field-series .select2-selection").click()
    page.locator(".select2-search__field").fill(title_start)
    page.get_by_role("option", name=title_start, exact=False).first.click()


def test_an_editor_writes_schedules_then_publishes_a_post(editor_page, browser, base_url, tmp_path):
    page = editor_page
    page.goto("/admin/blog/post/add/")
    page.get_by_label("Title:").press_sequentially(TITLE)  # keystrokes fill in the slug
    expect(page.get_by_label("Slug:")).to_have_value("portfolios-that-travel-with-students")
    page.get_by_label("Section:").select_option(label="K-12")

    # The WYSIWYG editor: type, then make a phrase bold with its toolbar.
    body = page.locator('.field-body [contenteditable="true"]')
    body.click()
    page.keyboard.type("Each student keeps a portfolio of evidence that moves between schools. ")
    page.get_by_role("button", name="bold").click()
    page.keyboard.type("Teachers read it on the first day.")
    page.get_by_label("Tags:").fill("portfolios, student agency")

    page.get_by_label("Image:").set_input_files(featured_image(tmp_path))
    page.get_by_label("Image alt text:").fill("A classroom wall of student portfolios")
    choose_series(page, "Redesigning Grading")
    page.get_by_label("Series part:").fill("4")

    # Scheduled: published status with a time tomorrow.
    page.get_by_label("Status:").select_option("published")
    tomorrow = date.today() + timedelta(days=1)
    page.locator("#id_publish_at_0").fill(tomorrow.isoformat())
    page.locator("#id_publish_at_1").fill("09:00:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    row = page.locator("#result_list tr", has_text=TITLE)
    expect(row).to_contain_text("scheduled")

    reader = browser.new_context(base_url=base_url)
    reader_page = reader.new_page()
    reader_page.goto("/")
    expect(reader_page.get_by_role("link", name=TITLE)).to_have_count(0)

    # Publish now, with the changelist's bulk action.
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Publish selected items now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 item")
    expect(page.locator("#result_list tr", has_text=TITLE)).to_contain_text("published")

    reader_page.goto("/")
    reader_page.get_by_role("link", name=TITLE).first.click()
    expect(reader_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(reader_page.locator(".prose strong")).to_have_text("Teachers read it on the first day.")
    image = reader_page.get_by_role("img", name="A classroom wall of student portfolios")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the image loads"
    expect(reader_page.locator(".series-box")).to_contain_text("Part 4 of 4")
    reader.close()
