"""/api/v1/imports/: upload, mapping, dry run, commit, progress, rows; owner, manager, outsider."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.customers.models import Account
from tandem.imports.models import ImportJob

pytestmark = pytest.mark.django_db
URL = "/api/v1/imports/"


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def csv_file(rows: list[list[str]], name: str = "accounts.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def test_it_runs_the_whole_flow_for_the_manager(world: World) -> None:
    client = client_for(world.manager)
    response = client.post(
        URL,
        {
            "resource": "account",
            "file": csv_file([["Company", "City"], ["Alpha Ltd", "Hangzhou"], ["", "Nowhere"]]),
            "mode": "skip",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["headers"] == ["Company", "City"]
    assert job["mapping"]["columns"] == {"Company": "name", "City": "city"}
    response = client.put(
        f"{URL}{job['id']}/mapping/", {"columns": {"Company": "name", "City": "city"}}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "mapped"
    response = client.post(f"{URL}{job['id']}/dry-run/")
    assert response.status_code == 200
    assert response.json()["counts"]["failed"] == 1 and not Account.objects.exists()
    rows = client.get(f"{URL}{job['id']}/rows/?status=error").json()
    assert rows["count"] == 1
    assert rows["results"][0]["row_number"] == 3
    assert rows["results"][0]["messages"][0]["column"] == "Company"
    response = client.post(f"{URL}{job['id']}/commit/")
    assert response.status_code == 200
    assert response.json()["status"] == "done" and response.json()["counts"]["created"] == 1
    assert client.get(f"{URL}{job['id']}/").json()["progress"] == 2
    assert client.get(URL).json()["count"] == 1


def test_it_answers_field_errors_in_the_callers_language(world: World) -> None:
    client = client_for(world.manager)
    job = client.post(
        URL, {"resource": "account", "file": csv_file([["x"], ["y"]])}, format="multipart"
    ).json()
    response = client.put(f"{URL}{job['id']}/mapping/", {"columns": {"x": "nonsense"}}, format="json")
    assert response.status_code == 400 and "mapping" in response.json()
    bad = client.post(
        URL, {"resource": "account", "file": csv_file([["x"]], name="x.pdf")}, format="multipart"
    )
    assert bad.status_code == 400 and "file" in bad.json()


def test_it_forbids_upload_without_the_import_grant(world: World) -> None:
    response = client_for(world.owner).post(
        URL, {"resource": "account", "file": csv_file([["name"], ["Alpha"]])}, format="multipart"
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_it_hides_a_job_from_everyone_but_its_owner(world: World) -> None:
    job = (
        client_for(world.manager)
        .post(URL, {"resource": "account", "file": csv_file([["name"], ["Alpha"]])}, format="multipart")
        .json()
    )
    for person in (world.teammate, world.outsider, world.sibling_manager):
        client = client_for(person)
        assert client.get(f"{URL}{job['id']}/").status_code == 404
        assert client.post(f"{URL}{job['id']}/commit/").status_code == 404
    assert not Account.objects.exists()
    assert client_for(world.admin).get(f"{URL}{job['id']}/").status_code == 200
