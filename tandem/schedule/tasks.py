from celery import shared_task


@shared_task(name="tandem.schedule.tasks.remind_events")
def remind_events() -> int:
    """Remind attendees who accepted (and organizers) of occurrences starting soon; once each."""
    from .reminders import send_due

    return send_due()
