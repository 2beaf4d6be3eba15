from tandem.core import jobs


@jobs.job(name="tandem.meetings.tasks.plan_series")
def plan_series() -> int:
    """Keep the next meetings of every active series planned; idempotent per series and slot."""
    from .services import plan_all_series

    return plan_all_series()
