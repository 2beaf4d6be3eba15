"""Transfers of everything a person owns (在职继承 on the job, 离职继承 on departure).

A transfer follows a plan. Each record the person owns goes, most specific first:

1. by team: records whose owning team is X go to the person chosen for X (``teams``);
2. by kind: accounts to A, deals to B (``to``), or a kind that can go back to a public pool
   (customers) to the pool chosen (``pools``) — as a release would put them there, so the pool's
   rules apply, and each record's history says why;
3. everything else to the successor (``target``).

Anyone who receives records must be able to own them (``access.may_own``). The organisation's own
links move only as asked: the teams the person leads go to the successor with ``lead_teams``
(otherwise, on a departure, the teams have no leader until one is chosen; on the job, the person
keeps leading them). Direct reports (``reports``) go to the successor (``successor``), to the
person's own manager (``manager``, the default on a departure) or stay (``keep``, the default on
the job, impossible on a departure).

``plan_transfer`` works out the whole plan — counts per kind and destination — without writing:
the preview shows it, and ``carry_out`` moves exactly that, in the caller's transaction, then
records a ``PersonTransfer`` with the split and tells each person who received records, once,
with a summary in their language (and, on the job, the person whose records went).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Model, QuerySet
from django.urls import NoReverseMatch
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tandem.core import access, history, notify, transfer
from tandem.core.access import Actor
from tandem.core.models import HistoryAction
from tandem.core.naming import Said

from .models import Membership, PersonTransfer, Team, User

CHUNK = 5000
LEADER_KEY = "org.Team.leader"
MANAGER_KEY = "org.User.manager"

REPORTS_KEEP, REPORTS_MANAGER, REPORTS_SUCCESSOR = "keep", "manager", "successor"
REPORTS_CHOICES = (
    (REPORTS_MANAGER, gettext_lazy("to the person's own manager")),
    (REPORTS_SUCCESSOR, gettext_lazy("to the successor")),
    (REPORTS_KEEP, gettext_lazy("they keep their manager")),
)
LEAD_SUCCESSOR, LEAD_CLEAR, LEAD_KEEP = "successor", "cleared", "kept"


def record_kinds() -> list[transfer.Ownership]:
    """The kinds of records a plan routes (each with its access resource)."""
    return [o for o in transfer.records() if o.resource]


def ownership_for(resource: str) -> transfer.Ownership | None:
    return next((o for o in record_kinds() if o.resource == resource), None)


def pool_kinds() -> list[transfer.Ownership]:
    """The kinds of records that may go back to a public pool instead of to a person."""
    return [o for o in record_kinds() if o.key in transfer.POOL_RETURNS]


def pool_choices(actor: Actor, resource: str) -> QuerySet[Any]:
    ownership = ownership_for(resource)
    if ownership is None or ownership.key not in transfer.POOL_RETURNS:
        raise ValueError(resource)
    return transfer.POOL_RETURNS[ownership.key].pools(actor)


def _records(ownership: transfer.Ownership, source: User) -> QuerySet[Any]:
    # Records in the recycle bin move too: a restore brings them back to their new owner.
    return ownership.model._base_manager.filter(**{ownership.field: source})


def source_teams(source: User) -> list[tuple[Team, int]]:
    """The teams the person's records belong to, with how many records each: what a plan may
    route by team."""
    counts: dict[int, int] = {}
    for ownership in record_kinds():
        if not ownership.team_field:
            continue
        rows = (
            _records(ownership, source)
            .exclude(**{f"{ownership.team_field}__isnull": True})
            .order_by()
            .values_list(ownership.team_field)
            .annotate(n=Count("pk"))
        )
        for team_id, n in rows:
            counts[team_id] = counts.get(team_id, 0) + n
    teams = Team.all_objects.filter(pk__in=list(counts)).order_by("path")
    return [(team, counts[team.pk]) for team in teams]


@dataclass
class Plan:
    source: User
    target: User | None
    kind: str = PersonTransfer.Kind.ACTIVE
    to: Mapping[str, User] = field(default_factory=dict)  # resource -> person
    pools: Mapping[str, Any] = field(default_factory=dict)  # resource -> pool
    teams: Mapping[int, User] = field(default_factory=dict)  # team id -> person
    lead_teams: bool = False
    reports: str | None = None  # None: the default of the kind
    reason: str = ""

    @property
    def departure(self) -> bool:
        return self.kind == PersonTransfer.Kind.DEPARTURE

    @property
    def reports_rule(self) -> str:
        if self.reports:
            return self.reports
        return REPORTS_MANAGER if self.departure else REPORTS_KEEP


@dataclass
class Row:
    """Records of one kind going to one place (a person or a pool), perhaps only one team's."""

    ownership: transfer.Ownership
    count: int
    to: User | None = None
    pool: Any = None
    team: Team | None = None
    field_name: str = "target"  # the input that chose this destination (for its error)

    @property
    def key(self) -> str:
        return self.ownership.key

    @property
    def label(self) -> str | Promise:
        return self.ownership.label

    def count_text(self) -> str:
        return self.ownership.count_text(self.count)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "count": self.count,
            "to": self.to.pk if self.to is not None else None,
            "to_name": str(self.to) if self.to is not None else None,
            "pool": self.pool.pk if self.pool is not None else None,
            "pool_name": str(self.pool) if self.pool is not None else None,
            "team": self.team.pk if self.team is not None else None,
            "team_name": str(self.team) if self.team is not None else None,
        }


@dataclass
class Outcome:
    """What a plan does: the record rows, the teams led and the direct reports."""

    plan: Plan
    rows: list[Row]
    teams_led: list[Team]
    leadership: str  # LEAD_SUCCESSOR, LEAD_CLEAR or LEAD_KEEP
    reports_rule: str
    report_moves: list[tuple[User, User | None]]  # each direct report who moves, and to whom
    reports_kept: list[User]  # direct reports who keep the person as their manager

    def report_groups(self) -> list[tuple[User | None, list[User]]]:
        """The moving direct reports by new manager (None: nobody)."""
        groups: dict[int | None, tuple[User | None, list[User]]] = {}
        for report, to in self.report_moves:
            key = to.pk if to is not None else None
            groups.setdefault(key, (to, []))[1].append(report)
        return list(groups.values())

    @property
    def counts(self) -> dict[str, int]:
        """Records moved per ownership key, as a ``PersonTransfer`` keeps them."""
        out: dict[str, int] = {}
        for row in self.rows:
            if row.count:
                out[row.key] = out.get(row.key, 0) + row.count
        if self.teams_led and self.leadership != LEAD_KEEP:
            out[LEADER_KEY] = len(self.teams_led)
        if self.report_moves:
            out[MANAGER_KEY] = len(self.report_moves)
        return out

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def records_total(self) -> int:
        return sum(row.count for row in self.rows)

    def split(self) -> list[dict[str, Any]]:
        """The plan as the transfer log keeps it: one entry per kind and destination."""
        entries = [row.as_json() for row in self.rows if row.count]
        if self.teams_led:
            to = self.plan.target if self.leadership == LEAD_SUCCESSOR else None
            entries.append(
                {
                    "key": LEADER_KEY,
                    "count": len(self.teams_led),
                    "to": to.pk if to else None,
                    "to_name": str(to) if to else None,
                    "rule": self.leadership,
                    "teams": [team.name for team in self.teams_led],
                }
            )
        for to, reports in self.report_groups():
            entries.append(
                {
                    "key": MANAGER_KEY,
                    "count": len(reports),
                    "to": to.pk if to else None,
                    "to_name": str(to) if to else None,
                    "rule": self.reports_rule,
                }
            )
        if self.reports_kept:
            entries.append(
                {
                    "key": MANAGER_KEY,
                    "count": len(self.reports_kept),
                    "to": None,
                    "to_name": None,
                    "rule": "kept",
                }
            )
        return entries


def _reporting_line(person: User | None) -> set[int]:
    """The person and everyone they report to, directly or not."""
    seen: set[int] = set()
    current = person
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        current = current.manager
    return seen


def _refusal(person: User, ownership: transfer.Ownership, source: User) -> str | None:
    if person.pk == source.pk:
        return _("Choose someone other than the person themselves.")
    if not person.is_active:
        return _("The successor must be an active person.")
    if ownership.resource and not access.may_own(person, ownership.resource):
        return _("%(name)s may not own %(records)s: choose who receives them.") % {
            "name": person,
            "records": ownership.label,
        }
    return None


def plan_transfer(*, actor: Actor, plan: Plan) -> Outcome:
    """What ``plan`` would move, and where, without moving anything; a plan that cannot be
    carried out raises ``ValidationError`` with a message on the input at fault."""
    source = plan.source
    access.require(actor, "manage", "user", source)
    errors: dict[str, list[str]] = {}

    def refuse(key: str, message: str) -> None:
        if message not in errors.setdefault(key, []):
            errors[key].append(message)

    target = plan.target
    if target is None:
        refuse("target", _("Choose a successor to receive everything this person owns."))
    elif target.pk == source.pk:
        refuse("target", _("Choose someone other than the person themselves."))
    elif not target.is_active:
        refuse("target", _("The successor must be an active person."))
    for resource in plan.to:
        if ownership_for(resource) is None:
            refuse(f"to_{resource}", _("Unknown kind of record: %(name)s") % {"name": resource})
    for resource, pool in plan.pools.items():
        ownership = ownership_for(resource)
        if ownership is None or ownership.key not in transfer.POOL_RETURNS:
            refuse(f"pool_{resource}", _("These records cannot go back to a pool."))
        elif resource in plan.to:
            refuse(f"pool_{resource}", _("Choose a person or a pool for them, not both."))
        elif not getattr(pool, "is_active", True):
            refuse(f"pool_{resource}", _("This pool is closed."))
    rule = plan.reports_rule
    if rule not in (REPORTS_KEEP, REPORTS_MANAGER, REPORTS_SUCCESSOR):
        refuse("reports", _("Choose where the direct reports go."))
    elif rule == REPORTS_KEEP and plan.departure:
        refuse("reports", _("Someone who leaves cannot keep direct reports: choose where they go."))

    rows: list[Row] = []
    routed_teams = dict(plan.teams)
    known_teams = {t.pk: t for t in Team.all_objects.filter(pk__in=list(routed_teams))}
    for pk in routed_teams:
        if pk not in known_teams:
            refuse(f"team_{pk}", _("Unknown team."))
    for ownership in record_kinds():
        resource = ownership.resource or ""
        records = _records(ownership, source)
        by_team: dict[int | None, int] = {}
        if routed_teams and ownership.team_field:
            grouped = records.order_by().values_list(ownership.team_field).annotate(n=Count("pk"))
            by_team = dict(grouped)
        else:
            by_team = {None: records.count()}
        rest = 0
        for team_id, n in by_team.items():
            if team_id is not None and team_id in routed_teams and team_id in known_teams:
                rows.append(
                    Row(
                        ownership,
                        n,
                        to=routed_teams[team_id],
                        team=known_teams[team_id],
                        field_name=f"team_{team_id}",
                    )
                )
            else:
                rest += n
        if resource in plan.pools:
            rows.append(Row(ownership, rest, pool=plan.pools[resource], field_name=f"pool_{resource}"))
        elif resource in plan.to:
            rows.append(Row(ownership, rest, to=plan.to[resource], field_name=f"to_{resource}"))
        else:
            rows.append(Row(ownership, rest, to=target, field_name="target"))
    for row in rows:
        if row.count and row.to is not None:
            message = _refusal(row.to, row.ownership, source)
            if message is not None:
                refuse(row.field_name, message)

    teams_led = list(Team.all_objects.filter(leader=source).order_by("path"))
    leadership = LEAD_CLEAR if plan.departure else LEAD_KEEP
    if plan.lead_teams:
        leadership = LEAD_SUCCESSOR
    reports = list(
        User.objects.filter(manager=source).select_related("manager").order_by("display_name", "id")
    )
    own_manager = source.manager if source.manager_id is not None else None
    moves: list[tuple[User, User | None]] = []
    kept: list[User] = []
    for report in reports:
        if rule == REPORTS_SUCCESSOR and target is not None:
            # Nobody becomes their own manager, and nobody above the successor in the reporting
            # line moves under them (that would close a circle): on a departure those go to the
            # person's own manager; on the job they keep theirs.
            if report.pk not in _reporting_line(target):
                moves.append((report, target))
            elif plan.departure:
                moves.append((report, own_manager))
            else:
                kept.append(report)
        elif rule == REPORTS_MANAGER:
            moves.append((report, own_manager))
        else:
            kept.append(report)
    if errors:
        raise ValidationError(errors)
    return Outcome(
        plan=plan,
        rows=rows,
        teams_led=teams_led,
        leadership=leadership,
        reports_rule=rule,
        report_moves=moves,
        reports_kept=kept,
    )


# --- Carrying out ---------------------------------------------------------------------------


def _team_of(person: User) -> int | None:
    return Membership.objects.filter(user=person, is_primary=True).values_list("team_id", flat=True).first()


def _row_ids(row: Row, outcome: Outcome) -> list[int]:
    records = _records(row.ownership, outcome.plan.source)
    team_field = row.ownership.team_field
    if row.team is not None and team_field:
        records = records.filter(**{f"{team_field}_id": row.team.pk})
    elif team_field and outcome.plan.teams:
        records = records.exclude(**{f"{team_field}_id__in": sorted(outcome.plan.teams)})
    return list(records.order_by("pk").values_list("pk", flat=True))


def _pool_reason(outcome: Outcome, pool: Any) -> Said:
    plan = outcome.plan
    params = {"person": str(plan.source), "pool": str(pool)}
    if plan.reason:
        params["reason"] = plan.reason
        if plan.departure:
            return Said(gettext_noop("%(person)s left; back to the pool %(pool)s. %(reason)s"), **params)
        return Said(
            gettext_noop("%(person)s handed over their records; back to the pool %(pool)s. %(reason)s"),
            **params,
        )
    if plan.departure:
        return Said(gettext_noop("%(person)s left; back to the pool %(pool)s."), **params)
    return Said(gettext_noop("%(person)s handed over their records; back to the pool %(pool)s."), **params)


def _move(
    *,
    actor: Actor,
    model: type[Model],
    field_name: str,
    ids: list[int],
    source: User,
    to: User | None,
    values: dict[str, Any],
    reason: str,
) -> None:
    manager = model._base_manager
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        manager.filter(pk__in=chunk).update(**{field_name: to}, **values)
        history.record_many_by_ids(
            actor=actor.user,
            model=model,
            ids=chunk,
            action=HistoryAction.TRANSFER,
            changes={field_name: [str(source), str(to) if to is not None else None]},
            message=reason,
        )


def carry_out(*, actor: Actor, outcome: Outcome) -> PersonTransfer:
    """Move what ``outcome`` says; the caller holds the transaction."""
    plan = outcome.plan
    source = plan.source
    assert plan.target is not None
    received: dict[int, list[tuple[transfer.Ownership, int]]] = {}
    people: dict[int, User] = {}

    def gave(person: User | None, ownership: transfer.Ownership, n: int) -> None:
        if person is None or n == 0:
            return
        people[person.pk] = person
        received.setdefault(person.pk, []).append((ownership, n))

    teams: dict[int, int | None] = {}
    for row in outcome.rows:
        if not row.count:
            continue
        ids = _row_ids(row, outcome)
        if not ids:
            continue
        row.count = len(ids)
        ownership = row.ownership
        if row.pool is not None:
            transfer.POOL_RETURNS[ownership.key].send(
                actor=actor, ids=ids, source=source, pool=row.pool, reason=_pool_reason(outcome, row.pool)
            )
            continue
        assert row.to is not None
        values: dict[str, Any] = {}
        if ownership.team_field:
            if row.to.pk not in teams:
                teams[row.to.pk] = _team_of(row.to)
            values[f"{ownership.team_field}_id"] = teams[row.to.pk]
        _move(
            actor=actor,
            model=ownership.model,
            field_name=ownership.field,
            ids=ids,
            source=source,
            to=row.to,
            values=values,
            reason=plan.reason,
        )
        gave(row.to, ownership, len(ids))

    leader = transfer.REGISTRY.get(LEADER_KEY)
    if outcome.teams_led and outcome.leadership != LEAD_KEEP and leader is not None:
        new_leader = plan.target if outcome.leadership == LEAD_SUCCESSOR else None
        _move(
            actor=actor,
            model=Team,
            field_name="leader",
            ids=[t.pk for t in outcome.teams_led],
            source=source,
            to=new_leader,
            values={},
            reason=plan.reason,
        )
        gave(new_leader, leader, len(outcome.teams_led))
    manager = transfer.REGISTRY.get(MANAGER_KEY)
    for to, reports in outcome.report_groups():
        _move(
            actor=actor,
            model=User,
            field_name="manager",
            ids=[r.pk for r in reports],
            source=source,
            to=to,
            values={},
            reason=plan.reason,
        )
        if manager is not None:
            gave(to, manager, len(reports))

    record = PersonTransfer.objects.create(
        kind=plan.kind,
        source=source,
        target=plan.target,
        actor=actor.user,
        reason=plan.reason.strip()[:300],
        counts=outcome.counts,
        split=outcome.split(),
    )
    history.record(
        actor=actor.user,
        obj=source,
        action=HistoryAction.TRANSFER,
        changes={"successor": [None, str(plan.target)]},
        message=plan.reason,
    )
    _tell(actor=actor, outcome=outcome, received=received, people=people)
    return record


def _url_of(person: User) -> str:
    try:
        return person.get_absolute_url()
    except NoReverseMatch:
        return ""


def _parts(items: list[tuple[transfer.Ownership, int]]) -> str:
    """ "13 accounts and 28 deals" in the active language."""
    totals: dict[str, tuple[transfer.Ownership, int]] = {}
    for ownership, n in items:
        current = totals.get(ownership.key)
        totals[ownership.key] = (ownership, n + (current[1] if current else 0))
    return notify.join_words([ownership.count_text(n) for ownership, n in totals.values()])


def _tell(
    *,
    actor: Actor,
    outcome: Outcome,
    received: dict[int, list[tuple[transfer.Ownership, int]]],
    people: dict[int, User],
) -> None:
    """One notification per person who received something, and (on the job) one to the person."""
    plan = outcome.plan
    source = plan.source
    for pk, items in received.items():
        if pk == actor.id:
            continue

        def title(items: list[tuple[transfer.Ownership, int]] = items) -> str:
            params = {"records": _parts(items), "person": str(source)}
            if plan.departure:
                return _("You received %(records)s from %(person)s (left)") % params
            return _("You received %(records)s from %(person)s") % params

        notify.notify(
            recipient=people[pk], kind="transfer_received", title=title, body=plan.reason, url=_url_of(source)
        )
    if plan.departure or source.pk == actor.id:
        return

    def handed_over() -> str:
        parts = []
        for row in outcome.rows:
            if not row.count:
                continue
            params = {"records": row.count_text(), "to": str(row.to) if row.to else "", "pool": str(row.pool)}
            if row.pool is not None:
                parts.append(_("%(records)s back to the pool %(pool)s") % params)
            else:
                parts.append(_("%(records)s to %(to)s") % params)
        return _("Your records were handed over: %(parts)s") % {"parts": notify.join_words(parts)}

    if any(row.count for row in outcome.rows):
        notify.notify(
            recipient=source, kind="transfer_handed_over", title=handed_over, body=plan.reason, url=""
        )


# --- Reading ----------------------------------------------------------------------------------


def holdings(source: User) -> list[tuple[transfer.Ownership, int]]:
    """What the person owns, per kind of record (the records a transfer would move)."""
    return [(ownership, _records(ownership, source).count()) for ownership in record_kinds()]


def describe_split(record: PersonTransfer) -> list[str]:
    """Where a transfer sent what, one line per kind and destination, in the active language."""
    lines: list[str] = []
    entries = record.split or [
        {"key": key, "count": n, "to_name": str(record.target)} for key, n in record.counts.items()
    ]
    for entry in entries:
        ownership = transfer.REGISTRY.get(entry.get("key", ""))
        n = int(entry.get("count") or 0)
        counted = ownership.count_text(n) if ownership is not None else f"{entry.get('key')}: {n}"
        to = entry.get("to_name") or ""
        params = {"records": counted, "to": to, "person": str(record.source)}
        if entry.get("key") == LEADER_KEY and entry.get("rule"):
            params["teams"] = ", ".join(entry.get("teams") or []) or counted
            if entry["rule"] == LEAD_SUCCESSOR:
                lines.append(_("%(teams)s now led by %(to)s") % params)
            elif entry["rule"] == LEAD_CLEAR:
                lines.append(_("%(teams)s without a leader") % params)
            else:
                lines.append(_("%(teams)s still led by %(person)s") % params)
        elif entry.get("key") == MANAGER_KEY and entry.get("rule"):
            if entry["rule"] == "kept":
                lines.append(_("%(records)s keep %(person)s as their manager") % params)
            elif to:
                lines.append(_("%(records)s to %(to)s") % params)
            else:
                lines.append(_("%(records)s without a manager") % params)
        elif entry.get("pool_name"):
            params["pool"] = entry["pool_name"]
            lines.append(_("%(records)s back to the pool %(pool)s") % params)
        elif entry.get("team_name"):
            params["team"] = entry["team_name"]
            lines.append(_("%(records)s of %(team)s to %(to)s") % params)
        else:
            lines.append(_("%(records)s to %(to)s") % params)
    return lines
