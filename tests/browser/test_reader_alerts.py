"""A reader follows a state by e-mail: from the state page to the sign-up form, then the
confirmation link mailed to them (read from the site's log, where mail is printed)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import axe_problems

pytestmark = pytest.mark.browser


def test_a_reader_signs_up_for_alerts_and_confirms(visitor, site, screenshots):
    page = visitor.page
    email = f"reader-{'keyboard' if visitor.keyboard else 'mouse'}@example.org"
    page.goto("/policy/states/id/")
    visitor.follow(page.get_by_role("link", name="Get e-mail alerts"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Get e-mail alerts")
    expect(page.get_by_text("policy in Idaho")).to_be_visible()
    assert axe_problems(page) == []
    page.screenshot(path=screenshots / f"alerts-form-1280-{visitor.keyboard}.png", full_page=True)
    visitor.type_into(page.get_by_label("Your e-mail address"), email)
    if visitor.keyboard:  # Tab reaches the chosen radio button; arrows choose another
        visitor.press(page.get_by_label("Weekly"), "ArrowUp")
    else:
        page.get_by_label("Daily").click()
    expect(page.get_by_label("Daily")).to_be_checked()
    visitor.press(page.get_by_role("button", name="Send me a confirmation link"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_role("status")).to_contain_text(email)
    assert axe_problems(page) == []

    mail = site.log.read_text(errors="replace")
    sent = mail[mail.rindex(f"To: {email}") :]
    link = re.search(r"http://127\.0\.0\.1:\d+(/alerts/confirm/[^\s\"<>]+/)", sent)[1]
    page.goto(link)
    assert axe_problems(page) == []
    visitor.press(page.get_by_role("button", name="Yes, send me alerts"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts confirmed")
    expect(page.get_by_role("status")).to_contain_text("daily message")
    assert axe_problems(page) == []
    page.screenshot(path=screenshots / f"alerts-confirmed-1280-{visitor.keyboard}.png")
