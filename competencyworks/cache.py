"""Whole-page cache for anonymous readers, refreshed the moment content changes.

Every cached page's key includes a site-wide content version kept in the shared cache
(Redis in production). Saving, deleting, tagging or importing any content sets a new
version, so every app process stops serving the old pages within a quarter of a second (the
moment, in the process that made the change); a scheduled item going live does the same
when its time comes. Logged-in users (anyone sending a session cookie)
and the admin are never served from, or stored in, this cache.

GZipMiddleware sits just inside this one, so pages are stored compressed for readers whose
browsers accept gzip (nearly all): a hit moves about a quarter of the bytes through Redis
and the network, and the key records which of the two encodings it holds.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.cache import patch_response_headers
from django.utils.http import http_date

VERSION_KEY = "content-version"
NEXT_PUBLICATION_KEY = "next-publication"
# Each process trusts the version it last read for this long, saving a Redis round trip on
# most hits; a change made in another process is still seen within a second.
TRUST_SECONDS = 0.25
_known = {"version": None, "due": 0, "read_at": 0.0}
UNCACHED_PREFIXES = ("/admin/", "/healthz", "/static/", "/media/")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # the test GZipMiddleware applies


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = content_changed()
    return version


def content_changed(**kwargs):
    """Start a new content version (call it whenever public content may have changed)."""
    version, due = time.time_ns(), next_publication()
    cache.set_many({VERSION_KEY: version, NEXT_PUBLICATION_KEY: due}, None)
    remember(version, due)
    return version


def remember(version, due):
    _known.update(version=version, due=due, read_at=time.monotonic())


def next_publication():
    """When the next scheduled item goes live (a timestamp), or 0 if none is waiting."""
    from competencyworks.models import SearchDocument

    upcoming = (
        SearchDocument.objects.filter(status="published", publish_at__gt=timezone.now())
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else 0


def current_version():
    fresh = time.monotonic() - _known["read_at"] < TRUST_SECONDS
    if fresh and _known["version"] is not None:
        version, due = _known["version"], _known["due"]
    else:
        values = cache.get_many([VERSION_KEY, NEXT_PUBLICATION_KEY])
        if VERSION_KEY not in values:
            return content_changed()
        version, due = values[VERSION_KEY], values.get(NEXT_PUBLICATION_KEY) or 0
        remember(version, due)
    if due and time.time() >= due:
        return content_changed()  # something scheduled has just gone live
    return version


def cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def cacheable_response(response):
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in control
        and "no-cache" not in control
        and "no-store" not in control
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.PAGE_CACHE_SECONDS

    def __call__(self, request):
        if not self.seconds or not cacheable_request(request):
            return self.get_response(request)
        address = f"{request.get_host()}{request.get_full_path()}".encode()
        accepts_gzip = ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
        encoding = "gzip" if accepts_gzip else "identity"
        key = f"page:{current_version()}:{encoding}:{hashlib.sha256(address).hexdigest()}"
        response = cache.get(key)
        if response is not None:
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if cacheable_response(response):
            response["Last-Modified"] = http_date()
            patch_response_headers(response, cache_timeout=0)  # browsers revalidate each time
            cache.set(key, response, self.seconds)
            response["X-Cache"] = "miss"
        return response
