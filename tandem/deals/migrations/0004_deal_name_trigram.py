"""A trigram index for searching deals by name on PostgreSQL (docs/decisions/0009, "Searching deals by name").

Lists, the board and the global search find deals with ``name__icontains``, which PostgreSQL runs
as ``UPPER(name::text) LIKE '%…%'``: without this index, a scan of every deal the person may see.
The index serves terms of three characters or more. SQLite has no such index and scans, which is
fine at the sizes it is meant for. ``pg_trgm`` ships with PostgreSQL and is a trusted extension
(PostgreSQL 13 and later), so the database's owner may create it.
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS deal_name_trgm ON deals_deal "
        "USING gin (UPPER(name::text) gin_trgm_ops) WHERE deleted_at IS NULL"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS deal_name_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('deals', '0003_stage_totals'),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
