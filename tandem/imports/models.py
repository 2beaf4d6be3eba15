"""Imports (导入): an uploaded file, how its columns map to fields, and what happened to each row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core.models import TimeStampedModel


class ImportResource(models.TextChoices):
    ACCOUNT = "account", _("Accounts")
    CONTACT = "contact", _("Contacts")
    LEAD = "lead", _("Leads")
    DEAL = "deal", _("Deals")
    PRODUCT = "product", _("Products")
    ACTIVITY = "activity", _("Follow-ups")
    TEAM = "team", _("Teams")
    USER = "user", _("People")


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportMode(models.TextChoices):
    ALL = "all", _("All or nothing: any bad row stops the import")
    SKIP = "skip", _("Skip bad rows and import the rest")


class ImportInterface(models.TextChoices):
    """Where the import was started: its messages name that interface's own controls."""

    WEB = "web", _("web")
    API = "api", "API"
    CLI = "cli", _("command line")


class DecimalSeparator(models.TextChoices):
    """How the file writes numbers (``fields.read_number``): the decimal mark; the other one
    may group thousands."""

    POINT = ".", _("Point: 12,500.50")
    COMMA = ",", _("Comma: 12.500,50")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Mapped")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    # Stopped before the end (its process died, or an unexpected error): retry resumes it.
    INTERRUPTED = "interrupted", _("Interrupted")


class ImportJob(TimeStampedModel):
    """One file being imported. ``mapping`` is ``{"columns": {header: field}, "values": {field:
    {from: to}}, "options": {...}}``: value maps are aliases (``GTXPro`` → ``GTX Pro``); options
    are the date order and the rules a person turns on (``fields.OPTIONAL_RULES``)."""

    resource = models.CharField(_("records"), max_length=20, choices=ImportResource.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=4, choices=ImportFormat.choices)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    # A workbook: the sheet read, and every sheet that holds anything (to choose another).
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    sheets = models.JSONField(_("sheets"), default=list, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=4, choices=ImportMode.choices, default=ImportMode.ALL)
    import_duplicates = models.BooleanField(_("import possible duplicates"), default=False)
    interface = models.CharField(
        _("started from"), max_length=3, choices=ImportInterface.choices, default=ImportInterface.WEB
    )
    # How values the file does not spell out are read or filled, chosen on the mapping step and
    # shown in the dry run (``fills``): nothing is assumed silently.
    decimal_separator = models.CharField(
        _("decimal separator"), max_length=1, choices=DecimalSeparator.choices, default=DecimalSeparator.POINT
    )
    currency = models.CharField(
        _("currency of the file"),
        max_length=3,
        blank=True,
        help_text=_("The currency of every row whose currency cell is blank or not mapped."),
    )
    amount_from_list_price = models.BooleanField(
        _("fill a blank amount from the product's list price"), default=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    committed = models.BooleanField(_("written"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    # The most frequent problems by column and level, with the first message of each as an example
    # (engine.Totals.problem_summary): what to fix first in a large file.
    problems = models.JSONField(_("most frequent problems"), default=list, blank=True)
    # How many rows each filling rule gave a value (engine.Totals.fill_summary): [{"rule", "rows"}].
    fills = models.JSONField(_("values filled by a rule"), default=list, blank=True)
    progress = models.PositiveIntegerField(_("rows done"), default=0)
    error = models.TextField(_("error"), blank=True)
    # The error kept as msgid and parameters, to read in each reader's language (imports.wording).
    error_said = models.JSONField(_("error, kept for other languages"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.CASCADE,
        related_name="import_jobs",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The current (or last) run: its token, whether it writes (an import) or only checks, the
    # rows an earlier run had committed when it resumed, and its latest sign of life
    # (imports.runs: claimed once per token; a job without a heartbeat for a while is stale).
    run_token = models.UUIDField(_("run"), null=True, blank=True, editable=False)
    run_writes = models.BooleanField(_("the run imports"), default=False)
    resumed_from = models.PositiveIntegerField(_("resumed after rows"), default=0)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_by", "-id"], name="importjob_creator")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("imports:job-detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)

    @property
    def can_retry(self) -> bool:
        """Interrupted (or running with no sign of life: the sweep has not come by yet)."""
        from .runs import is_stale

        return self.status == ImportStatus.INTERRUPTED or is_stale(self)

    @property
    def partly_written(self) -> bool:
        """Skip mode wrote some of the file before the run stopped: only a retry may go on."""
        return self.run_writes and self.mode == ImportMode.SKIP and self.progress > 0 and not self.committed

    @property
    def read_error(self) -> str:
        """Why the job failed or stopped, in the reader's language (``imports.wording``)."""
        from .wording import text

        return text({"message": self.error, "said": self.error_said or None})

    @property
    def read_problems(self) -> list[dict[str, Any]]:
        """The problem summary, each example in the reader's language (``imports.wording``)."""
        from .wording import read_problems

        return read_problems(self.problems or [])

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.progress * 100 / self.total_rows))


class RowStatus(models.TextChoices):
    CREATED = "created", pgettext_lazy("import rows", "Created")
    UPDATED = "updated", pgettext_lazy("import rows", "Updated")
    SKIPPED = "skipped", _("Skipped")
    ERROR = "error", _("Error")


class ImportRowResult(models.Model):
    """What happened (or, in a dry run, would happen) to one row of the file.

    ``messages`` is a list of ``{"column", "message", "level"}`` (level: error or warning), with
    ``said`` when the message can be read in another language (``imports.wording``);
    ``row_number`` counts as the file does, the header being row 1.
    """

    job = models.ForeignKey(  # indexed by importrow_job_row; a log row: see docs/decisions/0007
        ImportJob, on_delete=models.CASCADE, related_name="rows", db_index=False, db_constraint=False
    )
    row_number = models.PositiveIntegerField(_("row"))
    status = models.CharField(_("status"), max_length=8, choices=RowStatus.choices)
    record_id = models.BigIntegerField(_("record"), null=True, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    values = models.JSONField(_("cells"), default=list, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "row_number"]
        indexes = [
            models.Index(fields=["job", "row_number"], name="importrow_job_row"),
            models.Index(fields=["job", "status", "row_number"], name="importrow_job_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.job_id} row {self.row_number}: {self.status}"

    @property
    def read_messages(self) -> list[dict[str, Any]]:
        """The row's messages in the reader's language (``imports.wording``)."""
        from .wording import read_messages

        return read_messages(self.messages or [])


class SavedMapping(TimeStampedModel):
    """A named column mapping people reuse for files from the same system."""

    name = models.CharField(_("name"), max_length=100)
    resource = models.CharField(_("records"), max_length=20, choices=ImportResource.choices)
    mapping = models.JSONField(_("mapping"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_mappings",
    )
    shared = models.BooleanField(_("shared with everyone"), default=False)

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "resource", "name"], name="savedmapping_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Exporting")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(TimeStampedModel):
    """An export too large for one request, written in the background (``imports.exportjobs``).

    It replays the list request it came from (the API list view ``view`` with its query string,
    as ``requested_by`` in their language and time zone) into ``file``; only its requester sees it,
    and it is deleted after ``TANDEM_EXPORT_KEEP_DAYS`` days.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.CASCADE,
        related_name="export_jobs",
    )
    resource = models.CharField(_("records"), max_length=20)
    view = models.CharField(_("list"), max_length=200)
    query = models.TextField(_("filters"), blank=True)
    format = models.CharField(_("format"), max_length=4, choices=ImportFormat.choices)
    filename = models.CharField(_("file name"), max_length=255)
    language = models.CharField(_("language"), max_length=10)
    time_zone = models.CharField(_("time zone"), max_length=64)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-id"]
        indexes = [models.Index(fields=["requested_by", "-id"], name="exportjob_requester")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.filename}"

    def get_absolute_url(self) -> str:
        return reverse("exports:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
