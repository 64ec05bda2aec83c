from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the given notifications, each at most once (``services.notification_send_emails``).
    A failure of one does not stop the others; what failed stays unsent and the sweep sends it
    later."""
    return services.notification_send_emails(notification_ids=notification_ids)


@shared_task(acks_late=True, expires=600)
def sweep_notification_emails() -> int:
    """Send what is still due: failed sends and sends whose worker died after claiming."""
    return send_notification_emails(services.notification_emails_pending())
