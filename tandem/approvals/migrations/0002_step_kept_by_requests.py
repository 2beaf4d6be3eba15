"""A step a flow no longer has stays for the requests that name it (approvals.services.flow_save).

Only the column's NOT NULL goes: no row changes, and PostgreSQL drops the constraint without
rewriting the table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="approvalstep",
            name="flow",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="steps",
                to="approvals.approvalflow",
            ),
        ),
    ]
