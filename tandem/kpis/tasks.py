from celery import shared_task


@shared_task(name="tandem.kpis.tasks.compact_month_totals")
def compact_month_totals() -> int:
    """Fold the monthly summaries' deltas (docs/decisions/0018); idempotent, safe any time."""
    from .summary import compact

    return compact()
