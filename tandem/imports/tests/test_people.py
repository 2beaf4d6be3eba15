"""Teams and people from a file (issue 11 §1): who may, matching, references, loops, bad input.

People: ``admin`` (administrator) imports; ``director`` and ``manager`` may import other records
but never people; ``gone`` has left (inactive) and ``owner`` is an active rep.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from tandem.conftest import World
from tandem.deals.models import Deal
from tandem.imports import services
from tandem.imports.models import ImportJob, ImportRowResult, RowStatus
from tandem.org.models import Membership, Team, User

from .helpers import upload, write_csv

pytestmark = pytest.mark.django_db


def run(
    world: World,
    resource: str,
    path: Path,
    *,
    options: dict[str, Any] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    commit: bool = True,
    who: User | None = None,
    **kwargs: Any,
) -> ImportJob:
    actor = world.actor(who or world.admin)
    job = upload(actor, resource, path)
    mapping = {"columns": job.mapping["columns"], "values": values or {}, "options": options or {}}
    job = services.job_set_mapping(actor=actor, job=job, mapping=mapping, **kwargs)
    if commit:
        return services.job_commit(actor=actor, job=job, background=False)
    return services.job_dry_run(actor=actor, job=job, background=False)


def problems(job: ImportJob) -> dict[int, list[str]]:
    return {
        r.row_number: [m["message"] for m in r.messages if m["level"] == "error"]
        for r in ImportRowResult.objects.filter(job=job, status=RowStatus.ERROR)
    }


def test_people_update_by_username_else_email_and_never_twice(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["name", "username", "email", "team", "role", "language", "time zone"],
            ["Tom T. Teammate", "teammate", "", "East sales", "sales-rep", "English", "Europe/London"],
            ["Nina New", "", "nina@example.com", "West sales, Support", "sales-rep", "简体中文", ""],
        ],
    )
    before = User.objects.count()
    job = run(world, "user", path)
    assert (job.created_count, job.updated_count, job.failed_count) == (1, 1, 0)
    assert User.objects.count() == before + 1
    teammate = User.objects.get(username="teammate")
    assert teammate.display_name == "Tom T. Teammate" and teammate.time_zone == "Europe/London"
    nina = User.objects.get(email="nina@example.com")
    assert nina.username == "nina@example.com" and not nina.has_usable_password()
    assert nina.language == "zh-hans"
    assert list(
        Membership.objects.filter(user=nina).order_by("-is_primary").values_list("team__name", flat=True)
    ) == ["West sales", "Support"]
    assert {f["rule"] for f in job.fills} >= {"username_email", "no_password"}
    # By email this time (no username): the same person, updated, not a second one.
    again = write_csv(tmp_path / "q.csv", [["name", "email"], ["Nina Newer", "NINA@example.com"]])
    job = run(world, "user", again)
    assert (job.created_count, job.updated_count) == (0, 1)
    assert User.objects.get(pk=nina.pk).display_name == "Nina Newer"


def test_a_manager_named_before_their_row_resolves_and_a_loop_is_refused(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["name", "username", "manager", "team"],
            ["Ann Agent", "ann", "Bea Boss", "East sales"],
            ["Bea Boss", "bea", "manager", "East sales"],
        ],
    )
    job = run(world, "user", path)
    assert job.failed_count == 0
    assert User.objects.get(username="ann").manager == User.objects.get(username="bea")
    assert User.objects.get(username="bea").manager == world.manager
    # A loop: ann -> bea -> ann. Nothing is written (all or nothing).
    loop = write_csv(
        tmp_path / "loop.csv",
        [["username", "manager"], ["ann", "bea"], ["bea", "Ann Agent"]],
    )
    job = run(world, "user", loop)
    assert job.failed_count == 2
    assert all("circular" in " ".join(m) for m in problems(job).values())
    assert User.objects.get(username="bea").manager == world.manager
    # Oneself as manager.
    own = write_csv(tmp_path / "own.csv", [["username", "manager"], ["ann", "ann"]])
    job = run(world, "user", own)
    assert "cannot be their own manager" in problems(job)[2][0]


def test_bad_people_rows_are_refused_with_their_reasons(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["name", "username", "team", "role", "manager", "time zone"],
            ["Ann", "ann", "Nowhere", "", "", ""],  # unknown team
            ["Ann Again", "ANN", "East sales", "", "", ""],  # the same username again
            ["Cy", "cy", "East sales", "emperor", "", ""],  # no such role
            ["Di", "di", "East sales", "", "Nobody Known", ""],  # manager nowhere
            ["Ed", "ed", "", "", "", "Mars/Olympus"],  # no such time zone
            ["Fay", "fay", "", "", "teammate", ""],  # ok
        ],
    )
    before = User.objects.count()
    job = run(world, "user", path)
    found = problems(job)
    assert "No team called “Nowhere”" in found[2][0]
    assert "also on row 2" in found[3][0]
    assert "No role “emperor”" in found[4][0]
    assert "No person called “Nobody Known” in Tandem or in this file" in found[5][0]
    assert "time zone" in found[6][0]
    assert 7 not in found
    assert User.objects.count() == before  # all or nothing: nothing written


def test_a_display_name_shared_by_two_people_is_ambiguous(world: World, tmp_path: Path) -> None:
    User.objects.create(username="tom2", display_name="Tom Teammate")
    path = write_csv(tmp_path / "p.csv", [["name", "username", "manager"], ["Gil", "gil", "Tom Teammate"]])
    job = run(world, "user", path)
    assert "Several people are called “Tom Teammate”" in problems(job)[2][0]


@pytest.mark.parametrize("who", ["director", "manager"])
def test_only_administrators_import_people(world: World, tmp_path: Path, who: str) -> None:
    path = write_csv(tmp_path / "p.csv", [["name", "username"], ["Hal", "hal"]])
    before = User.objects.count()
    with pytest.raises(PermissionDenied):
        upload(world.actor(getattr(world, who)), "user", path)
    with pytest.raises(PermissionDenied):
        upload(world.actor(getattr(world, who)), "team", path)
    assert User.objects.count() == before
    out = io.StringIO()
    with pytest.raises(Exception, match="may not import"):
        call_command("import", "user", str(path), "--user", who, stdout=out)
    assert User.objects.count() == before


def test_usernames_from_names_are_a_counted_rule_and_inactive_people_come_in_inactive(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["sales_agent", "regional_office", "active"],
            ["Lee Left", "East sales", "no"],
            ["张伟", "East sales", "是"],
        ],
    )
    refused = run(world, "user", path)
    assert "make usernames from names" in problems(refused)[2][0]
    job = run(world, "user", path, options={"username_from_name": True})
    assert {f["rule"]: f["rows"] for f in job.fills}["username_from_name"] == 2
    lee = User.objects.get(username="lee.left")
    assert not lee.is_active and lee.deactivated_at is not None
    assert User.objects.get(username="张伟").is_active


def test_missing_managers_are_created_in_their_reports_team_only_when_asked(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        [
            ["sales_agent", "manager", "regional_office"],
            ["Ana", "Mo Manager", "West sales"],
            ["Bo", "Mo Manager", "West sales"],
        ],
    )
    job = run(world, "user", path, options={"username_from_name": True}, commit=False)
    assert job.failed_count == 2
    job = run(
        world, "user", path, options={"username_from_name": True, "missing_manager": True}, commit=False
    )
    assert job.failed_count == 0 and {f["rule"]: f["rows"] for f in job.fills}["missing_manager"] == 1
    assert not User.objects.filter(display_name="Mo Manager").exists()  # a dry run writes nothing
    run(world, "user", path, options={"username_from_name": True, "missing_manager": True})
    mo = User.objects.get(display_name="Mo Manager")
    assert Membership.objects.get(user=mo, is_primary=True).team == world.west_sales
    assert set(User.objects.filter(manager=mo).values_list("display_name", flat=True)) == {"Ana", "Bo"}


def test_teams_with_parents_later_in_the_file_and_a_loop_refused(world: World, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [["name", "parent", "leader"], ["North sales", "North", "manager"], ["North", "Company", ""]],
    )
    job = run(world, "team", path)
    assert job.failed_count == 0
    north = Team.objects.get(name="North")
    north_sales = Team.objects.get(name="North sales")
    assert north_sales.parent == north and north.parent == world.company
    assert north_sales.path == f"{world.company.path}{north.pk}/{north_sales.pk}/"
    assert north_sales.leader == world.manager
    loop = write_csv(tmp_path / "l.csv", [["name", "parent"], ["North", "North sales"]])
    job = run(world, "team", loop)
    assert "circle" in problems(job)[2][0]
    assert Team.objects.get(name="North").parent == world.company


def test_people_and_teams_export_and_import_back_unchanged(world: World, tmp_path: Path) -> None:
    for resource in ("team", "user"):
        target = tmp_path / f"{resource}.csv"
        call_command("export", resource, str(target), "--user", "admin", stdout=io.StringIO())
        counts = (User.objects.count(), Team.objects.count())
        job = run(world, resource, target)
        assert (job.created_count, job.updated_count, job.failed_count) == (0, 0, 0), problems(job)
        assert job.skipped_count == job.total_rows > 0
        assert counts == (User.objects.count(), Team.objects.count())


def _deals(tmp_path: Path, rows: list[list[str]]) -> Path:
    return write_csv(
        tmp_path / "d.csv",
        [["opportunity_id", "sales_agent", "deal_stage", "engage_date", "close_date", "close_value"], *rows],
    )


def test_people_who_left_keep_closed_deals_but_not_open_ones(world: World, tmp_path: Path) -> None:
    path = _deals(
        tmp_path,
        [
            ["G1", "Gary Gone", "Won", "2017-01-02", "2017-02-01", "100"],
            ["G2", "gone", "Lost", "2017-01-02", "2017-02-01", "0"],
            ["G3", "Gary Gone", "Proposal", "2017-01-02", "", ""],
        ],
    )
    job = run(world, "deal", path, currency="USD", options={})
    found = problems(job)
    assert list(found) == [4] and "has left" in found[4][0]
    assert not Deal.objects.exists()
    skip = run(world, "deal", path, currency="USD", mode="skip")
    assert skip.created_count == 2
    assert set(Deal.objects.values_list("owner__username", flat=True)) == {"gone"}
    # A manager without the assign-everyone grant may not give deals to someone who has left.
    Deal.objects.all().delete()
    job = run(world, "deal", path, currency="USD", who=world.manager, mode="skip")
    assert job.created_count == 0


def test_a_deal_closed_before_it_opened_is_refused(world: World, tmp_path: Path) -> None:
    path = _deals(tmp_path, [["X1", "owner", "Won", "2017-03-01", "2017-02-01", "100"]])
    job = run(world, "deal", path, currency="USD")
    assert "closed (2017-02-01) before it was opened (2017-03-01)" in problems(job)[2][0]
    assert not Deal.objects.exists()


def test_ambiguous_dates_need_a_date_order(world: World, tmp_path: Path) -> None:
    path = _deals(tmp_path, [["X1", "owner", "Won", "03/04/2017", "11/26/2017", "100"]])
    job = run(world, "deal", path, currency="USD")
    assert "choose the date order" in problems(job)[2][0]
    job = run(world, "deal", path, currency="USD", options={"date_order": "dmy"})
    assert job.failed_count == 1 and "does not exist" in problems(job)[2][0]  # 11/26 is no dmy date
    job = run(world, "deal", path, currency="USD", options={"date_order": "mdy"})
    deal = Deal.objects.get()
    assert (deal.opened_on.isoformat(), deal.closed_on.isoformat()) == ("2017-03-04", "2017-11-26")


def test_a_saved_mapping_carries_its_aliases_and_options(world: World, tmp_path: Path) -> None:
    actor = world.actor(world.admin)
    saved = services.saved_mapping_save(
        actor=actor,
        name="Maven",
        resource="deal",
        mapping={
            "columns": {"deal_stage": "stage"},
            "values": {"stage": {"Engaging": "Proposal"}},
            "options": {"date_order": "dmy", "currency": "USD", "decimal_separator": ","},
        },
    )
    path = _deals(tmp_path, [["X1", "owner", "Engaging", "03/04/2017", "", ""]])
    job = upload(actor, "deal", path)
    mapping = services.saved_mapping_apply(actor=actor, job=job, saved=saved)
    mapping["columns"] = {**job.mapping["columns"], **mapping["columns"]}
    job = services.job_set_mapping(actor=actor, job=job, mapping=mapping)
    assert (job.currency, job.decimal_separator) == ("USD", ",")
    job = services.job_commit(actor=actor, job=job, background=False)
    deal = Deal.objects.get()
    assert deal.stage.name == "Proposal" and deal.opened_on.isoformat() == "2017-04-03"
    assert {f["rule"]: f["rows"] for f in job.fills}["alias"] == 1


def test_the_cli_takes_aliases_and_refuses_a_malformed_one(world: World, tmp_path: Path) -> None:
    path = _deals(tmp_path, [["X1", "owner", "Engaging", "2017-01-02", "", ""]])
    out = io.StringIO()
    call_command(
        "import",
        "deal",
        str(path),
        "--currency",
        "USD",
        "--alias",
        "stage:Engaging=Proposal",
        "--user",
        "admin",
        stdout=out,
    )
    assert "alias: stage: 'Engaging' means 'Proposal'" in out.getvalue()
    assert Deal.objects.get().stage.name == "Proposal"
    with pytest.raises(Exception, match="FIELD:FROM=TO"):
        call_command("import", "deal", str(path), "--alias", "stage=Proposal", "--user", "admin", stdout=out)
    with pytest.raises(Exception, match="not a field"):
        call_command(
            "import",
            "deal",
            str(path),
            "--currency",
            "USD",
            "--alias",
            "nope:a=b",
            "--user",
            "admin",
            stdout=out,
        )


def test_the_wizard_offers_the_options_and_aliases_for_unmatched_values(world: World, client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(world.admin)
    upload_file = SimpleUploadedFile(
        "people.csv", b"sales_agent,regional_office\nAnn Agent,Eastern\nBo Agent,Eastern\n"
    )
    client.post(reverse("imports:job-list"), {"resource": "user", "file": upload_file, "mode": "all"})
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:job-mapping", args=[job.pk])).content.decode()
    assert 'name="date_order"' in page and 'name="opt-username_from_name"' in page
    assert 'name="default_role"' in page
    response = client.post(
        reverse("imports:job-mapping", args=[job.pk]),
        {
            "col-0": "display_name",
            "col-1": "teams",
            "mode": "all",
            "opt-username_from_name": "on",
            "default_role": "sales-rep",
            "date_order": "dmy",
            "action": "check",
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping["options"]["username_from_name"] is True
    assert job.mapping["options"]["date_order"] == "dmy"
    report = client.get(reverse("imports:job-detail", args=[job.pk])).content.decode()
    assert "Values nothing matched" in report and "Eastern" in report
    response = client.post(
        reverse("imports:job-aliases", args=[job.pk]),
        {"alias-0-field": "teams", "alias-0-from": "Eastern", "alias-0-to": "East sales"},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.mapping["values"] == {"teams": {"Eastern": "East sales"}}
    assert job.failed_count == 0 and job.created_count == 2
    assert {f["rule"]: f["rows"] for f in job.fills}["alias"] == 2
    assert not User.objects.filter(display_name="Ann Agent").exists()  # checked, not imported


def test_the_api_takes_the_mapping_options_and_refuses_people_to_a_manager(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    url = "/api/v1/imports/"
    client = APIClient()
    client.force_authenticate(world.manager)
    rows = b"name,manager\nAnn Agent,Mo Manager\n"
    response = client.post(
        url,
        {"resource": "user", "file": SimpleUploadedFile("p.csv", rows), "mode": "all"},
        format="multipart",
    )
    assert response.status_code == 403 and not ImportJob.objects.exists()
    client.force_authenticate(world.admin)
    response = client.post(
        url,
        {"resource": "user", "file": SimpleUploadedFile("p.csv", rows), "mode": "all"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    job = response.json()
    response = client.put(
        f"{url}{job['id']}/mapping/",
        {
            "columns": {"name": "display_name", "manager": "manager"},
            "options": {"username_from_name": True, "missing_manager": True, "date_order": "xyz"},
        },
        format="json",
    )
    assert response.status_code == 400 and "date order" in str(response.json())
    response = client.put(
        f"{url}{job['id']}/mapping/",
        {
            "columns": {"name": "display_name", "manager": "manager"},
            "options": {"username_from_name": True, "missing_manager": True},
        },
        format="json",
    )
    assert response.status_code == 200 and response.json()["mapping"]["options"]["missing_manager"] is True
    response = client.post(f"{url}{job['id']}/commit/")
    assert response.json()["counts"]["created"] == 1
    assert User.objects.get(username="ann.agent").manager == User.objects.get(display_name="Mo Manager")


def test_the_upload_form_offers_people_and_teams_to_administrators_only(world: World, client: Any) -> None:
    from django.urls import reverse

    client.force_login(world.manager)
    page = client.get(reverse("imports:job-list")).content.decode()
    assert 'value="account"' in page and 'value="user"' not in page and 'value="team"' not in page
    client.force_login(world.admin)
    page = client.get(reverse("imports:job-list")).content.decode()
    assert 'value="user"' in page and 'value="team"' in page
