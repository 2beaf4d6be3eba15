"""Dates people type have sane bounds (issue 13 §4): a next follow-up of 0001-01-01 ("overdue
739,954 days") or a close date in 9999 is refused with a clear message, in forms and the API."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from rest_framework.test import APIClient

from tandem.activities.forms import QuickFollowUpForm
from tandem.activities.models import Activity
from tandem.conftest import World
from tandem.core import dates
from tandem.customers.forms import ContactForm
from tandem.customers.tests.factories import AccountFactory
from tandem.deals.forms import DealForm
from tandem.deals.models import Deal

pytestmark = pytest.mark.django_db

RANGE = "Enter a date between 1900-01-01 and 2100-12-31."


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (DealForm, "expected_close_date"),
        (DealForm, "opened_on"),
        (QuickFollowUpForm, "next_follow_up_on"),
        (ContactForm, "next_follow_up_on"),
    ],
)
def test_a_form_refuses_a_date_out_of_range_and_takes_one_inside(form: type[forms.Form], field: str) -> None:
    date_field = form.base_fields[field]
    for typed in ("0001-01-01", "9999-12-31", "1899-12-31"):
        with pytest.raises(forms.ValidationError) as refused:
            date_field.clean(typed)
        assert refused.value.messages == [RANGE]
    assert date_field.clean("2027-03-31") == datetime.date(2027, 3, 31)


def test_a_birthday_cannot_be_in_the_future() -> None:
    birthday = ContactForm.base_fields["birthday"]
    with pytest.raises(forms.ValidationError) as refused:
        birthday.clean("2999-01-01")
    assert refused.value.messages == [RANGE]
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(forms.ValidationError) as refused:
        birthday.clean(tomorrow.isoformat())
    assert refused.value.messages == ["This date cannot be in the future."]
    assert birthday.clean("1980-05-04") == datetime.date(1980, 5, 4)


def test_the_api_answers_400_on_the_field_and_creates_nothing(world: World) -> None:
    client = APIClient()
    client.force_login(world.owner)
    response = client.post(
        "/api/v1/deals/", {"name": "Far deal", "expected_close_date": "9999-12-31"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["expected_close_date"] == [RANGE]
    assert not Deal.objects.filter(name="Far deal").exists()

    account = AccountFactory(owner=world.owner)
    response = client.post(
        "/api/v1/activities/",
        {"account": account.pk, "content": "Called", "next_follow_up_on": "0001-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["next_follow_up_on"] == [RANGE]
    assert not Activity.objects.filter(account=account).exists()

    response = client.post(
        "/api/v1/deals/", {"name": "Near deal", "expected_close_date": "2027-06-30"}, format="json"
    )
    assert response.status_code == 201, response.json()


def test_the_message_reads_in_the_persons_language(world: World) -> None:
    world.owner.language = "zh-hans"
    world.owner.save(update_fields=["language"])
    client = APIClient()
    client.force_login(world.owner)
    response = client.post("/api/v1/deals/", {"name": "远期商机", "opened_on": "0001-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["opened_on"] == ["请输入 1900-01-01 至 2100-12-31 之间的日期。"]


def test_an_import_refuses_the_same_dates_cell_by_cell() -> None:
    from tandem.imports.fields import CellError, parse_date

    for typed in ("0001-01-01", "9999/12/31", "31.12.1899"):
        with pytest.raises(CellError) as refused:
            parse_date(typed)
        assert str(refused.value) == RANGE, typed
    assert parse_date("2017-03-01") == datetime.date(2017, 3, 1)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-01", datetime.date(2026, 3, 1)),
        ("1900-01-01", datetime.date(1900, 1, 1)),
        ("2100-12-31", datetime.date(2100, 12, 31)),
        ("1899-12-31", None),
        ("2101-01-01", None),
        ("0001-01-01", None),
        ("9999-12-31", None),
        ("2026-02-30", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_a_pages_date_parameter_names_a_day_in_range_or_none(
    text: str | None, day: datetime.date | None
) -> None:
    assert dates.parse_day(text) == day
