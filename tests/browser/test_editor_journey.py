"""An editor writes a post in the admin, schedules it, publishes it; readers then see it."""

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.site import EDITOR

pytestmark = pytest.mark.browser

# Each way of working writes its own post, as the next part of the demo series.
POSTS = {
    False: ("Portfolios That Travel With Students", 4),
    True: ("Portfolios Teachers Read on the First Day", 5),
}


def featured_image(folder):
    path = folder / "portfolio-wall.png"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 675), (40, 110, 90)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def log_in(visitor):
    page = visitor.page
    username, password = EDITOR
    page.goto("/admin/login/?next=/admin/")
    visitor.type_into(page.get_by_label("Username"), username)
    visitor.type_into(page.get_by_label("Password"), password)
    visitor.follow(page.get_by_role("button", name="Log in"))
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_an_editor_writes_schedules_then_publishes_a_post(visitor, browser, base_url, tmp_path):
    page = visitor.page
    title, part = POSTS[visitor.keyboard]
    log_in(visitor)
    page.goto("/admin/blog/post/add/")
    visitor.type_into(page.get_by_label("Title:"), title)
    slug = re.sub(r"\W+", "-", title.lower())
    expect(page.get_by_label("Slug:")).to_have_value(slug)  # filled in while typing
    visitor.choose(page.get_by_label("Section:"), "K-12")

    # The WYSIWYG editor: type, then a bold phrase (toolbar button, or Ctrl+B).
    visitor.type_into(page.locator('.field-body [contenteditable="true"]'), "Evidence moves. ")
    if visitor.keyboard:
        page.keyboard.press("Control+b")
    else:
        page.get_by_role("button", name="bold").click()
    page.keyboard.type("Teachers read it on the first day.")
    visitor.type_into(page.get_by_label("Tags:"), "portfolios, student agency")

    visitor.upload(page.get_by_label("Image:"), featured_image(tmp_path))
    visitor.type_into(page.get_by_label("Image alt text:"), "A wall of student portfolios")
    visitor.autocomplete(
        page.locator(".field-series .select2-selection"),
        "Redesigning",
        page.get_by_role("option", name=re.compile("^Redesigning Grading")),
    )
    visitor.type_into(page.get_by_label("Series part:"), str(part))

    # Scheduled: published status with a time tomorrow.
    visitor.choose(page.get_by_label("Status:"), "Published")
    tomorrow = date.today() + timedelta(days=1)
    visitor.type_into(page.locator("#id_publish_at_0"), tomorrow.isoformat())
    visitor.type_into(page.locator("#id_publish_at_1"), "09:00:00")
    visitor.follow(page.get_by_role("button", name="Save", exact=True))
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    row = page.locator("#result_list tr", has_text=title)
    expect(row).to_contain_text("scheduled")

    reader = browser.new_context(base_url=base_url).new_page()
    reader.goto("/")
    expect(reader.get_by_role("link", name=title)).to_have_count(0)

    # Publish now, with the list's bulk action.
    visitor.tick(row.get_by_role("checkbox"))
    visitor.choose(page.get_by_label("Action:"), "Publish selected items now")
    visitor.follow(page.get_by_role("button", name="Go"))
    expect(page.locator(".messagelist")).to_contain_text("Published 1 item")
    expect(page.locator("#result_list tr", has_text=title)).to_contain_text("published")

    reader.goto("/")
    reader.get_by_role("link", name=title).first.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(title)
    expect(reader.locator(".prose strong")).to_have_text("Teachers read it on the first day.")
    image = reader.get_by_role("img", name="A wall of student portfolios")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0"), "the image loads"
    expect(reader.locator(".series-box h2")).to_contain_text(f"Part {part} of")
    reader.context.close()
