"""The customers web UI: accounts, contacts, public pools (公海) and duplicates (查重).

Views are thin: they parse input with a form, call one service (writes: ``services``, ``pools``,
``pool_admin``, ``bulk``, ``merge``) or selector (reads: ``selectors``), and render. Lists use the
API's FilterSets through ``core.listing``. Not visible = 404; visible but not allowed = 403 and
nothing changed. A service's ``ValidationError`` goes back onto the form; ``DuplicateFound`` shows
the matches (and "save anyway" when only warnings); ``VersionConflict`` answers 409 with the
current values beside the person's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import access, history, notify, webforms
from tandem.core.access import Actor
from tandem.core.errors import DuplicateFound, VersionConflict
from tandem.core.ids import parse_id
from tandem.core.listing import Column, list_context, walk_by
from tandem.core.models import Tag
from tandem.core.phones import format_phone
from tandem.core.templatetags.tandem import PEOPLE_OPTION_FIELDS, history_changes
from tandem.org.models import User

from . import bulk, merge, pool_admin, pools, selectors, services
from .filters import AccountFilter, ContactFilter, account_search
from .forms import (
    AccountForm,
    AccountLevelForm,
    AssignForm,
    BulkForm,
    ContactForm,
    LifecycleForm,
    PoolForm,
    PoolMemberForm,
    ReleaseForm,
)
from .models import Account, AccountLevel, Contact, Lifecycle, Pool
from .serializers import mask_email, mask_phone

HISTORY_LIMIT = 50
# Bookkeeping fields a person reading the timeline does not need.
HIDDEN_CHANGES = {"name_key", "created_by", "previous_owner", "merged_from", "merged_into"}
TIMELINE_LIMIT = 50

ACCOUNT_COLUMNS = [
    Column("name", gettext_lazy("Name"), sort="name"),
    Column(
        "owner",
        gettext_lazy("Owner"),
        sort="owner__display_name",
        walk=walk_by("owner_id", "org.User", "display_name", nullable=True),
    ),
    Column(
        "level",
        gettext_lazy("Level"),
        sort="level__order",
        walk=walk_by("level_id", "customers.AccountLevel", "order", nullable=True),
    ),
    Column("lifecycle", gettext_lazy("Lifecycle stage"), sort="lifecycle"),
    Column("industry", gettext_lazy("Industry"), sort="industry", default=False),
    Column("city", gettext_lazy("City"), sort="city"),
    Column("last_follow_up", gettext_lazy("Last follow-up"), sort="last_follow_up_at"),
    Column("next_follow_up", gettext_lazy("Next follow-up"), sort="next_follow_up_on"),
    Column("tags", gettext_lazy("Tags")),
    Column(
        "team",
        gettext_lazy("Team"),
        sort="team__name",
        default=False,
        walk=walk_by("team_id", "org.Team", "name", nullable=True),
    ),
    Column("created", gettext_lazy("Created"), sort="created_at", default=False),
]

CONTACT_COLUMNS = [
    Column("name", gettext_lazy("Name"), sort="name"),
    Column(
        "account",
        gettext_lazy("Account"),
        sort="account__name",
        walk=walk_by("account_id", "customers.Account", "name", nullable=True, table=True),
    ),
    Column("title", gettext_lazy("Job title"), sort="title"),
    Column("mobile", gettext_lazy("Mobile")),
    Column("email", gettext_lazy("Email"), sort="email"),
    Column(
        "owner",
        gettext_lazy("Owner"),
        sort="owner__display_name",
        walk=walk_by("owner_id", "org.User", "display_name", nullable=True),
    ),
    Column("last_follow_up", gettext_lazy("Last follow-up"), sort="last_follow_up_at", default=False),
    Column("tags", gettext_lazy("Tags"), default=False),
    Column("created", gettext_lazy("Created"), sort="created_at", default=False),
]

POOL_COLUMNS = [
    Column("name", gettext_lazy("Name"), sort="name"),
    Column(
        "level",
        gettext_lazy("Level"),
        sort="level__order",
        walk=walk_by("level_id", "customers.AccountLevel", "order", nullable=True),
    ),
    Column("industry", gettext_lazy("Industry"), sort="industry"),
    Column("city", gettext_lazy("City"), sort="city"),
    Column("released", gettext_lazy("Back in the pool since"), sort="released_at"),
]


# --- Helpers --------------------------------------------------------------------------------


def _toast(text: str, level: str = "success") -> str:
    return json.dumps({"tandem:toast": {"value": text, "level": level}})


def _record_url(record_type: str, pk: int) -> str:
    names = {
        "account": "customers:account-detail",
        "contact": "customers:contact-detail",
        "lead": "leads:lead-detail",
    }
    try:
        return reverse(names[record_type], args=[pk])
    except (KeyError, NoReverseMatch):
        return ""


def _duplicates_context(exc: DuplicateFound) -> dict[str, Any]:
    labels = {"account": _("Account"), "contact": _("Contact"), "lead": _("Lead")}
    matches = []
    for match in exc.matches:
        matches.append(
            {
                **match,
                "type_label": labels.get(match["record_type"], match["record_type"]),
                "reason": _match_reason(match),
                "url": _record_url(match["record_type"], match["id"]) if match.get("visible") else "",
            }
        )
    return {"duplicates": matches, "duplicates_blocking": exc.blocking}


def _match_reason(match: dict[str, Any]) -> str:
    kinds = {
        "name": _("same name"),
        "fuzzy": _("similar name (%(score)d%%)") % {"score": match.get("score", 0)},
        "phone": _("same phone"),
        "email": _("same email"),
        "domain": _("same website domain"),
    }
    return kinds.get(match.get("kind", ""), match.get("kind", ""))


def _conflict_rows(form: Any, current: Any) -> list[dict[str, str]]:
    """The fields where the saved record (theirs) and the form (mine) differ, as display text."""
    rows = []
    for name, field in form.fields.items():
        if name in ("version", "confirm_duplicates", "owner", "to_pool") or not hasattr(current, name):
            continue
        theirs = getattr(current, name)
        if hasattr(theirs, "all"):
            theirs = ", ".join(str(t) for t in theirs.all())
        mine = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else form.data.get(name)
        if hasattr(mine, "__iter__") and not isinstance(mine, str):
            mine = ", ".join(str(t) for t in mine)
        theirs_text = "" if theirs in (None, "") else str(theirs)
        mine_text = "" if mine in (None, "") else str(mine)
        if name in ("phone", "mobile") and theirs_text:
            theirs_text = format_phone(theirs_text)
        if name in ("phone", "mobile") and mine_text:
            mine_text = format_phone(mine_text) or mine_text
        if name == "lifecycle" or name in ("size", "source", "channel"):
            display = getattr(current, f"get_{name}_display", None)
            theirs_text = str(display()) if display and theirs_text else theirs_text
            choices = dict(field.choices)
            mine_text = str(choices.get(mine, mine_text)) if mine_text else mine_text
        if theirs_text != mine_text and not (name == "country" and theirs_text.upper() == mine_text.upper()):
            rows.append({"label": str(field.label), "theirs": theirs_text or "—", "mine": mine_text or "—"})
    return rows


def _rebind_with_version(form_class: Any, request: HttpRequest, version: int, **kwargs: Any) -> Any:
    """The person's input again, now carrying the current version: "keep mine" resubmits it."""
    data = request.POST.copy()
    data["version"] = str(version)
    data.pop("confirm_duplicates", None)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


def _out_of_sight(request: HttpRequest, actor: Actor, resource: str, record: Any) -> HttpResponse | None:
    """Saved for someone the person cannot follow: the list, saying where it went (never a 404)."""
    fresh = type(record)._base_manager.select_related("owner", "team").get(pk=record.pk)
    if access.can(actor, "view", resource, fresh):
        return None
    messages.success(request, notify.handed_over(resource, fresh))
    return redirect("customers:account-list" if resource == "account" else "customers:contact-list")


def _people_and_tags(actor: Actor) -> dict[str, Any]:
    return {
        "assignable_people": list(
            access.owner_candidates(actor, "account").values_list(*PEOPLE_OPTION_FIELDS)
        )
        if actor.has("account", "assign")
        else [],
        "all_tags": list(Tag.objects.all()[:200]),
    }


# --- Account list ---------------------------------------------------------------------------


def _mark_rows(rows: list[Account]) -> list[Account]:
    cutoff = selectors.stale_before()
    for row in rows:
        row.is_stale = selectors.is_stale(row, cutoff)  # type: ignore[attr-defined]
        row.masked = selectors.masked(row)  # type: ignore[attr-defined]
        row.phone_shown = mask_phone(row.phone) if row.masked else format_phone(row.phone)  # type: ignore[attr-defined]
    return rows


def _yes_no_chips(chips: list[dict[str, str]]) -> list[dict[str, str]]:
    for chip in chips:
        if chip["value"] in ("True", "False"):
            chip["value"] = _("yes") if chip["value"] == "True" else _("no")
    return chips


def account_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("account"):
        raise Http404
    result = list_context(
        request,
        resource="account",
        queryset=selectors.account_queryset(actor),
        filterset_class=AccountFilter,
        columns=ACCOUNT_COLUMNS,
        default_sort="-created",
        prepare=_mark_rows,
        whose=True,
    )
    context = result.as_context()
    context["chips"] = _yes_no_chips(context["chips"])
    context.update(
        {
            "list_url": reverse("customers:account-list"),
            "export_url": reverse("api:accounts-list") if actor.has("account", "export") else "",
            "levels": list(AccountLevel.objects.all()),
            "lifecycles": Lifecycle.choices,
            "can_create": actor.has("account", "create"),
            "can_import": actor.has("account", "import"),
            "can_assign": actor.has("account", "assign"),
            "can_tag": actor.has("account", "edit"),
            "can_delete": actor.has("account", "delete"),
            "filtered": result.filtered,
            **_people_and_tags(actor),
        }
    )
    context["bulk_actions"] = context["can_assign"] or context["can_tag"] or context["can_delete"]
    template = (
        "customers/partials/_account_table.html"
        if webforms.is_htmx(request)
        else "customers/account_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
def account_bulk(request: HttpRequest) -> HttpResponse:
    """Assign (= transfer), tag or delete the selected accounts: one service call per record."""
    actor = access.get_actor(request)
    back = webforms.safe_next(request, reverse("customers:account-list"))
    form = BulkForm(request.POST, actor=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    try:
        result = bulk.account_bulk(
            actor=actor,
            action=data["action"],
            ids=data["ids"],
            owner=data.get("owner"),
            tag=data.get("tag") or "",
            reason=data.get("reason") or "",
            move_related=data.get("move_related", True),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return HttpResponseRedirect(back)
    done_text = {
        "assign": _("Assigned %(done)d of %(total)d accounts."),
        "tag": _("Tagged %(done)d of %(total)d accounts."),
        "delete": _("Moved %(done)d of %(total)d accounts to the recycle bin."),
    }[data["action"]] % {"done": result.done, "total": result.done + result.refused}
    if result.refused:
        refused = _("%(n)d refused: you may not change them.") % {"n": result.refused}
        if result.reasons:
            refused = _("%(n)d refused: %(why)s") % {"n": result.refused, "why": " ".join(result.reasons[:3])}
        messages.warning(request, f"{done_text} {refused}")
    else:
        messages.success(request, done_text)
    return HttpResponseRedirect(back)


def account_options(request: HttpRequest) -> HttpResponse:
    """<option>s of visible accounts matching a name or phone (the account pickers' search)."""
    actor = access.get_actor(request)
    q = (request.GET.get("q") or "").strip()[:100]
    rows: list[Account] = []
    if q:
        rows = list(account_search(selectors.visible_accounts(actor), q, actor)[:20])
    return render(request, "customers/partials/_account_options.html", {"rows": rows, "q": q})


# --- Account page ---------------------------------------------------------------------------


def _timeline_rows(items: list[dict[str, Any]], account: Account) -> list[dict[str, Any]]:
    for item in items:
        if item["kind"] == "history":
            changes = {k: v for k, v in (item.get("changes") or {}).items() if k not in HIDDEN_CHANGES}
            item["rows"] = history_changes(SimpleNamespace(changes=changes), account)
    return items


def _account_page_context(request: HttpRequest, actor: Actor, account: Account) -> dict[str, Any]:
    is_masked = selectors.masked(account)
    items, next_cursor = selectors.timeline(
        actor=actor, account=account, limit=TIMELINE_LIMIT, is_masked=is_masked
    )
    can_edit = bool(getattr(account, "can_edit", False))
    in_pool = account.owner_id is None
    member = account.pool_id is not None and (actor.is_admin or account.pool_id in pools.pool_ids_for(actor))
    pool_admin_here = in_pool and account.pool is not None and pools.is_pool_admin(actor, account.pool)
    language = translation.get_language() or "en"
    return {
        "account": account,
        "masked": is_masked,
        "phone_shown": mask_phone(account.phone) if is_masked else format_phone(account.phone),
        "email_shown": mask_email(account.email) if is_masked else account.email,
        "website_url": selectors.website_url(account.website),
        "address": selectors.address_lines(account, language),
        "stale": selectors.is_stale(account),
        "tags": list(account.tags.all()),
        "timeline": _timeline_rows(items, account),
        "next_cursor": next_cursor,
        "related": selectors.account_related(actor, account),
        "can_edit": can_edit,
        "can_delete": access.can(actor, "delete", "account", account),
        "can_assign": access.can(actor, "assign", "account", account) or pool_admin_here,
        "can_claim": in_pool and member,
        "can_release": can_edit and not in_pool,
        # A follow-up moves the account's follow-up dates: logging one needs the right to edit it.
        "can_follow_up": actor.has("activity", "create") and can_edit,
        "lifecycle_form": LifecycleForm(initial={"stage": account.lifecycle}, auto_id="lifecycle_%s"),
        "lifecycle_history": selectors.lifecycle_history(account),
        "lifecycles": Lifecycle.choices,
    }


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    return render(request, "customers/account_detail.html", _account_page_context(request, actor, account))


def account_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The next page of the timeline ("more"), as list items."""
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    cursor = selectors.parse_cursor(request.GET.get("before"))
    is_masked = selectors.masked(account)
    items, next_cursor = selectors.timeline(
        actor=actor, account=account, before=cursor, limit=TIMELINE_LIMIT, is_masked=is_masked
    )
    return render(
        request,
        "customers/partials/_timeline_items.html",
        {"account": account, "timeline": _timeline_rows(items, account), "next_cursor": next_cursor},
    )


def _account_initial(account: Account) -> dict[str, Any]:
    fields = (
        "name",
        "industry",
        "size",
        "source",
        "channel",
        "lifecycle",
        "country",
        "province",
        "city",
        "district",
        "street",
        "postal_code",
        "email",
        "website",
        "description",
        "external_id",
        "next_follow_up_on",
        "version",
    )
    initial = {f: getattr(account, f) for f in fields}
    initial.update(
        {
            "phone": format_phone(account.phone),
            "level": account.level_id,
            "parent": account.parent_id,
            "pool": account.pool_id,
            "tags": [t.pk for t in account.tags.all()],
        }
    )
    return initial


def _save_with_feedback(
    form: Any,
    context: dict[str, Any],
    save: Callable[[], Any],
    on_conflict: Callable[[VersionConflict], None],
) -> tuple[Any, int]:
    """Run a service save; duplicates, version conflicts and rule errors become feedback on the form.

    Returns the saved record (or None) and the status to answer with: 400 for bad input or
    duplicates to confirm, 409 for a record changed by someone else (``on_conflict`` fills the page).
    """
    try:
        return save(), 200
    except DuplicateFound as exc:
        context.update(_duplicates_context(exc))
        form.add_error(None, exc.messages)
        return None, 400
    except VersionConflict as exc:
        on_conflict(exc)
        return None, 409
    except ValidationError as exc:
        webforms.errors_onto(form, exc)
        return None, 400


def _account_form_page(
    request: HttpRequest, actor: Actor, account: Account | None, form: AccountForm
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "account": account}
    if request.method != "POST":
        return render(request, "customers/account_form.html", context)
    if not form.is_valid():
        return render(request, "customers/account_form.html", context, status=400)
    data = form.service_data()
    confirm = form.cleaned_data.get("confirm_duplicates", False)
    tags = list(form.cleaned_data["tags"])

    def save() -> Account:
        if account is None:
            return services.account_create(
                actor=actor,
                data=data,
                owner=form.cleaned_data.get("owner"),
                confirm_duplicates=confirm,
                tags=tags,
            )
        return services.account_update(
            actor=actor,
            account=account,
            data=data,
            version=form.cleaned_data.get("version"),
            confirm_duplicates=confirm,
            tags=tags,
        )

    def on_conflict(exc: VersionConflict) -> None:
        assert account is not None
        current = Account.objects.select_related("level", "parent", "pool").get(pk=account.pk)
        context["conflict"] = {"rows": _conflict_rows(form, current), "version": exc.version}
        context["form"] = _rebind_with_version(
            AccountForm, request, exc.version, actor=actor, account=current
        )

    saved, status = _save_with_feedback(form, context, save, on_conflict)
    if saved is None:
        return render(request, "customers/account_form.html", context, status=status)
    gone = _out_of_sight(request, actor, "account", saved)
    if gone is not None:
        return gone
    if account is None:
        messages.success(request, _("Account %(name)s was created.") % {"name": saved.name})
    else:
        messages.success(request, _("Changes to %(name)s were saved.") % {"name": saved.name})
    return redirect(saved)


def account_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "create", "account")
    form = AccountForm(
        webforms.posted(request), actor=actor, initial={"lifecycle": Lifecycle.LEAD, "country": "CN"}
    )
    return _account_form_page(request, actor, None, form)


def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    access.require(actor, "edit", "account", account)
    form = AccountForm(
        webforms.posted(request), actor=actor, account=account, initial=_account_initial(account)
    )
    return _account_form_page(request, actor, account, form)


@require_POST
def account_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Claim a pool customer. From the pool list (htmx) the row goes away and a toast says why/what."""
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    htmx = webforms.is_htmx(request)
    try:
        pools.account_claim(actor=actor, account=account)
    except ValidationError as exc:
        text = " ".join(exc.messages)
        if htmx:
            response = HttpResponse(status=200)
            response["HX-Reswap"] = "none"
            response["HX-Trigger"] = _toast(text, "danger")
            return response
        messages.error(request, text)
        return redirect(account)
    text = _("%(name)s is yours now. Follow up soon: the pool's rules apply.") % {"name": account.name}
    if htmx:
        response = HttpResponse("")
        response["HX-Trigger"] = _toast(text)
        return response
    messages.success(request, text)
    return redirect(account)


def account_release(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    access.require(actor, "edit", "account", account)
    form = ReleaseForm(webforms.posted(request), actor=actor)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                pools.account_release(
                    actor=actor,
                    account=account,
                    reason=form.cleaned_data["reason"],
                    pool=form.cleaned_data.get("pool"),
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(
                    request, _("%(name)s went back to the public pool.") % {"name": account.name}
                )
                if access.can(actor, "view", "account", Account.objects.get(pk=account.pk)):
                    return redirect(account)
                return redirect("customers:account-list")
    return render(
        request,
        "customers/account_action.html",
        {"form": form, "account": account, "action": "release"},
        status=status,
    )


def account_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a customer to someone. Afterwards: its page if the person still sees it, else the list
    with a message saying to whom and which team it went (never a page that says it is gone)."""
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    in_pool_admin = (
        account.owner_id is None and account.pool is not None and pools.is_pool_admin(actor, account.pool)
    )
    if not (access.can(actor, "assign", "account", account) or in_pool_admin):
        raise PermissionDenied
    form = AssignForm(webforms.posted(request), actor=actor, account=account)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                assigned = pools.account_assign(
                    actor=actor,
                    account=account,
                    owner=form.cleaned_data["owner"],
                    reason=form.cleaned_data["reason"],
                    move_related=form.cleaned_data.get("move_related", False),
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                fresh = Account.objects.select_related("owner", "team").get(pk=account.pk)
                along = pools.moved_along_text(getattr(assigned, "moved_along", {}))
                if access.can(actor, "view", "account", fresh):
                    text = _("%(name)s now belongs to %(owner)s.") % {
                        "name": fresh.name,
                        "owner": fresh.owner,
                    }
                    messages.success(request, f"{text} {along}".strip())
                    return redirect(fresh)
                messages.success(request, f"{notify.handed_over('account', fresh)} {along}".strip())
                return redirect("customers:account-list")
    return render(
        request,
        "customers/account_action.html",
        {"form": form, "account": account, "action": "assign"},
        status=status,
    )


@require_POST
def account_lifecycle(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    form = LifecycleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a lifecycle stage."))
        return redirect(account)
    services.account_set_lifecycle(actor=actor, account=account, stage=form.cleaned_data["stage"])
    messages.success(
        request,
        _("%(name)s is now at the stage %(stage)s.")
        % {"name": account.name, "stage": Lifecycle(form.cleaned_data["stage"]).label},
    )
    return redirect(account)


@require_POST
def account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    account = selectors.account_for_page(actor, pk)
    services.account_delete(actor=actor, account=account)
    messages.success(request, _("%(name)s was moved to the recycle bin.") % {"name": account.name})
    return redirect("customers:account-list")


# --- Contacts -------------------------------------------------------------------------------


def contact_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("contact"):
        raise Http404
    result = list_context(
        request,
        resource="contact",
        queryset=selectors.contact_queryset(actor),
        filterset_class=ContactFilter,
        columns=CONTACT_COLUMNS,
        default_sort="-created",
        whose=True,
    )
    context = result.as_context()
    context.update(
        {
            "list_url": reverse("customers:contact-list"),
            "export_url": reverse("api:contacts-list") if actor.has("contact", "export") else "",
            "can_create": actor.has("contact", "create"),
            "can_import": actor.has("contact", "import"),
            "filtered": result.filtered,
        }
    )
    template = (
        "customers/partials/_contact_table.html"
        if webforms.is_htmx(request)
        else "customers/contact_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _contact_or_404(actor: Actor, pk: int) -> Contact:
    return access.get_visible_or_404(actor, "contact", selectors.contact_queryset(actor), pk=pk)


def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from tandem.activities.models import Activity

    actor = access.get_actor(request)
    contact = _contact_or_404(actor, pk)
    account_visible = contact.account is not None and access.can(actor, "view", "account", contact.account)
    follow_ups = list(
        access.visible_on_record(
            actor,
            "activity",
            Activity.objects.filter(contact=contact),
            strict=contact.account is not None and selectors.masked(contact.account),
        )
        .select_related("author")
        .order_by("-occurred_at", "-id")[:TIMELINE_LIMIT]
    )
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "account_visible": account_visible,
            "activities": follow_ups,
            "can_edit": access.can(actor, "edit", "contact", contact),
            "can_delete": access.can(actor, "delete", "contact", contact),
            "can_follow_up": actor.has("activity", "create")
            and access.can(actor, "edit", "contact", contact),
            "history": list(history.entries_for(contact)[:HISTORY_LIMIT]),
            "history_object": contact,
        },
    )


def _contact_form_page(
    request: HttpRequest, actor: Actor, contact: Contact | None, form: ContactForm
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "contact": contact}
    if request.method != "POST":
        return render(request, "customers/contact_form.html", context)
    if not form.is_valid():
        return render(request, "customers/contact_form.html", context, status=400)
    data = form.service_data()
    confirm = form.cleaned_data.get("confirm_duplicates", False)

    def save() -> Contact:
        if contact is None:
            return services.contact_create(
                actor=actor, data=data, owner=form.cleaned_data.get("owner"), confirm_duplicates=confirm
            )
        return services.contact_update(
            actor=actor,
            contact=contact,
            data=data,
            version=form.cleaned_data.get("version"),
            confirm_duplicates=confirm,
        )

    def on_conflict(exc: VersionConflict) -> None:
        assert contact is not None
        current = Contact.objects.select_related("account").get(pk=contact.pk)
        context["conflict"] = {"rows": _conflict_rows(form, current), "version": exc.version}
        context["form"] = _rebind_with_version(
            ContactForm, request, exc.version, actor=actor, contact=current
        )

    saved, status = _save_with_feedback(form, context, save, on_conflict)
    if saved is None:
        return render(request, "customers/contact_form.html", context, status=status)
    gone = _out_of_sight(request, actor, "contact", saved)
    if gone is not None:
        return gone
    if contact is None:
        messages.success(request, _("Contact %(name)s was added.") % {"name": saved.name})
    else:
        messages.success(request, _("Changes to %(name)s were saved.") % {"name": saved.name})
    return redirect(saved)


def contact_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require(actor, "create", "contact")
    initial: dict[str, Any] = {}
    account_id = parse_id(request.GET.get("account"))
    if account_id is not None and selectors.visible_accounts(actor).filter(pk=account_id).exists():
        initial["account"] = account_id
    form = ContactForm(webforms.posted(request), actor=actor, initial=initial)
    return _contact_form_page(request, actor, None, form)


def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    contact = _contact_or_404(actor, pk)
    access.require(actor, "edit", "contact", contact)
    initial = {
        f: getattr(contact, f)
        for f in (
            "name",
            "title",
            "email",
            "email_alt",
            "wechat",
            "birthday",
            "notes",
            "external_id",
            "next_follow_up_on",
            "version",
        )
    }
    initial.update(
        {
            "account": contact.account_id,
            "mobile": format_phone(contact.mobile),
            "phone": format_phone(contact.phone),
        }
    )
    form = ContactForm(webforms.posted(request), actor=actor, contact=contact, initial=initial)
    return _contact_form_page(request, actor, contact, form)


@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    contact = _contact_or_404(actor, pk)
    services.contact_delete(actor=actor, contact=contact)
    messages.success(request, _("%(name)s was moved to the recycle bin.") % {"name": contact.name})
    return redirect("customers:contact-list")


# --- Public pools ---------------------------------------------------------------------------


def pool_list(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("account"):
        raise Http404
    rows = list(selectors.pool_queryset(actor).order_by("-is_active", "name", "id"))
    return render(request, "customers/pool_list.html", {"pools": rows, "can_create": actor.is_admin})


def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = access.get_actor(request)
    pool = selectors.pool_for_page(actor, pk)
    result = list_context(
        request,
        resource="account",
        queryset=selectors.pool_customers(actor, pool),
        filterset_class=AccountFilter,
        columns=POOL_COLUMNS,
        default_sort="-released",
        prepare=_mark_rows,
    )
    context = result.as_context()
    is_admin = bool(getattr(pool, "is_pool_admin", False))
    context.update(
        {
            "pool": pool,
            "is_pool_admin": is_admin,
            "can_claim": pool.is_active,
            "levels": list(AccountLevel.objects.all()),
            "list_url": reverse("customers:pool-detail", args=[pool.pk]),
            "assignable_people": list(pools.owner_choices(actor, pools=[pool])) if is_admin else [],
        }
    )
    if is_admin:
        context["preview"] = pools.reclaim_preview(actor=actor, pool=pool)
        context["remind_days"] = pool.remind_days_before
    template = (
        "customers/partials/_pool_table.html" if webforms.is_htmx(request) else "customers/pool_detail.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def pool_create(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    form = PoolForm(webforms.posted(request), actor=actor)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                pool = pool_admin.pool_create(
                    actor=actor, data=form.service_data(), teams=form.cleaned_data.get("teams") or []
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(
                    request, _("Public pool %(name)s was created.") % {"name": pool.display_name}
                )
                return redirect(pool)
    return render(request, "customers/pool_form.html", {"form": form, "pool": None}, status=status)


def _pool_admin_or_403(request: HttpRequest, pk: int) -> tuple[Actor, Pool]:
    actor = access.get_actor(request)
    pool = selectors.pool_for_page(actor, pk)
    if not getattr(pool, "is_pool_admin", False):
        raise PermissionDenied
    return actor, pool


def pool_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor, pool = _pool_admin_or_403(request, pk)
    form = PoolForm(webforms.posted(request), actor=actor, pool=pool)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                pool_admin.pool_update(
                    actor=actor,
                    pool=pool,
                    data=form.service_data(),
                    teams=form.cleaned_data.get("teams") if "teams" in form.fields else None,
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(
                    request, _("The rules of %(name)s were saved.") % {"name": pool.display_name}
                )
                return redirect(pool)
    return render(request, "customers/pool_form.html", {"form": form, "pool": pool}, status=status)


def pool_members(request: HttpRequest, pk: int) -> HttpResponse:
    actor, pool = _pool_admin_or_403(request, pk)
    form = PoolMemberForm(webforms.posted(request), actor=actor)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                pool_admin.pool_member_set(
                    actor=actor,
                    pool=pool,
                    user=form.cleaned_data["user"],
                    is_admin=form.cleaned_data["is_admin"],
                )
            except ValidationError as exc:
                webforms.errors_onto(form, exc)
            else:
                messages.success(
                    request, _("%(name)s is a member of the pool.") % {"name": form.cleaned_data["user"]}
                )
                return redirect("customers:pool-members", pk=pool.pk)
    return render(
        request,
        "customers/pool_members.html",
        {
            "pool": pool,
            "members": selectors.pool_members(pool),
            "form": form,
            "teams": list(pool.teams.all()),
        },
        status=status,
    )


@require_POST
def pool_member_remove(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    actor, pool = _pool_admin_or_403(request, pk)
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise Http404
    pool_admin.pool_member_remove(actor=actor, pool=pool, user=person)
    messages.success(request, _("%(name)s is no longer a named member of the pool.") % {"name": person})
    return redirect("customers:pool-members", pk=pool.pk)


@require_POST
def pool_member_admin(request: HttpRequest, pk: int, user_id: int) -> HttpResponse:
    actor, pool = _pool_admin_or_403(request, pk)
    person = User.objects.filter(pk=user_id, pool_memberships__pool=pool).first()
    if person is None:
        raise Http404
    make_admin = request.POST.get("is_admin") == "1"
    pool_admin.pool_member_set(actor=actor, pool=pool, user=person, is_admin=make_admin)
    messages.success(request, _("Saved."))
    return redirect("customers:pool-members", pk=pool.pk)


# --- Duplicates -----------------------------------------------------------------------------


def duplicates(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    if not actor.has("account", "edit"):
        raise Http404
    pairs = selectors.duplicate_pairs(actor)
    return render(request, "customers/duplicates.html", {"pairs": pairs, "max_pairs": selectors.MAX_PAIRS})


@require_POST
def account_merge(request: HttpRequest) -> HttpResponse:
    actor = access.get_actor(request)
    keep_id, merge_id = parse_id(request.POST.get("keep")), parse_id(request.POST.get("merge"))
    if keep_id is None or merge_id is None:
        raise Http404
    queryset: QuerySet[Account] = Account.objects.all()
    keep = access.get_visible_or_404(actor, "account", queryset, pk=keep_id)
    other = access.get_visible_or_404(actor, "account", queryset, pk=merge_id)
    try:
        moved = merge.account_merge(actor=actor, keep=keep, merge=other)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("customers:duplicates")
    total = sum(moved.values())
    messages.success(
        request,
        _("%(merged)s was merged into %(kept)s (%(n)d linked records moved); it is in the recycle bin.")
        % {"merged": other.name, "kept": keep.name, "n": total},
    )
    return redirect(keep)


# --- Account levels -------------------------------------------------------------------------


def account_level_list(request: HttpRequest) -> HttpResponse:
    access.require_admin(access.get_actor(request))
    levels = list(AccountLevel.objects.order_by("order", "code"))
    return render(request, "customers/account_level_list.html", {"levels": levels})


def _account_level_form(request: HttpRequest, level: AccountLevel | None) -> HttpResponse:
    actor = access.get_actor(request)
    access.require_admin(actor)
    initial = AccountLevelForm.initial_from(level) if level is not None else {}
    form = AccountLevelForm(webforms.posted(request), initial=initial)
    return webforms.form_page(
        request,
        form=form,
        template="customers/account_level_form.html",
        context={"form": form, "level": level},
        on_error=level.refresh_from_db if level is not None else None,
        save=lambda: pool_admin.account_level_save(actor=actor, level=level, data=dict(form.cleaned_data)),
        success=lambda saved: _("Account level %(name)s was saved.") % {"name": saved.display_name},
        done="customers:account-level-list",
    )


def account_level_create(request: HttpRequest) -> HttpResponse:
    return _account_level_form(request, None)


def account_level_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_admin(access.get_actor(request))
    level = AccountLevel.objects.filter(pk=pk).first()
    if level is None:
        raise Http404
    return _account_level_form(request, level)
