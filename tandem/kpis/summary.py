"""Figures pre-aggregated by month, kept by database triggers exactly as the board's column
totals are (docs/decisions/0009, and 0018 for these tables).

- ``DEALS`` (``DealMonthTotal``): one row per (owner, team, pipeline, stage, status, currency,
  month opened, month closed) with how many live deals that is, their amount (an unknown amount
  counts as nothing), how many amounts are known, and the days from opened to closed summed over
  the deals that have both dates.
- ``FOLLOW_UPS`` (``ActivityMonthTotal``): one row per (author, team, kind, month) with how many
  live follow-ups happened then. The month is the company's (``settings.TIME_ZONE``), written
  into the triggers; when the zone changes, ``ensure_triggers`` (after every ``migrate``, and
  ``tandem kpi-totals --rebuild``) reinstalls and refills, and until then the engine reads the
  follow-ups themselves (``is_current``).

Triggers append deltas (+1 and the values in, −1 and minus them out); ``compact`` folds each
key's rows into one; readers sum the rows of their keys, so every answer is exact before and
after a compaction. No Python writes these tables. The engine reads whole months from them and
the partial months at the edges of a range from the records.

On SQLite the follow-ups' trigger calls ``django_datetime_trunc``, the function Django gives
every SQLite connection it opens: write to that table through Tandem, not a bare sqlite3 shell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

Row = Callable[[str, str], str]  # (alias of the source row, sign) -> its key and values as SQL
NO_DAY = "'0001-01-01'"  # a null month as one key when folding


@dataclass(frozen=True)
class Summary:
    name: str
    table: str
    source: str
    key_columns: tuple[str, ...]
    value_columns: tuple[str, ...]
    counted: str  # the source columns an update must touch to change anything (SQLite)
    pg_row: Row
    sqlite_row: Row
    nullable_keys: dict[str, str]  # key column -> what a null reads as when folding
    zone_bound: bool = False  # the month depends on settings.TIME_ZONE

    # --- SQL --------------------------------------------------------------------------------

    @property
    def triggers(self) -> tuple[str, ...]:
        return (f"kpis_{self.name}_insert", f"kpis_{self.name}_delete", f"kpis_{self.name}_update")

    @property
    def key(self) -> str:
        return ", ".join(self.key_columns)

    @property
    def values(self) -> str:
        return ", ".join(self.value_columns)

    @property
    def sums(self) -> str:
        return ", ".join(f"SUM({c})" for c in self.value_columns)

    @property
    def nonzero(self) -> str:
        return " OR ".join(f"SUM({c}) <> 0" for c in self.value_columns)

    @property
    def zero(self) -> str:
        return " AND ".join(f"SUM({c}) = 0" for c in self.value_columns)

    def row(self, vendor: str, alias: str, sign: str = "") -> str:
        return (self.pg_row if vendor == "postgresql" else self.sqlite_row)(alias, sign)

    def live(self, vendor: str) -> str:
        """Every live source row's key and values, as a subquery."""
        return f"SELECT {self.row(vendor, 'd')} FROM {self.source} AS d WHERE d.deleted_at IS NULL"

    def fill(self, vendor: str) -> str:
        return (
            f"INSERT INTO {self.table} ({self.key}, {self.values}) "
            f"SELECT {self.key}, {self.sums} FROM ({self.live(vendor)}) AS live GROUP BY {self.key}"
        )

    def folding_key(self, null: str) -> str:
        return ", ".join(
            f"{null}({c}, {self.nullable_keys[c]})" if c in self.nullable_keys else c
            for c in self.key_columns
        )

    def pg_install(self) -> list[str]:
        insert, delete, update = self.triggers[:3]

        def delta(source: str, sign: str = "") -> str:
            return f"SELECT {self.pg_row('d', sign)} FROM {source} AS d WHERE d.deleted_at IS NULL"

        head = f"INSERT INTO {self.table} ({self.key}, {self.values}) SELECT {self.key}, {self.sums}"
        return [
            f"""
            CREATE OR REPLACE FUNCTION {insert}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {head} FROM ({delta("new_rows")}) AS delta GROUP BY {self.key};
                RETURN NULL;
            END $$
            """,
            f"""
            CREATE OR REPLACE FUNCTION {delete}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {head} FROM ({delta("old_rows", "-")}) AS delta GROUP BY {self.key};
                RETURN NULL;
            END $$
            """,
            # An update that changes nothing counted nets to zero for every key and inserts nothing.
            f"""
            CREATE OR REPLACE FUNCTION {update}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {head} FROM ({delta("new_rows")} UNION ALL {delta("old_rows", "-")}) AS delta
                GROUP BY {self.key} HAVING {self.nonzero};
                RETURN NULL;
            END $$
            """,
            *(f"DROP TRIGGER IF EXISTS {name} ON {self.source}" for name in self.triggers),
            f"""
            CREATE TRIGGER {insert} AFTER INSERT ON {self.source} REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION {insert}()
            """,
            f"""
            CREATE TRIGGER {delete} AFTER DELETE ON {self.source} REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION {delete}()
            """,
            f"""
            CREATE TRIGGER {update} AFTER UPDATE ON {self.source}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION {update}()
            """,
        ]

    def sqlite_install(self) -> list[str]:
        insert, delete, update = self.triggers[:3]
        head = f"INSERT INTO {self.table} ({self.key}, {self.values})"
        return [
            *(f"DROP TRIGGER IF EXISTS {name}" for name in self.triggers),
            f"""
            CREATE TRIGGER {insert} AFTER INSERT ON {self.source} WHEN NEW.deleted_at IS NULL BEGIN
                {head} SELECT {self.sqlite_row("NEW", "")};
            END
            """,
            f"""
            CREATE TRIGGER {delete} AFTER DELETE ON {self.source} WHEN OLD.deleted_at IS NULL BEGIN
                {head} SELECT {self.sqlite_row("OLD", "-")};
            END
            """,
            f"""
            CREATE TRIGGER {update} AFTER UPDATE OF {self.counted} ON {self.source} BEGIN
                {head} SELECT {self.sqlite_row("OLD", "-")} WHERE OLD.deleted_at IS NULL;
                {head} SELECT {self.sqlite_row("NEW", "")} WHERE NEW.deleted_at IS NULL;
            END
            """,
        ]

    def uninstall_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                *(f"DROP TRIGGER IF EXISTS {name} ON {self.source}" for name in self.triggers),
                *(f"DROP FUNCTION IF EXISTS {name}()" for name in self.triggers),
            ]
        return [f"DROP TRIGGER IF EXISTS {name}" for name in self.triggers]

    # --- Upkeep ------------------------------------------------------------------------------------

    def install(self, conn: BaseDatabaseWrapper, *, fill: bool = True) -> None:
        """Create (or replace) the triggers, then fill the table from the live rows. Triggers come
        first: on PostgreSQL creating them locks the source against writes until the transaction ends."""
        if conn.vendor == "postgresql":
            statements = self.pg_install()
        elif conn.vendor == "sqlite":
            statements = self.sqlite_install()
        else:  # settings refuse other databases; a migration must not half-apply on one
            raise RuntimeError(f"Tandem runs on PostgreSQL or SQLite, not {conn.vendor}")
        if fill:
            statements += [f"DELETE FROM {self.table}", self.fill(conn.vendor)]
        _execute_all(conn, statements)

    def uninstall(self, conn: BaseDatabaseWrapper) -> None:
        _execute_all(conn, self.uninstall_sql(conn.vendor))
        _CURRENT.discard(self.name)

    def installed_triggers(self, conn: BaseDatabaseWrapper | None = None) -> set[str]:
        """The triggers in place that count as this code and time zone would (a trigger written
        for another time zone does not)."""
        conn = conn or connection
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(
                    "SELECT t.tgname, pg_get_functiondef(t.tgfoid) FROM pg_trigger t "
                    "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal",
                    [self.source],
                )
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                    [self.source],
                )
            rows = cursor.fetchall()
        marker = _zone_marker() if self.zone_bound else ""
        return {name for name, sql in rows if name in self.triggers and marker in (sql or "")}

    def ensure_triggers(self, conn: BaseDatabaseWrapper | None = None) -> bool:
        """Reinstall the triggers and refill the table when one is missing or was written for
        another time zone (SQLite drops a table's triggers when a migration rebuilds it); True
        when it did. Runs after every ``migrate``."""
        conn = conn or connection
        if self.installed_triggers(conn) == set(self.triggers):
            return False
        with transaction.atomic(using=conn.alias):
            self.install(conn)
        _CURRENT.discard(self.name)
        return True

    def is_current(self) -> bool:
        """Whether the table counts as the records would now (its triggers are in place for this
        time zone). Remembered once true: the zone only changes with a restart."""
        if self.name in _CURRENT:
            return True
        if self.installed_triggers() == set(self.triggers):
            _CURRENT.add(self.name)
            return True
        return False

    @transaction.atomic
    def compact(self) -> int:
        """Fold the deltas into one row per key; returns the number of rows left. Idempotent."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                fold = self.folding_key("COALESCE")
                cursor.execute(
                    f"""
                    WITH folded AS (
                        DELETE FROM {self.table} WHERE ({fold}) IN (
                            SELECT {fold} FROM {self.table} GROUP BY {fold}
                            HAVING COUNT(*) > 1 OR ({self.zero})
                        )
                        RETURNING {self.key}, {self.values}
                    )
                    INSERT INTO {self.table} ({self.key}, {self.values})
                    SELECT {self.key}, {self.sums} FROM folded GROUP BY {self.key} HAVING {self.nonzero}
                    """
                )
            else:  # one writer at a time: two statements over the rows up to a fixed id see the same rows
                cursor.execute(f"SELECT MAX(id) FROM {self.table}")
                last = cursor.fetchone()[0]
                if last is not None:
                    fold = self.folding_key("IFNULL")
                    cursor.execute(
                        f"INSERT INTO {self.table} ({self.key}, {self.values}) "
                        f"SELECT {self.key}, {self.sums} FROM {self.table} WHERE id <= %s GROUP BY {self.key} "
                        f"HAVING COUNT(*) > 1 AND ({self.nonzero})",
                        [last],
                    )
                    cursor.execute(
                        f"DELETE FROM {self.table} WHERE id <= %s AND ({fold}) IN ("
                        f"SELECT {fold} FROM {self.table} WHERE id <= %s GROUP BY {fold} "
                        f"HAVING COUNT(*) > 1 OR ({self.zero}))",
                        [last, last],
                    )
            cursor.execute(f"SELECT COUNT(*) FROM {self.table}")
            return int(cursor.fetchone()[0])

    @transaction.atomic
    def rebuild(self) -> None:
        """Refill the table from the records (after a restore that skipped triggers, say)."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # hold writers off while the sums run
                cursor.execute(f"LOCK TABLE {self.source} IN SHARE MODE")
            cursor.execute(f"DELETE FROM {self.table}")
            cursor.execute(self.fill(connection.vendor))

    def differences(self) -> list[tuple[tuple[Any, ...], tuple[Any, ...] | None, tuple[Any, ...] | None]]:
        """Keys whose pre-aggregated values differ from the live records: (key, from the table,
        from the records). Empty when all is well."""
        table = self._sums(f"SELECT {self.key}, {self.sums} FROM {self.table} GROUP BY {self.key}")
        live = self._sums(
            f"SELECT {self.key}, {self.sums} FROM ({self.live(connection.vendor)}) AS live GROUP BY {self.key}"
        )
        return [
            (key, table.get(key), live.get(key))
            for key in sorted(set(table) | set(live), key=repr)
            if table.get(key) != live.get(key)
        ]

    def _sums(self, sql: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
        width = len(self.key_columns)
        found = {}
        with connection.cursor() as cursor:
            cursor.execute(sql)
            for row in cursor.fetchall():
                values = tuple(Decimal(str(v or 0)).quantize(Decimal("0.01")) for v in row[width:])
                if any(values):
                    found[tuple(str(v) if v is not None else None for v in row[:width])] = values
        return found


_CURRENT: set[str] = set()


def _execute_all(conn: BaseDatabaseWrapper, statements: list[str]) -> None:
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _zone_literal() -> str:
    """The company's time zone as an SQL string literal (settings refuse an unknown zone)."""
    return "'" + str(settings.TIME_ZONE).replace("'", "''") + "'"


def _zone_marker() -> str:
    """A comment in a trigger's SQL naming the zone it was written for (time zone names hold
    letters, digits, _ + - and /, never the end of a comment)."""
    return f"/* time zone {settings.TIME_ZONE} */"


# --- Deals ------------------------------------------------------------------------------------------


def _deal_row(month: Callable[[str], str], days: Callable[[str, str], str]) -> Row:
    def row(a: str, sign: str) -> str:
        return (
            f"{a}.owner_id AS owner_id, {a}.team_id AS team_id, {a}.pipeline_id AS pipeline_id, "
            f"{a}.stage_id AS stage_id, {a}.status AS status, {a}.currency AS currency, "
            f"{month(f'{a}.opened_on')} AS opened_month, {month(f'{a}.closed_on')} AS closed_month, "
            f"{sign}1 AS deals, {sign}COALESCE({a}.amount, 0) AS amount, "
            f"{sign}(CASE WHEN {a}.amount IS NULL THEN 0 ELSE 1 END) AS amount_known, "
            f"{sign}COALESCE({days(f'{a}.closed_on', f'{a}.opened_on')}, 0) AS days, "
            f"{sign}(CASE WHEN {a}.closed_on IS NULL OR {a}.opened_on IS NULL THEN 0 ELSE 1 END) AS days_known"
        )

    return row


DEALS = Summary(
    name="deal_month",
    table="kpis_dealmonthtotal",
    source="deals_deal",
    key_columns=(
        "owner_id",
        "team_id",
        "pipeline_id",
        "stage_id",
        "status",
        "currency",
        "opened_month",
        "closed_month",
    ),
    value_columns=("deals", "amount", "amount_known", "days", "days_known"),
    counted="owner_id, team_id, pipeline_id, stage_id, status, currency, amount, opened_on, closed_on, deleted_at",
    pg_row=_deal_row(lambda d: f"date_trunc('month', {d})::date", lambda end, start: f"({end} - {start})"),
    sqlite_row=_deal_row(
        lambda d: f"date({d}, 'start of month')",
        lambda end, start: f"CAST(julianday({end}) - julianday({start}) AS INTEGER)",
    ),
    nullable_keys={"team_id": "0", "opened_month": NO_DAY, "closed_month": NO_DAY},
)


# --- Follow-ups -------------------------------------------------------------------------------------


def _activity_row(month: Callable[[str], str]) -> Row:
    def row(a: str, sign: str) -> str:
        return (
            f"{a}.author_id AS author_id, {a}.team_id AS team_id, {a}.kind AS kind, "
            f"{month(f'{a}.occurred_at')} {_zone_marker()} AS month, {sign}1 AS activities"
        )

    return row


FOLLOW_UPS = Summary(
    name="activity_month",
    table="kpis_activitymonthtotal",
    source="activities_activity",
    key_columns=("author_id", "team_id", "kind", "month"),
    value_columns=("activities",),
    counted="author_id, team_id, kind, occurred_at, deleted_at",
    pg_row=_activity_row(lambda at: f"date_trunc('month', {at} AT TIME ZONE {_zone_literal()})::date"),
    sqlite_row=_activity_row(
        lambda at: f"date(django_datetime_trunc('month', {at}, {_zone_literal()}, 'UTC'))"
    ),
    nullable_keys={"team_id": "0", "month": NO_DAY},
    zone_bound=True,
)

# --- The funnel: which stages the deals opened in a month reached -----------------------------------


class FunnelSummary(Summary):
    """``FunnelTotal``: per (owner, team, pipeline, stage, month opened), how many live deals
    entered the stage at least once. Kept by triggers on the stage history (a deal's first stay
    in a stage adds it, its last stay removed takes it away) and on the deals (a deal re-owned,
    re-teamed, moved to another pipeline, re-dated, deleted or restored moves its stages along)."""

    HISTORY = "deals_dealstagehistory"

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(
            f"kpis_funnel_{name}" for name in ("stay_insert", "stay_delete", "stay_update", "deal_update")
        )

    @staticmethod
    def _key(vendor: str, deal: str, stage: str) -> str:
        month = (
            f"date_trunc('month', {deal}.opened_on)::date"
            if vendor == "postgresql"
            else f"date({deal}.opened_on, 'start of month')"
        )
        return (
            f"{deal}.owner_id AS owner_id, {deal}.team_id AS team_id, {deal}.pipeline_id AS pipeline_id, "
            f"{stage} AS stage_id, {month} AS opened_month"
        )

    def live(self, vendor: str) -> str:
        return (
            f"SELECT {self._key(vendor, 'd', 'p.stage_id')}, 1 AS deals FROM deals_deal AS d "
            f"JOIN (SELECT DISTINCT deal_id, stage_id FROM {self.HISTORY}) AS p ON p.deal_id = d.id "
            "WHERE d.deleted_at IS NULL"
        )

    def _pg_pairs_delta(self, pairs: str, before: str) -> str:
        """+1 / -1 per (deal, stage) pair whose presence in the history changed: present now
        (in the table) against present before (``before``: an SQL condition on ``p``)."""
        head = f"INSERT INTO {self.table} ({self.key}, {self.values})"
        now = (
            f"EXISTS (SELECT 1 FROM {self.HISTORY} h WHERE h.deal_id = p.deal_id AND h.stage_id = p.stage_id)"
        )
        return (
            f"{head} SELECT {self.key}, SUM(deals) FROM ("
            f"SELECT {self._key('postgresql', 'd', 'p.stage_id')}, "
            f"(CASE WHEN {now} THEN 1 ELSE 0 END) - (CASE WHEN {before} THEN 1 ELSE 0 END) AS deals "
            f"FROM ({pairs}) AS p JOIN deals_deal AS d ON d.id = p.deal_id WHERE d.deleted_at IS NULL"
            f") AS delta GROUP BY {self.key} HAVING SUM(deals) <> 0;"
        )

    def pg_install(self) -> list[str]:
        stay_insert, stay_delete, stay_update, deal_update = self.triggers
        # Whether a (deal, stage) pair was in the history before the statement, decided from
        # counts: the pairs carry how many of their stays the statement added and removed, and
        # the history's rows of that pair are counted by its deal index. (A correlated
        # ``NOT IN (SELECT id FROM new_rows)`` rescanned the transition table for every pair: a
        # 3.5-million-row COPY of the history ran for over an hour.)
        in_history = (
            f"(SELECT COUNT(*) FROM {self.HISTORY} h WHERE h.deal_id = p.deal_id AND h.stage_id = p.stage_id)"
        )
        counted_pairs = (
            "SELECT deal_id, stage_id, SUM(added) AS added, SUM(removed) AS removed FROM ({rows}) AS r "
            "GROUP BY deal_id, stage_id"
        )
        moved = (
            "(o.owner_id, o.team_id, o.pipeline_id, o.opened_on, o.deleted_at) IS DISTINCT FROM "
            "(n.owner_id, n.team_id, n.pipeline_id, n.opened_on, n.deleted_at)"
        )
        deal_head = f"INSERT INTO {self.table} ({self.key}, {self.values})"
        functions = {
            # Present before: some stay of the pair that this INSERT did not add.
            stay_insert: self._pg_pairs_delta(
                counted_pairs.format(rows="SELECT deal_id, stage_id, 1 AS added, 0 AS removed FROM new_rows"),
                f"{in_history} > p.added",
            ),
            # Every pair here had the stays this DELETE removed.
            stay_delete: self._pg_pairs_delta("SELECT DISTINCT deal_id, stage_id FROM old_rows", "TRUE"),
            # Present before: a stay of the pair that the UPDATE moved away, or one it left alone.
            stay_update: self._pg_pairs_delta(
                counted_pairs.format(
                    rows="SELECT deal_id, stage_id, 0 AS added, 1 AS removed FROM old_rows "
                    "UNION ALL SELECT deal_id, stage_id, 1, 0 FROM new_rows"
                ),
                f"(p.removed > 0 OR {in_history} > p.added)",
            ),
            # A deal's own key changed: its stages leave the old key and join the new one. Only the
            # moved deals' stays are read (by the history's deal index), never the whole history.
            deal_update: (
                f"{deal_head} SELECT {self.key}, SUM(deals) FROM ("
                "WITH moved AS (SELECT o.id FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id "
                f"WHERE {moved}), "
                f"stays AS (SELECT DISTINCT h.deal_id, h.stage_id FROM {self.HISTORY} AS h "
                "WHERE h.deal_id IN (SELECT id FROM moved)) "
                f"SELECT {self._key('postgresql', 'o', 'p.stage_id')}, -1 AS deals FROM stays AS p "
                "JOIN old_rows AS o ON o.id = p.deal_id WHERE o.deleted_at IS NULL "
                "UNION ALL "
                f"SELECT {self._key('postgresql', 'n', 'p.stage_id')}, 1 FROM stays AS p "
                "JOIN new_rows AS n ON n.id = p.deal_id WHERE n.deleted_at IS NULL"
                f") AS delta GROUP BY {self.key} HAVING SUM(deals) <> 0;"
            ),
        }
        statements = [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body} RETURN NULL; END $$"
            for name, body in functions.items()
        ]
        statements += self.uninstall_triggers_pg()
        statements += [
            f"CREATE TRIGGER {stay_insert} AFTER INSERT ON {self.HISTORY} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {stay_insert}()",
            f"CREATE TRIGGER {stay_delete} AFTER DELETE ON {self.HISTORY} REFERENCING OLD TABLE AS old_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {stay_delete}()",
            f"CREATE TRIGGER {stay_update} AFTER UPDATE ON {self.HISTORY} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {stay_update}()",
            f"CREATE TRIGGER {deal_update} AFTER UPDATE ON deals_deal "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {deal_update}()",
        ]
        return statements

    def uninstall_triggers_pg(self) -> list[str]:
        stay_insert, stay_delete, stay_update, deal_update = self.triggers
        return [
            *(
                f"DROP TRIGGER IF EXISTS {name} ON {self.HISTORY}"
                for name in (stay_insert, stay_delete, stay_update)
            ),
            f"DROP TRIGGER IF EXISTS {deal_update} ON deals_deal",
        ]

    def sqlite_install(self) -> list[str]:
        stay_insert, stay_delete, stay_update, deal_update = self.triggers
        head = f"INSERT INTO {self.table} ({self.key}, {self.values})"

        def add(row: str, sign: str, others: str) -> str:
            """A stay of ``row`` (NEW or OLD) arriving (+) or leaving (-): counted when no other stay
            of the deal in that stage exists (``others``: how to exclude the row itself)."""
            return (
                f"{head} SELECT {self._key('sqlite', 'd', f'{row}.stage_id')}, {sign}1 FROM deals_deal AS d "
                f"WHERE d.id = {row}.deal_id AND d.deleted_at IS NULL AND NOT EXISTS ("
                f"SELECT 1 FROM {self.HISTORY} h WHERE h.deal_id = {row}.deal_id AND h.stage_id = {row}.stage_id{others});"
            )

        stages = f"(SELECT DISTINCT stage_id FROM {self.HISTORY} WHERE deal_id = NEW.id)"
        return [
            *(f"DROP TRIGGER IF EXISTS {name}" for name in self.triggers),
            f"CREATE TRIGGER {stay_insert} AFTER INSERT ON {self.HISTORY} BEGIN "
            f"{add('NEW', '', ' AND h.id <> NEW.id')} END",
            f"CREATE TRIGGER {stay_delete} AFTER DELETE ON {self.HISTORY} BEGIN {add('OLD', '-', '')} END",
            f"CREATE TRIGGER {stay_update} AFTER UPDATE OF deal_id, stage_id ON {self.HISTORY} "
            "WHEN OLD.deal_id IS NOT NEW.deal_id OR OLD.stage_id IS NOT NEW.stage_id BEGIN "
            f"{add('OLD', '-', '')} {add('NEW', '', ' AND h.id <> NEW.id')} END",
            f"CREATE TRIGGER {deal_update} AFTER UPDATE OF owner_id, team_id, pipeline_id, opened_on, deleted_at "
            f"ON deals_deal BEGIN "
            f"{head} SELECT {self._key('sqlite', 'OLD', 's.stage_id')}, -1 FROM {stages} AS s "
            "WHERE OLD.deleted_at IS NULL; "
            f"{head} SELECT {self._key('sqlite', 'NEW', 's.stage_id')}, 1 FROM {stages} AS s "
            "WHERE NEW.deleted_at IS NULL; END",
        ]

    def uninstall_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                *self.uninstall_triggers_pg(),
                *(f"DROP FUNCTION IF EXISTS {name}()" for name in self.triggers),
            ]
        return [f"DROP TRIGGER IF EXISTS {name}" for name in self.triggers]

    def installed_triggers(self, conn: BaseDatabaseWrapper | None = None) -> set[str]:
        conn = conn or connection
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid IN (%s::regclass, 'deals_deal'::regclass) "
                    "AND NOT tgisinternal",
                    [self.HISTORY],
                )
            else:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, 'deals_deal')",
                    [self.HISTORY],
                )
            return {row[0] for row in cursor.fetchall()} & set(self.triggers)


FUNNEL = FunnelSummary(
    name="funnel",
    table="kpis_funneltotal",
    source="deals_deal",
    key_columns=("owner_id", "team_id", "pipeline_id", "stage_id", "opened_month"),
    value_columns=("deals",),
    counted="",
    pg_row=lambda a, s: "",
    sqlite_row=lambda a, s: "",
    nullable_keys={"team_id": "0", "opened_month": NO_DAY},
)

SUMMARIES = (DEALS, FOLLOW_UPS, FUNNEL)


def ensure_triggers(conn: BaseDatabaseWrapper | None = None) -> list[str]:
    """Put every summary's triggers back where they are missing or stale; the names refilled."""
    return [s.name for s in SUMMARIES if s.ensure_triggers(conn)]


def compact() -> int:
    """Fold every summary's deltas; the rows left in all."""
    return sum(s.compact() for s in SUMMARIES)
