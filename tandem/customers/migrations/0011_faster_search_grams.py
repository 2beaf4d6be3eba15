"""The search grams function in 40% of the time, same pieces (tandem.search.indexing): PostgreSQL only.

Every account, contact, lead and deal written evaluates it for its grams index; an import of accounts
spent more time in it than in everything else it writes. Nothing is rebuilt: the function gives every
text the same grams as before.
"""

from django.db import migrations

from tandem.search.indexing import grams_function_operations


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_search_grams_statistics")]

    operations = [migrations.RunPython(*grams_function_operations())]
