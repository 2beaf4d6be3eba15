"""What a whole page costs in work, not time: Python function calls, queries and CPU (issue 12).

    DATABASE_URL=postgres://… python -m bench.calls [--runs 20] [--only "deal list"] [--json FILE]

On a machine shared with others the wall-clock figures of ``tandem bench`` move by half from one
run to the next, floors included. A page's **function calls** (cProfile over five requests) do
not depend on the machine, and its **minimum CPU** (``time.process_time`` of ``--runs``
requests) little; this prints both, with the page's query count, for the pages issue 12 names,
as a rep, a region manager and the administrator of ``tandem bench-data``'s company, each
through the whole middleware stack with a signed-in test client (DEBUG off). Compare two
versions of the code on the same database, back to back.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import time
from typing import Any

from bench import interpreter


def _pages() -> list[tuple[str, Any, str]]:
    """(who, user, address) of each page measured."""
    from django.urls import reverse

    from bench.run import _everyone, _region_manager, _rep
    from tandem.core import access
    from tandem.customers.models import Account

    pages = []
    for who, user in (("rep", _rep()), ("region manager", _region_manager()), ("administrator", _everyone())):
        seen = access.visible(access.Actor.for_user(user), "account", Account.objects.all())
        account_id = seen.order_by("id").values_list("pk", flat=True)[:1].get()
        for address in (
            reverse("deals:deal-list"),
            reverse("deals:board"),
            reverse("customers:account-detail", args=[account_id]),
            reverse("customers:account-list"),
            reverse("customers:contact-list"),
            reverse("leads:lead-list"),
            reverse("customers:pool-list"),
            "/",
        ):
            pages.append((who, user, address))
    return pages


def measure(user: Any, address: str, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    for _ in range(3):
        response = client.get(address)
        assert response.status_code == 200, (address, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(address)
    queries = len(captured.captured_queries)  # now: the next request empties Django's query log
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(5):
        client.get(address)
    profile.disable()
    calls = pstats.Stats(profile).total_calls // 5
    cpu = []
    for _ in range(runs):
        start = time.process_time()
        client.get(address)
        cpu.append((time.process_time() - start) * 1000)
    cpu.sort()
    return {
        "calls": calls,
        "queries": queries,
        "cpu_min_ms": round(cpu[0], 1),
        "cpu_p25_ms": round(cpu[len(cpu) // 4], 1),
    }


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="requests timed for the CPU figures")
    parser.add_argument("--only", action="append", default=[], help="part of an address or person")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    logging.getLogger("tandem.access").setLevel(logging.WARNING)

    results = []
    pages = _pages()
    # As a gunicorn worker does once it has started (config/gunicorn_conf.py, post_worker_init).
    from tandem.core.collector import settle

    settle()
    print(interpreter())
    print(f"{'person':16}{'page':32}{'calls':>9}{'queries':>9}{'CPU min':>9}{'CPU p25':>9}")
    for who, user, address in pages:
        if args.only and not any(part in f"{who} {address}" for part in args.only):
            continue
        figures = {"person": who, "page": address, **measure(user, address, max(args.runs, 1))}
        results.append(figures)
        print(
            f"{who:16}{address:32}{figures['calls']:>9,}{figures['queries']:>9}"
            f"{figures['cpu_min_ms']:>9.1f}{figures['cpu_p25_ms']:>9.1f}"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)
    return results


if __name__ == "__main__":
    main()
