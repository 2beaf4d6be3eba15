import json
import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    requires_system_checks: list[str] = []

    help = "Run the benchmarks against the current database (after `tandem bench-data`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument(
            "--only", action="append", default=[], help="run the cases whose name contains this (repeatable)"
        )
        parser.add_argument(
            "--json",
            metavar="FILE",
            help="also write every case's figures to FILE as JSON (- for standard output)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from bench.run import run

        results = run(runs=options["runs"], out=lambda m: self.stdout.write(m), only=options["only"])
        if options["json"]:
            clean = [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in results
            ]
            text = json.dumps({"runs": options["runs"], "cases": clean}, ensure_ascii=False, indent=1)
            if options["json"] == "-":
                self.stdout.write(text)
            else:
                Path(options["json"]).write_text(text + "\n", encoding="utf-8")
