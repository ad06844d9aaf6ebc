"""Hostile input for the XSS tests, and the check that none of it reaches a browser as markup."""

from html.parser import HTMLParser

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
# Closes a quoted attribute first: for text that lands in value="…", alt="…" or title="…".
ATTRIBUTE_PAYLOAD = "'\"><img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(1)"
# What the payloads look like once escaped: present on a page that shows them as text.
ESCAPED_MARKER = "&lt;img src=x onerror=alert(1)&gt;"

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
# Script elements a browser does not run: data blocks and import maps.
INERT_SCRIPT_TYPES = {"application/json", "application/ld+json", "importmap"}


def is_javascript_url(value):
    # Browsers drop tabs and newlines anywhere and spaces/controls around the scheme.
    cleaned = "".join(ch for ch in value or "" if ch not in "\t\n\r").strip("\x00- ")
    return cleaned.lower().startswith("javascript:")


class MarkupFinder(HTMLParser):
    """Collects what a browser would run: event handlers, inline scripts, javascript: URLs.

    The site's own script files (`<script src>`) and data blocks are not what a payload makes.
    """

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or (name in URL_ATTRIBUTES and is_javascript_url(value)):
                self.found.append((tag, name, value))
        attributes = dict(attrs)
        kind = (attributes.get("type") or "").strip().lower()
        if tag == "script" and not attributes.get("src") and kind not in INERT_SCRIPT_TYPES:
            self.found.append((tag, "", ""))


def assert_inert(html):
    assert "<script>alert" not in html
    finder = MarkupFinder()
    finder.feed(html)
    assert finder.found == []
