"""Give the built-in roles of an existing company their announcement grants (tandem/org/roles.py):
``role_sync_builtin`` only writes grants when it creates a role. A grant an administrator already
set is left alone."""

from typing import Any

from django.db import migrations

GRANTS = {
    "sales-director": (["view", "create", "edit", "delete"], "all"),
    "sales-manager": (["view", "create", "edit", "delete"], "subtree"),
    "sales-rep": (["view"], "own"),
    "account-manager": (["view"], "own"),
    "technical-support": (["view"], "own"),
}


def grant(apps: Any, schema_editor: Any) -> None:
    Role = apps.get_model("org", "Role")
    RoleGrant = apps.get_model("org", "RoleGrant")
    for role in Role.objects.filter(code__in=GRANTS, is_builtin=True):
        actions, scope = GRANTS[role.code]
        RoleGrant.objects.get_or_create(
            role=role, resource="announcement", defaults={"actions": actions, "scope": scope}
        )


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_initial"), ("org", "0006_position_descriptions")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
