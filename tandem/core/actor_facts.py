"""What the access policy reads about a person on every request, in one statement (issue 12).

Every page builds an ``Actor``: the person's roles with their grants, their teams, and the facts
other apps memoise on it because nearly every page asks them — the pools they belong to, whether
they are on a record team, whether a handoff awaits them, how many notifications they have not
read. Asked one by one through the ORM these were six to seven queries a page, each built and
compiled afresh (about half a millisecond of Python apiece). Here they are one plain SQL
statement, written once per process, sent with the person's id and today's date as parameters.

An app adds a fact with ``register``: a SELECT of one column ``v`` that may read the person's
live teams from ``tandem_mine(id, path)``, the person's id as ``%(user)s`` and the named
parameters its own ``params()`` gives (a day, a status), and how to read its values. The fact lands in ``Actor.memo`` under its key, so the app's own
``actor.memo(key, compute)`` finds it; ``compute`` (the ORM) still answers for an actor built
some other way, or after the app forgot the memo within a request. The statement runs on
PostgreSQL and SQLite alike; the tests hold every fact equal to its ORM definition.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

Quote = Callable[[str], str]


@dataclass(frozen=True)
class Fact:
    key: str
    sql: Callable[[Quote], str]  # a SELECT of one column named v
    parse: Callable[[list[str]], Any]
    params: Callable[[], Mapping[str, Any]] = field(default=dict)


FACTS: dict[str, Fact] = {}
_statements: dict[tuple[str, tuple[str, ...]], str] = {}


def register(fact: Fact) -> None:
    FACTS[fact.key] = fact
    _statements.clear()


def at_or_above_mine(team_id_column: str) -> str:
    """SQL for "the team ``team_id_column`` is one of the person's live teams or above one": its
    id is in one of their teams' materialised paths ("/1/4/9/"). For a fact's ``sql``."""
    return (
        f"EXISTS (SELECT 1 FROM tandem_mine"  # noqa: S608 (a column the caller names)
        f" WHERE tandem_mine.path LIKE '%%/' || CAST({team_id_column} AS TEXT) || '/%%')"
    )


def truth(value: str | None) -> bool:
    """A boolean column cast to text: "true" on PostgreSQL, "1" on SQLite."""
    return value in ("1", "true", "t")


@dataclass
class Loaded:
    is_admin: bool = False
    grants: list[tuple[str, list[str], str]] = field(default_factory=list)
    teams: dict[int, str] = field(default_factory=dict)
    subtree: dict[int, str] | None = None
    memo: dict[str, Any] = field(default_factory=dict)


def _statement() -> str:
    from tandem.org.models import Membership, Role, RoleGrant, Team, User

    key = (connection.vendor, tuple(FACTS))
    found = _statements.get(key)
    if found is not None:
        return found
    qn = connection.ops.quote_name
    team, member = qn(Team._meta.db_table), qn(Membership._meta.db_table)
    role, grant = qn(Role._meta.db_table), qn(RoleGrant._meta.db_table)
    user_roles = qn(User.roles.through._meta.db_table)
    parts = [
        # The person's live teams: those they belong to and those they lead.
        f"WITH tandem_mine (id, path) AS ("  # noqa: S608 (models' own table names)
        f"SELECT t.id, t.path FROM {team} t INNER JOIN {member} m ON m.team_id = t.id"
        f" WHERE t.deleted_at IS NULL AND m.user_id = %(user)s"
        f" UNION SELECT t.id, t.path FROM {team} t WHERE t.deleted_at IS NULL AND t.leader_id = %(user)s)",
        # Their roles, each with its grants (a role without grants gives one row of NULLs).
        f"SELECT 'r' AS k, CAST(r.is_admin AS TEXT) AS a, g.resource AS b, CAST(g.actions AS TEXT) AS c,"  # noqa: S608 (models' own table names)
        f" g.scope AS d FROM {role} r INNER JOIN {user_roles} ur ON ur.role_id = r.id"
        f" LEFT OUTER JOIN {grant} g ON g.role_id = r.id WHERE ur.user_id = %(user)s",
        "UNION ALL SELECT 't', CAST(id AS TEXT), path, NULL, NULL FROM tandem_mine",
        # Every live team at or below theirs, when a role gives them a subtree scope.
        f"UNION ALL SELECT 's', CAST(t.id AS TEXT), t.path, NULL, NULL FROM {team} t"  # noqa: S608 (models' own table names)
        f" WHERE t.deleted_at IS NULL"
        f" AND EXISTS (SELECT 1 FROM tandem_mine WHERE substr(t.path, 1, length(tandem_mine.path)) = tandem_mine.path)"
        f" AND EXISTS (SELECT 1 FROM {user_roles} ur INNER JOIN {grant} g ON g.role_id = ur.role_id"
        f" WHERE ur.user_id = %(user)s AND g.scope = 'subtree')",
    ]
    for fact in FACTS.values():
        parts.append(
            f"UNION ALL SELECT '{fact.key}', CAST(f.v AS TEXT), NULL, NULL, NULL FROM ({fact.sql(qn)}) f"  # noqa: S608 (models' own table names)
        )
    statement = " ".join(parts)
    _statements[key] = statement
    return statement


def load(user_id: int) -> Loaded:
    """The person's roles, teams and registered facts: one statement."""
    params: dict[str, Any] = {"user": user_id}
    for fact in FACTS.values():
        params.update(fact.params())
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        rows = cursor.fetchall()
    loaded = Loaded()
    values: dict[str, list[str]] = {key: [] for key in FACTS}
    for kind, a, b, c, d in rows:
        if kind == "r":
            loaded.is_admin = loaded.is_admin or truth(a)
            if b is not None:  # a role without grants
                loaded.grants.append((b, json.loads(c) if c else [], d))
        elif kind == "t":
            loaded.teams[int(a)] = b
        elif kind == "s":
            if loaded.subtree is None:
                loaded.subtree = {}
            loaded.subtree[int(a)] = b
        else:
            values[kind].append(a)
    if loaded.subtree is not None:
        loaded.subtree = dict(sorted(loaded.subtree.items(), key=lambda item: item[1]))
    for key, fact in FACTS.items():
        loaded.memo[key] = fact.parse(values[key])
    return loaded
