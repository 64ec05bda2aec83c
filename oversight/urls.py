from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/start/", views.complaint_start, name="complaint_start"),
    path("complaints/<int:pk>/conclude/", views.complaint_conclude, name="complaint_conclude"),
    path(
        "complaints/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("complaints/<int:pk>/reveal/<str:field>/", views.contact_reveal, name="contact_reveal"),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
]

# Risk early warning (oversight.views_risk).
from . import views_risk  # noqa: E402

urlpatterns += [
    path("risk-signals/", views_risk.risk_signal_list, name="risk_signal_list"),
    path("risk-signals/<int:pk>/", views_risk.risk_signal_detail, name="risk_signal_detail"),
    path(
        "risk-signals/<int:pk>/resolve/",
        views_risk.risk_signal_resolve,
        name="risk_signal_resolve",
    ),
    path("risk-card/", views_risk.risk_dashboard_card, name="risk_dashboard_card"),
]

# Member units' aid records (issue 14, point 2).
from . import views_aid  # noqa: E402

urlpatterns += [
    path("aid-records/", views_aid.aid_record_list, name="aid_record_list"),
    path("aid-records/match/", views_aid.aid_record_match_all, name="aid_record_match_all"),
    path("aid-records/<int:pk>/match/", views_aid.aid_record_match, name="aid_record_match"),
    path("aid-records/<int:pk>/dismiss/", views_aid.aid_record_dismiss, name="aid_record_dismiss"),
    path("aid-records/import/", views_aid.aid_import, name="aid_import"),
    path("aid-records/template/", views_aid.aid_template, name="aid_template"),
    path(
        "aid-records/households/<int:household_pk>/",
        views_aid.household_fragment,
        name="aid_household_fragment",
    ),
    path("aid-records/card/", views_aid.aid_card, name="aid_card"),
]
