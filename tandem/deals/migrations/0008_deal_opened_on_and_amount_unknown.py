"""A deal's opened date (a date, filled from the day it was created) and an amount that may be
unknown (docs/decisions/0012).

- ``opened_on``: added, then filled for existing deals with the date of ``created_at`` in the
  server's time zone (the day it was entered is the best knowledge there is).
- ``amount``: may be empty. The board totals' triggers count an empty amount as 0, so they are
  installed again with that definition (``totals.install`` also refills the table). They are
  taken off first: filling ``opened_on`` then touches no totals, and SQLite drops them anyway
  when it rebuilds the table to alter ``amount``.

Reversing keeps the data the older schema can hold: an empty amount becomes 0 (the older
schema's default), and the opened date is dropped with its column.
"""

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import migrations, models

BATCH = 5000


def take_off_totals(apps, schema_editor):
    from tandem.deals import totals

    totals.uninstall(schema_editor.connection)


def install_totals(apps, schema_editor):
    from tandem.deals import totals

    totals.install(schema_editor.connection)


def fill_opened_on(apps, schema_editor):
    """``opened_on`` = the local date of ``created_at``, for every deal (recycle bin included)."""
    connection = schema_editor.connection
    Deal = apps.get_model("deals", "Deal")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE deals_deal SET opened_on = (created_at AT TIME ZONE %s)::date WHERE opened_on IS NULL",
                [settings.TIME_ZONE],
            )
        return
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    by_day: dict[datetime.date, list[int]] = defaultdict(list)
    waiting = 0
    rows = Deal.objects.filter(opened_on__isnull=True).values_list("pk", "created_at")
    for pk, created_at in rows.iterator(chunk_size=BATCH):
        by_day[created_at.astimezone(zone).date()].append(pk)
        waiting += 1
        if waiting >= BATCH:
            _write(Deal, by_day)
            by_day, waiting = defaultdict(list), 0
    _write(Deal, by_day)


def _write(Deal, by_day):
    for day, pks in by_day.items():
        for start in range(0, len(pks), 500):
            Deal.objects.filter(pk__in=pks[start : start + 500]).update(opened_on=day)


def empty_amounts_to_zero(apps, schema_editor):
    """Going back: the older schema has no empty amount; 0 was its default."""
    Deal = apps.get_model("deals", "Deal")
    Deal.objects.filter(amount__isnull=True).update(amount=0)


class Migration(migrations.Migration):

    dependencies = [
        ('deals', '0007_field_labels'),
    ]

    operations = [
        migrations.RunPython(take_off_totals, install_totals),
        migrations.AddField(
            model_name='deal',
            name='opened_on',
            field=models.DateField(blank=True, help_text='The day work on the deal started.', null=True, verbose_name='opened on'),
        ),
        migrations.RunPython(fill_opened_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='deal',
            name='amount',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='amount'),
        ),
        migrations.RunPython(migrations.RunPython.noop, empty_amounts_to_zero),
        migrations.RunPython(install_totals, take_off_totals),
    ]
