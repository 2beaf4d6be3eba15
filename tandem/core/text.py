"""Text a service is about to store."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator


def without_nul(text: str, field: str) -> str:
    """``text`` when it holds no NUL character, which PostgreSQL cannot store in text; a field
    error otherwise. For services that read a value themselves rather than through a form field
    (a form's ``CharField`` refuses NUL already)."""
    if "\x00" in text:
        raise ValidationError({field: [ProhibitNullCharactersValidator.message]})
    return text
