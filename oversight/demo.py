"""Demo data for complaints, loaded by ``manage.py seed_demo`` (which calls ``seed``) after the
supply ledger, matching and referrals.

Complaints from the public, filed only through ``oversight.services`` as the public would:
about a county project of 英德市 (just received, with a photo), a city organisation of 清远市
(being investigated by the city), a match of a 沙口镇 household (concluded with a reply), the
沙口镇 social worker 张社工 by name (the county takes it on; she never sees it), and one of
清新区 filed weeks ago that nobody answered (the daily job reminds 清新区 and tells the city).
The services stamp the current time, so each is moved back afterwards to when it happened (demo
back-dating, by plain queryset updates of columns that are not editable). A second run finds
complaints and creates nothing. The tracking codes are printed once, when they are made.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from accounts.models import Region, User
from matching.models import Application
from referrals.workdays import add_working_days
from supply.models import Organization, Project

from . import conf, jobs, services
from .models import Complaint

K = Complaint.Subject
YINGDE, QINGXIN, QINGYUAN = "441881000000", "441803000000", "441800000000"
#: The smallest PNG (1×1 pixel): the demo's "photo of the receipt".
PHOTO = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def seed(*, stdout: OutputWrapper | TextIO) -> None:
    """Load the complaints demo unless there are complaints already; report what there is."""
    codes: list[str] = []
    with transaction.atomic():
        if not Complaint.objects.exists():
            codes = _Loader(timezone.now()).run()
    stdout.write(_summary() + "\n")
    for line in codes:
        stdout.write(f"  {line}\n")
    from . import demo_aid  # member units' aid records (issue 14, point 2)

    demo_aid.seed(stdout=stdout)
    from .demo_risk import seed as seed_risk_signals

    seed_risk_signals(stdout=stdout)


def _summary() -> str:
    rows = Complaint.objects.all()
    by_status = ", ".join(
        f"{status} {rows.filter(status=status).count()}" for status in Complaint.Status.values
    )
    return (
        f"oversight demo: {rows.count()} complaints ({by_status}), {rows.overdue().count()} overdue"
    )


class _Loader:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        logins = ("county_officer", "county_officer_b", "city_officer", "worker_colleague")
        self.users = {u.username: u for u in User.objects.filter(username__in=logins)}
        self.codes: list[str] = []

    def user(self, name: str) -> User | None:
        return self.users.get(name)

    def run(self) -> list[str]:
        self._project()
        self._organization()
        self._application()
        self._staff()
        self._unanswered()
        jobs.follow_up(now=self.now)
        return self.codes

    # --- Helpers ------------------------------------------------------------------------------

    def _file(self, label: str, days_ago: int, **values: Any) -> Complaint:
        complaint, code = services.complaint_file(client_address=None, **values)
        day = timezone.localdate(self.now) - dt.timedelta(days=days_ago)
        at = self.now - dt.timedelta(days=days_ago)
        Complaint.objects.filter(pk=complaint.pk).update(
            received_at=at,
            status_changed_at=at,
            due_on=add_working_days(day, conf.reply_working_days()),
            remind_on=add_working_days(day, conf.reminder_working_days()),
        )
        complaint.refresh_from_db()
        self.codes.append(f"{label}: {complaint.number}, tracking code {code}")
        return complaint

    def _back(self, complaint: Complaint, days_ago: int, *fields: str) -> None:
        at = self.now - dt.timedelta(days=days_ago)
        Complaint.objects.filter(pk=complaint.pk).update(**dict.fromkeys(fields, at))

    # --- Stories ------------------------------------------------------------------------------

    def _project(self) -> None:
        project = (
            Project.objects.published()
            .filter(organization__registering_region_id=YINGDE)
            .order_by("pk")
            .first()
        )
        if project is None:
            return
        self._file(
            "received",
            1,
            subject_kind=K.PROJECT,
            project=project,
            body="村里通知申请这个项目要先交 50 元“资料费”,交了以后一直没有下文。",
            upload=SimpleUploadedFile("收据照片.PNG", PHOTO, content_type="image/png"),
        )

    def _organization(self) -> None:
        organization = (
            Organization.objects.in_ledger().filter(registering_region_id=QINGYUAN).first()
        )
        officer = self.user("city_officer")
        if organization is None or officer is None:
            return
        complaint = self._file(
            "investigating",
            6,
            subject_kind=K.ORGANIZATION,
            organization=organization,
            body="该机构发放物资时要求受助家庭在宣传照上露脸并公开姓名,老人不愿意也被强迫拍照。",
            anonymous=False,
            contact_name="陈女士",
            contact_phone="13722223333",
        )
        services.complaint_start(user=officer, complaint=complaint)
        self._back(complaint, 4, "started_at", "status_changed_at")

    def _application(self) -> None:
        application = (
            Application.objects.filter(household__region__code__startswith=YINGDE[:6])
            .order_by("pk")
            .first()
        )
        officer = self.user("county_officer")
        if application is None or officer is None:
            return
        complaint = self._file(
            "concluded",
            20,
            subject_kind=K.APPLICATION,
            application_number=application.number,
            body="申请提交一个多月没有任何答复,打电话给机构也没人接。",
        )
        services.complaint_start(user=officer, complaint=complaint)
        services.complaint_conclude(
            user=officer,
            complaint=complaint,
            finding=Complaint.Finding.PARTLY_UPHELD,
            reply="经核查,机构因人手不足未及时答复。我局已督促机构在 5 个工作日内答复申请,"
            "并安排社工上门说明进展。感谢您的监督。",
        )
        self._back(complaint, 18, "started_at")
        self._back(complaint, 9, "concluded_at", "status_changed_at")

    def _staff(self) -> None:
        named = self.user("worker_colleague")
        officer = self.user("county_officer")
        place = Region.objects.filter(pk=YINGDE).first()
        if named is None or officer is None or place is None:
            return
        complaint = self._file(
            "about a staff member",
            3,
            subject_kind=K.STAFF,
            subject_name=named.name,
            place=place,
            body="上门走访时态度生硬,没有说明来意就拍摄家中情况。",
        )
        services.complaint_start(user=officer, complaint=complaint)

    def _unanswered(self) -> None:
        project = (
            Project.objects.published()
            .filter(organization__registering_region_id=QINGXIN)
            .order_by("pk")
            .first()
        )
        if project is None:
            return
        self._file(
            "overdue",
            30,
            subject_kind=K.PROJECT,
            project=project,
            body="项目说明写有 20 个名额,但镇上的申请全部被以“名额已满”拒绝。",
        )
