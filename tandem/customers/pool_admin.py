"""Administering public pools (公海): create a pool, edit its rules, manage its members.

Administrators create pools; a pool's administrators (``PoolMember.is_admin``) edit its rules
and members. Every change is recorded in history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core import access, history, naming
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.org.models import Team, User

from .models import AccountLevel, Pool, PoolMember
from .pools import is_pool_admin

RULE_FIELDS = (
    "name",
    "description",
    "is_active",
    "days_without_follow_up",
    "days_by_level",
    "days_without_open_deal",
    "days_without_won_deal",
    "exempt_with_open_deal",
    "exempt_won_customers",
    "remind_days_before",
    "max_owned_per_person",
    "daily_claim_limit",
    "cooldown_days",
)

# A rule's days and counts: anything beyond these is no rule a company means (a hundred years,
# a million customers), and a date that far back or ahead does not exist.
MAX_DAYS = 36_500
MAX_COUNT = 1_000_000
DAY_FIELDS = (
    "days_without_follow_up",
    "days_without_open_deal",
    "days_without_won_deal",
    "remind_days_before",
    "cooldown_days",
)
COUNT_FIELDS = ("max_owned_per_person", "daily_claim_limit")


def _number_problems(value: Any, most: int) -> list[str]:
    if not isinstance(value, int) or isinstance(value, bool):
        return [str(_("Enter a whole number."))]
    try:
        MinValueValidator(0)(value)
        MaxValueValidator(most)(value)
    except ValidationError as exc:
        return exc.messages
    return []


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: data[k] for k in RULE_FIELDS if k in data}
    errors: dict[str, list[str]] = {}
    for field in (*DAY_FIELDS, *COUNT_FIELDS):
        if field in values:
            problems = _number_problems(values[field], MAX_DAYS if field in DAY_FIELDS else MAX_COUNT)
            if problems:
                errors[field] = problems
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
    if "names" in data:  # the name in each language (core.naming)
        values["names"] = naming.names_given(data, None, errors)
    if "days_by_level" in values:
        raw = values["days_by_level"] or {}
        codes = set(AccountLevel.objects.values_list("code", flat=True))
        cleaned: dict[str, int] = {}
        for code, days in dict(raw).items():
            if code not in codes:
                errors["days_by_level"] = [_("Unknown account level %(code)s.") % {"code": code}]
                break
            if days in (None, ""):
                continue
            if not isinstance(days, int) or days < 0:
                errors["days_by_level"] = [_("Days must be whole numbers, 0 or more.")]
                break
            if days > MAX_DAYS:
                errors["days_by_level"] = _number_problems(days, MAX_DAYS)
                break
            cleaned[str(code)] = days
        values["days_by_level"] = cleaned
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def pool_create(*, actor: Actor, data: Mapping[str, Any], teams: Iterable[Team] = ()) -> Pool:
    access.require_admin(actor)
    values = _clean({"name": "", **data})
    pool = Pool.objects.create(**values)
    pool.teams.set(list(teams))
    history.record_create(actor=actor.user, obj=pool)
    return pool


@transaction.atomic
def pool_update(
    *, actor: Actor, pool: Pool, data: Mapping[str, Any], teams: Iterable[Team] | None = None
) -> Pool:
    """Edit a pool's rules (pool administrators). Member teams change by administrators only."""
    pool = Pool.objects.select_for_update().get(pk=pool.pk)
    if not is_pool_admin(actor, pool):
        raise PermissionDenied
    before = history.snapshot(pool)
    values = _clean(data)
    for key, value in values.items():
        setattr(pool, key, value)
    pool.save()
    if teams is not None and actor.is_admin:
        old = sorted(t.name for t in pool.teams.all())
        pool.teams.set(list(teams))
        new = sorted(t.name for t in pool.teams.all())
        if old != new:
            history.record(
                actor=actor.user, obj=pool, action=HistoryAction.UPDATE, changes={"teams": [old, new]}
            )
    history.record_update(actor=actor.user, obj=pool, before=before)
    return pool


@transaction.atomic
def account_level_set_names(*, actor: Actor, level: AccountLevel, names: Mapping[str, str]) -> AccountLevel:
    """Name an account level in each language (administrators; decision 0010). Its code and
    stored name stay: pool rules and imports find it by either."""
    return account_level_save(actor=actor, level=level, data={"names": names})


@transaction.atomic
def account_level_save(*, actor: Actor, level: AccountLevel | None, data: Mapping[str, Any]) -> AccountLevel:
    """Create or edit an account level (administrators): its code, its name, its names in each
    language and its place in the list. No two levels share a code or go by the same name in any
    language, since imports and pool rules find a level by either."""
    access.require_admin(actor)
    creating = level is None
    level = AccountLevel() if level is None else AccountLevel.objects.select_for_update().get(pk=level.pk)
    before = None if creating else history.snapshot(level)
    errors: dict[str, list[str]] = {}
    code = str(data.get("code", level.code) or "").strip()
    name = str(data.get("name", level.name) or "").strip()
    for field, value, limit in (("code", code, 10), ("name", name, 50)):
        if not value:
            errors[field] = [_("This field is required.")]
        elif len(value) > limit:
            errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    names = naming.names_given(data, level.names, errors, max_length=50)
    others = list(AccountLevel.objects.exclude(pk=level.pk))
    if code and any(o.code.casefold() == code.casefold() for o in others):
        errors.setdefault("code", []).append(_("Another level has this code."))
    clash = naming.named_alike(name, names, others)
    if clash is not None:
        errors.setdefault("name", []).append(
            _("Another level is called “%(name)s”.") % {"name": clash.display_name}
        )
    order = data.get("order")
    if order is not None and not (isinstance(order, int) and 0 <= order <= 32767):
        errors["order"] = [_("Enter a whole number from 0 to 32767.")]
    if errors:
        raise ValidationError(errors)
    level.code, level.name, level.names = code, name, names
    if order is not None:
        level.order = order
    elif creating:
        last = AccountLevel.objects.order_by("-order").first()
        level.order = (last.order + 1) if last else 0
    level.save()
    if before is None:
        history.record_create(actor=actor.user, obj=level)
    else:
        history.record_update(actor=actor.user, obj=level, before=before)
    return level


@transaction.atomic
def pool_member_set(*, actor: Actor, pool: Pool, user: User, is_admin: bool = False) -> PoolMember:
    """Add a named member (or change whether they administer the pool)."""
    if not is_pool_admin(actor, pool):
        raise PermissionDenied
    if not user.is_active:
        raise ValidationError({"user": [_("Choose an active person.")]})
    member, created = PoolMember.objects.get_or_create(pool=pool, user=user, defaults={"is_admin": is_admin})
    if not created and member.is_admin != is_admin:
        member.is_admin = is_admin
        member.save(update_fields=["is_admin"])
    elif not created:
        return member
    history.record(
        actor=actor.user,
        obj=pool,
        action=HistoryAction.UPDATE,
        changes={"members": [None, f"{user} ({_('pool administrator') if is_admin else _('member')})"]},
    )
    return member


@transaction.atomic
def pool_member_remove(*, actor: Actor, pool: Pool, user: User) -> None:
    if not is_pool_admin(actor, pool):
        raise PermissionDenied
    deleted, _rows = PoolMember.objects.filter(pool=pool, user=user).delete()
    if deleted:
        history.record(
            actor=actor.user, obj=pool, action=HistoryAction.UPDATE, changes={"members": [str(user), None]}
        )
