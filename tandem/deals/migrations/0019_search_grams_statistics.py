"""Statistics on the search grams (tandem.search.indexing.create_statistics): PostgreSQL only."""

from django.db import migrations

from tandem.search.indexing import statistics_operations


class Migration(migrations.Migration):
    dependencies = [("deals", "0018_deal_owner_created")]

    operations = [
        migrations.RunPython(*statistics_operations("deals_deal")),
    ]
