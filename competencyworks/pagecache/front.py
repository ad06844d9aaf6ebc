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

Where the store is this process's own memory (no REDIS_URL), the front also keeps the
answers it sends ready (status line, header list, bytes) under the page's key, which holds
the content version: a hit costs a dictionary read instead of a cache read and unpickling. A
change makes a new version, so nothing kept is ever served after it; since the store cannot
say how long it keeps each page, a kept answer is dropped after MEMORY_SECONDS (or
PAGE_CACHE_SECONDS if shorter) and read from the store again. A shared store (Redis) is read
on every hit: one that stops answering must be noticed at once (pages are then served
uncached, store.py), and each machine shares its pages with the others.

Everything else goes to Django: misses (noted, so the stack does not read the key again),
revalidations (ConditionalGetMiddleware makes their 304s), readers with a session, and the
first request after the version's trust has run out, which reads it again.
"""

import time
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http.cookie import parse_cookie

from competencyworks.logging import log_line
from competencyworks.pagecache import store
from competencyworks.pagecache.keys import CONDITIONS, cacheable_request, page_address, page_key
from competencyworks.pagecache.middleware import MISSED, answer_headers
from competencyworks.pagecache.version import trusted_version

MEMORY_SIZE = 1000
# Ready answers kept per process: about the pages LocMemCache keeps (300), each kept at most
# a minute beyond what the store would keep it.
MEMORY_PAGES = 300
MEMORY_SECONDS = 60
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
        # Read once, as Django's handler reads its middleware: not looked up on every hit.
        self.cache_seconds = settings.PAGE_CACHE_SECONDS
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.addresses = {}
        self.answers = {}  # page key: (kept until, status, status line, headers, body)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answer, path = self.cached_answer(environ)
        if answer is None:
            return self.application(environ, start_response)
        _, status, status_line, headers, body = answer
        start_response(status_line, [*headers, *answer_headers("hit")])
        method = environ["REQUEST_METHOD"]
        log_line(method, path, status, "hit", "anonymous", started)
        return [b""] if method == "HEAD" else [body]

    def cached_answer(self, environ):
        """(ready answer, path and query) for this request; answer None where Django answers."""
        version = trusted_version()
        cookies = environ.get("HTTP_COOKIE")
        session = self.session_cookie
        if (
            version is None
            or not self.cache_seconds
            or environ["REQUEST_METHOD"] not in ("GET", "HEAD")
            or not environ.keys().isdisjoint(CONDITIONS)
            or (cookies and session in cookies and session in parse_cookie(cookies))
        ):
            return None, None
        address, path = self.address(environ)
        if address is None:
            return None, None
        key = page_key(version, address)
        answer = self.answers.get(key)
        if answer is None or answer[0] < time.monotonic():
            answer = self.remember(key, store.read(key))
            if answer is None:
                environ[MISSED] = key
        return answer, path

    def remember(self, key, page):
        """The stored page as a ready answer, kept for the next hits if the store is this
        process's memory; None if none is stored."""
        if page is None:
            return None
        status, headers, body = page
        kept_until = time.monotonic() + min(MEMORY_SECONDS, self.cache_seconds)
        answer = kept_until, status, f"{status} {HTTPStatus(status).phrase}", list(headers), body
        if not store.in_process():
            return answer
        if len(self.answers) >= MEMORY_PAGES:
            self.answers.clear()  # a crawler walking pages: start again rather than grow
        self.answers[key] = answer
        return answer

    def address(self, environ):
        """(the request's page address, None if not one to answer here; the path and query its
        log line shows)."""
        raw = tuple(map(environ.get, self.fields))
        try:
            return self.addresses[raw]
        except KeyError:
            pass
        request = WSGIRequest(environ)
        try:
            address = page_address(request) if cacheable_request(request) else None
        except SuspiciousOperation:  # an unknown host, too many query fields…
            address = None  # Django answers 400
        if len(self.addresses) >= MEMORY_SIZE:
            self.addresses.clear()
        self.addresses[raw] = address, request.get_full_path()
        return self.addresses[raw]
