from __future__ import annotations

from celery import shared_task

from tandem.core import jobs


@shared_task(name="tandem.notifications.tasks.send_notification_email")
def send_notification_email(user_id: int, language: str, subject: str, body: str, url: str) -> bool:
    """One notification's email, after the change that caused it committed."""
    from .services import email_send

    return email_send(user_id=user_id, language=language, subject=subject, body=body, url=url)


@shared_task(name="tandem.notifications.tasks.send_deliveries")
def send_deliveries(ids: list[int]) -> int:
    """Send these webhook and robot deliveries now (production: queued on commit)."""
    from .sender import send_one

    return sum(1 for pk in ids if send_one(pk) is not None)


@jobs.job(name="tandem.notifications.tasks.sweep_deliveries")
def sweep_deliveries() -> int:
    """Every minute: the deliveries due (new ones in the embedded mode, and retries)."""
    from .sender import send_due

    return send_due()


@jobs.job(name="tandem.notifications.tasks.send_digests")
def send_digests() -> int:
    """Hourly: each person who chose a daily digest gets it once a day from 08:00 their time."""
    from .services import digest_send_all

    return digest_send_all()
