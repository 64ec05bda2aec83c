from django.urls import path

from . import views

app_name = "reports_api"

urlpatterns = [
    path("evaluations/", views.EvaluationListApi.as_view(), name="evaluation_list"),
    path("evaluations/<int:pk>/", views.EvaluationDetailApi.as_view(), name="evaluation_detail"),
    path(
        "evaluations/<int:pk>/files/", views.EvaluationFilesApi.as_view(), name="evaluation_files"
    ),
    path("files/<int:pk>/download/", views.FileDownloadApi.as_view(), name="file_download"),
    path("metrics/", views.LiveMetricsApi.as_view(), name="metrics"),
]
