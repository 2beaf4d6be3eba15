"""``tandem deal-totals``: look after the board's pre-aggregated totals (docs/decisions/0009).

Without options it folds the deltas (what the scheduled job does). ``--check`` compares the
totals with the deals and exits 1 when they differ; ``--rebuild`` refills them from the deals
(after restoring a dump taken without the table, for instance).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tandem.deals import totals


class Command(BaseCommand):
    help = "Check, rebuild or compact the board's pre-aggregated column totals."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--check", action="store_true", help="compare with the deals; exit 1 if they differ"
        )
        group.add_argument("--rebuild", action="store_true", help="refill the totals from the deals")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            wrong = totals.differences()
            if wrong:
                for key, table, live in wrong[:20]:
                    self.stderr.write(f"stage, owner, team, currency {key}: totals {table}, deals {live}")
                self.stderr.write(f"{len(wrong)} key(s) differ; run tandem deal-totals --rebuild")
                sys.exit(1)
            self.stdout.write("The board totals agree with the deals.")
            return
        if options["rebuild"]:
            totals.ensure_triggers()
            totals.rebuild()
            self.stdout.write("Rebuilt the board totals from the deals.")
        left = totals.compact()
        self.stdout.write(f"Compacted: {left} row(s) left.")
