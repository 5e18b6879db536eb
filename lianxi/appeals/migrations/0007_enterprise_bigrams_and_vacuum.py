"""PostgreSQL-only: two-character searches of enterprise names, and a visibility map kept fresh.

* ``enterprise_name_bigram``: the appeal list's search also matches the enterprise's name (用电 → appeals of
  enterprises whose name holds 用电). A two-character term yields no trigram, so that half of the search read the
  whole directory (about 20 ms at 73,900 enterprises, on every two-character search); with the index of
  migration 0004's ``lianxi_bigrams`` on the name it is an index lookup.
* Autovacuum after 1 % of the rows changed (the default is 20 %) on the appeal table and the facts: the lists'
  counts and the numbers are index-only scans, which read the table itself for every page not marked all-visible.
  With the default, a million-appeal table keeps up to 200,000 changed rows — a few days of work spread over
  every recent page — unvacuumed; bench_pages.py measured the handler's two-character search at 134 ms after a
  vacuum and 218 ms with 2 % of the rows changed since.

Nothing happens on other databases.
"""

from django.db import migrations

TABLES = ("appeals_appeal", "stats_appealfact")
VACUUM = ("autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01, "
          "autovacuum_analyze_scale_factor = 0.01")
RESET = "autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('enterprise_name_bigram')")
        row = cursor.fetchone()
        if row is not None and not row[0]:  # left INVALID by an interrupted concurrent build
            cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS enterprise_name_bigram")
        cursor.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS enterprise_name_bigram ON directory_enterprise "
                       "USING gin (lianxi_bigrams(UPPER(name::text)))")
        cursor.execute("ANALYZE directory_enterprise")
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} SET ({VACUUM})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS enterprise_name_bigram")
        for table in TABLES:
            cursor.execute(f"ALTER TABLE {table} RESET ({RESET})")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("appeals", "0006_appeal_meeting"),
        ("directory", "0002_default_channels_categories"),
        ("stats", "0002_mark_existing_appeals"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
