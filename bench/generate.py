"""Synthetic company at scale for the benchmarks: people in a team tree, accounts, contacts, deals, follow-ups.

On PostgreSQL rows go in with COPY (explicit ids, sequences reset afterwards); on SQLite with
bulk_create (use small sizes there). Deterministic for a given seed.

Loading fast on PostgreSQL (``bulk_load``): the session's triggers are off while the rows go in
(``session_replication_role = replica`` as a superuser, which also skips the foreign-key checks of
rows built consistent here; otherwise ``ALTER TABLE … DISABLE TRIGGER USER`` on the tables with
summary triggers), the big tables' secondary indexes are dropped before their COPY and built
after it, every COPY commits in chunks, and the board totals and monthly summaries are then
refilled from the rows with one set-based statement each (``totals.rebuild``, ``Summary.rebuild``)
— the same statements ``tandem deal-totals --rebuild`` and ``tandem kpi-totals --rebuild`` run.
"""

from __future__ import annotations

import array
import contextlib
import datetime
import itertools
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from tandem.activities.models import Activity
from tandem.customers import normalize
from tandem.customers.models import Account, AccountLevel, Contact, DuplicateKey, Lifecycle, Source
from tandem.deals import totals
from tandem.deals.models import Deal, DealLine, DealStageHistory, Pipeline, Product, Stage
from tandem.kpis import summary as kpi_summary
from tandem.kpis.models import ExchangeRate
from tandem.org.models import Membership, Role, Team, User
from tandem.search import text as search_text

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉"
CITIES = ["上海", "北京", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "西安", "厦门", "青岛"]
WORDS = "华信达通宏泰鑫源盛恒瑞丰嘉成兴隆安康德利天祥云海金汇博远创新科联合众智达"
INDUSTRIES = ["制造", "零售", "金融", "教育", "医疗", "物流", "能源", "软件", "地产", "餐饮"]
SUFFIXES = ["科技有限公司", "贸易有限公司", "实业股份有限公司", "信息技术有限公司", "集团有限公司"]


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.concrete_fields)


def insert_rows(
    model: type[models.Model], rows: Iterable[dict[str, Any]], *, batch: int = 5000, chunk: int = 250_000
) -> int:
    """Insert dicts keyed by attname (``owner_id``), ids included; defaults filled from the model.

    On PostgreSQL one COPY per ``chunk`` rows, each committed on its own (outside an atomic
    block), so no transaction holds millions of rows; on SQLite ``bulk_create`` by ``batch``.
    """
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    pk_name = model._meta.pk.attname
    fields = [f for f in _columns(model) if f.attname != pk_name or pk_name in first]
    rows = itertools.chain([first], iterator)
    now = timezone.now()

    searched = bool(search_text.fields_of(model))

    def complete(row: dict[str, Any]) -> list[Any]:
        values = []
        for f in fields:
            if f.attname in row:
                values.append(row[f.attname])
            elif searched and f.attname == "search_text":  # as the services keep it (decision 0025)
                values.append(search_text.search_text_of_mapping(model, row))
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                values.append(now)
            elif f.has_default():
                values.append(f.get_default())
            elif f.null:
                values.append(None)
            else:
                values.append("")
        return values

    count = 0
    if _is_postgres():
        table = model._meta.db_table
        cols = ", ".join(f'"{f.column}"' for f in fields)
        rows = iter(rows)
        while True:
            first_of_part = next(rows, None)
            if first_of_part is None:
                return count
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                    for row in itertools.chain([first_of_part], itertools.islice(rows, chunk - 1)):
                        copy.write_row(complete(row))
                        count += 1
    objs: list[models.Model] = []
    for row in rows:
        obj = model(**dict(zip([f.attname for f in fields], complete(row), strict=True)))
        objs.append(obj)
        if len(objs) >= batch:
            model._base_manager.bulk_create(objs)
            count += len(objs)
            objs = []
    if objs:
        model._base_manager.bulk_create(objs)
        count += len(objs)
    return count


# The tables the board totals' and the monthly summaries' triggers watch (decisions 0009, 0018).
SUMMARY_SOURCES = ("deals_deal", "deals_dealstagehistory", "activities_activity")


def _loading() -> contextlib.AbstractContextManager[Any]:
    """One transaction around a table's rows on SQLite; none on PostgreSQL, whose COPY commits by chunk."""
    return contextlib.nullcontext() if _is_postgres() else transaction.atomic()


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
            ORDER BY i.relname
            """,
            [table],
        )
        return [(name, ddl) for name, ddl in cursor.fetchall()]


@contextlib.contextmanager
def indexes_built_after(
    *model_list: type[models.Model], log: Callable[[str], None] = print
) -> Iterator[None]:
    """PostgreSQL: drop these tables' secondary indexes, load, then build them again — once over
    the whole table instead of one entry per row through every COPY. Rebuilt even when the load
    fails, so the schema is always whole."""
    if not _is_postgres():
        yield
        return
    saved = [found for model in model_list for found in secondary_indexes(model._meta.db_table)]
    with connection.cursor() as cursor:
        for name, _ddl in saved:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        started = time.perf_counter()
        build_indexes(saved, log=log)
        log(f"indexes: {len(saved)} built in {time.perf_counter() - started:.0f} s")


INDEX_BUILDERS = 2


def build_indexes(saved: list[tuple[str, str]], *, log: Callable[[str], None] = print) -> None:
    """Run these CREATE INDEX statements on ``INDEX_BUILDERS`` connections at once, the biggest
    tables' first: one build keeps one core busy (a trigram GIN index always, a B-tree mostly), so
    two at a time use both of a small machine's cores (bench/README.md has the figures).

    Inside a transaction (a test's) the other connections could not see the dropped indexes'
    tables until it ends, so there they are built one by one on this connection."""
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            for _name, ddl in saved:
                cursor.execute(ddl)
        return

    def table(ddl: str) -> str:  # "CREATE INDEX name ON public.table USING btree (…)"
        return ddl.split(" ON ", 1)[1].split(" USING ", 1)[0]

    sizes: dict[str, int] = {}
    with connection.cursor() as cursor:
        for name in {table(ddl) for _name, ddl in saved}:
            cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [name])
            sizes[name] = int(cursor.fetchone()[0])

    def weight(item: tuple[str, str]) -> tuple[int, int]:
        ddl = item[1]
        return (sizes[table(ddl)] * (3 if " USING gin " in ddl else 1), len(ddl))

    queue = sorted(saved, key=weight, reverse=True)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def builder() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                while not failures:
                    with lock:
                        if not queue:
                            return
                        name, ddl = queue.pop(0)
                    one = time.perf_counter()
                    cursor.execute(ddl)
                    if time.perf_counter() - one > 10:
                        log(f"  index {name}: {time.perf_counter() - one:.0f} s")
        except BaseException as exc:  # reported in the calling thread below
            failures.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=builder, name=f"index-builder-{n}") for n in range(INDEX_BUILDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


@contextlib.contextmanager
def summary_triggers_off(log: Callable[[str], None] = print) -> Iterator[None]:
    """PostgreSQL: load without the board totals' and summaries' triggers, then refill those tables
    from the rows with one set-based statement each (the ``--rebuild`` of ``tandem deal-totals`` and
    ``tandem kpi-totals``). As a superuser ``session_replication_role = replica`` switches off every
    trigger of this session only — the foreign-key checks too, which the generator's consistent
    rows do not need; otherwise the summary triggers are disabled on their tables for the load.
    SQLite keeps its row triggers (small sizes only)."""
    if not _is_postgres():
        yield
        return
    replica = _is_superuser()
    with connection.cursor() as cursor:
        if replica:
            cursor.execute("SET session_replication_role = replica")
        else:
            for table in SUMMARY_SOURCES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if replica:
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                for table in SUMMARY_SOURCES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    started = time.perf_counter()
    rebuild_summaries()
    log(f"board totals and monthly summaries rebuilt in {time.perf_counter() - started:.0f} s")


def rebuild_summaries() -> None:
    """Every table kept by triggers, refilled from the rows (one statement each)."""
    totals.rebuild()
    for found in kpi_summary.SUMMARIES:
        found.rebuild()


def reset_sequences(*model_list: type[models.Model]) -> None:
    if not _is_postgres():
        return
    with connection.cursor() as cursor:
        for model in model_list:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1)) FROM \"{table}\""
            )


def _next_id(model: type[models.Model]) -> int:
    last = model._base_manager.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def build_org(rng: random.Random, people: int) -> tuple[list[int], dict[int, int], list[int]]:
    """A company of ``people``: regions of sales teams, ~10 people each. Returns user ids, user->team, manager ids."""
    rep = Role.objects.get(code="sales-rep")
    manager_role = Role.objects.get(code="sales-manager")
    company = Team.objects.create(name="Bench Co.")
    company.path = f"/{company.pk}/"
    company.save(update_fields=["path"])
    teams_needed = max(1, people // 10)
    regions = []
    for r in range(max(1, teams_needed // 6)):
        region = Team.objects.create(name=f"Region {r + 1}", parent=company, depth=1)
        region.path = f"{company.path}{region.pk}/"
        region.save(update_fields=["path"])
        regions.append(region)
    teams = []
    for t in range(teams_needed):
        region = regions[t % len(regions)]
        team = Team.objects.create(name=f"Sales {t + 1}", parent=region, depth=2)
        team.path = f"{region.path}{team.pk}/"
        team.save(update_fields=["path"])
        teams.append(team)
    user_ids: list[int] = []
    user_team: dict[int, int] = {}
    managers: list[int] = []
    password = User().password  # unusable
    administrator(password)
    # Region managers: members of the region team, so their subtree scope covers its sales teams.
    for r, region in enumerate(regions):
        boss = User.objects.create(
            username=f"bench-region{r}", display_name=f"Region manager {r + 1}", password=password
        )
        boss.roles.add(manager_role)
        Membership.objects.create(user=boss, team=region, is_primary=True)
        region.leader = boss
        region.save(update_fields=["leader"])
    for i in range(people):
        team = teams[i % len(teams)]
        is_manager = i < len(teams)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 2 else "")
        user = User.objects.create(
            username=f"bench{i}", display_name=f"{name}{i}", password=password, language="zh-hans"
        )
        user.roles.add(manager_role if is_manager else rep)
        Membership.objects.create(user=user, team=team, is_primary=True)
        if is_manager:
            team.leader = user
            team.save(update_fields=["leader"])
            managers.append(user.pk)
        user_ids.append(user.pk)
        user_team[user.pk] = team.pk
    return user_ids, user_team, managers


def administrator(password: str | None = None) -> User:
    """The company's administrator (sees everything: the benchmarks' scope "all")."""
    admin, created = User.objects.get_or_create(
        username="bench-admin",
        defaults={
            "display_name": "Bench administrator",
            "is_superuser": True,
            "password": password or User().password,
        },
    )
    if created:
        admin.roles.add(Role.objects.get(code="administrator"))
    return admin


def exchange_rates(today: datetime.date, rng: random.Random) -> int:
    """A USD rate for every month of the deals' two years and a bit (the company currency is CNY),
    so that figures convert rather than report missing rates. Idempotent."""
    first = datetime.date(today.year - 3, today.month, 1)
    month, made = first, 0
    while month <= today:
        _rate, created = ExchangeRate.objects.get_or_create(
            month=month,
            currency="USD",
            defaults={"rate": Decimal("7.1") + Decimal(rng.randint(-20, 20)) / 100},
        )
        made += created
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return made


def _company_name(rng: random.Random, i: int) -> str:
    return f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SUFFIXES)}{i}"


def generate(
    *,
    people: int = 300,
    accounts: int = 100_000,
    contacts_per_account: int = 3,
    deals: int = 1_000_000,
    activities: int = 3_000_000,
    seed: int = 7,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        user_ids, user_team, _managers = build_org(rng, people)
    log(f"people: {len(user_ids)} in {len(set(user_team.values()))} teams")
    log(f"exchange rates: {exchange_rates(today, rng)}")
    loaded = (Account, Contact, DuplicateKey, Deal, DealLine, DealStageHistory, Activity)
    with summary_triggers_off(log), indexes_built_after(*loaded, log=log):
        pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
        assert pipeline is not None
        stages = list(Stage.objects.filter(pipeline=pipeline).order_by("order"))
        levels: list[int | None] = [*AccountLevel.objects.values_list("id", flat=True)] or [None]

        first_account = _next_id(Account)
        account_ids = list(range(first_account, first_account + accounts))
        account_owner: dict[int, int] = {}

        def account_rows() -> Iterator[dict[str, Any]]:
            for n, pk in enumerate(account_ids):
                owner = rng.choice(user_ids)
                account_owner[pk] = owner
                name = _company_name(rng, n)
                yield {
                    "id": pk,
                    "name": name,
                    "name_key": normalize.normalize_name(name),
                    "owner_id": owner,
                    "team_id": user_team[owner],
                    "level_id": rng.choice(levels),
                    "industry": rng.choice(INDUSTRIES),
                    "city": rng.choice(CITIES),
                    "phone": f"+86138{n:08d}",
                    "lifecycle": rng.choice(Lifecycle.values),
                    "source": rng.choice(Source.values),
                    "created_at": now
                    - datetime.timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440)),
                    "country": "CN",
                    "last_follow_up_at": now - datetime.timedelta(days=rng.randint(0, 120)),
                    "owned_since": now - datetime.timedelta(days=rng.randint(30, 720)),
                    "version": 1,
                }

        with _loading():
            n = insert_rows(Account, account_rows())
        log(f"accounts: {n}")

        # Materialised first: a COPY cannot run while the same connection streams a query.
        account_keys = list(
            Account.objects.filter(pk__gte=first_account).values_list("pk", "name_key", "phone")
        )

        def key_rows() -> Iterator[dict[str, Any]]:
            for pk, key, phone in account_keys:
                yield {
                    "record_type": "account",
                    "record_id": pk,
                    "kind": "name",
                    "value": key,
                    "bucket": key[:2],
                }
                yield {
                    "record_type": "account",
                    "record_id": pk,
                    "kind": "phone",
                    "value": phone,
                    "bucket": "",
                }

        with _loading():
            n = insert_rows(DuplicateKey, key_rows())
        log(f"duplicate keys: {n}")

        first_contact = _next_id(Contact)

        def contact_rows() -> Iterator[dict[str, Any]]:
            pk = first_contact
            for account in account_ids:
                for _c in range(contacts_per_account):
                    owner = account_owner[account]
                    yield {
                        "id": pk,
                        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                        "account_id": account,
                        "owner_id": owner,
                        "team_id": user_team[owner],
                        "mobile": f"+86139{pk:08d}",
                        "version": 1,
                    }
                    pk += 1

        with _loading():
            n = insert_rows(Contact, contact_rows())
        log(f"contacts: {n}")

        first_deal = _next_id(Deal)
        open_stages = [s for s in stages if s.kind == "open"]
        won_stage = next(s for s in stages if s.kind == "won")
        lost_stage = next(s for s in stages if s.kind == "lost")
        products = [
            Product.objects.create(
                name=f"Bench product {p + 1}", code=f"BENCH-{p + 1}", list_price=Decimal(1000)
            )
            for p in range(20)
        ]
        sources = [s for s in Source.values if s != "import"]
        # What the stage history needs of each deal, kept compactly (a million deals): the last open
        # stage it reached (index into open_stages), its outcome, when it opened and when it closed.
        reached = array.array("b")
        outcome = array.array("b")  # 0 open, 1 won, 2 lost
        opened_at = array.array("d")
        closed_at = array.array("d")
        lines: list[tuple[int, int, Decimal]] = []

        def deal_rows() -> Iterator[dict[str, Any]]:
            for i in range(deals):
                pk = first_deal + i
                account = account_ids[rng.randrange(accounts)]
                owner = account_owner[account]
                roll = rng.random()
                # Open deals are mostly recent; closed ones spread over two years, closing 5-120 days
                # after they opened (never in the future). About 4 in 10 closed deals are won.
                if roll < 0.35:
                    kind = 0
                    created = now - datetime.timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440))
                    top = rng.randrange(len(open_stages))
                    stage = open_stages[top]
                    entered = created + (now - created) * rng.uniform(0.3, 0.9) if top else created
                    closed = None
                else:
                    kind = 1 if rng.random() < 0.4 else 2
                    created = now - datetime.timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
                    closed = min(created + datetime.timedelta(days=rng.randint(5, 120)), now)
                    top = len(open_stages) - 1 if kind == 1 else rng.randrange(len(open_stages))
                    stage = won_stage if kind == 1 else lost_stage
                    entered = closed
                reached.append(top)
                outcome.append(kind)
                opened_at.append(created.timestamp())
                closed_at.append((closed or entered).timestamp())  # an open deal: when it entered its stage
                amount = None if rng.random() < 0.02 else Decimal(rng.randint(1, 5000) * 100)
                currency = "USD" if rng.random() < 0.03 else "CNY"
                if currency == "USD" and amount is not None:
                    amount = (amount / 7).quantize(Decimal("0.01"))
                if amount is not None and rng.random() < 0.4:
                    first = rng.choice(products).pk
                    if rng.random() < 0.5:
                        part = (amount * Decimal(rng.randint(20, 80)) / 100).quantize(Decimal("0.01"))
                        second = rng.choice([p.pk for p in products if p.pk != first])
                        lines.append((pk, first, part))
                        lines.append((pk, second, amount - part))
                    else:
                        lines.append((pk, first, amount))
                yield {
                    "id": pk,
                    "name": f"商机 {pk}",
                    "account_id": account,
                    "owner_id": owner,
                    "team_id": user_team[owner],
                    "pipeline_id": pipeline.pk,
                    "stage_id": stage.pk,
                    "status": stage.kind,
                    "amount": amount,
                    "currency": currency,
                    "source": rng.choice(sources),
                    "expected_close_date": today + datetime.timedelta(days=rng.randint(-365, 365)),
                    "closed_on": timezone.localdate(closed) if closed else None,
                    "lost_reason": rng.choice(["price", "competitor", "no budget", "timing"])
                    if kind == 2
                    else "",
                    "stage_entered_at": entered,
                    "opened_on": timezone.localdate(created),
                    "created_at": created,
                    "updated_at": closed or entered,
                    "version": 1,
                }

        with _loading():
            n = insert_rows(Deal, deal_rows())
        if not _is_postgres():
            totals.compact()  # the board totals' triggers saw the deals arrive; one row per key
        log(f"deals: {n}")

        def line_rows() -> Iterator[dict[str, Any]]:
            for deal_id, product_id, amount in lines:
                yield {
                    "deal_id": deal_id,
                    "product_id": product_id,
                    "quantity": Decimal(1),
                    "unit_price": amount,
                    "discount_percent": Decimal(0),
                    "amount": amount,
                }

        with _loading():
            n = insert_rows(DealLine, line_rows())
        lines.clear()
        log(f"line items: {n}")

        def stage_rows() -> Iterator[dict[str, Any]]:
            # Each deal walked the open stages in order up to the last one it reached, then (if closed)
            # entered won or lost on the day it closed; every stay but the last has left.
            tz = datetime.UTC
            for i in range(deals):
                kind = outcome[i]
                path = [s.pk for s in open_stages[: reached[i] + 1]]
                start, end = opened_at[i], closed_at[i]
                if kind:
                    path.append(won_stage.pk if kind == 1 else lost_stage.pk)
                marks = [start]
                if len(path) > 1:
                    marks += sorted(rng.uniform(start, end) for _ in range(len(path) - 2))
                    marks.append(end)
                for n_, stage_id in enumerate(path):
                    entered = datetime.datetime.fromtimestamp(marks[n_], tz)
                    left = datetime.datetime.fromtimestamp(marks[n_ + 1], tz) if n_ + 1 < len(path) else None
                    yield {
                        "deal_id": first_deal + i,
                        "stage_id": stage_id,
                        "entered_at": entered,
                        "left_at": left,
                        "duration_seconds": int((left - entered).total_seconds()) if left else None,
                    }

        with _loading():
            n = insert_rows(DealStageHistory, stage_rows())
        log(f"stage history: {n}")

        kinds = ["call", "visit", "email", "meeting", "message", "note"]

        def activity_rows() -> Iterator[dict[str, Any]]:
            for _i in range(activities):
                account = account_ids[rng.randrange(accounts)]
                owner = account_owner[account]
                deal = first_deal + rng.randrange(deals) if rng.random() < 0.5 else None
                yield {
                    "kind": rng.choice(kinds),
                    "subject": "跟进",
                    "content": "电话沟通需求，约下周拜访。",
                    "occurred_at": now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 700)),
                    "author_id": owner,
                    "team_id": user_team[owner],
                    "account_id": account,
                    "deal_id": deal,
                }

        with _loading():
            n = insert_rows(Activity, activity_rows())
        log(f"follow-ups: {n}")
    reset_sequences(Account, Contact, Deal, DealLine, DealStageHistory, Activity, DuplicateKey)
    if _is_postgres() and not connection.in_atomic_block:
        # VACUUM as well as ANALYZE: it sets the visibility map that a live database's
        # autovacuum keeps, without which index-only scans read the heap (about 9 s here).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        log(f"vacuumed and analysed in {time.perf_counter() - started:.0f} s")
    elif _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"people": len(user_ids), "accounts": accounts, "deals": deals, "activities": activities}
