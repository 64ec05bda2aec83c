from django.urls import path

from . import views, views_demand

app_name = "matching"

urlpatterns = [
    path("needs/<int:need_pk>/candidates/", views.candidates, name="candidates"),
    path(
        "needs/<int:need_pk>/apply/<int:project_pk>/",
        views.application_create,
        name="application_create",
    ),
    path(
        "needs/<int:need_pk>/apply/<int:project_pk>/consent/",
        views.consent_panel,
        name="consent_panel",
    ),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/submit/", views.application_submit, name="application_submit"),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"
    ),
    path("applications/<int:pk>/explain/", views.application_explain, name="application_explain"),
    path(
        "applications/<int:pk>/feedback/", views.application_feedback, name="application_feedback"
    ),
    path("applications/<int:pk>/accept/", views.application_accept, name="application_accept"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application_reject"),
    path("applications/<int:pk>/deliver/", views.application_deliver, name="application_deliver"),
    path(
        "applications/<int:pk>/supplier-feedback/",
        views.application_supplier_feedback,
        name="application_supplier_feedback",
    ),
    path(
        "applications/<int:pk>/review/confirm/",
        views.application_review_confirm,
        name="application_review_confirm",
    ),
    path(
        "applications/<int:pk>/review/flag/",
        views.application_review_flag,
        name="application_review_flag",
    ),
    path(
        "applications/<int:pk>/review/resolve/",
        views.application_review_resolve,
        name="application_review_resolve",
    ),
    path(
        "applications/<int:pk>/contact/",
        views.application_contact_reveal,
        name="application_contact_reveal",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("review/", views.review_queue, name="review_queue"),
    path(
        "households/<int:household_pk>/applications/",
        views.household_fragment,
        name="household_fragment",
    ),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
    path("demand/", views_demand.charity_demand, name="charity_demand"),
]
