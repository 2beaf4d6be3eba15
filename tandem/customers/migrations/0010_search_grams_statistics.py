"""Statistics on the search grams (tandem.search.indexing.create_statistics): PostgreSQL only."""

from django.db import migrations

from tandem.search.indexing import statistics_operations


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_list_sorts")]

    operations = [
        migrations.RunPython(*statistics_operations("customers_account")),
        migrations.RunPython(*statistics_operations("customers_contact")),
    ]
