from tandem.core import jobs


@jobs.job(name="tandem.forecasts.tasks.take_snapshots")
def take_snapshots() -> int:
    """Snapshot every forecast for the current periods (decision 0021); idempotent per day."""
    from .services import snapshot_take

    return snapshot_take()
