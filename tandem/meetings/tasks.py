from celery import shared_task


@shared_task(name="tandem.meetings.tasks.plan_series", autoretry_for=(Exception,), max_retries=3)
def plan_series() -> int:
    """Keep the next meetings of every active series planned; idempotent per series and slot."""
    from .services import plan_all_series

    return plan_all_series()
