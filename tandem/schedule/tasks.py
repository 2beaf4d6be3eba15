from tandem.core import jobs


@jobs.job(name="tandem.schedule.tasks.remind_events")
def remind_events() -> int:
    """Remind attendees who accepted (and organizers) of occurrences starting soon; once each."""
    from .reminders import send_due

    return send_due()
