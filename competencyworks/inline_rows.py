"""Related rows read inside the main query, as a JSON array per row, instead of a prefetch.

A list of cards then costs one query instead of one plus one per relation. The rows land in
Django's prefetch cache, so `post.tags.all()` and friends read them as if prefetched.
"""

from django.db.models import Expression, JSONField
from django.db.models.query import ModelIterable, QuerySet


class JSONRows(Expression):
    """`(SELECT <json array of arrays> FROM ... WHERE <fk> = <outer row's pk>)`.

    `columns` are SQL expressions; `tables_and_filter` is the FROM/WHERE text with
    `{outer}` standing for the outer row's primary key column.
    """

    output_field = JSONField()

    def __init__(self, columns, tables_and_filter, params=()):
        super().__init__()
        self.columns, self.tables_and_filter, self.params = columns, tables_and_filter, params

    def as_sql(self, compiler, connection):
        query = compiler.query
        table = compiler.quote_name_unless_alias(query.get_initial_alias())
        outer = f"{table}.{connection.ops.quote_name(query.model._meta.pk.column)}"
        where = self.tables_and_filter.format(outer=outer)
        columns = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            # As text, so JSONField decodes it the way it does on SQLite.
            array = f"COALESCE(json_agg(json_build_array({columns})), '[]')::text"
        else:
            array = f"json_group_array(json_array({columns}))"
        return f"(SELECT {array} FROM {where})", list(self.params)


def cache_related(instance, name, model, objects):
    """Put `objects` where `prefetch_related(name)` would, so `instance.<name>.all()` reads
    them (a bare queryset: building the related manager's own costs more than the rows)."""
    queryset = QuerySet(model)
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = getattr(instance, "_prefetched_objects_cache", {})
    instance._prefetched_objects_cache[name] = queryset


class InlineRowsIterable(ModelIterable):
    """Model instances whose `attach_inline_rows()` turns the JSON columns into relations."""

    def __iter__(self):
        for instance in super().__iter__():
            instance.attach_inline_rows()
            yield instance
