from django.urls import include, path

from . import views

app_name = "supply"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/status/", views.project_transition, name="project_transition"),
    path("projects/<int:pk>/confirm/", views.project_confirm, name="project_confirm"),
    path("projects/<int:pk>/disclosed/", views.project_disclose, name="project_disclose"),
    path("mine/", views.workspace, name="charity_workspace"),
    path("organisations/", views.organization_list, name="organization_list"),
    path("organisations/new/", views.organization_register, name="organization_register"),
    path("organisations/search/", views.organization_search, name="organization_search"),
    path("organisations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organisations/<int:pk>/projects/new/", views.project_create, name="project_create"),
    path(
        "organisations/<int:pk>/charity-status/",
        views.organization_charity_status,
        name="organization_charity_status",
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("review/projects/", views.tier_projects, name="tier_projects"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("changes/<int:pk>/approve/", views.change_approve, name="change_approve"),
    path("changes/<int:pk>/reject/", views.change_reject, name="change_reject"),
    path("editions/", views.edition_list, name="edition_list"),
    path("editions/<int:pk>/", views.edition_detail, name="edition_detail"),
    path("editions/<int:pk>/workbook/", views.edition_workbook, name="edition_workbook"),
    path("", include("supply.urls_excel")),
]
