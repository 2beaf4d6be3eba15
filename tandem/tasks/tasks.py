"""Scheduled jobs of tasks (listed in ``CELERY_BEAT_SCHEDULE``); each is idempotent."""

from tandem.core import jobs


@jobs.job(name="tandem.tasks.tasks.send_reminders")
def send_reminders() -> int:
    """Remind assignees of tasks coming due; each reminder is claimed once (services.reminders_send)."""
    from .services import reminders_send

    return reminders_send()


@jobs.job(name="tandem.tasks.tasks.advance_recurrences")
def advance_recurrences() -> int:
    """Create the next occurrence of recurring tasks whose due time passed (once per occurrence)."""
    from .services import recurrences_advance

    return recurrences_advance()
