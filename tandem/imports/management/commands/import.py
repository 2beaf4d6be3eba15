"""``tandem import <resource> <file> [--mapping FILE] [--dry-run] [--mode all|skip] [--sheet NAME] [--user USERNAME]
[--decimal-separator .|,] [--currency CODE] [--amount-from-list-price]``

The same service as the web and the API: the file's columns are mapped (the suggestion, or the
JSON ``--mapping``), every row is checked, and unless ``--dry-run`` the file is imported. The
per-row report, the values filled by a rule and the counts are printed; the exit status is 1 when
the file cannot be imported (unreadable, too large, no rows below its header) or any row has an
error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.access import Actor
from tandem.imports import selectors, services
from tandem.imports.cli import command_user
from tandem.imports.fields import fill_label
from tandem.imports.models import DecimalSeparator, ImportInterface, ImportMode, ImportResource, ImportStatus


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Import accounts, contacts, leads, deals, products or follow-ups from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "resource", choices=ImportResource.values, help="What the file holds: %(choices)s."
        )
        parser.add_argument(
            "file", type=Path, help="The .csv or .xlsx file; its first row names the columns."
        )
        parser.add_argument(
            "--mapping",
            type=Path,
            help='JSON file: {"columns": {"column": "field"}, "values": {...}} (default: the suggested mapping).',
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row; write nothing.")
        parser.add_argument(
            "--mode",
            choices=ImportMode.values,
            default=ImportMode.ALL,
            help="all: any bad row stops the import (nothing is written); skip: import the good rows. "
            "Default: all.",
        )
        parser.add_argument(
            "--sheet",
            default="",
            help="The sheet of an .xlsx workbook to read (default: the first that holds anything).",
        )
        parser.add_argument("--user", help="Username of the person importing (default: the only superuser).")
        parser.add_argument(
            "--import-duplicates",
            action="store_true",
            help="Import rows that only look like existing records, with a warning "
            "(duplicates a rule blocks are never imported).",
        )
        parser.add_argument(
            "--decimal-separator",
            choices=DecimalSeparator.values,
            default=DecimalSeparator.POINT,
            help='How the file writes numbers: "." (12,500.50, the default) or "," (12.500,50). '
            "A number that could be read either way is refused, never guessed.",
        )
        parser.add_argument(
            "--currency",
            choices=settings.CURRENCIES,
            help="The currency of every row whose currency cell is blank or not mapped. Deals and "
            "products need it unless the file has a currency column.",
        )
        parser.add_argument(
            "--amount-from-list-price",
            action="store_true",
            help="Deals: fill a blank amount from the product's list price (default: leave it blank).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        actor = Actor.for_user(command_user(options["user"]))
        try:
            with path.open("rb") as handle:
                job = services.job_create(
                    actor=actor,
                    resource=options["resource"],
                    upload=File(handle, name=path.name),
                    mode=options["mode"],
                    import_duplicates=options["import_duplicates"],
                    sheet=options["sheet"],
                    interface=ImportInterface.CLI,
                )
            if len(job.sheets) > 1:
                others = ", ".join(s for s in job.sheets if s != job.sheet)
                self.stdout.write(
                    f"Reading the sheet {job.sheet!r}; the workbook has other sheets with data: {others} "
                    "(choose one with --sheet NAME)."
                )
            mapping = services.mapping_from_file(options["mapping"]) if options["mapping"] else job.mapping
            job = services.job_set_mapping(
                actor=actor,
                job=job,
                mapping=mapping,
                decimal_separator=options["decimal_separator"],
                currency=options["currency"] or "",
                amount_from_list_price=options["amount_from_list_price"],
            )
            self.stdout.write(f"Import #{job.pk}: {job.total_rows} rows; columns:")
            for header in job.headers:
                self.stdout.write(f"  {header} -> {job.mapping['columns'].get(header, '(not imported)')}")
            self.stdout.write(f'decimal separator: "{job.decimal_separator}"')
            if job.currency:
                self.stdout.write(f"currency of the file: {job.currency}")
            if options["dry_run"]:
                job = services.job_dry_run(actor=actor, job=job, background=False)
            else:
                job = services.job_commit(actor=actor, job=job, background=False)
        except PermissionDenied as exc:
            raise CommandError("This person may not import these records.") from exc
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        for row in selectors.job_rows(job=job, status="problems").iterator():
            for message in row.messages:
                column = f" [{message['column']}]" if message.get("column") else ""
                self.stdout.write(f"row {row.row_number}{column} {message['level']}: {message['message']}")
        if len(job.problems) > 1:
            self.stdout.write("most frequent problems:")
            for problem in job.problems:
                column = f" [{problem['column']}]" if problem["column"] else ""
                self.stdout.write(
                    f"  {problem['rows']} rows{column} {problem['level']}, e.g. {problem['example']}"
                )
        for fill in job.fills:
            self.stdout.write(f"filled by a rule, {fill['rows']} rows: {fill_label(fill['rule'])}")
        verb = "would be " if options["dry_run"] else ""
        self.stdout.write(
            f"rows {job.total_rows}, valid {job.valid_rows}, {verb}created {job.created_count}, "
            f"{verb}updated {job.updated_count}, skipped {job.skipped_count} (unchanged or held back), "
            f"failed {job.failed_count}, "
            f"warnings {job.warning_count}"
        )
        if job.error:
            self.stderr.write(job.error)
        if job.status in (ImportStatus.FAILED, ImportStatus.INTERRUPTED) or job.failed_count:
            raise SystemExit(1)
