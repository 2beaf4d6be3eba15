"""Defaults seeded after ``migrate`` wait until their app is fully migrated."""

from __future__ import annotations

import pytest
from django.apps import apps

from tandem.core import migrating
from tandem.deals.models import Pipeline

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("label", ["org", "customers", "deals", "imports"])
def test_it_knows_an_app_is_fully_migrated(label: str) -> None:
    assert migrating.fully_migrated(label)


def test_the_default_pipeline_is_not_seeded_into_a_half_migrated_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tandem.deals.apps import _ensure_defaults

    Pipeline.objects.all().delete()
    monkeypatch.setattr(migrating, "fully_migrated", lambda label, using="default": False)
    _ensure_defaults(apps.get_app_config("deals"), using="default")
    assert not Pipeline.objects.exists()
    monkeypatch.undo()
    _ensure_defaults(apps.get_app_config("deals"), using="default")
    assert Pipeline.objects.exists()
