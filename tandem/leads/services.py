"""Leads: create, edit, qualify, and convert into an account, a contact and optionally a deal.

Conversion is one transaction. Nothing on the lead is lost: its follow-ups are linked to the new
(or existing) account and contact, its notes go to the contact, its history stays on the lead,
and the lead keeps links to what it became.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tandem.activities.models import Activity
from tandem.core import access, events, history
from tandem.core.access import Actor
from tandem.core.errors import VersionConflict
from tandem.core.models import HistoryAction
from tandem.core.naming import Said
from tandem.core.services import record_soft_delete
from tandem.customers import dedupe
from tandem.customers.models import Account, Lifecycle
from tandem.customers.services import (
    _clean_country,
    _clean_phones,
    account_create,
    check_duplicates,
    contact_create,
    owner_change,
    primary_team_id,
    resolve_owner,
)
from tandem.deals.models import Stage
from tandem.deals.services import deal_create
from tandem.org.models import User

from .models import Lead, LeadStatus

LEAD_FIELDS = (
    "name",
    "company",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "website",
    "industry",
    "country",
    "province",
    "city",
    "source",
    "channel",
    "status",
    "unqualified_reason",
    "notes",
    "external_id",
    "next_follow_up_on",
)


def _values(
    data: Mapping[str, Any], *, creating: bool, current_reason: str = "", current_country: str = ""
) -> dict[str, Any]:
    values = {k: data[k] for k in LEAD_FIELDS if k in data}
    errors: dict[str, list[str]] = {}
    _clean_country(values, errors)
    errors.update(_clean_phones(values, ("mobile", "phone"), region=values.get("country", current_country)))
    if creating or "name" in values:
        values["name"] = (values.get("name") or "").strip()
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
    status = values.get("status")
    if status is not None and status not in LeadStatus.values:
        errors["status"] = [_("Choose a status.")]
    if status == LeadStatus.CONVERTED:
        errors["status"] = [_("Convert the lead to mark it converted.")]
    reason = values.get("unqualified_reason", current_reason)
    if status == LeadStatus.UNQUALIFIED and not (reason or "").strip():
        errors["unqualified_reason"] = [_("Say why the lead is unqualified.")]
    if errors:
        raise ValidationError(errors)
    return values


def lead_snapshot(lead: Lead) -> dict[str, Any]:
    data = history.snapshot(lead)
    return {
        k: (str(v) if v is not None and not isinstance(v, int | str | bool) else v) for k, v in data.items()
    }


@transaction.atomic
def lead_create(
    *, actor: Actor, data: Mapping[str, Any], owner: User | None = None, confirm_duplicates: bool = False
) -> Lead:
    access.require(actor, "create", "lead")
    values = _values(data, creating=True)
    final_owner = resolve_owner(actor=actor, resource="lead", owner=owner)
    check_duplicates(
        actor=actor, record_type="lead", values=values, exclude_id=None, confirm=confirm_duplicates
    )
    lead = Lead.objects.create(
        **values, owner=final_owner, team_id=primary_team_id(final_owner), created_by=actor.user
    )
    dedupe.refresh_keys("lead", lead)
    history.record_create(actor=actor.user, obj=lead)
    # Events (issue 14: webhooks, team robots): told inside the transaction, sent after commit.
    events.emit("lead.created", record=lead, actor=actor.user)
    if final_owner is not None:
        owner_change(actor=actor, resource="lead", record=lead, previous=None)
    return lead


@transaction.atomic
def lead_update(
    *,
    actor: Actor,
    lead: Lead,
    data: Mapping[str, Any],
    version: int | None = None,
    owner: User | None = None,
    confirm_duplicates: bool = False,
    notify_owner: bool = True,
    reason: str = "",
) -> Lead:
    """Edit a lead. A new owner and the previous one are told (``notify_owner``), with ``reason``."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    access.require(actor, "edit", "lead", lead)
    if version is not None and version != lead.version:
        raise VersionConflict(current=lead_snapshot(lead), version=lead.version)
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError(_("This lead has been converted; edit the account, contact or deal instead."))
    before = history.snapshot(lead)
    values = _values(
        data, creating=False, current_reason=lead.unqualified_reason, current_country=lead.country
    )
    merged = {**{f: getattr(lead, f) for f in ("company", "phone", "mobile", "email", "website")}, **values}
    check_duplicates(
        actor=actor, record_type="lead", values=merged, exclude_id=lead.pk, confirm=confirm_duplicates
    )
    for key, value in values.items():
        setattr(lead, key, value)
    changing_owner = owner is not None and owner.pk != lead.owner_id
    previous_owner = lead.owner if changing_owner else None
    if owner is not None and changing_owner:
        lead.owner = resolve_owner(actor=actor, resource="lead", owner=owner, current=lead.owner)
        lead.team_id = primary_team_id(lead.owner)
    lead.version = F("version") + 1
    lead.save()
    lead.refresh_from_db(fields=["version"])
    dedupe.refresh_keys("lead", lead)
    history.record_update(actor=actor.user, obj=lead, before=before)
    # Events (issue 14: webhooks, team robots): told inside the transaction, sent after commit.
    events.emit("lead.updated", record=lead, actor=actor.user, version=lead.version)
    if changing_owner and notify_owner:
        owner_change(actor=actor, resource="lead", record=lead, previous=previous_owner, reason=reason)
    return lead


@transaction.atomic
def lead_delete(*, actor: Actor, lead: Lead) -> None:
    record_soft_delete(actor=actor, obj=lead)
    events.emit("lead.deleted", record=lead, actor=actor.user)  # issue 14: webhooks, team robots


@transaction.atomic
def lead_convert(
    *,
    actor: Actor,
    lead: Lead,
    account: Account | None = None,
    create_deal: bool = False,
    deal_name: str = "",
    deal_amount: Any = None,
    deal_stage: Stage | None = None,
    deal_expected_close_date: Any = None,
    confirm_duplicates: bool = False,
) -> dict[str, Any]:
    """Turn a lead into an account (new, or ``account``), a contact and optionally a deal."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    access.require(actor, "edit", "lead", lead)
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError(_("This lead has been converted already."))
    owner = lead.owner or actor.user
    # The lead becomes the account: it is no duplicate of it, and once converted it is no
    # candidate for later checks either (the account is). Rolled back with everything else.
    dedupe.drop_keys("lead", lead.pk)
    if account is None:
        company = (lead.company or lead.name).strip()
        account = account_create(
            actor=actor,
            data={
                "name": company,
                "phone": lead.phone or lead.mobile,
                "email": lead.email,
                "website": lead.website,
                "industry": lead.industry,
                "country": lead.country,
                "province": lead.province,
                "city": lead.city,
                "source": lead.source,
                "channel": lead.channel,
                "lifecycle": Lifecycle.PROSPECT,
                "description": lead.notes,
            },
            owner=owner,
            confirm_duplicates=confirm_duplicates,
            notify_owner=False,
        )
    else:
        access.require_linkable(actor, "account", account, field="account")
    contact = contact_create(
        actor=actor,
        data={
            "name": lead.name,
            "account": account,
            "title": lead.title,
            "mobile": lead.mobile,
            "phone": lead.phone,
            "email": lead.email,
            "wechat": lead.wechat,
            "notes": lead.notes,
        },
        owner=owner,
        confirm_duplicates=True,
        notify_owner=False,
    )
    deal = None
    if create_deal:
        deal = deal_create(
            actor=actor,
            data={
                "name": (deal_name or "").strip() or account.name,
                "account": account,
                "amount": deal_amount,  # empty stays empty (deals decision 0012)
                "expected_close_date": deal_expected_close_date,
                "source": lead.source,
                "channel": lead.channel,
            },
            owner=owner,
            stage=deal_stage,
            contacts=[(contact, "decision_maker")],
            notify_owner=False,
        )
    # The lead's follow-ups now belong to the account and contact too.
    Activity.all_objects.filter(lead=lead).update(account=account, contact=contact)
    if lead.last_follow_up_at and (
        account.last_follow_up_at is None or account.last_follow_up_at < lead.last_follow_up_at
    ):
        Account.all_objects.filter(pk=account.pk).update(last_follow_up_at=lead.last_follow_up_at)
    before = history.snapshot(lead)
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_account = account
    lead.converted_contact = contact
    lead.converted_deal = deal
    lead.save()
    history.record_update(actor=actor.user, obj=lead, before=before, message=Said(gettext_noop("converted")))
    history.record(
        actor=actor.user,
        obj=account,
        action=HistoryAction.EVENT,
        message=Said(gettext_noop("Lead %(lead)s converted"), lead=lead),
    )
    # Events (issue 14: webhooks, team robots): told inside the transaction, sent after commit.
    events.emit(
        "lead.converted",
        record=lead,
        actor=actor.user,
        account=account.pk,
        contact=contact.pk,
        deal=deal.pk if deal is not None else None,
    )
    return {"lead": lead, "account": account, "contact": contact, "deal": deal}
