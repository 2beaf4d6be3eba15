"""`tandem seed-demo`: the bilingual demo company, idempotent, and its logins."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import translation

from tandem.core.access import Actor
from tandem.core.models import HistoryEntry
from tandem.org.demo import DEMO_LOGINS, DEMO_PASSWORD, EMAIL_DOMAIN
from tandem.org.models import Membership, PersonTransfer, Position, Team, User
from tandem.org.tests.factories import UserFactory

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


def seed(*args: str) -> str:
    out = StringIO()
    # The organisation only: the demo CRM has its own tests (tandem/customers/tests/test_demo.py).
    call_command("seed_demo", "--no-crm", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "people": User.objects.count(),
        "teams": Team.all_objects.count(),
        "positions": Position.all_objects.count(),
        "memberships": Membership.objects.count(),
        "transfers": PersonTransfer.objects.count(),
        "history": HistoryEntry.objects.count(),
    }


@pytest.fixture
def demo(db: None) -> str:
    return seed()


def test_it_builds_a_company_of_about_thirty_people_with_positions_and_teams(demo: str) -> None:
    active = User.objects.filter(is_active=True)
    assert 28 <= active.count() <= 35
    assert Team.objects.count() == 10
    assert Position.objects.count() >= 7
    for person in active.select_related("position"):
        assert person.position is not None, person.username
        assert person.phone.startswith(("+86", "+65")), person.username
        assert person.email.endswith(EMAIL_DOMAIN)
        assert person.memberships.filter(is_primary=True).count() == 1, person.username
        assert person.roles.count() == 1, person.username
        if person.username != "director":
            assert person.manager is not None, person.username
    assert "added 32 people, 10 teams and 8 positions" in demo


def test_it_names_the_china_teams_in_chinese_and_the_singapore_team_in_english(demo: str) -> None:
    names = set(Team.objects.values_list("name", flat=True))
    assert {"Tandem Demo Co.", "华东大区", "华南大区", "华东销售一部", "华南销售二部"} <= names
    assert "International Sales (Singapore)" in names
    singapore = User.objects.filter(memberships__team__name="International Sales (Singapore)", is_active=True)
    for person in singapore:
        if CJK.search(person.display_name):
            assert person.language == "zh-hans"  # the China rep who also covers Singapore
        else:
            assert person.language == "en"
            assert person.phone.startswith("+65")
    for person in User.objects.filter(memberships__team__name="华东销售一部"):
        assert CJK.search(person.display_name)
        assert person.language == "zh-hans"
        assert person.phone.startswith("+86")


def test_it_names_every_team_in_both_languages(demo: str) -> None:
    for team in Team.objects.all():
        assert set(team.names) == {"zh-hans", "en"}, team.name
        assert CJK.search(team.names["zh-hans"]) and LATIN.search(team.names["en"]), team.names
    east = Team.objects.get(name="华东销售一部")
    with translation.override("en"):
        assert east.display_name == "East China Sales 1"
    singapore = Team.objects.get(name="International Sales (Singapore)")
    with translation.override("zh-hans"):
        assert singapore.display_name == "国际销售部（新加坡）"


def test_it_names_the_teams_of_a_demo_seeded_before_names(demo: str) -> None:
    Team.objects.update(names={})
    seed()
    assert not Team.objects.filter(names={}).exists()
    assert Team.objects.get(name="华南大区").names["en"] == "South China region"


def test_it_builds_the_hierarchy_of_teams_and_reporting_lines(demo: str) -> None:
    company = Team.objects.get(name="Tandem Demo Co.")
    east = Team.objects.get(name="华东大区")
    east_one = Team.objects.get(name="华东销售一部")
    assert company.parent is None and company.leader.username == "director"
    assert east.parent == company and east_one.parent == east
    assert east_one.path.startswith(east.path)
    rep = User.objects.get(username="rep")
    assert rep.manager.username == "manager"
    assert rep.manager.manager.manager.username == "director"
    sales_teams = Team.objects.filter(name__contains="销售", depth=2)
    assert sales_teams.count() == 4
    for team in sales_teams:
        reps = User.objects.filter(memberships__team=team, roles__code="sales-rep", is_active=True)
        assert 3 <= reps.count() <= 4, team.name
        assert team.leader.roles.filter(code="sales-manager").exists()


def test_it_gives_every_seeded_role_to_someone(demo: str) -> None:
    expected = {
        "administrator": 1,
        "sales-director": 1,
        "account-manager": 3,
        "technical-support": 3,
    }
    for code, n in expected.items():
        assert User.objects.filter(roles__code=code, is_active=True).count() == n, code
    assert User.objects.filter(roles__code="sales-manager", is_active=True).count() >= 5
    assert User.objects.filter(roles__code="sales-rep", is_active=True).count() >= 14
    admin = User.objects.get(username="admin")
    assert not admin.is_superuser
    assert Actor.for_user(admin).is_admin


def test_it_writes_job_descriptions_in_each_language_with_reporting_lines(demo: str) -> None:
    """Each language has its own description (not Chinese and English bullets after each other)."""
    for position in Position.objects.all():
        for name in ("summary", "responsibilities", "required_skills", "performance_standards"):
            chinese = position.descriptions["zh-hans"][name]
            english = position.descriptions["en"][name]
            assert CJK.search(chinese) and LATIN.search(english), f"{position.title}: {name}"
            assert len(CJK.findall(english)) * 3 < len(LATIN.findall(english)), f"{position.title}: {name}"
    director = Position.objects.get(names__en="Sales Director")
    assert director.reports_to is None and director.title == "销售总监"
    rep = Position.objects.get(names__en="Sales Representative")
    assert rep.reports_to is not None and rep.reports_to.names["en"] == "Sales Manager"
    assert all(CJK.search(p.title) and LATIN.search(p.names["en"]) for p in Position.objects.all())
    assert Position.objects.filter(reports_to__isnull=False).count() == Position.objects.count() - 1


def test_it_puts_one_rep_in_two_teams(demo: str) -> None:
    in_two = [u for u in User.objects.filter(roles__code="sales-rep") if u.memberships.count() == 2]
    assert len(in_two) == 1
    assert in_two[0].memberships.filter(is_primary=True).count() == 1


def test_it_records_a_departure_so_the_transfers_log_is_not_empty(demo: str) -> None:
    transfer = PersonTransfer.objects.get()
    assert transfer.kind == PersonTransfer.Kind.DEPARTURE
    assert not transfer.source.is_active
    assert transfer.counts["org.User.manager"] == 3
    assert transfer.counts["org.Team.leader"] == 1
    assert transfer.actor.username == "admin"
    assert not User.objects.filter(manager=transfer.source, is_active=True).exists()
    assert Team.objects.get(name="华南销售二部").leader == transfer.target


def test_it_records_history_by_the_demo_administrator(demo: str) -> None:
    rep = User.objects.get(username="rep")
    entries = HistoryEntry.objects.filter(object_id=rep.pk, content_type__model="user")
    assert entries.exists()
    assert {e.actor.username for e in entries if e.actor} == {"admin"}


def test_it_is_idempotent(demo: str) -> None:
    before = counts()
    out = seed()
    assert counts() == before
    assert "nothing added" in out


def test_it_skips_with_if_empty_when_people_exist(world: Any) -> None:
    before = counts()
    out = seed("--if-empty")
    assert counts() == before
    assert "not added" in out
    assert not User.objects.filter(username="rep").exists()


def test_it_seeds_with_if_empty_beside_a_hand_made_superuser(db: None) -> None:
    UserFactory(username="root", is_superuser=True, is_staff=True)
    seed("--if-empty")
    assert User.objects.filter(username="rep").exists()


def test_it_completes_a_partly_deleted_demo(demo: str) -> None:
    User.objects.filter(username="zhao.min").delete()
    seed()
    assert User.objects.filter(username="zhao.min", is_active=True).exists()
    assert User.objects.filter(is_active=True).count() == 31


def test_every_demo_login_can_authenticate(demo: str) -> None:
    assert {u for u, _ in DEMO_LOGINS} == {"admin", "director", "manager", "rep", "am", "support"}
    for username, _label in DEMO_LOGINS:
        request = RequestFactory().post("/auth/login/")
        user = authenticate(request=request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username


def test_it_prints_the_demo_logins(demo: str) -> None:
    assert f"password for all: {DEMO_PASSWORD}" in demo
    for username, label in DEMO_LOGINS:
        assert re.search(rf"^\s+{re.escape(username)}\s+{re.escape(label)}$", demo, re.MULTILINE)
