"""Field visits (外勤签到): a person checks in at a customer and out again, from a phone.

A check-in is linked to the account (and optionally a contact, a deal and the planned visit on
the calendar); checking out writes the follow-up record it becomes (``activity``). One open
check-in per person at a time (a partial unique constraint), so a double tap cannot open two.
The photo is stored under a random name and only ever served by ``visits:photo``, which checks
access first.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.core.models import TimeStampedModel

LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]
ACCURACY = [MinValueValidator(0), MaxValueValidator(100_000)]


def photo_path(instance: Any, filename: str) -> str:
    """A random name, whatever the upload was called; the extension is the sniffed type's."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"checkins/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class CheckIn(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="checkins"
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), on_delete=models.CASCADE, related_name="checkins"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deal = models.ForeignKey(
        "deals.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.ForeignKey(
        "schedule.Event",
        verbose_name=_("planned visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkins",
    )
    checked_in_at = models.DateTimeField(_("checked in at"))
    in_latitude = models.DecimalField(
        _("latitude in"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LATITUDE
    )
    in_longitude = models.DecimalField(
        _("longitude in"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE
    )
    in_accuracy_m = models.FloatField(_("accuracy in (m)"), null=True, blank=True, validators=ACCURACY)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    out_latitude = models.DecimalField(
        _("latitude out"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LATITUDE
    )
    out_longitude = models.DecimalField(
        _("longitude out"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LONGITUDE
    )
    out_accuracy_m = models.FloatField(_("accuracy out (m)"), null=True, blank=True, validators=ACCURACY)
    # Closed by the job, not by the person: the check-out time is the deadline it passed.
    not_checked_out = models.BooleanField(_("not checked out"), default=False)
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to=photo_path, max_length=200, blank=True)
    photo_type = models.CharField(_("photo type"), max_length=20, blank=True)
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("follow-up"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        ordering = ["-checked_in_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(checked_out_at__isnull=True), name="checkin_one_open_per_user"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "checked_in_at"], name="checkin_team_day"),
            models.Index(fields=["user", "checked_in_at"], name="checkin_user_day"),
            models.Index(fields=["account", "checked_in_at"], name="checkin_account"),
            models.Index(
                fields=["checked_in_at"], name="checkin_open", condition=Q(checked_out_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.checked_in_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("visits:day") + f"?date={timezone.localdate(self.checked_in_at):%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.checked_out_at is None:
            return None
        return self.checked_out_at - self.checked_in_at

    @property
    def duration_minutes(self) -> int | None:
        spent = self.duration
        return None if spent is None else max(0, round(spent.total_seconds() / 60))

    @property
    def distance_m(self) -> int | None:
        """Between the check-in and check-out points (great circle), when both are known."""
        from .geo import distance_m

        if None in (self.in_latitude, self.in_longitude, self.out_latitude, self.out_longitude):
            return None
        return round(
            distance_m(
                float(self.in_latitude),  # type: ignore[arg-type]
                float(self.in_longitude),  # type: ignore[arg-type]
                float(self.out_latitude),  # type: ignore[arg-type]
                float(self.out_longitude),  # type: ignore[arg-type]
            )
        )
