"""PostgreSQL-only: an index for two-character searches of appeal titles (用电, 融资, 社保, 退税 …).

pg_trgm cannot help a two-character term: ``LIKE '%用电%'`` yields no trigram, so the trigram index of 0003
degenerates into a full index scan (3-5 s at a million appeals) and, without it, the count reads the whole
table. Chinese users mostly type two-character words, so titles also get a GIN index on the set of their
character pairs, ``lianxi_bigrams(UPPER(title))``. A two-character term is then found with
``lianxi_bigrams(UPPER(title)) @> ARRAY[UPPER(term)]`` (see bench/proposals.py, "search", for the filter that
uses it; measured in bench/README.md). Nothing happens on other databases.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION lianxi_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT ARRAY(SELECT DISTINCT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i) $$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('appeal_title_bigram')")
        row = cursor.fetchone()
        if row is not None and not row[0]:  # left INVALID by an interrupted concurrent build
            cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS appeal_title_bigram")
        cursor.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS appeal_title_bigram ON appeals_appeal "
                       "USING gin (lianxi_bigrams(UPPER(title::text)))")
        cursor.execute("ANALYZE appeals_appeal")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX CONCURRENTLY IF EXISTS appeal_title_bigram")
        cursor.execute("DROP FUNCTION IF EXISTS lianxi_bigrams(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("appeals", "0003_search_and_deadline_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
