"""Fast inserts of many new rows, for the demo generator and the spreadsheet import.

Building a model instance and letting bulk_create prepare it costs tens of
microseconds a row, most of a large load's time; a tuple costs a few. A
RowWriter queues one model's rows as tuples and inserts them in batches
(executemany on SQLite, COPY on PostgreSQL). Ids are reserved up front, so a
child row can point at its parent before anything is inserted: on PostgreSQL
from the table's sequence (safe beside other writers), on SQLite counting on
from the largest id (the loader holds SQLite's single write lock).

Rows written this way skip the actions: callers apply the same rules themselves
and say so (see jobbro/imports/runner.py and jobbro/demo/generator.py).
"""

from enum import Enum

from django.db import connection


class New:
    """A row queued by a RowWriter: its field values by attname and its id, read like a model instance."""

    def __init__(self, values):
        self.__dict__.update(values)


def _plain(value):
    """A choices member as its plain value: psycopg would dump an Enum by name."""
    return value.value if isinstance(value, Enum) else value


class RowWriter:
    REQUIRED = object()

    def __init__(self, model, now):
        meta = model._meta
        self.model = model
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        self.names = [f.attname for f in fields]
        self.defaults = [self._default(f, now) for f in fields]
        self.converters = [
            (i, self._converter(f))
            for i, f in enumerate(fields, start=1)
            if f.choices or f.get_internal_type() in ("JSONField", "DateTimeField")
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in [meta.pk.column] + [f.column for f in fields])
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 1))})"
        self.copy_sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        self.rows = []
        self.ids = []
        self.next_id = None
        self.checked = False
        self.written = 0

    @classmethod
    def _default(cls, field, now):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.has_default():
            return field.get_default()
        if field.null:
            return None
        if field.empty_strings_allowed and field.blank:
            return ""
        return cls.REQUIRED

    @staticmethod
    def _converter(field):
        if field.get_internal_type() == "JSONField":
            return lambda value: connection.ops.adapt_json_value(value, field.encoder)
        if field.get_internal_type() == "DateTimeField":
            return connection.ops.adapt_datetimefield_value
        return _plain

    def _reserve(self):
        meta = self.model._meta
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                block = max(1000, min(50_000, 2 * len(self.rows)))
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, block],
                )
                self.ids = [row[0] for row in cursor.fetchall()]
                self.ids.reverse()
            else:
                if self.next_id is None:
                    quote = connection.ops.quote_name
                    cursor.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {quote(meta.db_table)}")
                    self.next_id = (cursor.fetchone()[0] or 0) + 1
                self.ids = list(range(self.next_id + 9999, self.next_id - 1, -1))
                self.next_id += 10_000

    def add(self, values, record=True):
        """Queue a row (values by attname); return it as a New with its id and every field (or only the id)."""
        if not self.checked:
            unknown = set(values) - set(self.names)
            missing = [
                n for n, d in zip(self.names, self.defaults, strict=True) if d is self.REQUIRED and n not in values
            ]
            if unknown or missing:
                raise TypeError(f"{self.model.__name__}: unknown {sorted(unknown)}, missing {missing}")
            self.checked = True
        if not self.ids:
            self._reserve()
        pk = self.ids.pop()
        row = (pk, *map(values.get, self.names, self.defaults))
        self.rows.append(row)
        if not record:
            return pk
        new = New(zip(self.names, row[1:], strict=True))
        new.pk = new.id = pk
        return new

    def insert(self, **values):
        """Queue a row given as keyword arguments; return its id."""
        return self.add(values, record=False)

    def flush(self):
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        if self.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for i, convert in self.converters:
                    row[i] = convert(row[i])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                for first in range(0, len(rows), 5000):
                    cursor.executemany(self.sql, rows[first : first + 5000])
        self.written += len(rows)
        return len(rows)
