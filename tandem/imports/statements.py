"""PostgreSQL: a batch of new accounts written by one statement, sent without waiting for it.

An import checks rows in Python and writes them in PostgreSQL. On two cores the two can overlap,
but not through a second Python thread: every time a writer thread's database call returned it
had to win the interpreter lock back from the checking thread, and the writes took two to three
times as long as on their own (docs/decisions/0008). Instead, each batch's writes — the accounts,
their duplicate keys, their history entries, the batch's row results and the job's progress —
are one ``INSERT … SELECT`` statement with common table expressions, reading its rows from JSON
parameters, and a ``Sender`` hands that statement to a connection of its own and returns at once.
The server runs it while Python checks the next batch; the sender collects the outcome before it
sends the next one. One statement runs as one transaction (the connection is in autocommit), so a
batch is in completely or not at all.
"""

from __future__ import annotations

import datetime
import functools
import select
from collections.abc import Sequence
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from .runs import RunLost

# Field types read from a JSON element as text and cast; anything not listed is text.
_CASTS = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "BigIntegerField": "bigint",
    "BooleanField": "boolean",
    "DateField": "date",
    "DateTimeField": "timestamptz",
    "DecimalField": "numeric",
    "FloatField": "double precision",
    "IntegerField": "integer",
    "PositiveBigIntegerField": "bigint",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "smallint",
    "SmallIntegerField": "smallint",
    "TimeField": "time",
}


class WriteFailed(Exception):
    """The database refused a batch sent earlier; nothing of that batch was written."""


def dumps(rows: Sequence[Any]) -> bytes:
    """JSON (UTF-8) of rows of values; orjson: an import's batches are megabytes of it, and the
    standard library's encoder spent ten times as long on them. Dates and times go as ISO 8601
    (orjson's own), anything else it lacks (decimals) as text, exact: PostgreSQL casts them back."""
    return orjson.dumps(rows, default=str)


def _read(field: Any, array: str, index: int) -> str:
    """How to read ``field`` from position ``index`` of the JSON array ``array``: cast from text,
    except text itself (the column's own length check applies) and JSON (taken as it stands)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return f"{array}->{index}"
    if isinstance(field, models.ForeignKey):
        kind = field.target_field.get_internal_type()
    cast = _CASTS.get(kind)
    return f"({array}->>{index})::{cast}" if cast else f"{array}->>{index}"


# The columns every new account's row starts with, in this order (``Importer.account_statement``).
ACCOUNT_ROW_START = ("id", "name_key", "search_text", "owner_id", "team_id", "owned_since", "lifecycle")


@functools.cache
def account_batch_sql(extra: tuple[str, ...], *, with_results: bool) -> str:
    """The statement ``Importer.account_statement`` fills.

    Parameters, in order: ``with_results``, first the job's progress after this batch, the job,
    its run token and its progress before this batch; then the rows (JSON arrays:
    ``ACCOUNT_ROW_START``, then the ``extra`` columns), every column's default (a JSON array by
    concrete field, for the columns the rows leave out); the history entries' content type,
    action, actor, time and message; the duplicate keys ([id, kind, value, bucket]); then,
    ``with_results``, the job and its row results ([row, status, record id, messages, cells]);
    last, the accounts table and how many more ids to reserve from its sequence (the statement's
    answer: them, comma-separated; ``with_results``, and whether the batch was written).

    ``with_results``, the batch is written only if it moves the job's progress on from the
    value this run committed last, for this run (``runs.commit_progress``): a batch of a run
    that lost its job, or one sent twice, writes nothing and answers false.
    """
    from tandem.core.models import HistoryEntry
    from tandem.customers.models import Account, DuplicateKey

    from .models import ImportJob, ImportRowResult, ImportStatus

    quote = connection.ops.quote_name
    in_row = {attname: i for i, attname in enumerate((*ACCOUNT_ROW_START, *extra))}
    columns, reads = [], []
    for index, field in enumerate(Account._meta.concrete_fields):
        columns.append(quote(str(field.column)))
        at = in_row.get(field.attname)
        reads.append(_read(field, "e", at) if at is not None else _read(field, "c.d", index))
    at_id, at_name = in_row["id"], in_row["name"]
    accounts, history = quote(Account._meta.db_table), quote(HistoryEntry._meta.db_table)
    keys, results = quote(DuplicateKey._meta.db_table), quote(ImportRowResult._meta.db_table)
    job = quote(ImportJob._meta.db_table)
    running = ", ".join(f"'{status}'" for status in (ImportStatus.VALIDATING, ImportStatus.IMPORTING))
    guard = " WHERE EXISTS (SELECT 1 FROM progress)" if with_results else ""
    sql = [
        (
            f"WITH progress AS (UPDATE {job} SET progress = %s, heartbeat_at = now()"
            f" WHERE id = %s AND run_token IS NOT DISTINCT FROM %s::uuid AND progress = %s AND status IN ({running})"
            " RETURNING 1), src"
            if with_results
            else "WITH src"
        )
        + f" AS MATERIALIZED (SELECT e FROM jsonb_array_elements(%s::jsonb) AS t(e){guard})",
        f", acc AS (INSERT INTO {accounts} ({', '.join(columns)})"
        f" SELECT {', '.join(reads)} FROM src CROSS JOIN (SELECT %s::jsonb AS d) AS c)",
        f", hist AS (INSERT INTO {history}"
        " (content_type_id, object_id, object_repr, action, actor_id, at, changes, message)"
        f" SELECT %s, (e->>{at_id})::bigint, left(e->>{at_name}, 300), %s, %s, %s::timestamptz,"
        " '{}'::jsonb, %s FROM src)",
        f", keys AS (INSERT INTO {keys} (record_type, record_id, kind, value, bucket)"
        " SELECT 'account', (k->>0)::bigint, k->>1, k->>2, k->>3 FROM jsonb_array_elements(%s::jsonb) AS t(k)"
        f"{guard})",
    ]
    if with_results:
        sql.append(
            f', results AS (INSERT INTO {results} (job_id, row_number, status, record_id, messages, "values")'
            " SELECT %s, (r->>0)::integer, r->>1, (r->>2)::bigint, r->3, r->4"
            f" FROM jsonb_array_elements(%s::jsonb) AS t(r){guard})"
        )
    # What the statement answers: more ids for the batches to come (``Importer.account_ids``), so
    # reserving them costs the checking side no round trip of its own; and whether it wrote.
    sql.append(
        " SELECT array_to_string(ARRAY(SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
        " FROM generate_series(1, %s)), ',')" + (", EXISTS (SELECT 1 FROM progress)" if with_results else "")
    )
    return "".join(sql)


def dollar_params(sql: str) -> bytes:
    """``%s`` placeholders (as Django's cursor takes them) as ``$1``, ``$2``… (as libpq does)."""
    parts = sql.split("%s")
    out = [parts[0]]
    for number, part in enumerate(parts[1:], start=1):
        out.append(f"${number}")
        out.append(part)
    return "".join(out).encode()


def text_param(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat().encode()
    return str(value).encode()


class Sender:
    """Sends one statement at a time on a connection of its own and returns without waiting.

    ``send`` first collects the outcome of the statement before it (raising ``WriteFailed`` if the
    server refused it), so at most one batch is in flight. Each statement is its own transaction.
    """

    def __init__(self) -> None:
        self.wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        self.wrapper.ensure_connection()
        raw: Any = self.wrapper.connection
        raw.autocommit = True
        self.pgconn: Any = raw.pgconn
        self.pending = False

    def send(self, sql: str, params: Sequence[Any]) -> str | None:
        """Send ``sql``; returns what the statement before it answered (see ``collect``)."""
        answer = self.collect()
        self.pgconn.send_query_params(dollar_params(sql), [text_param(p) for p in params])
        self.pending = True
        return answer

    def collect(self) -> str | None:
        """Wait for the statement in flight, if any, and return the first value it answered (text);
        raise ``WriteFailed`` if it failed."""
        if not self.pending:
            return None
        self.pending = False
        error, answer, refused = self._results()
        if error:
            raise WriteFailed(error)
        if refused:
            raise RunLost("the job is no longer this run's: the batch was not written")
        return answer

    def finish(self) -> str | None:
        """Collect the last statement (raising ``WriteFailed`` if it failed); close the connection."""
        try:
            return self.collect()
        finally:
            self.close()

    def abandon(self) -> None:
        """Stop after an error elsewhere: wait for the statement in flight (it commits or fails on
        its own), then close the connection."""
        try:
            self.collect()
        except (WriteFailed, RunLost):
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.wrapper.close()

    def _results(self) -> tuple[str, str | None, bool]:
        from psycopg import pq

        pgconn = self.pgconn
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            select.select([pgconn.socket], [], [], 1.0)
        error = ""
        answer: str | None = None
        refused = False
        ok = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.EMPTY_QUERY)
        while True:
            result = pgconn.get_result()
            if result is None:
                break
            if result.status not in ok and not error:
                error = (result.error_message or b"").decode(errors="replace").strip()
            elif result.status == pq.ExecStatus.TUPLES_OK and result.ntuples and answer is None:
                value = result.get_value(0, 0)
                answer = value.decode() if value is not None else None
                if result.nfields > 1:  # a batch with its results: was it written?
                    refused = result.get_value(0, 1) == b"f"
        return error, answer, refused
