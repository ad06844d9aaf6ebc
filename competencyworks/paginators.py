from django.core.paginator import Paginator
from django.db.models import Subquery
from django.utils.functional import SimpleLazyObject, cached_property

from competencyworks.pagecache.fragments import count_of


class DeepPaginator(Paginator):
    """Walks to a page's rows by their ids alone, then reads just those rows; counts once
    per content version.

    With OFFSET the database builds every skipped row (and each of its per-row subqueries)
    only to throw it away; finding the ids first lets it skip along the index instead, so
    page 400 costs about what page 1 does. Counting walks the list's whole index, and the
    count changes only with content: it is kept per content version under `address` (the
    list's path and filters).
    """

    def __init__(self, object_list, per_page, *, address, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.address = address

    def _check_object_list_is_ordered(self):
        # The views order their lists; checking would build a lazy list (SimpleLazyObject)
        # that a page whose markup is remembered never reads.
        pass

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count

        def rows():
            ids = self.object_list.values("pk")[bottom:top]
            return self.object_list.filter(pk__in=Subquery(ids))

        # Built when the page's rows are read: not at all where its markup is remembered.
        return self._get_page(SimpleLazyObject(rows), number, self)

    @cached_property
    def count(self):
        # Counting a long list walks its whole index; the count only changes with content.
        return count_of(self.object_list, self.address)
