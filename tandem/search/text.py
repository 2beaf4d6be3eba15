"""The search text each searchable record keeps (``search_text``), and how a typed term is matched.

A record's search text is its searched fields (an account's name and city; a contact's name and
email; a lead's name, company and email; a deal's name), NFKC-normalised and lower-cased, followed,
for the fields that hold Chinese characters, by their pinyin without spaces and by the pinyin's
initials: ``天祥精密`` keeps ``天祥精密 tianxiangjingmi txjm``. So one ``LIKE '%term%'`` finds a
record by what it says, by its pinyin and by its initials, and PostgreSQL serves it from one GIN
trigram index (docs/decisions/0025).

Terms of one or two characters have no trigram: on PostgreSQL they are looked up in a second GIN
index over the search text's characters and character pairs (``tandem_search_grams``, created by
the migrations), so ``王`` or ``ab`` still reads an index.

Phones are not part of the search text: a masked phone must not be searchable by its hidden
digits, and who sees a phone in full depends on the reader (``customers.filters.search``).

Every write keeps the column right: ``SearchTextMixin.save`` (services, merges), and the imports'
bulk paths call ``refresh`` / ``search_text_of_values`` (one helper, this module).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models
from django.db.models import Q
from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

# The searched fields, by model label (``app_label.ModelName``): the source of ``search_text``.
SEARCH_FIELDS: dict[str, tuple[str, ...]] = {
    "customers.Account": ("name", "city"),
    "customers.Contact": ("name", "email"),
    "leads.Lead": ("name", "company", "email"),
    "deals.Deal": ("name",),
}

# Terms this short have no trigram; PostgreSQL finds them through the grams index instead.
SHORT_TERM = 2
MAX_TERMS = 8

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """As search compares: NFKC (full-width letters and digits become plain ones), lower-cased,
    runs of white space as one space."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


# What ``pypinyin.lazy_pinyin`` builds on every call, built once; its two steps are used apart.
_PINYIN = Pinyin(UltimateConverter())


@functools.lru_cache(maxsize=65536)
def _syllables(run: str) -> tuple[str, ...]:
    """The pinyin of a run of Chinese characters, read as a phrase: ``lazy_pinyin(run)``.

    Done as ``lazy_pinyin`` does it — cut the run into words, then read each word on its own —
    with each word's reading cached: company names are mostly unique runs made of a few hundred
    common words (有限公司, 信息技术, 上海…), and reading whole runs was most of an import's
    Python time on the write path (bench/README.md, "Import"). The cut is still the whole
    run's, so a polyphonic character is read in its phrase as before.
    """
    syllables: list[str] = []
    for word in _PINYIN.seg(run):
        syllables += _word_syllables(word)
    return tuple(syllables)


@functools.lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    # A list is taken as words already cut: each is read as it stands, not cut again.
    return tuple(_PINYIN.lazy_pinyin([word], style=Style.NORMAL, errors="default"))


def clear_memos() -> None:
    """Forget cached readings (benchmarks measure cold runs)."""
    _syllables.cache_clear()
    _word_syllables.cache_clear()


def pinyin_forms(text: str) -> tuple[str, str]:
    """``天祥精密`` → (``tianxiangjingmi``, ``txjm``); ("", "") when there is no Chinese character.

    The most common reading of each character (``heteronym=False``): pypinyin picks a
    polyphonic character's reading from the phrase it sits in (``重庆`` → ``chongqing``).
    Other characters are kept as they are, less white space, in both (``商机 12`` → ``shangji12``,
    ``sj12``).
    """
    if not _CJK.search(text):
        return "", ""
    full: list[str] = []
    initials: list[str] = []
    for run in _CJK_RUN.split(text):
        if not run:
            continue
        if _CJK.match(run):
            syllables = _syllables(run)
            full.extend(syllables)
            initials.extend(syllable[:1] for syllable in syllables)
        else:
            other = run.replace(" ", "")
            full.append(other)
            initials.append(other)
    return "".join(full), "".join(initials)


def search_text_of_values(values: Iterable[Any]) -> str:
    """The search text of these field values (in ``SEARCH_FIELDS`` order)."""
    parts: list[str] = []
    extra: list[str] = []
    for value in values:
        text = normalize(str(value or ""))
        if not text:
            continue
        parts.append(text)
        full, initials = pinyin_forms(text)
        if full:
            extra.append(full)
            if initials:
                extra.append(initials)
    return " ".join(parts + extra)


def fields_of(model: type[models.Model]) -> tuple[str, ...]:
    return SEARCH_FIELDS.get(model._meta.label, ())


def search_text_of(obj: models.Model) -> str:
    return search_text_of_values(getattr(obj, name, "") for name in fields_of(type(obj)))


def search_text_of_mapping(model: type[models.Model], values: Mapping[str, Any]) -> str:
    """From field values by name (an import's row): the fields it leaves out count as empty."""
    return search_text_of_values(values.get(name, "") for name in fields_of(model))


def refresh(objs: Iterable[models.Model]) -> None:
    """Set ``search_text`` on these instances (before a ``bulk_create`` / ``bulk_update``)."""
    for obj in objs:
        if fields_of(type(obj)):
            obj.search_text = search_text_of(obj)  # type: ignore[attr-defined]


def refresh_changed(obj: models.Model, touched: Iterable[str]) -> bool:
    """After a bulk path set ``touched`` fields on ``obj``: recompute its search text when one of
    them is searched. True when the text changed (the caller writes ``search_text`` too)."""
    fields = fields_of(type(obj))
    if not fields or not set(fields) & set(touched):
        return False
    text = search_text_of(obj)
    if text == getattr(obj, "search_text", None):
        return False
    obj.search_text = text  # type: ignore[attr-defined]
    return True


class SearchTextMixin(models.Model):
    """``search_text``, kept right by every ``save()`` (services, merges, the demo)."""

    search_text = models.TextField(default="", blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        text = search_text_of(self)
        if text != self.search_text:
            self.search_text = text
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)


def terms(value: str) -> list[str]:
    """The typed words, normalised; at most ``MAX_TERMS`` (a longer query is refined enough)."""
    return normalize(value).split(" ")[:MAX_TERMS] if normalize(value) else []


def text_q(
    model: type[models.Model], term: str, text_fields: tuple[str, ...] = (), *, grams: bool = True
) -> Q:
    """Rows whose search text holds ``term`` (already normalised).

    A model without a search text (products) is matched on ``text_fields`` as typed. ``grams``:
    also the grams condition of a short term (``grams_q``); a caller with several words asks
    ``grams_q`` once for all of them instead.
    """
    if not fields_of(model):
        q = Q()
        for field in text_fields:
            q |= Q(**{f"{field}__icontains": term})
        return q
    q = Q(search_text__contains=term)
    if grams:
        q &= grams_q(model, [term])
    return q


def grams_q(model: type[models.Model], terms: list[str]) -> Q:
    """On PostgreSQL, for the one- and two-character ``terms``: their grams are all among the
    search text's grams. The same rows as the terms' LIKE (a term's characters are among its
    text's grams), but the grams index can serve it where trigrams cannot; LIKE stays first where
    rows are walked in order. One condition for every term: where the rows are walked, each
    evaluation of the grams function costs as much as a hundred LIKEs."""
    short = [term for term in terms if len(term) <= SHORT_TERM]
    if not short or not fields_of(model) or connection.vendor != "postgresql":
        return Q()
    return Q(GramsContain(*short))


class GramsContain(models.Func):
    """``tandem_search_grams(search_text) @> ARRAY[term, …]`` (PostgreSQL): one- or two-character
    terms, read from the grams GIN index (created by the migrations on the same expression)."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, *terms: str) -> None:
        super().__init__(
            models.F("search_text"), *(models.Value(term, output_field=models.TextField()) for term in terms)
        )

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        params = list(params)
        terms = []
        for expression in self.source_expressions[1:]:
            term, term_params = compiler.compile(expression)
            terms.append(term)
            params.extend(term_params)
        return f"tandem_search_grams({column}) @> ARRAY[{', '.join(terms)}]::text[]", params
