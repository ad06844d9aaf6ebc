"""Which requests the page cache answers, and the key each page is stored under.

A page's key is its host, path and query, the query's parameters sorted by name (a repeated
parameter keeps its order), so `?a=1&b=2` and `?b=2&a=1` share one copy. Only parameters
the page's view understands may appear: its filters, its page number and any it names in
`page_cache_params`. Anything else (`?utm_source=…`, random junk), too many values or an
over-long value is served without the cache, so nobody can fill it with made-up addresses.
"""

import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.urls import Resolver404, resolve

MAX_QUERY_VALUES = 16
MAX_VALUE_LENGTH = 100
UNCACHED_PREFIXES = ("/admin/", "/healthz", "/readyz", "/static/", "/media/")


def cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def page_address(request):
    """The page's cache address (a digest), or None if its query is not one to cache."""
    query = sorted(request.GET.lists())
    if query and not understood(request, query):
        return None
    address = f"{request.get_host()}{request.path}?{urlencode(query, doseq=True)}"
    return hashlib.sha256(address.encode()).hexdigest()


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
