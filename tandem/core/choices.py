"""Model choices read once a form (installed by ``CoreConfig.ready``).

Django's ``ModelChoiceIterator`` reads the field's queryset each time the choices are walked, through
``QuerySet.iterator()`` — on PostgreSQL a server-side cursor: DECLARE, FETCH and CLOSE, three round
trips. A select is walked twice when drawn (is its first option empty? for ``required``; then its
options), so every stage, team or role select sent six round trips. Here the rows of the field's
current queryset are kept on the field (each form has its own copy of its fields), read once with a
plain query; assigning another queryset reads that one. The iterator's methods are replaced rather
than the field's ``iterator`` class so django-filter's subclass (which adds the "null" choice and
calls ``super().__iter__()``) reads once too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.forms.models import ModelChoiceIterator


def _rows(self: ModelChoiceIterator) -> list[Any]:
    field: Any = self.field
    cached = field.__dict__.get("_listed_choices")
    if cached is None or cached[0] is not self.queryset:
        cached = (self.queryset, list(self.queryset))
        field.__dict__["_listed_choices"] = cached
    rows: list[Any] = cached[1]
    return rows


def prime(field: Any, rows: list[Any]) -> None:
    """Give a model choice field the rows of its current queryset, already read by the caller for
    another part of the page: drawing the field then sends no query. ``rows`` must be that
    queryset's rows in its order (the caller's list is kept, not copied)."""
    field.__dict__["_listed_choices"] = (field.queryset, rows)


def _iter(self: ModelChoiceIterator) -> Iterator[Any]:
    if self.field.empty_label is not None:
        yield ("", self.field.empty_label)
    for obj in _rows(self):
        yield self.choice(obj)


def _len(self: ModelChoiceIterator) -> int:
    return len(_rows(self)) + (1 if self.field.empty_label is not None else 0)


def _bool(self: ModelChoiceIterator) -> bool:
    return self.field.empty_label is not None or bool(_rows(self))


def install() -> None:
    ModelChoiceIterator.__iter__ = _iter  # type: ignore[method-assign]
    ModelChoiceIterator.__len__ = _len  # type: ignore[method-assign]
    ModelChoiceIterator.__bool__ = _bool  # type: ignore[method-assign]
