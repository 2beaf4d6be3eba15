"""Every test has an id of its own (``tandem/conftest.py``): pytest-xdist, which ``make test`` runs
the suite under, schedules tests by id, and ran one of 326 schemathesis operations that shared one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tandem.conftest import pytest_collection_modifyitems

ROOT = Path(__file__).resolve().parents[3]


def test_each_schemathesis_operation_is_a_test_of_its_own() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tandem/core/tests/test_schemathesis.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ids = [line for line in listed.splitlines() if "::" in line]
    assert len(ids) > 300  # every operation of the API
    assert len(set(ids)) == len(ids)
    assert (
        "tandem/core/tests/test_schemathesis.py::test_every_operation_answers_as_documented[GET /api/v1/accounts/]"
        in ids
    )


def test_two_tests_with_one_id_stop_the_run() -> None:
    items: list[Any] = [
        SimpleNamespace(nodeid="tandem/x/test_a.py::test_b", name="test_b"),
        SimpleNamespace(nodeid="tandem/x/test_a.py::test_c", name="test_c"),
        SimpleNamespace(nodeid="tandem/x/test_a.py::test_b", name="test_b"),
    ]
    with pytest.raises(pytest.UsageError, match=r"test_a\.py::test_b"):
        pytest_collection_modifyitems(items)
    pytest_collection_modifyitems(items[:2])  # distinct ids: nothing to say
