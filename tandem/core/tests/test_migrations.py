"""Migrations that keep data when reversed (a release rolled back: docs/operations.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from tandem.core.models import HistoryAction, HistoryEntry
from tandem.org.models import User

BEFORE_SAID = ("core", "0006_history_audit_columns")


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def back_to_the_latest() -> Iterator[None]:
    """Whatever the test reverses, the database ends at the latest migrations again."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def entry(message: str, said: dict[str, object] | None) -> int:
    return HistoryEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_id=1,
        object_repr="Alpha Ltd",
        action=HistoryAction.EVENT,
        at="2026-11-27T06:00:00Z",
        message=message,
        message_said=said,
    ).pk


def message_of(pk: int) -> str:
    with connection.cursor() as cursor:  # the model has message_said; the table no longer does
        cursor.execute("SELECT message FROM core_historyentry WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_reversing_core_0007_keeps_the_notes_the_system_wrote(back_to_the_latest: None) -> None:
    # Written by a job in a Chinese team's language: kept as text and as msgid and parameters.
    reclaimed = entry(
        "已 30 天无进行中商机。", {"id": "No open deal for %(days)d days.", "params": {"days": 30}}
    )
    claimed = entry("", {"id": "claimed", "params": {}})
    typed = entry("打了电话, 下周再联系", None)  # a note a person typed: never rewritten

    migrate([BEFORE_SAID])

    # The code of before 0007 reads `message` only: it says what the kept note said, in the
    # language every catalogue translates from.
    assert message_of(reclaimed) == "No open deal for 30 days."
    assert message_of(claimed) == "claimed"
    assert message_of(typed) == "打了电话, 下周再联系"

    migrate([("core", "0007_history_message_said")])
    assert HistoryEntry.objects.get(pk=reclaimed).message == "No open deal for 30 days."
    assert HistoryEntry.objects.get(pk=reclaimed).message_said is None


def test_every_migration_of_tandem_can_be_reversed() -> None:
    """A release's migrations can be rolled back (`tandem migrate <app> <previous>`): no operation
    without its way back (a RunPython without reverse code, a RunSQL without reverse SQL)."""
    ours = {config.label for config in apps.get_app_configs() if config.name.startswith("tandem.")}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    irreversible = [
        f"{app}.{name}: {operation.describe()}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in ours
        for operation in migration.operations
        if not operation.reversible
    ]
    assert irreversible == []


@pytest.mark.django_db
def test_the_system_checks_with_the_database_say_nothing() -> None:
    """`migrate` runs the checks that need the database: on SQLite a covering index's included
    columns are ignored, which is fine, and must not print a warning on every command."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("check", databases=["default"], stdout=out, stderr=out)
    assert "System check identified no issues" in out.getvalue(), out.getvalue()
