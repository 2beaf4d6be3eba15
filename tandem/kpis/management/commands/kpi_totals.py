"""``tandem kpi-totals``: look after the monthly summaries figures read (docs/decisions/0018).

Without options it folds the deltas (what the scheduled job does). ``--check`` compares the
summaries with the records and exits 1 when they differ; ``--rebuild`` refills them from the records
(after restoring a dump taken without the table, for instance).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tandem.kpis import summary


class Command(BaseCommand):
    help = "Check, rebuild or compact the monthly summaries behind the KPI figures."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--check", action="store_true", help="compare with the deals; exit 1 if they differ"
        )
        group.add_argument("--rebuild", action="store_true", help="refill the summaries from the records")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            failed = False
            for kept in summary.SUMMARIES:
                wrong = kept.differences()
                if kept.installed_triggers() != set(kept.triggers):
                    self.stderr.write(f"{kept.table}: triggers missing or for another time zone")
                    failed = True
                for key, table, live in wrong[:20]:
                    self.stderr.write(
                        f"{kept.table} {', '.join(kept.key_columns)} {key}: summary {table}, records {live}"
                    )
                if wrong:
                    self.stderr.write(f"{kept.table}: {len(wrong)} key(s) differ")
                    failed = True
            if failed:
                self.stderr.write("Run tandem kpi-totals --rebuild")
                sys.exit(1)
            self.stdout.write("The monthly summaries agree with the deals and follow-ups.")
            return
        if options["rebuild"]:
            for kept in summary.SUMMARIES:
                kept.ensure_triggers()
                kept.rebuild()
            self.stdout.write("Rebuilt the monthly summaries from the deals and follow-ups.")
        left = summary.compact()
        self.stdout.write(f"Compacted: {left} row(s) left.")
