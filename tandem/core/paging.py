"""API list paging at scale (docs/decisions/0031): bounded counts, shallow pages by number,
deep pages by a keyset cursor.

- ``count`` is exact up to ``COUNT_LIMIT`` rows (the count reads at most that many plus one);
  past that, PostgreSQL's planner estimate (never below ``COUNT_LIMIT + 1``) with
  ``count_is_estimate: true``. SQLite (small data only) always counts exactly.
- ``?page=`` reaches the first ``MAX_PAGED_ROWS`` rows (page 200 at 50 a page); a deeper page
  answers 400 pointing at ``next``. The last reachable page's ``next`` is a cursor link.
- ``?cursor=`` continues after (or before) a row: the ordering's values of that row and its id,
  so each page is an index range read whatever its depth. Rows are ordered by the list's ordering
  with the id as the last key (same direction as the last field), nulls last ascending and first
  descending — PostgreSQL's own default, so a (field, id) index serves both directions.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import F, Q
from django.db.models.expressions import OrderBy

COUNT_LIMIT = 10_000
MAX_PAGED_ROWS = 10_000

Key = tuple["models.Field[Any, Any]", bool]  # (the model field, descending)


def bounded_count(queryset: models.QuerySet[Any]) -> tuple[int, bool]:
    """(count, is_estimate): exact up to ``COUNT_LIMIT``, else the planner's estimate."""
    if not isinstance(queryset, models.QuerySet):  # a list: small by construction
        return len(queryset), False
    plain = queryset.order_by()
    if connections[queryset.db].vendor != "postgresql":
        return plain.count(), False
    found = plain.values("pk")[: COUNT_LIMIT + 1].count()
    if found <= COUNT_LIMIT:
        return found, False
    return max(estimate(plain.values("pk")), COUNT_LIMIT + 1), True  # no joins to plan


def estimate(queryset: models.QuerySet[Any]) -> int:
    """PostgreSQL's estimate of the rows ``queryset`` returns (planning only, nothing read)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def ordering_keys(queryset: models.QuerySet[Any]) -> list[Key] | None:
    """The queryset's ordering as concrete, non-relation fields of its model with the id last;
    None when some part of it is not such a field (an expression, a related model's ordering)."""
    if not isinstance(queryset, models.QuerySet):
        return None
    model = queryset.model
    names: Sequence[Any] = queryset.query.order_by or model._meta.ordering or ()
    keys: list[Key] = []
    for name in names:
        if not isinstance(name, str) or "__" in name or name == "?":
            return None
        descending = name.startswith("-")
        bare = name.lstrip("-")
        try:
            field = model._meta.pk if bare == "pk" else model._meta.get_field(bare)
        except FieldDoesNotExist:
            return None
        if field.is_relation or not getattr(field, "concrete", False):
            return None
        keys.append((field, descending))
        if field.primary_key:
            return keys
    keys.append((model._meta.pk, keys[-1][1] if keys else False))
    return keys


def ordered(queryset: models.QuerySet[Any], keys: list[Key]) -> models.QuerySet[Any]:
    return queryset.order_by(
        *(
            OrderBy(
                F(field.attname),
                descending=desc,
                nulls_first=True if desc else None,
                nulls_last=None if desc else True,
            )
            for field, desc in keys
        )
    )


def reversed_keys(keys: list[Key]) -> list[Key]:
    return [(field, not desc) for field, desc in keys]


def position_of(obj: models.Model, keys: list[Key]) -> list[Any]:
    return [getattr(obj, field.attname) for field, _desc in keys]


def encode(position: list[Any], *, backwards: bool) -> str:
    raw = json.dumps({"p": position, "b": backwards}, cls=DjangoJSONEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, keys: list[Key]) -> tuple[list[Any], bool]:
    """The position and direction of a cursor; ValueError when it is not one of this ordering's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        position, backwards = data["p"], data["b"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise ValueError("not a cursor") from exc
    if not isinstance(position, list) or len(position) != len(keys) or not isinstance(backwards, bool):
        raise ValueError("not a cursor of this ordering")
    values: list[Any] = []
    for (field, _desc), value in zip(keys, position, strict=True):
        if value is None:
            if not field.null:
                raise ValueError("not a cursor of this ordering")
            values.append(None)
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValueError("not a cursor of this ordering")
        try:
            parsed = field.to_python(value)
            field.get_prep_value(parsed)
        except (ValidationError, TypeError, ValueError, OverflowError) as exc:
            raise ValueError("not a cursor of this ordering") from exc
        if isinstance(parsed, int) and not -(2**63) <= parsed < 2**63:
            raise ValueError("not a cursor of this ordering")
        values.append(parsed)
    return values, backwards


def _equal(field: models.Field[Any, Any], value: Any) -> Q:
    return Q(**{f"{field.attname}__isnull": True}) if value is None else Q(**{field.attname: value})


def _after(field: models.Field[Any, Any], desc: bool, value: Any) -> Q | None:
    """Rows strictly after ``value`` in this key alone (nulls last ascending, first descending);
    None when nothing can be."""
    name = field.attname
    if desc:
        return Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__lt": value})
    if value is None:
        return None
    after = Q(**{f"{name}__gt": value})
    return after | Q(**{f"{name}__isnull": True}) if field.null else after


def _after_all(keys: list[Key], position: list[Any]) -> Q | None:
    """Rows after ``position`` in the whole ordering: after in the first key, or equal in it and
    after in the rest."""
    found: Q | None = None
    equal = Q()
    for (field, desc), value in zip(keys, position, strict=True):
        after = _after(field, desc, value)
        if after is not None:
            found = (equal & after) if found is None else found | (equal & after)
        equal &= _equal(field, value)
    return found


def after_parts(keys: list[Key], position: list[Any]) -> list[Q]:
    """The rows after ``position`` as conditions read one after the other, each an index range on
    (first key, id): rows of the same first-key class (null or not) first, then, where the order
    moves on to the nulls (or from them), that other class whole."""
    first, desc = keys[0]
    value = position[0]
    rest = _after_all(keys[1:], position[1:])
    same = _equal(first, value) & rest if rest is not None else None
    if value is None:
        # Among the nulls: those after in the rest; descending, then every non-null.
        parts = [same] if same is not None else []
        if desc:
            parts.append(Q(**{f"{first.attname}__isnull": False}))
        return parts
    bound = {f"{first.attname}__lte" if desc else f"{first.attname}__gte": value}
    strictly = Q(**{f"{first.attname}__lt" if desc else f"{first.attname}__gt": value})
    parts = [Q(**bound) & (strictly | same) if same is not None else strictly]
    if first.null and not desc:
        parts.append(Q(**{f"{first.attname}__isnull": True}))
    return parts


def rows_after(
    queryset: models.QuerySet[Any], keys: list[Key], position: list[Any], limit: int
) -> list[models.Model]:
    """Up to ``limit`` rows after ``position`` in the order of ``keys``."""
    rows: list[models.Model] = []
    for part in after_parts(keys, position):
        rows += list(ordered(queryset.filter(part), keys)[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows


def rows_at(queryset: models.QuerySet[Any], offset: int, limit: int) -> list[models.Model]:
    """``queryset[offset : offset + limit]``. Past the first page the ids are read first, without
    the joins of ``select_related`` (PostgreSQL would otherwise join every skipped row), then the
    rows of those ids, put back in order."""
    if offset == 0 or not isinstance(queryset, models.QuerySet):
        return list(queryset[offset : offset + limit])
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    found = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]
