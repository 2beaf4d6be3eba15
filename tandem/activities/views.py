"""The follow-up (跟进记录) web UI: the quick follow-up form every record page embeds, the
"follow-ups" list (mine by default), and edit / delete of one's own follow-ups.

Views are thin: writes go through ``services.activity_*`` (which check the access policy and
record history); the list filters with the API's ``ActivityFilter``; reads start from
``access.visible``.

htmx and errors: the quick form posts with htmx. A 400 answer carries the form with its inline
errors and ``HX-Retarget: this`` + ``HX-Reswap: outerHTML`` so the form replaces itself rather
than landing in the timeline; ``static/js/tandem.js`` sets ``htmx.config.responseHandling`` so
htmx swaps 400 and 409 answers (by default it swaps no 4xx).
"""

from __future__ import annotations

import json
import re
from typing import Any

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import access, history, webforms
from tandem.core.ids import parse_id
from tandem.core.listing import Column, list_context, walk_by
from tandem.customers.models import Account, Contact
from tandem.deals.models import Deal
from tandem.leads.models import Lead
from tandem.org.models import User
from tandem.search.selectors import record_url

from . import selectors, services
from .api import ActivityFilter
from .forms import LINK_FIELDS, LINK_TYPES, FollowUpEditForm, QuickFollowUpForm
from .models import Activity

LINK_MODELS: dict[str, Any] = {"account": Account, "contact": Contact, "lead": Lead, "deal": Deal}


_CSS_ID = re.compile(r"#[A-Za-z][\w-]{0,80}")


def _css_id(value: str) -> str:
    """A posted element id, only when it is a plain one (it goes back into HTML attributes)."""
    return value if re.fullmatch(r"[A-Za-z][\w-]{0,80}", value) else ""


def toast_header(text: str, level: str = "success", events: dict[str, Any] | None = None) -> str:
    return json.dumps({"tandem:toast": {"value": text, "level": level}, **(events or {})})


# --- Quick follow-up ------------------------------------------------------------------------


@require_POST
def quick_create(request: HttpRequest) -> HttpResponse:
    """Log a follow-up from a record page (or the top bar's quick add): see the module docstring."""
    actor = access.get_actor(request)
    access.require(actor, "create", "activity")
    form = QuickFollowUpForm(request.POST)
    activity: Activity | None = None
    if form.is_valid():
        data: dict[str, Any] = {
            "kind": form.cleaned_data["kind"],
            "subject": form.cleaned_data.get("subject") or "",
            "content": form.cleaned_data.get("content") or "",
            "occurred_at": form.cleaned_data.get("occurred_at"),
            "next_follow_up_on": form.cleaned_data.get("next_follow_up_on"),
        }
        missing = False
        for name, pk in form.link_ids().items():
            # Fetched unscoped on purpose: the service answers "Select a valid choice." for a
            # record the person may not see, exactly as for one that does not exist.
            obj = LINK_MODELS[name].objects.filter(pk=pk).first()
            if obj is None:
                form.add_error(None, _("Select a valid choice."))
                missing = True
            data[name] = obj
        if not missing:
            try:
                activity = services.activity_create(actor=actor, data=data)
            except ValidationError as exc:
                webforms.errors_onto(form, exc, on_top=LINK_FIELDS)
    htmx = webforms.is_htmx(request)
    if activity is not None:
        text = _("Follow-up logged.")
        if not htmx:
            messages.success(request, text)
            return redirect(webforms.safe_next(request, reverse("activities:activity-list")))
        activity = Activity.objects.select_related("author").get(pk=activity.pk)
        response = render(request, "activities/partials/_timeline_item.html", {"activity": activity})
        # Pages that list what is due (my day) refresh themselves on this event.
        response["HX-Trigger"] = toast_header(text, events={"tandem:followup-logged": {"id": activity.pk}})
        return response
    target = request.POST.get("timeline_target") or ""
    context = {
        "quick_form": form,
        "form_id": _css_id(request.POST.get("form_id") or "") or "quick-followup",
        "timeline_target": target if _CSS_ID.fullmatch(target) else "",
        "variant": "modal" if request.POST.get("variant") == "modal" else "",
        "record_label": (request.POST.get("record_label") or "")[:200],
        "next_url": webforms.safe_next(request, ""),
    }
    if htmx:
        response = render(request, "activities/partials/_quick_followup.html", context, status=400)
        response["HX-Retarget"] = "this"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "activities/quick_create.html", context, status=400)


# --- The follow-ups list --------------------------------------------------------------------


class ActivityListFilter(ActivityFilter):
    """The API's ActivityFilter plus what the list page adds: the type of linked record."""

    linked = django_filters.ChoiceFilter(
        label=gettext_lazy("Linked to"), choices=LINK_TYPES, method="filter_linked"
    )

    class Meta(ActivityFilter.Meta):
        pass

    def filter_linked(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        if value not in LINK_FIELDS:
            return queryset
        return queryset.filter(**{f"{value}__isnull": False})


COLUMNS = [
    Column("occurred_at", gettext_lazy("When"), sort="occurred_at"),
    Column("kind", gettext_lazy("Kind"), sort="kind"),
    Column("summary", gettext_lazy("What happened")),
    Column("record", gettext_lazy("About")),
    Column(
        "author",
        pgettext_lazy("follow-up author", "By"),
        sort="author__display_name",
        walk=walk_by("author_id", "org.User", "display_name"),
    ),
    Column("next_follow_up_on", gettext_lazy("Next follow-up"), sort="next_follow_up_on"),
    Column("created_at", gettext_lazy("Logged"), sort="created_at", default=False),
]


def with_links(actor: access.Actor, rows: list[Activity]) -> list[Activity]:
    """Attach ``links`` (name and page of each linked record) to each row, only for records the
    person may see: one query per kind of record, whatever the number of rows."""
    visible_ids: dict[str, set[int]] = {}
    for name in LINK_FIELDS:
        ids = {getattr(a, f"{name}_id") for a in rows if getattr(a, f"{name}_id")}
        visible_ids[name] = (
            set(
                access.visible(actor, name, LINK_MODELS[name].objects.filter(pk__in=ids)).values_list(
                    "pk", flat=True
                )
            )
            if ids
            else set()
        )
    for activity in rows:
        links = []
        for name in ("deal", "lead", "contact", "account"):
            pk = getattr(activity, f"{name}_id")
            if pk and pk in visible_ids[name]:
                links.append({"name": str(getattr(activity, name)), "url": record_url(name, pk)})
        activity.links = links  # type: ignore[attr-defined]
    return rows


def activity_list(request: HttpRequest) -> HttpResponse:
    """Follow-ups the person may see; without any filter, their own ("mine")."""
    actor = access.get_actor(request)
    if not actor.has("activity"):
        raise Http404
    params = request.GET
    filter_keys = {
        "account",
        "contact",
        "lead",
        "deal",
        "author",
        "kind",
        "occurred_after",
        "occurred_before",
        "linked",
        "due",
        "due_from",
        "due_to",
    }
    everyone = params.get("all") == "1"
    queryset = access.visible(
        actor, "activity", Activity.objects.select_related("author", "account", "contact", "lead", "deal")
    )
    mine = not everyone and not any(params.get(k) for k in filter_keys)
    if mine:
        queryset = queryset.filter(author=actor.user)
    result = list_context(
        request,
        resource="activity",
        queryset=queryset,
        filterset_class=ActivityListFilter,
        columns=COLUMNS,
        default_sort="-occurred_at",
        prepare=lambda rows: with_links(actor, rows),
    )
    can_see_others = actor.scope_for("activity") not in (None, access.OWN)
    people = (
        list(
            access.visible(actor, "user", User.objects.filter(is_active=True))
            .only("id", "display_name")
            .order_by("display_name")[:500]
        )
        if can_see_others
        else []
    )
    context = {
        **result.as_context(),
        "people": people,
        "date_after": (params.get("occurred_after") or "")[:10],
        "date_before": (params.get("occurred_before") or "")[:10],
        "mine": mine,
        "list_url": reverse("activities:activity-list"),
        "export_url": reverse("api:activities-list"),
        "can_see_others": can_see_others,
    }
    template = (
        "activities/partials/_activity_table.html"
        if webforms.is_htmx(request)
        else "activities/activity_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Edit / delete --------------------------------------------------------------------------


def _activity_or_404(request: HttpRequest, pk: int) -> Activity:
    actor = access.get_actor(request)
    return access.get_visible_or_404(
        actor,
        "activity",
        Activity.objects.select_related("author", "account", "contact", "lead", "deal"),
        pk=pk,
    )


def _back_url(activity: Activity) -> str:
    for name in ("deal", "lead", "contact", "account"):
        url = record_url(name, getattr(activity, f"{name}_id"))
        if url:
            return url
    return reverse("activities:activity-list")


def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    activity = _activity_or_404(request, pk)
    access.require(actor, "edit", "activity", activity)
    initial = {
        "kind": activity.kind,
        "subject": activity.subject,
        "content": activity.content,
        "next_follow_up_on": activity.next_follow_up_on,
    }
    form = FollowUpEditForm(webforms.posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=actor, activity=activity, data=form.cleaned_data)
        except ValidationError as exc:
            webforms.errors_onto(form, exc, on_top=LINK_FIELDS)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect(webforms.safe_next(request, _back_url(activity)))
    context = {
        "form": form,
        "activity": activity,
        "can_delete": access.can(actor, "delete", "activity", activity),
        "history": list(history.entries_for(activity)[:50]),
        "history_object": activity,
        "next_url": webforms.safe_next(request, ""),
        "back_url": _back_url(activity),
    }
    return render(request, "activities/activity_form.html", context, status=400 if form.errors else 200)


@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    activity = _activity_or_404(request, pk)
    back = _back_url(activity)
    services.activity_delete(actor=actor, activity=activity)
    messages.success(request, _("Follow-up moved to the recycle bin."))
    return redirect(back)


# --- My day ---------------------------------------------------------------------------------

MY_DAY_MAX_PAGE = 200


def my_day(request: HttpRequest) -> HttpResponse:
    """A person's day: follow-ups overdue, due today and in the next seven days, with their pool
    warnings. ``?group=overdue`` (today, upcoming) lists one group in full, a page at a time;
    ``?person=`` shows someone else's day to a manager whose scope includes them."""
    actor = access.get_actor(request)
    if actor.user is None or not any(actor.has(r) for r in ("account", "lead", "deal")):
        raise Http404
    person = selectors.person_for(actor, parse_id(request.GET.get("person") or ""))
    people = selectors.person_choices(actor)
    group = request.GET.get("group") or ""
    base_url = reverse("activities:my-day")
    person_query = f"person={person.pk}&" if person.pk != actor.user.pk else ""
    context: dict[str, Any] = {
        "person": person,
        "is_me": person.pk == actor.user.pk,
        "people": people,
        "my_day_url": base_url,
        "person_query": person_query,
        "can_log": actor.has("activity", "create") and person.pk == actor.user.pk,
    }
    if group in selectors.GROUPS:
        page = min(max(parse_id(request.GET.get("page") or "") or 1, 1), MY_DAY_MAX_PAGE)
        due_group, has_next = selectors.due_group_page(actor=actor, person=person, group=group, page=page)
        context.update(
            {"group": due_group, "page": page, "has_next": has_next, "today": timezone.localdate()}
        )
        template = "activities/my_day_group.html"
    else:
        context["day"] = selectors.my_day(actor=actor, person=person)
        template = "activities/my_day.html"
    if webforms.is_htmx(request) and request.headers.get("HX-Target") == "my-day-groups":
        template = "activities/partials/_my_day_groups.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
