"""PostgreSQL-only indexes for the appeal list at a million appeals (measured with bench/bench_pages.py).

* Trigram (pg_trgm) GIN indexes for the free-text search: ``title__icontains`` and the enterprise
  ``name__icontains`` compile to ``UPPER(col::text) LIKE UPPER('%…%')`` on PostgreSQL, so the indexes are on
  that exact expression. Without them every search reads the whole table.
* ``appeal_recent_scope``: the list order (created_at DESC, id DESC) carrying the columns the access rule and the
  common filters test (state, lead department, enterprise). A handler's list (lead OR co-handled) and its count
  become an index-only walk instead of a read of the 1 GB table.
* The deadline filters (``deadline=overdue`` / ``due_soon``, 我的待办's 已超期/即将到期) look only at running
  appeals (dispatched, handling): a few percent of the rows. Two small partial indexes, by deadline and by
  registration order, answer their counts and pages without visiting the table, for a handler too.

Built CONCURRENTLY (the migration is not atomic) so that applying it to a live database does not block
registrations, then ANALYZE so the planner has statistics on the indexed expressions. Nothing happens on other
databases (SQLite in tests and the demo); the trigram indexes are skipped, with a notice, where the pg_trgm
extension is not available.
"""

from django.db import migrations

RUNNING = "state IN ('dispatched', 'handling')"  # the states in which the 办结 clock runs

TRIGRAM = [
    ("appeal_title_trgm", "appeals_appeal", "USING gin (UPPER(title::text) gin_trgm_ops)"),
    ("enterprise_name_trgm", "directory_enterprise", "USING gin (UPPER(name::text) gin_trgm_ops)"),
]
PLAIN = [
    ("appeal_recent_scope", "appeals_appeal",
     "(created_at DESC, id DESC) INCLUDE (state, lead_department_id, enterprise_id)"),
    ("appeal_running_due", "appeals_appeal", f"(due_at) INCLUDE (id, lead_department_id) WHERE {RUNNING}"),
    ("appeal_running_recent", "appeals_appeal",
     f"(created_at DESC, id DESC) INCLUDE (due_at, lead_department_id) WHERE {RUNNING}"),
]


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        trigram = cursor.fetchone() is not None
        indexes = list(PLAIN)
        if trigram:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            indexes += TRIGRAM
        else:
            print("\n  pg_trgm is not available: the search indexes are skipped (searches scan the table)")
        for name, table, definition in indexes:
            # A concurrent build that failed leaves an INVALID index behind: drop it before trying again.
            cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [name])
            row = cursor.fetchone()
            if row is not None and not row[0]:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {definition}")
        cursor.execute("ANALYZE appeals_appeal")
        cursor.execute("ANALYZE directory_enterprise")


def drop(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _, _ in PLAIN + TRIGRAM:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("appeals", "0002_idempotency_response"),
        ("directory", "0002_default_channels_categories"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
