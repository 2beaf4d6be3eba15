"""The import engine: rows in batches, validated with the services' rules, written in bulk.

One pass over the file, ``BATCH_SIZE`` rows at a time. For each batch:

1. cells are read through the mapping (and the per-import value maps);
2. references are resolved with one query per kind per batch (accounts, contacts, deals, leads,
   external ids), or once per import (people, stages, products, levels);
3. every row is checked with the same rules the services apply (``normalize_name``,
   ``primary_team_id`` logic, ``resolve_owner`` logic; the deal and lead value rules; phones in
   E.164, read in the row's own country), plus duplicate checks against ``DuplicateKey`` (one
   query a batch) and against earlier rows of the same file. Values are the file's own: numbers
   under the job's decimal separator, the job's currency for rows without one, and a blank cell
   stays blank unless a filling rule (``fields.FILL_RULES``, counted in ``Totals.fills``) says
   otherwise (docs/decisions/0012);
4. when writing, records are ``bulk_create``-d / ``bulk_update``-d with their duplicate keys,
   side records (lifecycle transitions, stage history, line items) and history entries; on
   PostgreSQL new accounts go in as one statement a batch (``statements``).

A dry run is the same pass with step 4 left out, so a dry run and the import itself agree row for
row. Queries per batch do not depend on the number of rows in it.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import json
import logging
import queue
import re
import threading
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from rapidfuzz import fuzz, process

from tandem.activities.models import Activity, ActivityKind
from tandem.core import access, history, naming
from tandem.core.access import Actor
from tandem.core.models import HistoryAction, HistoryEntry
from tandem.core.phones import DEFAULT_REGION, normalize_phone
from tandem.customers import dedupe
from tandem.customers.models import (
    Account,
    AccountLevel,
    Contact,
    DuplicateKey,
    DuplicateRule,
    Lifecycle,
    LifecycleTransition,
)
from tandem.customers.normalize import name_prefix, normalize_name
from tandem.customers.serializers import mask_email, mask_phone
from tandem.deals import services as deal_services
from tandem.deals.models import (
    Deal,
    DealLine,
    DealStageHistory,
    DealStatus,
    LostReason,
    Pipeline,
    Product,
    Stage,
    StageKind,
)
from tandem.leads.models import Lead, LeadStatus
from tandem.org.models import Membership, Team, User
from tandem.search import text as search_text

from . import fields as F_
from . import reading, runs, statements, wording
from .models import ImportJob, ImportRowResult, RowStatus
from .people import PEOPLE_RESOURCES, PeopleRows
from .wording import say as _

logger = logging.getLogger(__name__)

# Rows per batch: each batch costs a few queries (duplicate keys, who owns the matches, the write),
# so bigger batches cost fewer round trips; measured on PostgreSQL, 2,000 imported about a fifth
# faster than 1,000 and as fast as 4,000. SQLite builds older than 3.32 take at most 999 query
# parameters, so batches there stay under that (``_batch_size``).
BATCH_SIZE = 2000
SQLITE_BATCH_SIZE = 500
# Write on a second connection while the next batch is checked (see ``_Writer``).
PIPELINE = True
MODELS: dict[str, Any] = {
    "account": Account,
    "contact": Contact,
    "lead": Lead,
    "deal": Deal,
    "product": Product,
    "activity": Activity,
    "team": Team,
    "user": User,
}
DEDUPE_TYPES = {"account", "contact", "lead"}
# Which column a duplicate of each kind is reported on.
DUP_FIELDS = {
    "name": ("name", "company"),
    "fuzzy": ("name", "company"),
    "phone": ("phone", "mobile"),
    "email": ("email", "email_alt"),
    "domain": ("website", "email"),
}


# Kinds whose cell text is the value as it stands (phones are cleaned after, with the services' rule).
_AS_TEXT = frozenset({F_.TEXT, F_.PHONE})
_BLANK_AS_EMPTY = frozenset({F_.TEXT, F_.EMAIL, F_.PHONE})
# An address Django's ``validate_email`` certainly accepts (dot-atom user, LDH labels, letters TLD);
# anything else goes through the validator itself.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.IGNORECASE | re.ASCII,
)


class Plan:
    """One row on its way in: cells by field, parsed values, problems, and what will happen.

    A plain class with slots (one per row, so cheap to make); ``failed`` is kept up to date by
    ``error`` rather than worked out again from the messages each time it is asked.
    """

    __slots__ = (
        "cells",
        "columns",
        "extra",
        "failed",
        "match",
        "messages",
        "number",
        "obj",
        "owner_id",
        "raw",
        "values",
    )

    def __init__(self, number: int, cells: list[str], raw: dict[str, str], columns: dict[str, str]) -> None:
        self.number = number
        self.cells = cells
        self.raw = raw
        self.columns = columns  # shared by every row of the import: read, never written
        self.values: dict[str, Any] = {}
        self.messages: list[dict[str, Any]] = []
        self.match: Any = None  # the existing record an external id (or product code/name) points at
        self.owner_id: int | None = None
        self.extra: dict[str, Any] = {}
        self.obj: Any = None
        self.failed = False

    def error(self, field_name: str | None, message: str | wording.Kept) -> None:
        self.failed = True
        self.messages.append(wording.stored(self.column(field_name), message, "error"))

    def warn(self, field_name: str | None, message: str | wording.Kept) -> None:
        self.messages.append(wording.stored(self.column(field_name), message, "warning"))

    def fill(self, rule: str) -> None:
        """The row got a value by one of the rules the mapping shows (``fields.FILL_RULES``)."""
        self.extra.setdefault("fills", []).append(rule)

    def column(self, field_name: str | None) -> str:
        if field_name is None:
            return ""
        return self.columns.get(field_name, "")

    def given(self, name: str) -> bool:
        return bool(self.raw.get(name, ""))


PROBLEM_SUMMARY_SIZE = 10


@dataclass
class Totals:
    total: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    warnings: int = 0
    # Rows with a problem, by (level, column), and the first message of each as an example.
    problem_rows: Counter[tuple[str, str]] = field(default_factory=Counter)
    problem_examples: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Rows (that go in) given a value by each filling rule.
    fills: Counter[str] = field(default_factory=Counter)

    def count_problems(self, plans: Iterable[Plan]) -> None:
        for plan in plans:
            self.count_row_problems(plan.messages)
            if not plan.failed and "fills" in plan.extra:
                self.fills.update(set(plan.extra["fills"]))

    def fill_summary(self) -> list[dict[str, Any]]:
        """Each filling rule that gave rows a value, and how many rows, in the rules' order."""
        order = list(F_.FILL_RULES)
        return [
            {"rule": rule, "rows": rows}
            for rule, rows in sorted(self.fills.items(), key=lambda kv: order.index(kv[0]))
            if rows
        ]

    def count_row_problems(self, messages: Iterable[dict[str, str]]) -> None:
        """One row's messages: each (level, column) counts once for the row."""
        seen: set[tuple[str, str]] = set()
        for message in messages:
            key = (message["level"], message["column"])
            if key not in seen:
                seen.add(key)
                self.problem_rows[key] += 1
                self.problem_examples.setdefault(key, message)

    def problem_summary(self) -> list[dict[str, Any]]:
        """The most frequent problems, errors first: level, column, rows, an example message."""
        ranked = sorted(self.problem_rows.items(), key=lambda kv: (kv[0][0] != "error", -kv[1], kv[0][1]))
        return [
            {
                "level": level,
                "column": column,
                "rows": rows,
                **_example(self.problem_examples[(level, column)]),
            }
            for (level, column), rows in ranked[:PROBLEM_SUMMARY_SIZE]
        ]


def _example(message: dict[str, Any]) -> dict[str, Any]:
    """A summary's example: the message as written, and kept for other readers when it was."""
    if "said" in message:
        return {"example": message["message"], "example_said": message["said"]}
    return {"example": message["message"]}


class RowResult(NamedTuple):
    """What happened to one row; stored as an ``ImportRowResult`` (by COPY on PostgreSQL)."""

    row_number: int
    status: str
    record_id: int | None
    messages: list[dict[str, Any]]
    values: list[str]


def _chunks(rows: Iterable[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    iterator = iter(rows)
    while True:
        chunk = list(islice(iterator, size))
        if not chunk:
            return
        yield chunk


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def _loose(text: str) -> str:
    return F_.header_key(text)


def _same(old: Any, new: Any) -> bool:
    """Is ``new`` (read from a file) what ``old`` (a record's value) already is, as far as the file
    can say? An instant to the minute or second the file gives; text without its outer spaces;
    an empty text and a missing one alike."""
    if old == new:
        return True
    if isinstance(new, datetime.datetime) and isinstance(old, datetime.datetime):
        if new.second == 0 and new.microsecond == 0:
            return old.replace(second=0, microsecond=0) == new
        return old.replace(microsecond=0) == new
    if isinstance(new, str) and (old is None or isinstance(old, str)):
        return (old or "").strip() == new.strip()
    return False


def _record_id(text: str) -> int | None:
    value = text.strip()
    if value.isascii() and value.isdigit() and 0 < int(value) < 2**63:
        return int(value)
    return None


def _display(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class Importer(PeopleRows):
    """Runs one job's rows. ``write=False`` is a dry run: every check, nothing written."""

    def __init__(self, job: ImportJob, actor: Actor) -> None:
        self.job = job
        self.actor = actor
        self.resource = job.resource
        self.model: Any = MODELS[job.resource]
        self.targets = F_.field_map(job.resource)
        columns: dict[str, str] = (job.mapping or {}).get("columns", {})
        self.by_index: list[tuple[int, str, str]] = []
        for index, header in enumerate(job.headers):
            target = columns.get(header)
            if target and target in self.targets:
                self.by_index.append((index, header, target))
        # Every row maps the same columns: one shared field -> header dict, and the cells to read
        # as (index, field, value map) tuples, worked out once.
        self.columns: dict[str, str] = {target: header for _i, header, target in self.by_index}
        self.raw_order: list[str] = list(dict.fromkeys(t for _i, _h, t in self.by_index))
        # Options saved with the mapping: the date order, the rules a person turns on.
        self.options: dict[str, Any] = dict((job.mapping or {}).get("options") or {})
        self.date_order = str(self.options.get("date_order") or "")
        raw_maps: dict[str, dict[str, str]] = (job.mapping or {}).get("values", {})
        self.value_maps = {
            f: {F_.header_key(k): str(v) for k, v in m.items() if str(v).strip()}
            for f, m in raw_maps.items()
            if isinstance(m, dict)
        }
        self.index_targets: dict[int, str] = {index: target for index, _h, target in self.by_index}
        self.cell_readers: list[tuple[int, str, dict[str, str] | None]] = [
            (index, target, self.value_maps.get(target) or None) for index, _h, target in self.by_index
        ]
        self.parse_order: list[tuple[str, F_.TargetField, str, bool]] = [
            (name, self.targets[name], self.targets[name].kind, self.targets[name].kind in F_.REFERENCE_KINDS)
            for name in self.raw_order
            if self.targets[name].kind != F_.ID  # the row's identity, not a value (_match_ids)
        ]
        self.checked_lengths: list[tuple[str, bool, int]] = [
            (name, bool(self.targets[name].required), self.targets[name].max_length or 0)
            for name in self.raw_order
            if self.targets[name].required or self.targets[name].max_length
        ]
        self.unmapped_required: list[F_.TargetField] = [
            t for name, t in self.targets.items() if t.required and name not in self.columns
        ]
        self.phone_fields: tuple[str, ...] = tuple(
            n for n in ("phone", "mobile") if n in self.columns and self.targets[n].kind == F_.PHONE
        )
        self.message = f"import #{job.pk}"
        self.now = timezone.now()
        # How values are read: the file's decimal separator, its currency (for rows that give
        # none), wall times and "today" in the importing person's time zone.
        self.separator = job.decimal_separator or "."
        self.file_currency = job.currency or ""
        self.fill_amount = bool(job.amount_from_list_price)
        self.tz = zone_of(actor)
        self.today = timezone.localdate(self.now, self.tz)
        self.totals = Totals()
        self.seen_external: dict[str, int] = {}
        self.seen_ids: dict[int, int] = {}
        self.deal_products: dict[int, set[int]] = {}  # the batch's matched deals' line products
        self.seen_keys: dict[tuple[str, str], int] = {}
        self.seen_codes: dict[str, int] = {}
        self.file_name_keys: set[str] = set()
        self.parent_links: list[tuple[int, Plan]] = []
        self.kept_errors: list[RowResult] = []
        # PostgreSQL: new accounts go in by one statement a batch (``account_statement``), row
        # results by COPY.
        self.copy = _can_copy()
        # Fuzzy-name candidates by bucket among the records already there, fetched once per import
        # (so a bucket is not read again for every batch). The file's own earlier rows are
        # candidates too, by row number, in ``file_names``: the same in a dry run and an import.
        self.bucket_rows: dict[str, list[tuple[str, int, str]]] = {}
        self.bucket_values: dict[str, list[str]] = {}
        self.file_names: dict[str, tuple[list[str], list[int]]] = {}
        # Records this import created: found again in the database by a later batch they are not
        # "records like this that exist" (their rows are reported as rows of this file).
        self.written_ids: set[int] = set()
        # Rows whose results and progress are committed (skip mode): where the next batch's
        # commit moves the job's progress on from (``runs.commit_progress``).
        self.committed = job.progress
        self.account_ids = _IdBlock(Account)
        self._attnames: dict[str, str] = {}
        # Messages repeated row after row, translated once (the language is the job's throughout).
        self.texts = {
            "exists_named": _("A record like this exists: “%(name)s” (owner: %(owner)s)."),
            "exists": _("A record like this exists (owner: %(owner)s)."),
            "anyway": _("Imported anyway, as you asked."),
            "tick": {
                "cli": _("Run the import again with --import-duplicates to import it anyway."),
                "api": _("Send import_duplicates=true with the mapping to import it anyway."),
            }.get(job.interface, _("Tick “Import possible duplicates” to import it anyway.")),
            "like_row": _("Like row %(row)s of this file: %(kind)s."),
            "like_row_similar": _("Like row %(row)s of this file: similar name (%(score)s%% alike)."),
        }
        self.can_create = actor.has(self.resource, "create") or (
            self.resource == "product" and actor.has("product", "manage")
        )
        self.can_assign = actor.has(self.resource, "assign")
        self.owner_candidate_ids: set[int] | None = None  # access.owner_candidates, read when needed
        self.owner_refusals: dict[int, str] = {}
        self._load_once()
        if self.resource in PEOPLE_RESOURCES:
            self.people_init()

    # --- Things loaded once per import ------------------------------------------------------

    def _load_once(self) -> None:
        mapped = {t for _i, _h, t in self.by_index}
        kinds = {self.targets[t].kind for t in mapped}
        self.users_by_key: dict[str, list[tuple[int, str, bool]]] = defaultdict(list)
        self.user_names: list[str] = []
        if F_.OWNER in kinds:
            for pk, username, display, email, active in User.objects.values_list(
                "pk", "username", "display_name", "email", "is_active"
            ):
                label = display or username
                self.users_by_key[_squash(username)].append((pk, label, active))
                if display and _squash(display) != _squash(username):
                    self.users_by_key[_squash(display)].append((pk, label, active))
                if email and _squash(email) not in (_squash(username), _squash(display or "")):
                    self.users_by_key[_squash(email)].append((pk, label, active))
                if active:
                    self.user_names.append(label)
        self.primary_team: dict[int, int] = dict(
            Membership.objects.filter(is_primary=True, team__deleted_at__isnull=True).values_list(
                "user_id", "team_id"
            )
        )
        self.choice_lookups = {
            t.name: F_.choice_lookup(t.choices) for t in self.targets.values() if t.choices is not None
        }
        self.pipelines: dict[str, Pipeline] = {}
        self.default_pipeline: Pipeline | None = None
        self.stages: dict[int, dict[str, Stage]] = defaultdict(dict)
        if self.resource == "deal":
            pipelines = list(Pipeline.objects.filter(is_active=True).order_by("-is_default", "order", "id"))
            self.default_pipeline = pipelines[0] if pipelines else None
            # By any of their names, in every language (a file may come from a Chinese or an
            # English export); a pipeline's own name wins over another's translation.
            for pipeline in pipelines:
                self.pipelines.setdefault(_squash(pipeline.name), pipeline)
            for pipeline in pipelines:
                for name in naming.every_name(pipeline.name, pipeline.names):
                    self.pipelines.setdefault(_squash(name), pipeline)
            stages = list(Stage.objects.filter(pipeline__in=pipelines).order_by("order", "id"))
            for stage in stages:
                self.stages[stage.pipeline_id].setdefault(_squash(stage.name), stage)
            for stage in stages:
                for name in naming.every_name(stage.name, stage.names):
                    self.stages[stage.pipeline_id].setdefault(_squash(name), stage)
        # Lost reasons by any of their names; text matching none goes to "other" with the text
        # as its note (decision 0030).
        self.lost_reasons: dict[str, LostReason] = {}
        self.lost_reason_other: LostReason | None = None
        if self.resource == "deal":
            reasons = deal_services.lost_reasons_offered()
            for reason in reasons:
                self.lost_reasons.setdefault(_squash(reason.name), reason)
            for reason in reasons:
                for name in naming.every_name(reason.name, reason.names):
                    self.lost_reasons.setdefault(_squash(name), reason)
            self.lost_reason_other = next((r for r in reasons if r.is_other), None)
        self.products: dict[str, list[Product]] = defaultdict(list)
        self.product_codes: dict[str, Product] = {}
        if self.resource in ("deal", "product"):
            products = list(Product.objects.all())
            for product in products:
                self.products[_loose(product.name)].append(product)
            for product in products:  # by its name in another language, unless that is another's name
                for name in naming.every_name(product.name, product.names, catalogue=False)[1:]:
                    same = self.products[_loose(name)]
                    if product not in same and not any(_loose(p.name) == _loose(name) for p in same):
                        same.append(product)
                if product.code:
                    self.product_codes[product.code.casefold()] = product
        self.levels: dict[str, AccountLevel] = {}
        if self.resource == "account":
            for level in AccountLevel.objects.all():
                self.levels[_squash(level.code)] = level
                for name in naming.every_name(level.name, level.names):  # in any language
                    self.levels.setdefault(_squash(name), level)
        self.rules: dict[str, DuplicateRule] = {}
        if self.resource in DEDUPE_TYPES:
            self.rules = {
                r.kind: r for r in DuplicateRule.objects.filter(record_type=self.resource, is_active=True)
            }
        self.kind_labels = {kind: str(rule.get_kind_display()) for kind, rule in self.rules.items()}

    # --- Going on after an earlier run ----------------------------------------------------------

    def resume(self, done: Iterable[tuple[int, list[str]]]) -> None:
        """Carry on after the rows ``done`` that an earlier run of this job committed (skip mode).

        Their stored results count into the totals; of the rows themselves only what later rows
        are compared with is kept: external ids and products seen (a later row with the same one is
        still "also on row N", not an update of the record row N created), and parents to link
        at the end. Records they created are ordinary existing records to later rows' duplicate
        checks.
        """
        stored: dict[int, tuple[str, int | None]] = {}
        totals = self.totals = stored_totals(self.job, stored)
        if totals.total != self.committed:
            logger.warning(
                "import #%s: %s rows committed but %s results stored",
                self.job.pk,
                self.committed,
                totals.total,
            )
        for number, cells in done:
            plan = self._plan(number, cells)
            external = plan.raw.get("external_id", "")
            if external:
                self.seen_external.setdefault(external, number)
            if self.resource == "product":
                key = _product_key(plan)
                if key[1]:
                    self.seen_codes.setdefault(f"{key[0]}:{key[1]}", number)
            status, record_id = stored.get(number, (RowStatus.ERROR, None))
            if plan.raw.get("parent") and status != RowStatus.ERROR and record_id is not None:
                plan.obj = _Written(record_id, plan.raw.get("name", ""), "")
                self.parent_links.append((number, plan))

    # --- Reading a batch ---------------------------------------------------------------------

    def _plan(self, number: int, cells: list[str]) -> Plan:
        raw: dict[str, str] = {}
        size = len(cells)
        header_key = F_.header_key
        aliases = 0
        for index, target, value_map in self.cell_readers:
            text = cells[index].strip() if index < size else ""
            if value_map is not None and text:
                aliased = value_map.get(header_key(text))
                if aliased is not None and aliased != text:
                    text = aliased
                    aliases += 1
            raw[target] = text
        plan = Plan(number, cells, raw, self.columns)
        if aliases:
            plan.fill("alias")
        notes = getattr(cells, "notes", None)
        if notes:
            self._note(plan, notes)
        return plan

    def _note(self, plan: Plan, notes: list[reading.Note]) -> None:
        """What reading the row found (cells beyond the header, merged cells, an over-long cell)."""
        for note in notes:
            if note.level == "error":
                target = self.index_targets.get(note.index)
                if target is None or self.targets[target].max_length:
                    continue  # not imported, or the field's own length check says it
                plan.failed = True
            plan.messages.append(wording.stored(note.column, note.message, note.level))

    def run_batch(self, rows: list[tuple[int, list[str]]], *, write: bool) -> list[RowResult]:
        plans = self.check_batch(rows)
        if write:
            self.write_batch(plans)
        return self.results(plans)

    def check_batch(self, rows: list[tuple[int, list[str]]]) -> list[Plan]:
        """Every check of a batch's rows, nothing written: what a dry run does."""
        plans = [self._plan(number, cells) for number, cells in rows]
        self._match_existing(plans)
        self._unmask(plans)
        self._resolve_references(plans)
        if self.resource == "contact" and self.phone_fields:
            self._account_regions(plans)
        check = getattr(self, f"_check_{self.resource}")
        for plan in plans:
            self._parse(plan)
            if plan.match is not None:
                self._keep_changes(plan)
            # Every problem of a row at once (an unknown account, owner and stage on one row are
            # three messages, not one per round of fixing), unless the row's own identity is in
            # doubt: then what it would create or update is unknown.
            if not plan.extra.get("identity_unknown"):
                check(plan)
            if plan.match is not None and not plan.failed:
                self._settle(plan)
        if self.resource in DEDUPE_TYPES:
            self._check_duplicates([p for p in plans if not p.failed and not p.extra.get("unchanged")])
        self.totals.count_problems(plans)
        return plans

    def write_batch(self, plans: list[Plan]) -> None:
        """Write a checked batch's good rows (in the caller's transaction)."""
        good = [p for p in plans if not p.failed and not p.extra.get("unchanged")]
        if good:
            getattr(self, f"_write_{self.resource}")(good)
            # Before the batch commits, so a later batch never finds one of these records in the
            # database without knowing it is one of the file's own.
            self.written_ids.update(p.obj.pk for p in good if p.match is None and p.obj is not None)

    def results(self, plans: list[Plan]) -> list[RowResult]:
        """The rows' outcomes (after ``write_batch`` for an import), counted into the totals."""
        out = []
        totals = self.totals
        for plan in plans:
            totals.total += 1
            messages = plan.messages
            if messages and any(m["level"] == "warning" for m in messages):
                totals.warnings += 1
            if plan.failed:
                totals.failed += 1
                status = RowStatus.ERROR
                record_id = plan.match.pk if plan.match is not None else None
            else:
                totals.valid += 1
                if plan.extra.get("unchanged"):
                    # The record already holds what the row says: nothing is written.
                    status = RowStatus.SKIPPED
                    totals.skipped += 1
                elif plan.match is not None:
                    status = RowStatus.UPDATED
                    totals.updated += 1
                else:
                    status = RowStatus.CREATED
                    totals.created += 1
                target = plan.match if plan.match is not None else plan.obj
                record_id = target.pk if target is not None else None
            out.append(RowResult(plan.number, status, record_id, messages, plan.cells if messages else []))
        return out

    # --- Existing records: external ids, product codes ----------------------------------------

    def _match_existing(self, plans: list[Plan]) -> None:
        if "tandem_id" in self.columns:
            self._match_ids(plans)
            plans = [p for p in plans if not p.raw.get("tandem_id")]
        if self.resource == "product":
            self._match_products(plans)
            return
        if self.resource in PEOPLE_RESOURCES:
            self.match_people(plans)
            return
        if "external_id" not in self.targets:
            return
        ids = {p.raw.get("external_id", "") for p in plans} - {""}
        for plan in plans:
            ext = plan.raw.get("external_id", "")
            if not ext:
                continue
            first = self.seen_external.get(ext)
            if first is not None:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "external_id",
                    _("The external id “%(id)s” is also on row %(row)s of this file.")
                    % {"id": ext, "row": first},
                )
            else:
                self.seen_external[ext] = plan.number
        if not ids:
            return
        existing: dict[str, list[Any]] = defaultdict(list)
        related = {"account": ["parent"], "deal": ["stage"]}.get(self.resource, [])
        for obj in self.model.objects.filter(external_id__in=sorted(ids)).select_related(*related):
            existing[obj.external_id].append(obj)
        if not existing:
            return
        all_ids = [o.pk for objs in existing.values() for o in objs]
        seen = set(
            access.visible(self.actor, self.resource, self.model.objects.filter(pk__in=all_ids)).values_list(
                "pk", flat=True
            )
        )
        editable = set(
            access.visible(
                self.actor, self.resource, self.model.objects.filter(pk__in=all_ids), action="edit"
            ).values_list("pk", flat=True)
        )
        for plan in plans:
            ext = plan.raw.get("external_id", "")
            matches = existing.get(ext, [])
            if not matches or plan.failed:
                continue
            if len(matches) > 1:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "external_id",
                    _("Several records have the external id “%(id)s”; it must be unique.") % {"id": ext},
                )
            elif matches[0].pk not in seen:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "external_id",
                    _("A record with the external id “%(id)s” exists and you may not edit it.") % {"id": ext},
                )
            else:
                plan.match = matches[0]
                if matches[0].pk not in editable:
                    # A row that changes nothing passes; one that would change it is refused (_settle).
                    plan.extra["read_only"] = True

    def _match_ids(self, plans: list[Plan]) -> None:
        """Rows that name their record by its Tandem id (Tandem's own exports do): the record, if
        the person may see it; one they may only see is matched read-only (``_settle``)."""
        wanted: list[tuple[Plan, int]] = []
        for plan in plans:
            text = plan.raw.get("tandem_id", "")
            if not text:
                continue
            pk = _record_id(text)
            if pk is None:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "tandem_id",
                    _("“%(id)s” is not a Tandem ID: that is a whole number, such as 1024.") % {"id": text},
                )
                continue
            first = self.seen_ids.get(pk)
            if first is not None:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "tandem_id",
                    _("The Tandem ID %(id)s is also on row %(row)s of this file.") % {"id": pk, "row": first},
                )
                continue
            self.seen_ids[pk] = plan.number
            wanted.append((plan, pk))
        if not wanted:
            return
        base = self.model.objects.filter(pk__in=sorted({pk for _p, pk in wanted}))
        related = {"account": ["parent"], "deal": ["stage"]}.get(self.resource, [])
        found = {o.pk: o for o in access.visible(self.actor, self.resource, base).select_related(*related)}
        if self.resource == "product":
            editable = set(found) if self.can_create else set()
        else:
            editable = set(
                access.visible(self.actor, self.resource, base, action="edit").values_list("pk", flat=True)
            )
        for plan, pk in wanted:
            record = found.get(pk)
            if record is None:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "tandem_id",
                    _("There is no record with the Tandem ID %(id)s that you can see.") % {"id": pk},
                )
                continue
            plan.match = record
            if pk not in editable:
                plan.extra["read_only"] = True

    def _match_products(self, plans: list[Plan]) -> None:
        """Products have no external id: a row updates the product with its code, else its name."""
        for plan in plans:
            code = plan.raw.get("code", "")
            name = plan.raw.get("name", "")
            key = _product_key(plan)
            if not key[1]:
                continue
            first = self.seen_codes.get(f"{key[0]}:{key[1]}")
            if first is not None:
                plan.extra["identity_unknown"] = True
                plan.error(
                    "code" if code else "name",
                    _("The same product is also on row %(row)s of this file.") % {"row": first},
                )
                continue
            self.seen_codes[f"{key[0]}:{key[1]}"] = plan.number
            if code and code.casefold() in self.product_codes:
                plan.match = self.product_codes[code.casefold()]
            elif not code:
                same = self.products.get(_loose(name), [])
                if len(same) == 1:
                    plan.match = same[0]

    def _unmask(self, plans: list[Plan]) -> None:
        """A pool customer's phone and email as a person who sees them masked exported them
        (``+86 138****8000``) read back as what they stand for: unchanged."""
        if self.resource != "account":
            return
        for plan in plans:
            match = plan.match
            if match is None or match.owner_id is not None or not plan.extra.get("read_only"):
                continue
            for name, mask in (("phone", mask_phone), ("email", mask_email)):
                text = plan.raw.get(name, "")
                if text and text == mask(getattr(match, name, "")):
                    plan.raw[name] = ""  # a blank cell leaves an existing record's value alone

    def _keep_changes(self, plan: Plan) -> None:
        """Leave out the values the record already holds (to the precision the file gives), so the
        checks and the write see only what the row changes; an exported file imported back
        unchanged changes nothing and trips no check on values it does not change."""
        match = plan.match
        values = plan.values
        for name in list(values):
            if name == "amount" and self.resource == "deal":
                continue  # a deal's line items are priced from it when its product changes
            if _same(getattr(match, self._attname(name), None), values[name]):
                del values[name]
        # A product's name in another language (an export in that language) is its name.
        if (
            self.resource == "product"
            and "name" in values
            and values["name"] in naming.every_name(match.name, match.names, catalogue=False)
        ):
            del values["name"]
        # A deal without its own probability follows its stage's, which is what exports show.
        if (
            self.resource == "deal"
            and match.probability is None
            and values.get("probability") == match.stage.probability
        ):
            values.pop("probability", None)

    def _settle(self, plan: Plan) -> None:
        """A matched row that changes nothing is reported as such (and written not at all); one
        that would change a record the person may only see is refused."""
        if self._differs(plan):
            if plan.extra.get("read_only"):
                plan.error(None, _("You may see this record but not change it, and this row changes it."))
            return
        plan.extra["unchanged"] = True

    def _differs(self, plan: Plan) -> bool:
        """Does the row change its record? Values, owner, and what the write derives from names."""
        match = plan.match
        for name, value in plan.values.items():
            if not _same(getattr(match, self._attname(name), None), value):
                return True
        if plan.extra.get("refs_differ"):
            return True
        if plan.owner_id is not None and plan.owner_id != getattr(match, "owner_id", plan.owner_id):
            return True
        stage = plan.extra.get("stage")
        if stage is not None and stage.pk != match.stage_id:
            return True
        if "product" in plan.extra and not plan.extra.get("lines_kept"):
            return True
        parent = plan.raw.get("parent", "")
        if parent and self.resource == "account":
            current = match.parent.name if match.parent_id else ""
            if normalize_name(parent) != normalize_name(current):
                return True
        return False

    # --- References by name -------------------------------------------------------------------

    def _resolve_references(self, plans: list[Plan]) -> None:
        kinds = {self.targets[t].kind: t for _i, _h, t in self.by_index}
        if F_.PRODUCT in kinds and self.resource == "deal":
            matched = [p.match.pk for p in plans if p.match is not None and p.raw.get("product")]
            self.deal_products = defaultdict(set)
            for deal_id, product_id in DealLine.objects.filter(deal_id__in=matched).values_list(
                "deal_id", "product_id"
            ):
                self.deal_products[deal_id].add(product_id)
        for kind, model, resource in (
            (F_.ACCOUNT, Account, "account"),
            (F_.CONTACT, Contact, "contact"),
            (F_.LEAD, Lead, "lead"),
            (F_.DEAL, Deal, "deal"),
        ):
            if kind in kinds:
                self._resolve_named(plans, kinds[kind], model, resource)

    def _resolve_named(self, plans: list[Plan], field_name: str, model: Any, resource: str) -> None:
        """Records named in a column, among those the person may see: one query per batch.

        Accounts match on the normalised name key (``Acme Corp`` finds ``ACME Corporation``) or
        the external id; contacts, leads and deals on the name (any case) or the external id.
        """
        texts = {p.raw.get(field_name, "") for p in plans} - {""}
        if not texts:
            return
        base = model.objects.all()
        if resource == "account":
            keys = {normalize_name(t) for t in texts} - {""}
            query = Q(name_key__in=sorted(keys)) | Q(external_id__in=sorted(texts))
        else:
            query = Q(name_lower__in=sorted(t.casefold() for t in texts)) | Q(external_id__in=sorted(texts))
            base = base.annotate(name_lower=Lower("name"))
        found = list(
            access.visible(self.actor, resource, base.filter(query)).values_list(
                "pk", "name", "external_id", *(["name_key", "country"] if resource == "account" else [])
            )[:20000]
        )
        editable = set(
            access.visible(
                self.actor, resource, model.objects.filter(pk__in=[row[0] for row in found]), action="edit"
            ).values_list("pk", flat=True)
        )
        by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
        by_external: dict[str, list[tuple[int, str]]] = defaultdict(list)
        countries: dict[int, str] = {}
        for row in found:
            pk, name, external = row[0], row[1], row[2]
            key = row[3] if resource == "account" else name.casefold()
            if resource == "account":
                countries[pk] = row[4]
            by_key[key].append((pk, name))
            if external:
                by_external[external].append((pk, name))
        unresolved: list[Plan] = []
        for plan in plans:
            text = plan.raw.get(field_name, "")
            if not text:
                continue
            key = normalize_name(text) if resource == "account" else text.casefold()
            candidates = by_external.get(text) or by_key.get(key, [])
            if len(candidates) > 1:
                exact = [c for c in candidates if c[1].casefold() == text.casefold()]
                candidates = exact if len(exact) == 1 else candidates
            if len(candidates) == 1 and candidates[0][0] not in editable:
                # Linking a row to a record changes it (its page, its follow-up dates): the forms
                # and the API need the edit right for that too (access.require_linkable).
                plan.error(
                    field_name,
                    _("You may view “%(name)s” but not change it, so nothing can be linked to it.")
                    % {"name": candidates[0][1]},
                )
            elif len(candidates) == 1:
                plan.extra[f"{field_name}_id"] = candidates[0][0]
                plan.extra[f"{field_name}_name"] = candidates[0][1]
                if candidates[0][0] in countries:  # a contact's phones are read in its account's country
                    plan.extra["region"] = countries[candidates[0][0]]
            elif len(candidates) > 1:
                plan.error(
                    field_name,
                    _("Several records are called “%(name)s”; use their external id instead.")
                    % {"name": text},
                )
            else:
                unresolved.append(plan)
        if unresolved:
            self._suggest_named(unresolved, field_name, model, resource)

    def _suggest_named(self, plans: list[Plan], field_name: str, model: Any, resource: str) -> None:
        prefixes = sorted({plan.raw[field_name][:1].casefold() for plan in plans} - {""})[:50]
        options: list[str] = []
        if prefixes:
            q = Q()
            for prefix in prefixes:
                q |= Q(name__istartswith=prefix)
            options = list(
                access.visible(self.actor, resource, model.objects.filter(q)).values_list("name", flat=True)[
                    :2000
                ]
            )
        for plan in plans:
            text = plan.raw[field_name]
            message = _("No %(kind)s called “%(name)s” that you can see.") % {
                "kind": self.targets[field_name].title,
                "name": text,
            }
            suggestion = F_.did_you_mean(text, options)
            if suggestion:
                message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
            plan.error(field_name, message)

    def _account_regions(self, plans: list[Plan]) -> None:
        """Contacts updated without an account column: their account's country, for their phones
        (one query a batch)."""
        wanted = {
            p.match.account_id
            for p in plans
            if p.match is not None and "region" not in p.extra and p.match.account_id is not None
        }
        if not wanted:
            return
        countries = dict(Account.all_objects.filter(pk__in=sorted(wanted)).values_list("pk", "country"))
        for plan in plans:
            if plan.match is not None and "region" not in plan.extra:
                plan.extra["region"] = countries.get(plan.match.account_id, "")

    def _owner(self, plan: Plan, field_name: str = "owner") -> int | None:
        """The owner a row names, with the rules of ``resolve_owner`` (assign grant, active)."""
        text = plan.raw.get(field_name, "")
        if not text:
            return None
        found = self.users_by_key.get(_squash(text), [])
        if not found:
            message = _("No person called “%(name)s”. People are not created by an import.") % {"name": text}
            suggestion = F_.did_you_mean(text, self.user_names)
            if suggestion:
                message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
            plan.error(field_name, message)
            return None
        if len({pk for pk, _l, _a in found}) > 1:
            plan.error(
                field_name, _("Several people are called “%(name)s”; use the username.") % {"name": text}
            )
            return None
        pk, _label, active = found[0]
        current = getattr(plan.match, "owner_id", None) if plan.match is not None else None
        if pk in (self.actor.id, current):
            return pk
        if not self.can_assign:
            plan.error(field_name, _("You may not give records to someone else."))
            return None
        if not active:
            if self.resource == "deal" and field_name == "owner":
                # Someone who has left may still own the deals they closed: decided with the
                # deal's stage (``_inactive_owner``).
                plan.extra["inactive_owner"] = (pk, _label)
                return pk
            plan.error(field_name, _("The owner must be an active person."))
            return None
        refusal = self._owner_refusal(pk)
        if refusal:
            plan.error(field_name, refusal)
            return None
        return pk

    def _owner_refusal(self, pk: int) -> str | None:
        """Why the importer may not give records to person ``pk`` (``access.owner_refusal``: they
        may not own this kind of record, or are out of the importer's reach), once per person."""
        if self.owner_candidate_ids is None:
            self.owner_candidate_ids = set(
                access.owner_candidates(self.actor, self.resource).values_list("pk", flat=True)
            )
        if pk in self.owner_candidate_ids:
            return None
        if pk not in self.owner_refusals:
            user = User.objects.filter(pk=pk).first()
            self.owner_refusals[pk] = access.owner_refusal(self.actor, self.resource, user) or ""
        return self.owner_refusals[pk] or None

    # --- Cells to values ---------------------------------------------------------------------

    def _parse(self, plan: Plan) -> None:
        updating = plan.match is not None
        raw = plan.raw
        values = plan.values
        for name, target, kind, is_reference in self.parse_order:
            if is_reference:
                continue
            text = raw[name]
            if not text:
                if updating:
                    continue  # a blank cell leaves an existing record's value alone
                if kind in _BLANK_AS_EMPTY:
                    values[name] = ""
                continue
            if kind in _AS_TEXT:
                values[name] = text
                continue
            try:
                if kind == F_.DECIMAL:
                    number = F_.read_number(text, self.separator, target.decimal_places)
                    values[name] = number.value
                    if number.currencies is not None:  # checked against the row's currency
                        plan.extra.setdefault("marks", {})[name] = number.currencies
                else:
                    values[name] = self._cell(target, text)
            except F_.CellError as exc:
                plan.error(name, wording.kept(exc))
            except F_.CellRead as read:
                values[name] = read.value
                plan.warn(name, wording.kept(read))
        for name, required, max_length in self.checked_lengths:
            if required and not updating and not raw[name]:
                plan.error(name, _("This field is required."))
            value = values.get(name)
            if max_length and isinstance(value, str) and len(value) > max_length:
                plan.error(
                    name,
                    _("At most %(n)d characters (this has %(m)d).") % {"n": max_length, "m": len(value)},
                )
        if not updating:
            for target in self.unmapped_required:
                plan.error(None, _("The column for “%(field)s” is not mapped.") % {"field": target.title})
        if self.phone_fields:
            self._phones(plan)

    def _phones(self, plan: Plan) -> None:
        """Phone numbers read in the row's own country: its country column (accounts, leads),
        its account's country (contacts), the record's stored country; the default country
        only when there is none. Stored in E.164."""
        values = plan.values
        region = values.get("country") or plan.extra.get("region") or ""
        if not region and plan.match is not None:
            region = getattr(plan.match, "country", "") or ""
        region = region or DEFAULT_REGION
        for name in self.phone_fields:
            text = values.get(name)
            if not text:
                continue
            normalized = normalize_phone(text, region)
            if normalized is None:
                plan.error(
                    name,
                    _(
                        "“%(text)s” is not a phone number in %(country)s; write it with its country "
                        "code, e.g. +44 20 7946 0958 or +86 138 0013 8000."
                    )
                    % {"text": text, "country": region},
                )
            else:
                values[name] = normalized

    def _cell(self, target: F_.TargetField, text: str) -> Any:
        kind = target.kind
        if kind == F_.TEXT:
            return text
        if kind == F_.EMAIL:
            if len(text) <= 254 and _PLAIN_EMAIL.fullmatch(text) is not None:
                return text.lower()  # plainly valid: the validator would accept it
            try:
                validate_email(text)
            except ValidationError as exc:
                raise F_.CellError(_("Enter a valid email address.")) from exc
            return text.lower() if text.isascii() else text
        if kind == F_.PHONE:
            return text
        if kind == F_.DATE:
            return F_.parse_date(text, self.date_order)
        if kind == F_.DATETIME:
            return F_.parse_datetime(text, self.tz, self.date_order)
        if kind == F_.DECIMAL:
            return F_.parse_decimal(text, self.separator, target.decimal_places)
        if kind == F_.INT:
            return F_.parse_int(text, self.separator)
        if kind == F_.BOOL:
            return F_.parse_bool(text)
        if kind == F_.CHOICE:
            return F_.parse_choice(target, text, self.choice_lookups[target.name])
        if kind == F_.COUNTRY:
            return F_.parse_country(text)
        if kind == F_.CURRENCY:
            return F_.parse_currency(text)
        raise F_.CellError(_("This column cannot be read."))

    def _common(self, plan: Plan) -> None:
        """Owner and create/edit rights, as the services decide them."""
        if plan.match is None and not self.can_create:
            plan.error(None, _("You may not create records of this kind."))
        owner_id = self._owner(plan) if "owner" in self.targets else None
        if plan.match is None:
            plan.owner_id = owner_id or self.actor.id
        else:
            plan.owner_id = owner_id if owner_id is not None else getattr(plan.match, "owner_id", None)

    # --- Per-resource rules (the services' rules, row by row) --------------------------------

    def _check_account(self, plan: Plan) -> None:
        self._common(plan)
        level_text = plan.raw.get("level", "")
        if level_text:
            level = self.levels.get(_squash(level_text))
            if level is None:
                options = sorted({lv.name for lv in self.levels.values()})
                plan.error(
                    "level",
                    _("“%(value)s” is not one of: %(options)s.")
                    % {"value": level_text, "options": ", ".join(options)},
                )
            else:
                plan.values["level_id"] = level.pk
        if "name" in plan.values and not plan.failed:  # a parent the file itself brings in
            key = normalize_name(plan.values["name"])
            self.file_name_keys.add(key)
        if plan.raw.get("parent"):
            self.parent_links.append((plan.number, plan))

    def _check_contact(self, plan: Plan) -> None:
        self._common(plan)
        if "account_id" in plan.extra:
            plan.values["account_id"] = plan.extra["account_id"]

    def _check_lead(self, plan: Plan) -> None:
        self._common(plan)
        status = plan.values.get("status")
        if plan.match is not None and plan.match.status == LeadStatus.CONVERTED and self._differs(plan):
            plan.error(None, _("This lead has been converted; edit the account, contact or deal instead."))
        if status == LeadStatus.CONVERTED:
            plan.error("status", _("Convert the lead to mark it converted."))
        reason = plan.values.get("unqualified_reason", getattr(plan.match, "unqualified_reason", ""))
        if status == LeadStatus.UNQUALIFIED and not (reason or "").strip():
            plan.error("unqualified_reason", _("Say why the lead is unqualified."))

    def _check_deal(self, plan: Plan) -> None:
        self._common(plan)
        values = plan.values
        if "account_id" in plan.extra:
            values["account_id"] = plan.extra["account_id"]
        if values.get("amount") is not None and values["amount"] < 0:
            plan.error("amount", _("The amount cannot be negative."))
        if values.get("budget") is not None and values["budget"] < 0:
            plan.error("budget", _("The amount cannot be negative."))
        probability = values.get("probability")
        if probability is not None and not (0 <= probability <= 100):
            plan.error("probability", _("Enter a percentage from 0 to 100."))
        self._deal_stage(plan)
        self._deal_lost_reason(plan)
        if "inactive_owner" in plan.extra:
            self._inactive_owner(plan)
        opened = values.get("opened_on", getattr(plan.match, "opened_on", None))
        closed = values.get("closed_on", getattr(plan.match, "closed_on", None))
        if opened is not None and closed is not None and closed < opened:
            plan.error(
                "closed_on" if "closed_on" in values else "opened_on",
                _("This deal closed (%(closed)s) before it was opened (%(opened)s).")
                % {"closed": closed.isoformat(), "opened": opened.isoformat()},
            )
        self._currency(plan)
        product_text = plan.raw.get("product", "")
        if product_text:
            self._deal_product(plan, product_text)
            if "product" in plan.extra:
                self._deal_amount(plan)
        if plan.match is None and not (values.get("name") or "").strip():
            self._deal_name(plan)

    def _inactive_owner(self, plan: Plan) -> None:
        """An owner who has left (inactive): they keep the deals they won or lost, which is their
        history; an open deal needs someone who can work on it. Giving a departed person's deals
        needs the ``assign`` grant over everyone (their teams no longer say whose they are)."""
        _pk, label = plan.extra["inactive_owner"]
        stage: Stage | None = plan.extra.get("stage")
        if stage is None and plan.match is not None:
            stage = plan.match.stage
        if stage is None:
            return
        if stage.kind == StageKind.OPEN:
            plan.error(
                "owner",
                _(
                    "%(name)s has left (inactive): an open deal needs an active owner. Give it to "
                    "someone else in the file, or import it as won or lost."
                )
                % {"name": label},
            )
        elif not (self.actor.is_admin or self.actor.scope_for("deal", "assign") == access.ALL):
            plan.error(
                "owner",
                _("Only someone who may give deals to everyone can give them to %(name)s, who has left.")
                % {"name": label},
            )

    def _deal_name(self, plan: Plan) -> None:
        """A new deal the file does not name (other systems' exports often have no name column):
        "account – product" when the row has both, else its external id, else refused. The row
        says which name it gets."""
        account = plan.extra.get("account_name") or ""
        product: Product | None = plan.extra.get("product") or plan.extra.get("unpriced_product")
        external = plan.values.get("external_id") or ""
        if account and product is not None:
            name, rule = f"{account} – {product.name}", "name_account_product"
        elif external:
            name, rule = external, "name_external_id"
        else:
            plan.error(
                "name",
                _(
                    "This deal has no name: map a name column, or give the row an account and a "
                    "product, or an external id."
                ),
            )
            return
        plan.values["name"] = name[:200]
        plan.fill(rule)
        if not plan.failed:  # what the deal will be called (a row that fails is not named)
            plan.warn("name", _("No name in the file: named “%(name)s”.") % {"name": name[:200]})

    def _currency(self, plan: Plan) -> None:
        """The row's currency: its currency cell, else the file's currency (counted), else
        refused; never a default. A money cell written with a currency mark (``€12``, ``USD
        12``) must agree with it."""
        values = plan.values
        if not values.get("currency"):
            if self.file_currency:
                values["currency"] = self.file_currency
                plan.fill("currency")
            elif plan.match is None:
                plan.error(
                    "currency",
                    _(
                        "This row has no currency: fill its currency cell, or choose the currency of "
                        "the file on the mapping step."
                    ),
                )
                return
        currency = values.get("currency") or getattr(plan.match, "currency", "")
        for name, currencies in plan.extra.get("marks", {}).items():
            if currency and currency not in currencies:
                plan.error(
                    name,
                    _("This amount is written in %(written)s, but the row's currency is %(currency)s.")
                    % {"written": "/".join(sorted(currencies)), "currency": currency},
                )

    def _deal_amount(self, plan: Plan) -> None:
        """A deal row naming a product: the product becomes its line item at the row's amount.
        A blank amount stays blank unless the import fills it from the list price (its option)."""
        values = plan.values
        product: Product = plan.extra["product"]
        if values.get("amount") is not None:
            return
        if plan.match is not None and plan.match.amount is not None:
            # A blank cell leaves a deal's amount as it is, whatever the options say.
            plan.extra["line_amount"] = plan.match.amount
            return
        if not self.fill_amount:
            plan.extra["unpriced_product"] = plan.extra.pop("product")  # still names the deal
            plan.warn(
                "amount",
                _(
                    "No amount: the product “%(name)s” is not added as a line item, since its price "
                    "on this deal is unknown."
                )
                % {"name": product.display_name},
            )
            return
        currency = values.get("currency") or getattr(plan.match, "currency", "")
        if product.currency != currency:
            plan.error(
                "amount",
                _(
                    "No amount, and the list price of “%(name)s” is in %(price_currency)s, not "
                    "%(currency)s: it cannot fill it."
                )
                % {"name": product.display_name, "price_currency": product.currency, "currency": currency},
            )
            return
        values["amount"] = product.list_price
        plan.fill("amount_list_price")

    def _deal_lost_reason(self, plan: Plan) -> None:
        """A lost-reason cell names a reason in any language; other text becomes "other" with the
        text as its note (a rule the dry run counts). A blank cell leaves the reason alone."""
        values = plan.values
        text = (values.get("lost_reason") or "").strip()
        if "lost_reason" not in values or not text:
            values.pop("lost_reason", None)
            return
        reason = self.lost_reasons.get(_squash(text))
        if reason is not None:
            values["lost_reason_ref_id"], values["lost_reason"] = reason.pk, ""
        elif self.lost_reason_other is not None:
            values["lost_reason_ref_id"], values["lost_reason"] = self.lost_reason_other.pk, text[:200]
            plan.fill("lost_reason_other")

    def _deal_stage(self, plan: Plan) -> None:
        pipeline = self.default_pipeline
        pipeline_text = plan.raw.get("pipeline", "")
        if pipeline_text:
            pipeline = self.pipelines.get(_squash(pipeline_text))
            if pipeline is None:
                message = _("No active pipeline called “%(name)s”.") % {"name": pipeline_text}
                suggestion = F_.did_you_mean(
                    pipeline_text, sorted({p.display_name for p in self.pipelines.values()})
                )
                if suggestion:
                    message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
                plan.error("pipeline", message)
                return
        elif plan.match is not None:
            pipeline = next((p for p in self.pipelines.values() if p.pk == plan.match.pipeline_id), pipeline)
        if pipeline is None:
            plan.error("stage", _("Create a pipeline first."))
            return
        stages = self.stages.get(pipeline.pk, {})
        stage_text = plan.raw.get("stage", "")
        stage: Stage | None
        if stage_text:
            stage = stages.get(_squash(stage_text))
            if stage is None:
                message = _("No stage called “%(name)s” in the pipeline “%(pipeline)s”.") % {
                    "name": stage_text,
                    "pipeline": pipeline.display_name,
                }
                suggestion = F_.did_you_mean(stage_text, sorted({s.display_name for s in stages.values()}))
                if suggestion:
                    message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
                plan.error("stage", message)
                return
        elif plan.match is not None:
            return
        else:
            opens = [s for s in stages.values() if s.kind == StageKind.OPEN]
            stage = opens[0] if opens else next(iter(stages.values()), None)
            if stage is None:
                plan.error("stage", _("This pipeline has no stages."))
                return
        plan.extra["stage"] = stage
        values = plan.values
        # Historical deals: stage guidance is not applied; status follows the stage's kind. An
        # open deal has no close date; a closed one keeps the close date the file gives, else
        # its expected close date (a rule, counted), else none: never the day of the import.
        if stage.kind == StageKind.OPEN:
            if values.get("closed_on") is not None:
                if values.get("expected_close_date") is None:
                    values["expected_close_date"] = values["closed_on"]
                    plan.fill("expected_close_date")
                else:
                    plan.warn("closed_on", _("An open deal has no close date: this one is left out."))
            if values.get("closed_on") is not None or getattr(plan.match, "closed_on", None) is not None:
                values["closed_on"] = None
        elif values.get("closed_on") is None and getattr(plan.match, "closed_on", None) is None:
            expected = values.get("expected_close_date") or getattr(plan.match, "expected_close_date", None)
            if expected is not None:
                values["closed_on"] = expected
                plan.fill("closed_on")
        # A lost deal without a reason in the file has none: no reason is made up.

    def _deal_product(self, plan: Plan, text: str) -> None:
        product = self.product_codes.get(text.casefold())
        if product is None:
            same = self.products.get(_loose(text), [])
            if len(same) == 1:
                product = same[0]
                if text not in naming.every_name(product.name, product.names, catalogue=False):
                    plan.warn(
                        "product", _("Read as the product “%(name)s”.") % {"name": product.display_name}
                    )
        if product is None:
            names = sorted({p.display_name for ps in self.products.values() for p in ps})
            message = _("No product called “%(name)s”.") % {"name": text}
            suggestion = F_.did_you_mean(text, names)
            if suggestion:
                message += " " + _("Did you mean “%(suggestion)s”?") % {"suggestion": suggestion}
            plan.error("product", message)
            return
        plan.extra["product"] = product
        if plan.match is not None and product.pk in self.deal_products.get(plan.match.pk, ()):
            plan.extra["lines_kept"] = True  # the deal has it already: its line items stay as they are

    def _check_product(self, plan: Plan) -> None:
        if plan.match is None and not self.can_create:
            plan.error(None, _("You may not create records of this kind."))
        code = plan.values.get("code", "")
        if code:
            other = self.product_codes.get(code.casefold())
            if other is not None and (plan.match is None or other.pk != plan.match.pk):
                plan.error("code", _("Another product has this code."))
        price = plan.values.get("list_price")
        if price is not None and price < 0:
            plan.error("list_price", _("The amount cannot be negative."))
        self._currency(plan)

    def _check_activity(self, plan: Plan) -> None:
        match = plan.match
        if match is None and not self.can_create:
            plan.error(None, _("You may not create records of this kind."))
        values = plan.values
        for link in ("account", "contact", "lead", "deal"):
            if f"{link}_id" in plan.extra:
                values[f"{link}_id"] = plan.extra[f"{link}_id"]
        if match is None and not values.get("kind"):
            values["kind"] = ActivityKind.NOTE
            plan.fill("activity_kind")
        subject = values.get("subject", getattr(match, "subject", ""))
        content = values.get("content", getattr(match, "content", ""))
        if not (subject or content):
            plan.error("content" if "content" in plan.columns else "subject", _("Write what happened."))
        occurred = values.get("occurred_at")
        if occurred is None:
            # Not the time of the import: a follow-up's time is what it records (an update keeps its own).
            if match is None and not plan.raw.get("occurred_at"):
                plan.error("occurred_at", _("Give the date (and time) of the follow-up."))
        elif occurred > self.now + datetime.timedelta(minutes=5):
            plan.error(
                "occurred_at",
                _("A follow-up cannot be in the future; plan it as the next follow-up instead."),
            )
        next_on = values.get("next_follow_up_on")
        if next_on is not None and next_on < self.today:
            plan.error("next_follow_up_on", _("The next follow-up must be today or later."))
        links = ("account", "contact", "lead", "deal")
        if not any(
            values.get(f"{link}_id") or plan.raw.get(link) or getattr(match, f"{link}_id", None)
            for link in links
        ):
            # (a link the row names but that was not found has its own message already)
            plan.error(None, _("Link the follow-up to an account, contact, lead or deal."))

    # --- Duplicates (查重): the database and earlier rows of the file ---------------------------

    def _check_duplicates(self, plans: list[Plan]) -> None:
        if not self.rules or not plans:
            return
        record_type = self.resource
        targets = dedupe.COMPARE_WITH[record_type]
        keys_of: dict[int, list[tuple[str, str]]] = {}
        for plan in plans:
            merged = plan.values
            if plan.match is not None:
                merged = {
                    f: getattr(plan.match, f, "")
                    for f in ("name", "company", "phone", "mobile", "email", "email_alt", "website")
                }
                merged.update(plan.values)
            keys_of[id(plan)] = plan.extra["dup_keys"] = dedupe.keys_from_values(record_type, merged)
        by_kind: dict[str, set[str]] = defaultdict(set)
        for keys in keys_of.values():
            for kind, value in keys:
                if kind in self.rules:
                    by_kind[kind].add(value)
        hits_by_value = _key_hits(by_kind, targets)
        fuzzy = self.rules.get("fuzzy")
        bucket_rows = self.bucket_rows
        if fuzzy is not None:
            buckets = {
                name_prefix(v)
                for k, v in (kv for ks in keys_of.values() for kv in ks)
                if k == "name" and len(v) >= 2
            } - bucket_rows.keys()
            if buckets:
                fetched: dict[str, list[tuple[str, int, str]]] = {b: [] for b in buckets}
                written = self.written_ids
                for rt, rid, value, bucket in DuplicateKey.objects.filter(
                    kind="name", bucket__in=sorted(buckets), record_type__in=targets
                ).values_list("record_type", "record_id", "value", "bucket")[:50000]:
                    if rt != record_type or rid not in written:
                        fetched[bucket].append((rt, rid, value))
                bucket_rows.update(fetched)
                # The names alone, side by side with the rows, for the scorer (kept in step too).
                self.bucket_values.update({b: [c[2] for c in rows] for b, rows in fetched.items()})
        bucket_values = self.bucket_values
        extract = process.extract
        ratio = fuzz.ratio
        found: dict[int, dict[tuple[str, int], tuple[str, int]]] = {}
        written = self.written_ids
        for plan in plans:
            hits: dict[tuple[str, int], tuple[str, int]] = {}
            own = (record_type, plan.match.pk) if plan.match is not None else None
            keys = keys_of[id(plan)]
            for key in keys:
                for hit in hits_by_value.get(key, ()):
                    if hit != own and (hit[0] != record_type or hit[1] not in written):
                        hits.setdefault(hit, (key[0], 100))
            name_key = keys[0][1] if keys and keys[0][0] == "name" else ""
            if fuzzy is not None and len(name_key) >= 2:
                bucket = name_key[:2]  # name_prefix
                candidates = bucket_rows.get(bucket, [])
                if candidates:
                    for _match, score, index in extract(
                        name_key,
                        bucket_values[bucket],
                        scorer=ratio,
                        score_cutoff=fuzzy.threshold,
                        limit=5,
                    ):
                        rt, rid, _v = candidates[index]
                        if (rt, rid) != own and (rt, rid) not in hits:
                            hits[(rt, rid)] = ("fuzzy", int(score))
            if hits:
                found[id(plan)] = hits
        described = self._describe(found)
        for plan in plans:
            for (rt, rid), (kind, _score) in found.get(id(plan), {}).items():
                info = described.get((rt, rid))
                if info is None:
                    continue
                rule = self.rules.get(kind)
                action = rule.action if rule is not None and rt == record_type else "warn"
                if info["visible"]:
                    text = self.texts["exists_named"] % {
                        "name": info["name"],
                        "owner": info["owner"] or "—",
                    }
                else:
                    text = self.texts["exists"] % {"owner": info["owner"] or "—"}
                self._duplicate(plan, kind, action, text)
            self._in_file(plan, keys_of[id(plan)], fuzzy)

    def _describe(
        self, found: dict[int, dict[tuple[str, int], tuple[str, int]]]
    ) -> dict[tuple[str, int], dict[str, Any]]:
        by_type: dict[str, set[int]] = defaultdict(set)
        for hits in found.values():
            for rt, rid in hits:
                by_type[rt].add(rid)
        out: dict[tuple[str, int], dict[str, Any]] = {}
        for rt, ids in by_type.items():
            model: Any = MODELS[rt]
            base = model.objects.filter(pk__in=sorted(ids))
            visible_ids = set(access.visible(self.actor, rt, base).values_list("pk", flat=True))
            for pk, name, owner in base.annotate(owner_label=dedupe.owner_label()).values_list(
                "pk", "name", "owner_label"
            ):
                out[(rt, pk)] = {"name": name, "owner": owner or "", "visible": pk in visible_ids}
        return out

    def _duplicate(self, plan: Plan, kind: str, action: str, text: str) -> None:
        column = next((f for f in DUP_FIELDS.get(kind, ()) if f in plan.columns), None)
        if action == "block":
            plan.error(column, text)
        elif self.job.import_duplicates:
            plan.warn(column, text + " " + self.texts["anyway"])
        else:
            plan.error(column, text + " " + self.texts["tick"])

    def _in_file(self, plan: Plan, keys: list[tuple[str, str]], fuzzy: DuplicateRule | None) -> None:
        """Duplicates among the file's earlier rows: the same key, or (fuzzy rule) a similar name."""
        if plan.failed:
            return
        for kind, value in keys:
            if kind not in self.rules:
                continue
            first = self.seen_keys.get((kind, value))
            if first is not None:
                rule = self.rules[kind]
                text = self.texts["like_row"] % {"row": first, "kind": self.kind_labels[kind]}
                self._duplicate(plan, kind, rule.action, text)
        name_key = keys[0][1] if keys and keys[0][0] == "name" else ""
        similar = fuzzy is not None and len(name_key) >= 2
        if similar and fuzzy is not None and not plan.failed:
            earlier = self.file_names.get(name_key[:2])  # name_prefix
            exact_reported = "name" in self.rules  # an equal name was reported just above
            if earlier is not None:
                for value, score, index in process.extract(
                    name_key, earlier[0], scorer=fuzz.ratio, score_cutoff=fuzzy.threshold, limit=2
                ):
                    if exact_reported and value == name_key:
                        continue
                    text = self.texts["like_row_similar"] % {
                        "row": earlier[1][index],
                        "score": int(score),
                    }
                    self._duplicate(plan, "fuzzy", fuzzy.action, text)
                    break
        if not plan.failed:
            for kind, value in keys:
                self.seen_keys.setdefault((kind, value), plan.number)
            if similar:
                names, rows = self.file_names.setdefault(name_key[:2], ([], []))
                names.append(name_key[:200])
                rows.append(plan.number)

    # --- Writing in bulk ---------------------------------------------------------------------

    def _split(self, plans: list[Plan]) -> tuple[list[Plan], list[Plan]]:
        return [p for p in plans if p.match is None], [p for p in plans if p.match is not None]

    def _team_of(self, owner_id: int | None) -> int | None:
        return self.primary_team.get(owner_id) if owner_id is not None else None

    def _record_created(self, objs: list[Any]) -> None:
        history.record_many(
            actor=self.actor.user, objs=objs, action=HistoryAction.CREATE, message=self.message
        )

    def _apply_update(self, plan: Plan, skip: frozenset[str]) -> tuple[dict[str, list[Any]], set[str]]:
        """Set the row's values on its record: the changes (for history) and the columns touched."""
        obj = plan.match
        changes: dict[str, list[Any]] = {}
        touched: set[str] = set()
        for name, new in plan.values.items():
            if name in skip:
                continue
            attname = self._attname(name)
            old = getattr(obj, attname)
            if old != new:
                changes[name.removesuffix("_id")] = [_display(old), _display(new)]
                setattr(obj, attname, new)
                touched.add(attname)
        if plan.owner_id is not None and plan.owner_id != getattr(obj, "owner_id", plan.owner_id):
            changes["owner"] = [obj.owner_id, plan.owner_id]
            obj.owner_id = plan.owner_id
            obj.team_id = self._team_of(plan.owner_id)
            touched |= {"owner_id", "team_id"}
        return changes, touched

    def _bulk_update(
        self, plans: list[Plan], skip: frozenset[str] = frozenset(), extra: tuple[str, ...] = ()
    ) -> list[Any]:
        """Write the rows' changes to their records in one ``bulk_update``, with history entries."""
        changed: list[Any] = []
        entries: list[HistoryEntry] = []
        update_fields: set[str] = set()
        content_type = _content_type(self.model)
        concrete = {f.attname for f in self.model._meta.concrete_fields}
        for plan in plans:
            changes, touched = self._apply_update(plan, skip)
            if not changes:
                continue
            update_fields |= touched
            if search_text.refresh_changed(plan.match, touched):
                update_fields.add("search_text")
            plan.match.updated_at = self.now
            if "version" in concrete:
                plan.match.version = (plan.match.version or 0) + 1
            changed.append(plan.match)
            entries.append(
                HistoryEntry(
                    content_type=content_type,
                    object_id=plan.match.pk,
                    object_repr=str(plan.match)[:300],
                    action=HistoryAction.UPDATE,
                    actor=self.actor.user,
                    at=self.now,
                    changes=changes,
                    message=self.message,
                )
            )
        if changed:
            update_fields |= {"updated_at", *extra}
            if "version" in concrete:
                update_fields.add("version")
            self.model._base_manager.bulk_update(changed, sorted(update_fields & concrete), batch_size=500)
            HistoryEntry.objects.bulk_create(entries, batch_size=1000)
        return changed

    def _attname(self, name: str) -> str:
        try:
            return self._attnames[name]
        except KeyError:
            pass
        try:
            attname = str(self.model._meta.get_field(name).attname)
        except Exception:
            attname = name
        self._attnames[name] = attname
        return attname

    def _write_account(self, plans: list[Plan]) -> None:
        new, old = self._split(plans)
        if self.copy:
            if new:
                sql, params = self.account_statement(new)
                with connection.cursor() as cursor:  # JSON as text here, not as bytes (bytea)
                    cursor.execute(sql, [p.decode() if isinstance(p, bytes) else p for p in params])
        else:
            objs = []
            for plan in new:
                values = {k: v for k, v in plan.values.items() if k not in ("lifecycle",)}
                obj = Account(
                    **values,
                    owner_id=plan.owner_id,
                    team_id=self._team_of(plan.owner_id),
                    created_by=self.actor.user,
                    owned_since=self.now if plan.owner_id else None,
                    lifecycle=plan.values.get("lifecycle") or Lifecycle.LEAD,
                )
                obj.name_key = normalize_name(obj.name)
                plan.obj = obj
                objs.append(obj)
            search_text.refresh(objs)
            Account.objects.bulk_create(objs, batch_size=1000)
            dedupe.refresh_keys_bulk("account", objs)
            self._record_created(objs)
        for plan in old:
            plan.extra["lifecycle_before"] = plan.match.lifecycle
        for plan in old:
            if "name" in plan.values:
                plan.values["name_key"] = normalize_name(plan.values["name"])
        changed = self._bulk_update(old) if old else []
        transitions = [
            LifecycleTransition(
                account=p.match,
                from_stage=p.extra["lifecycle_before"],
                to_stage=p.match.lifecycle,
                at=self.now,
                actor=self.actor.user,
            )
            for p in old
            if p.match.lifecycle != p.extra["lifecycle_before"]
        ]
        LifecycleTransition.objects.bulk_create(transitions)
        if changed:
            dedupe.refresh_keys_bulk("account", changed)

    def account_statement(
        self, plans: list[Plan], *, batch: list[Plan] | None = None, more_ids: int = 0
    ) -> tuple[str, list[Any]]:
        """New accounts as one statement (PostgreSQL): the accounts, their duplicate keys and their
        "created" history entries — and, given the whole ``batch``, its row results (counted into
        the totals, as ``results`` does) and the job's progress.

        Writes what the ORM path writes, without a model instance per row: ids are reserved from
        the table's sequence first, so the rows, the keys and the results can name them. The
        rows travel as JSON arrays in one parameter per table (``statements``).
        """
        fields = _concrete(Account)
        now = self.now
        defaults = {f.attname: f.get_default() for f in fields}
        defaults.update(created_by_id=self.actor.id, created_at=now, updated_at=now)
        # Each row carries the columns that differ from row to row; the others are the defaults,
        # sent once. Those are the fixed few, then the columns of whatever values the rows hold.
        extra: list[tuple[str, str, Any]] = [("name", "name", "")]  # (value name, attname, default)
        taken = {*statements.ACCOUNT_ROW_START, "name"}
        names_seen = {"name"}
        for plan in plans:
            for name in plan.values:
                if name not in names_seen:
                    names_seen.add(name)
                    attname = self._attname(name)
                    if attname in defaults and attname not in taken:
                        taken.add(attname)
                        extra.append((name, attname, defaults[attname]))
        extra_values = [(name, default) for name, _attname, default in extra]
        lead = Lifecycle.LEAD
        team_of = self.primary_team.get
        ids = self.account_ids.take(len(plans))
        rows: list[list[Any]] = []
        keys: list[tuple[int, str, str, str]] = []
        for plan, pk in zip(plans, ids, strict=True):
            values = plan.values
            owner_id = plan.owner_id
            lifecycle = values.get("lifecycle") or lead
            row: list[Any] = [  # in the order of statements.ACCOUNT_ROW_START
                pk,
                normalize_name(values["name"]),
                search_text.search_text_of_mapping(Account, values),
                owner_id,
                team_of(owner_id) if owner_id is not None else None,
                now if owner_id else None,
                lifecycle,
            ]
            row += [values.get(name, default) for name, default in extra_values]
            rows.append(row)
            plan.obj = _Written(pk, values["name"], lifecycle)
            found = plan.extra.get("dup_keys")
            if found is None:
                found = dedupe.keys_from_values("account", values)
            # The bucket is name_prefix(value): the first two characters of a name key.
            keys += [(pk, kind, value[:200], value[:2] if kind == "name" else "") for kind, value in found]
        results = self.results(batch) if batch is not None else None
        sql = statements.account_batch_sql(
            tuple(attname for _name, attname, _d in extra), with_results=results is not None
        )
        params: list[Any] = []
        if results is not None:  # moves the job's progress on from what this run committed last
            token = str(self.job.run_token) if self.job.run_token else None
            params += [self.totals.total, self.job.pk, token, self.committed]
        params += [
            statements.dumps(rows),
            statements.dumps([defaults[f.attname] for f in fields]),
            _content_type(Account).pk,
            HistoryAction.CREATE,
            self.actor.id,
            now,
            self.message[:500],
            statements.dumps(keys),
        ]
        if results is not None:
            params += [
                self.job.pk,
                statements.dumps(
                    [[r.row_number, r.status, r.record_id, r.messages, r.values] for r in results]
                ),
            ]
        params += [Account._meta.db_table, more_ids]
        return sql, params

    def _write_owned(self, plans: list[Plan]) -> None:
        """Contacts and leads: new ones in bulk with their owner's team, the rest updated, keys kept."""
        new, old = self._split(plans)
        objs = []
        for plan in new:
            obj = self.model(
                **plan.values,
                owner_id=plan.owner_id,
                team_id=self._team_of(plan.owner_id),
                created_by=self.actor.user,
            )
            plan.obj = obj
            objs.append(obj)
        search_text.refresh(objs)
        self.model.objects.bulk_create(objs, batch_size=1000)
        changed = self._bulk_update(old) if old else []
        dedupe.refresh_keys_bulk(self.resource, [*objs, *changed])
        self._record_created(objs)

    _write_contact = _write_owned
    _write_lead = _write_owned

    def _write_deal(self, plans: list[Plan]) -> None:
        new, old = self._split(plans)
        objs: list[Deal] = []
        for plan in new:
            stage: Stage = plan.extra["stage"]
            # Currency and amount are the row's (``_currency``, ``_deal_amount``): a blank amount
            # stays blank.
            values = {k: v for k, v in plan.values.items() if k not in ("stage_entered_at",)}
            obj = Deal(
                **values,
                owner_id=cast(int, plan.owner_id),
                team_id=self._team_of(plan.owner_id),
                created_by=self.actor.user,
                pipeline_id=stage.pipeline_id,
                stage=stage,
                status=_status_of(stage),
                stage_entered_at=plan.values.get("stage_entered_at") or self.now,
            )
            # A category the file gives is the owner's (kept through moves); else the stage's.
            if "forecast_category" in plan.values:
                obj.forecast_category_manual = True
            else:
                obj.forecast_category = stage.forecast_category
            plan.obj = obj
            objs.append(obj)
        search_text.refresh(objs)
        Deal.objects.bulk_create(objs, batch_size=1000)
        DealStageHistory.objects.bulk_create(
            [
                DealStageHistory(
                    deal=o, stage=o.stage, entered_at=o.stage_entered_at or self.now, actor=self.actor.user
                )
                for o in objs
            ],
            batch_size=1000,
        )
        moved: list[Plan] = []
        for plan in old:
            new_stage: Stage | None = plan.extra.get("stage")
            plan.extra["status_before"] = plan.match.status
            if new_stage is not None and new_stage.pk != plan.match.stage_id:
                plan.values["stage_id"] = new_stage.pk
                plan.values["pipeline_id"] = new_stage.pipeline_id
                plan.values["status"] = _status_of(new_stage)
                plan.values["stage_entered_at"] = plan.values.get("stage_entered_at") or self.now
                if "forecast_category" not in plan.values and not plan.match.forecast_category_manual:
                    plan.values["forecast_category"] = new_stage.forecast_category
                    plan.extra["category_from_stage"] = True
                moved.append(plan)
            if "forecast_category" in plan.values and not plan.extra.get("category_from_stage"):
                plan.values["forecast_category_manual"] = True
        if old:
            self._bulk_update(old)
        if moved:
            self._move_stage_history(moved)
        self._write_lines([p for p in plans if "product" in p.extra and not p.extra.get("lines_kept")])
        self._promote_won(plans)
        self._record_created(objs)

    def _move_stage_history(self, moved: list[Plan]) -> None:
        ids = [p.match.pk for p in moved]
        open_rows = list(DealStageHistory.objects.filter(deal_id__in=ids, left_at__isnull=True))
        for row in open_rows:
            row.left_at = self.now
            row.duration_seconds = max(0, int((self.now - row.entered_at).total_seconds()))
        DealStageHistory.objects.bulk_update(open_rows, ["left_at", "duration_seconds"], batch_size=500)
        DealStageHistory.objects.bulk_create(
            [
                DealStageHistory(
                    deal_id=p.match.pk,
                    stage_id=p.values["stage_id"],
                    entered_at=p.values["stage_entered_at"],
                    actor=self.actor.user,
                )
                for p in moved
            ]
        )

    def _write_lines(self, plans: list[Plan]) -> None:
        """One line item per row: the product at the row's amount (``_deal_amount`` decided it;
        a row without an amount has no product left to add)."""
        if not plans:
            return
        deals = [(p, p.obj if p.obj is not None else p.match) for p in plans]
        DealLine.objects.filter(deal_id__in=[d.pk for p, d in deals if p.match is not None]).delete()
        lines = []
        retotal: list[Deal] = []
        for plan, deal in deals:
            product: Product = plan.extra["product"]
            price = plan.values.get("amount")
            if price is None:
                price = plan.extra["line_amount"]
            lines.append(
                DealLine(
                    deal_id=deal.pk,
                    product=product,
                    quantity=Decimal("1"),
                    unit_price=price,
                    discount_percent=Decimal("0"),
                    amount=price,
                )
            )
            if deal.amount != price:
                deal.amount = price
                retotal.append(deal)
        DealLine.objects.bulk_create(lines, batch_size=1000)
        if retotal:
            Deal.all_objects.bulk_update(retotal, ["amount"], batch_size=500)

    def _promote_won(self, plans: list[Plan]) -> None:
        """A won deal makes its account a customer (as ``account_promote_on_win``), in bulk."""
        account_ids = set()
        for plan in plans:
            deal = plan.obj if plan.obj is not None else plan.match
            if (
                deal.status == DealStatus.WON
                and deal.account_id
                and plan.extra.get("status_before") != DealStatus.WON
            ):
                account_ids.add(deal.account_id)
        if not account_ids:
            return
        promote = list(
            Account.all_objects.filter(
                pk__in=sorted(account_ids),
                lifecycle__in=[Lifecycle.LEAD, Lifecycle.PROSPECT, Lifecycle.CHURNED],
            ).values_list("pk", "lifecycle")
        )
        if not promote:
            return
        LifecycleTransition.objects.bulk_create(
            [
                LifecycleTransition(
                    account_id=pk,
                    from_stage=stage,
                    to_stage=Lifecycle.CUSTOMER,
                    at=self.now,
                    actor=self.actor.user,
                )
                for pk, stage in promote
            ]
        )
        Account.all_objects.filter(pk__in=[pk for pk, _s in promote]).update(lifecycle=Lifecycle.CUSTOMER)

    def _write_product(self, plans: list[Plan]) -> None:
        new, old = self._split(plans)
        objs = []
        for plan in new:
            values = dict(plan.values)  # with its currency (``_currency``)
            if values.get("list_price") is None:
                values.pop("list_price", None)
            if values.get("is_active") is None:
                values.pop("is_active", None)
            obj = Product(**values)
            plan.obj = obj
            objs.append(obj)
        Product.objects.bulk_create(objs, batch_size=1000)
        for obj in objs:
            self.products[_loose(obj.name)].append(obj)
            if obj.code:
                self.product_codes[obj.code.casefold()] = obj
        if old:
            self._bulk_update(old)
        self._record_created(objs)

    def _write_activity(self, plans: list[Plan]) -> None:
        plans, old = self._split(plans)
        changed: list[Activity] = self._bulk_update(old) if old else []
        objs = []
        for plan in plans:
            values = dict(plan.values)
            values["subject"] = (values.get("subject") or "")[:200]
            values["content"] = values.get("content") or ""
            obj = Activity(**values, author=self.actor.user, team_id=self._team_of(self.actor.id))
            plan.obj = obj
            objs.append(obj)
        Activity.objects.bulk_create(objs, batch_size=1000)
        for link, model in (("account", Account), ("contact", Contact), ("lead", Lead), ("deal", Deal)):
            self._touch([*objs, *changed], link, model)
        self._record_created(objs)

    def _touch(self, objs: list[Activity], link: str, model: Any) -> None:
        """Last follow-up (never backwards) and next follow-up, as ``touch_follow_ups`` sets them."""
        latest: dict[int, Any] = {}
        next_on: dict[int, Any] = {}
        for obj in objs:
            pk = getattr(obj, f"{link}_id")
            if pk is None:
                continue
            if pk not in latest or latest[pk] < obj.occurred_at:
                latest[pk] = obj.occurred_at
            if obj.next_follow_up_on is not None:
                next_on[pk] = obj.next_follow_up_on
        if not latest:
            return
        records: list[Any] = list(
            model._base_manager.filter(pk__in=sorted(latest)).only(
                "pk", "last_follow_up_at", "next_follow_up_on"
            )
        )
        changed = []
        for record in records:
            dirty = False
            when = latest[record.pk]
            if record.last_follow_up_at is None or record.last_follow_up_at < when:
                record.last_follow_up_at = when
                dirty = True
            if record.pk in next_on:
                record.next_follow_up_on = next_on[record.pk]
                dirty = True
            elif (
                record.next_follow_up_on is not None
                and record.next_follow_up_on <= timezone.localtime(when).date()
            ):
                # A follow-up without a next one answers what was due by its day (decision 0027).
                record.next_follow_up_on = None
                dirty = True
            if dirty:
                changed.append(record)
        if changed:
            model._base_manager.bulk_update(
                changed, ["last_follow_up_at", "next_follow_up_on"], batch_size=500
            )

    # --- After the last batch -----------------------------------------------------------------

    def link_parents(self, *, write: bool) -> list[tuple[int, dict[str, str]]]:
        """Accounts' parents, named in the file: resolved once every row is in (they may come later).

        An unknown parent is a warning on the row, not an error: the account itself is fine.
        """
        if self.resource in PEOPLE_RESOURCES:
            return self.link_people(write=write)
        if not self.parent_links:
            return []
        texts = {p.raw["parent"] for _n, p in self.parent_links}
        keys = {normalize_name(t) for t in texts}
        known: dict[str, list[int]] = defaultdict(list)
        for pk, key in access.visible(
            self.actor, "account", Account.objects.filter(name_key__in=sorted(keys))
        ).values_list("pk", "name_key"):
            known[key].append(pk)
        warnings: list[tuple[int, dict[str, str]]] = []
        updates: list[Account] = []
        for number, plan in self.parent_links:
            if plan.failed:
                continue
            key = normalize_name(plan.raw["parent"])
            ids = known.get(key, [])
            record = plan.obj if plan.obj is not None else plan.match
            if not ids and not (not write and key in self.file_name_keys):
                message = {
                    "column": plan.column("parent"),
                    "message": _("No account called “%(name)s”; the parent was left empty.")
                    % {"name": plan.raw["parent"]},
                    "level": "warning",
                }
                warnings.append((number, message))
            elif (
                ids
                and write
                and record is not None
                and ids[0] != record.pk
                and getattr(record, "parent_id", None) != ids[0]
            ):
                if isinstance(record, Account):
                    record.parent_id = ids[0]
                    updates.append(record)
                else:  # written by COPY: no instance to update
                    updates.append(Account(pk=record.pk, parent_id=ids[0]))
        if updates:
            Account.all_objects.bulk_update(updates, ["parent_id"], batch_size=500)
        return warnings


def stored_totals(job: ImportJob, rows: dict[int, tuple[str, int | None]] | None = None) -> Totals:
    """The totals of the row results stored for ``job`` (what a run committed); ``rows`` collects
    each row's status and record."""
    totals = Totals()
    for number, status, record_id, messages in (
        ImportRowResult.objects.filter(job=job)
        .values_list("row_number", "status", "record_id", "messages")
        .iterator(chunk_size=5000)
    ):
        if rows is not None:
            rows[number] = (status, record_id)
        totals.total += 1
        if status == RowStatus.ERROR:
            totals.failed += 1
        else:
            totals.valid += 1
            totals.created += status == RowStatus.CREATED
            totals.updated += status == RowStatus.UPDATED
        if messages:
            totals.warnings += any(m.get("level") == "warning" for m in messages)
            totals.count_row_problems(messages)
    return totals


def _product_key(plan: Plan) -> tuple[str, str]:
    """What makes two rows of a product file the same product: the code, else the name."""
    code = plan.raw.get("code", "")
    return ("code", code.casefold()) if code else ("name", _loose(plan.raw.get("name", "")))


class _Written(NamedTuple):
    """A record written by COPY: what the rest of the import reads back (its id, name, stage)."""

    pk: int
    name: str
    lifecycle: str


def _key_hits(
    by_kind: dict[str, set[str]], targets: tuple[str, ...]
) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """Records of ``targets`` types holding any of the keys: ``(kind, value) -> [(type, id)]``.

    PostgreSQL: one query for every kind, the keys passed as two JSON arrays (no thousands of
    parameters to send and plan; one text value each is far cheaper to send than a text array
    adapted element by element), each key looked up on its own in the (kind, value) index. The
    lateral subquery with ``OFFSET 0`` keeps it that way: as a plain join against ``unnest`` the
    planner turned to a hash join over the whole table once the table had grown during an import
    (ten times slower), and ``value = ANY(array)`` per kind was four times slower still.
    Elsewhere one ``IN`` query per kind.
    """
    hits: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    if not by_kind:
        return hits
    if _can_copy():
        kinds: list[str] = []
        values: list[str] = []
        for kind, kind_values in by_kind.items():
            for value in sorted(kind_values):
                kinds.append(kind)
                values.append(value)
        table = connection.ops.quote_name(DuplicateKey._meta.db_table)
        sql = (
            "SELECT d.kind, d.value, d.record_type, d.record_id"  # noqa: S608 (the model's own table name)
            " FROM ROWS FROM (jsonb_array_elements_text(%s::jsonb), jsonb_array_elements_text(%s::jsonb))"
            " AS q(kind, value)"
            f" CROSS JOIN LATERAL (SELECT * FROM {table} d"
            " WHERE d.kind = q.kind AND d.value = q.value AND d.record_type = ANY(%s::text[]) OFFSET 0) d"
            " ORDER BY d.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,  # the model's own table name, no input
                [json.dumps(kinds), json.dumps(values, ensure_ascii=False), list(targets)],
            )
            for kind, value, rt, rid in cursor.fetchall():
                hits[(kind, value)].append((rt, rid))
        return hits
    for kind, kind_values in by_kind.items():
        for rt, rid, value in (
            DuplicateKey.objects.filter(kind=kind, value__in=sorted(kind_values), record_type__in=targets)
            .order_by("pk")
            .values_list("record_type", "record_id", "value")
        ):
            hits[(kind, value)].append((rt, rid))
    return hits


class _IdBlock:
    """Ids for new rows from the table's own sequence, fetched a few thousand at a time (one
    query each) rather than one batch at a time; ids left over at the end are gaps, as any
    rolled-back insert leaves."""

    def __init__(self, model: Any, size: int = 10_000) -> None:
        self.model = model
        self.size = size
        self.ids: list[int] = []

    def take(self, count: int) -> list[int]:
        if count > len(self.ids):
            self.ids += _reserve_ids(self.model, max(self.size, count - len(self.ids)))
        taken, self.ids = self.ids[:count], self.ids[count:]
        return taken

    def add(self, answer: str | None) -> None:
        """Ids a batch's statement reserved on the way (comma-separated text, or nothing)."""
        if answer:
            self.ids += [int(pk) for pk in answer.split(",")]

    def wanted(self, batch: int) -> int:
        """How many more ids to ask for so that three batches' worth are at hand."""
        return max(0, 3 * batch - len(self.ids))


def _batch_size() -> int:
    return BATCH_SIZE if _can_copy() else min(BATCH_SIZE, SQLITE_BATCH_SIZE)


def _can_copy() -> bool:
    return connection.vendor == "postgresql"


_CONCRETE: dict[Any, list[Any]] = {}


def _concrete(model: Any) -> list[Any]:
    if model not in _CONCRETE:
        _CONCRETE[model] = list(model._meta.concrete_fields)
    return _CONCRETE[model]


def _reserve_ids(model: Any, count: int) -> list[int]:
    """``count`` ids from the table's own sequence, in one query (so rows can be COPY-ed with ids)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy_rows(model: Any, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY ``rows`` (tuples in the order of ``columns``, by attname) into the model's table."""
    names = {f.attname: f.column for f in _concrete(model)}
    cols = ", ".join(connection.ops.quote_name(names[c]) for c in columns)
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor
        with raw.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def zone_of(actor: Actor) -> datetime.tzinfo:
    """The importing person's time zone, in which a file's wall times are read (the server's
    when theirs is unknown): the same in a dry run, a background job and the CLI."""
    name = getattr(actor.user, "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_default_timezone()


def _status_of(stage: Stage) -> str:
    return {StageKind.OPEN: DealStatus.OPEN, StageKind.WON: DealStatus.WON, StageKind.LOST: DealStatus.LOST}[
        StageKind(stage.kind)
    ]


def _content_type(model: type[models.Model]) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(model, for_concrete_model=True)


# --- Running a job ----------------------------------------------------------------------------


def _save_progress(job: ImportJob, importer: Importer, *, persist: bool, beat: bool = True) -> None:
    """The rows done so far. ``persist``: in the transaction of a batch being committed, moved on
    from what this run committed last (``runs.commit_progress``: refused, with the batch, if the
    job is no longer this run's). Otherwise a heartbeat (``beat=False``: none from here, where a
    statement in flight writes it)."""
    done = importer.totals.total
    job.progress = done
    if persist:
        runs.commit_progress(job, done=done, previous=importer.committed)
        importer.committed = done
    elif beat:
        runs.beat(job, done=done)
    else:
        runs.remember_progress(job.pk, done)


def _save_results(job: ImportJob, results: list[RowResult]) -> None:
    if not results:
        return
    if _can_copy():
        _copy_rows(
            ImportRowResult,
            ["job_id", "row_number", "status", "record_id", "messages", "values"],
            (
                (
                    job.pk,
                    r.row_number,
                    r.status,
                    r.record_id,
                    json.dumps(r.messages, ensure_ascii=False) if r.messages else "[]",
                    json.dumps(r.values, ensure_ascii=False) if r.values else "[]",
                )
                for r in results
            ),
        )
        return
    ImportRowResult.objects.bulk_create(
        [
            ImportRowResult(
                job=job,
                row_number=r.row_number,
                status=r.status,
                record_id=r.record_id,
                messages=r.messages,
                values=r.values,
            )
            for r in results
        ],
        batch_size=1000,
    )


def store_totals(job: ImportJob, totals: Totals) -> None:
    job.total_rows = totals.total
    job.valid_rows = totals.valid
    job.created_count = totals.created
    job.updated_count = totals.updated
    job.skipped_count = totals.skipped
    job.failed_count = totals.failed
    job.warning_count = totals.warnings
    job.problems = totals.problem_summary()
    job.fills = totals.fill_summary()
    job.progress = totals.total


def _add_warnings(job: ImportJob, warnings: list[tuple[int, dict[str, str]]]) -> None:
    if not warnings:
        return
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for number, message in warnings:
        by_row[number].append(message)
    rows = list(ImportRowResult.objects.filter(job=job, row_number__in=sorted(by_row)))
    for row in rows:
        row.messages = [*row.messages, *by_row[row.row_number]]
    ImportRowResult.objects.bulk_update(rows, ["messages"], batch_size=500)


class _Writer:
    """Writes checked batches on a database connection of its own while the caller checks on.

    Checking is Python's work and writing mostly the database's, so on two cores an import takes
    about the longer of the two instead of their sum. A later batch's checks need nothing from
    an earlier batch's writes: rows are compared with the file's earlier rows in memory, and the
    records this import created are left out of database matches (``Importer.written_ids``).

    ``single_transaction``: every task runs in one transaction (all-or-nothing mode), rolled back
    when ``finish(rollback=True)`` is called or a task fails; otherwise each task brings its own.
    """

    def __init__(self, *, single_transaction: bool) -> None:
        self.single = single_transaction
        self.tasks: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=2)
        self.rollback = False
        self.error: BaseException | None = None
        self.language = translation.get_language()
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def submit(self, task: Callable[[], None]) -> None:
        self._put(task)
        if self.error is not None:
            raise self.error

    def finish(self, *, rollback: bool = False) -> None:
        """Wait for every submitted task; the first error a task raised is raised here."""
        self.rollback = rollback
        self._put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _put(self, task: Callable[[], None] | None) -> None:
        while self.thread.is_alive():
            try:
                self.tasks.put(task, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            with translation.override(self.language):
                if self.single:
                    with transaction.atomic():
                        self._drain()
                        if self.rollback or self.error is not None:
                            transaction.set_rollback(True)
                else:
                    self._drain()
        except BaseException as exc:
            if self.error is None:
                self.error = exc
        finally:
            connection.close()

    def _drain(self) -> None:
        while True:
            task = self.tasks.get()
            if task is None:
                return
            if self.error is not None:
                continue  # after a failure, take what is queued without running it
            try:
                task()
            except BaseException as exc:
                self.error = exc


def _pipelined(commit: bool) -> bool:
    """Write on a second connection? PostgreSQL, an import, and not inside a caller's transaction
    (a second connection could not see what that transaction holds)."""
    return PIPELINE and commit and _can_copy() and not connection.in_atomic_block


_GC_LOCK = threading.Lock()
_GC_RUNNING = 0
_GC_SAVED: tuple[int, int, int] = (700, 10, 10)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while an import runs (restored after, also when several
    imports overlap). An import allocates millions of short-lived objects and creates few cycles;
    with the default threshold the collector ran every 700 allocations over a heap of hundreds of
    thousands of live objects, about an eighth of the import's time."""
    global _GC_RUNNING, _GC_SAVED
    with _GC_LOCK:
        if _GC_RUNNING == 0:
            _GC_SAVED = gc.get_threshold()
            gc.set_threshold(max(_GC_SAVED[0], 50_000), *_GC_SAVED[1:])
        _GC_RUNNING += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_RUNNING -= 1
            if _GC_RUNNING == 0:
                gc.set_threshold(*_GC_SAVED)


def execute(job: ImportJob, actor: Actor, *, commit: bool) -> Totals:
    """Check (and, with ``commit``, write) every row of the job's file. Results replace earlier ones.

    Skip mode writes batch by batch, each in its own transaction, leaving bad rows out.
    All-or-nothing mode writes inside one transaction that is rolled back as soon as the end is
    reached with any bad row, so either every row is in or none is.
    """
    # Times without a zone in the file are the importer's local times (as Tandem's exports write
    # them for the person exporting), wherever the job runs.
    with _fewer_collections(), timezone.override(zone_of(actor)):
        return _execute(job, actor, commit=commit)


def _execute(job: ImportJob, actor: Actor, *, commit: bool) -> Totals:
    path = Path(job.file.path)
    info = reading.FileInfo(
        format=job.format, encoding=job.encoding, delimiter=job.delimiter, sheet=job.sheet
    )
    all_or_nothing = commit and job.mode == "all"
    # Skip mode commits batch by batch: a retried import goes on after the rows an earlier run
    # committed (the job's progress), which are not read as rows again. Otherwise it starts over.
    resume = job.progress if commit and not all_or_nothing else 0
    if not resume:
        ImportRowResult.objects.filter(job=job).delete()
    importer = Importer(job, actor)
    if importer.resource in PEOPLE_RESOURCES:
        # Every name in the file first: a row may name a manager or parent whose row comes later.
        importer.prescan(importer._plan(n, c) for n, c in reading.iter_rows(path, info))
    rows = reading.iter_rows(path, info)
    if resume:
        importer.resume(islice(rows, resume))
    if _pipelined(commit):
        if all_or_nothing:
            return _execute_all_pipelined(job, importer, rows)
        return _execute_skip_pipelined(job, importer, rows)
    if not all_or_nothing:
        for chunk in _chunks(rows, _batch_size()):
            with transaction.atomic():
                results = importer.run_batch(chunk, write=commit)
                _save_results(job, results)
                _save_progress(job, importer, persist=True)  # in the batch's transaction: one commit
        _link_parents(job, importer, write=commit)
        return importer.totals
    failed = False
    with transaction.atomic():
        for chunk in _chunks(rows, _batch_size()):
            results = importer.run_batch(chunk, write=not failed)
            bad = [r for r in results if r.status == RowStatus.ERROR]
            if bad:
                failed = True
                importer.kept_errors.extend(bad)
            if not failed:
                _save_results(job, results)
            _save_progress(job, importer, persist=False)
        if not failed:
            _link_parents(job, importer, write=True)
            runs.seal(job, importer.totals)  # done, in the transaction that holds the rows
        else:
            transaction.set_rollback(True)
    if failed:
        _save_results(job, importer.kept_errors)
        totals = importer.totals
        totals.skipped = totals.valid
        totals.created = totals.updated = 0
    return importer.totals


def _write_committed(job: ImportJob, importer: Importer, plans: list[Plan]) -> None:
    """Skip mode: a checked batch written with its row results and progress, in one transaction."""
    with transaction.atomic():
        importer.write_batch(plans)
        _save_results(job, importer.results(plans))
        _save_progress(job, importer, persist=True)


def _link_parents(job: ImportJob, importer: Importer, *, write: bool) -> None:
    """After the last batch: parents named by rows of the file, their warnings onto those rows."""
    warnings = importer.link_parents(write=write)
    _add_warnings(job, warnings)
    totals = importer.totals
    totals.warnings += len({n for n, _m in warnings})
    for _number, message in warnings:  # one parent warning a row
        totals.count_row_problems([message])


def _execute_skip_sent(job: ImportJob, importer: Importer, rows: Iterable[tuple[int, list[str]]]) -> Totals:
    """Skip mode for accounts on PostgreSQL: each checked batch is one statement, sent on a
    connection of its own while the next batch is checked (``statements.Sender``).

    A batch that updates existing accounts (external ids) is written through the ORM on this
    connection instead, after the batch in flight has finished, so batches land in file order.
    """
    sender = statements.Sender()
    size = _batch_size()
    try:
        for chunk in _chunks(rows, size):
            plans = importer.check_batch(chunk)
            good = [p for p in plans if not p.failed]
            if any(p.match is not None for p in good):
                importer.account_ids.add(sender.collect())
                _write_committed(job, importer, plans)
                continue
            sql, params = importer.account_statement(
                good, batch=plans, more_ids=importer.account_ids.wanted(size)
            )
            importer.written_ids.update(p.obj.pk for p in good)
            importer.account_ids.add(sender.send(sql, params))
            importer.committed = importer.totals.total  # once the statement lands (else it raises)
            _save_progress(job, importer, persist=False, beat=False)  # the statement beats
    except BaseException:
        sender.abandon()  # the batch in flight lands or fails on its own; its progress says which
        raise
    sender.finish()
    _link_parents(job, importer, write=True)
    return importer.totals


def _execute_skip_pipelined(
    job: ImportJob, importer: Importer, rows: Iterable[tuple[int, list[str]]]
) -> Totals:
    """Skip mode with a writer: each checked batch is written and committed by the writer."""
    if importer.resource == "account":
        return _execute_skip_sent(job, importer, rows)

    writer = _Writer(single_transaction=False)
    try:
        for chunk in _chunks(rows, _batch_size()):
            plans = importer.check_batch(chunk)
            writer.submit(functools.partial(_write_committed, job, importer, plans))
    finally:
        writer.finish()
    _link_parents(job, importer, write=True)
    return importer.totals


def _execute_all_pipelined(
    job: ImportJob, importer: Importer, rows: Iterable[tuple[int, list[str]]]
) -> Totals:
    """All-or-nothing with a writer: one transaction on the writer's connection, rolled back at
    the first bad row; the rest of the file is then only checked, to report every bad row."""

    def write(plans: list[Plan]) -> None:
        importer.write_batch(plans)
        _save_results(job, importer.results(plans))
        _save_progress(job, importer, persist=False)

    writer: _Writer | None = _Writer(single_transaction=True)
    try:
        for chunk in _chunks(rows, _batch_size()):
            if writer is not None:
                plans = importer.check_batch(chunk)
                if not any(p.failed for p in plans):
                    writer.submit(functools.partial(write, plans))
                    runs.beat(job)  # from this connection: the writer's transaction is open
                    continue
                writer.finish(rollback=True)  # the writer is idle from here: its totals are final
                writer = None
                results = importer.results(plans)
            else:
                results = importer.run_batch(chunk, write=False)
            importer.kept_errors.extend(r for r in results if r.status == RowStatus.ERROR)
            _save_progress(job, importer, persist=False)
        if writer is not None:
            writer.submit(functools.partial(_link_parents, job, importer, write=True))
            writer.submit(functools.partial(runs.seal, job, importer.totals))
    except BaseException:
        if writer is not None:
            writer.finish(rollback=True)
        raise
    if writer is not None:
        writer.finish()
        return importer.totals
    _save_results(job, importer.kept_errors)
    totals = importer.totals
    totals.skipped = totals.valid
    totals.created = totals.updated = 0
    return totals
