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

    def handle(self, *args: Any, **options: Any) -> None:
        from bench.run import run

        run(runs=options["runs"], out=lambda m: self.stdout.write(m), only=options["only"])
