"""Forecasts: categories on deals, submissions, adjustments, team roll-ups, snapshots, scoping."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from tandem.conftest import World
from tandem.core.errors import VersionConflict
from tandem.deals import services as deal_services
from tandem.deals.models import Deal, ForecastCategory, Stage
from tandem.deals.tests.factories import pipeline, stage_named
from tandem.forecasts import selectors, services
from tandem.forecasts.models import ForecastAdjustment, ForecastSnapshot, ForecastSubmission
from tandem.forecasts.tests.factories import open_deal, won_deal
from tandem.kpis.periods import Period

pytestmark = pytest.mark.django_db


def quarter() -> Period:
    return selectors.current_period()


def mid(period: Period) -> datetime.date:
    today = timezone.localdate()
    return today if period.contains(today) else period.start


def submit(world: World, user: Any, commit: str, best: str, **kw: Any) -> ForecastSubmission:
    return services.submission_save(
        actor=world.actor(user),
        period=kw.pop("period", quarter()),
        data={"commit_amount": commit, "best_case_amount": best, "note": kw.pop("note", "")},
        **kw,
    )


# --- Categories on deals ---------------------------------------------------------------------------


def test_it_gives_default_stages_a_category_by_probability(world: World) -> None:
    cats = {s.name: s.forecast_category for s in pipeline().stages.all()}
    assert cats["Qualification"] == ForecastCategory.PIPELINE
    assert cats["Proposal"] == ForecastCategory.BEST_CASE
    assert cats["Negotiation"] == ForecastCategory.COMMIT


def test_a_new_deal_and_a_moved_deal_take_the_stage_category_until_the_owner_chooses(world: World) -> None:
    actor = world.actor(world.owner)
    deal = deal_services.deal_create(
        actor=actor, data={"name": "Pumps", "amount": "5", "budget": "5"}, stage=stage_named("Qualification")
    )
    assert (deal.forecast_category, deal.forecast_category_manual) == ("pipeline", False)
    deal = deal_services.deal_move(actor=actor, deal=deal, stage=stage_named("Proposal"))
    assert deal.forecast_category == ForecastCategory.BEST_CASE
    deal = deal_services.deal_update(actor=actor, deal=deal, data={"forecast_category": "commit"})
    assert (deal.forecast_category, deal.forecast_category_manual) == ("commit", True)
    deal = deal_services.deal_move(actor=actor, deal=deal, stage=stage_named("Qualification"))
    assert deal.forecast_category == ForecastCategory.COMMIT  # the owner's choice is never overwritten
    deal = deal_services.deal_update(actor=actor, deal=deal, data={"forecast_category": ""})
    assert (deal.forecast_category, deal.forecast_category_manual) == ("pipeline", False)


def test_sending_the_current_category_back_does_not_pin_it(world: World) -> None:
    actor = world.actor(world.owner)
    deal = deal_services.deal_create(actor=actor, data={"name": "Valves"}, stage=stage_named("Qualification"))
    deal = deal_services.deal_update(actor=actor, deal=deal, data={"forecast_category": "pipeline"})
    assert deal.forecast_category_manual is False


def test_a_category_chosen_on_a_new_deal_is_the_owners(world: World) -> None:
    actor = world.actor(world.owner)
    deal = deal_services.deal_create(
        actor=actor,
        data={"name": "Motors", "amount": "5", "budget": "5", "forecast_category": "omitted"},
        stage=stage_named("Proposal"),
    )
    assert (deal.forecast_category, deal.forecast_category_manual) == ("omitted", True)


def test_an_unknown_category_is_refused_with_a_field_message(world: World) -> None:
    actor = world.actor(world.owner)
    with pytest.raises(ValidationError) as caught:
        deal_services.deal_create(actor=actor, data={"name": "X", "forecast_category": "maybe"})
    assert "forecast_category" in caught.value.message_dict
    assert not Deal.objects.filter(name="X").exists()


def test_a_won_deal_is_closed_and_a_lost_one_out(world: World) -> None:
    deal = won_deal(world.owner, amount="10", closed=timezone.localdate())
    assert deal.forecast_group == "closed"
    deal.status = "lost"
    assert deal.forecast_group == "lost"


def test_a_new_stage_defaults_its_category_by_probability(world: World) -> None:
    stage = deal_services.stage_save(
        actor=world.actor(world.admin),
        stage=None,
        data={"pipeline": pipeline(), "name": "Contract", "probability": 90},
    )
    assert stage.forecast_category == ForecastCategory.COMMIT
    stage = deal_services.stage_save(
        actor=world.actor(world.admin), stage=stage, data={"forecast_category": "best_case"}
    )
    assert Stage.objects.get(pk=stage.pk).forecast_category == "best_case"


# --- Submissions ------------------------------------------------------------------------------------


def test_each_save_of_a_submission_is_kept_as_a_version(world: World) -> None:
    first = submit(world, world.owner, "100", "150", note="Two big ones")
    second = submit(world, world.owner, "120", "160", version=first.version)
    assert second.pk == first.pk and second.version == 2
    kept = list(second.versions.order_by("version").values_list("commit_amount", flat=True))
    assert kept == [Decimal("100.00"), Decimal("120.00")]


def test_a_stale_version_is_refused_and_changes_nothing(world: World) -> None:
    first = submit(world, world.owner, "100", "150")
    submit(world, world.owner, "110", "150", version=1)
    with pytest.raises(VersionConflict):
        submit(world, world.owner, "999", "999", version=first.version)
    assert ForecastSubmission.objects.get(pk=first.pk).commit_amount == Decimal("110.00")


@pytest.mark.parametrize(
    ("commit", "best", "field"),
    [
        ("-1", "5", "commit_amount"),
        ("10", "5", "best_case_amount"),
        ("abc", "5", "commit_amount"),
        ("", "5", "commit_amount"),
    ],
)
def test_bad_amounts_are_refused_with_field_messages(
    world: World, commit: str, best: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        submit(world, world.owner, commit, best)
    assert field in caught.value.message_dict
    assert not ForecastSubmission.objects.exists()


def test_a_period_that_has_ended_cannot_be_forecast(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        submit(world, world.owner, "1", "2", period=quarter().previous())
    assert "period" in caught.value.message_dict


# --- Adjustments -------------------------------------------------------------------------------------


def test_a_manager_adjusts_with_a_reason_and_the_submission_stays(world: World) -> None:
    sub = submit(world, world.owner, "100", "150")
    adj = services.adjustment_create(
        actor=world.actor(world.manager),
        period=quarter(),
        person=world.owner,
        data={"commit_amount": "80", "best_case_amount": "120", "reason": "Deal X slips"},
    )
    assert adj.team_id == world.east_sales.pk
    sub.refresh_from_db()
    assert (sub.commit_amount, sub.version) == (Decimal("100.00"), 1)
    row = selectors.my_forecast(actor=world.actor(world.owner), person=world.owner, period=quarter())
    assert (row.submitted_commit, row.adjusted_commit, row.forecast) == (
        Decimal("100.00"),
        Decimal("80.00"),
        Decimal("80.00"),
    )


def test_an_adjustment_needs_a_reason(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        services.adjustment_create(
            actor=world.actor(world.manager),
            period=quarter(),
            person=world.owner,
            data={"commit_amount": "80", "best_case_amount": "120", "reason": "  "},
        )
    assert "reason" in caught.value.message_dict
    assert not ForecastAdjustment.objects.exists()


@pytest.mark.parametrize("who", ["teammate", "owner", "sibling_manager", "outsider"])
def test_only_managers_above_adjust(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.adjustment_create(
            actor=world.actor(getattr(world, who)),
            period=quarter(),
            person=world.owner,
            data={"commit_amount": "1", "best_case_amount": "1", "reason": "r"},
        )
    assert not ForecastAdjustment.objects.exists()


def test_managers_up_the_tree_and_directors_adjust_people_and_teams(world: World) -> None:
    for user in (world.east_manager, world.director):
        assert selectors.can_adjust(world.actor(user), person=world.owner)
    assert selectors.can_adjust(world.actor(world.manager), team=world.east_sales)
    assert selectors.can_adjust(world.actor(world.east_manager), team=world.east_sales)
    assert not selectors.can_adjust(world.actor(world.manager), team=world.east)
    assert not selectors.can_adjust(world.actor(world.sibling_manager), team=world.east_sales)


# --- Scoping -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("owner", True),
        ("teammate", False),
        ("manager", True),
        ("east_manager", True),
        ("sibling_manager", False),
        ("outsider", False),
        ("director", True),
    ],
)
def test_a_forecast_is_seen_as_its_owners_deals_are(world: World, who: str, sees: bool) -> None:
    sub = submit(world, world.owner, "100", "150")
    actor = world.actor(getattr(world, who))
    assert selectors.submissions_queryset(actor).filter(pk=sub.pk).exists() is sees
    if who != "owner":
        if sees:
            assert selectors.person_or_404(actor, world.owner.pk) == world.owner
        else:
            with pytest.raises(Http404):
                selectors.person_or_404(actor, world.owner.pk)


def test_a_team_page_is_404_outside_scope(world: World) -> None:
    for who in ("owner", "teammate", "sibling_manager", "outsider"):
        with pytest.raises(Http404):
            selectors.team_or_404(world.actor(getattr(world, who)), world.east_sales.pk)
    assert selectors.team_or_404(world.actor(world.manager), world.east_sales.pk) == world.east_sales
    with pytest.raises(Http404):
        selectors.company_team_rows(actor=world.actor(world.manager), period=quarter())


# --- Figures -------------------------------------------------------------------------------------------


def test_team_rows_show_pipeline_by_category_weighted_and_won(world: World) -> None:
    period = quarter()
    day = mid(period)
    open_deal(world.owner, amount="1000", stage="Negotiation", close=day)  # commit, 75 %
    open_deal(world.owner, amount="400", stage="Proposal", close=day)  # best case, 50 %
    open_deal(world.owner, amount="300", stage="Qualification", close=day, probability=20)  # pipeline
    open_deal(world.owner, amount="999", stage="Negotiation", close=period.next().start)  # next period
    open_deal(world.teammate, amount="200", stage="Qualification", close=day, forecast_category="omitted")
    won_deal(world.owner, amount="500", closed=timezone.localdate())
    submit(world, world.owner, "1200", "1600")
    forecast = selectors.team_forecast_rows(
        actor=world.actor(world.manager), team=world.east_sales, period=period
    )
    rows = {r.label: r for r in forecast.members}
    me = rows[str(world.owner)]
    assert (me.pipeline.commit, me.pipeline.best_case, me.pipeline.pipeline) == (
        Decimal("1000.00"),
        Decimal("400.00"),
        Decimal("300.00"),
    )
    assert me.pipeline.weighted == Decimal("1000") * Decimal("0.75") + Decimal("200") + Decimal("60")
    assert me.won == Decimal("500.00")
    assert me.attainment == (Decimal("500") / Decimal("1200")).quantize(Decimal("0.0001"))
    assert rows[str(world.teammate)].pipeline.omitted == Decimal("200.00")
    assert forecast.total.submitted_commit == Decimal("1200.00")
    assert forecast.total.submitters == 1


def test_a_team_adjustment_is_the_teams_call_and_the_company_sees_teams_side_by_side(world: World) -> None:
    submit(world, world.owner, "100", "150")
    submit(world, world.teammate, "50", "60")
    services.adjustment_create(
        actor=world.actor(world.east_manager),
        period=quarter(),
        team=world.east_sales,
        data={"commit_amount": "130", "best_case_amount": "200", "reason": "Known slip"},
    )
    company = selectors.company_team_rows(actor=world.actor(world.director), period=quarter())
    teams = {r.team.pk: r for r in company.teams if r.team is not None}
    assert teams[world.east_sales.pk].submitted_commit == Decimal("150.00")
    assert teams[world.east_sales.pk].forecast == Decimal("130.00")
    assert teams[world.east.pk].submitted_commit == Decimal("150.00")
    assert company.total.submitted_commit == Decimal("150.00")


def test_the_team_page_reads_the_same_number_of_queries_however_many_people(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from tandem.org.tests.factories import UserFactory, join

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            selectors.team_forecast_rows(
                actor=world.actor(world.manager), team=world.east_sales, period=quarter()
            )
        return len(ctx.captured_queries)

    before = count()
    for n in range(6):
        rep = UserFactory(username=f"rep{n}", roles=["sales-rep"])
        join(rep, world.east_sales)
        open_deal(rep, amount="10", close=mid(quarter()))
        submit(world, rep, "1", "2")
    assert count() <= before


# --- Snapshots -------------------------------------------------------------------------------------------


def test_snapshots_are_idempotent_per_day_and_hold_the_figures(world: World) -> None:
    period = quarter()
    open_deal(world.owner, amount="1000", stage="Negotiation", close=mid(period))
    won_deal(world.owner, amount="500", closed=timezone.localdate())
    submit(world, world.owner, "1200", "1600")
    services.adjustment_create(
        actor=world.actor(world.manager),
        period=period,
        person=world.owner,
        data={"commit_amount": "900", "best_case_amount": "1300", "reason": "Cautious"},
    )
    first = services.snapshot_take()
    again = services.snapshot_take()
    assert first == again == ForecastSnapshot.objects.count()
    mine = ForecastSnapshot.objects.get(subject=f"person:{world.owner.pk}")
    assert (mine.submitted_commit, mine.adjusted_commit, mine.commit_pipeline, mine.won_to_date) == (
        Decimal("1200.00"),
        Decimal("900.00"),
        Decimal("1000.00"),
        Decimal("500.00"),
    )
    assert mine.weighted_pipeline == Decimal("750.00")
    assert mine.team_id == world.east_sales.pk
    company = ForecastSnapshot.objects.get(subject="company")
    assert (company.submitted_commit, company.adjusted_commit, company.won_to_date) == (
        Decimal("1200.00"),
        Decimal("900.00"),
        Decimal("500.00"),
    )
    team = ForecastSnapshot.objects.get(subject=f"team:{world.east_sales.pk}")
    assert team.adjusted_commit == Decimal("900.00")


def test_movement_is_the_companys_for_directors_and_nothing_for_reps(world: World) -> None:
    period = quarter()
    submit(world, world.owner, "100", "150")
    services.snapshot_take(today=period.start)
    submit(world, world.owner, "120", "150", version=1)
    services.snapshot_take(today=min(period.start + datetime.timedelta(days=7), period.end))
    points = selectors.forecast_movement(actor=world.actor(world.director), period=period)
    assert [p.submitted for p in points] == [Decimal("100.00"), Decimal("120.00")]
    assert selectors.forecast_movement(actor=world.actor(world.owner), period=period) == []
    assert (
        len(
            selectors.forecast_movement(
                actor=world.actor(world.manager), period=period, team=world.east_sales
            )
        )
        == 2
    )
    assert (
        selectors.forecast_movement(actor=world.actor(world.outsider), period=period, team=world.east_sales)
        == []
    )
