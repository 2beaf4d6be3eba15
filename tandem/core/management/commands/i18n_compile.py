from typing import Any

from django.core.management.base import BaseCommand

from tandem.core.i18n import compile_all


class Command(BaseCommand):
    help = "Compile every app's zh_Hans catalogue (.po) to .mo with polib; no gettext tools needed."

    def handle(self, *args: Any, **options: Any) -> None:
        written = compile_all()
        if options["verbosity"] > 1 or written:
            self.stdout.write(f"compiled {len(written)} catalogue(s)")
