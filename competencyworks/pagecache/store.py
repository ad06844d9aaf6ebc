"""Page-cache reads and writes that never fail a request.

If the cache backend (Redis) stops answering, pages are served uncached: the first failure
is logged once per process, then the cache is left alone for RETRY_SECONDS before it is
tried again, so a dead Redis costs at most one short timeout per process every few seconds.
"""

import logging
import time

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2
_state = {"down": False, "retry_at": 0.0}


def guarded(operation, default=None):
    """operation()'s result, or `default` if the cache is (or has just been) unreachable."""
    if _state["down"] and time.monotonic() < _state["retry_at"]:
        return default
    try:
        result = operation()
    except failures() as error:  # evaluated only when something was raised
        if not _state["down"]:
            logger.warning("Page cache unreachable (%r): serving pages uncached.", error)
        _state.update(down=True, retry_at=time.monotonic() + RETRY_SECONDS)
        return default
    if _state["down"]:
        logger.warning("Page cache reachable again.")
        _state["down"] = False
    return result


def failures():
    """What an unreachable cache raises. Redis is imported only where a cache is out of this
    process: importing it took a tenth of a second of every command's start."""
    if in_process():
        return OSError
    from redis.exceptions import RedisError

    return (RedisError, OSError)


def read(key):
    return guarded(lambda: cache.get(key))


def write(key, value, timeout):
    """True once `value` is stored."""
    return guarded(lambda: cache.set(key, value, timeout) or True, default=False)


def reachable():
    return guarded(lambda: cache.set("healthz", "1", 5) or cache.get("healthz") == "1", False)


def in_process():
    """True where pages are kept in this process's own memory, which never stops answering."""
    return isinstance(caches["default"], LocMemCache)
