from tandem.core import jobs


@jobs.job(name="tandem.deals.tasks.compact_stage_totals")
def compact_stage_totals() -> int:
    """Fold the board totals' deltas (docs/decisions/0009); idempotent, safe to run any time."""
    from .totals import compact

    return compact()
