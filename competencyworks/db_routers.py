"""Anonymous readers read from the replica; everyone else, and every write, uses the primary.

With DATABASE_REPLICA_URL set, `ReplicaReadsMiddleware` marks each request a cacheable
anonymous read (GET or HEAD without a session cookie, outside the admin: the page cache's
own test) and `ReplicaRouter` sends that request's reads to the "replica" database. A
replica runs a moment behind the primary, so editors (who have a session) always read the
primary and see what they just saved; readers see a change once the replica has it.

The page cache's content version is read through the router like the page itself, so a page
is stored under the version of the data it was built from, never under a newer one.
"""

from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

from competencyworks.pagecache.keys import cacheable_request

REPLICA = "replica"
replica_reads = ContextVar("replica_reads", default=False)


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = replica_reads.set(cacheable_request(request))
        try:
            return self.get_response(request)
        finally:
            replica_reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        # Inside a transaction on the primary a read must see that transaction's writes.
        if replica_reads.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # both databases hold the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica copies the primary's schema
