"""Shared machinery of list pages: bounded pagination, sorting, columns, filter chips, saved views.

A list page gives its queryset (already from ``access.visible``), a django-filter FilterSet (the
same one its API uses, so the web and the API filter alike), the sortable columns and the
columns a person may show. ``list_context`` returns what ``core/partials/_list_*.html`` render.

Lists open on what the person works on (decision 0028): a list that passes ``whose=True``
opens, when no filter is given, on ``whose=me`` for people whose scope is their own records, on
``whose=team`` for those who see teams, and on everything for scope "all". The default shows as a
removable chip; removing it asks for ``whose=all``. Owner filters offer the people in the
viewer's scope (``access.people_in_scope``), the first ``OWNER_OPTIONS`` with a search for more.

Pagination is bounded: at most ``MAX_ROWS`` rows are counted or reachable (a count past that
shows as "10,000+"), so a list over a million deals costs one LIMITed count and one page query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any
from urllib.parse import urlencode

import django_filters
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, QueryDict
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import access, actor_facts
from .models import SavedView

MAX_ROWS = 10_000
PER_PAGE = 50
OWNER_OPTIONS = 100

MINE, MY_TEAMS, EVERYONE = "me", "team", "all"
WHOSE_CHOICES = [
    (MINE, gettext_lazy("Mine")),
    (MY_TEAMS, gettext_lazy("My teams'")),
    (EVERYONE, gettext_lazy("All I may see")),
]


def whose_q(actor: access.Actor, value: str) -> Q:
    """Records owned by the actor (``me``), or also owned ones of their teams and the teams below
    (``team``; pool customers, which nobody owns, are in the pool instead)."""
    mine = Q(owner_id=actor.id or 0)
    if value == MINE:
        return mine
    return mine | Q(owner_id__isnull=False, team_id__in=sorted(actor.subtree_team_ids))


def default_whose(actor: access.Actor, resource: str) -> str | None:
    """What a list of ``resource`` opens on for the actor: their own records for scope "own",
    their teams' for "team" and "subtree", everything (None) for "all"."""
    scope = actor.scope_for(resource, "view")
    if scope == access.OWN:
        return MINE
    if scope in (access.TEAM, access.SUBTREE):
        return MY_TEAMS
    return None


class WhoseFilter(django_filters.ChoiceFilter):
    """``whose``: me, team (see ``whose_q``) or all (no condition). Works on any queryset with
    ``owner`` and ``team``, the deals' pre-aggregated totals included."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", WHOSE_CHOICES)
        kwargs.setdefault("label", gettext_lazy("Whose"))
        super().__init__(**kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        if value in ("", None, EVERYONE):
            return qs
        request = getattr(self.parent, "request", None)
        actor = access.get_actor(request) if request is not None else access.Actor.anonymous()
        return qs.filter(whose_q(actor, value))


def scoped_people(resource: str) -> Callable[[HttpRequest | None], QuerySet[Any]]:
    """An owner filter's queryset: the people in the requester's scope for ``resource``."""

    def queryset(request: HttpRequest | None) -> QuerySet[Any]:
        if request is None:
            return get_user_model()._default_manager.none()
        return access.people_in_scope(access.get_actor(request), resource)

    return queryset


def owner_options(actor: access.Actor, resource: str, selected: str | None) -> dict[str, Any]:
    """What an owner filter shows: the first ``OWNER_OPTIONS`` people in scope (one query), the
    chosen one among them even when further down, and whether a search is needed for the rest.
    Someone who sees only their own records is offered only themselves: no query."""
    if access.sees_only_themselves(actor, resource):
        return {"people": [actor.user], "more": False, "selected": selected or "", "resource": resource}
    people = access.people_in_scope(actor, resource).only("id", "display_name", "username", "is_active")
    rows = list(people[: OWNER_OPTIONS + 1])
    more = len(rows) > OWNER_OPTIONS
    rows = rows[:OWNER_OPTIONS]
    if selected and selected.isdigit() and all(str(p.pk) != selected for p in rows):
        chosen = people.filter(pk=int(selected)).first()
        if chosen is not None:
            rows.insert(0, chosen)
    return {"people": rows, "more": more, "selected": selected or "", "resource": resource}


class BoundedPaginator(Paginator):
    """A paginator that counts at most ``MAX_ROWS`` rows (one ``LIMIT``ed count), or takes the
    count from the caller when it has a cheaper one (``known_count``, e.g. pre-aggregated)."""

    def __init__(
        self, object_list: Any, per_page: int, max_rows: int = MAX_ROWS, known_count: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.max_rows = max_rows
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        if self.known_count is not None:
            return min(self.known_count, self.max_rows + 1)
        # Without the list's ORDER BY: any max_rows + 1 rows will do for a count, and keeping it
        # makes PostgreSQL sort every matching row first (22,000 for a manager's stage at a
        # million deals: 48 ms instead of about 20).
        return int(self.object_list.order_by()[: self.max_rows + 1].count())  # type: ignore[attr-defined]

    @property
    def is_capped(self) -> bool:
        return self.count > self.max_rows


class _Walked:
    """A page read in parts, in order (``_parts``: each gives its first *limit* ids), then the
    page's rows in one query. Behaves as the paginator's ``object_list``: sliced for a page,
    ``order_by()`` for the count."""

    ordered = True
    queryset: QuerySet[Any]

    def order_by(self, *fields: str) -> QuerySet[Any]:
        return self.queryset.order_by(*fields)

    def _parts(self) -> list[Callable[[int], list[int]]]:
        raise NotImplementedError

    def __getitem__(self, index: slice) -> list[Any]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError(f"{type(self).__name__} is read by pages (a slice).")
        skip, need = index.start or 0, (index.stop or 0) - (index.start or 0)
        ids: list[int] = []
        for part in self._parts():
            if need <= 0:
                break
            got = part(skip + need)
            if len(got) <= skip:
                skip -= len(got)
                continue
            taken = got[skip : skip + need]
            ids.extend(taken)
            need -= len(taken)
            skip = 0
        if not ids:
            return []
        rows = {row.pk: row for row in self.queryset.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


class GroupWalk(_Walked):
    """The rows of ``queryset`` ordered by a small related table, read one group at a time.

    Sorting a million deals by their stage's position or their owner's name (``ORDER BY
    stage.order, id``) makes the database read and sort every match before it can return fifty.
    The groups (stages, people, teams) are few, so the page is read instead as the groups in
    their order (``groups``, the related ids; ``None`` for the rows without one), each an index
    range on ``(field, id)`` cut at what the page still needs: rows ordered by (the group's
    position, id), the same as ``order_by(<position>, <field>, "id")`` with the empty group
    where ``groups`` puts it. A page at offset *n* reads at most *n* + one page of ids (the
    paginator stops at ``MAX_ROWS``), plus one query for the rows themselves.

    On PostgreSQL a run of groups is one query: the ids as an array, each group's range joined
    ``LATERAL`` in array order, so a rep's list sorted by owner does not ask three hundred
    owners one by one; elsewhere (the embedded SQLite database) a query a group.
    ``descending`` walks the groups and the ids backwards.
    """

    def __init__(
        self, queryset: QuerySet[Any], field: str, groups: Sequence[int | None], descending: bool
    ) -> None:
        self.queryset = queryset.order_by()
        self.field = field
        self.groups = list(reversed(groups)) if descending else list(groups)
        self.id_order = "-id" if descending else "id"

    def _parts(self) -> list[Callable[[int], list[int]]]:
        return [partial(self._ids, run) for run in self._runs()]

    def _runs(self) -> list[list[int | None]]:
        """The groups as the queries that read them: on PostgreSQL each run of ids between empty
        groups is one; elsewhere every group is its own."""
        if connections[self.queryset.db].vendor != "postgresql":
            return [[group] for group in self.groups]
        runs: list[list[int | None]] = []
        for group in self.groups:
            if group is None or not runs or runs[-1] == [None]:
                runs.append([group])
            else:
                runs[-1].append(group)
        return runs

    def _ids(self, run: list[int | None], limit: int) -> list[int]:
        """The first ``limit`` ids of the groups of ``run``, in the walk's order."""
        ids_only = self.queryset.order_by(self.id_order).values_list("id", flat=True)
        if run == [None]:
            return list(ids_only.filter(**{f"{self.field}__isnull": True})[:limit])
        if len(run) == 1:
            return list(ids_only.filter(**{self.field: run[0]})[:limit])
        inner = ids_only.filter(**{self.field: RawSQL("walk.gid", ())})[:limit]
        sql, params = inner.query.sql_with_params()
        direction = "DESC" if self.id_order.startswith("-") else "ASC"
        # Rows come out group by group in array order (the function scan's ordinality), each
        # group's ids already in order: PostgreSQL sorts nothing and stops at the limit.
        walk = (
            "SELECT run.id FROM unnest(%s::bigint[]) WITH ORDINALITY AS walk(gid, position) "  # noqa: S608 (the ORM's SQL, values as parameters)
            f"CROSS JOIN LATERAL ({sql}) AS run(id) ORDER BY walk.position, run.id {direction} LIMIT %s"
        )
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(walk, [run, *params, limit])
            return [row[0] for row in cursor.fetchall()]


class TableWalk(_Walked):
    """The rows of ``queryset`` ordered by a large related table (a deal's or a contact's
    account by name), PostgreSQL only: the related rows walked in ``order`` then id through an
    index on those columns, each one's rows joined ``LATERAL`` by ``(field, id)``, then the rows
    without one (``None`` group: last, or first when descending). The database stops at the page
    and sorts only within a related row (an incremental sort), where ``ORDER BY account.name``
    over a left join makes it read and sort every match. Same order as ``Walk.plain``."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        field: str,
        related: QuerySet[Any],
        order: Sequence[str],
        nullable: bool,
        descending: bool,
    ) -> None:
        self.queryset = queryset.order_by()
        self.field = field
        self.related = related
        self.order = list(order)
        self.nullable = nullable
        self.descending = descending

    def _parts(self) -> list[Callable[[int], list[int]]]:
        empty = self.queryset.filter(**{f"{self.field}__isnull": True}).order_by(
            "-id" if self.descending else "id"
        )
        parts: list[Callable[[int], list[int]]] = [self._walked]
        if self.nullable:
            parts.append(lambda limit: list(empty.values_list("id", flat=True)[:limit]))
        return parts[::-1] if self.descending else parts

    def _walked(self, limit: int) -> list[int]:
        direction = "DESC" if self.descending else "ASC"
        id_order = "-id" if self.descending else "id"
        inner = (
            self.queryset.filter(**{self.field: RawSQL("walk.id", ())})
            .order_by(id_order)
            .values_list("id", flat=True)[:limit]
        )
        inner_sql, inner_params = inner.query.sql_with_params()
        columns = [*self.order, "id"]
        outer_sql, outer_params = self.related.order_by().values(*columns).query.sql_with_params()
        quote = connections[self.queryset.db].ops.quote_name
        keys = ", ".join(f"walk.{quote(c)} {direction}" for c in columns)
        sql = (
            f"SELECT run.id FROM ({outer_sql}) AS walk CROSS JOIN LATERAL ({inner_sql}) AS run(id) "  # noqa: S608 (the ORM's SQL, quoted column names)
            f"ORDER BY {keys}, run.id {direction} LIMIT %s"
        )
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(sql, [*outer_params, *inner_params, limit])
            return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Walk:
    """How a list sorted by a column of a related table reads a page without sorting every
    row: ``field`` (``owner_id``) points at ``model`` (``org.User``), ordered by ``order``
    (``display_name``) then its id; ``nullable``: some rows point at none, which sort last (first
    when descending, as PostgreSQL sorts empty values). ``table``: the related table is large
    (accounts), walked through its index (``TableWalk``, PostgreSQL); otherwise its ids are
    read and each is a group (``GroupWalk``).

    The order is (the related ``order``, the related id, the row's id), by ``plain`` as well:
    a list of at most ``MAX_ROWS`` rows is sorted by the database at once, a longer one walked.
    """

    field: str
    model: str
    order: tuple[str, ...]
    nullable: bool = False
    table: bool = False

    def plain(self, sort: str, descending: bool) -> list[Any]:
        keys = [F(sort), F(self.field), F("id")]
        if descending:
            return [key.desc(nulls_first=True) for key in keys]
        return [key.asc(nulls_last=True) for key in keys]

    def object_list(self, queryset: QuerySet[Any], descending: bool) -> Any | None:
        related = apps.get_model(self.model)._base_manager.all()
        if self.table:
            if connections[queryset.db].vendor != "postgresql":
                return None
            return TableWalk(queryset, self.field, related, self.order, self.nullable, descending)
        ids: list[int | None] = list(related.order_by(*self.order, "id").values_list("id", flat=True))
        return GroupWalk(queryset, self.field, [*ids, None] if self.nullable else ids, descending)


def walk_by(field: str, model: str, *order: str, nullable: bool = False, table: bool = False) -> Walk:
    """A ``Column.walk`` (see ``Walk``); binned related rows are walked too: a record may still
    point at one."""
    return Walk(field, model, tuple(order), nullable, table)


@dataclass(frozen=True)
class Column:
    """A column a list may show. ``sort`` is the ORM ordering (None: not sortable).

    ``walk``, for a sort by a column of a related table (``sort`` names it: ``owner__display_name``),
    says how a list longer than ``MAX_ROWS`` reads its page without sorting every row (``Walk``);
    the order is then (``sort``, the related id, the row's id) however long the list.
    """

    key: str
    label: str | Promise
    sort: str | None = None
    numeric: bool = False
    default: bool = True
    walk: Walk | None = None


@dataclass
class ListResult:
    page_obj: Any
    rows: list[Any]
    columns: list[Column]
    all_columns: list[Column]
    sort: str
    filterset: Any
    chips: list[dict[str, str]]
    saved_views: list[SavedView]
    current_view: SavedView | None
    resource: str
    query: str
    effective_query: str = ""
    whose: str = ""
    whose_default: str | None = None
    whose_choices: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        """Did the person filter (beyond the default the list opened on)? Empty states differ."""
        return any(not chip.get("default") for chip in self.chips)

    def as_context(self) -> dict[str, Any]:
        return {
            "page_obj": self.page_obj,
            "rows": self.rows,
            "columns": self.columns,
            "all_columns": self.all_columns,
            "sort": self.sort,
            "filterset": self.filterset,
            "filter_form": self.filterset.form,
            "chips": self.chips,
            "saved_views": self.saved_views,
            "current_view": self.current_view,
            "list_resource": self.resource,
            "list_query": self.query,
            "export_query": self.effective_query,
            "list_filtered": self.filtered,
            "whose": self.whose,
            "whose_default": self.whose_default,
            "whose_default_label": dict(WHOSE_CHOICES).get(self.whose_default or "", ""),
            "whose_choices": self.whose_choices,
            "personal_views": [v for v in self.saved_views if v.team_id is None],
            "team_views": [v for v in self.saved_views if v.team_id is not None],
            **self.extra,
        }


def normalize_query(params: QueryDict, *drop: str) -> str:
    """A query string in a stable order, without ``page`` and ``drop`` (how saved views are compared)."""
    pairs = sorted(
        (k, v) for k, values in params.lists() for v in values if k not in ("page", *drop) and v != ""
    )
    return urlencode(pairs)


def _query_without(params: QueryDict, *keys: str) -> str:
    return normalize_query(params, *keys)


def _chips(filterset: Any, params: QueryDict, default: str | None = None) -> list[dict[str, str]]:
    """One removable chip per active filter, with the filter's label and the chosen value's text."""
    chips: list[dict[str, str]] = []
    form = filterset.form
    if not form.is_bound or not form.is_valid():
        return chips
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or name not in params:
            continue
        if name == "whose":
            if value != EVERYONE:
                rest = _query_without(params, "whose")
                chips.append(
                    {
                        "label": str(form[name].label),
                        "value": str(dict(WHOSE_CHOICES).get(value, value)),
                        "remove": "?" + "&".join(p for p in (rest, f"whose={EVERYONE}") if p),
                        "default": "1" if value == default else "",
                    }
                )
            continue
        bound = form[name]
        shown = value
        if hasattr(value, "start") or hasattr(value, "stop"):
            shown = " – ".join(
                str(v) for v in (getattr(value, "start", None), getattr(value, "stop", None)) if v
            )
        elif isinstance(value, QuerySet | list | tuple):
            shown = ", ".join(str(v) for v in value)
        elif hasattr(bound.field, "choices") and not hasattr(value, "pk"):
            shown = dict(bound.field.choices).get(value, value)
        keys = [name, f"{name}_after", f"{name}_before", f"{name}_min", f"{name}_max"]
        chips.append(
            {
                "label": str(bound.label or name),
                "value": str(shown),
                "remove": "?" + _query_without(params, *keys),
            }
        )
    return chips


def _views_q(actor: access.Actor) -> Q:
    return (
        Q(owner=actor.user)
        | Q(is_shared=True)
        | Q(team_id__in=sorted(actor.lineage_team_ids), team__deleted_at__isnull=True)
    )


SAVED_VIEW_LISTS = "saved_views.lists"


def saved_view_lists(actor: access.Actor) -> frozenset[str]:
    """The lists (resources) with at least one view the person sees; read with their roles
    (``actor_facts``), so a list nobody saved a view of sends no query for them."""
    if actor.user is None:
        return frozenset()

    def compute() -> frozenset[str]:
        return frozenset(
            SavedView.objects.filter(_views_q(actor)).values_list("resource", flat=True).distinct()
        )

    found: frozenset[str] = actor.memo(SAVED_VIEW_LISTS, compute)
    return found


def saved_view_lists_sql(qn: Callable[[str], str]) -> str:
    """``saved_view_lists`` as SQL for ``actor_facts``: a team's view reaches the teams below it
    (its id is in their paths), unless the team is deleted."""
    team_model = SavedView._meta.get_field("team").related_model
    views = qn(SavedView._meta.db_table)
    teams = qn(team_model._meta.db_table)
    return (
        f"SELECT DISTINCT sv.resource AS v FROM {views} sv WHERE sv.owner_id = %(user)s OR sv.is_shared"  # noqa: S608 (models' own table names)
        f" OR EXISTS (SELECT 1 FROM {teams} st WHERE st.id = sv.team_id AND st.deleted_at IS NULL"
        f" AND {actor_facts.at_or_above_mine('st.id')})"
    )


def saved_views_for(actor: access.Actor, resource: str) -> list[SavedView]:
    """The person's own views, those shared with everyone, and those saved for one of their teams
    or a team above them (a team's view reaches its sub-teams). One query, none for a list with
    no view they see, no team lookups: the actor's teams and their ancestors come from the
    materialised paths."""
    if actor.user is None or resource not in saved_view_lists(actor):
        return []
    return list(
        SavedView.objects.filter(resource=resource).filter(_views_q(actor)).select_related("owner", "team")
    )


def list_context(
    request: HttpRequest,
    *,
    resource: str,
    queryset: QuerySet[Any],
    filterset_class: Any,
    columns: Sequence[Column],
    default_sort: str,
    per_page: int = PER_PAGE,
    prepare: Callable[[list[Any]], list[Any]] | None = None,
    count: Callable[[Any], int | None] | None = None,
    whose: bool = False,
) -> ListResult:
    """Filter, sort and page ``queryset`` (already scoped by the access policy) for a list page.

    ``count``, given the valid filterset, may answer the number of rows more cheaply than
    counting them (the deals list reads pre-aggregated totals), or None to count as usual.
    ``whose``: the list opens on ``default_whose`` when no filter is given (the filterset has a
    ``whose`` filter).
    Raises ``ValidationError`` when a filter value is invalid; list views show the form errors.
    """
    actor = access.get_actor(request)
    params: QueryDict = request.GET
    whose_default = default_whose(actor, resource) if whose else None
    if whose_default and "whose" not in params and not normalize_query(params, "sort", "cols"):
        opened_on = params.copy()
        opened_on["whose"] = whose_default
        params = opened_on
    filterset = filterset_class(params, queryset=queryset, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    qs = filterset.qs if valid else queryset.none()
    known_count = count(filterset) if count is not None and valid else None
    sortable = {c.key: c for c in columns if c.sort}
    sort = params.get("sort") or default_sort
    key = sort.lstrip("-")
    if key not in sortable:
        sort, key = default_sort, default_sort.lstrip("-")
    column = sortable.get(key)
    order = column.sort if column is not None and column.sort else key
    direction = "-" if sort.startswith("-") else ""
    if column is not None and column.walk is not None:
        paginator = BoundedPaginator(
            qs.order_by(*column.walk.plain(order, bool(direction))),
            per_page,
            max_rows=MAX_ROWS,
            known_count=known_count,
        )
        if paginator.is_capped:
            # More rows than are worth sorting at once: read the page by walking the related table.
            walked = column.walk.object_list(qs, bool(direction))
            if walked is not None:
                paginator.object_list = walked
    else:
        paginator = BoundedPaginator(
            qs.order_by(f"{direction}{order}", f"{direction}id"),
            per_page,
            max_rows=MAX_ROWS,
            known_count=known_count,
        )
    wanted = [c for c in params.get("cols", "").split(",") if c]
    shown = [c for c in columns if c.key in wanted] if wanted else [c for c in columns if c.default]
    try:
        page_obj = paginator.page(params.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        page_obj = paginator.page(1)
    rows = list(page_obj.object_list)
    if prepare is not None:
        rows = prepare(rows)
    views = saved_views_for(actor, resource)
    query = _query_without(request.GET)
    extra: dict[str, Any] = {"may_share_views": actor.is_admin or actor.has(resource, "assign")}
    if extra["may_share_views"]:
        # Lazy: read only when the "Save view" form is shown. (Teams by the field's model: core
        # does not import org.)
        teams = SavedView._meta.get_field("team").related_model._default_manager
        extra["share_teams"] = teams.filter(pk__in=sorted(actor.team_ids), deleted_at__isnull=True)
    if "owner" in filterset.filters:
        # Lazy: a page that shows no owner filter (or only its HTMX table) runs no query for it.
        chosen = params.get("owner")
        extra["owner_filter"] = SimpleLazyObject(lambda: owner_options(actor, resource, chosen))
    current = next((v for v in views if v.query == query), None)
    return ListResult(
        page_obj=page_obj,
        rows=rows,
        columns=shown,
        all_columns=list(columns),
        sort=sort,
        filterset=filterset,
        chips=_chips(filterset, params, whose_default),
        saved_views=views,
        current_view=current,
        resource=resource,
        query=query,
        effective_query=_query_without(params),
        whose=params.get("whose", "") if whose else "",
        whose_default=whose_default,
        whose_choices=[(k, str(v)) for k, v in WHOSE_CHOICES if k != MY_TEAMS or whose_default != MINE]
        if whose
        else [],
        extra=extra,
    )


# --- Saved views ----------------------------------------------------------------------------


@transaction.atomic
def saved_view_create(
    *,
    actor: access.Actor,
    resource: str,
    name: str,
    query: str,
    is_shared: bool = False,
    team_id: int | None = None,
) -> SavedView:
    """Save a view for the actor, for everyone (``is_shared``) or for one of the actor's teams
    (``team_id``). Sharing either way needs the right to assign records of ``resource`` (managers)
    or to be an administrator."""
    if actor.user is None or not actor.has(resource, "view"):
        raise ValidationError({"resource": [_("Unknown list.")]})
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the view a name.")]})
    if len(name) > 80:
        raise ValidationError({"name": [_("At most %(n)d characters.") % {"n": 80}]})
    encoded = normalize_query(QueryDict(query or ""))[:1000]
    may_share = actor.is_admin or actor.has(resource, "assign")
    if is_shared and not may_share:
        raise ValidationError({"is_shared": [_("Only managers and administrators may share views.")]})
    if team_id is not None:
        if not may_share:
            raise ValidationError({"team": [_("Only managers and administrators may share views.")]})
        if team_id not in actor.team_ids:
            raise ValidationError({"team": [_("Choose one of your own teams.")]})
        if is_shared:
            raise ValidationError({"team": [_("Share with everyone or with a team, not both.")]})
    view = SavedView.objects.create(
        owner=actor.user, resource=resource, name=name, query=encoded, is_shared=is_shared, team_id=team_id
    )
    actor.forget(SAVED_VIEW_LISTS)  # the lists with views changed
    return view


@transaction.atomic
def saved_view_delete(*, actor: access.Actor, view: SavedView) -> None:
    """Only the person who saved a view deletes it (a team's view belongs to the manager who
    saved it, not to each member who sees it)."""
    if actor.user is None or view.owner_id != actor.user.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    view.delete()
    actor.forget(SAVED_VIEW_LISTS)
