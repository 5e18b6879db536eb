"""Appeals that exist before the facts table get their facts from the first refresh: mark them all stale."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "INSERT INTO stats_staleappeal (appeal_id) SELECT id FROM appeals_appeal",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
