"""Work reports (工作汇报: 日报 / 周报 / 月报): templates with sections, the reports people write
from their period's real activity, read receipts and likes, and the submission rules with their
reminders (decision 0042)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.naming import NamedInLanguages, localized


class ReportKind(models.TextChoices):
    DAILY = "daily", pgettext_lazy("work report kind", "Daily report")
    WEEKLY = "weekly", pgettext_lazy("work report kind", "Weekly report")
    MONTHLY = "monthly", pgettext_lazy("work report kind", "Monthly report")


class SectionKind(models.TextChoices):
    TEXT = "text", pgettext_lazy("report section kind", "Work done")
    PLAN = "plan", pgettext_lazy("report section kind", "Plan")
    PROBLEMS = "problems", pgettext_lazy("report section kind", "Problems")
    QUESTION = "question", pgettext_lazy("report section kind", "Question")


class MissingState(models.TextChoices):
    """Where one person's report of a period stands, in the missing-reports view."""

    MISSING = "missing", _("Missing")
    PENDING = "pending", _("Not due yet")
    LATE = "late", _("Sent late")
    ON_TIME = "on_time", _("Sent on time")
    NOT_DUE = "not_due", _("Not due this day")


class ReportTemplate(NamedInLanguages, models.Model):
    """Sections: ``[{"key", "title", "titles": {"zh-hans": ...}, "help", "kind", "required"}]``."""

    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    kind = models.CharField(_("report kind"), max_length=10, choices=ReportKind.choices)
    sections = models.JSONField(_("sections"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default for its kind"), default=False)
    is_builtin = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=Q(is_default=True), name="reporttemplate_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def section_list(self) -> list[dict[str, Any]]:
        """The sections with each title and help text in the active language."""
        return [
            {
                **section,
                "text": localized(section.get("title", ""), section.get("titles") or {}),
                "help_text": localized(section.get("help", ""), section.get("helps") or {}),
            }
            for section in self.sections or []
        ]


class ReportStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("work report status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("work report status", "Submitted")


class Report(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.ForeignKey(
        ReportTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField(_("report kind"), max_length=10, choices=ReportKind.choices)
    # The period as dates in the author's time zone (a day, Monday to Sunday, a calendar month).
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # When the submission rule that covered the author wanted it (for the on-time share).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The activity summary as it stood at submission (a draft keeps the one it was drafted with).
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("recipients"), blank=True, related_name="+"
    )
    recipient_teams = models.ManyToManyField(
        "org.Team", verbose_name=_("recipient teams"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work report")
        verbose_name_plural = _("work reports")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["author", "kind", "period_start"], name="report_one_per_period")
        ]
        indexes = [
            models.Index(fields=["author", "kind", "-period_start"], name="report_author_kind"),
            models.Index(fields=["team", "kind", "-period_start"], name="report_team_kind"),
            models.Index(fields=["kind", "period_start", "status"], name="report_kind_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def period_label(self) -> str:
        if self.period_start == self.period_end:
            return self.period_start.isoformat()
        return f"{self.period_start.isoformat()} – {self.period_end.isoformat()}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReportStatus.SUBMITTED


class ReportRead(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reportread_unique")]
        indexes = [models.Index(fields=["user", "report"], name="reportread_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.report_id}"


class ReportLike(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reportlike_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.report_id}"


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class SubmissionRule(models.Model):
    """Who must submit which report by when: a team (with its sub-teams), a role or one person."""

    kind = models.CharField(_("report kind"), max_length=10, choices=ReportKind.choices)
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Everyone in the team and its sub-teams."),
    )
    role = models.ForeignKey(
        "org.Role", verbose_name=_("role"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_time = models.TimeField(_("due at (local time)"))
    # Monday 0 … Sunday 6: the days a daily report is due, and what "last working day" means.
    working_days = models.JSONField(_("working days"), default=default_working_days)
    weekday = models.PositiveSmallIntegerField(_("weekday due (weekly)"), default=4)
    remind_minutes_before = models.PositiveIntegerField(_("remind this many minutes before"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission rule")
        verbose_name_plural = _("submission rules")
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["kind", "is_active"], name="reportrule_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_time:%H:%M}"


class ReminderPurpose(models.TextChoices):
    REMIND = "remind", _("Reminder before the due time")
    MISSING = "missing", _("Missing report notice to the manager")
    MANUAL = "manual", _("Reminder sent by the manager")


class ReportReminder(models.Model):
    """The claim that one reminder went out: written before notifying, unique, so never twice."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    period_start = models.DateField()
    purpose = models.CharField(max_length=10, choices=ReminderPurpose.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report reminder")
        verbose_name_plural = _("report reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind", "period_start", "purpose"], name="reportreminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.kind} {self.period_start} for {self.person_id}"
