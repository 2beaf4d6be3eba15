from tandem.core import jobs


@jobs.job(name="tandem.activities.tasks.remind_follow_ups")
def remind_follow_ups() -> int:
    from .services import remind_due_follow_ups

    return remind_due_follow_ups()
