from django.urls import path

from . import views

app_name = "referrals_api"

urlpatterns = [
    path("referrals/", views.ReferralListCreateApi.as_view(), name="referral_list"),
    path("referrals/person/", views.PersonReferralApi.as_view(), name="referral_person"),
    path("referrals/<int:pk>/", views.ReferralDetailApi.as_view(), name="referral_detail"),
    path(
        "referrals/<int:pk>/receive/", views.ReferralReceiveApi.as_view(), name="referral_receive"
    ),
    path("referrals/<int:pk>/accept/", views.ReferralAcceptApi.as_view(), name="referral_accept"),
    path(
        "referrals/<int:pk>/decline/", views.ReferralDeclineApi.as_view(), name="referral_decline"
    ),
    path("referrals/<int:pk>/start/", views.ReferralStartApi.as_view(), name="referral_start"),
    path(
        "referrals/<int:pk>/outcome/", views.ReferralOutcomeApi.as_view(), name="referral_outcome"
    ),
    path("referrals/<int:pk>/notes/", views.ReferralNoteApi.as_view(), name="referral_notes"),
    path(
        "referrals/<int:pk>/attachments/",
        views.ReferralAttachmentApi.as_view(),
        name="referral_attachments",
    ),
    path(
        "referrals/<int:pk>/link-household/",
        views.ReferralLinkHouseholdApi.as_view(),
        name="referral_link_household",
    ),
    path(
        "referrals/<int:pk>/register-household/",
        views.ReferralRegisterHouseholdApi.as_view(),
        name="referral_register_household",
    ),
    path("cases/", views.CaseListCreateApi.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.CaseDetailApi.as_view(), name="case_detail"),
    path("cases/<int:pk>/assessment/", views.CaseAssessApi.as_view(), name="case_assessment"),
    path("cases/<int:pk>/goals/", views.CaseGoalApi.as_view(), name="case_goals"),
    path(
        "cases/<int:pk>/goals/reached/",
        views.CaseGoalReachApi.as_view(),
        name="case_goals_reached",
    ),
    path("cases/<int:pk>/notes/", views.CaseNoteApi.as_view(), name="case_notes"),
    path("cases/<int:pk>/close/", views.CaseCloseApi.as_view(), name="case_close"),
]
