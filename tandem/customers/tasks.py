from tandem.core import jobs


@jobs.job(name="tandem.customers.tasks.reclaim_pools")
def reclaim_pools() -> dict[str, int]:
    """Hourly check; each pool's run is keyed by the day, so a customer is reclaimed once."""
    from .pools import reclaim_all

    return reclaim_all()
