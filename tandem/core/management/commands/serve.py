import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Tandem on the embedded web server, with the embedded scheduler when REDIS_URL is unset. "
        "Production uses gunicorn and Celery instead (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", default="8000", help="Port to listen on (default 8000).")

    def handle(self, *args: Any, **options: Any) -> None:
        from tandem.core import scheduler
        from tandem.org.demo import print_demo_logins

        print_demo_logins(self.stdout)
        if not settings.REDIS_URL:
            scheduler.start()
            self.stdout.write("Scheduled jobs run in-process (no REDIS_URL).")
        addr = options["addr"]
        if addr not in {"127.0.0.1", "localhost", "::1"} and "ALLOWED_HOSTS" not in os.environ:
            # Django answers 400 to any host name it was not told about; say so before anyone tries.
            self.stdout.write(
                self.style.WARNING(
                    f"Serving on {addr}: other machines reach Tandem only by the names in ALLOWED_HOSTS, "
                    "e.g. ALLOWED_HOSTS=192.168.1.20,crm.example.com (now: "
                    + ", ".join(settings.ALLOWED_HOSTS)
                    + ")."
                )
            )
        self.stdout.write(f"Tandem is at http://{addr}:{options['port']}/  (Ctrl+C stops it)")
        call_command(
            "runserver", f"{options['addr']}:{options['port']}", use_reloader=False, use_threading=True
        )
