"""Model choices are read once a form, with a plain query (``tandem.core.choices``)."""

from __future__ import annotations

from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.conftest import World
from tandem.org.models import Membership, Team


class TeamForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"))
    teams = forms.ModelMultipleChoiceField(queryset=Team.objects.order_by("name"), required=False)


def test_a_select_reads_its_options_once_and_draws_them_all(world: World) -> None:
    form = TeamForm()
    with CaptureQueriesContext(connection) as ctx:
        html = str(form["team"]) + str(form["teams"])

    assert len(ctx.captured_queries) == 2  # one a field, not one each time its choices are walked
    assert not [q for q in ctx.captured_queries if "DECLARE" in q["sql"]]  # no server-side cursor
    for team in Team.objects.all():
        assert html.count(f'value="{team.pk}"') == 2
    assert html.count("<option") == Team.objects.count() * 2 + 1  # the single select's empty option


def test_another_queryset_is_read_afresh_and_each_form_reads_its_own(world: World) -> None:
    form = TeamForm()
    assert len(list(form.fields["team"].choices)) == Team.objects.count() + 1
    form.fields["team"].queryset = Team.objects.filter(pk=world.east.pk)
    assert [str(label) for _value, label in form.fields["team"].choices] == ["---------", str(world.east)]
    assert len(form.fields["team"].choices) == 2

    Team.objects.create(name="Newcomers", parent=world.company)
    later = TeamForm()  # a new form (a new request) sees the new team
    assert "Newcomers" in str(later["team"])
    assert "Newcomers" not in [str(label) for _v, label in form.fields["team"].choices]


def test_a_list_filters_selects_read_their_options_once(world: World) -> None:
    """django-filter's model choices (with its "null" choice) go through the same reading."""
    import django_filters

    class TeamFilter(django_filters.FilterSet):
        team = django_filters.ModelChoiceFilter(queryset=Team.objects.order_by("name"), null_label="None")

        class Meta:
            model = Membership
            fields = ["team"]

    form = TeamFilter({}, queryset=Membership.objects.all()).form
    with CaptureQueriesContext(connection) as ctx:
        html = str(form["team"])

    assert len(ctx.captured_queries) == 1
    assert 'value="null"' in html and html.count("<option") == Team.objects.count() + 2
