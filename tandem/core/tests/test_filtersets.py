"""Filter sets whose form takes its fields without copying them (tandem.core.filtersets)."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict

from tandem.core.filtersets import FilterSet
from tandem.org.models import Team

pytestmark = pytest.mark.django_db


class TeamPicker(FilterSet):
    name = django_filters.CharFilter(max_length=10)
    parent = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), field_name="parent")

    class Meta:
        model = Team
        fields = ["name", "parent"]


def test_each_filter_set_has_fields_of_its_own() -> None:
    first, second = TeamPicker(QueryDict("name=a")), TeamPicker(QueryDict("name=b"))
    for name in ("name", "parent"):
        assert first.form.fields[name] is first.filters[name].field
        assert first.form.fields[name] is not second.form.fields[name]
    first.form.fields["name"].widget.attrs["class"] = "form-control"
    assert "class" not in second.form.fields["name"].widget.attrs
    assert "class" not in TeamPicker.base_filters["name"].field.widget.attrs


def test_forms_validate_and_filter_as_before() -> None:
    top = Team.objects.create(name="Top")
    below = Team.objects.create(name="Below", parent=top)
    Team.objects.create(name="Elsewhere")
    chosen = TeamPicker(QueryDict(f"parent={top.pk}"), queryset=Team.objects.all())
    assert chosen.is_valid()
    assert list(chosen.qs) == [below]
    too_long = TeamPicker(QueryDict("name=" + "x" * 11), queryset=Team.objects.all())
    assert not too_long.is_valid()
    assert "name" in too_long.errors
    missing = TeamPicker(QueryDict("parent=999999"), queryset=Team.objects.all())
    assert not missing.is_valid()
    assert "parent" in missing.errors
