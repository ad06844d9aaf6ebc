"""One log line per request, and JSON log lines for log collectors (LOG_FORMAT=json).

A request's line names its method, path, status, time taken, whether the page cache
answered (X-Cache: hit, miss or bypass; "-" when the cache had no say) and whether the
reader was anonymous, a signed-in user or staff: never who, nor their address or cookies.
"""

import json
import logging
import re
import time
from datetime import UTC, datetime

logger = logging.getLogger("competencyworks.requests")
MESSAGE = "%(method)s %(path)s %(status)s %(duration_ms)sms cache=%(cache)s user=%(user)s"

# Addresses that carry a secret (an alert's confirm or unsubscribe token, a new editor's
# password link): the log keeps the address's shape, never the token.
SECRET_IN_PATH = re.compile(r"^(/alerts/(?:confirm|unsubscribe)/|/admin/set-password/[^/]+/)[^/?]+")

# What every LogRecord carries; anything else on a record came from `extra=` and is a field.
RECORD_ATTRIBUTES = {*vars(logging.makeLogRecord({})), "message", "asctime"}


class RequestLogMiddleware:
    """Sits outside the page cache, so cached pages are timed and counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        log_request(request, response.status_code, response.get("X-Cache", "-"), started)
        return response


def log_request(request, status, cache, started):
    """The request's log line; `started` is its time.perf_counter() on arrival."""
    log_line(request.method, request.get_full_path(), status, cache, reader_kind(request), started)


def log_line(method, path, status, cache, user, started):
    """log_request's line from its parts: the page cache's WSGI front logs the pages it
    answers, with no request object, with it."""
    fields = {
        "method": method,
        "path": SECRET_IN_PATH.sub(r"\1[token]", path),
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "cache": cache,
        "user": user,
    }
    if logger.isEnabledFor(logging.INFO):
        # Made directly: no format shows the caller's line, which costs a stack walk to find.
        record = logger.makeRecord(
            logger.name, logging.INFO, "", 0, MESSAGE, (fields,), None, extra=fields
        )
        logger.handle(record)


def reader_kind(request):
    # Cached pages and static files are answered before authentication runs: no user.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return "staff" if user.is_staff else "user"


class TextFormatter(logging.Formatter):
    """Logging's own line format, its time text made once a second rather than on every
    line: a cached page is answered in a few microseconds, and strftime was one of them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.second_text = (None, "")  # (second, its text), replaced whole: threads may share it

    def formatTime(self, record, datefmt=None):
        if datefmt:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        cached = self.second_text
        if cached[0] != second:
            cached = second, time.strftime(self.default_time_format, self.converter(second))
            self.second_text = cached
        if self.default_msec_format:
            return self.default_msec_format % (cached[1], record.msecs)
        return cached[1]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's own fields."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value) for key, value in vars(record).items() if key not in RECORD_ATTRIBUTES
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
