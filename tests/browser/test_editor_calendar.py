"""An editor starts at the start screen, opens the calendar and moves an item to another day.

With the mouse the item is dragged onto the day; by keyboard its Move form in the list view
is used. Both end in the same admin save, told back in a message.
"""

import calendar
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import axe_problems
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_editor_journey import log_in

pytestmark = pytest.mark.browser

SITE_ZONE = ZoneInfo("America/New_York")  # the served site's TIME_ZONE (the default)
# Demo policy entries, published when the demo content was loaded (today).
MOVED = {
    False: "Competency-based education pilot",
    True: "Move from seat time toward mastery-based education",
}


def today():
    return datetime.now(SITE_ZONE).date()


def day_label(day):
    return f"{day:%A} {day.day} {day:%B} {day.year}"


def calendar_path(day, view=""):
    return f"/admin/calendar/{day.year}/{day.month}/" + (f"?view={view}" if view else "")


def test_editor_reschedules_an_item_from_the_calendar(visitor, screenshots):
    page = visitor.page
    log_in(visitor)

    # The start screen: write buttons, the editor's sections, the calendar one step away.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    expect(page.locator(".start-actions").get_by_role("link", name="Write a post")).to_be_visible()
    for heading in ["My drafts", "Scheduled in the next two weeks", "Recently edited"]:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("Site administration")).to_have_count(0)
    assert axe_problems(page) == [], "start screen"
    if not visitor.keyboard:
        page.screenshot(path=screenshots / "admin-start-desktop.png", full_page=True)

    visitor.follow(page.locator(".start-actions").get_by_role("link", name="Calendar"))
    expect(page).to_have_url(re.compile(r"/admin/calendar/$"))
    month = today()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{month:%B %Y}")
    expect(page.locator("td.cal-today")).to_have_count(1)
    assert axe_problems(page) == [], "calendar"
    if not visitor.keyboard:
        page.screenshot(path=screenshots / "admin-calendar-desktop.png", full_page=True)

    title = MOVED[visitor.keyboard]
    here = today()
    # The day before, so the entry stays published for the reader tests after this one: typed
    # by keyboard; dragged to its cell in the same week row, or on a Sunday (the row's first
    # day) to the day after.
    dragged_forward = not visitor.keyboard and here.weekday() == calendar.SUNDAY
    target = here + timedelta(days=1 if dragged_forward else -1)
    if visitor.keyboard:
        visitor.follow(page.get_by_role("link", name="List", exact=True))
        page.wait_for_url(re.compile(r"\?view=list$"))  # loaded, not only addressed
        assert axe_problems(page) == [], "calendar list"
        item = page.locator(".cal-list .cal-item", has_text=title)
        date_box = item.get_by_label(re.compile("New date"))
        visitor.type_into(date_box, f"{target:%m%d%Y}")
        expect(date_box).to_have_value(target.isoformat())
        visitor.follow(item.get_by_role("button", name=re.compile("^Move")))
    else:
        item = page.locator(".cal-grid .cal-item", has_text=title)
        if not item.is_visible():  # a busy day shows its first items, then "N more"
            page.locator(f'td[data-date="{here.isoformat()}"] .cal-more > summary').click()
        # Dropped level with the item: a busy day's row is taller than the window, and a
        # drop at the cell's middle would scroll the page under the pressed button.
        day_cell = page.locator(f'td[data-date="{target.isoformat()}"]')
        item_box, cell_box = item.bounding_box(), day_cell.bounding_box()
        level = item_box["y"] - cell_box["y"] + item_box["height"] / 2
        item.drag_to(day_cell, target_position={"x": cell_box["width"] / 2, "y": level})

    told = f"Moved “{title}” to {day_label(target)} at "
    expect(page.locator(".messagelist")).to_contain_text(told)
    view = "list" if visitor.keyboard else ""
    expect(page).to_have_url(re.compile(re.escape(calendar_path(target, view)) + "$"))
    shown = ".cal-list" if visitor.keyboard else ".cal-grid"
    moved = page.locator(f'{shown} [data-date="{target.isoformat()}"] .cal-item', has_text=title)
    expect(moved).to_have_count(1)
    left = page.locator(f'{shown} [data-date="{here.isoformat()}"] .cal-item', has_text=title)
    expect(left).to_have_count(0)

    # Its change form shows the new date.
    visitor.follow(moved.get_by_role("link", name=title, exact=True))
    expect(page).to_have_url(re.compile(r"/admin/policy/policyentry/\d+/change/$"))
    expect(page.locator("#id_publish_at_0")).to_have_value(target.isoformat())

    if not visitor.keyboard:
        page.goto(calendar_path(target))
        page.set_viewport_size(PHONE)
        expect(page.locator(".cal-grid")).to_be_hidden()
        expect(page.locator(".cal-list")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"], f"the calendar is {overflow}px wide on a phone"
        assert axe_problems(page) == [], "calendar on a phone"
        page.screenshot(path=screenshots / "admin-calendar-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)
