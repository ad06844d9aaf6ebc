"""What pages repeat, built once and kept in this process's memory.

- `per_version`: values every page shows (navigation, filter choices, list counts), right
  for the same reason cached pages are: they are keyed by the content version, which moves
  on with every change and whenever a scheduled item goes live. Each name keeps only its
  newest version.
- `remembered`: rendered markup (the `{% fragment %}` tag), or a record every reader is shown
  alike (a published post), under a key naming everything it shows, so it never goes stale;
  the least recently used are dropped past MAX_MARKUP pieces or MAX_MARKUP_CHARS characters
  in all (a list's markup is ten cards long; a post weighs its body).

Both are bounded: a crawler walking filter combinations only pushes older entries out.
"""

import threading
from collections import OrderedDict

from django.conf import settings

from competencyworks.pagecache.version import content_database, current_version

MAX_ENTRIES = 2000
MAX_MARKUP = 5000
MAX_MARKUP_CHARS = 20_000_000
_memo = {}
_markup = OrderedDict()
_markup_chars = 0
_lock = threading.Lock()


def per_version(name, build):
    """`build()`, or the value it gave earlier under the current content version."""
    if not settings.FRAGMENT_CACHE:
        return build()
    version = current_version()
    known = _memo.get(name)
    if known is not None and known[0] == version:
        return known[1]
    value = build()
    if len(_memo) >= MAX_ENTRIES:
        _memo.clear()  # a crawler walking filters: start again rather than grow
    _memo[name] = (version, value)
    return value


def count_of(queryset, address):
    """queryset.count(), remembered per content version for the page `address` shows.

    `queryset` may be lazy (SimpleLazyObject): a remembered count never builds it. The key
    names the database this request reads (db_routers), as the version does.
    """
    return per_version(("count", content_database(), address), lambda: queryset.count())


def remembered(key, render, versioned=False, weight=len):
    """render(), or what it gave earlier for `key` (and the content version); `weight(value)`
    counts against MAX_MARKUP_CHARS."""
    if not settings.FRAGMENT_CACHE:
        return render()
    if versioned:
        key = (current_version(), key)
    with _lock:  # the development server renders in threads
        known = _markup.get(key)
        if known is not None:
            _markup.move_to_end(key)
            return known[0]
    markup = render()
    global _markup_chars
    with _lock:
        if key not in _markup:
            _markup[key] = (markup, weight(markup))
            _markup_chars += _markup[key][1]
        while len(_markup) > MAX_MARKUP or _markup_chars > MAX_MARKUP_CHARS:
            _markup_chars -= _markup.popitem(last=False)[1][1]
    return markup


def forget_all():
    global _markup_chars
    _memo.clear()
    _markup.clear()
    _markup_chars = 0
