"""The insight rules (issue 11 §6): each one a function registered here, answering for a scope
how many records it flags (counted up to a bound) and the first page of them, each with why
it fired, in words and numbers, in the active language.

Every rule starts from ``access.visible``: a person sees insights about records in their scope,
a manager about their subtree's. Every query is bounded: a count stops at ``COUNT_CAP`` and a
page is ``limit`` records after a keyset cursor, whatever the number of deals.

Another app adds a rule with ``register(Rule(...))`` (coverage below a threshold and people
behind pace belong to targets: docs/decisions/0024).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tandem.core import access, caching
from tandem.core.access import Actor
from tandem.kpis.engine import Scope, subtree_team_ids

from .models import InsightSettings, StageMedian

COUNT_CAP = 1000
EVERYTHING = Scope()  # no narrowing: all the actor may see
PAGE_LIMIT = 10
MAX_LIMIT = 100


class BadCursor(ValueError):
    """A cursor this rule did not hand out."""


@dataclass(frozen=True)
class Finding:
    """One flagged record: what it is, where it is, whose it is and why it was flagged."""

    record_type: str
    record_id: int
    title: str
    url: str
    owner: str
    why: str
    owner_id: int | None = None


@dataclass(frozen=True)
class RuleResult:
    """``count`` records flagged (``more``: at least ``COUNT_CAP``, the count stopped there);
    ``items`` the page asked for; ``next_cursor`` the page after it, or None."""

    count: int
    more: bool
    items: list[Finding]
    next_cursor: str | None


@dataclass
class RuleContext:
    actor: Actor
    scope: Scope
    thresholds: InsightSettings
    now: datetime.datetime
    limit: int = PAGE_LIMIT
    cursor: str | None = None
    with_items: bool = True

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class Rule:
    code: str
    label: Promise | str
    description: Promise | str
    resource: str
    evaluate: Callable[[RuleContext], RuleResult]
    order: int = 100
    icon: str = "bi-lightbulb"
    # Who it concerns on the "who needs help" list: the records' owners, counted per person.
    owner_field: str | None = "owner"
    extra: dict[str, Any] = field(default_factory=dict)
    # The records a rule counts, for a rule whose count is ``bounded_count`` of them narrowed by
    # ``in_scope``: such a rule is counted for several teams at once (``counts_in_teams``).
    queryset: Callable[[RuleContext], QuerySet[Any]] | None = None

    def applies(self, actor: Actor) -> bool:
        return actor.has(self.resource)


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.code] = rule
    return rule


def rules_for(actor: Actor) -> list[Rule]:
    return sorted((r for r in RULES.values() if r.applies(actor)), key=lambda r: (r.order, r.code))


# --- Helpers ----------------------------------------------------------------------------------


def thresholds() -> InsightSettings:
    found, _created = InsightSettings.objects.get_or_create(pk=1)
    return found


def in_scope(
    qs: QuerySet[Any],
    scope: Scope,
    owner_field: str = "owner",
    team_field: str = "team",
    actor: Actor | None = None,
) -> QuerySet[Any]:
    if scope.owner_id is not None:
        qs = qs.filter(**{f"{owner_field}_id": scope.owner_id})
    if scope.team_id is not None:
        qs = qs.filter(**{f"{team_field}_id__in": subtree_team_ids(scope.team_id, actor)})
    return qs


def bounded_count(qs: QuerySet[Any]) -> tuple[int, bool]:
    """How many rows, counting no further than ``COUNT_CAP`` (a LIMITed subquery)."""
    if qs.query.is_empty():
        return 0, False
    n = qs.order_by().values("pk")[:COUNT_CAP].count()
    return n, n >= COUNT_CAP


def counts_in_teams(
    *, actor: Actor, rule: Rule, teams: dict[int, list[int]], now: datetime.datetime | None = None
) -> dict[int, tuple[int, bool]] | None:
    """The rule's bounded count within each of several team subtrees (``teams``: a key, usually
    the top team's id, to the ids of the teams in its subtree), exactly as ``evaluate`` counts
    with ``Scope(team_id=key)``; None for a rule that counts otherwise (no ``queryset``).

    On PostgreSQL it is one statement: the rule's query is built and compiled once, and each
    subtree's bounded count is a subquery over a ``VALUES`` list of id arrays. The director's
    home page counted each rule once a team, each count its own query (issue 12)."""
    if rule.queryset is None:
        return None
    ctx = RuleContext(
        actor=actor,
        scope=EVERYTHING,
        thresholds=actor.memo("insights.thresholds", thresholds),
        now=now or timezone.now(),
        limit=1,
        with_items=False,
    )
    qs = rule.queryset(ctx).order_by()
    if qs.query.is_empty() or not teams:
        return dict.fromkeys(teams, (0, False))
    db = connections[qs.db]
    if db.vendor != "postgresql":
        return {key: bounded_count(qs.filter(team_id__in=ids)) for key, ids in teams.items()}
    meta = qs.model._meta
    column = f"{db.ops.quote_name(meta.db_table)}.{db.ops.quote_name(meta.get_field('team').column)}"
    # The outer statement's row of ids, by name: a quoted column, no value in the text.
    inner = qs.extra(where=[f"{column} = ANY(scopes.ids)"]).values("pk")[:COUNT_CAP]  # noqa: S610
    sql, params = inner.query.sql_with_params()
    rows = ", ".join(["(%s, %s::bigint[])"] * len(teams))
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT scopes.k, (SELECT COUNT(*) FROM ({sql}) bounded) "  # noqa: S608 (the ORM's SQL, values as parameters)
            f"FROM (VALUES {rows}) AS scopes(k, ids)",
            [*params, *(value for key, ids in teams.items() for value in (key, list(ids)))],
        )
        found = dict(cursor.fetchall())
    return {key: (found[key], found[key] >= COUNT_CAP) for key in teams}


def _encode(value: Any, pk: int) -> str:
    if value is None:
        return f"~|{pk}"
    return f"{value.isoformat()}|{pk}"


def _decode(cursor: str, kind: str) -> tuple[Any, int]:
    try:
        raw, pk_text = cursor.rsplit("|", 1)
        pk = int(pk_text)
        if raw == "~":
            return None, pk
        if kind == "date":
            return datetime.date.fromisoformat(raw), pk
        value = datetime.datetime.fromisoformat(raw)
        if timezone.is_naive(value):
            raise ValueError
        return value, pk
    except ValueError as exc:
        raise BadCursor(cursor) from exc


def keyset_page(
    qs: QuerySet[Any], ctx: RuleContext, field_name: str, kind: str = "datetime"
) -> tuple[list[Any], str | None]:
    """Rows ordered by ``field_name`` (ascending, empty first) then id, after the cursor."""
    if ctx.cursor:
        value, pk = _decode(ctx.cursor, kind)
        if value is None:
            qs = qs.filter(
                Q(**{f"{field_name}__isnull": True, "pk__gt": pk}) | Q(**{f"{field_name}__isnull": False})
            )
        else:
            qs = qs.filter(Q(**{f"{field_name}__gt": value}) | Q(**{field_name: value, "pk__gt": pk}))
    rows = list(qs.order_by(F(field_name).asc(nulls_first=True), "pk")[: ctx.limit + 1])
    following = None
    if len(rows) > ctx.limit:
        rows = rows[: ctx.limit]
        last = rows[-1]
        following = _encode(getattr(last, field_name), last.pk)
    return rows, following


def days_text(days: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _deal_finding(deal: Any, why: str) -> Finding:
    return Finding(
        record_type="deal",
        record_id=deal.pk,
        title=deal.name,
        url=deal.get_absolute_url(),
        owner=str(deal.owner) if deal.owner_id else "",
        owner_id=deal.owner_id,
        why=why,
    )


def open_deals(ctx: RuleContext) -> QuerySet[Any]:
    from tandem.deals.models import Deal, DealStatus

    qs = access.visible(ctx.actor, "deal", Deal.objects.filter(status=DealStatus.OPEN))
    return in_scope(qs, ctx.scope, actor=ctx.actor)


def _result(
    qs: QuerySet[Any], ctx: RuleContext, page: Callable[[], tuple[list[Finding], str | None]]
) -> RuleResult:
    count, more = bounded_count(qs)
    if not ctx.with_items or not count:
        return RuleResult(count=count, more=more, items=[], next_cursor=None)
    items, following = page()
    return RuleResult(count=count, more=more, items=items, next_cursor=following)


# --- No follow-up for N days ------------------------------------------------------------------


def stale_q(ctx: RuleContext) -> Q:
    cutoff = ctx.now - datetime.timedelta(days=ctx.thresholds.stale_follow_up_days)
    return Q(last_follow_up_at__lt=cutoff) | Q(last_follow_up_at__isnull=True, created_at__lt=cutoff)


def stale_deals_queryset(ctx: RuleContext) -> QuerySet[Any]:
    return open_deals(ctx).filter(stale_q(ctx))


def stale_why(deal: Any, ctx: RuleContext) -> str:
    limit = ctx.thresholds.stale_follow_up_days
    if deal.last_follow_up_at is None:
        days = (ctx.now - deal.created_at).days
        return _("No follow-up since it was created %(days)s ago (threshold %(limit)s).") % {
            "days": days_text(days),
            "limit": days_text(limit),
        }
    days = (ctx.now - deal.last_follow_up_at).days
    return _("No follow-up for %(days)s (threshold %(limit)s).") % {
        "days": days_text(days),
        "limit": days_text(limit),
    }


def stale_follow_up(ctx: RuleContext) -> RuleResult:
    qs = stale_deals_queryset(ctx)

    def page() -> tuple[list[Finding], str | None]:
        rows, following = keyset_page(qs.select_related("owner"), ctx, "last_follow_up_at")
        return [_deal_finding(d, stale_why(d, ctx)) for d in rows], following

    return _result(qs, ctx, page)


# --- Expected close date in the past ----------------------------------------------------------


def overdue_q(ctx: RuleContext) -> Q:
    return Q(expected_close_date__lte=ctx.today - datetime.timedelta(days=ctx.thresholds.overdue_close_days))


def overdue_close_queryset(ctx: RuleContext) -> QuerySet[Any]:
    return open_deals(ctx).filter(overdue_q(ctx))


def overdue_close(ctx: RuleContext) -> RuleResult:
    qs = overdue_close_queryset(ctx)

    def why(deal: Any) -> str:
        days = (ctx.today - deal.expected_close_date).days
        return _("Expected to close on %(date)s, %(days)s ago, and still open (threshold %(limit)s).") % {
            "date": deal.expected_close_date.isoformat(),
            "days": days_text(days),
            "limit": days_text(ctx.thresholds.overdue_close_days),
        }

    def page() -> tuple[list[Finding], str | None]:
        rows, following = keyset_page(qs.select_related("owner"), ctx, "expected_close_date", "date")
        return [_deal_finding(d, why(d)) for d in rows], following

    return _result(qs, ctx, page)


# --- Far longer in a stage than its median ----------------------------------------------------


def stage_cutoffs(ctx: RuleContext) -> dict[int, tuple[datetime.datetime, int]]:
    """Per stage with a median: the entry time before which a deal is flagged, and the median."""
    factor = float(ctx.thresholds.stage_factor)
    found = ctx.actor.memo(
        "insights.stage_medians",
        lambda: list(
            StageMedian.objects.filter(samples__gte=ctx.thresholds.stage_min_samples).values_list(
                "stage_id", "median_seconds"
            )
        ),
    )
    return {
        stage_id: (ctx.now - datetime.timedelta(seconds=median * factor), median)
        for stage_id, median in found
    }


def long_in_stage_q(ctx: RuleContext) -> Q | None:
    """None when no stage has a median yet (nothing can be flagged)."""
    cutoffs = stage_cutoffs(ctx)
    if not cutoffs:
        return None
    q = Q()
    for stage_id, (cutoff, _median) in cutoffs.items():
        q |= Q(stage_id=stage_id, stage_entered_at__lt=cutoff)
    return q


def long_in_stage_queryset(ctx: RuleContext) -> QuerySet[Any]:
    q = long_in_stage_q(ctx)
    return open_deals(ctx).none() if q is None else open_deals(ctx).filter(q)


def long_in_stage(ctx: RuleContext) -> RuleResult:
    qs = long_in_stage_queryset(ctx)
    cutoffs = stage_cutoffs(ctx)
    factor = ctx.thresholds.stage_factor

    def why(deal: Any) -> str:
        median_days = max(1, round(cutoffs[deal.stage_id][1] / 86400))
        days = (ctx.now - deal.stage_entered_at).days
        return _(
            "In “%(stage)s” for %(days)s; deals usually stay %(median)s there (flagged above %(factor)s× the median)."
        ) % {
            "stage": deal.stage.display_name,
            "days": days_text(days),
            "median": days_text(median_days),
            "factor": f"{factor:g}",
        }

    def page() -> tuple[list[Finding], str | None]:
        rows, following = keyset_page(qs.select_related("owner", "stage"), ctx, "stage_entered_at")
        return [_deal_finding(d, why(d)) for d in rows], following

    return _result(qs, ctx, page)


# --- Customers about to return to the public pool ---------------------------------------------

POOL_CACHE_SECONDS = 600


def _pool_candidates(now: datetime.datetime, within_days: int) -> list[dict[str, Any]]:
    """Every pool's customers due back within ``within_days``, from the pools' own rules
    (``customers.pools.reclaim_candidates``), computed once per ten minutes for everybody."""
    from tandem.customers.models import Pool
    from tandem.customers.pools import reclaim_candidates

    slot = int(now.timestamp()) // POOL_CACHE_SECONDS
    key = f"insights:pool-candidates:v2:{slot}:{within_days}"
    found: list[dict[str, Any]] | None = caching.get(key)
    if found is not None:
        return found
    found = []
    computed_at = timezone.now()
    for pool in Pool.objects.filter(is_active=True).order_by("pk"):
        for c in reclaim_candidates(pool, now, within_days=within_days):
            found.append(
                {
                    "account_id": c.account_id,
                    "name": c.account_name,
                    "owner_id": c.owner_id,
                    "owner": c.owner_name,
                    "pool": pool.name,
                    "said": c.said.as_json(),
                    "due": c.due,
                    "computed_at": computed_at,
                }
            )
    found.sort(key=lambda r: (r["due"], r["account_id"]))
    caching.put(key, found, POOL_CACHE_SECONDS)
    return found


def pool_return(ctx: RuleContext) -> RuleResult:
    from tandem.core.naming import render_said
    from tandem.customers.models import Account

    candidates = _pool_candidates(ctx.now, ctx.thresholds.pool_warning_days)
    if not candidates:
        return RuleResult(count=0, more=False, items=[], next_cursor=None)
    ids = [c["account_id"] for c in candidates]
    current: dict[int, tuple[int | None, datetime.datetime | None]] = {}
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        qs = in_scope(
            access.visible(ctx.actor, "account", Account.objects.filter(pk__in=chunk)),
            ctx.scope,
            actor=ctx.actor,
        )
        for pk, owner_id, followed_up in qs.values_list("pk", "owner_id", "last_follow_up_at"):
            current[pk] = (owner_id, followed_up)

    def still_true(c: dict[str, Any]) -> bool:
        # The list is cached a few minutes; a customer that changed hands or was followed up
        # since is no longer warned about (the warning is live state, not a stored message).
        owner_id, followed_up = current[c["account_id"]]
        if owner_id != c["owner_id"]:
            return False
        at = c.get("computed_at")
        return followed_up is None or at is None or followed_up <= at

    mine = [c for c in candidates if c["account_id"] in current and still_true(c)]
    count = min(len(mine), COUNT_CAP)
    more = len(mine) >= COUNT_CAP
    if not ctx.with_items:
        return RuleResult(count=count, more=more, items=[], next_cursor=None)
    if ctx.cursor:
        due, pk = _decode(ctx.cursor, "datetime")
        mine = [c for c in mine if (c["due"], c["account_id"]) > (due, pk)]
    page = mine[: ctx.limit]
    following = _encode(page[-1]["due"], page[-1]["account_id"]) if len(mine) > ctx.limit else None
    items = []
    for c in page:
        due_day = timezone.localtime(c["due"]).date()
        if due_day <= ctx.today:
            when = _("Returns to the pool “%(pool)s” at the next run.") % {"pool": c["pool"]}
        else:
            when = _("Returns to the pool “%(pool)s” on %(date)s, in %(days)s.") % {
                "pool": c["pool"],
                "date": due_day.isoformat(),
                "days": days_text((due_day - ctx.today).days),
            }
        items.append(
            Finding(
                record_type="account",
                record_id=c["account_id"],
                title=c["name"],
                url=reverse("customers:account-detail", args=[c["account_id"]]),
                owner=c["owner"],
                owner_id=c["owner_id"] or None,
                why=f"{when} {render_said(c['said'])}",
            )
        )
    return RuleResult(count=count, more=more, items=items, next_cursor=following)


register(
    Rule(
        code="stale_follow_up",
        label=gettext_lazy("No recent follow-up"),
        description=gettext_lazy("Open deals without a follow-up for longer than the threshold."),
        resource="deal",
        evaluate=stale_follow_up,
        queryset=stale_deals_queryset,
        order=10,
        icon="bi-chat-left-dots",
    )
)
register(
    Rule(
        code="overdue_close",
        label=gettext_lazy("Close date passed"),
        description=gettext_lazy("Open deals whose expected close date is in the past."),
        resource="deal",
        evaluate=overdue_close,
        queryset=overdue_close_queryset,
        order=20,
        icon="bi-calendar-x",
    )
)
register(
    Rule(
        code="long_in_stage",
        label=gettext_lazy("Stuck in a stage"),
        description=gettext_lazy("Open deals in a stage far longer than that stage's median stay."),
        resource="deal",
        evaluate=long_in_stage,
        queryset=long_in_stage_queryset,
        order=30,
        icon="bi-hourglass-bottom",
    )
)
register(
    Rule(
        code="pool_return",
        label=gettext_lazy("Returning to the pool"),
        description=gettext_lazy("Customers the public pool rules take back soon unless someone acts."),
        resource="account",
        evaluate=pool_return,
        order=40,
        icon="bi-hourglass-split",
    )
)


def evaluate(
    *,
    actor: Actor,
    rule: Rule,
    scope: Scope = EVERYTHING,
    limit: int = PAGE_LIMIT,
    cursor: str | None = None,
    with_items: bool = True,
    now: datetime.datetime | None = None,
) -> RuleResult:
    ctx = RuleContext(
        actor=actor,
        scope=scope,
        thresholds=actor.memo("insights.thresholds", thresholds),
        now=now or timezone.now(),
        limit=max(1, min(limit, MAX_LIMIT)),
        cursor=cursor,
        with_items=with_items,
    )
    return rule.evaluate(ctx)


def summary(
    *,
    actor: Actor,
    scope: Scope = EVERYTHING,
    now: datetime.datetime | None = None,
    codes: Sequence[str] | None = None,
) -> list[tuple[Rule, RuleResult]]:
    """Every rule the actor may use, with its count (no records)."""
    return [
        (rule, evaluate(actor=actor, rule=rule, scope=scope, with_items=False, now=now))
        for rule in rules_for(actor)
        if codes is None or rule.code in codes
    ]
