"""REST API of customers: accounts (客户), contacts (联系人), public pools (公海), duplicate checks (查重).

Reads go through the access policy (``ScopedViewSet.get_queryset`` is ``visible()``, and pool
members see their pools' unowned customers through the pool extension); writes call
``customers.services`` and ``customers.pools``. Every list exports as CSV or XLSX with the
``export`` grant (``?format=csv|xlsx``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from operator import itemgetter
from typing import Any, ClassVar

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tandem.core import access, export
from tandem.core.api import IF_MATCH, PRECONDITION, ScopedViewSet, TandemAPIView, version_read
from tandem.core.export import Column, ExportMixin
from tandem.core.ids import parse_id
from tandem.core.phones import format_phone

from . import dedupe, pools, services
from .filters import AccountFilter, ContactFilter
from .models import Account, AccountLevel, Contact, Pool, PoolMember
from .serializers import (
    AccountInputSerializer,
    AccountSerializer,
    AssignInputSerializer,
    ContactInputSerializer,
    ContactSerializer,
    DuplicateCheckInputSerializer,
    DuplicateCheckSerializer,
    HandedOverSerializer,
    PoolSerializer,
    ReclaimPreviewSerializer,
    ReleaseInputSerializer,
    TimelineSerializer,
    handed_over_data,
    history_changes,
    is_masked,
    mask_email,
    mask_phone,
    with_edit_flag,
)

ERRORS = {
    400: OpenApiResponse(description="Invalid input: field messages."),
    403: OpenApiResponse(description="The record is visible but the caller may not do this."),
    404: OpenApiResponse(description="No such record, or the caller may not see it."),
}
CONFLICT = {
    409: OpenApiResponse(description="Stale version: the record changed; body has current values."),
    **PRECONDITION,
}
EXPORT_PARAMETERS = [
    OpenApiParameter(
        "format",
        str,
        enum=["json", "csv", "xlsx"],
        description="csv or xlsx: download every filtered row (needs the export grant). More rows "
        "than TANDEM_EXPORT_BACKGROUND_ROWS answer 202 with a background export to poll at "
        "/api/v1/exports/{id}/ and then download.",
    )
]


HANDED_OVER_NOTE = (
    "The answer is the record (200) while the caller can still see it; when the change takes it out "
    "of their sight, it is 200 with ``HandedOver``: ``visible: false``, the new owner and team, and "
    "``detail`` saying where it went."
)


def owner_change_response(serializer: Any, name: str) -> PolymorphicProxySerializer:
    """The 200 of an operation that may hand a record to someone the caller cannot follow."""
    return PolymorphicProxySerializer(
        component_name=f"{name}OrHandedOver",
        serializers=[serializer, HandedOverSerializer],
        resource_type_field_name=None,
    )


def tag_names(obj: Any) -> str:
    return ", ".join(tag.name for tag in obj.tags.all())


def person(obj: Any) -> str:
    return str(obj) if obj is not None else ""


class CrmViewSet(ScopedViewSet):
    """Shared plumbing of the CRM viewsets: parse input, re-read output through the policy."""

    lookup_value_converter = "int"

    def _input(self, serializer_class: type[serializers.Serializer[Any]], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _output(self, obj: Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as the list shows it: re-read through the policy, with its annotations."""
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(fresh).data, status=status_code)

    def _output_after_owner_change(self, obj: Model) -> Response:
        """After a change of owner: the record if the caller still sees it, else (still 200) where
        it went, without its content (``HandedOver``)."""
        fresh = self.get_queryset().filter(pk=obj.pk).first()
        if fresh is not None:
            return Response(self.get_serializer(fresh).data)
        record = type(obj)._base_manager.select_related("owner", "team").get(pk=obj.pk)
        return Response(HandedOverSerializer(handed_over_data(self.resource, record)).data)


class CrmModelViewSet(
    ExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CrmViewSet,
):
    """A CRM record list with CSV/XLSX export."""


# --- Accounts -------------------------------------------------------------------------------


def _row_masked(row: dict[str, Any]) -> bool:
    """``is_masked`` for an export row (values with the ``can_edit`` annotation)."""
    return row["owner_id"] is None and not row["can_edit"]


def _masked_phone(row: dict[str, Any]) -> str:
    return mask_phone(row["phone"]) if _row_masked(row) else format_phone(row["phone"])


def _masked_email(row: dict[str, Any]) -> str:
    return mask_email(row["email"]) if _row_masked(row) else row["email"]


@extend_schema_view(
    list=extend_schema(summary="Accounts (客户)", parameters=EXPORT_PARAMETERS),
    retrieve=extend_schema(summary="One account", responses={200: AccountSerializer, 404: ERRORS[404]}),
)
class AccountViewSet(CrmModelViewSet):
    """Customer companies. ``?pool=<id>&in_pool=true`` lists a pool's unowned customers.

    A pool customer's phone and email are masked for people who may not edit it, until claimed.
    """

    resource = "account"
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    ordering_fields: ClassVar[list[str]] = [
        "id",
        "name",
        "created_at",
        "updated_at",
        "last_follow_up_at",
        "next_follow_up_on",
        "owned_since",
        "released_at",
    ]
    ordering: ClassVar[list[str]] = ["-id"]
    action_permissions: ClassVar[dict[str, str]] = {
        "claim": "view",
        "release": "edit",
        "assign": "view",
        "timeline": "view",
    }
    export_filename = "accounts"

    def base_queryset(self) -> QuerySet[Account]:
        queryset = Account.objects.select_related("owner", "team", "level", "pool").prefetch_related("tags")
        return with_edit_flag(self.actor, queryset, "account")

    def export_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The export reads values (``export_iterate``): no joins or prefetches.
        return queryset.select_related(None).prefetch_related(None)

    def export_iterate(self, queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
        """Each account as a dict of its fields and ``can_edit`` plus the names of its owner, team,
        level and pool and its tags, read by id once per chunk (issue 12: no model instances)."""
        from tandem.org.models import Team, User

        names = {
            "owner": export.Names(User._base_manager.only("username", "display_name")),
            "team": export.Names(Team._base_manager.all(), lambda t: t.display_name),
            "level": export.Names(AccountLevel._base_manager.all(), lambda v: v.display_name),
            "pool": export.Names(Pool._base_manager.all(), lambda p: p.display_name),
        }

        def fill(chunk: list[dict[str, Any]]) -> None:
            for field, known in names.items():
                key = f"{field}_id"
                known.load(row[key] for row in chunk)
                for row in chunk:
                    row[field] = known[row[key]]
            tags = export.tag_names_by_id(Account, (row["id"] for row in chunk))
            for row in chunk:
                row["tags"] = tags.get(row["id"], "")

        fields = ("id", "name", "lifecycle", "industry", "source", "channel", "phone", "email", "website")
        later = ("province", "city", "last_follow_up_at", "next_follow_up_on", "created_at", "can_edit")
        return export.value_rows(queryset, (*fields, *later, *(f"{field}_id" for field in names)), fill)

    def export_columns(self) -> Sequence[Column]:
        """Getters of ``export_iterate``'s dicts."""
        return [
            (gettext_lazy("ID"), itemgetter("id")),
            (gettext_lazy("Name"), itemgetter("name")),
            (gettext_lazy("Owner"), itemgetter("owner")),
            (gettext_lazy("Team"), itemgetter("team")),
            (gettext_lazy("Level"), itemgetter("level")),
            (gettext_lazy("Lifecycle stage"), export.choice(Account, "lifecycle")),
            (gettext_lazy("Industry"), itemgetter("industry")),
            (gettext_lazy("Source"), export.choice(Account, "source")),
            (gettext_lazy("Channel"), export.choice(Account, "channel")),
            (gettext_lazy("Phone"), _masked_phone),
            (gettext_lazy("Email"), _masked_email),
            (gettext_lazy("Website"), itemgetter("website")),
            (gettext_lazy("Province / state"), itemgetter("province")),
            (gettext_lazy("City"), itemgetter("city")),
            (gettext_lazy("Public pool"), itemgetter("pool")),
            (gettext_lazy("Tags"), itemgetter("tags")),
            (gettext_lazy("Last follow-up"), itemgetter("last_follow_up_at")),
            (gettext_lazy("Next follow-up"), itemgetter("next_follow_up_on")),
            (gettext_lazy("Created at"), itemgetter("created_at")),
        ]

    @extend_schema(
        summary="Create an account",
        description="Possible duplicates answer 400 with ``matches``; send ``confirm_duplicates`` "
        "to save despite warnings (blocking matches always refuse).",
        request=AccountInputSerializer,
        responses={201: AccountSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(AccountInputSerializer)
        owner = data.pop("owner", None)
        tags = data.pop("tags", None)
        confirm = data.pop("confirm_duplicates", False)
        data.pop("version", None)
        account = services.account_create(
            actor=self.actor, data=data, owner=owner, confirm_duplicates=confirm, tags=tags
        )
        return self._output(account, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit an account",
        description="Send the ``version`` you read: a stale one answers 409 with the current values. "
        "The owner changes through assign, claim and release.",
        request=AccountInputSerializer,
        parameters=[IF_MATCH],
        responses={200: AccountSerializer, **ERRORS, **CONFLICT},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        account = self.get_object()
        data = self._input(AccountInputSerializer, partial=partial)
        for ignored in ("owner", "to_pool"):
            data.pop(ignored, None)
        tags = data.pop("tags", None)
        confirm = data.pop("confirm_duplicates", False)
        version = version_read(request, data.pop("version", None))
        account = services.account_update(
            actor=self.actor,
            account=account,
            data=data,
            version=version,
            confirm_duplicates=confirm,
            tags=tags,
        )
        return self._output(account)

    @extend_schema(
        summary="Edit some of an account's fields",
        request=AccountInputSerializer,
        parameters=[IF_MATCH],
        responses={200: AccountSerializer, **ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move an account to the recycle bin", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.account_delete(actor=self.actor, account=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Claim a customer from the public pool (领取)",
        request=None,
        responses={200: AccountSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: int | None = None) -> Response:
        account = pools.account_claim(actor=self.actor, account=self.get_object())
        return self._output(account)

    @extend_schema(
        summary="Return a customer to the public pool",
        request=ReleaseInputSerializer,
        responses={200: AccountSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: int | None = None) -> Response:
        account = self.get_object()
        data = self._input(ReleaseInputSerializer)
        account = pools.account_release(
            actor=self.actor, account=account, reason=data["reason"], pool=data.get("pool")
        )
        return self._output(account)

    @extend_schema(
        summary="Assign a customer to someone",
        description="Needs the assign grant on the customer, or pool administration for a pool customer. "
        "``owner`` must be someone who may own accounts, within the caller's reach (else 400 on "
        "``owner``, and nothing changes). ``move_related`` (default true) gives the new owner the open "
        "deals and contacts the previous owner holds on it too. " + HANDED_OVER_NOTE,
        request=AssignInputSerializer,
        responses={200: owner_change_response(AccountSerializer, "Account"), **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: int | None = None) -> Response:
        account = self.get_object()
        data = self._input(AssignInputSerializer)
        account = pools.account_assign(
            actor=self.actor,
            account=account,
            owner=data["owner"],
            reason=data["reason"],
            move_related=data["move_related"],
        )
        return self._output_after_owner_change(account)

    @extend_schema(
        summary="The account's timeline",
        description="Follow-ups, stage changes of its deals and history entries, newest first. "
        "Pass ``next`` back as ``before`` for the following page.",
        parameters=[
            OpenApiParameter("before", str, description="Cursor from the previous page's ``next``."),
            OpenApiParameter("limit", int, description="Entries per page, 1 to 200 (default 50)."),
        ],
        responses={200: TimelineSerializer, 400: ERRORS[400], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request: Request, pk: int | None = None) -> Response:
        account = self.get_object()
        limit = _limit(request)
        cursor = _cursor(request)
        masked = is_masked(account, self.get_serializer_context())
        items = timeline_items(actor=self.actor, account=account, before=cursor, limit=limit, masked=masked)
        next_cursor = None
        if len(items) > limit:
            items = items[:limit]
            last = items[-1]
            next_cursor = f"{last['at'].isoformat()}|{last['kind']}|{last['id']}"
        return Response({"next": next_cursor, "results": items})


# --- Timeline -------------------------------------------------------------------------------

# Entries at the same instant are ordered by kind, then id (all descending) so a cursor is exact.
KIND_RANK = {"history": 0, "stage_change": 1, "follow_up": 2}
Cursor = tuple[datetime.datetime, int, int]


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", "50")
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 200:
        raise exceptions.ValidationError({"limit": [_("Enter a whole number from 1 to 200.")]})
    return limit


def _cursor(request: Request) -> Cursor | None:
    raw = request.query_params.get("before")
    if not raw:
        return None
    parts = raw.split("|")
    at = parse_datetime(parts[0]) if len(parts) == 3 else None
    pk = parse_id(parts[2]) if len(parts) == 3 else None
    if at is None or parts[1] not in KIND_RANK or pk is None:
        raise exceptions.ValidationError({"before": [_("Use the next value of the previous page.")]})
    return at, KIND_RANK[parts[1]], pk


def _before(cursor: Cursor | None, kind: str, at_field: str) -> Q:
    if cursor is None:
        return Q()
    at, rank, pk = cursor
    older = Q(**{f"{at_field}__lt": at})
    mine = KIND_RANK[kind]
    if mine < rank:
        return older | Q(**{at_field: at})
    if mine == rank:
        return older | Q(**{at_field: at, "pk__lt": pk})
    return older


# The columns a timeline entry reads (a missing one would be read row by row: the tests count
# the queries).
_PERSON = ("display_name", "username")
TIMELINE_ACTIVITY_FIELDS = (
    "occurred_at",
    "author_id",
    "subject",
    "kind",
    "content",
    "deal_id",
    *(f"author__{name}" for name in _PERSON),
)
TIMELINE_STAY_FIELDS = (
    "entered_at",
    "deal_id",
    "stage_id",
    "actor_id",
    "deal__name",
    "stage__name",
    "stage__names",
    *(f"actor__{name}" for name in _PERSON),
)


def timeline_items(
    *, actor: access.Actor, account: Account, before: Cursor | None, limit: int, masked: bool
) -> list[dict[str, Any]]:
    """Up to ``limit + 1`` entries older than ``before``: three bounded queries, merged in Python.

    Follow-ups and deals are read through the access policy like anywhere else; history entries
    belong to the account itself, which the caller may see.
    """
    from tandem.activities.models import Activity
    from tandem.deals.models import Deal, DealStageHistory

    take = limit + 1
    items: list[dict[str, Any]] = []
    activities = (
        access.visible_on_record(actor, "activity", Activity.objects.filter(account=account), strict=masked)
        .filter(_before(before, "follow_up", "occurred_at"))
        .select_related("author")
        # What an entry shows: not the follow-up's other columns, nor the author's (issue 12).
        .only(*TIMELINE_ACTIVITY_FIELDS)
        .order_by("-occurred_at", "-id")[:take]
    )
    for activity in activities:
        items.append(
            {
                "kind": "follow_up",
                "id": activity.pk,
                "at": activity.occurred_at,
                "actor": activity.author_id,
                "actor_name": person(activity.author),
                "title": activity.subject or activity.get_kind_display(),
                "text": activity.content,
                "deal": activity.deal_id,
            }
        )
    deals = access.visible(actor, "deal", Deal.objects.filter(account=account)).values("pk")
    stays = (
        DealStageHistory.objects.filter(deal_id__in=deals)
        .filter(_before(before, "stage_change", "entered_at"))
        .select_related("deal", "stage", "actor")
        .only(*TIMELINE_STAY_FIELDS)
        .order_by("-entered_at", "-id")[:take]
    )
    for stay in stays:
        items.append(
            {
                "kind": "stage_change",
                "id": stay.pk,
                "at": stay.entered_at,
                "actor": stay.actor_id,
                "actor_name": person(stay.actor) if stay.actor_id else None,
                "title": _("%(deal)s entered %(stage)s")
                % {"deal": stay.deal.name, "stage": stay.stage.display_name},
                "text": "",
                "deal": stay.deal_id,
            }
        )
    from .selectors import account_history  # includes the history of accounts merged into it

    entries = account_history(account).filter(_before(before, "history", "at")).order_by("-at", "-id")[:take]
    for entry in entries:
        items.append(
            {
                "kind": "history",
                "id": entry.pk,
                "at": entry.at,
                "actor": entry.actor_id,
                "actor_name": person(entry.actor) if entry.actor_id else None,
                "title": str(entry.get_action_display()),
                "text": entry.message_text,
                "changes": history_changes(entry, masked),
            }
        )
    items.sort(key=lambda item: (item["at"], KIND_RANK[item["kind"]], item["id"]), reverse=True)
    return items[:take]


# --- Contacts -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Contacts (联系人)", parameters=EXPORT_PARAMETERS),
    retrieve=extend_schema(summary="One contact", responses={200: ContactSerializer, 404: ERRORS[404]}),
)
class ContactViewSet(CrmModelViewSet):
    resource = "contact"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields: ClassVar[list[str]] = ["id", "name", "created_at", "updated_at", "last_follow_up_at"]
    ordering: ClassVar[list[str]] = ["-id"]
    export_filename = "contacts"

    def base_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.select_related("account", "owner").prefetch_related("tags")

    def export_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The export reads values (``export_iterate``): no joins or prefetches.
        return queryset.select_related(None).prefetch_related(None)

    def export_iterate(self, queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
        """Each contact as a dict of its fields plus its account's and owner's names and its tags,
        read by id once per chunk (issue 12: no model instances)."""
        from tandem.org.models import User

        accounts = export.Names(Account._base_manager.only("name"), keep=4 * export.CHUNK_SIZE)
        people = export.Names(User._base_manager.only("username", "display_name"))

        def fill(chunk: list[dict[str, Any]]) -> None:
            accounts.load(row["account_id"] for row in chunk)
            people.load(row["owner_id"] for row in chunk)
            tags = export.tag_names_by_id(Contact, (row["id"] for row in chunk))
            for row in chunk:
                row["account"] = accounts[row["account_id"]]
                row["owner"] = people[row["owner_id"]]
                row["tags"] = tags.get(row["id"], "")

        fields = ("id", "name", "account_id", "title", "mobile", "phone", "email", "wechat", "owner_id")
        return export.value_rows(queryset, (*fields, "last_follow_up_at", "created_at"), fill)

    def export_columns(self) -> Sequence[Column]:
        """Getters of ``export_iterate``'s dicts."""
        return [
            (gettext_lazy("ID"), itemgetter("id")),
            (gettext_lazy("Name"), itemgetter("name")),
            (gettext_lazy("Account"), itemgetter("account")),
            (gettext_lazy("Job title"), itemgetter("title")),
            (gettext_lazy("Mobile"), lambda c: format_phone(c["mobile"])),
            (gettext_lazy("Office phone"), lambda c: format_phone(c["phone"])),
            (gettext_lazy("Email"), itemgetter("email")),
            (gettext_lazy("WeChat id"), itemgetter("wechat")),
            (gettext_lazy("Owner"), itemgetter("owner")),
            (gettext_lazy("Tags"), itemgetter("tags")),
            (gettext_lazy("Last follow-up"), itemgetter("last_follow_up_at")),
            (gettext_lazy("Created at"), itemgetter("created_at")),
        ]

    @extend_schema(
        summary="Create a contact",
        request=ContactInputSerializer,
        responses={201: ContactSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request) -> Response:
        data = self._input(ContactInputSerializer)
        owner = data.pop("owner", None)
        confirm = data.pop("confirm_duplicates", False)
        data.pop("version", None)
        contact = services.contact_create(
            actor=self.actor, data=data, owner=owner, confirm_duplicates=confirm
        )
        return self._output(contact, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a contact",
        request=ContactInputSerializer,
        parameters=[IF_MATCH],
        responses={200: ContactSerializer, **ERRORS, **CONFLICT},
    )
    def update(self, request: Request, pk: int | None = None, partial: bool = False) -> Response:
        contact = self.get_object()
        data = self._input(ContactInputSerializer, partial=partial)
        data.pop("owner", None)
        confirm = data.pop("confirm_duplicates", False)
        version = version_read(request, data.pop("version", None))
        contact = services.contact_update(
            actor=self.actor, contact=contact, data=data, version=version, confirm_duplicates=confirm
        )
        return self._output(contact)

    @extend_schema(
        summary="Edit some of a contact's fields",
        request=ContactInputSerializer,
        parameters=[IF_MATCH],
        responses={200: ContactSerializer, **ERRORS, **CONFLICT},
    )
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="Move a contact to the recycle bin", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: int | None = None) -> Response:
        services.contact_delete(actor=self.actor, contact=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Pools ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Public pools (公海) I belong to"),
    retrieve=extend_schema(summary="One public pool", responses={200: PoolSerializer, 404: ERRORS[404]}),
)
class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CrmViewSet):
    """Pools the person belongs to (administrators: all). Their customers: ``accounts/?pool=<id>``."""

    resource = "pool"
    serializer_class = PoolSerializer
    ordering_fields: ClassVar[list[str]] = ["name", "id"]
    ordering: ClassVar[list[str]] = ["name", "id"]
    action_permissions: ClassVar[dict[str, str]] = {"reclaim_preview": "view"}

    def base_queryset(self) -> QuerySet[Pool]:
        actor = self.actor
        unowned = Account.objects.filter(pool=OuterRef("pk"), owner__isnull=True)
        counted = unowned.order_by().values("pool").annotate(n=Count("pk")).values("n")
        queryset = Pool.objects.prefetch_related("teams").annotate(
            customer_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
        )
        if actor.is_admin:
            return queryset.annotate(is_pool_admin=Value(True, output_field=BooleanField()))
        admins = PoolMember.objects.filter(pool=OuterRef("pk"), user_id=actor.id or 0, is_admin=True)
        return queryset.annotate(is_pool_admin=Exists(admins))

    @extend_schema(
        summary="What the next reclaim run returns to the pool, and who gets reminded",
        responses={200: ReclaimPreviewSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(
        detail=True, methods=["get"], url_path="reclaim-preview", filter_backends=[], pagination_class=None
    )
    def reclaim_preview(self, request: Request, pk: int | None = None) -> Response:
        preview = pools.reclaim_preview(actor=self.actor, pool=self.get_object())
        return Response(ReclaimPreviewSerializer(preview).data)


# --- Duplicate check ------------------------------------------------------------------------


class DuplicateCheckView(TandemAPIView):
    """Possible duplicates of a record about to be saved (查重).

    A match the caller may not see is reported by its existence and its owner's name only.
    """

    @extend_schema(
        summary="Check for duplicates",
        request=DuplicateCheckInputSerializer,
        responses={200: DuplicateCheckSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        serializer = DuplicateCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        record_type = values.pop("record_type")
        exclude_id = values.pop("exclude_id", None)
        if not self.actor.has(record_type, "view"):
            raise exceptions.PermissionDenied
        matches = dedupe.find(actor=self.actor, record_type=record_type, values=values, exclude_id=exclude_id)
        return Response(DuplicateCheckSerializer({"matches": matches}).data)
