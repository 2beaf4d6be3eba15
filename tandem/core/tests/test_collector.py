"""The collector settings a gunicorn worker takes once it has started (tandem.core.collector)."""

from __future__ import annotations

import gc
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest

from tandem.core import collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_settle_freezes_what_is_loaded_and_collects_the_young_less_often(restored_collector: None) -> None:
    _young, middle, old = gc.get_threshold()
    collector.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.YOUNG, middle, old)


def test_a_gunicorn_worker_settles_once_started(restored_collector: None) -> None:
    path = Path(__file__).resolve().parents[3] / "config" / "gunicorn_conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", path)
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    conf.post_worker_init(worker=None)
    assert gc.get_threshold()[0] == collector.YOUNG
    assert gc.get_freeze_count() > 0
