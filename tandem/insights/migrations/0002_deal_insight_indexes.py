"""Indexes on the deals table that the insight rules walk (docs/decisions/0024).

Created here, as SQL, rather than as ``Meta.indexes`` of ``deals.Deal``: they serve this app's
queries only, and removing the app removes them. Partial on live open deals, so they hold the
open pipeline only (a fraction of a million deals) and stay small as closed history grows:

- owner or team, then last follow-up: "no follow-up for N days" in a person's or a subtree's scope;
- stage, then when it was entered: "far longer in a stage than its median".

(Overdue close dates use the deals app's ``deal_team_close`` / ``deal_owner_stage_close``.)
"""

from django.db import migrations

OPEN = "WHERE deleted_at IS NULL AND status = 'open'"
INDEXES = {
    "insights_deal_owner_followup": "(owner_id, last_follow_up_at, id)",
    "insights_deal_team_followup": "(team_id, last_follow_up_at, id)",
    "insights_deal_stage_entered": "(stage_id, stage_entered_at, id)",
}


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
        ("deals", "0009_deal_opened_index"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON deals_deal {columns} {OPEN}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns in INDEXES.items()
    ]
