"""``tandem search-index --check`` / ``--rebuild``: the search text of accounts, contacts, leads and
deals (docs/decisions/0025).

``--check`` counts the rows whose stored search text is not what their fields give (for example
after rows were written by SQL outside Tandem) and exits 1 when there are any; ``--rebuild``
rewrites those rows in batches and creates the PostgreSQL indexes if they are missing.
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tandem.search import indexing
from tandem.search.text import SEARCH_FIELDS


class Command(BaseCommand):
    requires_system_checks: list[str] = []

    help = "Check or rebuild the search text (pinyin and initials) of accounts, contacts, leads and deals."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="count stale rows; exit 1 when there are any")
        group.add_argument(
            "--rebuild", action="store_true", help="rewrite stale rows, create missing indexes"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stale_total = 0
        for label in SEARCH_FIELDS:
            model = apps.get_model(label)
            table = model._meta.db_table
            if options["rebuild"]:
                written = indexing.backfill(model, label, only_stale=True)
                indexing.create_indexes(connection, table)
                self.stdout.write(f"{label}: {written} row(s) rewritten")
            else:
                stale = indexing.stale(model, label)
                stale_total += stale
                self.stdout.write(f"{label}: {stale} stale row(s)")
        if options["check"] and stale_total:
            raise CommandError(
                f"{stale_total} row(s) with a stale search text: run `tandem search-index --rebuild`"
            )
