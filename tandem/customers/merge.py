"""Merging duplicate accounts (查重 → 合并): everything of one account moves to the other.

``account_merge`` moves every record that points at the merged account (contacts, deals,
follow-ups, converted leads, child accounts, pool events, lifecycle transitions and whatever
later apps link to accounts) to the kept one, adds its tags, fills the kept account's empty
fields, and moves the merged account to the recycle bin. History entries are never moved or
deleted: they stay under the merged account's id, and the kept account's MERGE entry records the
mapping (``merged_from``) so its timeline shows them (``selectors.account_history``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access, history
from tandem.core.access import Actor
from tandem.core.db import retry_on_lock_conflict
from tandem.core.models import HistoryAction

from . import dedupe
from .models import Account

# Fields copied from the merged account when the kept one has none.
FILL_FIELDS = (
    "level",
    "industry",
    "size",
    "source",
    "channel",
    "province",
    "city",
    "district",
    "street",
    "postal_code",
    "phone",
    "email",
    "website",
    "description",
    "external_id",
    "next_follow_up_on",
    "pool",
)


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


def _relations() -> list[tuple[type[models.Model], str, str]]:
    """(model, field name, label) of every foreign key pointing at accounts."""
    found: list[tuple[type[models.Model], str, str]] = []
    for rel in Account._meta.related_objects:
        if rel.many_to_many or rel.one_to_one:
            continue
        model = rel.related_model
        assert isinstance(model, type)
        found.append((model, rel.field.attname, str(model._meta.verbose_name_plural)))
    return found


@retry_on_lock_conflict
@transaction.atomic
def account_merge(*, actor: Actor, keep: Account, merge: Account) -> dict[str, int]:
    """Merge ``merge`` into ``keep``; needs edit on both. Returns how many records moved, per kind."""
    if keep.pk == merge.pk:
        raise ValidationError(_("An account cannot be merged into itself."))
    # Locked in id order, so two merges of the same pair wait for each other instead of deadlocking.
    locked = {
        a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")
    }
    if keep.pk not in locked or merge.pk not in locked:
        raise ValidationError(_("One of these accounts is no longer there."))
    keep, merge = locked[keep.pk], locked[merge.pk]
    if not (access.can(actor, "edit", "account", keep) and access.can(actor, "edit", "account", merge)):
        raise PermissionDenied
    before = history.snapshot(keep)

    moved: dict[str, int] = {}
    for model, field_name, label in _relations():
        manager = model._base_manager  # records in the recycle bin move too: restoring keeps them whole
        rows = manager.filter(**{field_name: merge.pk})
        if model is Account:
            rows = rows.exclude(pk=keep.pk)
        count = rows.update(**{field_name: keep.pk})
        if count:
            moved[label] = moved.get(label, 0) + count
    if keep.parent_id == merge.pk:
        keep.parent_id = merge.parent_id if merge.parent_id != keep.pk else None

    merge_tags = list(merge.tags.all())
    if merge_tags:
        keep.tags.add(*merge_tags)

    for name in FILL_FIELDS:
        attname = Account._meta.get_field(name).get_attname()  # type: ignore[union-attr]
        if _is_empty(getattr(keep, attname)) and not _is_empty(getattr(merge, attname)):
            setattr(keep, attname, getattr(merge, attname))
    if merge.last_follow_up_at and (
        not keep.last_follow_up_at or merge.last_follow_up_at > keep.last_follow_up_at
    ):
        keep.last_follow_up_at = merge.last_follow_up_at
    keep.version = F("version") + 1
    keep.save()
    keep.refresh_from_db()
    dedupe.refresh_keys("account", keep)

    summary = ", ".join(f"{label}: {count}" for label, count in moved.items()) or _("nothing to move")
    changes: dict[str, Any] = history.diff(keep, before)
    changes["merged_from"] = [None, merge.pk]
    if merge_tags:
        changes["tags"] = [None, [t.name for t in merge_tags]]
    history.record(
        actor=actor.user,
        obj=keep,
        action=HistoryAction.MERGE,
        changes=changes,
        message=_("Merged %(name)s (#%(id)d) into this account; moved %(summary)s.")
        % {"name": merge.name, "id": merge.pk, "summary": summary},
    )
    history.record(
        actor=actor.user,
        obj=merge,
        action=HistoryAction.MERGE,
        changes={"merged_into": [None, keep.pk]},
        message=_("Merged into %(name)s (#%(id)d); moved %(summary)s.")
        % {"name": keep.name, "id": keep.pk, "summary": summary},
    )
    # Into the recycle bin. Merging is an edit of both accounts, so it needs edit (not delete) on
    # both; restoring it from the bin is the ordinary (delete-grant) restore.
    now = timezone.now()
    Account.all_objects.filter(pk=merge.pk).update(
        deleted_at=now, deleted_by=actor.user, version=F("version") + 1, updated_at=now
    )
    history.record(
        actor=actor.user,
        obj=merge,
        action=HistoryAction.DELETE,
        message=_("Merged into %(name)s (#%(id)d).") % {"name": keep.name, "id": keep.pk},
    )
    return moved
