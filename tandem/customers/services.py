"""Writes to accounts and contacts: create, edit (with versions), lifecycle, duplicates.

Pool operations (claim, release, assign, reclaim) live in ``customers.pools``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core import access, history, notify
from tandem.core.access import Actor
from tandem.core.errors import DuplicateFound, VersionConflict
from tandem.core.naming import Said
from tandem.core.phones import normalize_phone
from tandem.core.services import record_soft_delete
from tandem.org.models import Membership, User

from . import dedupe, notices
from .models import Account, Contact, Lifecycle, LifecycleTransition

ACCOUNT_FIELDS = (
    "name",
    "level",
    "industry",
    "size",
    "source",
    "channel",
    "country",
    "province",
    "city",
    "district",
    "street",
    "postal_code",
    "phone",
    "email",
    "website",
    "parent",
    "description",
    "external_id",
    "next_follow_up_on",
    "pool",
)
CONTACT_FIELDS = (
    "name",
    "account",
    "title",
    "mobile",
    "phone",
    "email",
    "email_alt",
    "wechat",
    "birthday",
    "notes",
    "external_id",
    "next_follow_up_on",
)


def primary_team_id(user: User | None) -> int | None:
    if user is None:
        return None
    return Membership.objects.filter(user=user, is_primary=True).values_list("team_id", flat=True).first()


def _clean_phones(
    values: dict[str, Any], fields: tuple[str, ...], *, region: str = ""
) -> dict[str, list[str]]:
    """Phones in E.164, read in ``region`` — the record's own country (an account's, a lead's, a
    contact's account's) — and in the default region only when the record has none: a London
    number written ``020 7946 0000`` is +44, not +86."""
    errors: dict[str, list[str]] = {}
    for field in fields:
        raw = (values.get(field) or "").strip() if isinstance(values.get(field), str) else values.get(field)
        if field not in values:
            continue
        if not raw:
            values[field] = ""
            continue
        normalized = normalize_phone(raw, region)
        if normalized is None:
            errors[field] = [_("Enter a valid phone number, e.g. +86 138 0013 8000 or (021) 6234-5678.")]
        else:
            values[field] = normalized
    return errors


def _clean_country(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """A two-letter country code (ISO 3166), upper case; blank means unknown."""
    if "country" not in values:
        return
    code = str(values.get("country") or "").strip().upper()
    if code and not (len(code) == 2 and code.isascii() and code.isalpha()):
        errors["country"] = [_("Enter a two-letter country code such as CN or US.")]
    values["country"] = code


def _require_name(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if "name" in values:
        values["name"] = (values.get("name") or "").strip()
        if not values["name"]:
            errors["name"] = [_("This field is required.")]


def resolve_owner(
    *, actor: Actor, resource: str, owner: User | None, current: User | None = None
) -> User | None:
    """The owner a record may get: the actor by default; someone else must be one of the people
    the actor may give such records to (``access.owner_candidates``), else a field error."""
    if owner is None:
        return actor.user if current is None else current
    if actor.user is not None and owner.pk == actor.user.pk:
        return owner
    if current is not None and owner.pk == current.pk:
        return owner
    refusal = access.owner_refusal(actor, resource, owner)
    if refusal is not None:
        raise ValidationError({"owner": [refusal]})
    return owner


def owner_change(
    *,
    actor: Actor,
    resource: str,
    record: Any,
    previous: User | None,
    reason: str | Said = "",
    along: Any = "",
) -> None:
    """Tell the record's new and previous owner (in their languages) that it changed hands."""
    if previous is not None and record.owner_id == previous.pk:
        return
    if resource in ("account", "deal"):
        # Record teams (tandem/recordteams): the team stays; the new owner leaves it if on it.
        from tandem.recordteams.services import owner_changed as record_team_owner_changed

        record_team_owner_changed(record=record, actor=actor)
    notify.owner_changed(
        notify.OwnerChange(
            resource=resource,
            name=str(record),
            url=record.get_absolute_url,
            previous=previous,
            new=record.owner,
            actor=actor.user,
            reason=reason,
            along=along,
        )
    )
    if resource == "account":
        notices.resolve_reclaim_notices_of_former_owners([record.pk])


def check_duplicates(
    *,
    actor: Actor,
    record_type: str,
    values: Mapping[str, Any],
    exclude_id: int | None,
    confirm: bool,
) -> list[dict[str, Any]]:
    """Raise ``DuplicateFound`` when a blocking rule matches, or a warning one and not ``confirm``."""
    matches = dedupe.find(actor=actor, record_type=record_type, values=values, exclude_id=exclude_id)
    if any(m["action"] == "block" for m in matches):
        raise DuplicateFound(matches=matches, blocking=True)
    if matches and not confirm:
        raise DuplicateFound(matches=matches, blocking=False)
    return matches


def _check_version(obj: Any, version: int | None, serialize: Any) -> None:
    if version is not None and version != obj.version:
        raise VersionConflict(current=serialize(obj), version=obj.version)


def account_snapshot(account: Account) -> dict[str, Any]:
    data = history.snapshot(account)
    return {
        k: (str(v) if v is not None and not isinstance(v, int | str | bool) else v) for k, v in data.items()
    }


# --- Accounts -------------------------------------------------------------------------------


@transaction.atomic
def account_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    owner: User | None = None,
    confirm_duplicates: bool = False,
    tags: list[Any] | None = None,
    notify_owner: bool = True,
) -> Account:
    """Create an account. Given to someone else, they are told (``notify_owner``)."""
    access.require(actor, "create", "account")
    values = {k: data[k] for k in ACCOUNT_FIELDS if k in data}
    errors: dict[str, list[str]] = {}
    _clean_country(values, errors)
    errors.update(_clean_phones(values, ("phone",), region=values.get("country", "")))
    values.setdefault("name", "")
    _require_name(values, errors)
    if errors:
        raise ValidationError(errors)
    in_pool = bool(data.get("to_pool")) and values.get("pool") is not None
    final_owner = None if in_pool else resolve_owner(actor=actor, resource="account", owner=owner)
    check_duplicates(
        actor=actor, record_type="account", values=values, exclude_id=None, confirm=confirm_duplicates
    )
    account = Account(
        **values, owner=final_owner, team_id=primary_team_id(final_owner), created_by=actor.user
    )
    account.name_key = dedupe.normalize_name(account.name)
    if final_owner is not None:
        account.owned_since = timezone.now()
    if data.get("lifecycle"):
        account.lifecycle = data["lifecycle"]
    account.save()
    if tags:
        account.tags.set(tags)
    # The stage it starts in needs no transition row: see selectors.lifecycle_history.
    dedupe.refresh_keys("account", account)
    history.record_create(actor=actor.user, obj=account)
    if final_owner is not None and notify_owner:
        owner_change(actor=actor, resource="account", record=account, previous=None)
    return account


@transaction.atomic
def account_update(
    *,
    actor: Actor,
    account: Account,
    data: Mapping[str, Any],
    version: int | None = None,
    confirm_duplicates: bool = False,
    tags: list[Any] | None = None,
) -> Account:
    """Edit an account. ``version`` (from the form or API) guards against silent overwrites."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    access.require(actor, "edit", "account", account)
    _check_version(account, version, account_snapshot)
    before = history.snapshot(account)
    values = {k: data[k] for k in ACCOUNT_FIELDS if k in data}
    errors: dict[str, list[str]] = {}
    _clean_country(values, errors)
    errors.update(_clean_phones(values, ("phone",), region=values.get("country", account.country)))
    _require_name(values, errors)
    if "parent" in values and values["parent"] is not None and values["parent"].pk == account.pk:
        errors["parent"] = [_("An account cannot be its own parent.")]
    if errors:
        raise ValidationError(errors)
    merged = {**{f: getattr(account, f) for f in ("name", "phone", "email", "website")}, **values}
    check_duplicates(
        actor=actor, record_type="account", values=merged, exclude_id=account.pk, confirm=confirm_duplicates
    )
    for key, value in values.items():
        setattr(account, key, value)
    account.name_key = dedupe.normalize_name(account.name)
    if "lifecycle" in data and data["lifecycle"] and data["lifecycle"] != account.lifecycle:
        _set_lifecycle(actor=actor, account=account, stage=data["lifecycle"])
    account.version = F("version") + 1
    account.save()
    account.refresh_from_db(fields=["version"])
    if tags is not None:
        account.tags.set(tags)
    dedupe.refresh_keys("account", account)
    history.record_update(actor=actor.user, obj=account, before=before)
    return account


def _set_lifecycle(*, actor: Actor, account: Account, stage: str) -> None:
    if stage not in Lifecycle.values:
        raise ValidationError({"lifecycle": [_("Choose a lifecycle stage.")]})
    LifecycleTransition.objects.create(
        account=account, from_stage=account.lifecycle, to_stage=stage, at=timezone.now(), actor=actor.user
    )
    account.lifecycle = stage


@transaction.atomic
def account_set_lifecycle(*, actor: Actor, account: Account, stage: str) -> Account:
    access.require(actor, "edit", "account", account)
    if stage == account.lifecycle:
        return account
    before = history.snapshot(account)
    _set_lifecycle(actor=actor, account=account, stage=stage)
    account.save(update_fields=["lifecycle", "updated_at"])
    history.record_update(actor=actor.user, obj=account, before=before)
    return account


def account_promote_on_win(*, actor: Actor | None, account: Account) -> None:
    """A won deal makes a lead or prospect a customer (called by the deal services)."""
    if account.lifecycle in (Lifecycle.LEAD, Lifecycle.PROSPECT, Lifecycle.CHURNED):
        LifecycleTransition.objects.create(
            account=account,
            from_stage=account.lifecycle,
            to_stage=Lifecycle.CUSTOMER,
            at=timezone.now(),
            actor=actor.user if actor else None,
        )
        account.lifecycle = Lifecycle.CUSTOMER
        Account.all_objects.filter(pk=account.pk).update(lifecycle=Lifecycle.CUSTOMER)


@transaction.atomic
def account_delete(*, actor: Actor, account: Account) -> None:
    record_soft_delete(actor=actor, obj=account)


# --- Contacts -------------------------------------------------------------------------------


def _contact_values(
    data: Mapping[str, Any], *, creating: bool, account: Account | None = None
) -> dict[str, Any]:
    """A contact's values; its phones are read in its account's country (the one given, else
    ``account``: the contact's current one)."""
    values = {k: data[k] for k in CONTACT_FIELDS if k in data}
    if creating:
        values.setdefault("name", "")
    linked = values.get("account", account)
    errors = _clean_phones(values, ("mobile", "phone"), region=getattr(linked, "country", "") or "")
    _require_name(values, errors)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def contact_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    owner: User | None = None,
    confirm_duplicates: bool = False,
    notify_owner: bool = True,
) -> Contact:
    access.require(actor, "create", "contact")
    values = _contact_values(data, creating=True)
    access.require_linkable(actor, "account", values.get("account"), field="account")
    final_owner = resolve_owner(actor=actor, resource="contact", owner=owner)
    check_duplicates(
        actor=actor, record_type="contact", values=values, exclude_id=None, confirm=confirm_duplicates
    )
    contact = Contact(
        **values, owner=final_owner, team_id=primary_team_id(final_owner), created_by=actor.user
    )
    contact.save()
    dedupe.refresh_keys("contact", contact)
    history.record_create(actor=actor.user, obj=contact)
    if final_owner is not None and notify_owner:
        owner_change(actor=actor, resource="contact", record=contact, previous=None)
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: Actor,
    contact: Contact,
    data: Mapping[str, Any],
    version: int | None = None,
    confirm_duplicates: bool = False,
) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    access.require(actor, "edit", "contact", contact)
    _check_version(contact, version, account_snapshot)
    before = history.snapshot(contact)
    values = _contact_values(data, creating=False, account=contact.account)
    if "account" in values and values["account"] is not None and values["account"].pk != contact.account_id:
        access.require_linkable(actor, "account", values["account"], field="account")
    merged = {**{f: getattr(contact, f) for f in ("mobile", "phone", "email", "email_alt")}, **values}
    check_duplicates(
        actor=actor, record_type="contact", values=merged, exclude_id=contact.pk, confirm=confirm_duplicates
    )
    for key, value in values.items():
        setattr(contact, key, value)
    contact.version = F("version") + 1
    contact.save()
    contact.refresh_from_db(fields=["version"])
    dedupe.refresh_keys("contact", contact)
    history.record_update(actor=actor.user, obj=contact, before=before)
    return contact


@transaction.atomic
def contact_delete(*, actor: Actor, contact: Contact) -> None:
    record_soft_delete(actor=actor, obj=contact)
