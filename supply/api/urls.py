from django.urls import path

from . import views

app_name = "supply_api"

urlpatterns = [
    path(
        "organizations/",
        views.OrganizationListCreateApi.as_view(),
        name="organization_list",
    ),
    path(
        "organizations/<int:pk>/",
        views.OrganizationDetailApi.as_view(),
        name="organization_detail",
    ),
    path(
        "organizations/<int:pk>/charity-status/",
        views.OrganizationCharityStatusApi.as_view(),
        name="organization_charity_status",
    ),
    path("projects/", views.ProjectListCreateApi.as_view(), name="project_list"),
    path("projects/<int:pk>/", views.ProjectDetailApi.as_view(), name="project_detail"),
    path(
        "projects/<int:pk>/transition/",
        views.ProjectTransitionApi.as_view(),
        name="project_transition",
    ),
    path("projects/<int:pk>/confirm/", views.ProjectConfirmApi.as_view(), name="project_confirm"),
    path(
        "projects/<int:pk>/changes/",
        views.ProjectChangeCreateApi.as_view(),
        name="project_change_create",
    ),
    path("changes/", views.ListingChangeListApi.as_view(), name="change_list"),
    path("changes/<int:pk>/", views.ListingChangeDetailApi.as_view(), name="change_detail"),
    path(
        "changes/<int:pk>/approve/",
        views.ListingChangeApproveApi.as_view(),
        name="change_approve",
    ),
    path("changes/<int:pk>/reject/", views.ListingChangeRejectApi.as_view(), name="change_reject"),
    path("editions/", views.LedgerEditionListApi.as_view(), name="edition_list"),
    path("editions/<int:pk>/", views.LedgerEditionDetailApi.as_view(), name="edition_detail"),
    path(
        "editions/<int:pk>/entries/",
        views.LedgerEntryListApi.as_view(),
        name="edition_entries",
    ),
    path("editions/<int:pk>/diff/", views.LedgerEditionDiffApi.as_view(), name="edition_diff"),
    path(
        "editions/<int:pk>/workbook/",
        views.LedgerEditionWorkbookApi.as_view(),
        name="edition_workbook",
    ),
]
