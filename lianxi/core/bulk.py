"""Bulk reads and writes for imports of tens of thousands of rows (the enterprise directory, the quarterly
indicators): seconds where the ORM's per-row or bulk_* paths take minutes (bench/bench_import.py,
bench/bench_indicators.py).

The callers pass their batch sizes, so that a test can shrink them to walk the chunked paths.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator

from django.db import connection, models

BATCH_SIZE = 1000
# Keeps each ``IN (…)`` list well under SQLite's bound-parameter limit.
LOOKUP_CHUNK = 900


def chunks(items: list, size: int | None = None) -> Iterable[list]:
    size = size or LOOKUP_CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def matching(queryset, field: str, keys: list, *values: str, chunk: int = LOOKUP_CHUNK) -> Iterator[tuple]:
    """``values_list(field, *values)`` of the rows whose ``field`` is one of ``keys``. When the keys are a good
    share of the table, one scan filtered here beats chunked ``IN`` lists: PostgreSQL spends seconds parsing and
    planning 70,000 bound literals."""
    if not keys:
        return
    if len(keys) * 2 >= queryset.count():
        wanted = set(keys)
        yield from (row for row in queryset.values_list(field, *values).iterator(chunk_size=5000)
                    if row[0] in wanted)
        return
    for part in chunks(keys, chunk):
        yield from queryset.filter(**{f"{field}__in": part}).values_list(field, *values)


# Columns whose values, as the importers build them (str, int, None), go to the driver unchanged: for these
# get_db_prep_save is the identity, and skipping 700,000 calls to it is most of the write time saved.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.ForeignKey)


def db_value(field, value):
    return value if isinstance(field, _PLAIN_FIELDS) else field.get_db_prep_save(value, connection)


def insert_rows(model, rows: list[dict], *, constants: dict | None = None, bar=None,
                batch_size: int = BATCH_SIZE) -> None:
    """Insert ``rows`` (attname -> plain value: str, int, Decimal, None); an attname a row lacks takes
    ``constants``, else the field's default. Primary keys are not returned.

    Not bulk_create: at 70,000 rows it spends most of its time building instances and compiling SQL, and on
    SQLite it is capped at 999 parameters a statement. Here PostgreSQL gets ``COPY`` (a huge multi-row INSERT
    makes psycopg re-parse every placeholder on the client) and SQLite multi-row INSERTs within its limit.
    """
    opts = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    base = {f.attname: f.get_db_prep_save((constants or {}).get(f.attname, f.get_default()), connection)
            for f in fields}
    names = list(base)
    table, columns = quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for chunk in chunks(rows, batch_size):
                    for row in chunk:
                        copy.write_row([row.get(name, base[name]) for name in names])
                    if bar is not None:
                        bar.update(len(chunk))
            return
        per_statement = min(batch_size, (connection.features.max_query_params or 65535) // len(fields))
        placeholder = f"({', '.join(['%s'] * len(fields))})"
        for chunk in chunks(rows, per_statement):
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))}",
                           [row.get(name, base[name]) for row in chunk for name in names])
            if bar is not None:
                bar.update(len(chunk))


def update_rows(model, updates: list[tuple[int, dict]], *, stamp: tuple[str, object], bar,
                batch_size: int = BATCH_SIZE) -> None:
    """Write the changed columns of existing rows, ``updates`` being (pk, {field: new value}), grouped by the set of
    changed columns; ``stamp`` (field, value), such as ("updated_at", now), is set on every row written. Not
    bulk_update: it builds a CASE WHEN per column over each batch and managed ~600 rows/s on the benchmark. SQLite
    gets ``UPDATE … WHERE id = ?`` through executemany (in-process, cheap); PostgreSQL gets the new values COPYed
    into a temporary table and one ``UPDATE … FROM`` it, instead of a round trip per row."""
    opts = model._meta
    quote = connection.ops.quote_name
    table, pk_column = quote(opts.db_table), quote(opts.pk.column)
    stamp_field = opts.get_field(stamp[0])
    stamp_value = stamp_field.get_db_prep_save(stamp[1], connection)
    groups: dict[tuple[str, ...], list[tuple[int, dict]]] = defaultdict(list)
    for pk, diff in updates:
        groups[tuple(sorted(diff))].append((pk, diff))
    with connection.cursor() as cursor:
        for names, rows in groups.items():
            fields = [opts.get_field(name) for name in names]
            columns = [quote(f.column) for f in fields]
            if connection.vendor == "postgresql":
                staged = ", ".join([pk_column, *columns])
                cursor.execute(f"CREATE TEMPORARY TABLE import_changes ON COMMIT DROP AS "
                               f"SELECT {staged} FROM {table} WITH NO DATA")
                with cursor.copy(f"COPY import_changes ({staged}) FROM STDIN") as copy:
                    for chunk in chunks(rows, batch_size):
                        for pk, diff in chunk:
                            copy.write_row([pk, *(db_value(f, diff[n]) for f, n in zip(fields, names))])
                        bar.update(len(chunk))
                assignments = ", ".join([*(f"{c} = changes.{c}" for c in columns),
                                         f"{quote(stamp_field.column)} = %s"])
                cursor.execute(f"UPDATE {table} SET {assignments} FROM import_changes AS changes "
                               f"WHERE {table}.{pk_column} = changes.{pk_column}", [stamp_value])
                cursor.execute("DROP TABLE import_changes")
                continue
            assignments = ", ".join(f"{c} = %s" for c in [*columns, quote(stamp_field.column)])
            sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"
            for chunk in chunks(rows, batch_size):
                cursor.executemany(sql, [[*(db_value(f, diff[n]) for f, n in zip(fields, names)), stamp_value, pk]
                                         for pk, diff in chunk])
                bar.update(len(chunk))


def write_rows(model, to_create: list[dict], updates: list[tuple[int, dict]], *, constants: dict,
               stamp: tuple[str, object], progress, batch_size: int = BATCH_SIZE) -> None:
    """``insert_rows`` then ``update_rows``, under one progress bar ("写入") from the tqdm-like ``progress``."""
    bar = progress(total=len(to_create) + len(updates), desc="写入", unit="行")
    try:
        insert_rows(model, to_create, constants=constants, bar=bar, batch_size=batch_size)
        update_rows(model, updates, stamp=stamp, bar=bar, batch_size=batch_size)
    finally:
        bar.close()
