"""Scheduled jobs of tasks (listed in ``CELERY_BEAT_SCHEDULE``); each is idempotent."""

from celery import shared_task


@shared_task(
    name="tandem.tasks.tasks.send_reminders", autoretry_for=(Exception,), max_retries=3, retry_backoff=True
)
def send_reminders() -> int:
    """Remind assignees of tasks coming due; each reminder is claimed once (services.reminders_send)."""
    from .services import reminders_send

    return reminders_send()


@shared_task(
    name="tandem.tasks.tasks.advance_recurrences",
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=True,
)
def advance_recurrences() -> int:
    """Create the next occurrence of recurring tasks whose due time passed (once per occurrence)."""
    from .services import recurrences_advance

    return recurrences_advance()
