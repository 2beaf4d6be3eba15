"""Bulk actions on accounts: assign (= transfer), tag, delete — one service call per record.

All records are processed inside one transaction; each in its own savepoint, so a record the
person may not change is refused (and left as it was) while the others go through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core import access, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction, Tag
from tandem.org.models import User

from . import pools, services
from .models import Account

ACTIONS = ("assign", "tag", "delete")


@dataclass
class BulkResult:
    done: int = 0
    refused: int = 0
    reasons: list[str] = field(default_factory=list)


@transaction.atomic
def account_tag_add(*, actor: Actor, account: Account, name: str) -> Tag:
    """Add one tag (created when new) to an account the person may edit."""
    access.require(actor, "edit", "account", account)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"tag": [_("Enter a tag.")]})
    if len(name) > 50:
        raise ValidationError({"tag": [_("At most %(n)d characters.") % {"n": 50}]})
    tag, _created = Tag.objects.get_or_create(name=name)
    if not account.tags.filter(pk=tag.pk).exists():
        account.tags.add(tag)
        history.record(
            actor=actor.user, obj=account, action=HistoryAction.UPDATE, changes={"tags": [None, name]}
        )
    return tag


@transaction.atomic
def account_bulk(
    *,
    actor: Actor,
    action: str,
    ids: Iterable[int],
    owner: User | None = None,
    tag: str = "",
    reason: str = "",
    move_related: bool = True,
) -> BulkResult:
    """Apply ``action`` to each visible account of ``ids``; invisible ones count as refused.

    Assigning moves each account's open deals and contacts along (``move_related``) and tells
    each new and previous owner once, with a summary, instead of once per account."""
    if action not in ACTIONS:
        raise ValidationError({"action": [_("Choose an action.")]})
    if action == "assign" and owner is None:
        raise ValidationError({"owner": [_("Choose the new owner.")]})
    if action == "tag" and not (tag or "").strip():
        raise ValidationError({"tag": [_("Enter a tag.")]})
    wanted = sorted(set(ids))
    accounts = list(
        access.visible(actor, "account", Account.objects.filter(pk__in=wanted)).select_related("pool")
    )
    result = BulkResult(refused=len(wanted) - len(accounts))
    with notify.batched() as batch:
        for account in accounts:
            try:
                with transaction.atomic(), batch.item():
                    if action == "assign":
                        assert owner is not None
                        pools.account_assign(
                            actor=actor,
                            account=account,
                            owner=owner,
                            reason=reason,
                            move_related=move_related,
                        )
                    elif action == "tag":
                        account_tag_add(actor=actor, account=account, name=tag)
                    else:
                        services.account_delete(actor=actor, account=account)
            except PermissionDenied:
                result.refused += 1
            except ValidationError as exc:
                result.refused += 1
                result.reasons.extend(m for m in exc.messages if m not in result.reasons)
            else:
                result.done += 1
    return result
