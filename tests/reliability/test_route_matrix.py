"""Every URL pattern × every role; a crawl as a social worker of one county; malformed input
to every form and API write operation. One module, so that the demo is loaded once.

GIVEN the demo data (seed_demo), every URL pattern of the resolver (the admin's included) is
filled with the id of a demo object of the right kind in 英德市 沙口镇 (the home of ``worker``),
and requested with GET by each role: the anonymous public, the administrator, the province, city
and county (英德市) civil affairs, the social worker of 沙口镇, the charity's staff, and two users
of the other county (清新区): its civil affairs officer and the social worker of 太和镇, for whom
every object of 英德市 is another county's; and the staff of a member unit of 英德市 (人社局),
who reach only their own pages (accounts.roles).
THEN each gets the status the table below says: 200, a redirect to the login page (``login``),
another redirect (302), 403, 404 or 405. A route missing from the table (a new page or API
operation) fails the test until its row is added, and so does a row whose route is gone.

GIVEN the same demo, the social worker of 沙口镇 (英德市) crawls every page reachable from the
dashboard and the menu, every list of the API with the details of what they list, and every
download (Excel workbooks and CSV read as text, PDF by its text).
THEN nothing of the other county (清新区) appears: none of its household numbers, none of its
members' names (those not also borne in 英德市), no link to or id of its households or needs,
and no name of its townships or villages.

GIVEN the same demo, every route that takes a write (POST, and PUT and PATCH in the API) gets,
as the first of the social worker, the administrator and the charity whom it lets write,
malformed bodies: NUL bytes in every field of its form, bytes that are not UTF-8 (latin-1
declared as UTF-8 among them), a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a wrong content type,
and for the API JSON nested 10,000 levels deep, of the wrong types, a bare list or string, cut
short, or not UTF-8 (each in a savepoint rolled back).
THEN no answer is a server error, and the API refuses each (400, 413, 415, or 403/404/409)
unless the operation takes no body at all.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings as settings_module
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Notification, Region, User
from matching.models import Application
from needs.models import Consent, Household, Member, Need
from oversight.models import AidRecord, ComplaintAttachment, RiskSignal
from referrals.models import Case, CaseGoal, Referral, ReferralAttachment
from reports.models import AnnualEvaluation, EvaluationBuild, ReportExport
from supply.models import LedgerEdition, ListingChange, Project

from ..demo_support import seed_demo_once

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "admin",
    "province_officer",
    "city_officer",
    "county_officer",
    "worker",
    "charity",
    "county_officer_b",
    "worker_taihe",
    "member_unit",
)


def patterns(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    """(name, route, pattern) of every URL pattern; the name with its namespaces."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from patterns(entry, prefix + str(entry.pattern), inner)
        else:
            route = prefix + str(entry.pattern)
            # An unnamed pattern (the admin's redirects) by its route, the id shortened.
            name = (
                f"{namespace}{entry.name}"
                if entry.name
                else route.replace("<path:object_id>", "<id>")
            )
            yield name, route, entry


# --- The demo objects the routes are filled with -------------------------------------------


def demo_objects() -> dict[str, Any]:
    """One object of each kind in 英德市 沙口镇, seen by its social worker (``worker``)."""
    worker = User.objects.get(username="worker")
    need = Need.objects.visible_to(worker).filter(applications__isnull=False).order_by("pk").first()
    household = need.household
    application = Application.objects.visible_to(worker).filter(need=need).order_by("pk").first()
    attachment = (
        ReferralAttachment.objects.filter(referral__in=Referral.objects.visible_to(worker))
        .order_by("pk")
        .first()
    )
    case = Case.objects.visible_to(worker).filter(goals__isnull=False).order_by("pk").first()
    evaluation = (
        AnnualEvaluation.objects.filter(region__code__startswith="441881", exports__isnull=False)
        .order_by("pk")
        .first()
    )
    complaint_file = (
        ComplaintAttachment.objects.filter(complaint__region__code__startswith="441881")
        .order_by("pk")
        .first()
    )
    objects = {
        "aid_record": AidRecord.objects.filter(
            region__code__startswith="441881", status="unmatched"
        )
        .order_by("pk")
        .first(),
        "risk_signal": RiskSignal.objects.visible_to(worker).order_by("pk").first(),
        "complaint": complaint_file.complaint if complaint_file else None,
        "complaint_attachment": complaint_file,
        "household": household,
        "member": need.member,
        "visit": household.visits.order_by("pk").first(),
        "need": need,
        "consent": Consent.objects.filter(household=household).order_by("pk").first()
        or Consent.objects.visible_to(worker).order_by("pk").first(),
        "application": application,
        "project": application.project,
        "organization": application.project.organization,
        "change": ListingChange.objects.order_by("pk").first(),
        "edition": LedgerEdition.objects.order_by("-period").first(),
        "referral": attachment.referral,
        "attachment": attachment,
        "case": case,
        "goal": CaseGoal.objects.filter(case=case).order_by("pk").first(),
        "evaluation": evaluation,
        "build": EvaluationBuild.objects.filter(region__code__startswith="441881")
        .order_by("pk")
        .first(),
        "export": ReportExport.objects.filter(evaluation=evaluation).order_by("pk").first(),
        "notification": Notification.objects.filter(recipient=worker).order_by("pk").first(),
        "colleague": User.objects.get(username="worker_colleague"),
    }
    missing = [kind for kind, value in objects.items() if value is None]
    assert missing == [], f"the demo has no {missing} in 沙口镇"
    return objects


#: What ``pk`` stands for, by the route's name (the first prefix that matches).
PK_KINDS = (
    ("needs_api:household", "household"),
    ("needs_api:member", "member"),
    ("needs_api:visit", "visit"),
    ("needs_api:need", "need"),
    ("needs_api:consent", "consent"),
    ("needs:", "household"),
    ("supply_api:organization", "organization"),
    ("supply_api:project", "project"),
    ("supply_api:change", "change"),
    ("supply_api:edition", "edition"),
    ("supply:project_create", "organization"),
    ("supply:project", "project"),
    ("supply:organization", "organization"),
    ("supply:change", "change"),
    ("supply:edition", "edition"),
    ("showcase:project", "project"),
    ("matching_api:", "application"),
    ("matching:", "application"),
    ("referrals_api:referral", "referral"),
    ("referrals_api:case", "case"),
    ("referrals:case", "case"),
    ("referrals:", "referral"),
    ("reports_api:evaluation", "evaluation"),
    ("reports_api:file", "export"),
    ("reports:evaluation", "evaluation"),
    ("reports:narrative", "evaluation"),
    ("reports:export_create", "evaluation"),
    ("reports:build", "build"),
    ("reports:export", "export"),
    ("oversight:aid_record", "aid_record"),
    ("oversight_api:aid_record", "aid_record"),
    ("oversight:risk", "risk_signal"),
    ("oversight_api:risk", "risk_signal"),
    ("oversight", "complaint"),
    ("notification_open", "notification"),
    ("staff_", "colleague"),
)
#: Other path arguments, by their name.
ARG_KINDS = {
    "member_pk": "member",
    "need_pk": "need",
    "need_id": "need",
    "consent_pk": "consent",
    "project_pk": "project",
    "household_pk": "household",
    "application_pk": "application",
    "attachment_pk": "attachment",
    "goal_pk": "goal",
}
ARG_VALUES = {"field": "id_number", "section": "worked"}


def fill(name: str, route: str, pattern: URLPattern, objects: dict[str, Any]) -> str:
    """The path of a pattern with its arguments filled with demo objects."""
    if name == "admin:app_list":
        return "/admin/accounts/"
    if route == "admin/(?P<url>.*)$":
        return "/admin/nothing-here/"

    def value(argument: str) -> str:
        if name.startswith("oversight") and argument == "attachment_pk":
            return str(objects["complaint_attachment"].pk)
        if argument in ARG_VALUES:
            return ARG_VALUES[argument]
        if argument == "pk":
            kind = next(kind for prefix, kind in PK_KINDS if name.startswith(prefix))
            return str(objects[kind].pk)
        if argument in ("object_id", "id"):
            if route.startswith("admin/r/"):
                return str(objects["household"].pk)
            app_label, model_name = route.split("/")[1:3]
            model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            return str(first or 1)  # a model the demo leaves empty: a missing object
        if argument == "content_type_id":
            return str(ContentType.objects.get_for_model(Household).pk)
        return str(objects[ARG_KINDS[argument]].pk)

    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1)), route)
    assert "<" not in path and "(" not in path and "^" not in path, f"{name}: {path}"
    return "/" + path


def outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(("/login/", "/admin/login/")):
            return "login"
    return str(response.status_code)


# --- The table ------------------------------------------------------------------------------

#: Route name → the status of each role, in the order of ROLES.
EXPECTED: dict[str, str] = {
    "admin/(?P<url>.*)$": "login 404 login login login login login login login 404",
    "admin/accounts/accesslog/<id>/": "login 302 login login login login login login login 404",
    "admin/accounts/notification/<id>/": "login 302 login login login login login login login 404",
    "admin/accounts/region/<id>/": "login 302 login login login login login login login 404",
    "admin/accounts/user/<id>/": "login 302 login login login login login login login 404",
    "admin/auditlog/logentry/<id>/": "login 302 login login login login login login login 404",
    "admin/auth/group/<id>/": "login 302 login login login login login login login 404",
    "admin/authtoken/tokenproxy/<id>/": "login 302 login login login login login login login 404",
    "admin/axes/accessattempt/<id>/": "login 302 login login login login login login login 404",
    "admin/axes/accessfailurelog/<id>/": "login 302 login login login login login login login 404",
    "admin/axes/accesslog/<id>/": "login 302 login login login login login login login 404",
    "admin/referrals/holiday/<id>/": "login 302 login login login login login login login 404",
    "admin:accounts_accesslog_add": "login 403 login login login login login login login 404",
    "admin:accounts_accesslog_change": "login 200 login login login login login login login 404",
    "admin:accounts_accesslog_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:accounts_accesslog_delete": "login 403 login login login login login login login 404",
    "admin:accounts_accesslog_history": "login 200 login login login login login login login 404",
    "admin:accounts_notification_add": "login 200 login login login login login login login 404",
    "admin:accounts_notification_change": "login 200 login login login login login login login 404",
    "admin:accounts_notification_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:accounts_notification_delete": "login 200 login login login login login login login 404",
    "admin:accounts_notification_history": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:accounts_region_add": "login 200 login login login login login login login 404",
    "admin:accounts_region_change": "login 200 login login login login login login login 404",
    "admin:accounts_region_changelist": "login 200 login login login login login login login 404",
    "admin:accounts_region_delete": "login 403 login login login login login login login 404",
    "admin:accounts_region_history": "login 200 login login login login login login login 404",
    "admin:accounts_user_add": "login 200 login login login login login login login 404",
    "admin:accounts_user_change": "login 200 login login login login login login login 404",
    "admin:accounts_user_changelist": "login 200 login login login login login login login 404",
    "admin:accounts_user_delete": "login 200 login login login login login login login 404",
    "admin:accounts_user_history": "login 200 login login login login login login login 404",
    "admin:app_list": "login 200 login login login login login login login 404",
    "admin:auditlog_logentry_add": "login 403 login login login login login login login 404",
    "admin:auditlog_logentry_change": "login 200 login login login login login login login 404",
    "admin:auditlog_logentry_changelist": "login 200 login login login login login login login 404",
    "admin:auditlog_logentry_delete": "login 403 login login login login login login login 404",
    "admin:auditlog_logentry_history": "login 200 login login login login login login login 404",
    "admin:auth_group_add": "login 200 login login login login login login login 404",
    "admin:auth_group_change": "login 302 login login login login login login login 404",
    "admin:auth_group_changelist": "login 200 login login login login login login login 404",
    "admin:auth_group_delete": "login 302 login login login login login login login 404",
    "admin:auth_group_history": "login 302 login login login login login login login 404",
    "admin:auth_user_password_change": "login 200 login login login login login login login 404",
    "admin:authtoken_tokenproxy_add": "login 200 login login login login login login login 404",
    "admin:authtoken_tokenproxy_change": "login 302 login login login login login login login 404",
    "admin:authtoken_tokenproxy_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:authtoken_tokenproxy_delete": "login 302 login login login login login login login 404",
    "admin:authtoken_tokenproxy_history": "login 302 login login login login login login login 404",
    "admin:autocomplete": "login 403 login login login login login login login 404",
    "admin:axes_accessattempt_add": "login 403 login login login login login login login 404",
    "admin:axes_accessattempt_change": "login 302 login login login login login login login 404",
    "admin:axes_accessattempt_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:axes_accessattempt_delete": "login 302 login login login login login login login 404",
    "admin:axes_accessattempt_history": "login 302 login login login login login login login 404",
    "admin:axes_accessfailurelog_add": "login 403 login login login login login login login 404",
    "admin:axes_accessfailurelog_change": "login 302 login login login login login login login 404",
    "admin:axes_accessfailurelog_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:axes_accessfailurelog_delete": "login 302 login login login login login login login 404",
    "admin:axes_accessfailurelog_history": "login 302 login login login login login login login 404",  # noqa: E501
    "admin:axes_accesslog_add": "login 403 login login login login login login login 404",
    "admin:axes_accesslog_change": "login 200 login login login login login login login 404",
    "admin:axes_accesslog_changelist": "login 200 login login login login login login login 404",
    "admin:axes_accesslog_delete": "login 200 login login login login login login login 404",
    "admin:axes_accesslog_history": "login 200 login login login login login login login 404",
    "admin:index": "login 200 login login login login login login login 404",
    "admin:jsi18n": "login 200 login login login login login login login 404",
    "admin:login": "200 302 200 200 200 200 200 200 200 404",
    "admin:logout": "302 405 302 302 302 302 302 302 302 404",
    "admin:password_change": "login 200 login login login login login login login 404",
    "admin:password_change_done": "login 200 login login login login login login login 404",
    "admin:referrals_holiday_add": "login 200 login login login login login login login 404",
    "admin:referrals_holiday_change": "login 302 login login login login login login login 404",
    "admin:referrals_holiday_changelist": "login 200 login login login login login login login 404",
    "admin:referrals_holiday_delete": "login 302 login login login login login login login 404",
    "admin:referrals_holiday_history": "login 302 login login login login login login login 404",
    "admin:view_on_site": "login 404 login login login login login login login 404",
    "api_me": "401 200 200 200 200 200 200 200 200 200",
    "api_token": "405 405 405 405 405 405 405 405 405 405",
    "audit": "login 200 404 404 404 404 404 404 404 404",
    "dashboard": "login 200 200 200 200 200 200 200 200 200",
    "home": "login 302 302 302 302 302 302 302 302 302",
    "login": "200 302 302 302 302 302 302 302 302 302",
    "logout": "405 405 405 405 405 405 405 405 405 405",
    "matching:application_accept": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_contact_reveal": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_create": "login 200 403 403 403 200 404 404 404 404",
    "matching:application_deliver": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_detail": "login 200 200 200 200 200 404 404 404 404",
    "matching:application_explain": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_feedback": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_list": "login 200 200 200 200 200 200 200 200 404",
    "matching:application_reject": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_review_confirm": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_review_flag": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_review_resolve": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_submit": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_supplier_feedback": "login 405 405 405 405 405 405 405 405 404",
    "matching:application_withdraw": "login 405 405 405 405 405 405 405 405 404",
    "matching:candidates": "login 200 200 200 200 200 404 404 404 404",
    "matching:consent_panel": "login 200 403 403 403 200 404 404 404 404",
    "matching:dashboard_card": "login 200 200 200 200 200 200 200 200 404",
    "matching:household_fragment": "login 200 200 200 200 200 404 404 404 404",
    "matching:inbox": "login 404 404 404 404 404 200 404 404 404",
    "matching:review_queue": "login 200 200 200 200 404 404 200 404 404",
    "matching_api:application_accept": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:application_deliver": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:application_detail": "401 200 200 200 200 200 404 404 404 404",
    "matching_api:application_explain": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:application_feedback": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:application_list": "401 200 200 200 200 200 200 200 200 404",
    "matching_api:application_reject": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:application_submit": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:application_withdraw": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:inbox": "401 200 200 200 200 200 200 200 200 404",
    "matching_api:need_candidates": "401 200 200 200 200 200 404 404 404 404",
    "matching_api:review_confirm": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:review_flag": "401 405 405 405 405 405 405 405 405 404",
    "matching_api:review_queue": "401 200 200 200 200 200 200 200 200 404",
    "matching_api:review_resolve": "401 405 405 405 405 405 405 405 405 404",
    "needs:consent_create": "login 200 403 403 403 200 404 404 404 404",
    "needs:consent_print": "login 200 200 200 200 200 404 404 404 404",
    "needs:consent_revoke": "login 200 403 403 403 200 404 404 404 404",
    "needs:dashboard_card": "login 200 200 200 200 200 200 200 200 404",
    "needs:filing_export": "login 200 200 200 200 200 404 200 200 404",
    "needs:household_create": "login 200 403 403 403 200 403 403 200 404",
    "needs:household_detail": "login 200 200 200 200 200 404 404 404 404",
    "needs:household_edit": "login 200 403 403 403 200 404 404 404 404",
    "needs:household_export": "login 200 200 200 200 200 200 200 200 404",
    "needs:household_find": "login 405 405 405 405 405 405 405 405 404",
    "needs:household_import": "login 200 404 404 404 200 404 404 200 404",
    "needs:household_list": "login 200 200 200 200 200 200 200 200 404",
    "needs:household_print": "login 200 200 200 200 200 404 404 404 404",
    "needs:import_template": "login 200 404 404 404 200 404 404 200 404",
    "needs:ledger_excel": "login 200 200 200 200 200 200 200 200 404",
    "needs:member_reveal": "login 405 405 405 405 405 405 405 405 404",
    "needs:need_create": "login 200 403 403 403 200 404 404 404 404",
    "needs:need_edit": "login 200 403 403 403 200 404 404 404 404",
    "needs:need_export": "login 200 200 200 200 200 200 200 200 404",
    "needs:need_transition": "login 200 403 403 403 200 404 404 404 404",
    "needs:visit_create": "login 200 403 403 403 200 404 404 404 404",
    "needs_api:consent_detail": "401 200 200 200 200 200 404 404 404 404",
    "needs_api:consent_list": "401 200 200 200 200 200 200 200 200 404",
    "needs_api:consent_revoke": "401 405 405 405 405 405 405 405 405 404",
    "needs_api:filing_export": "401 405 405 405 405 405 405 405 405 404",
    "needs_api:household_detail": "401 200 200 200 200 200 404 404 404 404",
    "needs_api:household_list": "401 200 200 200 200 200 200 200 200 404",
    "needs_api:member_detail": "401 200 200 200 200 200 404 404 404 404",
    "needs_api:member_list": "401 200 200 200 200 200 200 200 200 404",
    "needs_api:need_detail": "401 200 200 200 200 200 404 404 404 404",
    "needs_api:need_list": "401 200 200 200 200 200 200 200 200 404",
    "needs_api:need_transition": "401 405 405 405 405 405 405 405 405 404",
    "needs_api:visit_detail": "401 200 200 200 200 200 404 404 404 404",
    "needs_api:visit_list": "401 200 200 200 200 200 200 200 200 404",
    "notification_list": "login 200 200 200 200 200 200 200 200 200",
    "notification_open": "login 405 405 405 405 405 405 405 405 405",
    "notification_read_all": "login 405 405 405 405 405 405 405 405 405",
    "password_change": "login 200 200 200 200 200 200 200 200 200",
    "profile": "login 200 200 200 200 200 200 200 200 200",
    "referrals:attachment_download": "login 200 200 200 200 200 200 404 404 404",
    "referrals:case_assess": "login 405 405 405 405 405 405 405 405 404",
    "referrals:case_close": "login 405 405 405 405 405 405 405 405 404",
    "referrals:case_detail": "login 200 200 200 200 200 404 404 404 404",
    "referrals:case_goal": "login 405 405 405 405 405 405 405 405 404",
    "referrals:case_goal_reach": "login 405 405 405 405 405 405 405 405 404",
    "referrals:case_list": "login 200 200 200 200 200 404 200 200 404",
    "referrals:case_note": "login 405 405 405 405 405 405 405 405 404",
    "referrals:case_open": "login 200 404 404 404 200 404 404 404 404",
    "referrals:dashboard_card": "login 200 200 200 200 200 200 200 200 404",
    "referrals:household_fragment": "login 200 200 200 200 200 404 404 404 404",
    "referrals:inbox": "login 200 200 200 200 200 200 200 200 404",
    "referrals:refer_instead": "login 302 302 302 302 302 404 404 404 404",
    "referrals:refer_need": "login 302 302 302 302 302 404 404 404 404",
    "referrals:refer_person": "login 404 404 404 404 404 200 404 404 404",
    "referrals:referral_accept": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_attach": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_create": "login 200 200 200 200 200 404 404 404 404",
    "referrals:referral_decline": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_detail": "login 200 200 200 200 200 200 404 404 404",
    "referrals:referral_link": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_note": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_outcome": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_receive": "login 405 405 405 405 405 405 405 405 404",
    "referrals:referral_start": "login 405 405 405 405 405 405 405 405 404",
    "referrals:register_household": "login 404 404 404 404 404 404 404 404 404",
    "referrals_api:case_assessment": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:case_close": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:case_detail": "401 200 200 200 200 200 404 404 404 404",
    "referrals_api:case_goals": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:case_goals_reached": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:case_list": "401 200 200 200 200 200 200 200 200 404",
    "referrals_api:case_notes": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_accept": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_attachments": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_decline": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_detail": "401 200 200 200 200 200 200 404 404 404",
    "referrals_api:referral_link_household": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_list": "401 200 200 200 200 200 200 200 200 404",
    "referrals_api:referral_notes": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_outcome": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_person": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_receive": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_register_household": "401 405 405 405 405 405 405 405 405 404",
    "referrals_api:referral_start": "401 405 405 405 405 405 405 405 405 404",
    "reports:build_create": "login 405 405 405 405 405 405 405 405 404",
    "reports:build_status": "login 200 404 404 404 404 404 404 404 404",
    "reports:dashboard": "login 200 200 200 200 404 404 200 404 404",
    "reports:dashboard_card": "login 200 200 200 200 404 404 200 404 404",
    "reports:evaluation_accept": "login 405 405 405 405 405 405 405 405 404",
    "reports:evaluation_detail": "login 200 200 200 200 404 404 404 404 404",
    "reports:evaluation_list": "login 200 200 200 200 404 404 200 404 404",
    "reports:evaluation_return": "login 405 405 405 405 405 405 405 405 404",
    "reports:evaluation_submit": "login 405 405 405 405 405 405 405 405 404",
    "reports:export_create": "login 405 405 405 405 405 405 405 405 404",
    "reports:export_download": "login 200 200 200 200 404 404 404 404 404",
    "reports:export_status": "login 200 200 200 200 404 404 404 404 404",
    "reports:narrative_save": "login 405 405 405 405 405 405 405 405 404",
    "reports:zip_create": "login 405 405 405 405 405 405 405 405 404",
    "reports_api:evaluation_detail": "401 200 200 200 200 404 404 404 404 404",
    "reports_api:evaluation_files": "401 200 200 200 200 404 404 404 404 404",
    "reports_api:evaluation_list": "401 200 200 200 200 200 200 200 200 404",
    "reports_api:file_download": "401 200 200 200 200 404 404 404 404 404",
    "reports_api:metrics": "401 200 200 200 200 404 404 200 404 404",
    "schema": "401 200 200 200 200 200 200 200 200 200",
    "showcase:index": "200 200 200 200 200 200 200 200 200 200",
    "showcase:project": "200 200 200 200 200 200 200 200 200 200",
    "staff_detail": "login 200 200 200 200 200 404 404 404 404",
    "staff_list": "login 200 200 200 200 200 200 200 200 404",
    "staff_reveal_phone": "login 405 405 405 405 405 405 405 405 404",
    "supply:change_approve": "login 405 405 405 405 405 405 405 405 404",
    "supply:change_detail": "login 200 200 200 200 404 200 404 404 404",
    "supply:change_reject": "login 405 405 405 405 405 405 405 405 404",
    "supply:charity_workspace": "login 404 404 404 404 404 200 404 404 404",
    "supply:dashboard_card": "login 200 200 200 200 200 200 200 200 404",
    "supply:edition_detail": "login 200 200 200 200 200 200 200 200 404",
    "supply:edition_list": "login 200 200 200 200 200 200 200 200 404",
    "supply:edition_workbook": "login 200 200 200 200 200 200 200 200 404",
    "supply:excel": "login 200 200 200 200 404 404 200 404 404",
    "supply:excel_export": "login 200 200 200 200 404 404 200 404 404",
    "supply:excel_import": "login 405 405 405 405 405 405 405 405 404",
    "supply:excel_template": "login 200 200 200 200 404 404 200 404 404",
    "supply:organization_charity_status": "login 405 405 405 405 405 405 405 405 404",
    "supply:organization_detail": "login 200 200 200 200 200 200 200 200 404",
    "supply:organization_list": "login 200 200 200 200 404 200 200 404 404",
    "supply:organization_register": "login 200 200 200 200 404 404 200 404 404",
    "supply:organization_search": "login 200 200 200 200 200 200 200 200 404",
    "supply:project_confirm": "login 405 405 405 405 405 405 405 405 404",
    "supply:project_create": "login 200 200 404 404 404 404 404 404 404",
    "supply:project_detail": "login 200 200 200 200 200 200 200 200 404",
    "supply:project_disclose": "login 405 405 405 405 405 405 405 405 404",
    "supply:project_edit": "login 403 403 403 403 403 403 403 403 404",
    "supply:project_list": "login 200 200 200 200 200 200 200 200 404",
    "supply:project_transition": "login 403 403 403 403 403 403 403 403 404",
    "supply:review_queue": "login 200 200 200 200 404 404 200 404 404",
    "supply:tier_projects": "login 200 200 200 200 404 404 200 404 404",
    "supply_api:change_approve": "401 405 405 405 405 405 405 405 405 404",
    "supply_api:change_detail": "401 200 200 200 200 404 200 404 404 404",
    "supply_api:change_list": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:change_reject": "401 405 405 405 405 405 405 405 405 404",
    "supply_api:edition_detail": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:edition_diff": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:edition_entries": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:edition_list": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:edition_workbook": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:organization_charity_status": "401 405 405 405 405 405 405 405 405 404",
    "supply_api:organization_detail": "401 200 200 404 404 404 404 404 404 404",
    "supply_api:organization_list": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:project_change_create": "401 405 405 405 405 405 405 405 405 404",
    "supply_api:project_confirm": "401 405 405 405 405 405 405 405 405 404",
    "supply_api:project_detail": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:project_list": "401 200 200 200 200 200 200 200 200 404",
    "supply_api:project_transition": "401 405 405 405 405 405 405 405 405 404",
    "swagger-ui": "401 200 200 200 200 200 200 200 200 200",
    "admin/oversight/complaint/<id>/": "login 302 login login login login login login login 404",
    "admin:oversight_complaint_add": "login 403 login login login login login login login 404",
    "admin:oversight_complaint_change": "login 200 login login login login login login login 404",
    "admin:oversight_complaint_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:oversight_complaint_delete": "login 403 login login login login login login login 404",
    "admin:oversight_complaint_history": "login 200 login login login login login login login 404",
    "admin/oversight/riskrulesetting/<id>/": "login 302 login login login login login login login 404",  # noqa: E501
    "admin:oversight_riskrulesetting_add": "login 403 login login login login login login login 404",  # noqa: E501
    "admin:oversight_riskrulesetting_change": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:oversight_riskrulesetting_delete": "login 403 login login login login login login login 404",  # noqa: E501
    "admin/oversight/risksignal/<id>/": "login 302 login login login login login login login 404",
    "admin:oversight_risksignal_add": "login 403 login login login login login login login 404",
    "admin:oversight_risksignal_change": "login 200 login login login login login login login 404",
    "admin:oversight_risksignal_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:oversight_risksignal_delete": "login 403 login login login login login login login 404",
    "admin:oversight_risksignal_history": "login 200 login login login login login login login 404",
    "complaints:filed": "302 302 302 302 302 302 302 302 302 302",
    "complaints:new": "200 200 200 200 200 200 200 200 200 200",
    "complaints:track": "200 200 200 200 200 200 200 200 200 200",
    "demand:showcase": "200 200 200 200 200 200 200 200 200 200",
    "matching:charity_demand": "login 404 404 404 404 404 200 404 404 404",
    "matching_api:demand_signals": "401 200 200 200 200 200 200 200 200 404",
    "oversight:attachment_download": "login 200 200 200 200 404 404 404 404 404",
    "oversight:complaint_conclude": "login 405 405 405 405 405 405 405 405 404",
    "oversight:complaint_detail": "login 200 200 200 200 404 404 404 404 404",
    "oversight:complaint_list": "login 200 200 200 200 200 200 200 200 404",
    "oversight:complaint_start": "login 405 405 405 405 405 405 405 405 404",
    "oversight:contact_reveal": "login 405 405 405 405 405 405 405 405 404",
    "oversight:dashboard_card": "login 200 200 200 200 200 200 200 200 404",
    "oversight_api:complaint_conclude": "401 405 405 405 405 405 405 405 405 404",
    "oversight_api:complaint_detail": "401 200 200 200 200 404 404 404 404 404",
    "oversight_api:complaint_list": "401 200 200 200 200 200 200 200 200 404",
    "oversight_api:complaint_start": "401 405 405 405 405 405 405 405 405 404",
    "oversight:risk_dashboard_card": "login 200 200 200 200 200 200 200 200 404",
    "oversight:risk_signal_detail": "login 200 200 200 200 200 404 404 404 404",
    "oversight:risk_signal_list": "login 200 200 200 200 200 200 200 200 404",
    "oversight:risk_signal_resolve": "login 405 405 405 405 405 405 405 405 404",
    "oversight_api:risk_signal_detail": "401 200 200 200 200 200 404 404 404 404",
    "oversight_api:risk_signal_list": "401 200 200 200 200 200 200 200 200 404",
    "oversight_api:risk_signal_resolve": "401 405 405 405 405 405 405 405 405 404",
    "admin/oversight/memberunit/<id>/": "login 302 login login login login login login login 404",
    "admin:oversight_memberunit_add": "login 200 login login login login login login login 404",
    "admin:oversight_memberunit_change": "login 200 login login login login login login login 404",
    "admin:oversight_memberunit_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:oversight_memberunit_delete": "login 403 login login login login login login login 404",
    "admin:oversight_memberunit_history": "login 200 login login login login login login login 404",
    "oversight:aid_card": "login 200 200 200 200 404 404 200 404 200",
    "oversight:aid_household_fragment": "login 200 200 200 200 200 404 404 404 404",
    "oversight:aid_import": "login 404 404 404 404 404 404 404 404 200",
    "oversight:aid_record_dismiss": "login 405 405 405 405 405 405 405 405 405",
    "oversight:aid_record_list": "login 200 200 200 200 404 404 200 404 200",
    "oversight:aid_record_match": "login 405 405 405 405 405 405 405 405 405",
    "oversight:aid_record_match_all": "login 405 405 405 405 405 405 405 405 405",
    "oversight:aid_template": "login 404 404 404 404 404 404 404 404 200",
    "oversight_api:aid_record_batch": "401 405 405 405 405 405 405 405 405 405",
    "oversight_api:aid_record_detail": "401 200 200 200 200 404 404 404 404 200",
    "oversight_api:aid_record_list": "401 200 200 200 200 200 200 200 200 200",
    "admin:oversight_riskrulesetting_changelist": "login 200 login login login login login login login 404",  # noqa: E501
    "admin:oversight_riskrulesetting_history": "login 200 login login login login login login login 404",  # noqa: E501
}


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory, demo_media) -> Iterator[str]:
    yield from seed_demo_once(django_db_blocker, tmp_path_factory, media_root=demo_media)


def _clients() -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for role in ROLES[1:]:
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=role))
    return clients


def test_every_route_gives_each_role_the_status_of_the_table(demo, demo_media, settings):
    settings.DEBUG = False
    settings.MEDIA_ROOT = demo_media
    objects = demo_objects()
    clients = _clients()
    observed: dict[str, str] = {}
    paths: dict[str, str] = {}
    for name, route, pattern in patterns():
        path = fill(name, route, pattern, objects)
        paths[name] = path
        statuses = []
        for role in ROLES:
            cache.clear()  # throttles
            statuses.append(outcome(clients[role].get(path)))
        observed[name] = " ".join(statuses)

    unlisted = sorted(set(observed) - set(EXPECTED))
    gone = sorted(set(EXPECTED) - set(observed))
    wrong = sorted(
        name for name in observed if name in EXPECTED and EXPECTED[name] != observed[name]
    )
    report = [f'    "{name}": "{observed[name]}",  # {paths[name]}' for name in unlisted + wrong]
    assert (unlisted, gone, wrong) == ([], [], []), f"roles: {' '.join(ROLES)}\n" + "\n".join(
        report
    )


# --- The crawl as a social worker of 英德市 -------------------------------------------------

OTHER_COUNTY = "441803"  # 清新区
HOME_COUNTY = "441881"  # 英德市
SKIP = ("/static/", "/media/", "/logout/", "/admin/", "/api/docs/", "/api/schema/")
MAX_PAGES = 400
HREF = re.compile(r"""(?:href|hx-get|action)="([^"#]+)""")


def _text_of(response) -> str:
    """What a response shows: HTML or JSON as text, a workbook's cells, a PDF's text."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # xlsx (or a zip of them)
        parts = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                if data[:2] == b"PK":
                    with zipfile.ZipFile(io.BytesIO(data)) as inner:
                        parts += [
                            inner.read(n).decode("utf-8", "replace") for n in inner.namelist()
                        ]
                else:
                    parts.append(data.decode("utf-8", "replace"))
        return "\n".join(parts)
    if body[:4] == b"%PDF":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if "json" in content_type:
        return json.dumps(json.loads(body), ensure_ascii=False)
    return body.decode("utf-8-sig", "replace")


def _forbidden() -> tuple[dict[str, str], dict[str, str]]:
    """What of the other county a worker of 英德市 must never see: string → what it is; the
    names of people, and the names of places (which the public supply ledger may show, in the
    coverage of a listing)."""
    home = Q(household__region__code__startswith=HOME_COUNTY)
    # Names a page may rightly show that some person of 清新区 also bears: people of 英德市,
    # guardians and witnesses of its consents, staff, contacts of the public listings.
    rightly_shown = {
        *Member.objects.filter(home).values_list("name", flat=True),
        *Consent.objects.filter(home).values_list("guardian_name", flat=True),
        *Consent.objects.filter(home).values_list("witness_name", flat=True),
        *User.objects.values_list("name", flat=True),
        *Project.objects.values_list("contact_name", flat=True),
    }
    rightly_text = "\n".join(rightly_shown)  # "红峰村委会 陈志刚" shows 陈志刚 rightly
    people: dict[str, str] = {}
    for household in Household.objects.filter(region__code__startswith=OTHER_COUNTY):
        people[household.code] = f"household number of {household.region.name}"
    others = Member.objects.filter(household__region__code__startswith=OTHER_COUNTY)
    for name in others.values_list("name", flat=True):
        if name not in rightly_text and len(name) >= 2:
            people[name] = "member of 清新区"
    home_places = set(
        Region.objects.filter(code__startswith=HOME_COUNTY).values_list("name", flat=True)
    )
    places = {
        region.name: f"place in 清新区 ({region.code})"
        for region in Region.objects.filter(
            code__startswith=OTHER_COUNTY, level__in=["township", "village"]
        )
        if region.name not in home_places
    }
    return people, places


#: The public supply ledger: its listings cover places anywhere in the province.
SUPPLY = ("/supply/", "/api/supply/", "/showcase/")


def _foreign_ids() -> dict[str, set[int]]:
    return {
        "household": set(
            Household.objects.filter(region__code__startswith=OTHER_COUNTY).values_list(
                "pk", flat=True
            )
        ),
        "need": set(
            Need.objects.filter(household__region__code__startswith=OTHER_COUNTY).values_list(
                "pk", flat=True
            )
        ),
    }


LINKED_IDS = (
    (re.compile(r"/needs/households/(\d+)/"), "household"),
    (re.compile(r"/households/(\d+)/"), "household"),
    (re.compile(r"/needs/(\d+)/"), "need"),
)


def _api_lists() -> list[str]:
    return [
        "/" + route
        for name, route, _pattern in patterns()
        if route.startswith("api/")
        and "<" not in route
        and name.endswith(("_list", "inbox", "review_queue", "metrics"))
    ]


def test_a_worker_of_one_county_sees_nothing_of_another_county(demo, demo_media, settings):
    settings.MEDIA_ROOT = demo_media
    people, places = _forbidden()
    foreign = _foreign_ids()
    assert len(people) > 20 and places and foreign["household"] and foreign["need"]
    client = Client()
    client.force_login(User.objects.get(username="worker"))

    queue = deque(["/dashboard/", "/account/", *_api_lists()])
    seen = set(queue)
    offences: list[str] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        cache.clear()
        response = client.get(url)
        visited += 1
        if response.status_code != 200:
            continue
        text = _text_of(response)
        forbidden = people if url.startswith(SUPPLY) else {**people, **places}
        for needle, what in forbidden.items():
            if needle in text:
                at = text.index(needle)
                offences.append(f"{url}: {needle} ({what}) in …{text[max(0, at - 80) : at + 40]}…")
        for pattern, kind in LINKED_IDS:
            for match in pattern.finditer(text):
                if int(match.group(1)) in foreign[kind]:
                    offences.append(f"{url}: link to {kind} {match.group(1)} of 清新区")
        links = [urljoin(url, href.replace("&amp;", "&")) for href in HREF.findall(text)]
        if url.startswith("/api/") and "json" in response.get("Content-Type", ""):
            data = json.loads(text)
            offences += [f"{url}: {kind} {pk} of 清新区" for kind, pk in _references(data, foreign)]
            links += _api_details(url, data)
        for link in links:
            parts = urlsplit(link)
            if parts.netloc not in ("", "testserver") or parts.path.startswith(SKIP):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and "page=" not in parts.query:
                seen.add(target)
                queue.append(target)
    assert visited > 100
    assert offences == [], "\n".join(offences)


def _api_details(url: str, data: Any) -> list[str]:
    """The detail addresses of the first rows of an API list, and its next page."""
    rows = data.get("results", data) if isinstance(data, dict) else data
    links = []
    if isinstance(rows, list):
        for row in rows[:5]:
            if isinstance(row, dict) and isinstance(row.get("id"), int):
                links.append(f"{urlsplit(url).path}{row['id']}/")
    return links


def _references(data: Any, foreign: dict[str, set[int]]) -> Iterator[tuple[str, int]]:
    """Households and needs of the other county that a JSON answer refers to by id."""
    if isinstance(data, list):
        for item in data:
            yield from _references(item, foreign)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in foreign and isinstance(value, int) and value in foreign[key]:
                yield key, value
            else:
                yield from _references(value, foreign)


# --- Malformed input to every form and API operation ----------------------------------------

NUL = "a\x00b"
#: Field names sent when a page shows no form to read them from.
COMMON_FIELDS = ("name", "title", "description", "reason", "note", "comment", "code", "q")
INPUT = re.compile(r"""<(?:input|textarea|select)[^>]*\bname="([^"]+)\"""")
DEEP = 10_000
#: Sent to find server errors, not required to be refused: DRF's CharField takes a number as
#: its text ("1e+300"), a documented coercion.
COERCED = {"JSON numbers for text"}
#: Routes not sent malformed input: logging out ends the session the crawl uses.
NOT_SENT = {"logout", "admin:logout"}


def _malformed_bodies(fields: list[str], api: bool) -> list[tuple[str, bytes, str]]:
    """(what, body, content type) of each malformed request."""
    limit = settings_module.DATA_UPLOAD_MAX_MEMORY_SIZE
    form = "application/x-www-form-urlencoded"
    bodies = [
        ("NUL bytes in every field", urlencode(dict.fromkeys(fields, NUL)).encode(), form),
        ("invalid UTF-8", b"&".join(f.encode() + b"=\xff\xfe\xc3" for f in fields), form),
        (
            "latin-1 declared as UTF-8",
            urlencode(dict.fromkeys(fields, "café"), encoding="latin-1").encode(),
            f"{form}; charset=utf-8",
        ),
        ("a huge body", b"a=" + b"x" * (limit + 1), form),
        ("a wrong content type", b"<a>1</a>", "application/xml"),
        ("an unknown charset", b"a=1", f"{form}; charset=no-such-charset"),
    ]
    if api:
        json_type = "application/json"
        bodies += [
            ("deeply nested JSON", b"[" * DEEP + b"]" * DEEP, json_type),
            ("deeply nested JSON objects", b'{"a":' * DEEP + b"1" + b"}" * DEEP, json_type),
            ("JSON NUL bytes", json.dumps(dict.fromkeys(fields, NUL)).encode(), json_type),
            (
                "JSON of wrong types",
                json.dumps({f: [{"x": []}] for f in fields}).encode(),
                json_type,
            ),
            ("JSON numbers for text", json.dumps(dict.fromkeys(fields, 1e308)).encode(), json_type),
            ("a JSON list", b"[1, 2, 3]", json_type),
            ("a JSON string", b'"text"', json_type),
            ("invalid JSON", b'{"name": ', json_type),
            (
                "latin-1 JSON declared as UTF-8",
                '{"name": "café"}'.encode("latin-1"),
                f"{json_type}; charset=utf-8",
            ),
            ("invalid UTF-8 JSON", b'{"name": "\xff\xfe"}', json_type),
            ("a huge JSON body", b'{"a": "' + b"x" * (limit + 1) + b'"}', json_type),
        ]
    return bodies


def _write_statuses(client: Client, path: str, api: bool) -> dict[str, int]:
    """The status of each write method with an empty body (rolled back); 405s left out."""
    statuses = {}
    for method in ["POST", "PUT", "PATCH"] if api else ["POST"]:
        with transaction.atomic():
            response = client.generic(method, path, b"", "application/json")
            transaction.set_rollback(True)
        if response.status_code != 405:
            statuses[method] = response.status_code
    return statuses


def test_malformed_input_to_every_form_and_api_operation_is_refused_never_a_server_error(
    demo, demo_media, settings
):
    settings.DEBUG = False
    settings.MEDIA_ROOT = demo_media
    objects = demo_objects()
    clients = {
        role: Client(raise_request_exception=False) for role in ("worker", "admin", "charity")
    }
    for role, client in clients.items():
        client.force_login(User.objects.get(username=role))
    failures: list[str] = []
    sent = 0
    for name, route, pattern in patterns():
        if name in NOT_SENT or route.startswith("admin/"):
            continue
        path = fill(name, route, pattern, objects)
        api = route.startswith("api/")
        # The first of the roles the route lets write (not 403/404 to an empty request): the
        # malformed body then reaches what reads it.
        for writer in clients:
            cache.clear()
            client = clients[writer]
            empty = _write_statuses(client, path, api)
            if any(status not in (403, 404) for status in empty.values()):
                break
        else:
            continue  # read-only (405), or no role may write
        page = client.get(path)
        html = (
            page.text
            if not (api or page.streaming)
            and page.status_code == 200
            and "text/html" in page.get("Content-Type", "")
            else ""
        )
        fields = sorted(set(INPUT.findall(html)) - {"csrfmiddlewaretoken"}) or list(COMMON_FIELDS)
        for method, empty_status in empty.items():
            for what, body, content_type in _malformed_bodies(fields, api):
                cache.clear()
                with transaction.atomic():
                    response = client.generic(method, path, body, content_type)
                    transaction.set_rollback(True)
                sent += 1
                status = response.status_code
                # An operation that takes no body (it answers an empty one with success) may
                # ignore a malformed one too; any other must refuse it. An HTML form may answer
                # bad input with the form again (200) or act on the URL alone (a redirect).
                ignores_body = 200 <= empty_status < 300
                refused = status in (400, 403, 404, 409, 413, 415)
                lenient = ignores_body or what in COERCED
                if status >= 500 or (api and not refused and not lenient):
                    failures.append(f"{method} {path} as {writer}, {what}: {status}")
    assert sent > 500
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures)
