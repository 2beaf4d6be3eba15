"""Export of every deal through the API's ``?format=csv|xlsx``: time, size and peak memory.

The export runs as an administrator (scope: everything) through the real view, exactly as a
browser's or a script's request would; a large export answers 202 and runs as a background export
job, which is then run here, in this process, to the end. Each format runs in a process of its
own, so the peak resident memory it prints is that format's alone.

Run it on a database of its own (``tandem bench-data`` fills one)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench .venv/bin/python -m bench.export_bench

``--rows N`` measures the CSV writing alone for the first N deals (by the list's order), as the
background job writes it (the view's rows, columns and ``core.export.write``), without the job;
``--keep PATH`` keeps that file, to compare two versions of the code byte for byte; ``--view``
names another API list view (``tandem.activities.api.ActivityViewSet``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from typing import Any

ADMIN = "bench-export-admin"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _admin() -> Any:
    from tandem.org.models import Role, User

    user, created = User.objects.get_or_create(
        username=ADMIN, defaults={"display_name": "Bench export", "is_superuser": True}
    )
    if created:
        user.roles.add(*Role.objects.filter(code="administrator"))
    return user


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(fmt: str) -> dict[str, Any]:
    """Export every deal as ``fmt`` in this process; what it took."""
    _setup()
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    setup_test_environment()  # the test client may call a server that is not there
    from tandem.deals.models import Deal

    try:
        from tandem.imports import exportjobs

        # The job is run below, in this process, to measure it: not in a thread as well.
        exportjobs._in_background = lambda job_id: None
    except ImportError:  # code from before background exports
        pass
    user = _admin()
    client = APIClient()
    client.force_authenticate(user)
    deals = Deal.objects.count()
    before = _peak_mb()
    started = time.perf_counter()
    cpu = _cpu()
    response = client.get("/api/v1/deals/", {"format": fmt}, HTTP_ACCEPT="application/json")
    size = 0
    mode = "inline"
    if response.status_code == 202:
        mode = "background job"
        from tandem.imports import exportjobs

        job_id = response.json()["id"]
        exportjobs.run(job_id=job_id)
        job = exportjobs.ExportJob.objects.get(pk=job_id)
        assert job.status == "done", job.error
        size = job.file.size
        job.file.delete(save=False)
        job.delete()
    elif response.streaming:
        for chunk in response.streaming_content:
            size += len(chunk)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu
    return {
        "format": fmt,
        "deals": deals,
        "mode": mode,
        "status": response.status_code,
        "seconds": round(seconds, 1),
        "CPU seconds": round(cpu, 1),  # this process's: steadier than wall time on a busy machine
        "MB": round(size / 1024 / 1024, 1),
        "peak RSS MB": round(_peak_mb(), 0),
        "RSS before MB": round(before, 0),
    }


def rows(count: int, keep: str | None, view_path: str) -> dict[str, Any]:
    """Write the first ``count`` rows' CSV of the list ``view_path`` as the background job would; what it took."""
    _setup()
    import tempfile

    from django.utils import timezone, translation

    from tandem.core import export
    from tandem.imports import exportjobs
    from tandem.imports.models import ExportJob

    user = _admin()
    job = ExportJob(requested_by_id=user.pk, view=view_path, query="", format="csv")
    started = time.perf_counter()
    cpu = _cpu()
    with translation.override("en"), timezone.override("UTC"):
        view = exportjobs._list_view(job)
        queryset = view.export_rows()[:count]
        columns = view.export_columns()
        iterate = getattr(view, "export_iterate", export.iterate)  # before: model instances
        with open(keep, "wb") if keep else tempfile.TemporaryFile() as handle:
            written = export.write_csv(
                handle, export.headers_of(columns), export.cells(iterate(queryset), columns)
            )
            size = handle.tell()
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu
    return {
        "rows": written,
        "seconds": round(seconds, 2),
        "CPU seconds": round(cpu, 2),
        "rows/s": round(written / seconds),
        "rows/s of CPU": round(written / cpu),
        "MB": round(size / 1024 / 1024, 1),
        "peak RSS MB": round(_peak_mb(), 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=["csv", "xlsx"], help="one format, in this process")
    parser.add_argument("--rows", type=int, help="only write the first ROWS deals' CSV (no job)")
    parser.add_argument("--keep", help="with --rows: keep the CSV at this path")
    parser.add_argument(
        "--view", default="tandem.deals.api.DealViewSet", help="with --rows: the API list view to export"
    )
    args = parser.parse_args()
    if args.rows:
        print(rows(args.rows, args.keep, args.view))
        return
    if args.format:
        print(one(args.format))
        return
    for fmt in ("csv", "xlsx"):
        subprocess.run([sys.executable, "-m", "bench.export_bench", "--format", fmt], check=True)


if __name__ == "__main__":
    main()
