from tandem.core import jobs


@jobs.job(name="tandem.insights.tasks.refresh_stage_medians")
def refresh_stage_medians() -> int:
    """Each stage's median stay, for the "stuck in a stage" insight; idempotent."""
    from .services import stage_medians_refresh

    return stage_medians_refresh()


@jobs.job(name="tandem.insights.tasks.send_digests")
def send_digests() -> int:
    """The managers' daily digests: once per person and day, from 08:00 their time."""
    from .services import digest_send_all

    return digest_send_all()
