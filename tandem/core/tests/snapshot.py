"""Seed the demo once per test process, then restore a copy of its rows for each test that needs it.

`tandem seed-demo` goes through the services (history, events, notifications, search), which
is what the demo tests check, but it takes about a minute on PostgreSQL. Twenty browser tests
and the demo tests of several apps start from the demo; each now gets the same rows in about a
second: the first caller seeds, ``take`` copies every Django table's rows, later callers
``restore`` them over whatever the database holds (all tables emptied first, triggers and
foreign-key checks off while the rows go in, sequences moved past the largest ids).

A copy is kept for at most ``MAX_AGE`` seconds: the demo is built around "now" (tasks due in
an hour, this week's meetings), so an old copy would drift from what a fresh seed gives.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

MAX_AGE = 15 * 60


@dataclass
class Snapshot:
    output: str
    taken: float
    rows: dict[str, Any] = field(default_factory=dict)


_KEPT: dict[tuple[str, ...], Snapshot] = {}


def seed_demo(*args: str) -> str:
    """What `tandem seed-demo <args>` prints; the database holds the demo company afterwards."""
    if not _can_restore():
        out = io.StringIO()
        call_command("seed_demo", *args, stdout=out)
        return out.getvalue()
    kept = _KEPT.get(args)
    if kept is None or time.monotonic() - kept.taken >= MAX_AGE:
        out = io.StringIO()
        call_command("seed_demo", *args, stdout=out)
        kept = _KEPT[args] = take(out.getvalue())
    else:
        restore(kept)
    return kept.output


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _can_restore() -> bool:
    """PostgreSQL needs a superuser to switch triggers off; SQLite always can."""
    if connection.vendor == "sqlite":
        return True
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW is_superuser")
        return bool(cursor.fetchone()[0] == "on")


def take(output: str) -> Snapshot:
    snapshot = Snapshot(output=output, taken=time.monotonic())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in _tables():
            if connection.vendor == "postgresql":
                buffer = io.BytesIO()
                with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                    for chunk in copy:
                        buffer.write(chunk)
                snapshot.rows[table] = buffer.getvalue()
            else:
                # `+column` reads the stored value as it is: a bare column would go through
                # the converters Django registers for its declared type (time, date, bool).
                columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
                reads = ", ".join(f"+{quote(column)}" for column in columns)
                cursor.execute(f"SELECT {reads} FROM {quote(table)}")
                snapshot.rows[table] = (columns, cursor.fetchall())
    return snapshot


def restore(snapshot: Snapshot) -> None:
    quote = connection.ops.quote_name
    tables = _tables()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("TRUNCATE " + ", ".join(quote(table) for table in tables))
            for table in tables:
                data = snapshot.rows.get(table)
                if data:
                    with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                        copy.write(data)
            models = apps.get_models(include_auto_created=True)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {quote(name)}")
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
                columns, rows = snapshot.rows.get(table, ([], []))
                if rows:
                    names = ", ".join(quote(column) for column in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)
            for _name, sql in triggers:
                cursor.execute(sql)
    # Whatever this process cached from the rows that were there before is stale now.
    ContentType.objects.clear_cache()
    for cache in caches.all():
        cache.clear()
