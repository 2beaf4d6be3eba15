"""Duplicate checking (查重) for accounts, contacts and leads.

Each record keeps normalised keys in ``DuplicateKey`` (refreshed by the services on every save
and by imports in bulk). A check is a few indexed look-ups plus a similarity score over the
records whose name key starts with the same two characters. Rules per record type say which
kinds of match to look for and whether a match warns or blocks.

A match the person may not see is reported by existence and owner only: no name, no id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from rapidfuzz import fuzz

from tandem.core import access
from tandem.core.access import Actor

from .models import DuplicateKey, DuplicateRule
from .normalize import (
    FREE_MAIL_DOMAINS,
    name_prefix,
    normalize_email,
    normalize_name,
    phone_key,
    website_domain,
)

RECORD_MODELS = {"account": "customers.Account", "contact": "customers.Contact", "lead": "leads.Lead"}

DEFAULT_RULES: list[tuple[str, str, str, int]] = [
    ("account", "name", "block", 90),
    ("account", "fuzzy", "warn", 88),
    ("account", "phone", "warn", 90),
    ("account", "email", "warn", 90),
    ("account", "domain", "warn", 90),
    ("contact", "phone", "warn", 90),
    ("contact", "email", "warn", 90),
    ("lead", "name", "warn", 90),
    ("lead", "fuzzy", "warn", 88),
    ("lead", "phone", "warn", 90),
    ("lead", "email", "warn", 90),
]

# Which record types a new record of each type is compared with.
COMPARE_WITH = {"account": ("account", "lead"), "lead": ("lead", "account"), "contact": ("contact", "lead")}


def ensure_default_rules() -> None:
    for record_type, kind, action, threshold in DEFAULT_RULES:
        DuplicateRule.objects.get_or_create(
            record_type=record_type, kind=kind, defaults={"action": action, "threshold": threshold}
        )


def keys_from_values(record_type: str, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) keys of a record, from its field values (blank values give no key)."""
    keys: list[tuple[str, str]] = []
    get = values.get
    if record_type != "contact":
        raw = get("company" if record_type == "lead" else "name")
        name = normalize_name(str(raw)) if raw else ""
        if name:
            keys.append(("name", name))
    for field in ("phone", "mobile"):
        raw = get(field)
        if raw:
            key = phone_key(str(raw))
            if key:
                keys.append(("phone", key))
    email = ""
    for field in ("email", "email_alt"):
        raw = get(field)
        if raw:
            key = normalize_email(str(raw))
            if key:
                keys.append(("email", key))
                if field == "email":
                    email = key
    raw = get("website")
    domain = website_domain(str(raw)) if raw else ""
    if not domain and record_type != "contact" and email:
        maybe = email.rsplit("@", 1)[1]
        domain = "" if maybe in FREE_MAIL_DOMAINS else maybe
    if domain:
        keys.append(("domain", domain))
    return list(dict.fromkeys(keys)) if len(keys) > 1 else keys


def _values_of(obj: Any) -> dict[str, Any]:
    return {
        f: getattr(obj, f, "")
        for f in ("name", "company", "phone", "mobile", "email", "email_alt", "website")
    }


def key_rows(record_type: str, obj: Any) -> list[DuplicateKey]:
    return [
        DuplicateKey(
            record_type=record_type,
            record_id=obj.pk,
            kind=kind,
            value=value[:200],
            bucket=name_prefix(value) if kind == "name" else "",
        )
        for kind, value in keys_from_values(record_type, _values_of(obj))
    ]


@transaction.atomic
def refresh_keys(record_type: str, obj: Any) -> None:
    DuplicateKey.objects.filter(record_type=record_type, record_id=obj.pk).delete()
    DuplicateKey.objects.bulk_create(key_rows(record_type, obj))


def refresh_keys_bulk(record_type: str, objs: Iterable[Any]) -> None:
    objs = list(objs)
    DuplicateKey.objects.filter(record_type=record_type, record_id__in=[o.pk for o in objs]).delete()
    rows = [row for obj in objs for row in key_rows(record_type, obj)]
    DuplicateKey.objects.bulk_create(rows, batch_size=2000)


def drop_keys(record_type: str, record_id: int) -> None:
    DuplicateKey.objects.filter(record_type=record_type, record_id=record_id).delete()


def _rules(record_type: str) -> dict[str, DuplicateRule]:
    return {r.kind: r for r in DuplicateRule.objects.filter(record_type=record_type, is_active=True)}


def find(
    *,
    actor: Actor,
    record_type: str,
    values: Mapping[str, Any],
    exclude_id: int | None = None,
    rules: dict[str, DuplicateRule] | None = None,
) -> list[dict[str, Any]]:
    """Possible duplicates of a record with ``values``, best first, as the actor may see them.

    Each match: ``record_type``, ``kind`` (name, fuzzy, phone, email, domain), ``score``,
    ``action`` (warn/block), ``visible``, ``owner_name``; and for visible ones ``id`` and ``name``.
    """
    rules = _rules(record_type) if rules is None else rules
    if not rules:
        return []
    keys = keys_from_values(record_type, values)
    targets = COMPARE_WITH[record_type]
    hits: dict[tuple[str, int], tuple[str, int]] = {}  # (type, id) -> (kind, score)

    exact = [(k, v) for k, v in keys if k in rules]
    for kind, value in exact:
        for rt, rid in DuplicateKey.objects.filter(
            kind=kind, value=value, record_type__in=targets
        ).values_list("record_type", "record_id")[:50]:
            if rt == record_type and rid == exclude_id:
                continue
            hits.setdefault((rt, rid), (kind, 100))
    name_key = next((v for k, v in keys if k == "name"), "")
    fuzzy = rules.get("fuzzy")
    if fuzzy is not None and len(name_key) >= 2:
        candidates = DuplicateKey.objects.filter(
            bucket=name_prefix(name_key), record_type__in=targets, kind="name"
        ).values_list("record_type", "record_id", "value")[:500]
        for rt, rid, value in candidates:
            if (rt == record_type and rid == exclude_id) or (rt, rid) in hits:
                continue
            score = int(fuzz.ratio(name_key, value))
            if score >= fuzzy.threshold:
                hits[(rt, rid)] = ("fuzzy", score)
    if not hits:
        return []
    return _describe(actor, record_type, hits, rules)


def owner_label() -> Coalesce:
    """The owner as a person reads them: their display name, else their username (an
    administrator made with ``createsuperuser`` often has no display name)."""
    return Coalesce(NullIf(F("owner__display_name"), Value("")), F("owner__username"), Value(""))


def _describe(
    actor: Actor,
    record_type: str,
    hits: dict[tuple[str, int], tuple[str, int]],
    rules: dict[str, DuplicateRule],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    by_type: dict[str, list[int]] = {}
    for rt, rid in hits:
        by_type.setdefault(rt, []).append(rid)
    for rt, ids in by_type.items():
        model = apps.get_model(RECORD_MODELS[rt])
        base = model.objects.filter(pk__in=ids)
        visible_ids = set(access.visible(actor, rt, base).values_list("pk", flat=True))
        for pk, name, owner_name in base.annotate(owner_label=owner_label()).values_list(
            "pk", "name", "owner_label"
        ):
            kind, score = hits[(rt, pk)]
            rule = rules.get(kind)
            # A lead matching an account (or the other way) only ever warns.
            action = rule.action if rule is not None and rt == record_type else "warn"
            match: dict[str, Any] = {
                "record_type": rt,
                "kind": kind,
                "score": score,
                "action": action,
                "visible": pk in visible_ids,
                "owner_name": owner_name or "",
            }
            if pk in visible_ids:
                match.update({"id": pk, "name": name})
            out.append(match)
    out.sort(key=lambda m: (m["action"] != "block", -m["score"]))
    return out
