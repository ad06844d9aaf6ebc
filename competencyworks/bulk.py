"""Writing thousands of new rows of a model: what bulk_create() and Model() do, made cheap
for imports, which write a post, its byline and its revision by the thousand."""

import functools

from django.db import connections, models, router


def insert(objects, as_given=()):
    """bulk_create() for new rows of one model, without the ORM compiling SQL for each value:
    the same values (each field's pre_save and database preparation), the same primary keys
    set on the objects, in few statements (by COPY on PostgreSQL). Fields named in
    `as_given` store the values the objects hold, without their pre_save (auto_now)."""
    if not objects:
        return
    model = type(objects[0])
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    prepare = [preparation(field, connection, field.name in as_given) for field in fields]
    if connection.vendor == "postgresql":
        copy_new(model, objects, fields, prepare, connection)
        return
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    size = max(connection.ops.bulk_batch_size(fields, objects), 1)
    returning = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), size):
            chunk = objects[start : start + size]
            values = [to_db(obj) for obj in chunk for to_db in prepare]
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({columns}) "
                f"VALUES {', '.join([row] * len(chunk))} RETURNING {returning}",
                values,
            )
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, using


def copy_new(model, objects, fields, prepare, connection):
    """PostgreSQL: take the rows' ids from the table's sequence, then send the rows by COPY.

    An INSERT of thousands of rows is a statement psycopg parses and quotes value by value
    on the client (over half of an import's writing there); COPY streams them as they are."""
    table, key = model._meta.db_table, model._meta.pk.column
    columns = ", ".join(connection.ops.quote_name(c) for c in [key, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, key, len(objects)],
        )
        ids = [new_id for (new_id,) in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj, new_id in zip(objects, ids, strict=True):
                copy.write_row([new_id, *(to_db(obj) for to_db in prepare)])
    for obj, new_id in zip(objects, ids, strict=True):
        obj.pk = new_id
        obj._state.adding, obj._state.db = False, connection.alias


def insert_rows(table, columns, rows, using="default"):
    """Plain rows into `table`, with no model instance each: COPY on PostgreSQL, one
    executemany() elsewhere."""
    connection = connections[using]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",
                rows,
            )


# Values these fields store as they are: their preparation would return them unchanged.
PLAIN_VALUES = [
    ((models.CharField, models.TextField), (str, type(None))),
    ((models.IntegerField, models.ForeignKey), (int, type(None))),
    ((models.BooleanField,), (bool,)),
]


FOREIGN_KEY_PREP = models.ForeignKey.get_db_prep_save


def preparation(field, connection, as_given=False):
    """obj -> the value `field` of a new row stores, as bulk_create() prepares it (without
    pre_save if `as_given`); values that preparation leaves as they are skip it (a few calls
    fewer for each of thousands)."""
    attname = field.attname
    if type(field).pre_save is not models.Field.pre_save and not as_given:  # auto_now, files
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    plain = ()
    if type(field).get_db_prep_save in (models.Field.get_db_prep_save, FOREIGN_KEY_PREP):
        plain = next((kinds for classes, kinds in PLAIN_VALUES if isinstance(field, classes)), ())
    if isinstance(field, models.ForeignKey) and not isinstance(
        field.target_field, models.AutoField
    ):
        plain = ()  # keys to anything but a numbered id are prepared as their target is

    def to_db(obj):
        value = getattr(obj, attname)
        return value if type(value) in plain else field.get_db_prep_save(value, connection)

    return to_db


def new_instance(model, **values):
    """model(**values) through Model.__init__'s quick way, every field's value in order: for a
    post half the cost of keywords, which look up each missing field's default."""
    return model(
        *(
            values[attname] if attname in values else default() if fresh else default
            for attname, default, fresh in field_defaults(model)
        )
    )


@functools.cache
def field_defaults(model):
    """(attname, default, whether the default is a function called for each new row) of each
    concrete field of `model`, in order."""
    return [
        (field.attname, field.get_default, True)
        if field.has_default() and callable(field.default)
        else (field.attname, field.get_default(), False)
        for field in model._meta.concrete_fields
    ]
