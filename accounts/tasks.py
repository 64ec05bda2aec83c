from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the given notifications; each is sent at most once, so a retry is harmless."""
    return sum(services.notification_send_email(notification_id=i) for i in notification_ids)
