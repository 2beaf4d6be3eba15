"""A search text per deal (name, its pinyin and initials; docs/decisions/0025), back-filled
in batches, and on PostgreSQL its trigram and grams GIN indexes (``tandem.search.indexing``).

Not atomic: the back-fill commits batch by batch, so a million rows do not wait in one
transaction. Running it again is harmless (it recomputes; the indexes are created if missing).
"""

from django.db import migrations, models

from tandem.search.indexing import migration_operations


def put_triggers_back(apps, schema_editor):
    """SQLite rebuilds the deals table to add (or drop) a column, and its triggers go with the old
    table: the board totals' and, where installed, the figures' summaries' come back here."""
    conn = schema_editor.connection
    if conn.vendor != "sqlite":
        return
    from tandem.deals import totals
    from tandem.kpis import summary

    totals.ensure_triggers(conn)
    tables = set(conn.introspection.table_names())
    for kept in summary.SUMMARIES:
        if kept.table in tables:
            kept.ensure_triggers(conn)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0010_forecast_category"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, put_triggers_back),
        migrations.AddField(
            model_name="deal",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(put_triggers_back, migrations.RunPython.noop),
        migrations.RunPython(*migration_operations("deals.Deal", "deals_deal"), elidable=True),
    ]
