"""Filling ``search_text`` in bulk, and its PostgreSQL indexes (the migrations and
``tandem search-index``; docs/decisions/0025).

The back-fill walks a table by primary key in batches, so it works on a million rows with constant
memory; on PostgreSQL each batch is one ``UPDATE ... FROM unnest(...)`` statement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper

from .text import SEARCH_FIELDS, search_text_of_values

BATCH = 5000

# One- and two-character pieces of the search text (white space left out), for terms that are too
# short for trigrams. IMMUTABLE so an index may be built on it; a pure function of its argument.
#
# PostgreSQL evaluates it for every row written to an indexed table (an import: 2,000 rows a
# statement), so it is written for speed: the text's characters less its white space, and the
# character pairs inside each of its words — the same pieces as the first version's every
# character and pair less those holding white space (``PREVIOUS_GRAMS_FUNCTION``), in 40% of
# its time. They are sorted by code point (COLLATE "C", cheaper to compare than the database's
# collation and the same order in our C.UTF-8 databases); the GIN index and the statistics on
# the expression read them as a set, so both stay right across the change.
GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION tandem_search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g COLLATE "C"), '{}'::text[]) FROM (
    SELECT unnest(string_to_array(regexp_replace(t, '\s', '', 'g'), NULL)) AS g
    UNION ALL
    SELECT substr(w, i, 2) FROM regexp_split_to_table(t, '\s+') AS w, generate_series(1, char_length(w) - 1) AS i
  ) AS pieces
$$
"""

# The first version (customers 0006, leads 0006, deals 0011): what customers 0011 reverts to.
PREVIOUS_GRAMS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION tandem_search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}'::text[]) FROM (
    SELECT substr(t, i, 1) AS g FROM generate_series(1, char_length(t)) AS i
    UNION ALL
    SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i
  ) AS pieces WHERE g !~ '\s'
$$
"""

# Per table: the indexes' name prefix, and its phone columns (phone fragments are matched with
# LIKE '%digits%' too, so each gets a trigram index).
INDEX_PREFIX = {
    "customers_account": "account",
    "customers_contact": "contact",
    "leads_lead": "lead",
    "deals_deal": "deal",
}
PHONE_COLUMNS = {
    "customers_account": ("phone",),
    "customers_contact": ("mobile", "phone"),
    "leads_lead": ("mobile", "phone"),
    "deals_deal": (),
}


def create_indexes(connection: BaseDatabaseWrapper, table: str) -> None:
    """The trigram index (terms of three characters or more) and the grams index (one or two) on
    the live rows' search text, and a trigram index per phone column. PostgreSQL only; SQLite
    matches with LIKE and scans."""
    if connection.vendor != "postgresql":
        return
    prefix = INDEX_PREFIX[table]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s), to_regclass(%s)", [f"{prefix}_search_trgm", f"{prefix}_search_grams"]
        )
        if all(cursor.fetchone() or ()):
            return  # both there already (a second run)
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(GRAMS_FUNCTION)
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {prefix}_search_trgm ON {table} "
            "USING gin (search_text gin_trgm_ops) WHERE deleted_at IS NULL"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {prefix}_search_grams ON {table} "
            "USING gin (tandem_search_grams(search_text)) WHERE deleted_at IS NULL"
        )
        for column in PHONE_COLUMNS[table]:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {prefix}_{column}_trgm ON {table} "
                f"USING gin ({column} gin_trgm_ops) WHERE deleted_at IS NULL"
            )
        cursor.execute(f"ANALYZE {table}")


def drop_indexes(connection: BaseDatabaseWrapper, table: str) -> None:
    if connection.vendor != "postgresql":
        return
    prefix = INDEX_PREFIX[table]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {prefix}_search_trgm")
        cursor.execute(f"DROP INDEX IF EXISTS {prefix}_search_grams")
        for column in PHONE_COLUMNS[table]:
            cursor.execute(f"DROP INDEX IF EXISTS {prefix}_{column}_trgm")


def backfill(
    model: Any,
    label: str,
    *,
    connection: BaseDatabaseWrapper | None = None,
    only_stale: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute ``search_text`` for every row of ``model`` (all rows, deleted ones too), in batches
    by primary key. ``model`` may be a migration's historical model. Returns the rows written;
    ``only_stale`` writes only rows whose text differs (what ``--check`` counts)."""
    connection = connection or default_connection
    fields = SEARCH_FIELDS[label]
    table = model._meta.db_table
    manager = model._base_manager
    last = 0
    written = 0
    while True:
        rows = list(
            manager.filter(pk__gt=last).order_by("pk").values_list("pk", "search_text", *fields)[:BATCH]
        )
        if not rows:
            return written
        last = rows[-1][0]
        pairs = [(row[0], search_text_of_values(row[2:])) for row in rows]
        if only_stale:
            stored = {row[0]: row[1] for row in rows}
            pairs = [(pk, text) for pk, text in pairs if stored[pk] != text]
        if pairs:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} AS t SET search_text = v.s "  # noqa: S608 (a model's table)
                        "FROM unnest(%s::bigint[], %s::text[]) AS v(id, s) WHERE t.id = v.id",
                        [[pk for pk, _t in pairs], [text for _pk, text in pairs]],
                    )
            else:
                manager.bulk_update(
                    [model(pk=pk, search_text=text) for pk, text in pairs], ["search_text"], batch_size=500
                )
            written += len(pairs)
        if progress is not None:
            progress(last)


def stale(model: Any, label: str) -> int:
    """How many rows' ``search_text`` is not what their fields give (nothing is written)."""
    fields = SEARCH_FIELDS[label]
    manager = model._base_manager
    last = 0
    count = 0
    while True:
        rows = list(
            manager.filter(pk__gt=last).order_by("pk").values_list("pk", "search_text", *fields)[:BATCH]
        )
        if not rows:
            return count
        last = rows[-1][0]
        count += sum(1 for row in rows if row[1] != search_text_of_values(row[2:]))


def create_statistics(connection: BaseDatabaseWrapper, table: str) -> None:
    """Statistics of the grams each live row's search text has, for the planner (PostgreSQL).

    The grams index is partial (live rows), and PostgreSQL ignores a partial index's statistics
    when it estimates: it took "1" or 商机 for rare and read 470,000 of a million deals through the
    index, then sorted them (293 ms), where walking the newest deals finds fifty matches at once
    (9 ms). Statistics on the expression itself tell it how common each gram is."""
    if connection.vendor != "postgresql":
        return
    prefix = INDEX_PREFIX[table]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {prefix}_search_grams_stats "
            f"ON (tandem_search_grams(search_text)) FROM {table}"
        )
        cursor.execute(f"ANALYZE {table}")


def drop_statistics(connection: BaseDatabaseWrapper, table: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP STATISTICS IF EXISTS {INDEX_PREFIX[table]}_search_grams_stats")


def statistics_operations(table: str) -> tuple[Callable[..., None], Callable[..., None]]:
    """``RunPython`` forward and backward of ``create_statistics``."""

    def forward(apps: Any, schema_editor: Any) -> None:
        create_statistics(schema_editor.connection, table)

    def backward(apps: Any, schema_editor: Any) -> None:
        drop_statistics(schema_editor.connection, table)

    return forward, backward


def migration_operations(label: str, table: str) -> tuple[Callable[..., None], Callable[..., None]]:
    """``RunPython`` forward (back-fill, then the indexes) and backward (drop the indexes)."""
    app_label, model_name = label.split(".")

    def forward(apps: Any, schema_editor: Any) -> None:
        backfill(apps.get_model(app_label, model_name), label, connection=schema_editor.connection)
        create_indexes(schema_editor.connection, table)

    def backward(apps: Any, schema_editor: Any) -> None:
        drop_indexes(schema_editor.connection, table)

    return forward, backward


def grams_function_operations() -> tuple[Callable[..., None], Callable[..., None]]:
    """``RunPython`` forward (``GRAMS_FUNCTION``) and backward (``PREVIOUS_GRAMS_FUNCTION``).

    Both give every text the same pieces, so the indexes and statistics built on the function stay
    right either way: nothing is rebuilt."""

    def replace(sql: str) -> Callable[..., None]:
        def run(apps: Any, schema_editor: Any) -> None:
            if schema_editor.connection.vendor == "postgresql":
                with schema_editor.connection.cursor() as cursor:
                    cursor.execute(sql)

        return run

    return replace(GRAMS_FUNCTION), replace(PREVIOUS_GRAMS_FUNCTION)
