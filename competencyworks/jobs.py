"""Scheduled commands that run once however many machines start them.

Cron on every app server starts the same job at the same minute: the first to take the
job's lock runs it, the others say so and exit successfully, having done nothing. On
PostgreSQL the lock is a session advisory lock, which the server drops if the process
dies; on SQLite (one machine) it is an exclusive lock on a file beside the database,
which the system drops likewise.
"""

import fcntl
import functools
import hashlib
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


def single_instance(job):
    """Decorate a command's handle(): it runs only while no other process runs `job`."""

    def decorate(handle):
        @functools.wraps(handle)
        def run(command, *args, **options):
            with job_lock(job) as acquired:
                if not acquired:
                    command.stdout.write(f"{job} is already running elsewhere; nothing done.")
                    return None
                return handle(command, *args, **options)

        return run

    return decorate


@contextmanager
def job_lock(job):
    """True inside the block if this process now holds `job`'s lock, else False."""
    if connection.vendor == "postgresql":
        with advisory_lock(job) as acquired:
            yield acquired
    elif connection.is_in_memory_db():
        yield True  # nobody else can see this database
    else:
        with file_lock(Path(connection.settings_dict["NAME"]), job) as acquired:
            yield acquired


@contextmanager
def advisory_lock(job):
    key = int.from_bytes(hashlib.blake2b(job.encode(), digest_size=8).digest(), signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@contextmanager
def file_lock(database, job):
    # Closing the file (or the process ending) releases the lock.
    with open(database.with_name(f"{database.name}.{job}.lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            acquired = True
        except BlockingIOError:
            acquired = False
        yield acquired
