"""Indexes in the order the insight rules page their deals (issue 12, the home page).

A rule's page is its first few live open deals ordered by a date with empty dates first, then
id (``rules.keyset_page``). The indexes of 0002 lead with the owner, team or stage and keep empty
dates last, so PostgreSQL could not walk them in that order: it read every flagged deal of a
subtree (68,000 for a region manager at a million deals) and sorted them to keep six. With the
date first and empty dates first it walks the index and stops after the page.

One more, for the manager's "who needs help": the flagged open deals of a subtree counted per
owner read every open deal of the subtree (most are flagged); keyed by team and owner and
carrying the columns the rules test, the count is an index-only scan instead of 26,000 heap pages.

On SQLite empty values already sort first in an ascending index and an index column takes no
``NULLS FIRST``; the same indexes are made without it.
"""

from django.db import migrations

OPEN = "WHERE deleted_at IS NULL AND status = 'open'"
INDEXES = {
    "insights_deal_stale_page": "last_follow_up_at",
    "insights_deal_overdue_page": "expected_close_date",
    "insights_deal_stuck_page": "stage_entered_at",
}


FLAGS = "insights_deal_team_flags"
FLAG_COLUMNS = "id, last_follow_up_at, created_at, expected_close_date, stage_id, stage_entered_at"


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    nulls_first = " NULLS FIRST" if postgres else ""
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON deals_deal ({column}{nulls_first}, id) {OPEN}"
        )
    if postgres:  # INCLUDE is PostgreSQL's; SQLite has no index-only count worth the space
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {FLAGS} ON deals_deal (team_id, owner_id) INCLUDE ({FLAG_COLUMNS}) {OPEN}"
        )


def drop(apps, schema_editor):
    for name in [*INDEXES, FLAGS]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0003_coverage_minimum"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
