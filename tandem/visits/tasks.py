from tandem.core import jobs


@jobs.job(name="tandem.visits.tasks.close_forgotten_checkins")
def close_forgotten_checkins() -> int:
    """Close field visits left open past the person's midnight (or 12 h); idempotent (once each)."""
    from .services import checkins_close_forgotten

    return checkins_close_forgotten()
