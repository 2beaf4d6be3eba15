from tandem.core import jobs


@jobs.job(name="tandem.kpis.tasks.compact_month_totals")
def compact_month_totals() -> int:
    """Fold the monthly summaries' deltas (docs/decisions/0018); idempotent, safe any time."""
    from .summary import compact

    return compact()
