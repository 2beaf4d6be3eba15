"""Give the built-in roles of an existing installation their handoff grants (org.roles): new
installations get them when the roles are first created, after migrate."""

from typing import Any

from django.db import migrations

GRANTS = {
    "sales-director": (["view", "create", "edit"], "all"),
    "sales-manager": (["view", "create", "edit"], "subtree"),
    "sales-rep": (["view", "create", "edit"], "own"),
    "account-manager": (["view", "create", "edit"], "own"),
    "technical-support": (["view", "create", "edit"], "own"),
}


def grant(apps: Any, schema_editor: Any) -> None:
    Role = apps.get_model("org", "Role")
    RoleGrant = apps.get_model("org", "RoleGrant")
    for role in Role.objects.filter(code__in=list(GRANTS), is_builtin=True):
        actions, scope = GRANTS[role.code]
        RoleGrant.objects.get_or_create(role=role, resource="handoff", defaults={"actions": actions, "scope": scope})


class Migration(migrations.Migration):
    dependencies = [("handoffs", "0001_initial"), ("org", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
