from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends import locmem

from accounts.models import Notification, User
from accounts.services import notification_send_email, notify

pytestmark = pytest.mark.django_db


def test_notify_fills_the_inbox_and_emails_after_commit(
    worker, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify(
            recipients=[worker, colleague, worker],
            title="新台账已发布",
            body="2026-H2",
            url="/dashboard/",
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits

    assert len(created) == 2
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["colleague@example.org", "worker@example.org"]
    assert "http://127.0.0.1:8000/dashboard/" in mail.outbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_an_email_is_sent_at_most_once(worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[worker], title="提醒")
    assert notification_send_email(notification_id=n.pk) is False
    assert len(mail.outbox) == 1


def test_notify_can_skip_email(worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[worker], title="站内消息", email=False)
    assert mail.outbox == []
    assert worker.notifications.count() == 1


def test_the_header_shows_the_unread_count_and_opening_marks_read(client, worker):
    notify(recipients=[worker], title="甲", url="/staff/", email=False)
    notify(recipients=[worker], title="乙", email=False)
    client.force_login(worker)

    assert 'id="unread-count">2<' in client.get("/dashboard/").content.decode()

    first = worker.notifications.get(title="甲")
    response = client.post(f"/notifications/{first.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert 'id="unread-count">1<' in client.get("/dashboard/").content.decode()

    client.post("/notifications/read-all/")
    assert "unread-count" not in client.get("/dashboard/").content.decode()


def test_an_outside_link_is_not_followed(client, worker):
    (n,) = notify(recipients=[worker], title="钓鱼", url="https://evil.example.com/", email=False)
    client.force_login(worker)
    response = client.post(f"/notifications/{n.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_someone_elses_notification_is_404(client, worker, colleague):
    (n,) = notify(recipients=[worker], title="私信", email=False)
    client.force_login(colleague)
    assert client.post(f"/notifications/{n.pk}/open/").status_code == 404
    assert "私信" not in client.get("/notifications/").content.decode()
    n.refresh_from_db()
    assert n.read_at is None


class BrokenBackend(locmem.EmailBackend):
    """Refuses the messages addressed to ``refused`` (all when it is empty)."""

    refused: set[str] = set()

    def send_messages(self, messages):
        if any(not self.refused or set(m.to) & self.refused for m in messages):
            raise OSError("smtp down")
        return super().send_messages(messages)


BROKEN = "tests.accounts.test_notifications.BrokenBackend"


def test_a_failed_send_is_released_and_the_sweep_sends_it_later(worker, settings):
    import datetime as dt

    import time_machine

    from accounts import services
    from accounts.tasks import send_notification_emails, sweep_notification_emails

    (n,) = notify(recipients=[worker], title="带换行\n的标题", email=False)

    settings.EMAIL_BACKEND = BROKEN
    assert send_notification_emails([n.pk]) == 0  # logged, not raised: other ids go on
    n.refresh_from_db()
    assert n.emailed_at is None and n.email_claimed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with time_machine.travel(dt.timedelta(minutes=6)):
        assert services.notification_emails_pending() == [n.pk]
        assert sweep_notification_emails() == 1
    assert mail.outbox[0].subject == "带换行 的标题"
    assert sweep_notification_emails() == 0


def test_a_sender_that_died_after_claiming_is_replaced_after_the_lease(worker):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from accounts import services

    (n,) = notify(recipients=[worker], title="租约", email=False)
    Notification.objects.filter(pk=n.pk).update(email_claimed_at=timezone.now())
    assert services.notification_send_email(notification_id=n.pk) is False  # lease held
    with time_machine.travel(dt.timedelta(minutes=16)):
        assert services.notification_send_email(notification_id=n.pk) is True
    assert len(mail.outbox) == 1


def test_a_recipient_without_an_address_is_not_marked_as_emailed(worker):
    from accounts import services

    worker.email = ""
    worker.save()
    (n,) = notify(recipients=[worker], title="无邮箱", email=False)
    assert services.notification_send_email(notification_id=n.pk) is False
    n.refresh_from_db()
    assert n.emailed_at is None and n.email_claimed_at is None


def test_the_email_names_the_event_and_links_to_it_but_keeps_the_body_behind_the_login(
    worker, django_capture_on_commit_callbacks
):
    """A body may quote free text about a person (a reviewer's note): never in an e-mail."""
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[worker],
            title="对接申请 A-1 已被标记",
            body="核实:户主患尿毒症,与社工为亲属",
            url="/matching/applications/1/",
        )
    (message,) = mail.outbox
    assert "尿毒症" not in message.body and "尿毒症" not in message.subject
    assert "对接申请 A-1 已被标记" in message.body
    assert "请登录平台查看" in message.body
    assert "http://127.0.0.1:8000/matching/applications/1/" in message.body


def test_many_notifications_go_out_in_batches_over_one_connection(
    worker, settings, django_assert_max_num_queries, monkeypatch
):
    """An edition tells every station: 1,200 e-mails cost a few statements per batch of 500,
    not four per e-mail, and one mail connection."""
    from accounts import services

    users = User.objects.bulk_create(
        User(
            username=f"station{i}",
            email=f"station{i}@example.org",
            role="social_worker",
            region_id=worker.region_id,
        )
        for i in range(1200)
    )
    notes = notify(recipients=users, title="新台账已发布", email=False)
    opened = []
    from django.core import mail as mail_module

    original = mail_module.get_connection

    def counting(*args, **kwargs):
        connection = original(*args, **kwargs)
        opened.append(connection)
        return connection

    monkeypatch.setattr(mail_module, "get_connection", counting)
    with django_assert_max_num_queries(4 * 3):
        assert services.notification_send_emails(notification_ids=[n.pk for n in notes]) == 1200
    assert len(opened) == 1
    assert len(mail.outbox) == 1200
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    # Sending again sends nothing.
    assert services.notification_send_emails(notification_ids=[n.pk for n in notes]) == 0
    assert len(mail.outbox) == 1200


def test_one_refused_message_does_not_stop_the_others_and_is_released(worker, colleague, settings):
    from accounts import services

    settings.EMAIL_BACKEND = BROKEN
    BrokenBackend.refused = {"colleague@example.org"}
    try:
        first, second = notify(recipients=[worker, colleague], title="提醒", email=False)
        assert services.notification_send_emails(notification_ids=[first.pk, second.pk]) == 1
    finally:
        BrokenBackend.refused = set()
    first.refresh_from_db()
    second.refresh_from_db()
    assert {m.to[0] for m in mail.outbox} == {"worker@example.org"}
    sent, unsent = (first, second) if first.recipient_id == worker.pk else (second, first)
    assert sent.emailed_at is not None
    assert unsent.emailed_at is None and unsent.email_claimed_at is None


def test_a_notification_under_another_senders_lease_is_left_to_it(worker, colleague):
    from django.utils import timezone

    from accounts import services

    first, second = notify(recipients=[worker, colleague], title="租约", email=False)
    Notification.objects.filter(pk=first.pk).update(email_claimed_at=timezone.now())
    assert services.notification_send_emails(notification_ids=[first.pk, second.pk]) == 1
    assert len(mail.outbox) == 1
    first.refresh_from_db()
    assert first.emailed_at is None  # the other sender marks it
