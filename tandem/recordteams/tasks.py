from tandem.core import jobs


@jobs.job(name="tandem.recordteams.tasks.remove_expired_members")
def remove_expired_members() -> int:
    """Daily tidy-up: memberships whose end date has passed leave the team, with history. Access
    already ended with the date (the grants filter on it); this only keeps the teams short."""
    from .services import members_expire

    return members_expire()
