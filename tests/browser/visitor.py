"""A person using the site with the mouse, or with the keyboard alone."""

import re

from playwright.sync_api import expect

MAX_TABS = 400


class Visitor:
    """Acts on the page with the mouse, or only with Tab, Enter and typing."""

    def __init__(self, page, keyboard):
        self.page = page
        self.keyboard = keyboard

    def tab_to(self, target):
        """Press Tab from the top of the page until `target` has focus, which must show."""
        element = target.element_handle()
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("element => document.activeElement === element", element):
                outline = self.page.evaluate(
                    "element => getComputedStyle(element).outlineStyle", element
                )
                assert outline != "none", f"no visible focus on {target}"
                return
        raise AssertionError(f"{target} cannot be reached with Tab")

    def press(self, target, key="Enter"):
        """Click `target`, or Tab to it and press `key`."""
        if self.keyboard:
            self.tab_to(target)
            self.page.keyboard.press(key)
        else:
            target.click()

    def follow(self, target):
        self.press(target)

    def type_into(self, target, text):
        if self.keyboard:
            self.tab_to(target)
        else:
            target.click()
        self.page.keyboard.type(text)

    def tick(self, checkbox):
        self.press(checkbox, "Space")
        expect(checkbox).to_be_checked()

    def upload(self, file_input, path):
        """Choose a file through the browser's file chooser."""
        with self.page.expect_file_chooser() as chooser:
            self.press(file_input, "Space")
        chooser.value.set_files(path)

    def autocomplete(self, box, text, option):
        """Open a select2 box, type to search, pick the option offered."""
        self.press(box)
        self.page.keyboard.type(text)
        if self.keyboard:
            expect(option).to_have_class(re.compile("highlighted"))  # what Enter picks
            self.page.keyboard.press("Enter")
        else:
            option.click()

    def submit(self, button):
        """Send the form just typed into: Enter from the text box, or a click on `button`."""
        if self.keyboard:
            self.page.keyboard.press("Enter")
        else:
            button.click()

    def choose(self, select, option):
        if self.keyboard:
            self.tab_to(select)
            self.page.keyboard.type(option)  # a closed select picks what is typed
        else:
            select.select_option(label=option)
        expect(select.locator("option:checked")).to_have_text(option)
