"""The import's writer: on PostgreSQL, outside a transaction, batches are written on a second
connection while the next batch is checked. Results must be exactly those of writing in line.

These tests commit for real (``transaction=True``): the writer's connection cannot see a test's
open transaction.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from tandem.conftest import World
from tandem.core.models import HistoryEntry
from tandem.customers.models import Account, DuplicateKey, LifecycleTransition
from tandem.imports import engine
from tandem.imports.models import ImportRowResult, ImportStatus

from .helpers import run, write_csv

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the writer runs on PostgreSQL only"),
]

ROWS = [
    ["name", "phone", "email", "parent"],
    ["Harbour Freight Ltd", "13900139001", "ops@harbour.example", ""],
    ["Quayside Foods", "13900139002", "", "Harbour Freight"],
    ["Harbour Freight Limited", "", "", ""],  # the same name as row 2: blocked
    ["Inland Tools", "not a phone", "", ""],  # a bad cell
    ["Harbor Freight Ltd", "13900139005", "", ""],  # a similar name to row 2: a warning
    ["Coastal Paper", "13900139001", "", ""],  # the same phone as row 2: a warning
    ["Delta Parts", "", "bad@@example", ""],  # a bad cell
]


def _outcome(job_id: int) -> list[tuple[int, str, list[str]]]:
    return [
        (r.row_number, r.status, [m["message"] for m in r.messages])
        for r in ImportRowResult.objects.filter(job_id=job_id).order_by("row_number")
    ]


def _clear() -> None:
    ids = list(Account.all_objects.values_list("pk", flat=True))
    DuplicateKey.objects.filter(record_type="account", record_id__in=ids).delete()
    HistoryEntry.objects.filter(object_id__in=ids).delete()
    LifecycleTransition.objects.all().delete()
    Account.all_objects.update(parent=None)
    Account.all_objects.all().delete()


def _both_ways(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> tuple[Any, Any, list[Any], list[Any]]:
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    path = write_csv(tmp_path / "a.csv", ROWS)
    actor = world.actor(world.manager)
    outcomes, jobs = [], []
    for pipeline in (False, True):
        monkeypatch.setattr(engine, "PIPELINE", pipeline)
        job = run(actor, "account", path, mode=mode, import_duplicates=True)
        accounts = sorted(
            (a.name, a.phone, a.parent.name if a.parent else "")
            for a in Account.objects.select_related("parent")
        )
        keys = DuplicateKey.objects.filter(record_type="account").count()
        outcomes.append((_outcome(job.pk), accounts, keys))
        jobs.append(job)
        _clear()
    return jobs[0], jobs[1], outcomes[0], outcomes[1]


def test_skip_mode_writes_the_same_rows_with_or_without_the_writer(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline, piped, inline_out, piped_out = _both_ways(world, tmp_path, monkeypatch, "skip")
    assert piped_out == inline_out
    rows, accounts, keys = piped_out
    assert [n for n, status, _m in rows if status == "error"] == [4, 5, 8]
    assert ("Quayside Foods", "+8613900139002", "Harbour Freight Ltd") in accounts  # parent linked
    assert len(accounts) == 4 and keys > 4
    for job in (inline, piped):
        assert (job.status, job.created_count, job.failed_count, job.warning_count) == (
            ImportStatus.DONE,
            4,
            3,
            2,
        )


def test_all_or_nothing_writes_nothing_and_reports_every_bad_row(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline, piped, inline_out, piped_out = _both_ways(world, tmp_path, monkeypatch, "all")
    assert piped_out == inline_out
    rows, accounts, keys = piped_out
    assert [n for n, _status, _m in rows] == [4, 5, 8]  # only the bad rows are kept
    assert accounts == [] and keys == 0
    for job in (inline, piped):
        assert job.status == ImportStatus.FAILED and job.created_count == 0 and job.failed_count == 3
    assert not HistoryEntry.objects.filter(message=f"import #{piped.pk}").exists()


def test_all_or_nothing_with_good_rows_writes_them_all(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    good = [ROWS[0], ROWS[1], ROWS[2], ROWS[5], ROWS[6]]
    job = run(
        world.actor(world.manager),
        "account",
        write_csv(tmp_path / "a.csv", good),
        mode="all",
        import_duplicates=True,
    )
    assert job.created_count == 4 and job.failed_count == 0
    quayside = Account.objects.get(name="Quayside Foods")
    assert quayside.parent is not None and quayside.parent.name == "Harbour Freight Ltd"
    assert HistoryEntry.objects.filter(message=f"import #{job.pk}").count() == 4
    assert ImportRowResult.objects.filter(job=job, status="created").count() == 4


def test_a_batch_the_database_refuses_stops_the_import_and_says_how_far_it_got(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Skip mode sends each batch of new accounts as one statement on a connection of its own; a
    # batch the server refuses (here: the second one names a person who does not exist) is left
    # out whole, the ones before it stay, and nothing after it is sent.
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    original = engine.Importer.account_statement
    calls = {"n": 0}

    def spoiled(self: engine.Importer, plans: list[engine.Plan], **kwargs: Any) -> tuple[str, list[Any]]:
        calls["n"] += 1
        if calls["n"] == 2:
            for plan in plans:
                plan.owner_id = 999_999_999
        return original(self, plans, **kwargs)

    monkeypatch.setattr(engine.Importer, "account_statement", spoiled)
    good = [ROWS[0], ROWS[1], ROWS[2], ROWS[5], ROWS[6]]
    with translation.override("en"):
        job = run(
            world.actor(world.manager),
            "account",
            write_csv(tmp_path / "a.csv", good),
            mode="skip",
            import_duplicates=True,
        )
    assert job.status == ImportStatus.INTERRUPTED and "WriteFailed" in job.error  # retry offered
    assert "after row 3" in job.error
    assert sorted(Account.objects.values_list("name", flat=True)) == sorted([ROWS[1][0], ROWS[2][0]])
    assert ImportRowResult.objects.filter(job=job, status="created").count() == 2
    assert HistoryEntry.objects.filter(message=f"import #{job.pk}").count() == 2
    assert calls["n"] == 2  # nothing sent after the refused batch


@pytest.mark.parametrize("mode", ["skip", "all"])
def test_a_failing_write_stops_the_import_and_says_so(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    calls = {"n": 0}
    if mode == "skip":  # new accounts go in as one statement a batch
        original_statement = engine.Importer.account_statement

        def failing_statement(
            self: engine.Importer, plans: list[engine.Plan], **kwargs: Any
        ) -> tuple[str, list[Any]]:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full")
            return original_statement(self, plans, **kwargs)

        monkeypatch.setattr(engine.Importer, "account_statement", failing_statement)
    else:
        original = engine.Importer._write_account

        def failing(self: engine.Importer, plans: list[engine.Plan]) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk full")
            original(self, plans)

        monkeypatch.setattr(engine.Importer, "_write_account", failing)
    good = [ROWS[0], ROWS[1], ROWS[2], ROWS[5], ROWS[6]]
    with translation.override("en"):  # the job's messages are in the language it was started in
        job = run(
            world.actor(world.manager),
            "account",
            write_csv(tmp_path / "a.csv", good),
            mode=mode,
            import_duplicates=True,
        )
    assert job.status == ImportStatus.INTERRUPTED and "RuntimeError" in job.error  # retry offered
    # Skip mode keeps the batch committed before the failure, and says so; all-or-nothing keeps nothing.
    if mode == "skip":
        assert Account.objects.count() == 2 and "after row 3" in job.error  # row 1 is the header
    else:
        assert Account.objects.count() == 0 and "nothing was written" in job.error


def test_sent_accounts_keep_dates_levels_and_defaults_as_the_form_would(world: World, tmp_path: Path) -> None:
    # The statement path carries only the columns that vary; dates travel as JSON text.
    later = (timezone.localdate() + datetime.timedelta(days=9)).isoformat()
    path = write_csv(
        tmp_path / "a.csv",
        [
            ["name", "level", "next follow-up", "city"],
            ["Dated Co", "A", later, "杭州"],
            ["Plain Co", "", "", ""],
        ],
    )
    job = run(world.actor(world.manager), "account", path, mode="skip")
    assert job.status == ImportStatus.DONE and job.created_count == 2
    dated, plain = Account.objects.get(name="Dated Co"), Account.objects.get(name="Plain Co")
    assert (dated.next_follow_up_on.isoformat(), dated.level.code, dated.city) == (later, "A", "杭州")
    assert (plain.next_follow_up_on, plain.level, plain.country, plain.version) == (None, None, "CN", 1)
    assert dated.created_by == world.manager and dated.owner == world.manager
