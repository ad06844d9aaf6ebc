"""The page cache's WSGI front: cached pages answered before Django's request handling.

A hit through the middleware stack costs Django's whole request cycle (signals, seventeen
middlewares, a response object) around one cache read. This wrapper (competencyworks/wsgi.py)
answers the common case with little more than the cache read: a GET or HEAD that
PageCacheMiddleware would answer from the cache, with no session cookie and no conditional
header, while the content version this process read last is still trusted (version.py).
It sends the stored status, headers and bytes with the middleware's per-answer headers and
log line, so its answers are the middleware's answers.

Each page's cache address comes from keys.py's own functions on a Django request; the
front remembers the result per raw address (scheme, host, path, query, Accept-Encoding and
the other request fields they read), for up to MEMORY_SIZE addresses per process.

Everything else goes to Django: misses (noted, so the stack does not read the key again),
revalidations (ConditionalGetMiddleware makes their 304s), readers with a session, and the
first request after the version's trust has run out, which reads it again.
"""

import time
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http.cookie import parse_cookie

from competencyworks.logging import log_line
from competencyworks.pagecache import store
from competencyworks.pagecache.keys import CONDITIONS, cacheable_request, page_address, page_key
from competencyworks.pagecache.middleware import MISSED, answer_headers
from competencyworks.pagecache.version import trusted_version

MEMORY_SIZE = 1000
# Everything a page's address is made from: how Django finds the scheme, host and path.
ADDRESS_FIELDS = (
    "wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
    "SCRIPT_URL", "REDIRECT_URL", "PATH_INFO", "QUERY_STRING", "HTTP_ACCEPT_ENCODING",
)  # fmt: skip


class PageCacheFront:
    def __init__(self, application):
        self.application = application
        proxy_header = (settings.SECURE_PROXY_SSL_HEADER or ("HTTP_X_FORWARDED_PROTO",))[0]
        self.fields = tuple(dict.fromkeys((*ADDRESS_FIELDS, proxy_header)))
        self.addresses = {}

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        page, path = self.cached_page(environ)
        if page is None:
            return self.application(environ, start_response)
        status, headers, body = page
        start_response(f"{status} {HTTPStatus(status).phrase}", [*headers, *answer_headers("hit")])
        method = environ["REQUEST_METHOD"]
        log_line(method, path, status, "hit", "anonymous", started)
        return [b""] if method == "HEAD" else [body]

    def cached_page(self, environ):
        """(stored page, path and query) for this request; page None where Django answers."""
        version = trusted_version()
        if (
            version is None
            or not settings.PAGE_CACHE_SECONDS
            or environ["REQUEST_METHOD"] not in ("GET", "HEAD")
            or any(name in environ for name in CONDITIONS)
            or settings.SESSION_COOKIE_NAME in parse_cookie(environ.get("HTTP_COOKIE", ""))
        ):
            return None, None
        address, path = self.address(environ)
        if address is None:
            return None, None
        key = page_key(version, address)
        page = store.read(key)
        if page is None:
            environ[MISSED] = key
        return page, path

    def address(self, environ):
        """(the request's page address, None if not one to answer here; the path and query its
        log line shows)."""
        raw = tuple(environ.get(field) for field in self.fields)
        try:
            return self.addresses[raw]
        except KeyError:
            pass
        request = WSGIRequest(environ)
        try:
            address = page_address(request) if cacheable_request(request) else None
        except DisallowedHost:
            address = None  # Django answers 400
        if len(self.addresses) >= MEMORY_SIZE:
            self.addresses.clear()
        self.addresses[raw] = address, request.get_full_path()
        return self.addresses[raw]
