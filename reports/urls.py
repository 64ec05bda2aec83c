from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard-card/", views.dashboard_card, name="dashboard_card"),
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "evaluations/<int:pk>/narrative/<slug:section>/",
        views.narrative_save,
        name="narrative_save",
    ),
    path("evaluations/<int:pk>/submit/", views.evaluation_submit, name="evaluation_submit"),
    path("evaluations/<int:pk>/return/", views.evaluation_return, name="evaluation_return"),
    path("evaluations/<int:pk>/accept/", views.evaluation_accept, name="evaluation_accept"),
    path("evaluations/<int:pk>/files/", views.export_create, name="export_create"),
    path("builds/", views.build_create, name="build_create"),
    path("builds/<int:pk>/", views.build_status, name="build_status"),
    path("zips/", views.zip_create, name="zip_create"),
    path("files/<int:pk>/", views.export_status, name="export_status"),
    path("files/<int:pk>/download/", views.export_download, name="export_download"),
]
