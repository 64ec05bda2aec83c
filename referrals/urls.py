from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("households/<int:household_pk>/refer/", views.referral_create, name="referral_create"),
    path("needs/<int:need_pk>/refer/", views.refer_need, name="refer_need"),
    path("applications/<int:application_pk>/refer/", views.refer_instead, name="refer_instead"),
    path("person/", views.refer_person, name="refer_person"),
    path("<int:pk>/", views.referral_detail, name="referral_detail"),
    path("<int:pk>/receive/", views.referral_receive, name="referral_receive"),
    path("<int:pk>/accept/", views.referral_accept, name="referral_accept"),
    path("<int:pk>/decline/", views.referral_decline, name="referral_decline"),
    path("<int:pk>/start/", views.referral_start, name="referral_start"),
    path("<int:pk>/outcome/", views.referral_outcome, name="referral_outcome"),
    path("<int:pk>/notes/", views.referral_note, name="referral_note"),
    path("<int:pk>/attachments/", views.referral_attach, name="referral_attach"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/link-household/", views.referral_link, name="referral_link"),
    path("<int:pk>/register-household/", views.register_household, name="register_household"),
    path("cases/", views.case_list, name="case_list"),
    path("households/<int:household_pk>/cases/new/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/assessment/", views.case_assess, name="case_assess"),
    path("cases/<int:pk>/goals/", views.case_goal, name="case_goal"),
    path(
        "cases/<int:pk>/goals/<int:goal_pk>/reached/",
        views.case_goal_reach,
        name="case_goal_reach",
    ),
    path("cases/<int:pk>/notes/", views.case_note, name="case_note"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path(
        "households/<int:household_pk>/fragment/",
        views.household_fragment,
        name="household_fragment",
    ),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
]
