"""Domain errors that every interface (API, HTML, import, CLI) turns into a clear answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What a person reads when the database refused a write that passed the service's checks because
# another request wrote the same thing at the same moment (a unique code or name): nothing was saved.
SIMULTANEOUS = gettext_lazy(
    "Someone else saved a record that clashes with this one at the same moment. Nothing was saved: "
    "reload the page and try again."
)


class VersionConflict(Exception):
    """The record changed since the caller read it (API: 409 with ``current``; forms: both versions)."""

    def __init__(self, *, current: dict[str, Any], version: int) -> None:
        super().__init__(_("This record was changed by someone else. Reload it and try again."))
        self.current = current
        self.version = version


class DuplicateFound(ValidationError):
    """Possible duplicates: ``blocking`` ones refuse the save; others may be confirmed by the person."""

    def __init__(self, *, matches: list[dict[str, Any]], blocking: bool) -> None:
        message = (
            _("A record like this exists already.")
            if blocking
            else _("Possible duplicates found. Review them, or confirm to save anyway.")
        )
        super().__init__({"duplicates": [message]}, code="duplicate")
        self.matches = matches
        self.blocking = blocking
