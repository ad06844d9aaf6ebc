"""Site-wide search: one index (SearchDocument) of whatever the apps register.

registry.py: apps declare their searchable models; index.py: documents written after each
commit that changed content; query.py: reading the reader's words and ranking, by database;
views.py: the search page, its feed and the tag pages.
"""

from competencyworks.search.index import reindex
from competencyworks.search.query import MAX_QUERY_LENGTH, search
from competencyworks.search.registry import KINDS, Document, register

__all__ = ["KINDS", "MAX_QUERY_LENGTH", "Document", "register", "reindex", "search"]
