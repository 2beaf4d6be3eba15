"""Benchmarks at scale: each query through Tandem's code path beside its floor (the same SQL, raw).

Prints p50/p95 in milliseconds. Run ``tandem bench-data`` first (see bench/README.md).
"""

from __future__ import annotations

import datetime
import logging
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import interpreter
from tandem.activities.models import Activity
from tandem.core import access, history
from tandem.core.collector import settle
from tandem.customers import dedupe
from tandem.customers.models import Account, Contact
from tandem.deals import selectors
from tandem.deals.filters import DealFilter
from tandem.deals.models import Deal, Pipeline, Stage
from tandem.deals.views import deal_list_result
from tandem.kpis import engine, periods
from tandem.kpis.models import KpiDefinition
from tandem.org.models import Team, User

TARGETS = {
    "manager dashboard (subtree, this quarter)": 300.0,
    # Issue 12: every page p95 ≤ 50 ms and ≤ 4× its floor, for a rep, a region manager and an administrator.
    "home page, manager dashboard (through middleware)": 50.0,
    "home page, rep dashboard (through middleware)": 50.0,
    "home page, director dashboard (through middleware)": 50.0,
    "company funnel (this fiscal year, stage history)": 300.0,
    "win rate by person (company, this fiscal year)": 300.0,
    "analytics API by owner (company)": 500.0,
    "deal list (manager, subtree, stage, by close date, 50)": 50.0,
    "board first page (all open stages)": 150.0,
    "account page with timeline": 100.0,
    "duplicate check": 30.0,
}
IMPORT_TARGET_ROWS_PER_SECOND = 10_000
PAGE_TARGET = 50.0  # issue 12: each whole page


def _timed(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm up caches and the connection
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def _raw(qs: Any) -> Callable[[], Any]:
    sql, params = qs.query.sql_with_params()

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def _region_manager() -> User:
    region = Team.objects.filter(depth=1, leader__isnull=False).order_by("id").first()
    assert region is not None and region.leader is not None, "run tandem bench-data first"
    return region.leader


def _everyone() -> User:
    """Someone who sees every deal (a director's data scope): the first active administrator."""
    found = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    if found is None:
        raise SystemExit("No administrator: run `tandem bench-data` (or the import benchmark) first.")
    return found


def _replayed(orm: Callable[[], Any]) -> Callable[[], Any]:
    """The floor of a multi-query page: the very SQL ``orm`` sends, sent raw.

    The SQL is captured on the floor's first call, after the case's own runs (a first request
    may create what later ones only read, such as a settings row), and replayed in a transaction
    rolled back, so a request's writes cost what they cost without piling up or clashing with a
    unique key. A server-side cursor (``.iterator()``) shows as DECLARE/FETCH/CLOSE: replayed as
    its SELECT alone; savepoints are left out."""
    skipped = ("FETCH ", "CLOSE ", "SAVEPOINT ", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    statements: list[str] = []

    def capture() -> None:
        with CaptureQueriesContext(connection) as ctx:
            orm()
        for query in ctx.captured_queries:
            sql = query["sql"]
            if sql.startswith(skipped):
                continue
            if sql.startswith("DECLARE ") and " FOR " in sql:
                sql = sql.split(" FOR ", 1)[1]
            statements.append(sql)

    def floor() -> Any:
        if not statements:
            capture()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            transaction.set_rollback(True)

    return floor


def deal_list(user: User, params: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The deals list as its view reads it (``deals.views.deal_list_result``) with ``params``: a
    page of 50 and the list's count (pre-aggregated where the filters allow, else a count bounded
    at 10,001 rows), the person's saved views."""
    request = RequestFactory().get("/deals/", params)
    request.user = user

    def orm() -> Any:
        result = deal_list_result(request, access.get_actor(request))
        return result.rows, result.page_obj.paginator.count

    return orm, _replayed(orm)


def board(
    actor: access.Actor, pipeline: Pipeline, stages: list[Stage], filters: dict[str, str] | None = None
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The board's first page as the board view reads it: column totals (pre-aggregated unless a
    filter needs the deals) and the first 20 cards of every open column."""
    open_ids = [s.pk for s in stages]

    def orm() -> Any:
        deals = selectors.deal_queryset(actor).filter(pipeline=pipeline).order_by()
        filterset = DealFilter(filters or {}, queryset=deals)
        totals = selectors.board_totals(actor, filterset.qs, open_ids, filterset)
        cards = selectors.board_cards(filterset.qs, open_ids)
        return totals, cards

    return orm, _replayed(orm)


def account_page(actor: access.Actor, account_id: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    def orm() -> Any:
        account = access.get_visible_or_404(
            actor, "account", Account.objects.select_related("owner", "team", "level"), pk=account_id
        )
        contacts = list(Contact.objects.filter(account=account).order_by("name")[:20])
        deals = list(
            Deal.objects.filter(account=account).select_related("stage", "owner").order_by("-id")[:20]
        )
        follow_ups = list(
            Activity.objects.filter(account=account)
            .select_related("author", "deal")
            .order_by("-occurred_at", "-id")[:30]
        )
        entries = list(history.entries_for(account)[:30])
        return account, contacts, deals, follow_ups, entries

    queries = [
        Account.objects.filter(pk=account_id),
        Contact.objects.filter(account_id=account_id).order_by("name")[:20],
        Deal.objects.filter(account_id=account_id).order_by("-id")[:20],
        Activity.objects.filter(account_id=account_id).order_by("-occurred_at", "-id")[:30],
    ]
    raws = [_raw(q) for q in queries]

    def floor() -> Any:
        return [r() for r in raws]

    return orm, floor


def duplicate_check(
    actor: access.Actor, name: str, phone: str
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    values = {"name": name, "phone": phone}

    def orm() -> Any:
        return dedupe.find(actor=actor, record_type="account", values=values)

    key = dedupe.normalize_name(name)

    def floor() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT record_type, record_id FROM customers_duplicatekey WHERE kind = 'name' AND value = %s "
                "UNION ALL SELECT record_type, record_id FROM customers_duplicatekey WHERE kind = 'phone' AND value = %s "
                "UNION ALL SELECT record_type, record_id FROM customers_duplicatekey WHERE bucket = %s LIMIT 500",
                [key, phone, key[:2]],
            )
            return cursor.fetchall()

    return orm, floor


def manager_dashboard(manager: User) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """A manager's dashboard figures for their team subtree and the current fiscal quarter, as
    the engine computes them: won amount, win rate, new pipeline, follow-ups, open pipeline by
    stage (issue 11 §8). A fresh actor each time, as each request builds one."""
    region = Team.objects.filter(leader=manager).order_by("depth", "id").first()
    assert region is not None
    quarter = periods.period_containing(timezone.localdate(), periods.QUARTER)
    kpis = {
        code: KpiDefinition.objects.select_related("numerator", "denominator").get(code=code)
        for code in ("won_amount", "win_rate", "new_pipeline", "follow_ups")
    }
    scope = engine.Scope(team_id=region.pk)

    def orm() -> Any:
        actor = access.Actor.for_user(manager)
        figures = {
            code: engine.figure(actor=actor, kpi=kpi, start=quarter.start, end=quarter.end, scope=scope)
            for code, kpi in kpis.items()
        }
        return figures, engine.open_pipeline(actor=actor, scope=scope)

    return orm, _replayed(orm)


def home_page(user: User, view: str, *, refresh: bool = False) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The home page with a role's dashboard (``?view=rep|manager|director``), as a whole page:
    as a person opens it again within minutes (the figures kept, decision 0045), or with
    ``refresh`` as on their first visit, or after a change of theirs (every figure computed)."""
    return whole_page(user, "/", {"view": view, **({"refresh": "1"} if refresh else {})})


def whole_page(
    user: User, url: str, params: dict[str, Any] | None = None
) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Any page, requested through the whole middleware stack by a signed-in test client (DEBUG
    off, templates rendered), beside the SQL it sends, raw: what a person waits for."""
    from django.test import Client

    logging.getLogger("tandem.access").setLevel(logging.WARNING)
    client = Client()
    client.force_login(user)

    def orm() -> Any:
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, response.status_code)
        return response

    return orm, _replayed(orm)


def page_cases(
    rep: User, manager: User, admin: User, stage_id: int
) -> list[tuple[str, tuple[Callable[[], Any], Callable[[], Any]]]]:
    """The pages issue 12 names, for a rep, a region manager and the administrator (the account
    page: the first account each of them may see)."""
    from django.urls import reverse

    cases = []
    for who, user in (("rep", rep), ("region manager", manager), ("administrator", admin)):
        seen = access.visible(access.Actor.for_user(user), "account", Account.objects.all())
        account_id = seen.order_by("id").values_list("pk", flat=True)[:1].get()
        for label, url, params in (
            ("deal list as it opens", reverse("deals:deal-list"), None),
            (
                "deal list, one stage by close date",
                reverse("deals:deal-list"),
                {"stage": stage_id, "sort": "expected_close_date"},
            ),
            ("board", reverse("deals:board"), None),
            ("account page", reverse("customers:account-detail", args=[account_id]), None),
            ("lead list", reverse("leads:lead-list"), None),
            ("contact list", reverse("customers:contact-list"), None),
            ("pool page", reverse("customers:pool-list"), None),
        ):
            cases.append((f"page: {label} ({who})", whole_page(user, url, params)))
    return cases


def company_funnel(admin: User) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The funnel of the deals opened this fiscal year, company-wide: how many entered each stage."""
    year = periods.period_containing(timezone.localdate(), periods.YEAR)

    def orm() -> Any:
        return engine.funnel(actor=access.Actor.for_user(admin), start=year.start, end=year.end)

    return orm, _replayed(orm)


def win_rate_by_person(admin: User) -> tuple[Callable[[], Any], Callable[[], Any]]:
    year = periods.period_containing(timezone.localdate(), periods.YEAR)
    win_rate = KpiDefinition.objects.select_related("numerator", "denominator").get(code="win_rate")

    def orm() -> Any:
        actor = access.Actor.for_user(admin)
        return engine.figures(actor=actor, kpi=win_rate, start=year.start, end=year.end, group_by="owner")

    return orm, _replayed(orm)


def analytics_by_owner(admin: User) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """GET /api/v1/analytics/deals/?group_by=owner as the administrator: the whole request
    through DRF (authentication, the engine, serialisation), beside the engine's SQL sent raw."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    from tandem.kpis.api import DealAnalyticsView

    view = DealAnalyticsView.as_view()

    def orm() -> Any:
        request = APIRequestFactory().get("/api/v1/analytics/deals/", {"group_by": "owner"})
        force_authenticate(request, user=admin)
        response = view(request)
        assert response.status_code == 200, response.data
        return response.data

    def engine_only() -> Any:
        return engine.deal_breakdown(actor=access.Actor.for_user(admin), group_by="owner")

    return orm, _replayed(engine_only)


# Global search (issue 12: terms of one or more characters in Chinese, pinyin and Latin, and phone
# fragments, p95 ≤ 150 ms): (label, term).
SEARCH_TERMS = [
    ("one Chinese character", "王"),
    ("two Chinese characters", "科技"),
    ("pinyin", "hetai"),
    ("initials", "gzht"),
    ("two words", "广州 科技"),
    ("Latin word", "harbour"),
    ("phone fragment", "13900299"),
    ("matching nothing", "无此客户"),
]
SEARCH_TARGET = 150.0


SORT_TARGET = 150.0  # issue 12: every sortable column and filter a list offers, administrator


def sort_cases(admin: User) -> list[tuple[str, tuple[Callable[[], Any], Callable[[], Any]]]]:
    """Every sortable column of the deal, account, contact, lead, pool and follow-up lists, both
    directions, as whole pages for the administrator (scope all): ``page: <list> sorted by …``."""
    from django.urls import reverse

    from tandem.activities.views import COLUMNS as ACTIVITY_COLUMNS
    from tandem.customers.views import ACCOUNT_COLUMNS, CONTACT_COLUMNS, POOL_COLUMNS
    from tandem.deals.views import deal_columns
    from tandem.leads.views import COLUMNS as LEAD_COLUMNS

    lists = (
        ("deals", reverse("deals:deal-list"), deal_columns()),
        ("accounts", reverse("customers:account-list"), ACCOUNT_COLUMNS),
        ("contacts", reverse("customers:contact-list"), CONTACT_COLUMNS),
        ("leads", reverse("leads:lead-list"), LEAD_COLUMNS),
        ("pool", reverse("customers:pool-list"), POOL_COLUMNS),
        ("follow-ups", reverse("activities:activity-list"), ACTIVITY_COLUMNS),
    )
    cases = []
    for label, url, columns in lists:
        for column in columns:
            if column.sort is None:
                continue
            for sort in (column.key, f"-{column.key}"):
                cases.append(
                    (
                        f"page: {label} sorted by {sort} (administrator)",
                        whole_page(admin, url, {"sort": sort}),
                    )
                )
    return cases


def filter_cases(
    admin: User, pipeline: Pipeline, stage_id: int
) -> list[tuple[str, tuple[Callable[[], Any], Callable[[], Any]]]]:
    """Each filter the deal list offers, alone, as a whole page for the administrator: ``page:
    deals filtered by …``."""
    from django.urls import reverse

    from tandem.core.models import Tag

    today = timezone.localdate()
    team = Team.objects.filter(parent__isnull=True).order_by("id").first()
    tag = Tag.objects.order_by("id").first()
    params: list[tuple[str, dict[str, Any]]] = [
        ("name 商机 1", {"q": "商机 1"}),
        ("owner", {"owner": _rep().pk}),
        ("stage", {"stage": stage_id}),
        ("status won", {"status": "won"}),
        ("forecast category commit", {"forecast_category": "commit"}),
        ("pipeline", {"pipeline": pipeline.pk}),
        ("amount 10,000–50,000", {"amount_min": 10_000, "amount_max": 50_000}),
        (
            "expected close in 90 days",
            {
                "expected_close_date_after": today.isoformat(),
                "expected_close_date_before": (today + datetime.timedelta(days=90)).isoformat(),
            },
        ),
        (
            "closed this year",
            {
                "closed_on_after": today.replace(month=1, day=1).isoformat(),
                "closed_on_before": today.isoformat(),
            },
        ),
    ]
    if team is not None:
        params.append(("team and sub-teams", {"team": team.pk}))
    if tag is not None:
        params.append(("tag", {"tag": tag.pk}))
    url = reverse("deals:deal-list")
    return [
        (f"page: deals filtered by {label} (administrator)", whole_page(admin, url, query))
        for label, query in params
    ]


def _rep() -> User:
    """A sales rep: the owner of the first deal who leads no team."""
    leaders = Team.objects.exclude(leader=None).values("leader_id")
    owner_id = (
        Deal.objects.exclude(owner_id__in=leaders).order_by("id").values_list("owner_id", flat=True).first()
    )
    assert owner_id is not None, "run tandem bench-data first"
    return User.objects.get(pk=owner_id)


def search_page(user: User, q: str) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The whole global search page (/search/?q=), through every middleware with a signed-in
    session (Django's test client), beside the SQL that request sends, replayed raw."""
    from django.conf import settings
    from django.test import Client

    logging.getLogger("tandem.access").setLevel(logging.WARNING)  # one line a request otherwise
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)

    def orm() -> Any:
        response = client.get("/search/", {"q": q})
        assert response.status_code == 200, response.status_code
        return response

    return orm, _replayed(orm)


def search_cases(
    rep: User, manager: User, admin: User
) -> list[tuple[str, tuple[Callable[[], Any], Callable[[], Any]]]]:
    cases = []
    for who, user in (("rep", rep), ("region manager", manager), ("administrator", admin)):
        for label, term in SEARCH_TERMS:
            cases.append((f"search page, {label} {term} ({who})", search_page(user, term)))
    return cases


def analytics_page(user: User) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """GET /analytics/ (every section: funnel, key figures, follow-ups, leaderboards, win/loss,
    breakdown by product, trends) through the full middleware with Django's test client, beside
    the SQL its sections send, raw."""
    from django.conf import settings
    from django.test import Client

    from tandem.analytics import selectors
    from tandem.analytics.filters import FilterForm

    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h]
    client = Client(HTTP_HOST=hosts[0].lstrip(".") if hosts else "localhost")
    client.force_login(user)

    def orm() -> Any:
        response = client.get("/analytics/", {"period": "this_quarter"})
        assert response.status_code == 200, response.status_code
        return response.content

    def sections() -> Any:
        actor = access.Actor.for_user(user)
        form = FilterForm({"period": "this_quarter"}, actor=actor)
        assert form.is_valid(), form.errors
        return selectors.workspace(actor, form.filters())

    return orm, _replayed(sections)


def _api_client(user: User) -> Any:
    """A signed-in API client (session), through every middleware, DEBUG as the settings say."""
    from django.conf import settings
    from rest_framework.test import APIClient

    logging.getLogger("tandem.access").setLevel(logging.WARNING)  # one line a request otherwise
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = APIClient()
    client.force_login(user)
    return client


def api_list(user: User, path: str, params: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """One API list request (``GET path?params``) beside the SQL it sends, replayed raw."""
    client = _api_client(user)

    def orm() -> Any:
        response = client.get(path, params)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response

    return orm, _replayed(orm)


API_TARGET = 150.0


def api_cases(admin: User) -> list[tuple[str, tuple[Callable[[], Any], Callable[[], Any]]]]:
    """Every API ``ordering`` of the deal, account, contact and lead lists (both directions, first
    page of 50), the deepest page by number, and a cursor page half-way down the deals, as the
    administrator (scope all)."""
    from tandem.core import paging
    from tandem.customers.api import AccountViewSet, ContactViewSet
    from tandem.deals.api import DealViewSet
    from tandem.leads.api import LeadViewSet

    views = {
        "/api/v1/deals/": DealViewSet,
        "/api/v1/accounts/": AccountViewSet,
        "/api/v1/contacts/": ContactViewSet,
        "/api/v1/leads/": LeadViewSet,
    }
    cases = []
    for path, view in views.items():
        label = path.strip("/").rsplit("/", 1)[1]
        for field in view.ordering_fields:
            for order in (field, f"-{field}"):
                cases.append(
                    (
                        f"API {label} ordering={order} (administrator)",
                        api_list(admin, path, {"ordering": order}),
                    )
                )
    deepest = paging.MAX_PAGED_ROWS // 50
    cases.append(
        (
            f"API deals page={deepest}, deepest by number (administrator)",
            api_list(admin, "/api/v1/deals/", {"page": deepest}),
        )
    )
    for order in ("-id", "name", "-amount"):
        qs = paging.ordered(Deal.objects.all(), paging.ordering_keys(Deal.objects.order_by(order)) or [])
        middle = qs[Deal.objects.count() // 2]
        keys = paging.ordering_keys(Deal.objects.order_by(order)) or []
        cursor = paging.encode(paging.position_of(middle, keys), backwards=False)
        cases.append(
            (
                f"API deals ordering={order}, cursor half-way (administrator)",
                api_list(admin, "/api/v1/deals/", {"ordering": order, "cursor": cursor}),
            )
        )
    return cases


def import_case(out: Callable[[str], None], rows: int = 50_000) -> dict[str, Any]:
    """Accounts through the import engine (commit, duplicate checking on) beside COPY of the same rows."""
    from bench import import_bench

    figures = import_bench.run(rows=rows, out=lambda _m: None)
    row: dict[str, Any] = {
        "case": "import accounts (rows/s)",
        "rows_per_s": figures["commit_rps"],
        "dry_run_rows_per_s": figures["dry_run_rps"],
        "floor_rows_per_s": figures["copy_rps"],
        "target": IMPORT_TARGET_ROWS_PER_SECOND,
    }
    out(f"{'case':58} {'rows/s':>8} {'dry run':>8} {'COPY floor':>10} {'':>6} {'target':>7}")
    out(
        f"{row['case']:58} {row['rows_per_s']:8,.0f} {row['dry_run_rows_per_s']:8,.0f} "
        f"{row['floor_rows_per_s']:10,.0f} {'':>6} {'≥' + str(row['target']):>7}"
    )
    return row


def run(
    runs: int = 30, out: Callable[[str], None] = print, only: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every case, or those whose name contains one of ``only``."""
    rng = random.Random(1)
    manager = _region_manager()
    actor = access.Actor.for_user(manager)
    default = Pipeline.objects.get(is_default=True)
    today = timezone.localdate()
    quarter = {
        "expected_close_date_after": today.isoformat(),
        "expected_close_date_before": (today + datetime.timedelta(days=90)).isoformat(),
    }
    open_stages = list(Stage.objects.filter(kind="open", pipeline=default).order_by("order"))
    sample_account = (
        access.visible(actor, "account", Account.objects.all())
        .order_by("id")
        .values_list("pk", "name", "phone")[rng.randrange(1000)]
    )
    results = []
    admin = _everyone()
    cases: list[tuple[str, tuple[Callable[[], Any], Callable[[], Any]]]] = [
        ("manager dashboard (subtree, this quarter)", manager_dashboard(manager)),
        ("home page, manager dashboard (through middleware)", home_page(manager, "manager")),
        ("home page, rep dashboard (through middleware)", home_page(_rep(), "rep")),
        ("home page, director dashboard (through middleware)", home_page(admin, "director")),
        (
            "home page, manager dashboard computed afresh (?refresh=1)",
            home_page(manager, "manager", refresh=True),
        ),
        ("home page, rep dashboard computed afresh (?refresh=1)", home_page(_rep(), "rep", refresh=True)),
        (
            "home page, director dashboard computed afresh (?refresh=1)",
            home_page(admin, "director", refresh=True),
        ),
        ("company funnel (this fiscal year, stage history)", company_funnel(admin)),
        ("win rate by person (company, this fiscal year)", win_rate_by_person(admin)),
        ("analytics API by owner (company)", analytics_by_owner(admin)),
        ("analytics page (manager, this quarter, full request)", analytics_page(manager)),
        ("analytics page (director: scope all, this quarter, full request)", analytics_page(admin)),
        (
            "deal list (manager, subtree, stage, by close date, 50)",
            deal_list(manager, {"stage": open_stages[1].pk, "sort": "expected_close_date"}),
        ),
        ("deal list as it opens (manager, newest first)", deal_list(manager, {})),
        ("deal list as it opens (scope all, newest first)", deal_list(admin, {})),
        ("board first page (all open stages)", board(actor, default, open_stages)),
        ("board, closing in 90 days (totals from deals)", board(actor, default, open_stages, quarter)),
        (
            "board, name contains 商机 1 (totals from deals)",
            board(actor, default, open_stages, {"q": "商机 1"}),
        ),
        ("account page with timeline", account_page(actor, sample_account[0])),
        ("duplicate check", duplicate_check(actor, sample_account[1], sample_account[2])),
    ]
    if not only or any("page: " in part for part in only):
        cases += page_cases(_rep(), manager, admin, open_stages[1].pk)
    if not only or any("search" in part for part in only):
        cases += search_cases(_rep(), manager, admin)
    if not only or any("sorted by" in part for part in only):
        cases += sort_cases(admin)
    if not only or any("filtered by" in part for part in only):
        cases += filter_cases(admin, default, open_stages[1].pk)
    if not only or any("API" in part for part in only):
        cases += api_cases(admin)
    # As a gunicorn worker does once it has started (config/gunicorn_conf.py, post_worker_init).
    settle()
    out(
        f"deals: {Deal.objects.count():,}  accounts: {Account.objects.count():,}  follow-ups: {Activity.objects.count():,}"
    )
    out(
        f"as {manager} (subtree of {len(actor.subtree_team_ids)} teams), {runs} runs each, database: {connection.vendor}, "
        f"{interpreter()}"
    )
    out(f"{'case':58} {'p50 ms':>8} {'p95 ms':>8} {'floor p95':>10} {'ratio':>6} {'target':>7}")
    for name, (orm, floor) in cases:
        if only and not any(part in name for part in only):
            continue
        t = _timed(orm, runs)
        f = _timed(floor, runs)
        row: dict[str, Any] = {
            "case": name,
            "p50": statistics.median(t),
            "p95": _pct(t, 95),
            "floor_p95": _pct(f, 95),
            "target": TARGETS.get(
                name,
                SEARCH_TARGET
                if name.startswith("search page")
                else SORT_TARGET
                if " sorted by " in name or " filtered by " in name
                else PAGE_TARGET
                if name.startswith("page: ")
                else API_TARGET
                if name.startswith("API ") and "analytics" not in name
                else None,
            ),
        }
        row["ratio"] = row["p95"] / row["floor_p95"] if row["floor_p95"] else float("nan")
        results.append(row)
        out(
            f"{name:58} {row['p50']:8.1f} {row['p95']:8.1f} {row['floor_p95']:10.1f} {row['ratio']:6.1f} "
            f"{'≤' + str(int(row['target'])) if row['target'] else '':>7}"
        )
    if not only or any(part in "import accounts (rows/s)" for part in only):
        results.append(import_case(out))
    return results
