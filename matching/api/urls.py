from django.urls import path

from . import demand, views

app_name = "matching_api"

urlpatterns = [
    path("demand/", demand.DemandSignalsApi.as_view(), name="demand_signals"),
    path(
        "needs/<int:need_id>/candidates/",
        views.NeedCandidatesApi.as_view(),
        name="need_candidates",
    ),
    path("applications/", views.ApplicationListCreateApi.as_view(), name="application_list"),
    path(
        "applications/<int:pk>/",
        views.ApplicationDetailApi.as_view(),
        name="application_detail",
    ),
    path(
        "applications/<int:pk>/submit/",
        views.ApplicationSubmitApi.as_view(),
        name="application_submit",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        views.ApplicationWithdrawApi.as_view(),
        name="application_withdraw",
    ),
    path(
        "applications/<int:pk>/accept/",
        views.ApplicationAcceptApi.as_view(),
        name="application_accept",
    ),
    path(
        "applications/<int:pk>/reject/",
        views.ApplicationRejectApi.as_view(),
        name="application_reject",
    ),
    path(
        "applications/<int:pk>/explain/",
        views.ApplicationExplainApi.as_view(),
        name="application_explain",
    ),
    path(
        "applications/<int:pk>/deliver/",
        views.ApplicationDeliverApi.as_view(),
        name="application_deliver",
    ),
    path(
        "applications/<int:pk>/feedback/",
        views.ApplicationFeedbackApi.as_view(),
        name="application_feedback",
    ),
    path(
        "applications/<int:pk>/review/confirm/",
        views.ReviewConfirmApi.as_view(),
        name="review_confirm",
    ),
    path("applications/<int:pk>/review/flag/", views.ReviewFlagApi.as_view(), name="review_flag"),
    path(
        "applications/<int:pk>/review/resolve/",
        views.ReviewResolveApi.as_view(),
        name="review_resolve",
    ),
    path("inbox/", views.InboxApi.as_view(), name="inbox"),
    path("review-queue/", views.ReviewQueueApi.as_view(), name="review_queue"),
]
