"""An editor writes a post in the admin, schedules it, publishes it; readers then see it.
The editors' lists and forms fit a 1280 px screen and pass axe."""

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.accessibility import axe_problems
from tests.browser.conftest import PHONE, hold_the_first
from tests.browser.site import EDITOR
from tests.browser.visitor import Visitor

pytestmark = pytest.mark.browser

# Each way of working writes its own post, as the next part of the demo series (its three
# parts are 1 to 3: the journey that saves first takes part 4, the other part 5).
POSTS = {
    False: "Portfolios That Travel With Students",
    True: "Portfolios Teachers Read on the First Day",
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
    title = POSTS[visitor.keyboard]
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
    # Choosing the series fills in its next free part and says which are used.
    suggested = page.get_by_label("Series part:")
    expect(suggested).to_have_value(re.compile(r"^[45]$"))
    expect(page.locator(".series-note")).to_contain_text(
        f"Next free part: {suggested.input_value()}."
    )

    # Dates are the site's, with their shortcuts but no "hours ahead of server time" notes.
    expect(page.locator(".field-publish_at .datetimeshortcuts")).to_have_count(2)
    expect(page.locator(".timezonewarning")).to_have_count(0)
    expect(page.locator(".field-body .word-count")).to_have_text("9 words")

    # Scheduled for tomorrow at 9:00, in the site's time zone.
    tomorrow = date.today() + timedelta(days=1)
    visitor.type_into(page.locator("#id_publish_at_0"), tomorrow.isoformat())
    visitor.type_into(page.locator("#id_publish_at_1"), "09:00:00")
    visitor.follow(page.get_by_role("button", name="Schedule", exact=True))
    when = f"{tomorrow:%A} {tomorrow.day} {tomorrow:%B}"
    expect(page.locator(".messagelist")).to_contain_text(f"Scheduled for {when}")
    expect(page.locator(".field-publication_status")).to_contain_text("scheduled")

    reader = browser.new_context(base_url=base_url).new_page()
    reader.goto("/")
    expect(reader.get_by_role("link", name=title)).to_have_count(0)

    # The list shows it scheduled; then Publish now, from its form.
    page.goto("/admin/blog/post/?status=scheduled")
    row = page.locator("#result_list tr", has_text=title)
    expect(row).to_contain_text("scheduled")
    visitor.follow(row.get_by_role("link", name=title))
    visitor.follow(page.get_by_role("button", name="Publish now"))
    expect(page.locator(".messagelist")).to_contain_text("Published.")
    expect(page.get_by_role("button", name="Unpublish")).to_be_visible()

    reader.goto("/")
    reader.get_by_role("link", name=title).first.click()
    expect(reader.get_by_role("heading", level=1)).to_have_text(title)
    expect(reader.locator(".prose strong")).to_have_text("Teachers read it on the first day.")
    image = reader.get_by_role("img", name="A wall of student portfolios")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth > 0"), "the image loads"
    expect(reader.locator(".series-box")).to_contain_text(title)
    reader.context.close()


def test_leaving_a_form_with_unsaved_changes_asks_first(page):
    log_in(Visitor(page, keyboard=False))
    page.goto("/admin/wiki/resource/add/")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))

    page.get_by_role("link", name="Resources").first.click()  # nothing typed: leaves at once
    expect(page).to_have_url(re.compile(r"/admin/wiki/resource/$"))
    page.goto("/admin/wiki/resource/add/")
    # The form notes what it held once loaded, a tick after the load event: typing waits for it.
    page.evaluate("() => new Promise(resolve => setTimeout(resolve, 0))")
    page.get_by_label("Title:").fill("Half-written")
    page.get_by_label("Title:").press("End")  # a keypress: the page has been used
    with page.expect_event("dialog"):
        page.get_by_role("link", name="Resources").first.click(no_wait_after=True)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(re.compile(r"/admin/wiki/resource/add/$"))
    expect(page.get_by_label("Title:")).to_have_value("Half-written")


SCREENS = {
    "posts": "/admin/blog/post/",
    "resources": "/admin/wiki/resource/",
    "wiki pages": "/admin/wiki/page/",
    "policy entries": "/admin/policy/policyentry/",
    "site pages": "/admin/blog/sitepage/",
}


@pytest.mark.parametrize("screen", SCREENS)
def test_each_list_and_form_is_accessible_and_fits_1280_px(page, screen, screenshots):
    log_in(Visitor(page, keyboard=False))
    name = screen.replace(" ", "-")
    page.goto(SCREENS[screen])
    assert page.locator("#result_list tbody tr").count() > 0, "the demo content is listed"
    check_screen(page, screenshots / f"admin-{name}-list.png")

    page.locator("#result_list tbody tr").first.locator("th a").click()
    expect(page.locator(".publishing-row")).to_be_visible()
    check_screen(page, screenshots / f"admin-{name}-form.png")


def check_screen(page, path):
    assert page.viewport_size["width"] == 1280
    page.wait_for_load_state("networkidle")
    wide = page.evaluate(
        "[...document.querySelectorAll('#result_list, #content-main')]"
        ".some(el => el.scrollWidth > el.clientWidth + 1)"
    )
    assert not wide, f"{page.url}: a column is pushed off the screen"
    assert axe_problems(page) == [], page.url
    page.screenshot(path=path, full_page=True)


def test_the_post_list_and_form_fill_a_phone_screen(page, screenshots):
    log_in(Visitor(page, keyboard=False))
    page.set_viewport_size(PHONE)
    page.goto("/admin/blog/post/")
    check_phone(page, screenshots / "admin-posts-list-phone.png")
    page.locator("#result_list tbody tr").first.locator("th a").click()
    expect(page.locator(".publishing-row")).to_be_visible()
    check_phone(page, screenshots / "admin-posts-form-phone.png")


def check_phone(page, path):
    page.wait_for_load_state("networkidle")
    expect(page.locator("#nav-sidebar")).to_be_hidden()
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"] + 1, f"{page.url} is {wide}px wide on a 375px phone"
    content = page.locator(".main > .content").evaluate("el => el.getBoundingClientRect().width")
    assert content > 300, f"{page.url}: the content column is {content}px wide"
    assert axe_problems(page) == [], page.url
    page.screenshot(path=path, full_page=True)


def test_readers_find_a_footer_page_and_editors_edit_pages_from_the_site(visitor):
    page = visitor.page
    # A page editors put in the footer, as a reader finds it: no edit link for them.
    page.goto("/")
    visitor.follow(page.get_by_role("contentinfo").get_by_role("link", name="Contact"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact")
    contact = page.url
    expect(page.get_by_role("link", name="Edit this page")).to_have_count(0)

    # Signed in, an editor sees "Edit this page" on it and on a post, leading to its form.
    log_in(visitor)
    page.goto(contact)
    visitor.follow(page.get_by_role("link", name="Edit this page"))
    expect(page).to_have_url(re.compile(r"/admin/blog/sitepage/\d+/change/$"))
    page.goto("/blog/")
    visitor.follow(page.locator("article.card h3 a").first)
    visitor.follow(page.get_by_role("link", name="Edit this page"))
    expect(page).to_have_url(re.compile(r"/admin/blog/post/\d+/change/$"))
    page.wait_for_load_state("load")  # the form names its controls once loaded
    assert axe_problems(page) == [], page.url


def test_tag_suggestions_are_those_of_the_last_word_typed(page, context):
    """A slower answer for an earlier word arrives last and is dropped."""
    log_in(Visitor(page, keyboard=False))
    held = hold_the_first(context, "**/tag-suggestions/**")  # answered after the second word's
    page.goto("/admin/blog/post/add/")
    tags = page.get_by_label("Tags:")
    options = page.locator(f"#{tags.get_attribute('list')} option")
    with page.expect_request("**/tag-suggestions/**"):
        tags.fill("g")
    tags.fill("assess")
    expect(options.first).to_have_text(re.compile(r"^assess", re.IGNORECASE))
    suggested = options.evaluate_all("options => options.map(option => option.value)")
    with page.expect_response("**/tag-suggestions/**"):
        held[0].continue_()
    page.wait_for_timeout(300)  # time for the late answer to be shown, were it not dropped
    assert options.evaluate_all("options => options.map(option => option.value)") == suggested
