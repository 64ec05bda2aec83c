from django.urls import include, path

from . import views

app_name = "needs"

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/find/", views.household_find, name="household_find"),
    path("households/new/", views.household_edit, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/print/", views.household_print, name="household_print"),
    path(
        "households/<int:pk>/members/<int:member_pk>/reveal/<str:field>/",
        views.member_reveal,
        name="member_reveal",
    ),
    path("households/<int:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("households/<int:pk>/needs/new/", views.need_edit, name="need_create"),
    path("households/<int:pk>/needs/<int:need_pk>/edit/", views.need_edit, name="need_edit"),
    path(
        "households/<int:pk>/needs/<int:need_pk>/status/",
        views.need_transition,
        name="need_transition",
    ),
    path("households/<int:pk>/consents/new/", views.consent_create, name="consent_create"),
    path(
        "households/<int:pk>/consents/<int:consent_pk>/print/",
        views.consent_print,
        name="consent_print",
    ),
    path(
        "households/<int:pk>/consents/<int:consent_pk>/revoke/",
        views.consent_revoke,
        name="consent_revoke",
    ),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
    path("", include("needs.urls_excel")),
]
