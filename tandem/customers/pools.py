"""Public pools (公海): claim, release, assign, and the reclaim rules with their preview.

Reclaim is decided by one function, ``reclaim_candidates``, used by both the preview and the
scheduled run, so the preview lists exactly what the next run will do and why. A run is
idempotent: its ``run_key`` (the day) is unique per account in ``PoolEvent``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.core import access, history, notify
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said
from tandem.org.models import User

from . import notices, related
from .apps import pool_ids_for
from .models import Account, Lifecycle, Pool, PoolEvent, PoolMember
from .services import primary_team_id


def is_pool_admin(actor: Actor, pool: Pool) -> bool:
    if actor.is_admin:
        return True
    return PoolMember.objects.filter(pool=pool, user_id=actor.id or 0, is_admin=True).exists()


def _event(
    account: Account,
    kind: str,
    actor: Actor | None,
    *,
    to_owner: Any = None,
    reason: str = "",
    from_owner: Any = None,
    run_key: str = "",
) -> PoolEvent:
    return PoolEvent(
        account=account,
        pool_id=account.pool_id,
        kind=kind,
        actor=actor.user if actor else None,
        from_owner=from_owner,
        to_owner=to_owner,
        reason=reason[:300],
        at=timezone.now(),
        run_key=run_key,
    )


def _owned_count(user: User) -> int:
    return Account.objects.filter(owner=user).count()


@transaction.atomic
def account_claim(*, actor: Actor, account: Account) -> Account:
    """Take a customer from the pool. Limits and the cool-down are checked; the first claim wins."""
    user = actor.user
    if user is None:
        raise PermissionDenied
    pool = account.pool
    # Membership first: a non-member learns nothing about the customer, not even that it is owned.
    if pool is None or (pool.pk not in pool_ids_for(actor) and not actor.is_admin):
        raise PermissionDenied
    if account.owner_id is not None:
        raise ValidationError(_("This customer has been claimed already."))
    if not access.may_own(user, "account"):
        raise ValidationError(_("Your roles do not let you own customers, so you cannot claim them."))
    if not pool.is_active:
        raise ValidationError(_("This pool is closed."))
    # One claim at a time per person: the limits below are counted and the claim written in this
    # transaction, so parallel claims by the same person must not count the same "so far". The
    # claimer's own row is the lock (FOR NO KEY UPDATE: rows that refer to the person, such as
    # the pool event and history below, can still be written by others meanwhile). SQLite
    # serialises write transactions already (BEGIN IMMEDIATE).
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk").first()
    now = timezone.now()
    if pool.max_owned_per_person and _owned_count(user) >= pool.max_owned_per_person:
        raise ValidationError(
            _("You own %(n)d customers, the most this pool allows. Release one first.")
            % {"n": pool.max_owned_per_person}
        )
    if pool.daily_claim_limit:
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        today = PoolEvent.objects.filter(actor=user, kind=PoolEvent.Kind.CLAIM, at__gte=start).count()
        if today >= pool.daily_claim_limit:
            raise ValidationError(
                _("You have claimed %(n)d customers today, the daily limit. Try again tomorrow.")
                % {"n": pool.daily_claim_limit}
            )
    if pool.cooldown_days and account.previous_owner_id == user.pk and account.released_at:
        until = account.released_at + datetime.timedelta(days=pool.cooldown_days)
        if until > now:
            raise ValidationError(
                _("You released this customer recently; you may claim it again after %(date)s.")
                % {"date": timezone.localtime(until).date().isoformat()}
            )
    team_id = primary_team_id(user)
    claimed = Account.objects.filter(pk=account.pk, owner__isnull=True).update(
        owner=user, team_id=team_id, owned_since=now, last_follow_up_at=None, updated_at=now
    )
    if not claimed:
        raise ValidationError(_("Someone else claimed this customer a moment ago."))
    account.refresh_from_db()
    _event(account, PoolEvent.Kind.CLAIM, actor, to_owner=user).save()
    history.record(
        actor=user,
        obj=account,
        action=HistoryAction.UPDATE,
        changes={"owner": [None, str(user)]},
        message=Said(gettext_noop("claimed")),
    )
    notify.owner_changed(
        notify.OwnerChange(
            resource="account",
            name=account.name,
            url=account.get_absolute_url,
            previous=None,
            new=user,
            actor=user,
            former=account.previous_owner,
        )
    )
    return account


@transaction.atomic
def account_release(*, actor: Actor, account: Account, reason: str, pool: Pool | None = None) -> Account:
    """Give a customer back to the pool, with a reason."""
    access.require(actor, "edit", "account", account)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the customer goes back to the pool.")]})
    target_pool = pool or account.pool
    if target_pool is None:
        raise ValidationError({"pool": [_("Choose the pool the customer goes to.")]})
    if account.owner_id is None:
        raise ValidationError(_("This customer is in the pool already."))
    previous = account.owner
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(
        owner=None,
        team=None,
        pool=target_pool,
        previous_owner=previous,
        released_at=now,
        owned_since=None,
        updated_at=now,
    )
    account.refresh_from_db()
    _event(account, PoolEvent.Kind.RELEASE, actor, from_owner=previous, reason=reason).save()
    history.record(
        actor=actor.user,
        obj=account,
        action=HistoryAction.UPDATE,
        changes={"owner": [str(previous), None]},
        message=reason,
    )
    _clear_record_team(record=account, actor=actor)
    notify.owner_changed(
        notify.OwnerChange(
            resource="account",
            name=account.name,
            url=account.get_absolute_url,
            previous=previous,
            new=None,
            actor=actor.user,
            reason=reason,
        )
    )
    notices.resolve_reclaim_notices_of_former_owners([account.pk])
    return account


def _clear_record_team(*, record: Account, actor: Actor | None) -> None:
    """Record teams (tandem/recordteams): a customer back in the pool keeps no team."""
    from tandem.recordteams.services import POOL_RETURN, members_clear

    members_clear(record=record, actor=actor, reason=POOL_RETURN)


def _pool_people(pool: Pool) -> Q:
    """A condition on people who belong to ``pool``: named members, or in a member team or below."""
    from tandem.org.models import Membership

    q = Q(Exists(PoolMember.objects.filter(pool=pool, user_id=OuterRef("pk"))))
    in_teams = Q()
    for path in pool.teams.values_list("path", flat=True):
        in_teams |= Q(team__path__startswith=path)
    if in_teams:
        q |= Q(Exists(Membership.objects.filter(user_id=OuterRef("pk")).filter(in_teams)))
    return q


def _administered_pool(actor: Actor, account: Account | None) -> Pool | None:
    """The pool of a pool customer, when the actor administers it (and may assign from it)."""
    if account is None or account.owner_id is not None or account.pool_id is None:
        return None
    pool = account.pool
    return pool if pool is not None and is_pool_admin(actor, pool) else None


def administered_pools(actor: Actor) -> list[Pool]:
    if actor.is_admin:
        return list(Pool.objects.filter(is_active=True))
    ids = PoolMember.objects.filter(user_id=actor.id or 0, is_admin=True).values("pool_id")
    return list(Pool.objects.filter(pk__in=ids, is_active=True))


def owner_choices(
    actor: Actor, *, account: Account | None = None, pools: list[Pool] | None = None
) -> QuerySet[User]:
    """The people ``actor`` may give a customer to: those ``access.owner_candidates`` allows and,
    for customers of pools the actor administers (``account``'s pool, or ``pools``), those pools'
    members who may own accounts. Every assign form offers exactly these."""
    people = access.owner_candidates(actor, "account")
    chosen = list(pools or [])
    administered = _administered_pool(actor, account)
    if administered is not None:
        chosen.append(administered)
    if not chosen:
        return people
    in_pools = Q()
    for pool in chosen:
        in_pools |= _pool_people(pool)
    members = User.objects.filter(is_active=True).filter(access.owners_q("account")).filter(in_pools)
    return User.objects.filter(Q(pk__in=people.values("pk")) | Q(pk__in=members.values("pk"))).order_by(
        "display_name", "id"
    )


def _assign_refusal(actor: Actor, account: Account, owner: User) -> str | None:
    """Why ``owner`` cannot be given ``account`` by ``actor``, or None."""
    pool = _administered_pool(actor, account)
    if pool is None or actor.has("account", "assign"):
        refusal = access.owner_refusal(actor, "account", owner)
        if refusal is None or pool is None:
            return refusal
    if owner_choices(actor, account=account).filter(pk=owner.pk).exists():
        return None
    if not owner.is_active or not access.may_own(owner, "account"):
        return access.owner_refusal(actor, "account", owner)
    return _("%(name)s is not a member of the pool %(pool)s.") % {"name": owner, "pool": pool.display_name}


def _move_related(*, actor: Actor, account: Account, previous: User, owner: User) -> dict[str, int]:
    """Give the new owner what the previous one held on the account (open deals, contacts) and
    the actor may assign; each moved record's history says why. Refused as a whole when the new
    owner may not own one kind of them."""
    moved: dict[str, int] = {}
    team_id = primary_team_id(owner)
    now = timezone.now()
    why = Said(gettext_noop("Moved along with the account %(account)s"), account=account.name)
    for follower in related.followers():
        records = access.visible(actor, follower.resource, follower.records(account, previous), "assign")
        objs = list(records.order_by("pk"))
        if not objs:
            continue
        if not access.may_own(owner, follower.resource):
            label = access.RESOURCES[follower.resource].label
            raise ValidationError(
                {
                    "move_related": [
                        _(
                            "%(name)s may not own %(records)s: untick moving them along, or choose someone else."
                        )
                        % {"name": owner, "records": label}
                    ]
                }
            )
        model = type(objs[0])
        values: dict[str, Any] = {"owner": owner, "team_id": team_id}
        names = {f.name for f in model._meta.concrete_fields}
        if "version" in names:
            values["version"] = F("version") + 1
        if "updated_at" in names:
            values["updated_at"] = now
        model._base_manager.filter(pk__in=[o.pk for o in objs]).update(**values)
        history.record_many(
            actor=actor.user,
            objs=objs,
            action=HistoryAction.UPDATE,
            changes={"owner": [str(previous), str(owner)]},
            message=why,
        )
        moved[follower.resource] = len(objs)
    return moved


def moved_along_text(moved: dict[str, int]) -> str:
    """ "Its 2 open deals and 3 contacts went along with it." in the active language."""
    if not moved:
        return ""
    parts = [notify.counted(resource, n) for resource, n in moved.items()]
    return _("Along with it: %(records)s.") % {"records": notify.join_words(parts)}


@transaction.atomic
def account_assign(
    *, actor: Actor, account: Account, owner: User, reason: str = "", move_related: bool = True
) -> Account:
    """A manager (assign grant) or pool administrator gives a customer to someone they may give
    it to (``owner_choices``). ``move_related``: the previous owner's open deals and contacts on
    it go along, in the same transaction, each with its own history entry. The new and the
    previous owner are told, in their languages."""
    in_pool = account.owner_id is None
    allowed = access.can(actor, "assign", "account", account) or (
        in_pool and account.pool is not None and is_pool_admin(actor, account.pool)
    )
    if not allowed:
        raise PermissionDenied
    previous = account.owner
    if previous is not None and previous.pk == owner.pk:
        return account
    refusal = _assign_refusal(actor, account, owner)
    if refusal is not None:
        raise ValidationError({"owner": [refusal]})
    moved = (
        _move_related(actor=actor, account=account, previous=previous, owner=owner)
        if move_related and previous is not None
        else {}
    )
    former = account.previous_owner if in_pool else None
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(
        owner=owner,
        team_id=primary_team_id(owner),
        owned_since=now,
        updated_at=now,
        previous_owner=previous if previous is not None else account.previous_owner,
        version=F("version") + 1,
    )
    account.refresh_from_db()
    _event(account, PoolEvent.Kind.ASSIGN, actor, from_owner=previous, to_owner=owner, reason=reason).save()
    history.record(
        actor=actor.user,
        obj=account,
        action=HistoryAction.UPDATE,
        changes={"owner": [str(previous) if previous else None, str(owner)]},
        message=reason,
    )
    # Record teams (tandem/recordteams): the team stays; the new owner leaves it if on it.
    from tandem.recordteams.services import owner_changed as record_team_owner_changed

    record_team_owner_changed(record=account, actor=actor)
    notify.owner_changed(
        notify.OwnerChange(
            resource="account",
            name=account.name,
            url=account.get_absolute_url,
            previous=previous,
            new=owner,
            actor=actor.user,
            reason=reason,
            along=lambda: moved_along_text(moved),
            former=former,
        )
    )
    notices.resolve_reclaim_notices_of_former_owners([account.pk])
    account.moved_along = moved  # type: ignore[attr-defined]
    return account


def transfer_pools(actor: Actor) -> QuerySet[Pool]:
    """The pools a transfer may return a person's customers to."""
    return Pool.objects.filter(is_active=True).order_by("name", "id")


def accounts_return_to_pool(
    *, actor: Actor, ids: list[int], source: User, pool: Pool, reason: Said | str
) -> int:
    """A transfer's customers go back to ``pool`` as a release would put them there (no owner, the
    source as previous owner, released now, so the pool's rules and cool-down apply); each gets a
    pool event and a history entry saying why. Called inside the transfer's transaction."""
    if not pool.is_active:
        raise ValidationError({"pool": [_("This pool is closed.")]})
    now = timezone.now()
    said = reason if isinstance(reason, Said) else None
    text = said.text() if said is not None else str(reason)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        Account._base_manager.filter(pk__in=chunk).update(
            owner=None,
            team=None,
            pool=pool,
            previous_owner=source,
            released_at=now,
            owned_since=None,
            updated_at=now,
            version=F("version") + 1,
        )
        PoolEvent.objects.bulk_create(
            [
                PoolEvent(
                    account_id=pk,
                    pool=pool,
                    kind=PoolEvent.Kind.RELEASE,
                    actor=actor.user,
                    from_owner=source,
                    reason=text[:300],
                    at=now,
                )
                for pk in chunk
            ]
        )
        history.record_many_by_ids(
            actor=actor.user,
            model=Account,
            ids=chunk,
            action=HistoryAction.TRANSFER,
            changes={"owner": [str(source), None]},
            message=reason,
        )
        notices.resolve_reclaim_notices_of_former_owners(chunk)
        # Record teams (tandem/recordteams): customers back in the pool keep no team.
        from tandem.recordteams.services import POOL_RETURN, members_clear_many

        members_clear_many(model=Account, ids=chunk, actor=actor, reason=POOL_RETURN)
    return len(ids)


# --- Reclaim rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    account_id: int
    account_name: str
    owner_id: int
    owner_name: str
    # The reason as msgid and parameters: a notification is written in its recipient's language,
    # and history keeps it so that each reader gets theirs, while the run works in the site's.
    said: Said
    due: datetime.datetime

    @property
    def reason(self) -> str:
        """Why, in the active language."""
        return self.said.text()

    def reason_in(self, language: str | None) -> str:
        with translation.override(language):
            return self.said.text()


def next_run_at(now: datetime.datetime | None = None) -> datetime.datetime:
    """The scheduled reclaim runs every hour (settings.CELERY_BEAT_SCHEDULE["pool-reclaim"])."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)


def _level_days(pool: Pool) -> dict[str, int]:
    out = {}
    for code, days in (pool.days_by_level or {}).items():
        try:
            out[str(code)] = int(days)
        except (TypeError, ValueError):
            continue
    return out


def _owned_in_pool(pool: Pool) -> QuerySet[Account]:
    qs = Account.objects.filter(pool=pool, owner__isnull=False)
    from tandem.deals.models import Deal, DealStatus

    if pool.exempt_with_open_deal:
        qs = qs.exclude(Exists(Deal.objects.filter(account=OuterRef("pk"), status=DealStatus.OPEN)))
    if pool.exempt_won_customers:
        qs = qs.exclude(lifecycle__in=[Lifecycle.CUSTOMER, Lifecycle.LOYAL]).exclude(
            Exists(Deal.objects.filter(account=OuterRef("pk"), status=DealStatus.WON))
        )
    return qs


def reclaim_candidates(
    pool: Pool,
    at: datetime.datetime,
    *,
    within_days: int = 0,
    owner_id: int | None = None,
    account_ids: list[int] | None = None,
) -> list[Candidate]:
    """Owned customers of ``pool`` that the rules return to it at ``at`` (or ``within_days`` after), and why.

    ``owner_id`` / ``account_ids`` narrow the question to one person's or some customers (the
    live warnings on home and my day); the rules are the same."""
    from tandem.deals.models import Deal, DealStatus

    horizon = at + datetime.timedelta(days=within_days)
    found: dict[int, Candidate] = {}
    base = _owned_in_pool(pool).select_related("owner", "level")
    if owner_id is not None:
        base = base.filter(owner_id=owner_id)
    if account_ids is not None:
        base = base.filter(pk__in=account_ids)

    def add(rows: QuerySet[Account], reason_for: Any, due_for: Any) -> None:
        for account in rows[:5000]:
            if account.pk not in found:
                found[account.pk] = Candidate(
                    account_id=account.pk,
                    account_name=account.name,
                    owner_id=account.owner_id or 0,
                    owner_name=str(account.owner),
                    said=reason_for(account),
                    due=due_for(account),
                )

    level_days = _level_days(pool)
    default_days = pool.days_without_follow_up
    if default_days or level_days:
        q = Q()
        per_level = []
        for code, days in level_days.items():
            if days:
                per_level.append((Q(level__code=code), days))
        others = ~Q(level__code__in=list(level_days)) | Q(level__isnull=True)
        if default_days:
            per_level.append((others, default_days))
        for cond, days in per_level:
            cutoff = horizon - datetime.timedelta(days=days)
            q |= cond & (
                Q(last_follow_up_at__lt=cutoff)
                | (
                    Q(last_follow_up_at__isnull=True)
                    & (Q(owned_since__lt=cutoff) | Q(owned_since__isnull=True, created_at__lt=cutoff))
                )
            )

        def days_for(a: Account) -> int:
            return level_days.get(a.level.code, default_days) if a.level else default_days

        def since(a: Account) -> datetime.datetime:
            return a.last_follow_up_at or a.owned_since or a.created_at

        add(
            base.filter(q),
            lambda a: Said(
                gettext_noop("No follow-up for %(days)d days (the limit is %(limit)d)."),
                days=(at - since(a)).days,
                limit=days_for(a),
            ),
            lambda a: since(a) + datetime.timedelta(days=days_for(a)),
        )
    if pool.days_without_open_deal:
        cutoff = horizon - datetime.timedelta(days=pool.days_without_open_deal)
        recent = Deal.objects.filter(account=OuterRef("pk")).filter(
            Q(status=DealStatus.OPEN) | Q(created_at__gte=cutoff)
        )
        add(
            base.filter(Q(owned_since__lt=cutoff) | Q(owned_since__isnull=True)).exclude(Exists(recent)),
            lambda a: Said(gettext_noop("No open deal for %(days)d days."), days=pool.days_without_open_deal),
            lambda a: (a.owned_since or a.created_at) + datetime.timedelta(days=pool.days_without_open_deal),
        )
    if pool.days_without_won_deal:
        cutoff = horizon - datetime.timedelta(days=pool.days_without_won_deal)
        won = Deal.objects.filter(account=OuterRef("pk"), status=DealStatus.WON, closed_on__gte=cutoff.date())
        add(
            base.filter(Q(owned_since__lt=cutoff) | Q(owned_since__isnull=True)).exclude(Exists(won)),
            lambda a: Said(gettext_noop("No won deal for %(days)d days."), days=pool.days_without_won_deal),
            lambda a: (a.owned_since or a.created_at) + datetime.timedelta(days=pool.days_without_won_deal),
        )
    return sorted(found.values(), key=lambda c: (c.due, c.account_id))


def reclaim_preview(*, actor: Actor, pool: Pool, at: datetime.datetime | None = None) -> dict[str, Any]:
    """What the next run will return to the pool (and who gets reminded), for a pool administrator."""
    if not is_pool_admin(actor, pool):
        raise PermissionDenied
    run_at = at or next_run_at()
    due = reclaim_candidates(pool, run_at)
    soon = [
        c
        for c in reclaim_candidates(pool, run_at, within_days=pool.remind_days_before)
        if c.account_id not in {d.account_id for d in due}
    ]
    return {"run_at": run_at, "due": due, "soon": soon}


@transaction.atomic
def reclaim_run(*, pool: Pool, now: datetime.datetime | None = None) -> dict[str, int]:
    """Return due customers to the pool and remind owners of those due soon. Idempotent per day."""
    now = now or timezone.now()
    run_key = timezone.localtime(now).date().isoformat()
    reclaimed = reminded = 0
    for candidate in reclaim_candidates(pool, now):
        account = (
            Account.objects.select_for_update()
            .filter(pk=candidate.account_id, owner_id=candidate.owner_id)
            .first()
        )
        if account is None:
            continue
        previous = account.owner
        try:
            with transaction.atomic():
                _event(
                    account,
                    PoolEvent.Kind.RECLAIM,
                    None,
                    from_owner=previous,
                    reason=candidate.reason,
                    run_key=run_key,
                ).save()
        except IntegrityError:
            continue
        Account.objects.filter(pk=account.pk).update(
            owner=None, team=None, previous_owner=previous, released_at=now, owned_since=None, updated_at=now
        )
        history.record(
            actor=None,
            obj=account,
            action=HistoryAction.UPDATE,
            changes={"owner": [str(previous), None]},
            message=candidate.said,
        )
        _clear_record_team(record=account, actor=None)
        if previous is not None:
            with translation.override(previous.language):
                notify.notify(
                    recipient=previous,
                    kind="account_reclaimed",
                    title=_("%(name)s returned to the pool") % {"name": account.name},
                    body=candidate.reason_in(previous.language),
                    url=account.get_absolute_url(),
                )
        notices.resolve_reclaim_notices_of_former_owners([account.pk])
        reclaimed += 1
    if pool.remind_days_before:
        due_ids = {c.account_id for c in reclaim_candidates(pool, now)}
        for candidate in reclaim_candidates(pool, now, within_days=pool.remind_days_before):
            if candidate.account_id in due_ids:
                continue
            account = Account.objects.filter(pk=candidate.account_id).select_related("owner").first()
            if account is None or account.owner is None:
                continue
            try:
                with transaction.atomic():
                    # One reminder per due date, however many daily runs see it coming.
                    remind_key = f"due-{timezone.localtime(candidate.due).date().isoformat()}"
                    _event(
                        account,
                        PoolEvent.Kind.REMIND,
                        None,
                        to_owner=account.owner,
                        reason=candidate.reason,
                        run_key=remind_key,
                    ).save()
            except IntegrityError:
                continue
            with translation.override(account.owner.language):
                notify.notify(
                    recipient=account.owner,
                    kind=notices.RECLAIM_SOON,
                    title=_("%(name)s returns to the pool on %(date)s unless you follow up")
                    % {"name": account.name, "date": timezone.localtime(candidate.due).date().isoformat()},
                    body=candidate.reason_in(account.owner.language),
                    url=account.get_absolute_url(),
                )
            reminded += 1
    return {"reclaimed": reclaimed, "reminded": reminded}


def reclaim_all(now: datetime.datetime | None = None) -> dict[str, int]:
    totals = {"reclaimed": 0, "reminded": 0}
    for pool in Pool.objects.filter(is_active=True):
        result = reclaim_run(pool=pool, now=now)
        for key in totals:
            totals[key] += result[key]
    return totals


# --- Live warnings --------------------------------------------------------------------------

WARNING_LIMIT = 20


@dataclass(frozen=True)
class ReclaimWarning:
    """A customer of ``person`` that the pool rules take back soon, as things stand now."""

    account_id: int
    name: str
    url: str
    due: datetime.date
    days_left: int
    reason: str


def reclaim_warnings(
    *, actor: Actor, person: User, now: datetime.datetime | None = None, limit: int = WARNING_LIMIT
) -> list[ReclaimWarning]:
    """``person``'s customers the pool rules return to the pool within the pool's reminder window,
    computed from the current state (still theirs, no follow-up since, the date still ahead), and
    only those ``actor`` may see. The reclaim run's stored notification says the same on the day
    it ran; this is what is true now. A few queries per pool the person has customers in."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    pools = Pool.objects.filter(
        is_active=True,
        remind_days_before__gt=0,
        pk__in=Account.objects.filter(owner=person, pool__isnull=False).values("pool_id"),
    )
    found: list[Candidate] = []
    for pool in pools:
        found.extend(reclaim_candidates(pool, now, within_days=pool.remind_days_before, owner_id=person.pk))
    if not found:
        return []
    visible = set(
        access.visible(
            actor, "account", Account.objects.filter(pk__in=[c.account_id for c in found])
        ).values_list("pk", flat=True)
    )
    warnings = []
    for candidate in sorted(found, key=lambda c: (c.due, c.account_id)):
        if candidate.account_id not in visible:
            continue
        due = max(timezone.localtime(candidate.due).date(), today)
        warnings.append(
            ReclaimWarning(
                account_id=candidate.account_id,
                name=candidate.account_name,
                url=Account(pk=candidate.account_id).get_absolute_url(),
                due=due,
                days_left=(due - today).days,
                reason=candidate.reason,
            )
        )
    return warnings[:limit]


def resolve_answered_reclaim_notices(*, account_ids: list[int], now: datetime.datetime | None = None) -> int:
    """After a follow-up: mark read the stored reclaim warnings of these accounts that are no
    longer true (the customer changed hands, or the rules no longer take it back within the
    pool's reminder window). One query when there is nothing to resolve."""
    found = notices.unread_reclaim_notices(account_ids)
    if not found:
        return 0
    now = now or timezone.now()
    accounts = Account._base_manager.filter(pk__in=list(found)).select_related("pool")
    resolved: list[Any] = []
    for account in accounts:
        pending = found.get(account.pk, [])
        still = (
            account.owner_id is not None
            and account.pool is not None
            and account.pool.is_active
            and bool(
                reclaim_candidates(
                    account.pool, now, within_days=account.pool.remind_days_before, account_ids=[account.pk]
                )
            )
        )
        resolved.extend(n for n in pending if not still or n.recipient_id != account.owner_id)
    return notices.mark_resolved(resolved)
