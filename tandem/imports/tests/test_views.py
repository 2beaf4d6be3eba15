"""The import screens: upload, mapping, check, import, result and error download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.imports.models import ImportJob

pytestmark = pytest.mark.django_db


def login(client: Client, user: object) -> Client:
    client.force_login(user)
    return client


def test_it_walks_upload_mapping_check_and_import(world: World, client: Client) -> None:
    login(client, world.manager)
    page = client.get(reverse("imports:job-list"))
    assert page.status_code == 200 and b"No imports yet" in page.content
    upload = SimpleUploadedFile("a.csv", "客户名称,城市\nAlpha Ltd,杭州\n,Nowhere\n".encode())
    response = client.post(
        reverse("imports:job-list"), {"resource": "account", "file": upload, "mode": "skip"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:job-mapping", args=[job.pk]
    )
    page = client.get(reverse("imports:job-mapping", args=[job.pk]))
    assert page.status_code == 200
    assert 'value="name" selected' in page.content.decode()
    response = client.post(
        reverse("imports:job-mapping", args=[job.pk]),
        {"col-0": "name", "col-1": "city", "mode": "skip", "action": "check"},
    )
    assert response.status_code == 302
    report = client.get(reverse("imports:job-detail", args=[job.pk])).content.decode()
    assert "This field is required." in report and "客户名称" in report
    assert not Account.objects.exists()
    client.post(reverse("imports:job-commit", args=[job.pk]))
    assert Account.objects.get().city == "杭州"
    errors = client.get(reverse("imports:job-errors-csv", args=[job.pk]))
    assert errors.status_code == 200 and "Nowhere" in errors.content.decode("utf-8-sig")


def test_it_forbids_the_import_page_to_a_rep(world: World, client: Client) -> None:
    login(client, world.owner)
    assert client.get(reverse("imports:job-list")).status_code == 403


def test_it_hides_another_persons_import(world: World, client: Client) -> None:
    login(client, world.manager)
    client.post(
        reverse("imports:job-list"),
        {"resource": "account", "file": SimpleUploadedFile("a.csv", b"name\nAlpha\n"), "mode": "all"},
    )
    job = ImportJob.objects.get()
    login(client, world.sibling_manager)
    assert client.get(reverse("imports:job-detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("imports:job-commit", args=[job.pk])).status_code == 404
    assert not Account.objects.exists()


def test_it_shows_inline_errors_for_a_bad_upload(world: World, client: Client) -> None:
    login(client, world.manager)
    response = client.post(
        reverse("imports:job-list"),
        {"resource": "account", "file": SimpleUploadedFile("a.pdf", b"x"), "mode": "all"},
    )
    assert response.status_code == 400 and b"Upload a .csv or .xlsx file." in response.content


def test_the_result_page_sums_up_the_most_frequent_problems(world: World, client: Client) -> None:
    login(client, world.manager)
    rows = "".join(f"Firm {i},Atlantis\n" for i in range(3)) + ",Philipines\n"
    upload = SimpleUploadedFile("b.csv", f"客户名称,国家\n{rows}".encode())
    client.post(reverse("imports:job-list"), {"resource": "account", "file": upload, "mode": "skip"})
    job = ImportJob.objects.get()
    client.post(
        reverse("imports:job-mapping", args=[job.pk]),
        {"col-0": "name", "col-1": "country", "mode": "skip", "action": "check"},
    )
    report = client.get(reverse("imports:job-detail", args=[job.pk])).content.decode()
    assert "Most frequent problems" in report
    assert '<td class="num">3</td>' in report and "Enter a country name" in report
    assert "This field is required." in report
