"""Stored pool warnings that stop being true: "returns to the pool on … unless you follow up".

The warning people see on home and on my day is computed from the current state
(``pools.reclaim_warnings``). The inbox keeps the notification the reclaim run wrote; once the
customer changes hands (or a follow-up answers it, see ``pools.resolve_answered_reclaim_notices``)
it is marked read here, so the inbox does not keep a stale warning. A notification names its
record by its link (``url``), the account's page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from tandem.core.models import Notification

from .models import Account

RECLAIM_SOON = "account_reclaim_soon"


def unread_reclaim_notices(account_ids: Iterable[int]) -> dict[int, list[Notification]]:
    """Unread reclaim warnings of these accounts, by account id (one query)."""
    urls = {Account(pk=pk).get_absolute_url(): pk for pk in account_ids}
    found: dict[int, list[Notification]] = {}
    if not urls:
        return found
    for notice in Notification.objects.filter(kind=RECLAIM_SOON, read_at__isnull=True, url__in=list(urls)):
        found.setdefault(urls[notice.url], []).append(notice)
    return found


def mark_resolved(notices: Iterable[Notification]) -> int:
    ids = [n.pk for n in notices]
    if not ids:
        return 0
    return Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())


def resolve_reclaim_notices_of_former_owners(account_ids: Iterable[int]) -> int:
    """Mark read the reclaim warnings of people who no longer own the account (two queries)."""
    found = unread_reclaim_notices(account_ids)
    if not found:
        return 0
    owners = dict(Account._base_manager.filter(pk__in=list(found)).values_list("pk", "owner_id"))
    stale = [n for pk, notices in found.items() for n in notices if n.recipient_id != owners.get(pk)]
    return mark_resolved(stale)
