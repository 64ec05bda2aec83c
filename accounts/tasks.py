from __future__ import annotations

import logging

from celery import shared_task

from . import services

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail the given notifications, each at most once. A failure of one does not stop the
    others; what failed stays unsent and the sweep sends it later."""
    sent = 0
    for notification_id in notification_ids:
        try:
            sent += services.notification_send_email(notification_id=notification_id)
        except Exception:
            log.exception("e-mail of notification %s failed; the sweep will retry", notification_id)
    return sent


@shared_task(acks_late=True, expires=600)
def sweep_notification_emails() -> int:
    """Send what is still due: failed sends and sends whose worker died after claiming."""
    return send_notification_emails(services.notification_emails_pending())
