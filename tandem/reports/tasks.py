from tandem.core import jobs


@jobs.job(name="tandem.reports.tasks.send_report_reminders")
def send_report_reminders() -> int:
    """Remind people before a work report is due, and tell managers of those missed: each once
    per person, kind and period (claim rows), so running twice sends once."""
    from .services import send_due_reminders

    return send_due_reminders()
