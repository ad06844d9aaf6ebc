"""Whole-page cache for anonymous readers, refreshed the moment content changes.

Every cached page's key includes the content version (version.py), shared by every app
process through the database; keys are bounded by what each page understands (keys.py);
and a cache backend that stops answering never fails a page (store.py). Logged-in users
(anyone sending a session cookie) and the admin are never served from, or stored in, it.

GZipMiddleware sits just inside this one, so pages are stored compressed for readers whose
browsers accept gzip (nearly all): a hit moves about a quarter of the bytes through Redis
and the network, and the key records which of the two encodings it holds.
"""

import re

from django.conf import settings
from django.utils.cache import patch_response_headers
from django.utils.http import http_date

from competencyworks.pagecache import store
from competencyworks.pagecache.keys import cacheable_request, page_address, valid_query
from competencyworks.pagecache.version import current_version

ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # the test GZipMiddleware applies


def cacheable_response(response):
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in control
        and "no-cache" not in control
        and "no-store" not in control
        and valid_query(response)
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.PAGE_CACHE_SECONDS

    def __call__(self, request):
        if not self.seconds or not cacheable_request(request):
            return self.get_response(request)
        address = page_address(request)
        if address is None:
            response = self.get_response(request)
            response["X-Cache"] = "bypass"
            return response
        accepts_gzip = ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
        encoding = "gzip" if accepts_gzip else "identity"
        key = f"page:{current_version()}:{encoding}:{address}"
        response = store.read(key)
        if response is not None:
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if cacheable_response(response):
            response["Last-Modified"] = http_date()
            patch_response_headers(response, cache_timeout=0)  # browsers revalidate each time
            if store.write(key, response, self.seconds):
                response["X-Cache"] = "miss"
        return response
