"""Pre-aggregated board totals (docs/decisions/0009): the table, the triggers that keep it, and
its first fill from the deals already there.

The trigger SQL has one definition, in tandem/deals/totals.py, which this migration installs.
A later change to it ships its own migration calling ``totals.install`` again (it replaces the
functions and triggers and refills the table).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install(apps, schema_editor):
    from tandem.deals import totals

    totals.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from tandem.deals import totals

    totals.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('deals', '0002_deleted_by_audit_column'),
        ('org', '0002_deleted_by_audit_column'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DealStageTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('currency', models.CharField(max_length=3)),
                ('deals', models.BigIntegerField()),
                ('amount', models.DecimalField(decimal_places=2, max_digits=20)),
                ('owner', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('stage', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='deals.stage')),
                ('team', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.team')),
            ],
            options={
                'indexes': [models.Index(fields=['stage', 'owner'], name='deal_stage_total_stage')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
