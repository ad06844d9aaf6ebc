"""Which requests the page cache answers, and the key each page is stored under.

A page's key is its scheme, host, path and query, the query's parameters sorted by name (a
repeated parameter keeps its order), so `?a=1&b=2` and `?b=2&a=1` share one copy. Only
parameters the page's view understands may appear: its filters, its page number and any it
names in `page_cache_params`. Anything else (`?utm_source=…`, random junk), too many values
or an over-long value is served without the cache, so nobody can fill it with made-up
addresses. The scheme keeps an http request (which the site redirects) from ever being
answered with a page stored for https.
"""

import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.urls import Resolver404, resolve

MAX_QUERY_VALUES = 16
MAX_VALUE_LENGTH = 100
UNCACHED_PREFIXES = ("/admin/", "/healthz", "/readyz", "/static/", "/media/")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # the test GZipMiddleware applies
# A reader who sends one of these revalidates a copy they hold; they are answered by the
# full stack, whose ConditionalGetMiddleware makes the 304 (or 412).
CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
              "HTTP_IF_UNMODIFIED_SINCE")  # fmt: skip


def cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def conditional(request):
    return any(name in request.META for name in CONDITIONS)


def page_address(request):
    """The page's address in the cache (its encoding and a digest), or None if its query is
    not one to cache. Gzip and plain copies are stored apart."""
    query = sorted(request.GET.lists())
    if query and not understood(request, query):
        return None
    gzip = ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    address = (
        f"{request.scheme}://{request.get_host()}{request.path}?{urlencode(query, doseq=True)}"
    )
    return f"{'gzip' if gzip else 'identity'}:{hashlib.sha256(address.encode()).hexdigest()}"


def page_key(version, address):
    return f"page:{version}:{address}"


def understood(request, query):
    values = [value for _, values in query for value in values]
    if len(values) > MAX_QUERY_VALUES or any(len(value) > MAX_VALUE_LENGTH for value in values):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return {name for name, _ in query} <= params_of(getattr(match.func, "view_class", match.func))


def params_of(view):
    """The query parameters `view` (a class-based view or a feed) reads."""
    params = set(getattr(view, "page_cache_params", ()))
    filterset = getattr(view, "filterset_class", None)
    if filterset is not None:
        params.update(filterset.base_filters)
    if getattr(view, "paginate_by", None):
        params.add(view.page_kwarg)
    return params


def valid_query(response):
    """False for a page whose filter form rejected the query: each such address would be
    another copy of an empty list."""
    filterset = (getattr(response, "context_data", None) or {}).get("filter")
    return filterset is None or not filterset.is_bound or filterset.form.is_valid()
