"""The site's content version, which every cached page's key includes.

It lives in the database, so every app process reads the same value whatever the cache
backend: with per-process caches each process keeps its own pages, all keyed by the one
version. A change written in a transaction becomes visible with the content it describes.
"""

import math
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Subquery

from competencyworks.models import ContentVersion, SearchDocument

# Each process trusts the version it last read for this long: at most four single-row reads a
# second per process, and a change made in any process is honoured everywhere within a second.
TRUST_SECONDS = 0.25
# What this process last read, per database: with a replica (db_routers), readers' pages are
# built from the replica and editors' from the primary, and each must be keyed by the version
# of the data it was built from, or an editor could be shown what a lagging replica gave.
_known = {}
UNREAD = {"version": None, "read_at": -math.inf, "read_at_wall": 0.0}


def content_changed(**kwargs):
    """Start a new content version (call it whenever public content may have changed)."""
    version = time.time_ns()  # never repeats, even if the row is lost and made again
    if not ContentVersion.objects.filter(pk=ContentVersion.ROW).update(version=version):
        ContentVersion.objects.get_or_create(pk=ContentVersion.ROW, defaults={"version": version})
    _known.clear()  # this process reads the new version on its next page


def current_version(fresh=False):
    """A key part that changes with every content change and whenever a scheduled item goes
    live, so no page rendered before either is served after it. `fresh` reads it now: a
    reader (or a front cache) revalidating a copy learns of a change at once."""
    database = content_database()
    known = _known.get(database, UNREAD)
    now = time.monotonic()
    if fresh or known["version"] is None or now - known["read_at"] >= TRUST_SECONDS:
        known = _known[database] = {
            "version": read_version(),
            "read_at": now,
            "read_at_wall": time.time(),
        }
    return known["version"]


def content_database():
    """The database this request reads content from (db_routers: a reader's may be the
    replica), which is also where its content version comes from."""
    return router.db_for_read(ContentVersion)


def read_at():
    """When (time.time()) this process last read the version: a page answered under it
    shows every change made before then."""
    return _known.get(content_database(), UNREAD)["read_at_wall"]


def trusted_version():
    """The version this process read less than TRUST_SECONDS ago, or None: answering without
    a database connection, the WSGI front (front.py) leaves reading it to the full stack."""
    known = _known.get(readers_database(), UNREAD)
    if time.monotonic() - known["read_at"] < TRUST_SECONDS:
        return known["version"]
    return None


def readers_database():
    """Where anonymous readers' pages come from (db_routers): the replica, where there is one."""
    from competencyworks.db_routers import REPLICA  # db_routers imports the page cache

    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS


def read_version(using=None):
    # The newest publication time that has passed: readers notice a scheduled item going live
    # themselves, without writing anything. One query, on the primary key and an index.
    # Read from the database the page is read from (db_routers), so a page from a replica
    # that lags is stored under the version of what it shows.
    went_live = SearchDocument.objects.published().order_by("-publish_at").values("publish_at")
    row = (
        ContentVersion.objects.using(using)
        .filter(pk=ContentVersion.ROW)
        .values_list("version", Subquery(went_live[:1]))
        .first()
    )
    if row is None:  # a new or emptied database
        content_changed()
        return read_version(using=router.db_for_write(ContentVersion))  # a replica may lag
    version, live = row
    return f"{version}.{live.timestamp() if live else 0}"
