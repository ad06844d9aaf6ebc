"""Publishing: the states every public item shares, and what happens after content changes.

`states` holds draft / published / private with `publish_at` scheduling; `changes` records
each change to public content once per transaction and acts on it after commit.
"""

from competencyworks.publishing.states import (
    SLUG_TRIES,
    Publishable,
    PublishedQuerySet,
    Stamped,
    Status,
    unique_slug,
)

__all__ = ["SLUG_TRIES", "Publishable", "PublishedQuerySet", "Stamped", "Status", "unique_slug"]
