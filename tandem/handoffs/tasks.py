from celery import shared_task


@shared_task(name="tandem.handoffs.tasks.escalate_overdue")
def escalate_overdue() -> int:
    """Escalate pending handoffs past their acceptance deadline; idempotent (once per handoff)."""
    from .services import handoffs_escalate

    return handoffs_escalate()
