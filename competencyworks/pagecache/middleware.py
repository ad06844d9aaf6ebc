"""Whole-page cache for anonymous readers, refreshed the moment content changes.

Every cached page's key includes the content version (version.py), shared by every app
process through the database; keys are bounded by what each page understands (keys.py);
and a cache backend that stops answering never fails a page (store.py). Logged-in users
(anyone sending a session cookie) and the admin are never served from, or stored in, it.

What is stored is the finished answer as it leaves the site: status, headers (security
headers and ETag included) and body bytes, so a cached page is byte for byte the answer its
first reader got. Two middlewares share the work (settings.MIDDLEWARE):

PageCacheMiddleware, first after the request log, answers a cached page as stored and
stores each page that CacheablePageMiddleware marked. In production the WSGI front
(front.py) answers most hits before Django's request handling starts.

CacheablePageMiddleware, just inside ConditionalGetMiddleware, gives a page fit for the cache
its revalidation headers (browsers ask again each time) and marks it for storing. For a
reader revalidating a cached page (If-None-Match, If-Modified-Since) it plays the stored
answer back, so ConditionalGetMiddleware and the security middlewares answer it exactly as
they answer a freshly rendered page.

GZipMiddleware sits inside both, so pages are stored compressed for readers whose browsers
accept gzip (nearly all), and the key records which of the two encodings it holds.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import http_date

from competencyworks.pagecache import store, version
from competencyworks.pagecache.keys import (
    ACCEPTS_GZIP,
    CONDITIONS,
    cacheable_request,
    conditional,
    page_address,
    page_key,
    valid_query,
)

__all__ = ["ACCEPTS_GZIP", "CacheablePageMiddleware", "PageCacheMiddleware"]

# Set afresh on each answer, never stored.
PER_ANSWER = {"x-cache", "x-accel-expires"}
# The WSGI front's note that it looked this key up and found nothing.
MISSED = "competencyworks.pagecache.missed"


def answer_headers(outcome):
    """X-Cache (hit or miss), and for a front cache (nginx, deploy/nginx/) how long it may keep
    the answer: until the end of the second in which this process read the content version
    it answered under, so a change is visible through the front cache within a second.
    Browsers ignore X-Accel-Expires; nginx reads it and passes it on to no one."""
    return [("X-Cache", outcome), ("X-Accel-Expires", f"@{int(version.read_at())}")]


def stored(response):
    """What is kept of a finished answer: (status, headers, body)."""
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() not in PER_ANSWER
    )
    return response.status_code, headers, response.content


def replayed(page):
    status, headers, body = page
    return HttpResponse(body, status=status, headers=dict(headers))


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

    def __call__(self, request):
        if not settings.PAGE_CACHE_SECONDS or not cacheable_request(request):
            return self.get_response(request)
        address = page_address(request)
        if address is None:
            response = self.get_response(request)
            response["X-Cache"] = "bypass"
            return response
        revalidating = conditional(request)
        key = page_key(version.current_version(fresh=revalidating), address)
        page = None if request.META.get(MISSED) == key else store.read(key)
        if page is not None and not revalidating:
            return with_headers(replayed(page), answer_headers("hit"))
        request.page_cache_key, request.cached_page = key, page
        if page is not None:  # the stack answers from the stored page: a 304 or the page
            return with_headers(self.get_response(request), answer_headers("hit"))
        # A page is stored only as a full answer: a revalidation is rendered without its
        # conditions, then answered from the stored page like any other.
        conditions = {name: request.META.pop(name) for name in CONDITIONS if name in request.META}
        response = self.get_response(request)
        request.META.update(conditions)
        if not (
            getattr(request, "page_cache_storable", False)
            and response.status_code == 200
            and not signed_in(request)  # never a page with staff's links in it
            and store.write(key, stored(response), settings.PAGE_CACHE_SECONDS)
        ):
            return response
        if conditions:
            request.cached_page = stored(response)
            response = self.get_response(request)
        return with_headers(response, answer_headers("miss"))


class CacheablePageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = getattr(request, "cached_page", None)
        if page is not None:
            return replayed(page)
        response = self.get_response(request)
        if getattr(request, "page_cache_key", None) and cacheable_response(response):
            response["Last-Modified"] = http_date()
            # Browsers revalidate each time. No Expires beside it: max-age overrides it in
            # every HTTP/1.1 cache (RFC 9111), and each header costs each hit.
            patch_cache_control(response, max_age=0)
            request.page_cache_storable = True
        return response


def signed_in(request):
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def with_headers(response, headers):
    for name, value in headers:
        response[name] = value
    return response
