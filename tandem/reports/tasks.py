from celery import shared_task


@shared_task(
    name="tandem.reports.tasks.send_report_reminders",
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=True,
)
def send_report_reminders() -> int:
    """Remind people before a work report is due, and tell managers of those missed: each once
    per person, kind and period (claim rows), so running twice sends once."""
    from .services import send_due_reminders

    return send_due_reminders()
