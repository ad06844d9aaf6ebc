"""The title of a web page, read while an editor waits on the collect form.

The fetch uses the link checker's client (`wiki.links`), so it connects only to public
addresses (plus LINK_CHECK_ALLOWED_NETWORKS), checked again at every redirect. It is kept
short: about TIMEOUT seconds in all and at most MAX_BYTES of the page, enough for its head.
A page that cannot be read gives a reason instead of a title; the editor then types one.
"""

import codecs
import re
import time
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx

from wiki.links import MAX_REDIRECTS, Unchecked, describe_failure, make_client

TIMEOUT = 3.0  # seconds for the whole fetch, redirects included
MAX_BYTES = 512 * 1024
HEADERS = {
    "User-Agent": "CompetencyWorks roundup collector",
    "Accept": "text/html,application/xhtml+xml",
    "Accept-Encoding": "identity, gzip",
}
HTML_TYPES = ("text/html", "application/xhtml+xml")
META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.I)
END_OF_HEAD = re.compile(rb"</head\s*>|<body[\s>]", re.I)


@dataclass(frozen=True)
class Fetched:
    title: str = ""
    error: str = ""


class TitleParser(HTMLParser):
    """Reads the page's og:title, else its <title>. An og:title that is only the site's
    name (og:site_name) is a default, not the page's title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.og_title = ""
        self.site_name = ""
        self.title_parts = []
        self.in_title = False
        self.seen_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title" and not self.seen_title:
            self.in_title = True
        elif tag == "meta":
            values = dict(attrs)
            name = (values.get("property") or values.get("name") or "").lower()
            if name == "og:title":
                self.og_title = self.og_title or " ".join((values.get("content") or "").split())
            elif name == "og:site_name":
                self.site_name = " ".join((values.get("content") or "").split())

    def handle_endtag(self, tag):
        if tag == "title" and self.in_title:
            self.in_title = False
            self.seen_title = True

    def handle_data(self, data):
        if self.in_title:
            self.title_parts.append(data)

    @property
    def title(self):
        if self.og_title and self.og_title != self.site_name:
            return self.og_title
        return " ".join("".join(self.title_parts).split())


def page_title(html):
    """The title a page gives itself, from its HTML text ("" if none)."""
    parser = TitleParser()
    parser.feed(html)
    parser.close()
    return parser.title


def fetch_title(url, *, allowed_networks=()):
    """Fetched(title=…) for the page at `url`, or Fetched(error=why not); never raises."""
    timeout, max_bytes = TIMEOUT, MAX_BYTES
    deadline = time.monotonic() + timeout
    client = make_client(timeout=timeout, max_connections=1, allowed_networks=allowed_networks)
    try:
        with client:
            body, charset = _read_head(client, url, deadline, max_bytes)
    except Exception as exc:  # every failure is told to the editor, who types the title
        return Fetched(error=describe_failure(exc, client))
    title = page_title(body.decode(_codec(charset, body), errors="replace"))
    if not title:
        return Fetched(error="the page has no title")
    return Fetched(title=title)


def _read_head(client, url, deadline, max_bytes):
    """(the page's first bytes, up to the end of its head; its declared charset or None)."""
    request = client.build_request("GET", url, headers=HEADERS)
    for _ in range(MAX_REDIRECTS + 1):
        _check_web_address(str(request.url))
        request.extensions["timeout"] = httpx.Timeout(_remaining(deadline)).as_dict()
        response = client.send(request, stream=True)
        if response.next_request is None:
            break
        response.close()
        request = response.next_request
    else:
        raise Unchecked("too many redirects")
    try:
        if response.status_code >= 400:
            raise Unchecked(f"the page answered HTTP {response.status_code}")
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind and kind not in HTML_TYPES:
            raise Unchecked(f"not a web page ({kind})")
        decoder = _decoder(response.headers.get("content-encoding", ""))
        body = b""
        for chunk in response.iter_raw():  # as it arrives: a trickle must meet the deadline
            body += decoder.decompress(chunk, max_bytes - len(body)) if decoder else chunk
            if len(body) >= max_bytes or END_OF_HEAD.search(body):
                break
            _remaining(deadline)
        return body[:max_bytes], response.charset_encoding
    finally:
        response.close()


def _check_web_address(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Unchecked("not a web address")
    if parts.username is not None or parts.password is not None:
        raise Unchecked("refused: the address holds a user name or password")


def _remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.ReadTimeout("the page took too long")
    return left


def _decoder(encoding):
    """A bounded gzip reader for servers that compress anyway; None for a plain body."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
    raise Unchecked(f"the page came compressed as {encoding}")


def _codec(charset, body):
    for name in (charset, *(match.decode("ascii") for match in META_CHARSET.findall(body[:4096]))):
        if name:
            try:
                return codecs.lookup(name).name
            except LookupError:
                continue
    return "utf-8"
