"""The board's pre-aggregated column totals (``DealStageTotal``, docs/decisions/0009).

Database triggers on the deals table append one delta row per changed key (stage, owner,
team, currency): +1 and the amount for a live deal that arrives, -1 and minus the amount for
one that leaves (moved, re-owned, re-teamed, re-priced, deleted to the recycle bin, restored).
No Python code writes the table, so no path that changes deals can forget it. This module
holds the one definition of those triggers, and the upkeep:

- ``compact`` folds the deltas of each key into one row (scheduled; readers are exact before
  and after, it only keeps the table small);
- ``ensure_triggers`` puts the triggers back and refills the table where they are missing
  (SQLite drops a table's triggers when a migration rebuilds the table);
- ``differences`` compares the table with the deals themselves, ``rebuild`` refills it
  (``tandem deal-totals --check / --rebuild``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "deals_dealstagetotal"
KEY = "stage_id, owner_id, team_id, currency"
KEY_EXPR = "stage_id, owner_id, COALESCE(team_id, 0), currency"  # a null team is one key
TRIGGERS = ("deals_stage_total_insert", "deals_stage_total_delete", "deals_stage_total_update")
# A deal's amount may be unknown (empty): it counts as nothing in the totals (decision 0012).
AMOUNT = "COALESCE(amount, 0)"

# PostgreSQL: statement-level triggers with transition tables, one aggregated insert per
# statement (an import batch of 2,000 deals adds a handful of rows, not 2,000).
PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION deals_stage_total_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        SELECT {KEY}, COUNT(*), SUM({AMOUNT}) FROM new_deals WHERE deleted_at IS NULL GROUP BY {KEY};
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION deals_stage_total_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        SELECT {KEY}, -COUNT(*), -SUM({AMOUNT}) FROM old_deals WHERE deleted_at IS NULL GROUP BY {KEY};
        RETURN NULL;
    END $$
    """,
    # An update that changes none of the key columns, the amount or deleted_at nets to zero for
    # every key (logging a follow-up sets last_follow_up_at) and inserts nothing.
    f"""
    CREATE OR REPLACE FUNCTION deals_stage_total_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        SELECT {KEY}, SUM(deals), SUM(amount) FROM (
            SELECT {KEY}, 1 AS deals, {AMOUNT} AS amount FROM new_deals WHERE deleted_at IS NULL
            UNION ALL
            SELECT {KEY}, -1, -{AMOUNT} FROM old_deals WHERE deleted_at IS NULL
        ) AS delta
        GROUP BY {KEY}
        HAVING SUM(deals) <> 0 OR SUM(amount) <> 0;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS deals_stage_total_insert ON deals_deal",
    "DROP TRIGGER IF EXISTS deals_stage_total_delete ON deals_deal",
    "DROP TRIGGER IF EXISTS deals_stage_total_update ON deals_deal",
    """
    CREATE TRIGGER deals_stage_total_insert AFTER INSERT ON deals_deal
    REFERENCING NEW TABLE AS new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION deals_stage_total_insert()
    """,
    """
    CREATE TRIGGER deals_stage_total_delete AFTER DELETE ON deals_deal
    REFERENCING OLD TABLE AS old_deals
    FOR EACH STATEMENT EXECUTE FUNCTION deals_stage_total_delete()
    """,
    """
    CREATE TRIGGER deals_stage_total_update AFTER UPDATE ON deals_deal
    REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals
    FOR EACH STATEMENT EXECUTE FUNCTION deals_stage_total_update()
    """,
]

PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS deals_stage_total_insert ON deals_deal",
    "DROP TRIGGER IF EXISTS deals_stage_total_delete ON deals_deal",
    "DROP TRIGGER IF EXISTS deals_stage_total_update ON deals_deal",
    "DROP FUNCTION IF EXISTS deals_stage_total_insert()",
    "DROP FUNCTION IF EXISTS deals_stage_total_delete()",
    "DROP FUNCTION IF EXISTS deals_stage_total_update()",
]

# SQLite has row-level triggers only; it has one writer at a time, so a row each is cheap.
SQLITE_INSTALL = [
    "DROP TRIGGER IF EXISTS deals_stage_total_insert",
    "DROP TRIGGER IF EXISTS deals_stage_total_delete",
    "DROP TRIGGER IF EXISTS deals_stage_total_update",
    f"""
    CREATE TRIGGER deals_stage_total_insert AFTER INSERT ON deals_deal
    WHEN NEW.deleted_at IS NULL BEGIN
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        VALUES (NEW.stage_id, NEW.owner_id, NEW.team_id, NEW.currency, 1, COALESCE(NEW.amount, 0));
    END
    """,
    f"""
    CREATE TRIGGER deals_stage_total_delete AFTER DELETE ON deals_deal
    WHEN OLD.deleted_at IS NULL BEGIN
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        VALUES (OLD.stage_id, OLD.owner_id, OLD.team_id, OLD.currency, -1, -COALESCE(OLD.amount, 0));
    END
    """,
    f"""
    CREATE TRIGGER deals_stage_total_update
    AFTER UPDATE OF stage_id, owner_id, team_id, currency, amount, deleted_at ON deals_deal BEGIN
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        SELECT OLD.stage_id, OLD.owner_id, OLD.team_id, OLD.currency, -1, -COALESCE(OLD.amount, 0)
        WHERE OLD.deleted_at IS NULL;
        INSERT INTO {TABLE} ({KEY}, deals, amount)
        SELECT NEW.stage_id, NEW.owner_id, NEW.team_id, NEW.currency, 1, COALESCE(NEW.amount, 0)
        WHERE NEW.deleted_at IS NULL;
    END
    """,
]

SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]

FILL = f"""
    INSERT INTO {TABLE} ({KEY}, deals, amount)
    SELECT {KEY}, COUNT(*), SUM({AMOUNT}) FROM deals_deal WHERE deleted_at IS NULL GROUP BY {KEY}
"""

# Fold every key that has more than one row, or whose rows sum to nothing. Folding any set of
# rows of one key into their sum keeps every reader's answer, so the choice is free. PostgreSQL
# does it in one statement: the rows it deletes are exactly the rows it sums, whatever other
# transactions insert meanwhile (they only ever insert).
PG_COMPACT = f"""
    WITH folded AS (
        DELETE FROM {TABLE} WHERE ({KEY_EXPR}) IN (
            SELECT {KEY_EXPR} FROM {TABLE} GROUP BY {KEY_EXPR}
            HAVING COUNT(*) > 1 OR (SUM(deals) = 0 AND SUM(amount) = 0)
        )
        RETURNING {KEY}, deals, amount
    )
    INSERT INTO {TABLE} ({KEY}, deals, amount)
    SELECT {KEY}, SUM(deals), SUM(amount) FROM folded GROUP BY {KEY}
    HAVING SUM(deals) <> 0 OR SUM(amount) <> 0
"""

# SQLite: one writer at a time (transactions begin IMMEDIATE), so two statements in one
# transaction over the rows up to a fixed id see the same rows.
SQLITE_COMPACT = [
    f"""
    INSERT INTO {TABLE} ({KEY}, deals, amount)
    SELECT {KEY}, SUM(deals), SUM(amount) FROM {TABLE} WHERE id <= %(last)s GROUP BY {KEY}
    HAVING COUNT(*) > 1 AND (SUM(deals) <> 0 OR SUM(amount) <> 0)
    """,
    f"""
    DELETE FROM {TABLE} WHERE id <= %(last)s AND (stage_id, owner_id, IFNULL(team_id, 0), currency) IN (
        SELECT stage_id, owner_id, IFNULL(team_id, 0), currency FROM {TABLE} WHERE id <= %(last)s
        GROUP BY stage_id, owner_id, IFNULL(team_id, 0), currency
        HAVING COUNT(*) > 1 OR (SUM(deals) = 0 AND SUM(amount) = 0)
    )
    """,
]


def _execute_all(conn: BaseDatabaseWrapper, statements: list[str]) -> None:
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(conn: BaseDatabaseWrapper, *, fill: bool = True) -> None:
    """Create (or replace) the triggers, then fill the table from the live deals.

    Triggers come first: on PostgreSQL creating them locks the deals table against writes until
    the transaction commits, so no deal is counted twice or missed.
    """
    if conn.vendor == "postgresql":
        statements = list(PG_INSTALL)
    elif conn.vendor == "sqlite":
        statements = list(SQLITE_INSTALL)
    else:  # settings refuse other databases; a migration must not half-apply on one
        raise RuntimeError(f"Tandem runs on PostgreSQL or SQLite, not {conn.vendor}")
    if fill:
        statements += [f"DELETE FROM {TABLE}", FILL]
    _execute_all(conn, statements)


def uninstall(conn: BaseDatabaseWrapper) -> None:
    _execute_all(conn, PG_UNINSTALL if conn.vendor == "postgresql" else SQLITE_UNINSTALL)


def installed_triggers(conn: BaseDatabaseWrapper | None = None) -> set[str]:
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'deals_deal'::regclass AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'deals_deal'"
            )
        return {row[0] for row in cursor.fetchall()} & set(TRIGGERS)


def ensure_triggers(conn: BaseDatabaseWrapper | None = None) -> bool:
    """Reinstall the triggers and refill the table when one is missing; True when it did.

    SQLite rebuilds a table to alter a column (a later migration on deals) and drops its
    triggers with the old table; this runs after every ``migrate`` and puts them back.
    """
    conn = conn or connection
    if installed_triggers(conn) == set(TRIGGERS):
        return False
    with transaction.atomic(using=conn.alias):
        install(conn)
    return True


@transaction.atomic
def compact() -> int:
    """Fold the deltas into one row per key; returns the number of rows left. Idempotent."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_COMPACT)
        else:
            cursor.execute(f"SELECT MAX(id) FROM {TABLE}")
            last = cursor.fetchone()[0]
            if last is not None:
                for statement in SQLITE_COMPACT:
                    cursor.execute(statement, {"last": last})
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return int(cursor.fetchone()[0])


@transaction.atomic
def rebuild() -> None:
    """Refill the table from the deals (after a restore that skipped triggers, say)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # hold writers off while the count runs
            cursor.execute("LOCK TABLE deals_deal IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(FILL)


def _sums(sql: str) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {
            tuple(row[:4]): (int(row[4]), Decimal(str(row[5] or 0)).quantize(Decimal("0.01")))
            for row in cursor.fetchall()
            if row[4] or row[5]
        }


def differences() -> list[tuple[tuple[Any, ...], tuple[int, Decimal] | None, tuple[int, Decimal] | None]]:
    """Keys whose pre-aggregated count or amount differs from the live deals:
    (key, from the table, from the deals). Empty when all is well."""
    table = _sums(f"SELECT {KEY}, SUM(deals), SUM(amount) FROM {TABLE} GROUP BY {KEY}")
    live = _sums(
        f"SELECT {KEY}, COUNT(*), SUM(amount) FROM deals_deal WHERE deleted_at IS NULL GROUP BY {KEY}"
    )
    return [
        (key, table.get(key), live.get(key))
        for key in sorted(set(table) | set(live), key=repr)
        if table.get(key) != live.get(key)
    ]
