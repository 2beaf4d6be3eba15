"""Tandem's benchmarks (bench/README.md)."""

from __future__ import annotations

import os
import platform
import sys


def interpreter() -> str:
    """The Python the figures were measured on, as ``Python 3.11.2 (/usr/bin/python3.11)``: a
    build without profile-guided optimisation runs the same pages about a quarter slower
    (decision 0046), so every run says which it was."""
    return f"Python {platform.python_version()} ({os.path.realpath(sys.executable)})"
