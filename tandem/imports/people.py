"""People and teams in the import engine (``user`` and ``team`` files): an HR sheet in.

Only administrators import people (``services._require_import``). The file is read once before the
batches (``prescan``), so a row can name a manager, a leader or a parent team whose own row comes
later: references are checked against Tandem's records AND the file's rows, and loops are found
before anything is written. Records are written row by row through ``tandem.org.services`` (an HR
sheet is hundreds of rows, not millions), then, after the last batch, ``link`` sets every
manager, leader and parent team (all records exist by then), creating the managers who have no row
of their own when the mapping's ``missing_manager`` option says so. See docs/decisions/0023.

Re-import updates by Tandem ID, else username, else email: never a second person for the same one.
Imported people get no usable password and nobody is emailed (rule ``no_password``, counted).
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tandem.core import history
from tandem.imports.wording import say as _
from tandem.org import services as org_services
from tandem.org.models import Membership, Position, Role, Team, User

from . import fields as F_

if TYPE_CHECKING:
    from .engine import Plan

PEOPLE_RESOURCES = frozenset({"user", "team"})
_SPLIT = re.compile(r"\s*[,;，；、|]\s*")
_USERNAME_DROP = re.compile(r"[^\w.@+-]")


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def split_names(text: str) -> list[str]:
    return [t for t in _SPLIT.split(text.strip()) if t]


def username_from_name(name: str) -> str:
    """``Anna Snelling`` → ``anna.snelling``; ``张伟`` → ``张伟`` (Tandem's usernames take any letters)."""
    value = unicodedata.normalize("NFKC", name).strip().casefold()
    value = ".".join(value.split())
    return _USERNAME_DROP.sub("", value)[:150]


class PeopleRows:
    """The ``user`` and ``team`` parts of ``engine.Importer`` (a mixin: it uses the importer's state)."""

    job: Any
    actor: Any
    columns: dict[str, str]
    now: Any
    options: dict[str, Any]
    totals: Any
    seen_ids: dict[int, int]

    # --- Before the batches: the whole file's people and teams --------------------------------

    def people_init(self) -> None:
        self.people_links: list[Plan] = []
        # The file's rows by what names them: username, email, display name (people) or name (teams).
        self.file_people: dict[str, list[int]] = defaultdict(list)
        self.file_rows: dict[int, dict[str, str]] = {}
        self.file_teams: dict[str, int] = {}
        self.written_by_row: dict[int, int] = {}
        self.missing_managers: dict[str, int] = {}  # name key -> first row naming them
        self.username_seen: dict[str, int] = {}
        self.email_seen: dict[str, int] = {}
        if self.job.resource == "user":
            users = list(
                User.objects.values_list("pk", "username", "email", "display_name", "manager_id", "is_active")
            )
            self.users_by_pk = {u[0]: u for u in users}
            self.people_by_key: dict[str, set[int]] = defaultdict(set)
            for pk, username, email, display, _m, _a in users:
                for text in (username, email, display):
                    if text:
                        self.people_by_key[_key(text)].add(pk)
            self.users_by_username = {_key(u[1]): u[0] for u in users}
            self.users_by_email: dict[str, list[int]] = defaultdict(list)
            for u in users:
                if u[2]:
                    self.users_by_email[_key(u[2])].append(u[0])
            self.positions: dict[str, list[Position]] = defaultdict(list)
            for position in Position.objects.all():
                self.positions[_key(position.title)].append(position)
            self.roles: dict[str, Role] = {}
            for role in Role.objects.all():
                self.roles[_key(role.code)] = role
                self.roles.setdefault(_key(role.name), role)
                self.roles.setdefault(_key(role.display_name), role)
        self.teams_by_key: dict[str, list[Team]] = defaultdict(list)
        self.team_parent: dict[int, int | None] = {}
        for team in Team.objects.all():
            self.teams_by_key[_key(team.name)].append(team)
            self.team_parent[team.pk] = team.parent_id
        if self.job.resource == "team":
            self.people_by_key = defaultdict(set)
            for pk, username, email, display in User.objects.values_list(
                "pk", "username", "email", "display_name"
            ):
                for text in (username, email, display):
                    if text:
                        self.people_by_key[_key(text)].add(pk)

    def identity(self, raw: dict[str, str]) -> tuple[str, str]:
        """A person row's username (and the rule that made it, if any)."""
        username = raw.get("username", "")
        if username:
            return username, ""
        email = raw.get("email", "")
        if email:
            return email.lower(), "username_email"
        name = raw.get("display_name", "")
        if name and self.options.get("username_from_name"):
            return username_from_name(name), "username_from_name"
        return "", ""

    def prescan(self, plans: Iterable[Plan]) -> None:
        """Every row's names, before any row is checked: a reference to a later row resolves."""
        for plan in plans:
            raw = plan.raw
            self.file_rows[plan.number] = raw
            if self.job.resource == "team":
                name = raw.get("name", "")
                if name:
                    self.file_teams.setdefault(_key(name), plan.number)
                continue
            username, _rule = self.identity(raw)
            for text in {username, raw.get("email", ""), raw.get("display_name", "")}:
                if text:
                    rows = self.file_people[_key(text)]
                    if plan.number not in rows:
                        rows.append(plan.number)

    # --- Matching a row to its record ----------------------------------------------------------

    def match_people(self, plans: list[Plan]) -> None:
        if self.job.resource == "team":
            for plan in plans:
                if plan.match is not None or plan.extra.get("identity_unknown"):
                    continue
                name = plan.raw.get("name", "")
                if not name:
                    continue
                first = self.file_teams.get(_key(name))
                if first is not None and first != plan.number:
                    plan.extra["identity_unknown"] = True
                    plan.error(
                        "name",
                        _("The team “%(name)s” is also on row %(row)s of this file.")
                        % {
                            "name": name,
                            "row": first,
                        },
                    )
                    continue
                same = self.teams_by_key.get(_key(name), [])
                if len(same) > 1:
                    plan.extra["identity_unknown"] = True
                    plan.error(
                        "name",
                        _("Several teams are called “%(name)s”; use their Tandem ID.") % {"name": name},
                    )
                elif same:
                    plan.match = same[0]
                    self.written_by_row[plan.number] = same[0].pk
            return
        matched = [p for p in plans if p.match is None and not p.extra.get("identity_unknown")]
        found: dict[Plan, int] = {}
        for plan in matched:
            username, rule = self.identity(plan.raw)
            if not username:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "username",
                    _(
                        "Give the person's username or email, or choose to make usernames from names "
                        "on the mapping step (--username-from-name)."
                    ),
                )
                continue
            plan.extra["username"] = username
            if rule:
                plan.extra["username_rule"] = rule
            first = self.username_seen.get(_key(username))
            if first is not None:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "username" if "username" in self.columns else "display_name",
                    _("The username “%(name)s” is also on row %(row)s of this file.")
                    % {"name": username, "row": first},
                )
                continue
            self.username_seen[_key(username)] = plan.number
            email = plan.raw.get("email", "")
            if email:
                first = self.email_seen.get(_key(email))
                if first is not None:
                    plan.extra["identity_unknown"] = True
                    plan.error(
                        "email",
                        _("The email “%(email)s” is also on row %(row)s of this file.")
                        % {"email": email, "row": first},
                    )
                    continue
                self.email_seen[_key(email)] = plan.number
            by_username = self.users_by_username.get(_key(username))
            by_email = self.users_by_email.get(_key(email), []) if email else []
            if by_username is not None and by_email and by_email != [by_username]:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "email",
                    _("The username and the email belong to two different people in Tandem."),
                )
                continue
            pk = by_username if by_username is not None else (by_email[0] if len(by_email) == 1 else None)
            if pk is not None:
                found[plan] = pk
                self.written_by_row[plan.number] = pk
        people = User.objects.select_related("position").in_bulk(sorted(set(found.values())))
        for plan, pk in found.items():
            plan.match = people[pk]
        for plan in plans:
            if plan.match is not None and "username" not in plan.extra:
                plan.extra["username"] = plan.match.username

    # --- Resolving names -----------------------------------------------------------------------

    def _find_person(self, text: str) -> tuple[str, int | None, str]:
        """What a manager/leader cell names: ("db", pk), ("row", number), ("missing"|"several", None)."""
        key = _key(text)
        rows = self.file_people.get(key, [])
        in_db = self.people_by_key.get(key, set())
        if len(rows) == 1:
            # A file row for someone already in Tandem is that person (it updates them).
            return "row", rows[0], ""
        if len(rows) > 1 or len(in_db) > 1:
            return "several", None, ""
        if in_db:
            return "db", next(iter(in_db)), ""
        return "missing", None, ""

    def _team(self, plan: Plan, field: str, text: str) -> Team | int | None:
        """A team a cell names: an existing team, or (teams file) the row that brings it in."""
        same = self.teams_by_key.get(_key(text), [])
        if self.job.resource == "team":
            row = self.file_teams.get(_key(text))
            if row is not None:
                return row
        if len(same) == 1:
            return same[0]
        if len(same) > 1:
            plan.error(field, _("Several teams are called “%(name)s”; rename one first.") % {"name": text})
            return None
        message = _("No team called “%(name)s”. Import the teams first.") % {"name": text}
        suggestion = F_.did_you_mean(text, sorted({t.name for ts in self.teams_by_key.values() for t in ts}))
        if suggestion:
            message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
        plan.error(field, message)
        return None

    # --- Teams --------------------------------------------------------------------------------

    def _admin_only(self, plan: Plan) -> None:
        if not self.actor.is_admin:
            plan.error(None, _("Only administrators may import people and teams."))

    def _check_team(self, plan: Plan) -> None:
        self._admin_only(plan)
        parent_text = plan.raw.get("parent", "")
        if parent_text:
            parent = self._team(plan, "parent", parent_text)
            if parent is not None:
                plan.extra["parent"] = parent
                if self._team_loop(plan, parent):
                    plan.error("parent", _("Parent teams would go round in a circle."))
        leader_text = plan.raw.get("leader", "")
        if leader_text:
            kind, pk, _x = self._find_person(leader_text)
            if kind == "several":
                plan.error(
                    "leader",
                    _("Several people are called “%(name)s”; use the username.") % {"name": leader_text},
                )
            elif kind != "db":
                plan.error(
                    "leader",
                    _("No person called “%(name)s”. Import the people first, then the teams' leaders.")
                    % {"name": leader_text},
                )
            else:
                plan.extra["leader_id"] = pk
        match = plan.match
        if match is not None:
            parent = plan.extra.get("parent")
            if isinstance(parent, int):
                same = self.teams_by_key.get(_key(self.file_rows.get(parent, {}).get("name", "")), [])
                parent_pk = same[0].pk if len(same) == 1 else None
            else:
                parent_pk = parent.pk if isinstance(parent, Team) else None
            if parent_text and parent_pk != match.parent_id:
                plan.extra["refs_differ"] = True
            if leader_text and plan.extra.get("leader_id") != match.leader_id:
                plan.extra["refs_differ"] = True
        if not plan.failed and (parent_text or leader_text):
            self.people_links.append(plan)

    def _team_loop(self, plan: Plan, parent: Team | int) -> bool:
        """Would this row's parent chain come back to the row's own team?"""
        own_row, own_pk = plan.number, (plan.match.pk if plan.match is not None else None)
        node: Team | int | None = parent
        for _step in range(200):
            if node is None:
                return False
            if isinstance(node, int):  # a row of the file
                if node == own_row:
                    return True
                text = self.file_rows.get(node, {}).get("parent", "")
                if not text:
                    same = self.teams_by_key.get(_key(self.file_rows.get(node, {}).get("name", "")), [])
                    node = same[0].parent if len(same) == 1 else None
                    continue
                row = self.file_teams.get(_key(text))
                if row is not None:
                    node = row
                else:
                    same = self.teams_by_key.get(_key(text), [])
                    node = same[0] if len(same) == 1 else None
                continue
            if node.pk == own_pk:
                return True
            row = self.file_teams.get(_key(node.name))
            if row is not None and self.file_rows.get(row, {}).get("parent"):
                node = row
                continue
            parent_id = self.team_parent.get(node.pk)
            node = Team.objects.filter(pk=parent_id).first() if parent_id else None
        return True

    def _write_team(self, plans: list[Plan]) -> None:
        for plan in plans:
            values = plan.values
            if plan.match is None:
                team = org_services.team_create(
                    actor=self.actor, name=values.get("name", ""), description=values.get("description", "")
                )
                plan.obj = team
                self.teams_by_key[_key(team.name)].append(team)
            else:
                team = plan.match
                if "name" in values or "description" in values:
                    org_services.team_update(
                        actor=self.actor,
                        team=team,
                        name=values.get("name", team.name),
                        parent=team.parent,
                        leader=team.leader,
                        description=values.get("description", team.description),
                    )
            self.written_by_row[plan.number] = team.pk

    # --- People -------------------------------------------------------------------------------

    def _check_user(self, plan: Plan) -> None:
        self._admin_only(plan)
        values = plan.values
        match: User | None = plan.match
        rule = plan.extra.get("username_rule")
        if match is None:
            values["username"] = plan.extra["username"]
            if rule:
                plan.fill(rule)
            if not (values.get("display_name") or "").strip():
                plan.error("display_name", _("Give the person's name."))
            plan.fill("no_password")
        else:
            values.pop("username", None)  # a person's username is who they are: never renamed here
        if len(plan.extra.get("username", "")) > 150:
            plan.error(
                "username",
                _("At most %(n)d characters (this has %(m)d).")
                % {"n": 150, "m": len(plan.extra["username"])},
            )
        email = values.get("email")
        if email:
            others = [
                pk for pk in self.users_by_email.get(_key(email), []) if match is None or pk != match.pk
            ]
            if others:
                plan.error("email", _("Another person has this email address."))
        zone = values.get("time_zone")
        if zone and zone not in _zones():
            plan.error("time_zone", _("Choose a known time zone, e.g. Asia/Shanghai."))
        # Teams: the first named is the primary team.
        teams_text = plan.raw.get("teams", "")
        if teams_text:
            teams: list[Team] = []
            for name in split_names(teams_text):
                team = self._team(plan, "teams", name)
                if isinstance(team, Team):
                    teams.append(team)
            plan.extra["teams"] = teams
            if match is not None:
                current = list(
                    Membership.objects.filter(user=match)
                    .order_by("-is_primary", "team_id")
                    .values_list("team_id", flat=True)
                )
                wanted = [t.pk for t in teams]
                if set(current) != set(wanted) or (current[:1] != wanted[:1]):
                    plan.extra["refs_differ"] = True
        position_text = plan.raw.get("position", "")
        if position_text:
            same = self.positions.get(_key(position_text), [])
            if len(same) == 1:
                plan.extra["position"] = same[0]
                if match is not None and match.position_id != same[0].pk:
                    plan.extra["refs_differ"] = True
            else:
                message = (
                    _("Several positions are called “%(name)s”.")
                    if same
                    else _("No position called “%(name)s”. Add it under positions first.")
                ) % {"name": position_text}
                plan.error("position", message)
        roles_text = plan.raw.get("roles", "")
        if not roles_text and match is None and self.options.get("default_role"):
            roles_text = str(self.options["default_role"])
            plan.fill("default_role")
        if roles_text:
            roles: list[Role] = []
            for name in split_names(roles_text):
                role = self.roles.get(_key(name))
                if role is None:
                    options = ", ".join(sorted({r.code for r in self.roles.values()}))
                    plan.error(
                        "roles",
                        _("No role “%(name)s”; the roles are: %(options)s.")
                        % {"name": name, "options": options},
                    )
                else:
                    roles.append(role)
            plan.extra["roles"] = roles
            if match is not None and {r.pk for r in roles} != set(match.roles.values_list("pk", flat=True)):
                plan.extra["refs_differ"] = True
        manager_text = plan.raw.get("manager", "")
        if manager_text:
            self._check_manager(plan, manager_text)
        if not plan.failed and (manager_text or match is None):
            self.people_links.append(plan)

    def _check_manager(self, plan: Plan, text: str) -> None:
        kind, ref, _x = self._find_person(text)
        match: User | None = plan.match
        if kind == "several":
            plan.error(
                "manager", _("Several people are called “%(name)s”; use the username.") % {"name": text}
            )
            return
        if kind == "missing":
            if not self.options.get("missing_manager"):
                plan.error(
                    "manager",
                    _(
                        "No person called “%(name)s” in Tandem or in this file. Add a row for them, or "
                        "choose to create managers who have no row (--create-missing-managers)."
                    )
                    % {"name": text},
                )
                return
            first = self.missing_managers.setdefault(_key(text), plan.number)
            if first == plan.number:
                plan.fill("missing_manager")
                plan.warn(
                    "manager",
                    _("“%(name)s” has no row of their own: they are created as a person in this team.")
                    % {"name": text},
                )
            plan.extra["manager"] = ("missing", text)
            if match is not None:
                plan.extra["refs_differ"] = True
            return
        if (kind == "row" and ref == plan.number) or (kind == "db" and match is not None and ref == match.pk):
            plan.error("manager", _("A person cannot be their own manager."))
            return
        plan.extra["manager"] = (kind, ref)
        if self._manager_loop(plan.number, kind, ref):
            plan.error("manager", _("This would make a circular reporting line."))
            return
        if match is not None:
            if kind == "db" and ref != match.manager_id:
                plan.extra["refs_differ"] = True
            if kind == "row":
                row_match = self._row_person(int(ref or 0))
                if row_match is None or row_match != match.manager_id:
                    plan.extra["refs_differ"] = True

    def _row_person(self, row: int) -> int | None:
        """The existing person a file row updates (by username, else email), if any."""
        raw = self.file_rows.get(row, {})
        username, _rule = self.identity(raw)
        pk = self.users_by_username.get(_key(username)) if username else None
        if pk is None and raw.get("email"):
            same = self.users_by_email.get(_key(raw["email"]), [])
            pk = same[0] if len(same) == 1 else None
        return pk

    def _rows_by_person(self) -> dict[int, int]:
        if not hasattr(self, "_person_rows"):
            self._person_rows: dict[int, int] = {}
            for row in self.file_rows:
                pk = self._row_person(row)
                if pk is not None:
                    self._person_rows.setdefault(pk, row)
        return self._person_rows

    def _manager_loop(self, own_row: int, kind: str, ref: int | None) -> bool:
        """Follow managers up from this row's manager (the file's word first, else Tandem's)."""
        own_pk = self._row_person(own_row)
        node_kind, node = kind, ref
        for _step in range(500):
            if node is None:
                return False
            if node_kind == "row":
                if node == own_row:
                    return True
                text = self.file_rows.get(node, {}).get("manager", "")
                if text:
                    node_kind, node, _x = self._find_person(text)
                    continue
                node_kind, node = "db", self._row_person(node)
                if node is None:
                    return False
                node = self.users_by_pk[node][4]
                continue
            if node_kind != "db":
                return False
            if node == own_pk:
                return True
            row = self._rows_by_person().get(node)
            if row is not None and self.file_rows[row].get("manager"):
                node_kind, node = "row", row
                continue
            node = self.users_by_pk.get(node, (0, "", "", "", None, True))[4]
        return True

    def _write_user(self, plans: list[Plan]) -> None:
        for plan in plans:
            values = plan.values
            teams: list[Team] | None = plan.extra.get("teams")
            if plan.match is None:
                user = org_services.user_create(
                    actor=self.actor,
                    username=values["username"],
                    display_name=values.get("display_name", ""),
                    email=values.get("email", ""),
                    phone=values.get("phone", ""),
                    language=values.get("language") or "en",
                    time_zone=values.get("time_zone") or "Asia/Shanghai",
                    position=plan.extra.get("position"),
                    roles=plan.extra.get("roles", []),
                    teams=teams or [],
                    primary_team=teams[0] if teams else None,
                )
                if values.get("is_active") is False:
                    user.is_active = False
                    user.deactivated_at = self.now
                    user.save(update_fields=["is_active", "deactivated_at"])
                plan.obj = user
            else:
                user = plan.match
                data: dict[str, Any] = {
                    k: v
                    for k, v in values.items()
                    if k in ("display_name", "email", "phone", "language", "time_zone")
                }
                if "position" in plan.extra:
                    data["position"] = plan.extra["position"]
                if "roles" in plan.extra:
                    data["roles"] = plan.extra["roles"]
                if data:
                    org_services.user_update(actor=self.actor, user=user, data=data)
                if teams is not None:
                    org_services.membership_set(
                        actor=self.actor, user=user, teams=teams, primary=teams[0] if teams else None
                    )
                active = values.get("is_active")
                if active is not None and active != user.is_active:
                    before = history.snapshot(user)
                    user.is_active = active
                    user.deactivated_at = None if active else self.now
                    user.save(update_fields=["is_active", "deactivated_at"])
                    history.record_update(actor=self.actor.user, obj=user, before=before)
            self.written_by_row[plan.number] = user.pk

    # --- After the last batch: managers, leaders, parents --------------------------------------

    def link_people(self, *, write: bool) -> list[tuple[int, dict[str, str]]]:
        if not write or not self.people_links:
            return []
        if self.job.resource == "team":
            for plan in self.people_links:
                team_pk = self.written_by_row.get(plan.number)
                if plan.failed or team_pk is None:
                    continue
                team = Team.objects.select_related("parent", "leader").get(pk=team_pk)
                parent = plan.extra.get("parent", team.parent)
                if isinstance(parent, int):
                    if parent not in self.written_by_row:
                        continue  # that row failed (skip mode): its own report says why
                    parent = Team.objects.get(pk=self.written_by_row[parent])
                leader = team.leader
                if "leader_id" in plan.extra:
                    leader = User.objects.get(pk=plan.extra["leader_id"])
                if (parent.pk if parent else None) != team.parent_id or (
                    leader.pk if leader else None
                ) != team.leader_id:
                    org_services.team_update(
                        actor=self.actor,
                        team=team,
                        name=team.name,
                        parent=parent,
                        leader=leader,
                        description=team.description,
                    )
            return []
        created: dict[str, int] = {}
        for plan in self.people_links:
            user_pk = self.written_by_row.get(plan.number)
            manager = plan.extra.get("manager")
            if plan.failed or user_pk is None or manager is None:
                continue
            kind, ref = manager
            manager_pk: int | None
            if kind == "missing":
                key = _key(str(ref))
                if key not in created:
                    created[key] = self._create_manager(str(ref), plan.extra.get("teams") or [])
                manager_pk = created[key]
            elif kind == "row":
                manager_pk = self.written_by_row.get(int(ref))
                if manager_pk is None:
                    continue  # that row failed (skip mode): its own report says why
            else:
                manager_pk = int(ref)
            user = User.objects.get(pk=user_pk)
            if user.manager_id != manager_pk:
                before = history.snapshot(user)
                user.manager_id = manager_pk
                user.save(update_fields=["manager"])
                history.record_update(actor=self.actor.user, obj=user, before=before)
        return []

    def _create_manager(self, name: str, teams: list[Team]) -> int:
        base = username_from_name(name) or "manager"
        username, n = base, 1
        while User.objects.filter(username__iexact=username).exists():
            n += 1
            username = f"{base}.{n}"
        role = self.roles.get(_key(str(self.options.get("default_role") or "")))
        user = org_services.user_create(
            actor=self.actor,
            username=username,
            display_name=name.strip(),
            roles=[role] if role is not None else [],
            teams=teams[:1],
            primary_team=teams[0] if teams else None,
        )
        return user.pk


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(zoneinfo.available_timezones())
    return _ZONES
