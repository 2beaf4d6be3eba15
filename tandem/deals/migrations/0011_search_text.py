"""A search text per deal (name, its pinyin and initials; docs/decisions/0025), back-filled
in batches, and on PostgreSQL its trigram and grams GIN indexes (``tandem.search.indexing``).

Not atomic: the back-fill commits batch by batch, so a million rows do not wait in one
transaction. Running it again is harmless (it recomputes; the indexes are created if missing).
"""

from django.db import migrations, models

from tandem.search.indexing import migration_operations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("deals", "0010_forecast_category"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(*migration_operations("deals.Deal", "deals_deal"), elidable=True),
    ]
