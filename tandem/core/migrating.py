"""Helpers for code that runs after ``migrate`` (``post_migrate`` handlers that seed defaults)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def fully_migrated(app_label: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether every migration of the app (and what it depends on) is applied on ``using``.

    ``migrate`` sends ``post_migrate`` to every app, also after migrating one app to an earlier
    migration (``tandem migrate customers 0002``); a handler that seeds rows through today's
    models would then query tables or columns that are not there yet, so it asks this first.
    """
    executor = MigrationExecutor(connections[using])
    leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] == app_label]
    return not executor.migration_plan(leaves)
