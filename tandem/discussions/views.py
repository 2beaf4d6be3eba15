"""Web pages of discussions: the comments card on a record's page (htmx), announcements, the team feed."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tandem.core import access, webforms
from tandem.core.access import Actor

from . import selectors, services
from .forms import AnnouncementForm
from .models import Comment
from .registry import Commentable, get_record_or_404


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _toast(text: str, level: str = "success") -> str:
    return json.dumps({"tandem:toast": {"value": text, "level": level}})


def _card_context(
    actor: Actor,
    kind: Commentable,
    record: Any,
    *,
    before: int | None = None,
    body: str = "",
    errors: Any = None,
) -> dict[str, Any]:
    page = selectors.comment_page(kind=kind, record=record, before=before)
    window = services.edit_window()
    now = timezone.now()
    rows = [
        {
            "comment": c,
            "can_edit": c.deleted_at is None and c.author_id == actor.id and now - c.created_at <= window,
            "can_delete": c.deleted_at is None and (c.author_id == actor.id or actor.is_admin),
        }
        for c in page.comments
    ]
    waiting: list[Any] = []
    if kind.team_enabled and kind.can_edit(actor, record):
        waiting = selectors.waiting_for_access(actor=actor, kind=kind, record=record)
    return {
        "kind": kind,
        "record": record,
        "rows": rows,
        "older": page.older,
        "before": before,
        "waiting": waiting,
        "body": body,
        "errors": errors or [],
        "card_id": f"comments-{kind.resource}-{record.pk}",
    }


@require_GET
def comments_card(request: HttpRequest, resource: str, pk: int) -> HttpResponse:
    """The comments card (or, with ``before``, a chunk of older comments)."""
    actor = access.get_actor(request)
    kind, record = get_record_or_404(actor, resource, pk)
    before = _int(request.GET.get("before"))
    context = _card_context(actor, kind, record, before=before)
    template = (
        "discussions/partials/_comments_older.html" if before else "discussions/partials/_comments_card.html"
    )
    return render(request, template, context)


@require_POST
def comment_post(request: HttpRequest, resource: str, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    kind, record = get_record_or_404(actor, resource, pk)
    body = str(request.POST.get("body", ""))
    try:
        posted = services.comment_create(actor=actor, resource=resource, record_id=record.pk, body=body)
    except ValidationError as exc:
        errors = [m for messages in exc.message_dict.values() for m in messages]
        context = _card_context(actor, kind, record, body=body, errors=errors)
        return render(request, "discussions/partials/_comments_card.html", context, status=400)
    response = render(request, "discussions/partials/_comments_card.html", _card_context(actor, kind, record))
    if posted.not_visible:
        text = _("Some people you mentioned cannot see this record and were not told.")
        response["HX-Trigger"] = _toast(text, "warning")
    else:
        response["HX-Trigger"] = _toast(_("Comment posted."))
    return response


def _after_change(request: HttpRequest, comment: Comment, text: str, status: int = 200) -> HttpResponse:
    actor = access.get_actor(request)
    kind, record, _comment = selectors.comment_get_or_404(actor=actor, pk=comment.pk)
    response = render(
        request, "discussions/partials/_comments_card.html", _card_context(actor, kind, record), status=status
    )
    response["HX-Trigger"] = _toast(text, "success" if status == 200 else "danger")
    return response


@require_POST
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _kind, _record, comment = selectors.comment_get_or_404(actor=actor, pk=pk)
    try:
        services.comment_edit(actor=actor, comment=comment, body=str(request.POST.get("body", "")))
    except ValidationError as exc:
        return _after_change(request, comment, " ".join(exc.messages), status=400)
    return _after_change(request, comment, _("Comment saved."))


@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    _kind, _record, comment = selectors.comment_get_or_404(actor=actor, pk=pk)
    services.comment_delete(actor=actor, comment=comment)
    return _after_change(request, comment, _("Comment deleted."))


@require_POST
def mention_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a mentioned person who cannot see the record to its record team (read access)."""
    actor = access.get_actor(request)
    _kind, _record, comment = selectors.comment_get_or_404(actor=actor, pk=pk)
    user_id = _int(request.POST.get("user"))
    try:
        if user_id is None:
            raise ValidationError({"user": [_("Choose a person.")]})
        services.mention_add_to_team(actor=actor, comment=comment, user_id=user_id)
    except ValidationError as exc:
        return _after_change(request, comment, " ".join(exc.messages), status=400)
    except PermissionDenied:
        raise
    return _after_change(request, comment, _("Added to the record team with read access and told."))


# --- Announcements -------------------------------------------------------------------------


def _addressable_teams(actor: Actor) -> Any:
    from tandem.org.models import Team

    scope = actor.scope_for("announcement", "create")
    if scope == access.ALL:
        return Team.objects.order_by("path")
    reach = actor.subtree_team_ids if scope == access.SUBTREE else actor.team_ids
    return Team.objects.filter(pk__in=sorted(reach)).order_by("path")


def announcement_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "view", "announcement")
    may_publish = access.can(actor, "create", "announcement")
    form = AnnouncementForm(teams=_addressable_teams(actor)) if may_publish else None
    status = 200
    if request.method == "POST":
        access.require(actor, "create", "announcement")
        form = AnnouncementForm(request.POST, teams=_addressable_teams(actor))
        if form.is_valid():
            try:
                announcement = services.announcement_publish(
                    actor=actor,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    team_ids=[t.pk for t in form.cleaned_data["teams"]],
                    everyone=form.cleaned_data["everyone"],
                    pinned_until=form.cleaned_data["pinned_until"],
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(request, _("Announcement published."))
                return redirect("discussions:announcement-detail", announcement.pk)
        status = 400
    before = _int(request.GET.get("before"))
    queryset = selectors.announcements(actor=actor)
    rows = list(queryset[: selectors.PAGE + 1])
    return render(
        request,
        "discussions/announcement_list.html",
        {
            "announcements": rows[: selectors.PAGE],
            "more": len(rows) > selectors.PAGE,
            "form": form,
            "before": before,
        },
        status=status,
    )


def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening an announcement is reading it: the receipt is written here."""
    actor = access.get_actor(request)
    announcement = selectors.announcement_get_or_404(actor=actor, pk=pk)
    services.announcement_mark_read(actor=actor, announcement=announcement)
    readers = None
    if announcement.author_id == actor.id or access.can(actor, "edit", "announcement", announcement):
        readers = selectors.readers(actor=actor, announcement=announcement)
    return render(
        request, "discussions/announcement_detail.html", {"announcement": announcement, "readers": readers}
    )


# --- The team feed ---------------------------------------------------------------------------


@require_GET
def feed_page(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    before = _int(request.GET.get("before"))
    page = selectors.feed_page(actor=actor, before=before)
    template = (
        "discussions/partials/_feed_entries.html"
        if before and webforms.is_htmx(request)
        else "discussions/feed.html"
    )
    return render(request, template, {"page": page})


@require_POST
def feed_react(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    item = get_record_or_404(actor, "feeditem", pk)[1]
    try:
        services.feed_react(actor=actor, item=item, emoji=str(request.POST.get("emoji", "")))
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    entry = next(e for e in selectors.feed_page(actor=actor, before=item.pk + 1, limit=1).entries)
    return render(request, "discussions/partials/_feed_reactions.html", {"entry": entry})
