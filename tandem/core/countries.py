"""Countries as people read them: "中国" and "China", never "CN" (issue 13 §5).

Records keep the ISO 3166 two-letter code; names come from django-countries (its catalogues carry
every country in both of Tandem's languages), read in the active language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_countries import countries


def country_name(code: str | None) -> str:
    """The country's name in the reader's language; an unknown code as it is."""
    if not code:
        return ""
    name = countries.name(code.upper())
    return str(name) if name else code


def country_choices() -> list[tuple[str, str]]:
    """For a select: a blank, then China and the others, by name in the reader's language."""
    chosen = [(str(code), str(name)) for code, name in countries]
    first = [c for c in chosen if c[0] == "CN"]
    return [("", str(_("— choose a country —"))), *first, *(c for c in chosen if c[0] != "CN")]
