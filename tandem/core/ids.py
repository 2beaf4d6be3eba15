"""Record ids read from text (query strings, form fields, cursors).

``"²".isdigit()`` is true and ``int("²")`` fails; ``"99999999999999999999"`` is digits that no
database row can have (SQLite's driver raises ``OverflowError`` on it). ``parse_id`` answers an
id a row can have, or None, so a bad one is a 400 or a 404 and never a 500.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """A positive id from ASCII digits within 64 bits, else None."""
    text = str(value).strip() if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
