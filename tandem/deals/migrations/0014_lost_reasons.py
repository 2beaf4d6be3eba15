"""Lost reasons as a list administrators keep (decision 0030): the list, and the deal's reason.

SQLite rebuilds the deals table to add or drop the column, and its triggers go with the old
table; they come back at the end (as in 0011). Reversed, the figures' triggers on other tables
that read the deals table are dropped first: SQLite refuses to rename the rebuilt table while a
trigger names it.
"""

import django.db.models.deletion
import tandem.core.naming
from django.db import migrations, models


def put_triggers_back(apps, schema_editor):
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


def drop_summary_triggers(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "sqlite":
        return
    from tandem.kpis import summary

    tables = set(conn.introspection.table_names())
    for kept in summary.SUMMARIES:
        if kept.table in tables:
            kept.uninstall(conn)


class Migration(migrations.Migration):

    dependencies = [
        ('deals', '0013_list_sort_by_status'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, put_triggers_back),
        migrations.AlterField(
            model_name='deal',
            name='lost_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name='note on the loss'),
        ),
        migrations.CreateModel(
            name='LostReason',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('names', models.JSONField(blank=True, default=dict, verbose_name='name in other languages')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('is_other', models.BooleanField(default=False, editable=False, verbose_name='other (asks for a note)')),
            ],
            options={
                'verbose_name': 'lost reason',
                'verbose_name_plural': 'lost reasons',
                'ordering': ['order', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_other', True)), fields=('is_other',), name='lostreason_one_other')],
            },
            bases=(tandem.core.naming.NamedInLanguages, models.Model),
        ),
        migrations.AddField(
            model_name='deal',
            name='lost_reason_ref',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='deals', to='deals.lostreason', verbose_name='lost reason'),
        ),
            migrations.RunPython(put_triggers_back, drop_summary_triggers),
    ]
