"""An import's messages read in the reader's language, whoever ran it and in whatever language."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from tandem.conftest import World
from tandem.imports import services, wording
from tandem.imports.models import ImportJob, ImportRowResult
from tandem.imports.tests.helpers import run, write_csv

pytestmark = pytest.mark.django_db

EN_COUNTRY = "Enter a country name or a two-letter code such as CN or US."
ZH_COUNTRY = "请输入国家名称或两位字母代码，例如 CN 或 US。"
EN_PERSON = "No person called “Nobody”. People are not created by an import."
ZH_PERSON = "没有名为“Nobody”的成员。导入不会创建成员。"


def checked_in(language: str, world: World, tmp_path: Path) -> ImportJob:
    """The manager's dry run of accounts with a bad country and an unknown owner, in ``language``."""
    path = write_csv(
        tmp_path / "accounts.csv",
        [["Name", "Country", "Owner"], *[[f"Firm {i}", "Atlantis", "Nobody"] for i in range(3)]],
    )
    with translation.override(language):
        return run(
            world.actor(world.manager),
            "account",
            path,
            commit=False,
            columns={"Name": "name", "Country": "country", "Owner": "owner"},
        )


def page(client: Client, world: World, job: ImportJob, language: str) -> str:
    world.manager.language = language
    world.manager.save(update_fields=["language"])
    client.force_login(world.manager)
    return client.get(reverse("imports:job-detail", args=[job.pk])).content.decode()


def test_a_check_run_in_chinese_reads_in_english(world: World, client: Client, tmp_path: Path) -> None:
    job = checked_in("zh-hans", world, tmp_path)
    row = ImportRowResult.objects.filter(job=job).first()
    assert row is not None and ZH_COUNTRY in [m["message"] for m in row.messages]  # as written
    html = page(client, world, job, "en")
    assert EN_COUNTRY in html and EN_PERSON in html
    assert ZH_COUNTRY not in html and ZH_PERSON not in html


def test_a_check_run_in_english_reads_in_chinese(world: World, client: Client, tmp_path: Path) -> None:
    job = checked_in("en", world, tmp_path)
    html = page(client, world, job, "zh-hans")
    assert ZH_COUNTRY in html and ZH_PERSON in html
    assert EN_COUNTRY not in html and EN_PERSON not in html


def test_the_summary_examples_read_in_the_readers_language(world: World, tmp_path: Path) -> None:
    job = checked_in("zh-hans", world, tmp_path)
    with translation.override("en"):
        examples = [p["example"] for p in job.read_problems]
    assert EN_COUNTRY in examples and EN_PERSON in examples
    with translation.override("zh-hans"):
        examples = [p["example"] for p in job.read_problems]
    assert ZH_COUNTRY in examples and ZH_PERSON in examples


def test_the_api_answers_in_the_requests_language(world: World, tmp_path: Path) -> None:
    job = checked_in("zh-hans", world, tmp_path)
    client = APIClient()
    client.force_authenticate(world.manager)
    detail = client.get(f"/api/v1/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert EN_COUNTRY in [p["example"] for p in detail["problems"]]
    rows = client.get(f"/api/v1/imports/{job.pk}/rows/", HTTP_ACCEPT_LANGUAGE="en").json()
    messages = [m["message"] for r in rows["results"] for m in r["messages"]]
    assert EN_COUNTRY in messages and EN_PERSON in messages and ZH_COUNTRY not in messages
    assert set(rows["results"][0]["messages"][0]) == {"column", "message", "level"}


def test_the_error_report_is_in_the_readers_language(world: World, tmp_path: Path) -> None:
    job = checked_in("en", world, tmp_path)
    with translation.override("zh-hans"):
        report = services.error_rows_csv(actor=world.actor(world.manager), job=job).decode("utf-8-sig")
    assert ZH_COUNTRY in report and EN_COUNTRY not in report


def test_a_did_you_mean_joined_to_a_message_reads_whole(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["Name", "Country"], ["Firm", "Chinq"]])
    with translation.override("zh-hans"):
        job = run(world.actor(world.manager), "account", path, commit=False)
    with translation.override("en"):
        (message,) = ImportRowResult.objects.get(job=job).read_messages
    assert message["message"].startswith(EN_COUNTRY + " Did you mean “")


def test_rows_stored_before_read_as_written(world: World, tmp_path: Path) -> None:
    job = checked_in("en", world, tmp_path)
    ImportRowResult.objects.filter(job=job).update(
        messages=[{"column": "Country", "message": "旧的消息", "level": "error"}]
    )
    ImportJob.objects.filter(pk=job.pk).update(
        problems=[{"level": "error", "column": "Country", "rows": 3, "example": "旧的消息"}]
    )
    job.refresh_from_db()
    with translation.override("en"):
        assert [m["message"] for m in ImportRowResult.objects.filter(job=job)[0].read_messages] == [
            "旧的消息"
        ]
        assert [p["example"] for p in job.read_problems] == ["旧的消息"]


def test_a_kept_text_that_no_longer_fits_reads_as_written() -> None:
    stored = {"message": "as written", "said": {"id": "At most %(n)d characters.", "params": {}}}
    assert wording.text(stored) == "as written"
    assert wording.text({"message": "x", "said": {"nonsense": 1}}) == "x"


def test_why_an_import_failed_reads_in_the_readers_language(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["Name", "Country"], ["Firm", "Atlantis"]])
    with translation.override("zh-hans"):
        job = run(world.actor(world.manager), "account", path, commit=True)
    assert job.status == "failed" and job.error.startswith("未导入")  # as written
    with translation.override("en"):
        assert job.read_error == "Nothing was imported: 1 rows have problems. Fix them and import again."
    client = APIClient()
    client.force_authenticate(world.manager)
    detail = client.get(f"/api/v1/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert detail["error"].startswith("Nothing was imported")
    ImportJob.objects.filter(pk=job.pk).update(error="旧的错误", error_said={})  # stored before
    job.refresh_from_db()
    with translation.override("en"):
        assert job.read_error == "旧的错误"


def test_a_stale_run_says_why_it_stopped_in_the_readers_language(world: World, tmp_path: Path) -> None:
    import datetime

    from django.utils import timezone

    path = write_csv(tmp_path / "a.csv", [["Name"], ["Firm"]])
    job = run(world.actor(world.manager), "account", path, commit=False)
    long_ago = timezone.now() - datetime.timedelta(days=1)
    ImportJob.objects.filter(pk=job.pk).update(status="validating", heartbeat_at=long_ago, progress=1)
    world.manager.language = "zh-hans"
    world.manager.save(update_fields=["language"])
    assert services.job_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == "interrupted" and "检查" in job.error  # in the language of who started it
    with translation.override("en"):
        assert job.read_error.startswith("The check stopped without finishing")


def test_a_counted_message_reads_in_the_readers_language_with_its_count(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["Name"], ["Firm", "extra one", "extra two"]])
    with translation.override("zh-hans"):
        job = run(world.actor(world.manager), "account", path, commit=False)
    row = ImportRowResult.objects.get(job=job)
    with translation.override("en"):
        (message,) = row.read_messages
    assert message["message"].startswith("This row has 2 cells beyond the last named column")
    assert "“extra one”, “extra two”" in message["message"]
    with translation.override("zh-hans"):
        assert row.read_messages[0]["message"] == row.messages[0]["message"]


def test_a_kept_text_keeps_its_pieces_and_parameters() -> None:
    from django.utils.translation import gettext_lazy

    with translation.override("zh-hans"):
        message = wording.say("No person called “%(name)s”. People are not created by an import.") % {
            "name": "Nobody"
        }
        message += " " + wording.say("Did you mean “%(suggestion)s”?") % {"suggestion": "Nobel"}
        label = wording.say("The column for “%(field)s” is not mapped.") % {"field": gettext_lazy("Owner")}
    assert isinstance(message, wording.Kept) and message.startswith("没有名为“Nobody”")
    with translation.override("en"):
        assert wording.render(message.said) == (
            "No person called “Nobody”. People are not created by an import. Did you mean “Nobel”?"
        )
        assert wording.render(label.said) == "The column for “Owner” is not mapped."
    with translation.override("zh-hans"):
        assert wording.render(message.said) == str(message)
    twice = wording.say("%(a)s") % {"a": "%%"}
    assert not isinstance(twice % (), wording.Kept)  # formatted twice: text only
