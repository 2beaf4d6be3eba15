"""The `tandem` console command: Django's manage.py under the project's name.

`tandem migrate`, `tandem seed-demo`, `tandem createsuperuser`, `tandem serve`, ...
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "tandem"
    # Commands are spelled with hyphens on the command line (seed-demo) and underscores in Python.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
