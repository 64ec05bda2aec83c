from django.urls import path

from . import views

app_name = "oversight_api"

urlpatterns = [
    path("complaints/", views.ComplaintListApi.as_view(), name="complaint_list"),
    path("complaints/<int:pk>/", views.ComplaintDetailApi.as_view(), name="complaint_detail"),
    path("complaints/<int:pk>/start/", views.ComplaintStartApi.as_view(), name="complaint_start"),
    path(
        "complaints/<int:pk>/conclude/",
        views.ComplaintConcludeApi.as_view(),
        name="complaint_conclude",
    ),
]

# Risk early warning (oversight.api.risk).
from . import risk  # noqa: E402

urlpatterns += [
    path("risk-signals/", risk.RiskSignalListApi.as_view(), name="risk_signal_list"),
    path("risk-signals/<int:pk>/", risk.RiskSignalDetailApi.as_view(), name="risk_signal_detail"),
    path(
        "risk-signals/<int:pk>/resolve/",
        risk.RiskSignalResolveApi.as_view(),
        name="risk_signal_resolve",
    ),
]

# Member units' aid records (issue 14, point 2).
from . import aid_records  # noqa: E402

urlpatterns += [
    path("aid-records/", aid_records.AidRecordListCreateApi.as_view(), name="aid_record_list"),
    path("aid-records/batch/", aid_records.AidRecordBatchApi.as_view(), name="aid_record_batch"),
    path(
        "aid-records/<int:pk>/",
        aid_records.AidRecordDetailApi.as_view(),
        name="aid_record_detail",
    ),
]
