"""People, teams, positions, roles and data scopes (组织架构, 岗位, 数据权限)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tandem.core import naming
from tandem.core.models import SoftDeleteModel, TimeStampedModel


class Language(models.TextChoices):
    EN = "en", "English"
    ZH_HANS = "zh-hans", "简体中文"


class User(AbstractUser):
    """A person who works in Tandem. ``display_name`` is stored whole: names are never split."""

    display_name = models.CharField(_("display name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.EN)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    position = models.ForeignKey(
        "org.Position",
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holders",
    )
    roles = models.ManyToManyField("org.Role", verbose_name=_("roles"), blank=True, related_name="users")
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    objects: ClassVar[UserManager[Any]] = UserManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["display_name"], name="user_display_name")]

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("org:person-detail", args=[self.pk])

    @property
    def initials(self) -> str:
        """Avatar initials: the first character of a CJK name, else the first letters of two words."""
        name = (self.display_name or self.username).strip()
        if not name:
            return "?"
        if not name.isascii():
            return name[0]
        words = [w for w in name.replace("-", " ").split() if w]
        return "".join(w[0] for w in words[:2]).upper()


class Team(naming.NamedInLanguages, SoftDeleteModel, TimeStampedModel):
    """A team or department. ``path`` is a materialised path (``/1/4/9/``) for subtree queries.
    Named per language like stages (decision 0010)."""

    NAMES_FROM_CATALOGUE = False  # a team's name is its own: never looked up in the catalogues
    name = models.CharField(_("name"), max_length=120)
    names = models.JSONField(_("name in other languages"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="org.Membership", related_name="teams", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:team-detail", args=[self.pk])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p][:-1]


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    is_primary = models.BooleanField(_("primary team"), default=False)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_primary=True), name="membership_one_primary"
            ),
        ]
        indexes = [models.Index(fields=["team", "user"], name="membership_team_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


class Position(naming.NamedInLanguages, SoftDeleteModel, TimeStampedModel):
    """A position (岗位) and its job description."""

    NAME_FIELD = "title"
    NAMES_FROM_CATALOGUE = False  # a job title, as the company writes it

    title = models.CharField(pgettext_lazy("position", "title"), max_length=120)
    names = models.JSONField(_("title in other languages"), default=dict, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    required_skills = models.TextField(_("required skills"), blank=True)
    performance_standards = models.TextField(
        _("performance standards"), blank=True, help_text=_("The KPIs this position is measured by.")
    )
    # The job description in each language, {"en": {"summary": …, "responsibilities": …}, …};
    # the four fields above are what a language without its own description reads (issue 13).
    descriptions = models.JSONField(_("job description in each language"), default=dict, blank=True)
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title  # history keeps this, the same for readers of every language

    def described(self, part: str) -> str:
        """A part of the job description (``summary``, ``responsibilities``, …) in the active
        language: its own if written, else the shared text."""
        language = (translation.get_language() or settings.LANGUAGE_CODE).lower()
        own = (self.descriptions or {}).get(language) or {}
        text = own.get(part) if isinstance(own, dict) else None
        return text if isinstance(text, str) and text.strip() else str(getattr(self, part))

    @property
    def summary_text(self) -> str:
        return self.described("summary")

    def get_absolute_url(self) -> str:
        return reverse("org:position-detail", args=[self.pk])


class Scope(models.TextChoices):
    OWN = "own", _("own records")
    TEAM = "team", _("own team")
    SUBTREE = "subtree", _("team and sub-teams")
    ALL = "all", _("everything")


SCOPE_RANK = {Scope.OWN: 1, Scope.TEAM: 2, Scope.SUBTREE: 3, Scope.ALL: 4}


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CREATE = "create", _("create")
    EDIT = "edit", _("edit")
    DELETE = "delete", _("delete")
    IMPORT = "import", _("import")
    EXPORT = "export", _("export")
    ASSIGN = "assign", _("assign")
    MANAGE = "manage", _("manage")


class Role(TimeStampedModel):
    """A role grants, per resource, actions and a data scope. A person may hold several roles."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_admin = models.BooleanField(
        _("administrator"), default=False, help_text=_("Administrators may do everything, everywhere.")
    )
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from .roles import BUILTIN_ROLE_NAMES

        if self.is_builtin and self.code in BUILTIN_ROLE_NAMES:
            return str(BUILTIN_ROLE_NAMES[self.code])
        return self.name

    @property
    def display_description(self) -> str:
        """A built-in role's description in the reader's language, while it is the seeded text
        (in any language); a description an administrator wrote, as written."""
        from .roles import BUILTIN_ROLE_DESCRIPTIONS

        seeded = BUILTIN_ROLE_DESCRIPTIONS.get(self.code) if self.is_builtin else None
        if seeded is not None:
            written = set()
            for code in naming.language_codes():
                with translation.override(code):
                    written.add(str(seeded))
            if self.description.strip() in written or not self.description.strip():
                return str(seeded)
        return self.description


class RoleGrant(models.Model):
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    resource = models.CharField(_("resource"), max_length=50)
    actions = models.JSONField(_("actions"), default=list)
    scope = models.CharField(_("data scope"), max_length=10, choices=Scope.choices, default=Scope.OWN)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["role", "resource"], name="rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.role.code}:{self.resource}:{self.scope}"


class PersonTransfer(models.Model):
    """One transfer of everything a person owns to a successor (在职/离职继承)."""

    class Kind(models.TextChoices):
        ACTIVE = "active", _("transfer between active people")
        DEPARTURE = "departure", _("departure (deactivation)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    counts = models.JSONField(_("records moved"), default=dict)
    # Where each kind of record went: [{"key", "count", "to", "to_name", "pool", "pool_name",
    # "team", "team_name"}, ...]; the teams led and direct reports also with their "rule".
    split = models.JSONField(_("split"), default=list, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"
