"""Names that administrators give configuration records, in each interface language.

A pipeline, a stage or a product has one ``name`` (what its creator typed) and ``names``: the
same name in other interface languages, ``{"en": "Proposal", "zh-hans": "方案报价"}``. Everyone
sees the name in their own language when it has one, else the plain name, translated by the
catalogues when it is one of Tandem's built-in names (the default stages are created as
"Proposal" and read "方案报价" in Chinese without any ``names``; products, being proper names,
are never looked up in the catalogues). See decisions/0010-names-in-two-languages.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100


def language_codes() -> list[str]:
    return [code for code, _label in settings.LANGUAGES]


def language_label(code: str) -> str:
    """A language's own name ("English", "简体中文"), as the language menu shows it."""
    return dict(settings.LANGUAGES).get(code, code)


def localized(
    name: str, names: Mapping[str, str] | None, language: str | None = None, *, catalogue: bool = True
) -> str:
    """The name to show in ``language`` (default: the active one).

    ``catalogue=False`` for proper names (products): no translation of ``name`` by the catalogues.
    """
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    if names:
        own = names.get(code)
        if own:
            return own
    if not name or not catalogue:
        return name
    if language is None:
        return gettext(name)
    with translation.override(code):
        return gettext(name)


def every_name(name: str, names: Mapping[str, str] | None, *, catalogue: bool = True) -> list[str]:
    """Every name a record goes by, in any language: what an import may call it."""
    found = [name, *(names or {}).values()]
    if catalogue:
        found += [localized(name, None, code) for code in language_codes()]
    return list(dict.fromkeys(n for n in found if n))


def named_alike(name: str, names: Mapping[str, str], others: Iterable[Any]) -> Any:
    """The first of ``others`` that goes by ``name`` or one of ``names`` in any language (case
    aside), or None: records an import or the API finds by name must not share one."""
    taken = {n.casefold(): other for other in others for n in every_name(other.name, other.names)}
    return next((taken[n.casefold()] for n in [name, *names.values()] if n and n.casefold() in taken), None)


def clean_names(value: Any, *, max_length: int = NAME_MAX_LENGTH) -> dict[str, str]:
    """``names`` as given to a service: language code to text; blank names are dropped.

    Raises ``ValidationError`` with one message per problem (an unknown language, a name that
    is not text or is too long).
    """
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(
            _('Give the names as language code and name, e.g. {"en": "Proposal", "zh-hans": "方案报价"}.')
        )
    codes = language_codes()
    cleaned: dict[str, str] = {}
    errors: list[str] = []
    for code, text in value.items():
        if code not in codes:
            errors.append(
                str(
                    _("“%(code)s” is not a language of Tandem; use %(codes)s.")
                    % {"code": code, "codes": ", ".join(codes)}
                )
            )
            continue
        if text is None:
            continue
        if not isinstance(text, str):
            errors.append(
                str(_("The name in %(language)s must be text.") % {"language": language_label(code)})
            )
            continue
        text = text.strip()
        if len(text) > max_length:
            errors.append(
                str(
                    _("The name in %(language)s has %(m)d characters; at most %(n)d.")
                    % {"language": language_label(code), "m": len(text), "n": max_length}
                )
            )
        elif "\x00" in text:
            errors.append(
                str(_("The name in %(language)s has a null character.") % {"language": language_label(code)})
            )
        elif text:
            cleaned[code] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def names_given(
    data: Mapping[str, Any],
    current: Mapping[str, str] | None,
    errors: dict[str, list[str]],
    *,
    max_length: int = NAME_MAX_LENGTH,
) -> dict[str, str]:
    """A service's ``names``: ``data["names"]`` cleaned when given, else ``current`` kept. What
    is wrong goes into ``errors["names"]``, for the service to raise with its other errors."""
    if "names" in data:
        try:
            return clean_names(data["names"], max_length=max_length)
        except ValidationError as exc:
            errors["names"] = exc.messages
    return dict(current or {})


class NamedInLanguages:
    """A model whose records go by a name per language: its own name field (``NAME_FIELD``) and
    ``names``. ``display_name`` is the name in the active language; history shows a kept name
    the same way (``in_history``). ``NAMES_FROM_CATALOGUE`` is False for proper names and titles
    (products, positions), which the catalogues must never translate."""

    NAME_FIELD = "name"
    NAMES_FROM_CATALOGUE = True

    @property
    def display_name(self) -> str:
        return localized(
            getattr(self, self.NAME_FIELD), getattr(self, "names", None), catalogue=self.NAMES_FROM_CATALOGUE
        )


# --- Messages kept for later readers ---------------------------------------------------------


class Said:
    """A message a system writes down for people to read later (a history entry's note): kept as
    its msgid and parameters, so each reader gets it in their own language.

    The msgid must be marked for extraction where it is written: ``Said(gettext_noop("…"), …)``.
    """

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = {k: v if isinstance(v, int | float) else str(v) for k, v in params.items()}

    def text(self) -> str:
        """The message in the active language."""
        return render_said({"id": self.msgid, "params": self.params})

    def __str__(self) -> str:
        return self.text()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.msgid, "params": self.params}


def render_said(data: Any, fallback: str = "") -> str:
    """A kept message (``Said.as_json()``) in the active language; ``fallback`` if it cannot be."""
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        return fallback
    params = data.get("params") or {}
    try:
        return gettext(data["id"]) % params if params else gettext(data["id"])
    except (KeyError, TypeError, ValueError):
        return fallback or data["id"]


# --- History: a name kept as it was, read in the reader's language ---------------------------

# Per request (cleared when one starts): model label -> stored name -> its names.
_LOADED: dict[str, dict[str, Mapping[str, str]]] = {}


def forget_loaded(**_kwargs: Any) -> None:
    _LOADED.clear()


def in_history(model: Any, stored: str) -> str:
    """A name history kept (say a deal's old stage), as this reader would call that record today:
    its name in their language if a record still goes by the stored name, else the catalogue's
    translation, else as stored. One query per model and request."""
    if not stored or not (isinstance(model, type) and issubclass(model, NamedInLanguages)):
        return stored
    label = model._meta.label  # type: ignore[attr-defined]
    found = _LOADED.get(label)  # read once: another thread's request may clear the dict meanwhile
    if found is None:
        found = {}
        for name, names in model._base_manager.values_list(model.NAME_FIELD, "names"):  # type: ignore[attr-defined]
            found.setdefault(name, names or {})
        _LOADED[label] = found
    return localized(stored, found.get(stored), catalogue=model.NAMES_FROM_CATALOGUE)
