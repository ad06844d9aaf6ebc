"""The versioned whole-page cache for anonymous readers.

middleware.py  PageCacheMiddleware: serves and stores pages
version.py     the content version in every key: content_changed(), current_version()
keys.py        which requests are cached, and under which key
store.py       cache reads and writes that survive an unreachable Redis
"""

from competencyworks.pagecache.version import content_changed, current_version

__all__ = ["content_changed", "current_version"]
