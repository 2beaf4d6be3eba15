"""``tandem export <resource> <file.csv|file.xlsx> [--user USERNAME]``: every record the person may see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.access import Actor
from tandem.imports.cli import command_user
from tandem.imports.exporting import write_file
from tandem.imports.models import ImportResource


class Command(BaseCommand):
    help = "Export accounts, contacts, leads, deals, products or follow-ups to CSV or XLSX (in the import's columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resource", choices=ImportResource.values, help="What to export: %(choices)s.")
        parser.add_argument(
            "file", type=Path, help="The file to write: .csv or .xlsx (the name's ending decides)."
        )
        parser.add_argument("--user", help="Username of the person exporting (default: the only superuser).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.for_user(command_user(options["user"]))
        try:
            count = write_file(actor=actor, resource=options["resource"], path=options["file"])
        except PermissionDenied as exc:
            raise CommandError("This person may not export these records.") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} records written to {options['file']}")
