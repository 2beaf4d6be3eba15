"""Reads of the customers web UI: lists, the account page, pools and duplicate pairs.

Every read starts from the access policy. The API and the web share the FilterSets
(``customers.filters``), the masking rule (``serializers.is_masked``) and the timeline
(``api.timeline_items``); what is here is what only pages need.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import BooleanField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from tandem.core import access
from tandem.core.access import Actor
from tandem.core.countries import country_name
from tandem.core.ids import parse_id
from tandem.core.models import HistoryAction, HistoryEntry

from .models import (
    Account,
    Contact,
    DuplicateKey,
    DuplicateRule,
    Lifecycle,
    LifecycleTransition,
    Pool,
    PoolMember,
)
from .serializers import is_masked, with_edit_flag

STALE_DAYS = 30
MAX_PAIRS = 200
FUZZY_SAMPLE = 300
FUZZY_CANDIDATES = 3000


# --- Accounts -------------------------------------------------------------------------------


def account_queryset(actor: Actor) -> QuerySet[Account]:
    """Visible accounts with what a list row or page header shows, and ``can_edit`` per row."""
    queryset = Account.objects.select_related("owner", "team", "level", "pool").prefetch_related("tags")
    return with_edit_flag(actor, access.visible(actor, "account", queryset), "account")


def account_for_page(actor: Actor, pk: int) -> Account:
    """One visible account (404 otherwise) with its header's relations."""
    queryset = account_queryset(actor).select_related("parent", "created_by")
    return access.get_visible_or_404(actor, "account", queryset, pk=pk)


def masked(account: Account) -> bool:
    """The API's masking rule: a pool customer the person may not edit hides phone and email."""
    return is_masked(account, {})


def stale_before() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=STALE_DAYS)


def is_stale(account: Account, cutoff: datetime.datetime | None = None) -> bool:
    """Owned, and no follow-up for ``STALE_DAYS`` days (since claimed or created when none)."""
    if account.owner_id is None:
        return False
    cutoff = cutoff or stale_before()
    since = account.last_follow_up_at or account.owned_since or account.created_at
    return since is not None and since < cutoff


def address_lines(account: Account, language: str) -> list[str]:
    """The address per locale: China province → city → district → street; elsewhere street first."""
    if (account.country or "CN").upper() == "CN":
        # Municipalities (上海市, 北京市 …) are their own province: say it once.
        parts = [account.province, account.city, account.district]
        if parts[0] and parts[1] and parts[0].rstrip("市") == parts[1].rstrip("市"):
            parts[1] = ""
        joined = "".join(p for p in parts if p)
        if language.startswith("zh"):
            line = joined + account.street
            return [line] if line else []
        region = ", ".join(p for p in parts if p)
        return [p for p in (region, account.street, account.postal_code) if p]
    locality = " ".join(p for p in (account.city, account.province, account.postal_code) if p)
    return [p for p in (account.street, account.district, locality, country_name(account.country)) if p]


def website_url(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    return value if value.startswith(("http://", "https://")) else f"https://{value}"


@dataclass(frozen=True)
class LifecycleStep:
    """A lifecycle stage the account entered: when, and by whose hand (None: by the system)."""

    stage: str
    at: datetime.datetime
    actor: Any

    @property
    def label(self) -> str:
        return str(Lifecycle(self.stage).label) if self.stage in Lifecycle.values else self.stage


def lifecycle_history(account: Account, limit: int = 10) -> list[LifecycleStep]:
    """The stages the account has been in, newest first (at most ``limit``).

    Transitions are rows; the stage an account was created in is not (docs/decisions/0007): it is
    the first transition's ``from_stage`` (or the current stage, if it never moved), entered at
    ``created_at``. Accounts from before that decision have a creation row (``from_stage`` blank).
    """
    rows = list(
        LifecycleTransition.objects.filter(account=account)
        .select_related("actor")
        .order_by("-at", "-id")[: limit + 1]
    )
    steps = [LifecycleStep(row.to_stage, row.at, row.actor) for row in rows[:limit]]
    if len(rows) <= limit and (not rows or rows[-1].from_stage):
        first = rows[-1].from_stage if rows else account.lifecycle
        steps.append(LifecycleStep(first, account.created_at, account.created_by))
    return steps[:limit]


def merged_account_ids(account: Account, depth: int = 5) -> list[int]:
    """Ids of accounts merged into this one (and into those, a few levels deep), from MERGE entries."""
    ct = ContentType.objects.get_for_model(Account)
    found: list[int] = []
    frontier = [account.pk]
    for _level in range(depth):
        entries = HistoryEntry.objects.filter(
            content_type=ct, object_id__in=frontier, action=HistoryAction.MERGE
        ).values_list("changes", flat=True)
        frontier = []
        for changes in entries:
            pair = (changes or {}).get("merged_from")
            merged_id = pair[1] if isinstance(pair, list) and len(pair) == 2 else None
            if isinstance(merged_id, int) and merged_id not in found and merged_id != account.pk:
                found.append(merged_id)
                frontier.append(merged_id)
        if not frontier:
            break
    return found


def account_history(account: Account) -> QuerySet[HistoryEntry]:
    """The account's history including that of the accounts merged into it (kept under their ids)."""
    ct = ContentType.objects.get_for_model(Account, for_concrete_model=True)
    ids = [account.pk, *merged_account_ids(account)]
    return HistoryEntry.objects.filter(content_type=ct, object_id__in=ids).select_related("actor")


def timeline(
    *, actor: Actor, account: Account, before: Any = None, limit: int = 50, is_masked: bool = False
) -> tuple[list[dict[str, Any]], str | None]:
    """The account's timeline (the API's, newest first) and the cursor of the next page."""
    from .api import timeline_items

    items = timeline_items(actor=actor, account=account, before=before, limit=limit, masked=is_masked)
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = f"{last['at'].isoformat()}|{last['kind']}|{last['id']}"
    return items, next_cursor


def parse_cursor(raw: str | None) -> Any:
    """The API's cursor format (``at|kind|id``); an invalid one reads as the first page."""
    from django.utils.dateparse import parse_datetime

    from .api import KIND_RANK

    if not raw:
        return None
    parts = raw.split("|")
    at = parse_datetime(parts[0]) if len(parts) == 3 else None
    pk = parse_id(parts[2]) if len(parts) == 3 else None
    if at is None or parts[1] not in KIND_RANK or pk is None:
        return None
    return at, KIND_RANK[parts[1]], pk


def _count_beyond(rows: QuerySet[Any], shown: list[Any], limit: int) -> int:
    """How many rows there are in all: those shown when fewer than a page (no count query, as
    with most accounts), else counted."""
    return len(shown) if len(shown) < limit else rows.count()


def account_related(actor: Actor, account: Account, limit: int = 20) -> dict[str, Any]:
    """Contacts, deals, converted leads and child accounts the person may see (bounded)."""
    from tandem.deals.models import Deal
    from tandem.leads.models import Lead

    contacts = access.visible(actor, "contact", Contact.objects.filter(account=account)).order_by(
        "name", "id"
    )
    deals = (
        access.visible(actor, "deal", Deal.objects.filter(account=account))
        .select_related("stage", "owner")
        .order_by("-id")
    )
    leads = (
        access.visible(actor, "lead", Lead.objects.filter(converted_account=account))
        .select_related("owner")
        .order_by("-id")
    )
    children = access.visible(actor, "account", Account.objects.filter(parent=account)).order_by("name", "id")
    shown_contacts = list(contacts[:limit])
    shown_deals = list(deals[:limit])
    return {
        "contacts": shown_contacts,
        "contact_count": _count_beyond(contacts, shown_contacts, limit),
        "deals": shown_deals,
        "deal_count": _count_beyond(deals, shown_deals, limit),
        "leads": list(leads[:limit]),
        "children": list(children.select_related("owner")[:limit]),
    }


# --- Contacts -------------------------------------------------------------------------------


def contact_queryset(actor: Actor) -> QuerySet[Contact]:
    queryset = Contact.objects.select_related("account", "owner").prefetch_related("tags")
    return access.visible(actor, "contact", queryset)


def visible_accounts(actor: Actor) -> QuerySet[Account]:
    return access.visible(actor, "account", Account.objects.all()).order_by("name", "id")


# --- Pools ----------------------------------------------------------------------------------


def pool_queryset(actor: Actor) -> QuerySet[Pool]:
    """Pools the person belongs to (administrators: all) with unowned customer counts."""
    unowned = Account.objects.filter(pool=OuterRef("pk"), owner__isnull=True)
    counted = unowned.order_by().values("pool").annotate(n=Count("pk")).values("n")
    queryset = access.visible(actor, "pool", Pool.objects.all()).annotate(
        customer_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    )
    if actor.is_admin:
        return queryset.annotate(is_pool_admin=Value(True, output_field=BooleanField()))
    admins = PoolMember.objects.filter(pool=OuterRef("pk"), user_id=actor.id or 0, is_admin=True)
    return queryset.annotate(is_pool_admin=Exists(admins))


def pool_for_page(actor: Actor, pk: int) -> Pool:
    return access.get_visible_or_404(actor, "pool", pool_queryset(actor).prefetch_related("teams"), pk=pk)


def pool_customers(actor: Actor, pool: Pool) -> QuerySet[Account]:
    """The pool's unowned customers, as the person may see them."""
    return account_queryset(actor).filter(pool=pool, owner__isnull=True)


def pool_members(pool: Pool) -> list[PoolMember]:
    return list(
        pool.memberships.select_related("user").order_by("-is_admin", "user__display_name", "user_id")
    )


# --- Duplicates -----------------------------------------------------------------------------


@dataclass
class DuplicatePair:
    left: Account
    right: Account
    reasons: list[str] = field(default_factory=list)
    score: int = 100

    @property
    def sides(self) -> list[dict[str, Account]]:
        """Each account with the other: "merge into this one" keeps ``account`` and merges ``other``."""
        return [{"account": self.left, "other": self.right}, {"account": self.right, "other": self.left}]


def _kind_label(kind: str) -> str:
    labels = {
        "name": _("same name"),
        "phone": _("same phone"),
        "email": _("same email"),
        "domain": _("same website domain"),
    }
    return labels.get(kind, kind)


def duplicate_pairs(actor: Actor, *, limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """Candidate duplicate pairs among the accounts the person may edit, best first.

    Exact pairs come from ``DuplicateKey`` rows sharing (kind, value) — one grouped, indexed query
    bounded to ``limit`` groups; similar names are compared within their name bucket for a bounded
    sample of the newest editable accounts. Nothing here reads every account.
    """
    editable = access.visible(actor, "account", Account.objects.all(), "edit").values("pk")
    keys = DuplicateKey.objects.filter(record_type="account", record_id__in=editable)
    groups = list(
        keys.exclude(kind="name", value="")
        .values("kind", "value")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "kind", "value")[:limit]
    )
    reasons: dict[tuple[int, int], dict[str, Any]] = {}
    if groups:
        q = Q()
        for group in groups:
            q |= Q(kind=group["kind"], value=group["value"])
        members: dict[tuple[str, str], list[int]] = {}
        for kind, value, rid in keys.filter(q).values_list("kind", "value", "record_id")[: limit * 10]:
            members.setdefault((kind, value), []).append(int(rid))
        for (kind, value), ids in members.items():
            ids = sorted(set(ids))
            for i, left in enumerate(ids[:10]):
                for right in ids[i + 1 : 10]:
                    entry = reasons.setdefault((left, right), {"reasons": [], "score": 100})
                    entry["reasons"].append(f"{_kind_label(kind)}: {value}")
            if len(reasons) >= limit:
                break
    fuzzy_rule = DuplicateRule.objects.filter(record_type="account", kind="fuzzy", is_active=True).first()
    if fuzzy_rule is not None and len(reasons) < limit:
        sample = list(
            keys.filter(kind="name")
            .exclude(bucket="")
            .order_by("-record_id")
            .values_list("bucket", flat=True)[:FUZZY_SAMPLE]
        )
        buckets = sorted(set(sample))
        rows = list(
            keys.filter(kind="name", bucket__in=buckets).values_list("bucket", "record_id", "value")[
                :FUZZY_CANDIDATES
            ]
        )
        by_bucket: dict[str, list[tuple[int, str]]] = {}
        for bucket, rid, value in rows:
            by_bucket.setdefault(bucket, []).append((int(rid), value))
        for entries in by_bucket.values():
            entries = sorted(entries)[:60]
            for i, (left, left_name) in enumerate(entries):
                for right, right_name in entries[i + 1 :]:
                    if left_name == right_name or (left, right) in reasons:
                        continue
                    score = int(fuzz.ratio(left_name, right_name))
                    if score >= fuzzy_rule.threshold:
                        reasons[(left, right)] = {
                            "reasons": [_("similar name (%(score)d%%)") % {"score": score}],
                            "score": score,
                        }
                if len(reasons) >= limit * 2:
                    break
    if not reasons:
        return []
    ordered = sorted(reasons.items(), key=lambda item: (-len(item[1]["reasons"]), -item[1]["score"], item[0]))
    ordered = ordered[:limit]
    pair_ids = {pk for pair, _info in ordered for pk in pair}
    accounts = {
        a.pk: a
        for a in access.visible(actor, "account", Account.objects.filter(pk__in=pair_ids), "edit")
        .select_related("owner", "level", "team")
        .annotate(
            contact_total=Coalesce(
                Subquery(
                    Contact.objects.filter(account=OuterRef("pk"))
                    .order_by()
                    .values("account")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )
    }
    pairs = []
    for (left, right), info in ordered:
        if left in accounts and right in accounts:
            pairs.append(
                DuplicatePair(
                    left=accounts[left], right=accounts[right], reasons=info["reasons"], score=info["score"]
                )
            )
    return pairs
