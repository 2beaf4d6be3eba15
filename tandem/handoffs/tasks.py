from tandem.core import jobs


@jobs.job(name="tandem.handoffs.tasks.escalate_overdue")
def escalate_overdue() -> int:
    """Escalate pending handoffs past their acceptance deadline; idempotent (once per handoff)."""
    from .services import handoffs_escalate

    return handoffs_escalate()
