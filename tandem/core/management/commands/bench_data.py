import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    requires_system_checks: list[str] = []

    help = "Generate a synthetic company for the benchmarks (PostgreSQL: COPY; see bench/README.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=300)
        parser.add_argument("--accounts", type=int, default=100_000)
        parser.add_argument("--contacts-per-account", type=int, default=3)
        parser.add_argument("--deals", type=int, default=1_000_000)
        parser.add_argument("--activities", type=int, default=3_000_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has deals.")

    def handle(self, *args: Any, **options: Any) -> None:
        from bench.generate import generate
        from tandem.deals.models import Deal

        if options["if_empty"] and Deal.objects.exists():
            self.stdout.write("The database has deals already: nothing generated.")
            return

        started = time.perf_counter()

        def log(message: str) -> None:
            self.stdout.write(f"[{time.perf_counter() - started:6.0f} s] {message}")

        result = generate(
            people=options["people"],
            accounts=options["accounts"],
            contacts_per_account=options["contacts_per_account"],
            deals=options["deals"],
            activities=options["activities"],
            seed=options["seed"],
            log=log,
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"generated {result} in {elapsed // 60:.0f} min {elapsed % 60:.0f} s")
        )
