"""The form renderer writes selects exactly as Django's templates do."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from tandem.core.forms_renderer import Renderer


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("1", "<b>one</b>"), (2, 3)])
    grouped = forms.ChoiceField(
        choices=[("", "Any"), ("东区", [("e1", "华东一部"), ("e2", gettext_lazy("Owner"))]), ("w", "West")]
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", 'Y "quoted"'), ("z", "Z")])
    maybe = forms.NullBooleanField(widget=forms.NullBooleanSelect)
    flagged = forms.ChoiceField(
        choices=[("a", "A")],
        widget=forms.Select(
            attrs={
                "class": "form-select",
                "disabled": True,
                "hidden": False,
                "data-x": 0,
                "title": mark_safe("<i>"),
            }
        ),
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "a", "grouped": "e2", "many": ["x", "z"], "maybe": "true", "flagged": "a"},
        {"plain": "<script>", "grouped": "nope", "many": ["y"], "maybe": "false"},
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_selects_are_written_as_the_templates_write_them(data: Any, language: str) -> None:
    with override(language):
        for name in Everything.base_fields:
            ours = Everything(data, renderer=Renderer())[name].as_widget()
            theirs = Everything(data, renderer=DjangoTemplates())[name].as_widget()
            assert ours == theirs, name
            assert "<select" in ours


class Inputs(forms.Form):
    text = forms.CharField(
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "名称 & <co>"})
    )
    number = forms.DecimalField(widget=forms.NumberInput(attrs={"step": "0.01", "min": 0, "required": True}))
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "disabled": False}))
    at = forms.DateTimeField()
    email = forms.EmailField()
    url = forms.URLField(assume_scheme="https")
    phone = forms.CharField(widget=forms.TextInput(attrs={"type": "tel", "title": mark_safe("<i>")}))
    search = forms.CharField(widget=forms.SearchInput)
    colour = forms.CharField(widget=forms.ColorInput)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    time = forms.TimeField()
    agree = forms.BooleanField()
    upload = forms.FileField()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": 'A "quoted" <b>name</b> & co',
            "number": "12.50",
            "on": "2026-12-06",
            "at": "2026-12-06 09:30",
            "email": "a@b.example",
            "url": "https://x.example/?a=1&b=2",
            "phone": "+86 138",
            "search": "王",
            "colour": "#ff0000",
            "secret": "s3<cr>et",
            "hidden": "7",
            "time": "09:30",
            "agree": "on",
        },
        {"text": "", "number": "not a number", "on": "yesterday", "agree": ""},
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_inputs_are_written_as_the_templates_write_them(data: Any, language: str) -> None:
    with override(language):
        for name in Inputs.base_fields:
            ours = Inputs(data, renderer=Renderer())[name].as_widget()
            theirs = Inputs(data, renderer=DjangoTemplates())[name].as_widget()
            assert ours == theirs, name
            assert "<input" in ours


def test_every_input_template_is_only_the_input() -> None:
    from pathlib import Path

    import django

    from tandem.core.forms_renderer import INPUTS

    folder = Path(django.__file__).parent / "forms" / "templates"
    for name in INPUTS:
        assert (folder / name).read_text() == '{% include "django/forms/widgets/input.html" %}\n', name


def test_other_widgets_are_left_to_the_templates() -> None:
    class Other(forms.Form):
        text = forms.CharField(widget=forms.Textarea)
        choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    for name in ("text", "choice"):
        assert (
            Other(renderer=Renderer())[name].as_widget()
            == Other(renderer=DjangoTemplates())[name].as_widget()
        )


@pytest.mark.django_db
def test_people_options_choose_the_selected_person_and_mark_who_left() -> None:
    from django.template import Context, Template

    from tandem.org.tests.factories import UserFactory

    here = UserFactory(display_name="<Ann> & co")
    gone = UserFactory(display_name="王小明", is_active=False)
    template = Template("{% load tandem %}{% people_options people selected label %}")
    with override("zh-hans"):
        html = template.render(Context({"people": [here, gone], "selected": gone.pk, "label": "所有负责人"}))
    assert html == (
        '<option value="">所有负责人</option>'
        f'<option value="{here.pk}">&lt;Ann&gt; &amp; co</option>'
        f'<option value="{gone.pk}" selected>王小明 (已离职)</option>'
    )
    plain = Template("{% load tandem %}{% people_options people %}").render(Context({"people": [here]}))
    assert plain == f'<option value="{here.pk}">&lt;Ann&gt; &amp; co</option>'


# What the filter templates wrote before ``choice_options``, kept as the reference.
CHOICES_LOOP = (
    '{% for value, label in field.choices %}{% if value %}<option value="{{ value }}"'
    '{% if selected == value|stringformat:"s" %} selected{% endif %}>{{ label }}</option>{% endif %}{% endfor %}'
)


@pytest.mark.django_db
@pytest.mark.parametrize("selected", [None, "", "a", "1", "2", "e2", "nothing"])
def test_choice_options_write_what_the_filters_loop_wrote(selected: Any) -> None:
    from django.template import Context, Template

    from tandem.org.models import Team
    from tandem.org.tests.factories import TeamFactory

    TeamFactory(name="East <1> & co")
    TeamFactory(name="华东")
    teams = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    fields = [Everything.base_fields["plain"], teams]
    with override("zh-hans"):
        for field in fields:
            context = Context({"field": field, "selected": selected})
            loop = Template("{% load tandem %}" + CHOICES_LOOP).render(context)
            tag = Template("{% load tandem %}{% choice_options field.choices selected %}").render(context)
            assert tag == loop, field
    team = Team.objects.get(name="华东")
    html = Template("{% load tandem %}{% choice_options field.choices selected %}").render(
        Context({"field": teams, "selected": str(team.pk)})
    )
    assert f'<option value="{team.pk}" selected>华东</option>' in html
    assert "East &lt;1&gt; &amp; co" in html and 'value=""' not in html
