"""Import throughput: accounts from a CSV file through the real import engine, beside a COPY floor.

Generates ``rows`` accounts (default 50,000) into a temporary CSV: owner names, levels, phones,
emails, websites; 2% of the rows duplicate an existing account (half by name, which blocks; half
by phone, which warns) and 1% are bad (an unknown owner, an impossible email, an unknown level).
The file is uploaded, mapped, checked (dry run) and imported (skip mode, possible duplicates
imported anyway) as an administrator through ``imports.services``, with duplicate checking on,
exactly as the web page runs it. The floor is the same accounts' rows ``COPY``-ed into a scratch
table shaped like ``customers_account`` (PostgreSQL only).

What the run adds is removed at the end (the imported accounts, their keys, history and
lifecycle rows, the job), so it can run against the benchmark database again and again; the
people and the existing accounts it needs are created once and kept.

Run it on a database of its own::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench .venv/bin/python -m bench.import_bench

``tandem bench`` prints it as the case "import accounts (rows/s)".
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_ROWS_PER_SECOND = 10_000
EXISTING_ACCOUNTS = 2_000
PEOPLE = 20
ADMIN = "bench-import-admin"

CITIES = ["上海", "北京", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "西安", "厦门", "青岛", ""]
WORDS = "华信达通宏泰鑫源盛恒瑞丰嘉成兴隆安康德利天祥云海金汇博远创新科联合众智"
TRADES = ["科技", "贸易", "实业", "信息技术", "电子", "医药", "物流", "建材", "食品", "咨询"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]
SYLLABLES = [
    "hua",
    "xin",
    "da",
    "tong",
    "hong",
    "tai",
    "yuan",
    "sheng",
    "heng",
    "rui",
    "feng",
    "jia",
    "cheng",
    "xing",
    "long",
    "an",
    "kang",
    "de",
    "li",
    "tian",
    "xiang",
    "yun",
    "hai",
    "jin",
    "hui",
    "bo",
    "chuang",
    "ke",
    "lian",
    "zhong",
    "zhi",
    "ming",
    "guang",
    "wei",
    "ning",
    "shun",
    "fu",
]
EN_TRADES = ["Trading", "Logistics", "Software", "Foods", "Medical", "Machinery", "Textiles", "Energy"]
EN_SUFFIXES = ["Co., Ltd.", "Ltd.", "Inc.", "Limited", "Corporation"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞"
INDUSTRIES = ["制造", "零售", "金融", "教育", "医疗", "物流", "能源", "软件", "地产", "餐饮"]
HEADERS = ["客户名称", "负责人", "客户级别", "电话", "邮箱", "网站", "所属行业", "城市", "客户来源", "备注"]
SOURCES = ["Website", "referral", "Cold call", "Partner", "Event or trade show", ""]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _company(rng: random.Random, n: int) -> str:
    """A distinct company name for each ``n`` (a mixed-radix spelling of n, so no clashes)."""
    w = len(WORDS)
    word = WORDS[n % w] + WORDS[(n // w) % w] + WORDS[(n // w // w) % w] + WORDS[(n // w // w // w) % w]
    if n % 5 == 0:
        s, m = len(SYLLABLES), n // 5
        first = (SYLLABLES[m % s] + SYLLABLES[(m // s) % s]).title()
        second = (SYLLABLES[(m // s // s) % s] + SYLLABLES[(m * 7 + 3) % s]).title()
        return f"{first} {second} {rng.choice(EN_TRADES)} {rng.choice(EN_SUFFIXES)}"
    return f"{rng.choice(CITIES)}{word}{rng.choice(TRADES)}{rng.choice(SUFFIXES)}"


def _mobile(n: int) -> str:
    return f"13{n % 10}{(n * 7919) % 100_000_000:08d}"


def ensure_fixtures(rng: random.Random) -> dict[str, Any]:
    """The administrator, owners with Chinese display names, and accounts already in the database."""
    from django.db import transaction

    from tandem.customers import dedupe
    from tandem.customers.models import Account, AccountLevel
    from tandem.customers.normalize import normalize_name
    from tandem.org.models import Membership, Role, Team, User

    with transaction.atomic():
        admin = User.objects.filter(username=ADMIN).first()
        if admin is None:
            admin = User.objects.create_superuser(
                username=ADMIN, email="bench-import@example.com", password=None, display_name="导入管理员"
            )
        team = Team.objects.filter(name="Import bench").first()
        if team is None:
            team = Team.objects.create(name="Import bench")
            team.path = f"/{team.pk}/"
            team.save(update_fields=["path"])
        rep = Role.objects.filter(code="sales-rep").first()
        owners: list[str] = []
        for i in range(PEOPLE):
            username = f"bench-import-{i}"
            display = f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[(i * 3) % len(GIVEN)]}{i}"
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": display, "password": User().password}
            )
            if created:
                Membership.objects.create(user=user, team=team, is_primary=True)
                if rep is not None:
                    user.roles.add(rep)
            owners.append(user.display_name or user.username)
        levels = list(AccountLevel.objects.values_list("code", flat=True)) or ["A", "B", "C"]
        existing = list(
            Account.all_objects.filter(created_by=admin, external_id__startswith="bench-existing-")
            .order_by("id")
            .values_list("name", "phone")
        )
        if len(existing) < EXISTING_ACCOUNTS:
            objs = []
            for n in range(len(existing), EXISTING_ACCOUNTS):
                name = f"既有{_company(rng, 900_000 + n)}"
                objs.append(
                    Account(
                        name=name,
                        name_key=normalize_name(name),
                        owner=admin,
                        created_by=admin,
                        phone="+86" + _mobile(900_000 + n),
                        external_id=f"bench-existing-{n}",
                    )
                )
            made = Account.objects.bulk_create(objs, batch_size=1000)
            if any(o.pk is None for o in made):  # backends without RETURNING: read the ids back
                made = list(Account.all_objects.filter(external_id__in=[o.external_id for o in objs]))
            dedupe.refresh_keys_bulk("account", made)
            existing += [(o.name, o.phone) for o in made]
    return {"admin": admin, "owners": owners, "levels": levels, "existing": existing}


def write_file(path: Path, rows: int, fixtures: dict[str, Any], rng: random.Random) -> dict[str, int]:
    """The CSV to import; returns how many rows of each kind it has."""
    owners: list[str] = fixtures["owners"]
    levels: list[str] = fixtures["levels"]
    existing: list[tuple[str, str]] = fixtures["existing"]
    kinds = {"good": 0, "duplicate name": 0, "duplicate phone": 0, "bad": 0}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            name = _company(rng, n)
            domain = f"c{n}.example.cn"
            row = [
                name,
                owners[n % len(owners)],
                levels[n % len(levels)],
                _mobile(n) if n % 3 else f"(021) {6200 + (n // 10000) % 800}-{n % 10000:04d}",
                f"sales{n}@{domain}",
                f"https://www.{domain}/" if n % 4 else "",
                INDUSTRIES[n % len(INDUSTRIES)],
                CITIES[n % (len(CITIES) - 1)],
                SOURCES[n % len(SOURCES)],
                "导入的客户" if n % 7 == 0 else "",
            ]
            slot = n % 100
            if slot in (17, 67):  # 2%: a duplicate of an account already in the database
                old_name, old_phone = existing[(n // 100) % len(existing)]
                if slot == 17:
                    row[0] = old_name
                    kinds["duplicate name"] += 1
                else:
                    row[3] = old_phone
                    kinds["duplicate phone"] += 1
            elif slot == 41:  # 1%: a bad row
                bad = (n // 100) % 3
                if bad == 0:
                    row[1] = "无此人"
                elif bad == 1:
                    row[4] = "sales@@example"
                else:
                    row[2] = "Z"
                kinds["bad"] += 1
            else:
                kinds["good"] += 1
            writer.writerow(row)
    return kinds


def _blank(field: Any) -> Any:
    if field.has_default():
        return field.get_default()
    return None if field.null else ""


def _copy_floor(path: Path, fixtures: dict[str, Any]) -> float:
    """Seconds to COPY the file's rows, as whole account rows, into a scratch copy of the accounts table.

    Rows are prepared (every column, as the import fills them) before the clock starts: the floor
    is the database's side alone.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from tandem.customers.models import Account, AccountLevel
    from tandem.customers.normalize import normalize_name
    from tandem.org.models import User

    if connection.vendor != "postgresql":
        return float("nan")
    admin = fixtures["admin"]
    owners = dict(User.objects.filter(username__startswith="bench-import-").values_list("display_name", "pk"))
    levels = dict(AccountLevel.objects.values_list("code", "pk"))
    now = timezone.now()
    fields = list(Account._meta.concrete_fields)
    prepared: list[tuple[Any, ...]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for n, r in enumerate(reader, start=1):
            values = {
                "id": n,  # explicit ids, as the import takes them from a reserved sequence range
                "name": r[0],
                "name_key": normalize_name(r[0]),
                "owner_id": owners.get(r[1]),
                "level_id": levels.get(r[2]),
                "phone": r[3],
                "email": r[4],
                "website": r[5],
                "industry": r[6],
                "city": r[7],
                "description": r[9],
                "owned_since": now,
                "created_by_id": admin.pk,
                "created_at": now,
                "updated_at": now,
            }
            prepared.append(tuple(values[f.attname] if f.attname in values else _blank(f) for f in fields))
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_account_floor (LIKE customers_account INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        start = time.perf_counter()
        with cursor.cursor.copy(f"COPY bench_account_floor ({columns}) FROM STDIN") as copy:
            for row in prepared:
                copy.write_row(row)
        elapsed = time.perf_counter() - start
    return elapsed


def _cleanup(admin_id: int, job_ids: list[int]) -> None:
    """Remove what the run imported; the fixtures stay."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from tandem.customers.models import Account
    from tandem.imports.models import ImportJob, ImportRowResult

    ct = ContentType.objects.get_for_model(Account).pk
    made = "SELECT id FROM customers_account WHERE created_by_id = %s AND external_id NOT LIKE 'bench-existing-%%'"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM customers_lifecycletransition WHERE account_id IN ({made})", [admin_id])
        cursor.execute(
            f"DELETE FROM customers_duplicatekey WHERE record_type = 'account' AND record_id IN ({made})",
            [admin_id],
        )
        cursor.execute(
            f"DELETE FROM core_historyentry WHERE content_type_id = %s AND object_id IN ({made})",
            [ct, admin_id],
        )
        cursor.execute(
            "DELETE FROM customers_account WHERE created_by_id = %s AND external_id NOT LIKE 'bench-existing-%%'",
            [admin_id],
        )
        ImportRowResult.objects.filter(job_id__in=job_ids).delete()
        for job in ImportJob.objects.filter(pk__in=job_ids):
            job.file.delete(save=False)
            job.delete()
    if connection.vendor == "postgresql":  # the next run should not wade through dead rows
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE customers_account, customers_duplicatekey, customers_lifecycletransition, "
                "core_historyentry, imports_importrowresult"
            )


def run(rows: int = 50_000, seed: int = 11, out: Callable[[str], None] = print) -> dict[str, Any]:
    """Dry run and import of ``rows`` accounts; prints and returns rows per second."""
    from django.core.files import File
    from django.db import connection

    from tandem.core.access import Actor
    from tandem.customers.normalize import clear_memos
    from tandem.imports import services
    from tandem.imports.models import ImportMode
    from tandem.search import text as search_text

    rng = random.Random(seed)
    fixtures = ensure_fixtures(rng)
    admin = fixtures["admin"]
    actor = Actor.for_user(admin)
    result: dict[str, Any] = {"rows": rows, "database": connection.vendor}
    with tempfile.TemporaryDirectory(prefix="tandem-import-bench-") as folder:
        path = Path(folder) / "accounts.csv"
        kinds = write_file(path, rows, fixtures, rng)
        result["kinds"] = kinds
        with path.open("rb") as handle:
            job = services.job_create(
                actor=actor,
                resource="account",
                upload=File(handle, name="accounts.csv"),
                mode=ImportMode.SKIP,
                import_duplicates=True,
            )
        try:
            job = services.job_set_mapping(actor=actor, job=job, mapping=job.mapping)
            clear_memos()  # cold: nothing remembered from writing the file
            start, cpu = time.perf_counter(), time.process_time()
            job = services.job_dry_run(actor=actor, job=job, background=False)
            result["dry_run_s"] = time.perf_counter() - start
            result["dry_run_cpu_s"] = time.process_time() - cpu
            result["dry_run"] = {
                "valid": job.valid_rows,
                "failed": job.failed_count,
                "warnings": job.warning_count,
            }
            clear_memos()  # cold: nothing remembered from the dry run
            search_text.clear_memos()  # nor pinyin read by an earlier run (--repeat)
            start, cpu = time.perf_counter(), time.process_time()
            job = services.job_commit(actor=actor, job=job, background=False)
            result["commit_s"] = time.perf_counter() - start
            result["commit_cpu_s"] = time.process_time() - cpu
            result["commit"] = {
                "created": job.created_count,
                "failed": job.failed_count,
                "warnings": job.warning_count,
                "status": job.status,
                "error": job.error,
            }
        finally:
            _cleanup(admin.pk, [job.pk])
        result["copy_s"] = _copy_floor(path, fixtures)
    result["dry_run_rps"] = rows / result["dry_run_s"]
    result["commit_rps"] = rows / result["commit_s"]
    result["copy_rps"] = rows / result["copy_s"] if result["copy_s"] == result["copy_s"] else float("nan")
    out(f"import: {rows:,} account rows on {connection.vendor} ({kinds}), as {admin.username}")
    for label, key in (("dry run", "dry_run"), ("commit ", "commit")):
        out(
            f"  {label} : {result[key + '_s']:7.2f} s  {result[key + '_rps']:9,.0f} rows/s"
            f"  (this process's CPU: {result[key + '_cpu_s']:.2f} s, {result[key + '_cpu_s'] / rows * 1e6:.0f} µs/row)"
            f"  {result[key]}"
        )
    out(
        f"  COPY    : {result['copy_s']:7.2f} s  {result['copy_rps']:9,.0f} rows/s  (floor: the rows into a scratch table)"
    )
    out(f"  target  : commit ≥ {TARGET_ROWS_PER_SECOND:,} rows/s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the run to FILE")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run N times and print the best and the median (a shared machine's speed varies from run to run)",
    )
    args = parser.parse_args()
    _setup_django()
    if args.profile:
        import cProfile

        cProfile.runctx(
            "run(rows=args.rows, seed=args.seed)", globals(), {"args": args, "run": run}, args.profile
        )
        return
    figures = [run(rows=args.rows, seed=args.seed) for _ in range(max(1, args.repeat))]
    if len(figures) > 1:
        for key, label in (("commit_rps", "commit "), ("dry_run_rps", "dry run")):
            values = sorted(f[key] for f in figures)
            print(
                f"{label} over {len(values)} runs: best {values[-1]:,.0f} rows/s, "
                f"median {statistics.median(values):,.0f}, worst {values[0]:,.0f}"
            )


if __name__ == "__main__":
    main()
