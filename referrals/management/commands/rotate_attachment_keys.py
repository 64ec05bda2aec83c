from __future__ import annotations

from django.core.management.base import BaseCommand

from referrals import attachments
from referrals.models import ReferralAttachment


class Command(BaseCommand):
    help = (
        "Re-encrypt every referral attachment under the newest key of FIELD_ENCRYPTION_KEY "
        "(run it with rotate_field_keys, before dropping the old key). Safe to run again."
    )

    def handle(self, *args, **options):
        done = 0
        for attachment in ReferralAttachment.objects.order_by("pk").iterator():
            attachments.rotate(attachment)
            done += 1
        self.stdout.write(f"{done} referral attachments re-encrypted under the newest key")
