"""Record teams (相关团队): the people who work one account or deal beside its owner.

A member has a role (``MemberRole``: co-seller, pre-sales engineer, ... or one administrators
add) and an access level: ``read`` lets them see the record and the records beneath it, ``edit``
also lets them change those records. ``until`` ends the membership at the end of that day (in
the company's time zone); access ends at once, with no job. See decision 0032.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core import naming


class MemberRole(naming.NamedInLanguages, models.Model):
    """What a member does on a record's team. Built-in roles (``is_builtin``) cannot be deleted
    or recoded; administrators add others."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_builtin = models.BooleanField(_("built-in"), default=False, editable=False)

    class Meta:
        verbose_name = _("member role")
        verbose_name_plural = _("member roles")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Access(models.TextChoices):
    READ = "read", _("Read")
    EDIT = "edit", _("Edit")


def today() -> datetime.date:
    """Today in the company's time zone: a membership ``until`` today still holds today."""
    return timezone.localdate()


def active_q(prefix: str = "", on: datetime.date | None = None) -> Q:
    """Memberships that hold on ``on`` (default today): no end, or an end today or later."""
    day = on or today()
    return Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": day})


class RecordMemberQuerySet(models.QuerySet["RecordMember"]):
    def active(self, on: datetime.date | None = None) -> RecordMemberQuerySet:
        return self.filter(active_q(on=on))

    def of(self, record: models.Model) -> RecordMemberQuerySet:
        ct = ContentType.objects.get_for_model(record, for_concrete_model=True)
        return self.filter(content_type=ct, object_id=record.pk)


class RecordMember(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="record_memberships",
    )
    role = models.ForeignKey(
        MemberRole, verbose_name=_("role"), on_delete=models.PROTECT, related_name="members"
    )
    access = models.CharField(_("access"), max_length=8, choices=Access.choices, default=Access.READ)
    until = models.DateField(_("until"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = RecordMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("record team member")
        verbose_name_plural = _("record team members")
        ordering = ["role__order", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="recordmember_one_per_person"
            )
        ]
        indexes = [
            models.Index(
                fields=["user", "content_type", "object_id", "until"], name="recordmember_user_record"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_active(self) -> bool:
        return self.until is None or self.until >= today()

    @property
    def record(self) -> Any:
        model = self.content_type.model_class()
        assert model is not None
        return model._base_manager.filter(pk=self.object_id).first()


class DefaultTeamMember(models.Model):
    """One person of someone's default team: joins every new deal ``owner`` creates."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="default_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.ForeignKey(MemberRole, verbose_name=_("role"), on_delete=models.PROTECT, related_name="+")
    access = models.CharField(_("access"), max_length=8, choices=Access.choices, default=Access.READ)

    class Meta:
        verbose_name = _("default team member")
        verbose_name_plural = _("default team members")
        ordering = ["role__order", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "user"], name="defaultteam_one_per_person")]

    def __str__(self) -> str:
        return str(self.user)
