"""The one access policy (数据权限). Nothing else in Tandem decides who may see or change what.

Vocabulary:

- A **resource** is a kind of record ("team", "user", "deal", ...) registered here with how its
  owner and owning team are found (``register_resource``).
- A **role** grants, per resource, a set of actions and a data scope: own, team, subtree or all.
  A person may hold several roles; for each action the widest scope wins.
- An **Actor** is built once per request from the person's roles and teams.

Reads: ``visible(actor, resource, queryset)`` filters any queryset to what the actor may see;
``get_visible_or_404`` fetches one record or raises ``Http404`` exactly as if it did not exist.
Writes: ``can(actor, action, resource, obj)`` answers; ``require(...)`` raises ``PermissionDenied``.

Later domains add ways to see a record besides the scope rule (record teams, pool membership)
with ``register_visibility_extension``: they are unioned into ``visible`` here, so every list,
detail, count, export and duplicate check sees them the same way.

**Grants by record** (``register_record_grant``) are the other way in: access to one record given
to one person (a record team member, decision 0032), which holds even when the person's roles give
no scope at all on the resource (technical support sees the deal handed to them). They only ever
give ``view`` and ``edit`` (``RECORD_ACTIONS``) — never delete, assign, export-all or manage — and
are unioned into ``visible``, ``can`` and ``condition`` beside the scope rule. A grant answers None
for an actor it gives nothing (someone on no record team, one memoised indexed EXISTS), so for
most people the SQL is exactly the scope rule's and ``visible_summary`` keeps its fast path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext

if TYPE_CHECKING:
    from tandem.org.models import User

M = TypeVar("M", bound=models.Model)

OWN, TEAM, SUBTREE, ALL = "own", "team", "subtree", "all"
SCOPE_RANK = {OWN: 1, TEAM: 2, SUBTREE: 3, ALL: 4}
ACTIONS = ("view", "create", "edit", "delete", "import", "export", "assign", "manage")

ScopeQ = Callable[["Actor", str], Q]
VisibilityExtension = Callable[["Actor", str, str], Q | None]
RecordGrant = Callable[["Actor", str], Q | None]  # (actor, action) -> records granted, or None

# The only actions a grant by record can give.
RECORD_ACTIONS = ("view", "edit")


@dataclass(frozen=True)
class Resource:
    """How records of one kind relate to people and teams.

    By default a record has ``owner`` and ``team`` foreign keys. Resources whose shape differs
    (people, teams themselves) give ``scope_q`` instead.
    """

    name: str
    label: str | Promise
    owner_field: str | None = "owner"
    team_field: str | None = "team"
    scope_q: ScopeQ | None = None
    actions: tuple[str, ...] = ACTIONS
    extensions: list[VisibilityExtension] = field(default_factory=list)
    record_grants: list[RecordGrant] = field(default_factory=list)
    # Records every signed-in person may view when ``scope_q`` reaches them, without a grant:
    # approvals, whose parties (submitter, approvers) come from the record, not from a role.
    open_to_parties: bool = False

    def q_for(self, actor: Actor, scope: str, action: str = "view") -> Q:
        if self.scope_q is not None:
            q = self.scope_q(actor, scope)
        else:
            q = Q(pk__in=[])
            if self.owner_field:
                q = Q(**{f"{self.owner_field}_id": actor.id})
            if scope in (TEAM, SUBTREE) and self.team_field:
                team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
                q |= Q(**{f"{self.team_field}_id__in": sorted(team_ids)})
        for extension in self.extensions:
            extra = extension(actor, action, scope)
            if extra is not None:
                q |= extra
        return q

    def matches(self, actor: Actor, scope: str, obj: models.Model) -> bool | None:
        """Decide in Python without a query, or ``None`` when a query is needed."""
        if self.scope_q is not None:
            return None
        if self.owner_field and getattr(obj, f"{self.owner_field}_id", None) == actor.id:
            return True
        if scope in (TEAM, SUBTREE) and self.team_field:
            team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
            if getattr(obj, f"{self.team_field}_id", None) in team_ids:
                return True
        return None if self.extensions else False


RESOURCES: dict[str, Resource] = {}


def register_resource(resource: Resource) -> Resource:
    RESOURCES[resource.name] = resource
    return resource


def register_visibility_extension(resource: str, extension: VisibilityExtension) -> None:
    """Add another way to see records of ``resource`` (e.g. record-team membership)."""
    RESOURCES[resource].extensions.append(extension)


def register_record_grant(resource: str, grant: RecordGrant) -> None:
    """Add a grant by record to ``resource``: ``grant(actor, action)`` answers the records of
    ``resource`` given to the actor for ``action`` (only ever "view" or "edit") as a ``Q`` over
    an indexed subquery, or None when it gives the actor nothing (cheaply: it is asked on every
    read). See the module docstring."""
    RESOURCES[resource].record_grants.append(grant)


def record_grants_q(actor: Actor, resource: str, action: str = "view") -> Q | None:
    """The records of ``resource`` given to the actor for ``action`` by record grants, or None."""
    spec = RESOURCES.get(resource)
    if spec is None or not spec.record_grants or action not in RECORD_ACTIONS or actor.id is None:
        return None
    q: Q | None = None
    for grant in spec.record_grants:
        extra = grant(actor, action)
        if extra is not None:
            q = extra if q is None else q | extra
    return q


def resource_choices() -> list[tuple[str, str]]:
    return [(r.name, str(r.label)) for r in RESOURCES.values()]


class Actor:
    """A person as the access policy sees them. Build with ``Actor.for_user`` (one query)."""

    def __init__(
        self,
        *,
        user: User | None,
        grants: dict[str, dict[str, str]],
        team_ids: frozenset[int],
        team_paths: tuple[str, ...],
        is_admin: bool,
    ) -> None:
        self.user = user
        self.id: int | None = user.pk if user is not None else None
        self.grants = grants
        self.team_ids = team_ids
        self.team_paths = team_paths
        self.is_admin = is_admin

    def __repr__(self) -> str:
        return f"<Actor {self.user!r} admin={self.is_admin}>"

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user=None, grants={}, team_ids=frozenset(), team_paths=(), is_admin=False)

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        from . import actor_facts

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls.anonymous()
        # Every page builds one: one statement for the roles with their grants, the live teams
        # they belong to or lead, and the facts other apps memoise (``actor_facts``).
        loaded = actor_facts.load(user.pk)
        is_admin = bool(user.is_superuser) or loaded.is_admin
        grants: dict[str, dict[str, str]] = {}
        for resource, actions, scope in loaded.grants:
            per_action = grants.setdefault(resource, {})
            for action in actions:
                current = per_action.get(action)
                if current is None or SCOPE_RANK[scope] > SCOPE_RANK[current]:
                    per_action[action] = scope
        actor = cls(
            user=user,
            grants=grants,
            team_ids=frozenset(loaded.teams),
            team_paths=tuple(sorted(loaded.teams.values())),
            is_admin=is_admin,
        )
        if loaded.subtree is not None:
            actor.__dict__["subtree_team_paths"] = loaded.subtree
        actor.__dict__["_memo"] = loaded.memo
        return actor

    @cached_property
    def subtree_team_paths(self) -> dict[int, str]:
        """Every team at or below one of the actor's teams, with its materialised path: one
        indexed prefix query per team."""
        from tandem.org.models import Team

        if not self.team_paths:
            return {}
        q = Q()
        for path in self.team_paths:
            q |= Q(path__startswith=path)
        return dict(Team.objects.filter(q).values_list("id", "path"))

    @cached_property
    def subtree_team_ids(self) -> frozenset[int]:
        """Every team at or below one of the actor's teams."""
        return frozenset(self.subtree_team_paths)

    def known_subtree(self, team_id: int) -> list[int] | None:
        """The team and every team below it, when the actor's own subtree is already loaded and
        holds it (no query); None otherwise. A literal list lets PostgreSQL plan a scoped read
        with the team indexes, where a subquery of unknown size makes it guess one team."""
        if "subtree_team_paths" not in self.__dict__:
            return None
        paths = self.subtree_team_paths
        top = paths.get(team_id)
        if top is None:
            return None
        return sorted(pk for pk, path in paths.items() if path.startswith(top))

    @cached_property
    def lineage_team_ids(self) -> frozenset[int]:
        """The actor's teams and every team above them (from the materialised paths, no query)."""
        return frozenset(int(part) for path in self.team_paths for part in path.strip("/").split("/") if part)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Cache a per-request fact about the actor (e.g. their pools) for other apps' extensions."""
        cache: dict[str, Any] = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def forget(self, key: str) -> None:
        """Drop a memoised fact (it changed within the request): the next ``memo`` asks again."""
        self.__dict__.get("_memo", {}).pop(key, None)

    def scope_for(self, resource: str, action: str = "view") -> str | None:
        if self.user is None:
            return None
        if self.is_admin:
            return ALL
        return self.grants.get(resource, {}).get(action)

    def has(self, resource: str, action: str = "view") -> bool:
        """May the actor ``action`` some records of ``resource``: by a role, or (view and edit
        only) by grants by record, such as the deals whose record team they are on."""
        if self.scope_for(resource, action) is not None:
            return True
        return record_grants_q(self, resource, action) is not None


def _scope(actor: Actor, resource: str, action: str) -> str | None:
    scope = actor.scope_for(resource, action)
    if scope is None and action == "view" and actor.user is not None:
        spec = RESOURCES.get(resource)
        if spec is not None and spec.open_to_parties:
            return OWN
    return scope


def visible(
    actor: Actor, resource: str, queryset: models.QuerySet[M], action: str = "view"
) -> models.QuerySet[M]:
    """``queryset`` narrowed to the records the actor may ``action`` (view by default)."""
    q = condition(actor, resource, action)
    if q is None:
        return queryset.none()
    return queryset.filter(q)


def condition(actor: Actor, resource: str, action: str = "view") -> Q | None:
    """The records of ``resource`` the actor may ``action`` as one condition: None for none at
    all, ``Q()`` for all; the scope rule, its extensions and the grants by record."""
    scope = _scope(actor, resource, action)
    if scope == ALL:
        return Q()
    granted = record_grants_q(actor, resource, action)
    if scope is None:
        return granted
    q = RESOURCES[resource].q_for(actor, scope, action)
    return q | granted if granted is not None else q


def visible_summary(
    actor: Actor, resource: str, queryset: models.QuerySet[M], action: str = "view"
) -> models.QuerySet[M] | None:
    """``visible`` for a summary of ``resource``: a table whose rows each stand for records of
    one owner and one owning team (the board's pre-aggregated totals), with the resource's owner
    and team fields under the same names.

    None when the resource's visibility depends on more than a record's owner and team (a
    visibility extension such as pools, its own scope rule, or grants by record this actor holds
    — a record team they are on): a summary cannot tell which of its records those reach, so the
    caller reads the records themselves. An actor on no record team keeps the summary.
    """
    definition = RESOURCES[resource]
    if definition.scope_q is not None or definition.extensions:
        return None
    if actor.scope_for(resource, action) != ALL and record_grants_q(actor, resource, action) is not None:
        # Records given to this actor one by one: the summary cannot tell them apart.
        return None
    return visible(actor, resource, queryset, action)


def visible_summary_split(
    actor: Actor,
    resource: str,
    summary: models.QuerySet[M],
    records: models.QuerySet[Any],
    action: str = "view",
) -> tuple[models.QuerySet[M], models.QuerySet[Any]] | None:
    """``visible_summary`` for an actor who holds grants by record (a record team member):
    the summary rows of their role scope, and the ``records`` (already ``visible``, and filtered
    as the caller likes) that only their grants reach — a few, to aggregate themselves. Together
    they count every visible record once. None when a summary cannot serve at all (see
    ``visible_summary``); for an actor without grants, their summary and no records."""
    definition = RESOURCES[resource]
    if definition.scope_q is not None or definition.extensions:
        return None
    scope = actor.scope_for(resource, action)
    if scope == ALL or record_grants_q(actor, resource, action) is None:
        found = visible(actor, resource, summary, action)
        return found, records.none()
    if scope is None:
        return summary.none(), records
    by_scope = definition.q_for(actor, scope, action)
    return summary.filter(by_scope), records.exclude(by_scope)


def visible_on_record(
    actor: Actor, resource: str, queryset: models.QuerySet[M], *, strict: bool = False
) -> models.QuerySet[M]:
    """``queryset`` as shown on the page of one record the caller has already found visible.

    A record's timeline belongs to the record: whoever may view records of ``resource`` at all sees
    every one on it (the owner of an account sees the follow-ups support logged there). ``strict``
    keeps the ordinary scope instead (a masked pool customer: notes can hold what the mask hides).
    Lists of ``resource`` are not pages of a record and use ``visible``.
    """
    if strict:
        return visible(actor, resource, queryset)
    if actor.scope_for(resource, "view") is None:
        # No role scope: only what grants by record give (a record team member's follow-ups).
        return visible(actor, resource, queryset)
    return queryset


def can(
    actor: Actor, action: str, resource: str, obj: models.Model | None = None, *, by_record: bool = True
) -> bool:
    """May the actor ``action`` this record (or records of this kind, when ``obj`` is None)?

    ``by_record=False`` leaves grants by record out: may they by their roles alone (a record
    team member with edit access may change the record but not keep its team)."""
    scope = _scope(actor, resource, action)
    if scope == ALL or (obj is None and scope is not None):
        return True
    if obj is None:
        return False
    decided: bool | None = False
    if scope is not None:
        decided = RESOURCES[resource].matches(actor, scope, obj)
        if decided:
            return True
    granted = record_grants_q(actor, resource, action) if by_record else None
    if (decided is False and granted is None) or obj.pk is None:
        return False
    q = RESOURCES[resource].q_for(actor, scope, action) if scope is not None and decided is None else None
    if granted is not None:
        q = granted if q is None else q | granted
    assert q is not None
    return type(obj)._base_manager.filter(pk=obj.pk).filter(q).exists()


def require(actor: Actor, action: str, resource: str, obj: models.Model | None = None) -> None:
    if not can(actor, action, resource, obj):
        raise PermissionDenied


def require_linkable(actor: Actor, resource: str, obj: models.Model | None, *, field: str) -> None:
    """Linking a record to ``obj`` (a deal or a follow-up to an account, a contact to an account)
    changes ``obj`` — its page, its follow-up dates, its lifecycle — so it needs the right to
    edit ``obj``, not only to see it (a pool member only sees the pool's customers).

    A record the actor cannot see is refused exactly like a missing one; one they may only view
    gets a message saying so. Both as a ``ValidationError`` on ``field``.
    """
    if obj is None or can(actor, "edit", resource, obj):
        return
    if not can(actor, "view", resource, obj):
        raise ValidationError({field: [gettext("Select a valid choice.")]}, code="invalid_choice")
    raise ValidationError(
        {
            field: [
                gettext("You may view “%(name)s” but not change it, so nothing can be linked to it.")
                % {"name": obj}
            ]
        },
        code="not_editable",
    )


def delegated(actor_user: Any, *, resources: tuple[str, ...], actions: tuple[str, ...]) -> Actor:
    """An actor for one change an administrator's rule authorises, not the person's own grants:
    ``actor_user`` with ``actions`` on ``resources`` at scope all (a handoff template's acceptance
    gives the record to its recipient through the record's own owner-change service, which checks
    assign rights the recipient does not hold). Only services that applied the rule's own checks
    build one, for the write they make; reads never use it."""
    base = Actor.for_user(actor_user)
    grants = {resource: dict(per_action) for resource, per_action in base.grants.items()}
    for resource in resources:
        per_action = grants.setdefault(resource, {})
        for action in actions:
            per_action[action] = ALL
    return Actor(
        user=base.user,
        grants=grants,
        team_ids=base.team_ids,
        team_paths=base.team_paths,
        is_admin=base.is_admin,
    )


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied


# --- Notification channels (tandem.notifications) -----------------------------------------


def may_manage_webhooks(actor: Actor) -> bool:
    """Outbound webhooks send any record's events off-site: administrators only."""
    return actor.user is not None and actor.is_admin


def may_manage_team_robots(actor: Actor, team: Any) -> bool:
    """A team's group robots: administrators and the team's leader."""
    if actor.user is None:
        return False
    return actor.is_admin or (team is not None and team.leader_id == actor.user.pk)


def get_visible_or_404(actor: Actor, resource: str, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """One record the actor may see; missing and not visible answer the same 404."""
    try:
        return visible(actor, resource, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- Who may own a record -------------------------------------------------------------------

# A record's owner opens and works on it: owning a kind of record needs both grants.
OWNING_ACTIONS = ("view", "edit")


def owners_q(resource: str) -> Q:
    """A condition on people who may own records of ``resource``: administrators, and holders
    of roles that grant ``view`` and ``edit`` on it (from one role or from several), as
    ``EXISTS`` over their roles' grants (no query of its own)."""
    from tandem.org.models import RoleGrant, User

    def holds(action: str) -> Q:
        # The actions are a JSON list of known words: '"view"' matches the word and nothing else.
        grants = RoleGrant.objects.filter(
            role__users=OuterRef("pk"), resource=resource, actions__icontains=f'"{action}"'
        )
        return Q(Exists(grants))

    admin = User.roles.through.objects.filter(user_id=OuterRef("pk"), role__is_admin=True)
    q = Q(is_superuser=True) | Q(Exists(admin))
    both = Q()
    for action in OWNING_ACTIONS:
        both &= holds(action)
    return q | both


def may_own(user: Any, resource: str) -> bool:
    """May ``user`` own records of ``resource``? Active, and able to open and edit them."""
    if user is None or not getattr(user, "is_active", False):
        return False
    candidate = Actor.for_user(user)
    return all(candidate.has(resource, action) for action in OWNING_ACTIONS)


def owner_candidates(actor: Actor, resource: str) -> models.QuerySet[User]:
    """The people ``actor`` may give records of ``resource`` to: active people who may own them,
    within the reach of the actor's ``assign`` grant (``own``: only themselves; ``team`` and
    ``subtree``: members of those teams; ``all``: everyone). Without the grant, only themselves.
    Every owner picker offers these, and the services accept no one else."""
    from tandem.org.models import Membership, User

    people = User.objects.filter(is_active=True).filter(owners_q(resource))
    scope = actor.scope_for(resource, "assign")
    if actor.id is None:
        return people.none()
    if scope == ALL:
        reach = people
    elif scope in (TEAM, SUBTREE):
        team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
        members = Membership.objects.filter(user_id=OuterRef("pk"), team_id__in=sorted(team_ids))
        reach = people.filter(Q(pk=actor.id) | Q(Exists(members)))
    else:
        reach = people.filter(pk=actor.id)
    return reach.order_by("display_name", "id")


def sees_only_themselves(actor: Actor, resource: str, action: str = "view") -> bool:
    """Is ``people_in_scope`` the actor alone (an own scope)? A caller may then offer the
    actor's own user, already loaded, rather than read it."""
    return actor.id is not None and actor.scope_for(resource, action) == OWN


def people_in_scope(actor: Actor, resource: str, action: str = "view") -> models.QuerySet[User]:
    """The people whose records of ``resource`` fall within the actor's scope for ``action``:
    ``own``: themselves; ``team`` and ``subtree``: themselves and the members of those teams;
    ``all``: everyone. Deactivated people are included (they may still own records), after the
    active ones. What owner filters offer and accept: filtering by anyone else answers nothing
    the scope would not show, so it is refused like an unknown person."""
    from tandem.org.models import Membership, User

    scope = actor.scope_for(resource, action)
    people = User.objects.all()
    if actor.id is None or scope is None:
        return people.none()
    if scope == ALL:
        reach = people
    elif scope in (TEAM, SUBTREE):
        team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
        members = Membership.objects.filter(user_id=OuterRef("pk"), team_id__in=sorted(team_ids))
        reach = people.filter(Q(pk=actor.id) | Q(Exists(members)))
    else:
        reach = people.filter(pk=actor.id)
    return reach.order_by("-is_active", "display_name", "id")


def owner_refusal(actor: Actor, resource: str, user: Any) -> str | None:
    """Why ``actor`` may not give a record of ``resource`` to ``user``, in words; None if they may."""
    from django.utils.translation import gettext as _

    if user is None or not getattr(user, "is_active", False):
        return _("The owner must be an active person.")
    label = RESOURCES[resource].label if resource in RESOURCES else resource
    if not may_own(user, resource):
        return _("%(name)s may not own %(records)s: their roles do not let them open and edit them.") % {
            "name": user,
            "records": label,
        }
    if not owner_candidates(actor, resource).filter(pk=user.pk).exists():
        if actor.scope_for(resource, "assign") is None:
            return _("You may not give records to someone else.")
        return _("%(name)s is outside the teams you may give %(records)s to.") % {
            "name": user,
            "records": label,
        }
    return None


def get_actor(request: HttpRequest) -> Actor:
    """The request's actor, built once per request and person."""
    user = getattr(request, "user", None)
    cached: Actor | None = getattr(request, "_tandem_actor", None)
    if cached is not None and cached.id == getattr(user, "pk", None):
        return cached
    actor = Actor.for_user(user)
    request._tandem_actor = actor  # type: ignore[attr-defined]
    return actor


# --- Resources of the organisation itself ---------------------------------------------------


def _membership_exists(user_ref: str, team_ids: frozenset[int]) -> Exists:
    from tandem.org.models import Membership

    return Exists(Membership.objects.filter(user_id=OuterRef(user_ref), team_id__in=sorted(team_ids)))


def _user_scope(actor: Actor, scope: str) -> Q:
    me = Q(pk=actor.id)
    if scope == OWN:
        return me
    team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
    return me | Q(_membership_exists("pk", team_ids))


def _team_scope(actor: Actor, scope: str) -> Q:
    team_ids = actor.subtree_team_ids if scope == SUBTREE else actor.team_ids
    return Q(pk__in=sorted(team_ids))


def _position_scope(actor: Actor, scope: str) -> Q:
    from tandem.org.models import User

    mine = Q(Exists(User.objects.filter(pk=actor.id, position=OuterRef("pk"))))
    if scope == OWN:
        return mine
    team_ids = actor.team_ids if scope == TEAM else actor.subtree_team_ids
    holders = User.objects.filter(position=OuterRef("pk")).filter(_membership_exists("pk", team_ids))
    return mine | Q(Exists(holders))


def _role_scope(actor: Actor, scope: str) -> Q:
    from tandem.org.models import User

    return Q(Exists(User.roles.through.objects.filter(user_id=actor.id or 0, role_id=OuterRef("pk"))))


def _register_org_resources() -> None:
    from django.utils.translation import gettext_lazy as _

    register_resource(Resource("user", _("people"), scope_q=_user_scope))
    register_resource(Resource("team", _("teams"), scope_q=_team_scope))
    register_resource(Resource("position", _("positions"), scope_q=_position_scope))
    register_resource(Resource("role", _("roles"), scope_q=_role_scope))


_register_org_resources()
