from tandem.core import jobs


@jobs.job(name="tandem.approvals.tasks.remind_approvers")
def remind_approvers() -> int:
    """Remind approvers of requests waiting past their flow's reminder hours (once per request,
    step and period: overlapping runs never remind twice)."""
    from .services import remind_waiting

    return remind_waiting()
