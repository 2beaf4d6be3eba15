"""``tandem import <resource> <file> [--mapping FILE] [--dry-run] [--mode all|skip] [--sheet NAME] [--user USERNAME]
[--decimal-separator .|,] [--currency CODE] [--amount-from-list-price] [--date-order dmy|mdy|ymd]
[--alias FIELD:FROM=TO ...] [--username-from-name] [--create-missing-managers]``

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
from tandem.imports.fields import DATE_ORDERS, fill_label
from tandem.imports.models import DecimalSeparator, ImportInterface, ImportMode, ImportResource, ImportStatus


def _with_options(mapping: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The mapping with the command line's aliases and options added (they win over the file's)."""
    mapping = {**mapping, "values": {k: dict(v) for k, v in (mapping.get("values") or {}).items()}}
    extra = dict(mapping.get("options") or {})
    if options["date_order"]:
        extra["date_order"] = options["date_order"]
    if options["username_from_name"]:
        extra["username_from_name"] = True
    if options["default_role"]:
        extra["default_role"] = options["default_role"]
    if options["create_missing_managers"]:
        extra["missing_manager"] = True
    mapping["options"] = extra
    for alias in options["alias"]:
        field, sep, rest = alias.partition(":")
        source, eq, target = rest.partition("=")
        if not (sep and eq and field.strip() and source.strip() and target.strip()):
            raise CommandError(
                f"Write an alias as FIELD:FROM=TO, e.g. product:GTXPro=GTX Pro (not {alias!r})."
            )
        mapping["values"].setdefault(field.strip(), {})[source.strip()] = target.strip()
    return mapping


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Import accounts, contacts, leads, deals, products, follow-ups, teams or people from a CSV "
        "or XLSX file."
    )

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
            default=None,
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
        parser.add_argument(
            "--date-order",
            choices=DATE_ORDERS,
            help="How a date such as 03/04/2017 reads: dmy, mdy or ymd. Without it such a date "
            "(day and month could be swapped) is refused.",
        )
        parser.add_argument(
            "--alias",
            action="append",
            default=[],
            metavar="FIELD:FROM=TO",
            help="A value in the file that means another: product:GTXPro=GTX Pro, "
            "industry:technolgy=Technology, stage:Engaging=Proposal. Repeatable; added to the mapping's.",
        )
        parser.add_argument(
            "--username-from-name",
            action="store_true",
            help="People: a row without username or email gets a username made from the name.",
        )
        parser.add_argument(
            "--default-role",
            metavar="CODE",
            help="People: the role (its code, e.g. sales-rep) of a new person whose row names none.",
        )
        parser.add_argument(
            "--create-missing-managers",
            action="store_true",
            help="People: a manager named in the file who has no row (nor a person in Tandem) is "
            "created, in the team of the first person who reports to them.",
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
            mapping = _with_options(mapping, options)
            job = services.job_set_mapping(
                actor=actor,
                job=job,
                mapping=mapping,
                decimal_separator=options["decimal_separator"],
                currency=options["currency"],
                amount_from_list_price=options["amount_from_list_price"],
            )
            self.stdout.write(f"Import #{job.pk}: {job.total_rows} rows; columns:")
            for header in job.headers:
                self.stdout.write(f"  {header} -> {job.mapping['columns'].get(header, '(not imported)')}")
            self.stdout.write(f'decimal separator: "{job.decimal_separator}"')
            job_options = job.mapping.get("options", {})
            if job_options.get("date_order"):
                self.stdout.write(f"date order: {job_options['date_order']}")
            for field, pairs in job.mapping.get("values", {}).items():
                for source, target in pairs.items():
                    self.stdout.write(f"alias: {field}: {source!r} means {target!r}")
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
