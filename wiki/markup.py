"""Guide bodies: Markdown rendered once on save, sanitised, with [[Page title]] links.

Links are stored as placeholders carrying the target's key; a page view resolves them
in one query, so a link turns from red to blue as soon as its target is published.
"""

import html
import re
import secrets
from urllib.parse import urlencode

import markdown
from django.urls import reverse

from competencyworks.html import sanitise

WIKI_LINK = re.compile(r"\[\[([^\[\]|\n]{1,200})(?:\|([^\[\]\n]{1,200}))?\]\]")
PLACEHOLDER = re.compile(r'<a class="wiki-link" data-wiki-key="([^"]*)" href="[^"]*">')
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]


def title_key(title):
    """How [[links]] find pages: case, spacing and underscores do not matter."""
    return re.sub(r"[\s_]+", " ", title).strip().casefold()[:200]


def render(source):
    """(HTML, [keys of linked pages]) for a Markdown body with [[wiki links]]."""
    keys = []
    tokens = {}
    nonce = secrets.token_hex(8)  # so that no text in the source can pass for a token

    def hold(match):
        target, label = match[1].strip(), (match[2] or match[1]).strip()
        key = title_key(target)
        keys.append(key)
        token = f"WIKILINK{nonce}N{len(tokens)}X"
        missing_url = html.escape(f"{reverse('wiki:missing-page')}?{urlencode({'title': target})}")
        tokens[token] = (
            f'<a class="wiki-link" data-wiki-key="{html.escape(key, quote=True)}" '
            f'href="{missing_url}">{html.escape(label)}</a>'
        )
        return token

    # Links become plain tokens first, so neither Markdown nor the sanitiser touches them.
    text = WIKI_LINK.sub(hold, source or "")
    body = sanitise(markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html"))
    for token, anchor in tokens.items():
        body = body.replace(token, anchor)
    return body, list(dict.fromkeys(keys))


def resolve_links(body, urls):
    """Point each placeholder at its page (`urls`: key -> URL); the rest are missing links."""

    def point(match):
        key = html.unescape(match[1])
        if key in urls:
            return f'<a class="wiki-link" href="{urls[key]}">'
        return match[0].replace('class="wiki-link"', 'class="wiki-link missing"', 1)

    return PLACEHOLDER.sub(point, body)
