#!/usr/bin/env python
"""Same as the `tandem` console command, for those used to manage.py."""

from tandem.cli import main

if __name__ == "__main__":
    main()
