"""The seeded roles and their grants. ``role_sync_builtin`` (services) writes them to the database.

Resources not yet registered by an app are granted anyway: the grant waits for the app that
registers the resource, so the seeded roles stay sensible as Tandem grows.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ADMIN = "administrator"
DIRECTOR = "sales-director"
MANAGER = "sales-manager"
REP = "sales-rep"
ACCOUNT_MANAGER = "account-manager"
SUPPORT = "technical-support"

BUILTIN_ROLE_NAMES = {
    ADMIN: _("Administrator"),
    DIRECTOR: _("Sales director"),
    MANAGER: _("Sales manager"),
    REP: _("Sales rep"),
    ACCOUNT_MANAGER: _("Account manager"),
    SUPPORT: _("Technical support"),
}

BUILTIN_ROLE_DESCRIPTIONS = {
    ADMIN: _(
        "Organisation, roles and data scopes, pools, pipelines and imports. Sees and may do everything."
    ),
    DIRECTOR: _("Sees every team's customers, pipeline, forecast and attainment; assigns across teams."),
    MANAGER: _("Runs a team: sees the team and its sub-teams, assigns leads, approves, coaches."),
    REP: _("Works own customers and deals; claims from the public pool; logs follow-ups."),
    ACCOUNT_MANAGER: _("Keeps won customers healthy; sees the team's customers; renews."),
    SUPPORT: _("Receives implementation and service handoffs; sees the team's customers."),
}

ALL_ACTIONS = ["view", "create", "edit", "delete", "import", "export", "assign", "manage"]
WORK = ["view", "create", "edit", "delete", "export", "assign"]
OWN_WORK = ["view", "create", "edit"]
OWN_WORK_DELETE = ["view", "create", "edit", "delete"]
VIEW = ["view"]
TARGET_SETTING = ["view", "create", "edit", "delete"]  # targets of the people and teams below

# The CRM resources later apps register; listed here so the seeded roles cover them.
CRM_RESOURCES = ["account", "contact", "lead", "deal", "activity"]
# Work management (issue 15): everyone works their own; managers see their teams', directors all.
WORK_RESOURCES = ["task", "event", "project", "meeting", "checkin", "report"]

BUILTIN_GRANTS: dict[str, dict[str, tuple[list[str], str]]] = {
    DIRECTOR: {
        "user": (VIEW, "all"),
        "team": (VIEW, "all"),
        "position": (VIEW, "all"),
        "role": (VIEW, "all"),
        "product": (VIEW, "all"),
        "pool": (VIEW, "own"),
        **{r: ([*WORK, "import"], "all") for r in CRM_RESOURCES},
        "target": (TARGET_SETTING, "all"),
        "handoff": (OWN_WORK, "all"),
        "announcement": (["view", "create", "edit", "delete"], "all"),
        **dict.fromkeys(WORK_RESOURCES, (WORK, "all")),
    },
    MANAGER: {
        "user": (VIEW, "all"),
        "team": (VIEW, "subtree"),
        "position": (VIEW, "all"),
        "role": (VIEW, "all"),
        "product": (VIEW, "all"),
        "pool": (VIEW, "own"),
        **{r: ([*WORK, "import"], "subtree") for r in CRM_RESOURCES},
        "target": (TARGET_SETTING, "subtree"),
        "handoff": (OWN_WORK, "subtree"),
        "announcement": (["view", "create", "edit", "delete"], "subtree"),
        **dict.fromkeys(WORK_RESOURCES, (WORK, "subtree")),
    },
    REP: {
        "user": (VIEW, "all"),
        "team": (VIEW, "team"),
        "position": (VIEW, "all"),
        "role": (VIEW, "own"),
        "product": (VIEW, "all"),
        "pool": (VIEW, "own"),
        **dict.fromkeys(CRM_RESOURCES, (OWN_WORK, "own")),
        "target": (VIEW, "own"),
        "handoff": (OWN_WORK, "own"),
        "announcement": (VIEW, "own"),
        **dict.fromkeys(WORK_RESOURCES, (OWN_WORK_DELETE, "own")),
    },
    ACCOUNT_MANAGER: {
        "user": (VIEW, "all"),
        "team": (VIEW, "team"),
        "position": (VIEW, "all"),
        "role": (VIEW, "own"),
        "product": (VIEW, "all"),
        "pool": (VIEW, "own"),
        **dict.fromkeys(CRM_RESOURCES, (OWN_WORK, "own")),
        "account": ([*OWN_WORK], "team"),
        "target": (VIEW, "own"),
        "handoff": (OWN_WORK, "own"),
        "announcement": (VIEW, "own"),
        **dict.fromkeys(WORK_RESOURCES, (OWN_WORK_DELETE, "own")),
    },
    SUPPORT: {
        "user": (VIEW, "all"),
        "team": (VIEW, "team"),
        "position": (VIEW, "all"),
        "role": (VIEW, "own"),
        "product": (VIEW, "all"),
        "pool": (VIEW, "own"),
        "account": (VIEW, "team"),
        "contact": (VIEW, "team"),
        "activity": (OWN_WORK, "own"),
        "handoff": (OWN_WORK, "own"),
        "announcement": (VIEW, "own"),
        **dict.fromkeys(WORK_RESOURCES, (OWN_WORK_DELETE, "own")),
    },
}
